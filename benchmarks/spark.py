"""The scan on Spark against the embedded scan, in the same run, on the same exports.

    python benchmarks/spark.py                        # scales 1 and 5, local[1] and local[2]
    python benchmarks/spark.py --scales 1,10 --masters "local[1],local[2],local[4]"

Each run is `graphfraud scan` end to end in its own process (Spark runs start a JVM;
that start is part of what a user waits for), on a synthetic export (about 10,000
actors per unit of scale). Printed per run: input rows, wall time, rows per second,
the ratio to the embedded scan, the stage times from rings.json, and whether the rings
equal the embedded scan's (they must: the same code scores each bucket).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from graphfraud.synth import SynthConfig, generate


def run(data: Path, out: Path, extra: list[str]) -> tuple[float, dict]:  # type: ignore[type-arg]
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "graphfraud", "scan", str(data), "--out", str(out),
                    "--seed", "7", "--quiet", *extra], check=True, capture_output=True)
    return time.perf_counter() - started, json.loads((out / "rings.json").read_text("utf-8"))


def line(first: tuple, engine: str, seconds: float, report: dict) -> None:  # type: ignore[type-arg]
    scale, actors, rows, base_seconds, base = first
    stages = ", ".join(f"{k} {v:.1f}" for k, v in report["summary"]["seconds"].items()
                       if not k.startswith("parts: "))
    same = "yes" if report["rings"] == base["rings"] else "NO"
    print(f"| {scale:g} | {actors:,} | {rows:,} | {engine} | {seconds:.1f} s | "
          f"{rows / seconds:,.0f} | {seconds / base_seconds:.1f}x | {stages} | {same} |",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,5")
    parser.add_argument("--masters", default="local[1],local[2]")
    args = parser.parse_args()
    print("| scale | actors | input rows | engine | wall | rows/s | vs embedded | stages | "
          "same rings |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="graphfraud-spark-") as tmp:
        for scale in (float(s) for s in args.scales.split(",")):
            data = Path(tmp) / f"data-{scale:g}"
            generate(data, SynthConfig(scale=scale, seed=17))
            base_seconds, base = run(data, Path(tmp) / f"e-{scale:g}", [])
            rows = base["summary"]["rows"]
            actors = base["summary"]["merchants"] + base["summary"]["streamers"]

            first = (scale, actors, rows, base_seconds, base)
            line(first, "embedded", base_seconds, base)
            for master in args.masters.split(","):
                seconds, report = run(data, Path(tmp) / f"s-{scale:g}-{master}",
                                      ["--engine", "spark", "--spark-master", master])
                line(first, f"spark {master}", seconds, report)


if __name__ == "__main__":
    main()
