"""Load throughput into Neo4j, beside a row-at-a-time baseline, on synthetic exports.

Runs against its own throwaway local server (own home and ports), so it never
touches a database that holds anyone's data:

    python benchmarks/load_throughput.py --scale 1 --scale 10
    python benchmarks/load_throughput.py --scale 3 --batch-curve 500,1000,2000,5000,10000,20000

For each scale it prints: rows in the export, time to read and validate, first
load into an empty graph (rows/s), a reload of the same export (rows/s), and the
baseline: the same statements sent one row per transaction (rows/s, measured on
a sample), with the ratio of the batched first load to it; then the bulk path
(`graphfraud neo4j import`: files written, server stopped, neo4j-admin import,
server started, schema built and checked; all of it timed) on the same export, in
rows/s and as a ratio to the online first load.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from graphfraud.loaders import read_dataset
from graphfraud.server.bulk import import_dataset
from graphfraud.server.local import LocalServer
from graphfraud.store import catalog
from graphfraud.store.connection import Neo4jSettings
from graphfraud.store.writer import _records, ensure_schema, write_dataset
from graphfraud.synth import SynthConfig, generate

BASELINE_SAMPLE = 3000


def _wipe(driver: Any) -> None:
    with driver.session(database="neo4j") as session:
        session.run(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS"
        ).consume()


def _baseline_rows_per_second(driver: Any, dataset: Any) -> float:
    """Row-at-a-time: one transaction per row, the way naive loaders write."""
    _wipe(driver)
    ensure_schema(driver, database="neo4j")
    sample = 0
    started = time.perf_counter()
    for table in ("merchants", "merchant_devices", "promotions"):
        rows = _records(dataset.tables[table].head(BASELINE_SAMPLE // 3))
        query = catalog.statement(f"writer/load/{table}")
        with driver.session(database="neo4j") as session:
            for row in rows:
                session.execute_write(_write_one, query, row)
        sample += len(rows)
    return sample / (time.perf_counter() - started)


def _write_one(tx: Any, query: str, row: dict[str, Any]) -> None:
    tx.run(query, rows=[row]).consume()


def run(scales: list[float], seed: int, batch_size: int, workdir: Path, *,
        reload: bool = True) -> list[dict[str, Any]]:
    server = LocalServer.from_env(home=workdir / "neo4j", bolt_port=17787, http_port=17574,
                                  heap="2g", pagecache="2g")
    server.start()
    settings = Neo4jSettings(uri=server.bolt_uri, password=server.read_password())
    results = []
    try:
        for scale in scales:
            data = workdir / f"export-{scale}"
            generate(data, SynthConfig(scale=scale, seed=seed))
            t0 = time.perf_counter()
            loaded = read_dataset(data)
            read_s = time.perf_counter() - t0
            rows = sum(len(t) for t in loaded.dataset.tables.values())
            # a new driver per phase: a bulk import restarts the database's transaction ids
            with settings.driver() as driver:
                _wipe(driver)
                t0 = time.perf_counter()
                write_dataset(driver, loaded.dataset, database="neo4j", batch_size=batch_size)
                first_s = time.perf_counter() - t0
                reload_s = float("nan")
                if reload:
                    t0 = time.perf_counter()
                    write_dataset(driver, loaded.dataset, database="neo4j",
                                  batch_size=batch_size)
                    reload_s = time.perf_counter() - t0
                baseline = _baseline_rows_per_second(driver, loaded.dataset)
            t0 = time.perf_counter()
            bulk = import_dataset(server, loaded.dataset, work_dir=workdir / f"import-{scale}",
                                  overwrite=True)
            bulk_s = time.perf_counter() - t0
            results.append({
                "scale": scale, "input_rows": loaded.rows, "graph_rows": rows,
                "read_s": read_s, "first_s": first_s, "reload_s": reload_s,
                "first_rps": rows / first_s, "reload_rps": rows / reload_s,
                "baseline_rps": baseline, "bulk_s": bulk_s, "bulk_rps": rows / bulk_s,
                "bulk_tool_s": bulk.import_seconds,
            })
    finally:
        server.stop()
    return results


def batch_curve(scale: float, seed: int, sizes: list[int], workdir: Path
                ) -> list[tuple[int, float]]:
    """First-load rows/s into an empty graph for each batch size."""
    server = LocalServer.from_env(home=workdir / "neo4j", bolt_port=17787, http_port=17574,
                                  heap="2g", pagecache="2g")
    server.start()
    settings = Neo4jSettings(uri=server.bolt_uri, password=server.read_password())
    data = workdir / f"export-{scale}"
    generate(data, SynthConfig(scale=scale, seed=seed))
    dataset = read_dataset(data).dataset
    rows = sum(len(t) for t in dataset.tables.values())
    out = []
    try:
        with settings.driver() as driver:
            _wipe(driver)
            write_dataset(driver, dataset, database="neo4j")  # warm-up: JIT, page cache
            for size in sizes:
                _wipe(driver)
                started = time.perf_counter()
                write_dataset(driver, dataset, database="neo4j", batch_size=size)
                out.append((size, rows / (time.perf_counter() - started)))
    finally:
        server.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append", help="repeatable; default 1")
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--no-reload", action="store_true",
                        help="skip the reload (saves time at big scales)")
    parser.add_argument("--batch-curve", metavar="SIZES",
                        help="comma-separated batch sizes: print first-load rows/s for each "
                        "(at the first --scale) instead of the table")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="graphfraud-bench-"))
    if args.batch_curve:
        try:
            sizes = [int(s) for s in args.batch_curve.split(",")]
            curve = batch_curve((args.scale or [1.0])[0], args.seed, sizes, workdir)
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
        print("| batch size | first load rows/s |")
        print("|---|---|")
        for size, rps in curve:
            print(f"| {size:,} | {rps:,.0f} |")
        return
    try:
        results = run(args.scale or [1.0], args.seed, args.batch_size, workdir,
                      reload=not args.no_reload)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, batch size {args.batch_size}")
    print("| scale | input rows | graph rows | read+validate | online first load | rows/s "
          "| reload | rows/s | row-at-a-time rows/s | online vs baseline "
          "| bulk import (all steps) | rows/s | of which neo4j-admin | bulk vs online |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['scale']:g} | {r['input_rows']:,} | {r['graph_rows']:,} "
              f"| {r['read_s']:.1f} s | {r['first_s']:.1f} s | {r['first_rps']:,.0f} "
              f"| {r['reload_s']:.1f} s | {r['reload_rps']:,.0f} | {r['baseline_rps']:,.0f} "
              f"| {r['first_rps'] / r['baseline_rps']:.1f}x | {r['bulk_s']:.1f} s "
              f"| {r['bulk_rps']:,.0f} | {r['bulk_tool_s']:.1f} s "
              f"| {r['first_s'] / r['bulk_s']:.1f}x |")


if __name__ == "__main__":
    main()
