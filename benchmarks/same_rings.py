"""Scan exports and compare the ring report with reference outputs, field for field.

    python benchmarks/same_rings.py DATA_DIR REF_OUT [DATA_DIR REF_OUT ...]

Each DATA_DIR is scanned by the installed command (``graphfraud scan DATA_DIR --out TMP
--seed SEED --quiet``, SEED taken from ``REF_OUT/rings.json``'s params) into a fresh
directory. Its rings.json is compared with ``REF_OUT/rings.json`` in every field but
``run_id``, ``generated_at`` and ``summary.seconds``, and its rings.csv with
``REF_OUT/rings.csv`` row by row, field by field. Give DATA_DIR as the reference was
made with: the path is the report's ``source``.

Prints every difference (the first 20 per file) and exits 1 on any, 0 when every
export gives the same rings. A refactoring that must not change behaviour runs this
against outputs of the code before it.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: Fields that differ between any two runs: when, and how long each stage took.
IGNORED = {("run_id",), ("generated_at",), ("summary", "seconds")}
SHOWN = 20


def _where(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "(document)"


def json_differences(ours: Any, reference: Any, path: tuple[Any, ...] = ()) -> Iterator[str]:
    """Every place where two JSON values differ (types included: 1 is not 1.0)."""
    if path in IGNORED:
        return
    if isinstance(ours, dict) and isinstance(reference, dict):
        for key in [*reference, *(k for k in ours if k not in reference)]:
            if key not in ours:
                yield f"{_where((*path, key))}: missing (reference has it)"
            elif key not in reference:
                yield f"{_where((*path, key))}: not in the reference"
            else:
                yield from json_differences(ours[key], reference[key], (*path, key))
    elif isinstance(ours, list) and isinstance(reference, list):
        if len(ours) != len(reference):
            yield f"{_where(path)}: {len(ours)} items, reference {len(reference)}"
        for i, (a, b) in enumerate(zip(ours, reference, strict=False)):
            yield from json_differences(a, b, (*path, i))
    elif type(ours) is not type(reference) or ours != reference:
        yield f"{_where(path)}: {ours!r}, reference {reference!r}"


def csv_differences(ours: Path, reference: Path) -> Iterator[str]:
    """Every field of rings.csv that differs, by row and column name."""
    with ours.open(newline="", encoding="utf-8") as fh:
        mine = list(csv.reader(fh))
    with reference.open(newline="", encoding="utf-8") as fh:
        theirs = list(csv.reader(fh))
    if len(mine) != len(theirs):
        yield f"rings.csv: {len(mine)} lines, reference {len(theirs)}"
    header = theirs[0] if theirs else []
    for line, (a, b) in enumerate(zip(mine, theirs, strict=False), start=1):
        if len(a) != len(b):
            yield f"rings.csv line {line}: {len(a)} fields, reference {len(b)}"
        for col, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                name = header[col] if col < len(header) else str(col)
                yield f"rings.csv line {line}, {name}: {x!r}, reference {y!r}"


def compare(data_dir: str, reference: Path, work: Path) -> list[str]:
    """Scan ``data_dir`` like the reference run and list what differs."""
    try:
        expected = json.loads((reference / "rings.json").read_text("utf-8"))
        seed = expected["params"]["seed"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return [f"no usable reference rings.json in {reference}: {e!r}"]
    out = work / reference.name
    done = subprocess.run(
        [sys.executable, "-m", "graphfraud", "scan", data_dir, "--out", str(out),
         "--seed", str(seed), "--quiet"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return [f"scan failed with exit code {done.returncode}: {done.stderr.strip()}"]
    found = json.loads((out / "rings.json").read_text("utf-8"))
    problems = list(json_differences(found, expected))
    shown = [f"rings.json {p}" for p in problems[:SHOWN]]
    if len(problems) > SHOWN:
        shown.append(f"rings.json: … {len(problems) - SHOWN} more differences")
    try:
        rows = list(csv_differences(out / "rings.csv", reference / "rings.csv"))
    except OSError as e:
        rows = [f"rings.csv: {e}"]
    shown += rows[:SHOWN]
    if len(rows) > SHOWN:
        shown.append(f"rings.csv: … {len(rows) - SHOWN} more differences")
    return shown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="+", metavar="DATA_DIR REF_OUT",
                        help="an export and the output directory of its reference scan")
    args = parser.parse_args()
    if len(args.pairs) % 2:
        parser.error("give DATA_DIR REF_OUT pairs")
    different = 0
    with tempfile.TemporaryDirectory(prefix="same-rings-") as tmp:
        for data_dir, ref in zip(args.pairs[::2], args.pairs[1::2], strict=True):
            reference = Path(ref)
            problems = compare(data_dir, reference, Path(tmp))
            if problems:
                different += 1
                print(f"DIFFERENT {data_dir} vs {reference}:")
                for line in problems:
                    print(f"  {line}")
            else:
                rings = len(json.loads((reference / "rings.json").read_text("utf-8"))["rings"])
                with (reference / "rings.csv").open(newline="", encoding="utf-8") as fh:
                    rows = sum(1 for _ in csv.reader(fh)) - 1
                print(f"identical {data_dir} vs {reference}: {rings} rings, {rows} rings.csv "
                      "rows (run_id, generated_at, summary.seconds not compared)")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
