"""`graphfraud batch`: a first full run, an incremental run, and a full reload beside it.

    python benchmarks/batch_incremental.py --scale 10 [--changes 3000]

Replaces the configured Neo4j database's content (NEO4J_URI ... or the local server).
Runs batch on a synthetic export (full load), then on a newer export that adds
merchants with their links and changes statuses (``--changes`` rows in all), then
times a plain full `graphfraud load` of that newer export as the baseline.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from graphfraud.cli import cli


def _wipe() -> None:
    from graphfraud.server.local import connection_settings

    settings = connection_settings()
    with settings.driver() as driver, driver.session(database=settings.database) as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def _timed(args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output + result.stderr
    return time.perf_counter() - started, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--changes", type=int, default=3000)
    args = parser.parse_args()

    from graphfraud.synth import SynthConfig, generate

    work = Path(tempfile.mkdtemp(prefix="gf-batch-"))
    exports, runs = work / "exports", work / "runs"
    first = exports / "2026-01-01"
    generate(first, SynthConfig(scale=args.scale, seed=11))
    (first / "ground_truth.json").unlink()
    _wipe()
    full_s, _ = _timed(["batch", str(exports), "--runs", str(runs), "-q"])
    again_s, _ = _timed(["batch", str(exports), "--runs", str(runs), "-q"])

    second = exports / "2026-01-02"
    shutil.copytree(first, second)
    new = args.changes // 3
    with (second / "merchants.csv").open("a", newline="") as fh:
        csv.writer(fh).writerows([[f"bench-{i}", "x", "2024-06-01", "food", "active"]
                                  for i in range(new)])
    with (second / "merchant_devices.csv").open("a", newline="") as fh:
        csv.writer(fh).writerows([[f"bench-{i}", f"bench-phone-{i // 4}", "", "", 2]
                                  for i in range(new)])
    with (second / "merchant_accounts.csv").open("a", newline="") as fh:
        csv.writer(fh).writerows([[f"bench-{i}", f"bench-wallet-{i // 5}", "settlement", ""]
                                  for i in range(args.changes - 2 * new)])
    incr_s, _ = _timed(["batch", str(exports), "--runs", str(runs), "-q"])
    latest = runs / (runs / "LATEST").read_text().strip()
    batch = json.loads((latest / "batch.json").read_text())

    _wipe()
    reload_s, _ = _timed(["load", str(second), "-q", "--rejects", str(work / "r.csv")])
    rows = batch["rows"]
    print(f"batch at scale {args.scale}: {rows:,} input rows, {args.changes:,} changed rows")
    print(f"{'run':<44}{'seconds':>9}{'vs full reload':>16}")
    for name, s in (("first batch (full load + scan + report)", full_s),
                    ("same export again (nothing to do)", again_s),
                    (f"newer export (incremental: {batch['load']['written']:,} written)",
                     incr_s),
                    ("baseline: full `graphfraud load` of it", reload_s)):
        print(f"{name:<44}{s:>9.1f}{reload_s / s:>15.1f}x")
    print("incremental run stages:", batch["seconds"])
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
