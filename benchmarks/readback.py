"""Reading the graph back from Neo4j for a scan, against reading the same export's files.

    python benchmarks/readback.py --scale 130        # 1M merchants (about 6 minutes)

Generates the synthetic export (or reuses --data), bulk-imports it into a throwaway
local server (own home and ports, heap 3g, page cache 6g), then times, in the same run:

* the file read (`read_dataset`, what `graphfraud scan DATA_DIR` does first);
* the graph read (`read_graph`, what `graphfraud scan --neo4j` does first: paged
  queries, one record of column lists per page);
* the baseline: the same tables read with one record per row (the driver's usual way,
  and this project's read-back before the paged queries).

Each read runs --repeat times (the first graph read is after a restart: cold page
cache); the table shows every run, the ratio of the graph read to the file read, and
the rows per table, which must be equal for the two graph reads.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from graphfraud.loaders import read_dataset
from graphfraud.server.bulk import import_dataset
from graphfraud.server.local import LocalServer
from graphfraud.store.reader import read_graph
from graphfraud.synth import SynthConfig, generate

#: The record-per-row reads of the baseline (the shape of the earlier cypher/detect files).
BASELINE = {
    "merchants": "MATCH (m:Merchant) RETURN m.merchant_id AS merchant_id, "
                 "m.registered_at.epochSeconds AS registered_at, m.status AS status, "
                 "m.orders AS orders, m.refunds AS refunds, m.complaints AS complaints, "
                 "m.violations AS violations",
    "streamers": "MATCH (s:Streamer) RETURN s.streamer_id AS streamer_id, "
                 "s.registered_at.epochSeconds AS registered_at",
    "merchant_devices": "MATCH (m:Merchant)-[:LOGGED_IN_FROM]->(d:Device) "
                        "RETURN m.merchant_id, d.device_id",
    "streamer_devices": "MATCH (s:Streamer)-[:LOGGED_IN_FROM]->(d:Device) "
                        "RETURN s.streamer_id, d.device_id",
    "merchant_accounts": "MATCH (m:Merchant)-[:PAID_VIA]->(a:PaymentAccount) "
                         "RETURN m.merchant_id, a.account_id",
    "streamer_accounts": "MATCH (s:Streamer)-[:PAID_VIA]->(a:PaymentAccount) "
                         "RETURN s.streamer_id, a.account_id",
    "promotions": "MATCH (s:Streamer)-[:PROMOTED]->(m:Merchant) "
                  "RETURN s.streamer_id, m.merchant_id",
}


def _baseline_read(driver: Any) -> dict[str, int]:
    rows = {}
    for table, query in BASELINE.items():
        with driver.session(database="neo4j") as session:
            rows[table] = sum(1 for _ in session.run(query))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=130.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--data", help="an existing export instead of a new synthetic one")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="graphfraud-readback-"))
    server = LocalServer.from_env(home=work / "neo4j", bolt_port=17797, http_port=17584,
                                  heap="3g", pagecache="6g")
    try:
        data = Path(args.data) if args.data else work / "export"
        if not args.data:
            generate(data, SynthConfig(scale=args.scale, seed=args.seed))
        file_s = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            dataset = read_dataset(data).dataset
            file_s.append(time.perf_counter() - started)
        import_dataset(server, dataset, work_dir=work / "import", overwrite=True)
        server.stop()
        server.start()  # the first graph read finds a cold page cache
        from neo4j import GraphDatabase

        graph_s, base_s = [], []
        with GraphDatabase.driver(server.bolt_uri,
                                  auth=("neo4j", server.read_password())) as driver:
            for _ in range(args.repeat):
                started = time.perf_counter()
                graph = read_graph(driver, database="neo4j")
                graph_s.append(time.perf_counter() - started)
            for _ in range(max(1, args.repeat - 1)):
                started = time.perf_counter()
                base_rows = _baseline_read(driver)
                base_s.append(time.perf_counter() - started)
        paged_rows = {t: len(graph.tables[t]) for t in BASELINE}
        if paged_rows != base_rows:
            raise SystemExit(f"row counts differ: paged {paged_rows}, baseline {base_rows}")
        file_med, graph_med = statistics.median(file_s), statistics.median(graph_s)
        print(f"export: {data} ({sum(len(t) for t in dataset.tables.values()):,} rows; "
              f"merchants {len(dataset.tables['merchants']):,})")
        print("| read | runs | median | vs file read |")
        print("|---|---|---|---|")
        print(f"| files (`read_dataset`) | {', '.join(f'{s:.1f} s' for s in file_s)} "
              f"| {file_med:.1f} s | 1.0x |")
        print(f"| Neo4j, paged column records (`read_graph`) "
              f"| {', '.join(f'{s:.1f} s' for s in graph_s)} | {graph_med:.1f} s "
              f"| {graph_med / file_med:.1f}x |")
        base_med = statistics.median(base_s)
        print(f"| Neo4j, one record per row (baseline) | {', '.join(f'{s:.1f} s' for s in base_s)} "
              f"| {base_med:.1f} s | {base_med / file_med:.1f}x |")
        print(f"paged read vs baseline: {base_med / graph_med:.1f}x faster; rows per table "
              f"equal: {paged_rows}")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
