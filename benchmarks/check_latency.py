"""Latency of the onboarding check (`graphfraud check`): p50 / p95 / p99 per backend.

    python benchmarks/check_latency.py --scale 1 [--neo4j] [--probes 2000]

Generates a synthetic export, scans it (building the check index), and times checks of
probe applicants: half reuse identifiers of detected rings or of blacklisted actors
(the answers that matter), half are fresh. The in-memory index is loaded once, as an
onboarding service would hold it; its load time is printed separately. With --neo4j
the same probes run against the graph that `graphfraud batch` builds in the configured
Neo4j (NEO4J_URI ... or the local server; its database is replaced). The baseline
beside them is a plain scan of the export's link tables with pandas for each probe,
which is what answering without an index costs.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)

    def at(q: float) -> float:
        return ms[min(len(ms) - 1, int(q * len(ms)))]

    return {"p50": statistics.median(ms), "p95": at(0.95), "p99": at(0.99), "max": ms[-1]}


def probes(out: Path, count: int, seed: int) -> list[Any]:
    from graphfraud.check.assess import Applicant
    from graphfraud.check.index import CheckIndex

    rng = random.Random(seed)
    index = CheckIndex.load(out)
    frame = index.frame
    hot = frame[frame["rings"].notna() | frame["fraud_actors"].notna()]
    hot_devices = hot.loc[hot["type"] == "device", "id"].tolist()
    hot_accounts = hot.loc[hot["type"] == "payment_account", "id"].tolist()
    hosts = frame.loc[frame["type"] == "streamer", "id"].tolist()
    out_list = []
    for i in range(count):
        if i % 2 == 0 and hot_devices and hot_accounts:
            out_list.append(Applicant(f"p{i}", devices=(rng.choice(hot_devices), f"new-{i}"),
                                      accounts=(rng.choice(hot_accounts),),
                                      streamers=(rng.choice(hosts),) if hosts else ()))
        else:
            out_list.append(Applicant(f"p{i}", devices=(f"new-d{i}",), accounts=(f"new-a{i}",)))
    return out_list


def baseline_scan(data: Path, applicant: Any) -> int:
    """What answering costs without an index: filter the link tables for each probe."""
    import pandas as pd

    hits = 0
    for name, column, wanted in (("merchant_devices", "device_id", applicant.devices),
                                 ("merchant_accounts", "account_id", applicant.accounts)):
        frame = pd.read_csv(data / f"{name}.csv", dtype=str, usecols=[column, "merchant_id"])
        hits += int(frame[column].isin(wanted).sum())
    return hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--probes", type=int, default=2000)
    parser.add_argument("--baseline-probes", type=int, default=20)
    parser.add_argument("--neo4j", action="store_true", help="also time the Neo4j backend")
    args = parser.parse_args()

    from graphfraud.check.index import CheckIndex

    work, data, out, merchants = scanned_export(args.scale, args.seed)
    started = time.perf_counter()
    index = CheckIndex.load(out)
    load_s = time.perf_counter() - started
    applicants = probes(out, args.probes, args.seed)

    rows = []
    timings, decisions = time_index(index, applicants)
    rows.append(("in-memory index", percentiles(timings)))

    base = []
    for a in applicants[:args.baseline_probes]:
        t = time.perf_counter()
        baseline_scan(data, a)
        base.append(time.perf_counter() - t)
    rows.append(("baseline: scan the CSVs per probe", percentiles(base)))

    if args.neo4j:
        rows.append(("Neo4j (one read transaction)",
                     percentiles(time_neo4j(data, work, applicants))))

    print(f"onboarding check latency: {merchants:,} merchants, {len(applicants)} probes "
          f"({decisions['block']} block, {decisions['review']} review, "
          f"{decisions['allow']} allow); index load {load_s:.2f} s, "
          f"{len(index.frame):,} entries")
    print(f"{'backend':<36}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'p99 vs baseline':>17}")
    base_p99 = rows[1][1]["p99"]
    for name, p in rows:
        print(f"{name:<36}{p['p50']:>9.2f}{p['p95']:>9.2f}{p['p99']:>9.2f}{p['max']:>9.2f}"
              f"{base_p99 / p['p99']:>16.0f}x")
    print(json.dumps({name: p for name, p in rows}))


def scanned_export(scale: float, seed: int) -> tuple[Path, Path, Path, int]:
    """A synthetic export, scanned with its check index written: the work folder, the
    export, the output folder and the export's merchant count."""
    from graphfraud.app.common import add_check_index
    from graphfraud.loaders import read_dataset
    from graphfraud.pipeline import scan
    from graphfraud.report import RunInfo, build_run_report, write_reports
    from graphfraud.synth import SynthConfig, generate

    work = Path(tempfile.mkdtemp(prefix="gf-check-"))
    data = work / "exports" / "2026-01-01"
    generate(data, SynthConfig(scale=scale, seed=seed))
    (data / "ground_truth.json").unlink()
    out = work / "out"
    loaded = read_dataset(data)
    result = add_check_index(scan(loaded.dataset), loaded.dataset)
    write_reports(build_run_report(result, RunInfo(source=str(data))), out)
    return work, data, out, len(loaded.dataset.tables["merchants"])


def time_index(index: Any, applicants: list[Any]) -> tuple[list[float], dict[str, int]]:
    """Seconds of each check against the in-memory index (after a warm-up), and the
    count of each recommendation."""
    for a in applicants[:50]:  # warm-up
        index.check(a)
    timings, decisions = [], {"allow": 0, "review": 0, "block": 0}
    for a in applicants:
        t = time.perf_counter()
        decisions[index.check(a).recommendation] += 1
        timings.append(time.perf_counter() - t)
    return timings, decisions


def time_neo4j(data: Path, work: Path, applicants: list[Any]) -> list[float]:
    """Seconds of each check against the graph `graphfraud batch` builds from the export
    in the configured Neo4j (its database replaced), after a warm-up."""
    from click.testing import CliRunner

    from graphfraud.cli import cli
    from graphfraud.server.local import connection_settings
    from graphfraud.store.check import check

    settings = connection_settings()
    with settings.driver() as driver, driver.session(database=settings.database) as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
              ).consume()
    done = CliRunner().invoke(cli, ["batch", str(data.parent), "--runs",
                                    str(work / "runs"), "-q"])
    assert done.exit_code == 0, done.output
    with settings.driver() as driver:
        for a in applicants[:50]:
            check(driver, a, database=settings.database, source="")
        neo = []
        for a in applicants:
            t = time.perf_counter()
            check(driver, a, database=settings.database, source="")
            neo.append(time.perf_counter() - t)
    return neo


if __name__ == "__main__":
    main()
