"""Latency of every investigator query against the graph in Neo4j, with PROFILE figures.

    graphfraud load DATA_DIR && graphfraud scan --neo4j --out OUT
    python benchmarks/queries.py [--repeat 20] [--profile]

Typical parameters are picked from the graph itself (a merchant of the top ring, one of
its devices, a blacklisted merchant, ...). Prints the median and p95 latency per query
(the first, cold run excluded) and, with --profile, the database hits and rows of a
PROFILE run. Connection as for graphfraud (NEO4J_URI ... or the local server).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from graphfraud.server.local import connection_settings
from graphfraud.store.queries import bind, library, run_query


def typical_parameters(driver: Any, database: str) -> dict[str, dict[str, str]]:
    def one(query: str, **values: Any) -> Any:
        records, _, _ = driver.execute_query(query, values, database_=database)
        return records[0][0] if records else None

    ring = one("MATCH (r:Ring) RETURN r.ring_id ORDER BY r.score DESC, r.ring_id LIMIT 1")
    member = one("MATCH (:Ring {ring_id: $r})-[:HAS_MEMBER]->(m:Merchant) "
                 "RETURN min(m.merchant_id)", r=ring)
    other = one("MATCH (:Ring {ring_id: $r})-[:HAS_MEMBER]->(m:Merchant) "
                "RETURN max(m.merchant_id)", r=ring)
    device = one("MATCH (:Merchant {merchant_id: $id})-[:LOGGED_IN_FROM]->(d) "
                 "RETURN d.device_id ORDER BY d.device_id LIMIT 1", id=member)
    account = one("MATCH (r:Ring)-[:SHARES]->(a:PaymentAccount) "
                  "RETURN a.account_id ORDER BY r.score DESC, a.account_id LIMIT 1")
    blacklisted = one("MATCH (m:Merchant) WHERE m.verdict = 'fraud' RETURN m.merchant_id "
                      "ORDER BY m.merchant_id LIMIT 1")
    latest = one("MATCH (m:Merchant) RETURN toString(max(m.registered_at))")
    return {
        "merchant_profile": {"merchant_id": member},
        "shared_with_merchant": {"merchant_id": member},
        "shortest_path": {"from_id": member, "to_id": other},
        "hubs": {"min_actors": "50"},
        "new_merchants_near_fraud": {"days": "30", "as_of": latest},
        "ban_evasion_chains": {"min_gap_days": "30"},
        "hosts_promoting_rings": {},
        "ring_detail": {"ring_id": ring},
        "top_rings": {},
        "run_changes": {},
        "blacklist_neighbourhood": {"id": blacklisted, "hops": "2"},
        "device_users": {"device_id": device},
        "account_users": {"account_id": account},
        "blacklisted_actors": {},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--plan", metavar="NAME", action="append",
                        help="print the PROFILE plan of this query (repeatable) and exit")
    args = parser.parse_args()
    settings = connection_settings()
    queries = library()
    with settings.driver() as driver:
        params = typical_parameters(driver, settings.database)
        for name in args.plan or []:
            query = queries[name]
            values = bind(query, {k: v for k, v in params.get(name, {}).items() if v})
            with driver.session(database=settings.database) as session:
                summary = session.run("PROFILE " + query.text, values).consume()
            print(f"PROFILE {name} {values}")
            _print_plan(summary.profile)
            print()
        if args.plan:
            return
        print("| query | rows | median ms | p95 ms | db hits (PROFILE) |")
        print("|---|---|---|---|---|")
        for name in sorted(queries):
            query = queries[name]
            values = bind(query, {k: v for k, v in params.get(name, {}).items() if v})
            run_query(driver, query, values, database=settings.database)  # cold run
            times, rows = [], 0
            for _ in range(args.repeat):
                started = time.perf_counter()
                _, result = run_query(driver, query, values, database=settings.database)
                times.append((time.perf_counter() - started) * 1000)
                rows = len(result)
            hits = ""
            if args.profile:
                with driver.session(database=settings.database) as session:
                    summary = session.run("PROFILE " + query.text, values).consume()
                hits = f"{_db_hits(summary.profile):,}"
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(f"| {name} | {rows} | {statistics.median(times):.1f} | {p95:.1f} | {hits} |",
                  flush=True)


def _print_plan(plan: Any, depth: int = 0) -> None:
    args = plan.get("args", {})
    detail = str(args.get("Details", ""))[:90]
    print(f"{'  ' * depth}{plan['operatorType']:<32} rows={plan.get('rows', 0):<8} "
          f"dbHits={plan.get('dbHits', 0):<9} {detail}")
    for child in plan.get("children", []):
        _print_plan(child, depth + 1)


def _db_hits(plan: Any) -> int:
    if not plan:
        return 0
    return int(plan.get("dbHits", 0)) + sum(_db_hits(c) for c in plan.get("children", []))


if __name__ == "__main__":
    main()
