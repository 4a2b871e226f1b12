"""Detection quality on synthetic data with ground truth, beside three baselines.

    python benchmarks/quality.py                  # seeds 501-503 at scale 1, 504 at 3, 505 at 10
    python benchmarks/quality.py --data 7:1 --data 8:2
    python benchmarks/quality.py --structure-only --data 601:1   # links and labels only

Each data set is generated here from its seed, scanned, and measured on risk == high
rings. The knobs were set while looking at seeds 1, 101-104, 202, 305 and 405; the default
seeds were never looked at before they were measured. Baselines, in the same run on
the same data:

  cc-all      connected components over every shared device/account
  cc-pruned   the same after dropping identifiers shared by more than 10 actors
  louvain     Louvain on that pruned projection, communities with a blacklisted member
  graphfraud  the full pipeline; "no-embedding" is the same without graph embeddings
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from graphfraud.loaders import read_dataset
from graphfraud.pipeline import ScanParams, scan
from graphfraud.synth import SynthConfig, generate
from graphfraud.synth.evaluate import (
    Quality,
    baseline_components,
    baseline_louvain,
    evaluate,
    load_truth,
)

DEFAULT_DATA = ("501:1", "502:1", "503:1", "504:3", "505:10")


def _rings(result: object) -> list[frozenset[str]]:
    return [frozenset(f"{m.type}:{m.id}" for m in r.members)
            for r in result.rings if r.risk == "high"]  # type: ignore[attr-defined]


def measure(seed: int, scale: float, workdir: Path, *, structure_only: bool = False
            ) -> list[tuple[str, Quality, float]]:
    data = workdir / f"s{seed}-x{scale:g}{'-structure' if structure_only else ''}"
    generate(data, SynthConfig(seed=seed, scale=scale, structure_only=structure_only))
    dataset = read_dataset(data).dataset
    truth = load_truth(data)
    rows: list[tuple[str, Quality, float]] = []
    for name, run in (
        ("cc-all", lambda: baseline_components(dataset)),
        ("cc-pruned", lambda: baseline_components(dataset, max_sharing=10)),
        ("louvain", lambda: baseline_louvain(dataset, max_sharing=10, seed=seed)),
        ("graphfraud no-embedding", lambda: _rings(scan(
            dataset, ScanParams.with_seed(seed, use_embedding=False)))),
        ("graphfraud", lambda: _rings(scan(dataset, ScanParams.with_seed(seed)))),
    ):
        started = time.perf_counter()
        predicted = run()
        rows.append((name, evaluate(predicted, truth), time.perf_counter() - started))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", metavar="SEED:SCALE",
                        help=f"repeatable; default {' '.join(DEFAULT_DATA)}")
    parser.add_argument("--structure-only", action="store_true",
                        help="generate structure-only worlds (SynthConfig(structure_only=True))")
    args = parser.parse_args()
    mode = ", structure only" if args.structure_only else ""
    header = ("| data | method | high rings | ring recall | ring precision | member P "
              "| member R | member F1 | look-alikes flagged | time |")
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    with tempfile.TemporaryDirectory(prefix="graphfraud-quality-") as tmp:
        for spec in args.data or DEFAULT_DATA:
            seed, scale = spec.split(":")
            rows = measure(int(seed), float(scale), Path(tmp),
                           structure_only=args.structure_only)
            for name, q, seconds in rows:
                print(f"| seed {seed}, scale {scale}{mode} | {name} | {q.rings_predicted} "
                      f"| {q.ring_recall:.3f} | {q.ring_precision:.3f} "
                      f"| {q.member_precision:.3f} | {q.member_recall:.3f} "
                      f"| {q.member_f1:.3f} | {q.lookalikes_flagged}/{q.lookalikes} "
                      f"({_by_kind(q)}) | {seconds:.1f} s |", flush=True)


def _by_kind(q: Quality) -> str:
    """Look-alikes flagged by kind: "agency 1/3, agency declared 0/3, ..."."""
    return ", ".join(f"{kind} {hit}/{total}" for kind, (hit, total)
                     in q.lookalikes_by_kind.items())


if __name__ == "__main__":
    main()
