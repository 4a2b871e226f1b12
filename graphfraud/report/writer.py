"""Write a scan's rings as rings.json, rings.csv and a self-contained report.html."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphfraud.pipeline import ScanResult

SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class RunInfo:
    """Where the data came from and how the run went before detection."""

    source: str
    rows: int = 0
    rejected_rows: int = 0
    generated_at: datetime | None = None


def _run_id(generated_at: datetime, result: ScanResult, source: str) -> str:
    digest = hashlib.sha1()
    digest.update(source.encode())
    digest.update(json.dumps(result.params.as_dict(), sort_keys=True).encode())
    for ring in result.rings:
        digest.update(ring.ring_id.encode())
    return f"{generated_at:%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:8]}"


def build_report(result: ScanResult, info: RunInfo) -> dict[str, Any]:
    """The rings.json document (schema version 1)."""
    generated_at = (info.generated_at or datetime.now(UTC)).astimezone(UTC).replace(
        microsecond=0)
    summary: dict[str, Any] = dict(result.counts)
    summary.update(rows=info.rows, rejected_rows=info.rejected_rows,
                   seconds=dict(result.timings))
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "run_id": _run_id(generated_at, result, info.source),
        "generated_at": generated_at.isoformat().replace("+00:00", "Z"),
        "source": info.source,
        "params": result.params.as_dict(),
        "summary": summary,
        "rings": [
            {
                "ring_id": r.ring_id,
                "score": r.score,
                "risk": r.risk,
                "pattern": r.pattern,
                "members": [asdict(m) for m in r.members],
                "shared": [asdict(s) for s in r.shared],
                "evidence": list(r.evidence),
                "known_fraud": r.known_fraud,
                "known_legit": r.known_legit,
            }
            for r in result.rings
        ],
        "hubs": [asdict(h) for h in result.hubs],
    }
    if result.changes is not None:
        report["changes"] = result.changes.as_dict()
    return report


def write_reports(result: ScanResult, info: RunInfo, out_dir: str | Path, *,
                  redact: bool = False) -> dict[str, Path]:
    """Write rings.json, rings.csv and report.html into ``out_dir``; return their paths.

    With ``redact``, rings.csv and report.html carry pseudonyms instead of entity
    ids (see :mod:`graphfraud.report.redact`) and ``redaction-key.csv`` maps them
    back; rings.json, the team's own record, keeps the real ids.
    """
    from graphfraud.report.html import render_html

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = build_report(result, info)
    paths = {"json": out / "rings.json", "csv": out / "rings.csv", "html": out / "report.html"}
    _atomic_write(paths["json"], _json_document(report))
    shared_view = report
    rename = None
    if redact:
        from graphfraud.report.redact import Redactor

        redactor = Redactor()
        shared_view = redactor.report(report)
        rename = redactor.key
    with _atomic(paths["csv"]) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["ring_id", "ring_score", "risk", "pattern", "member_type", "member_id",
                         "member_score", "ring_known_fraud", "ring_known_legit",
                         "shared_identifiers", "top_evidence"])
        for ring in shared_view["rings"]:
            for m in ring["members"]:
                writer.writerow([ring["ring_id"], ring["score"], ring["risk"], ring["pattern"],
                                 m["type"], m["id"], m["score"], ring["known_fraud"],
                                 ring["known_legit"], len(ring["shared"]),
                                 ring["evidence"][0] if ring["evidence"] else ""])
    _atomic_write(paths["html"], render_html(shared_view, result, rename=rename))
    if redact:
        paths["key"] = out / "redaction-key.csv"
        with _atomic(paths["key"]) as tmp:
            redactor.write_key(tmp)
    else:
        (out / "redaction-key.csv").unlink(missing_ok=True)  # a stale key would mislead
    if result.index is not None:
        from graphfraud.check.index import INDEX_FILE, save_index

        paths["index"] = out / INDEX_FILE
        with _atomic(paths["index"]) as tmp:
            save_index(result.index, tmp)
    return paths


def _json_document(report: dict[str, Any]) -> str:
    """rings.json text: one top-level key per line and one ring (or hub) per line.

    Readable and diffable like an indented document, but every line is encoded by the
    C JSON encoder (``indent`` forces the pure-Python one, seconds at a million merchants).
    """
    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    parts = []
    for key, value in report.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            body = ",\n  ".join(dump(v) for v in value)
            parts.append(f"{dump(key)}: [\n  {body}\n ]")
        else:
            parts.append(f"{dump(key)}: {dump(value)}")
    return "{\n " + ",\n ".join(parts) + "\n}\n"


class _atomic:
    """Write to a temporary sibling, then rename: readers never see half a file."""

    def __init__(self, path: Path):
        self.path = path
        self.tmp = path.with_name(f".{path.name}.partial")

    def __enter__(self) -> Path:
        return self.tmp

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.tmp.replace(self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def _atomic_write(path: Path, text: str) -> None:
    with _atomic(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
