"""Latency of the case queue (`graphfraud serve`'s first page) at 1M merchants, 10k rings.

    python benchmarks/serve_queue.py --merchants 1000000 --rings 10000 [--reuse]

Target: the queue answers in under 300 ms (p95) at 10,000 rings and 1,000,000 merchants.

1. The graph. A synthetic export of about --merchants merchants (`graphfraud synth`, scale
   merchants / 7,700) is bulk-imported (`graphfraud neo4j import`) into a server of its
   own: home ~/.cache/graphfraud/neo4j-bench (--home), Bolt 17967, HTTP 17954, heap 3g,
   page cache 4g. No other server is touched; NEO4J_URI is ignored. With --reuse the
   build is skipped when that server already holds the graph of the same size and seed
   (and the rings too, when they were written with the same knobs).
   --wipe-configured runs against the server NEO4J_URI / NEO4J_PASSWORD name instead: its
   database is emptied and the export loaded online (`graphfraud load`'s path; about
   12 minutes at 1M).
2. The rings. Two complete runs of --rings rings each are written through the real
   write-back (`store.rings.write_rings` with RunReport / Ring objects): 3 to 60 members
   drawn from the graph's merchants (seeded), 10 % high, 30 % medium, 60 % low risk, up to
   three of the members' devices as shared identifiers. The second run changes 10 % of
   the rings (2 % each: gone, new, grown, shrunk, risk changed) and alerts 2 % of them
   (the batch's alerts on FOUND); then 5 % get a decision (`record_verdict`: confirm,
   dismiss, needs-info) and 3 % an assignee (`cases.assign`): 200, 500 and 300 of 10k.
3. The timings: p50 / p95 / max of --repeat calls after --warmup calls, for
   `cases.queue` with the default filter, risk=high, verdict=none, a search by part of a
   member's name, by a member id, by a device id, sorted by GMV, page 100 and
   changed_since; then GET / through the Starlette app (signed in, page rendered). The
   searches rotate over ten terms taken from different rings.
   Baseline, same run: the latest run read naively (every ring with its members sent to
   the client, sorted and paged in Python); its ratio to the default queue call.

--profile prints, for every queue case whose p95 misses the target, the PROFILE of
cypher/cases/queue.cypher with that case's parameters (operators by db hits).
The bench server is stopped at the end unless --keep-running.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

#: Merchants per unit of synth scale (graphfraud/synth/generator.py).
MERCHANTS_PER_SCALE = 7700
BOLT_PORT, HTTP_PORT = 17967, 17954
#: The file in the bench home saying what it holds; a home without it is never replaced.
MARKER = "graphfraud-bench.json"
ANALYSTS = ("ana", "bo", "chen", "dana", "eli", "fei")
RUN_1 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
RUN_2 = datetime(2026, 11, 8, 2, 0, tzinfo=UTC)
PATTERNS = ("device_farm", "shared_settlement", "ban_evasion", "host_collusion", "mixed")
SCORE = {"high": (0.7, 0.99), "medium": (0.4, 0.7), "low": (0.1, 0.4)}
NAIVE = """
MATCH (run:Run {complete: true})
WITH run ORDER BY run.generated_at DESC, run.run_id DESC LIMIT 1
MATCH (run)-[f:FOUND]->(r:Ring)
RETURN r.ring_id AS ring_id, f.score AS score, f.risk AS risk, r.pattern AS pattern,
       f.members AS members, f.change AS change, f.previous_risk AS previous_risk,
       f.previous_members AS previous_members, f.alert AS alert,
       coalesce(r.decision, r.verdict) AS verdict, r.assignee AS assignee, f.gmv AS gmv,
       COLLECT { MATCH (r)-[h:HAS_MEMBER]->(m)
                 RETURN {id: coalesce(m.merchant_id, m.streamer_id), name: m.name,
                         score: h.score} } AS member_list
"""


def default_home() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "graphfraud" / "neo4j-bench"


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {"p50": statistics.median(ms), "p95": ms[min(len(ms) - 1, int(0.95 * len(ms)))],
            "max": ms[-1]}


# -- the graph ---------------------------------------------------------------------------

def bench_env(args: argparse.Namespace, home: Path) -> dict[str, str]:
    """This process's environment for the bench server's tools: no NEO4J_* (the user's
    server) and the bench home, ports and memory as GRAPHFRAUD_NEO4J_*."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NEO4J_", "GRAPHFRAUD_NEO4J_"))}
    env.update(GRAPHFRAUD_NEO4J_HOME=str(home), GRAPHFRAUD_NEO4J_BOLT_PORT=str(args.bolt_port),
               GRAPHFRAUD_NEO4J_HTTP_PORT=str(args.http_port),
               GRAPHFRAUD_NEO4J_HEAP=args.heap, GRAPHFRAUD_NEO4J_PAGECACHE=args.pagecache)
    return env


def read_marker(home: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((home / MARKER).read_text("utf-8")))
    except (OSError, ValueError):
        return {}


def write_marker(home: Path, marker: dict[str, Any]) -> None:
    (home / MARKER).write_text(json.dumps(marker, indent=1) + "\n", "utf-8")


def graphfraud(argv: list[str], env: dict[str, str]) -> None:
    """Run a graphfraud command as a user would (its own process, its memory freed)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "graphfraud", *argv], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"graphfraud {' '.join(argv)} failed ({done.returncode}):\n"
                         f"{done.stdout[-3000:]}{done.stderr[-3000:]}")
    last = (done.stdout.strip().splitlines() or [""])[-1]
    print(f"  graphfraud {argv[0]} {argv[1] if len(argv) > 1 else ''}: "
          f"{time.perf_counter() - started:.1f} s; {last}", flush=True)


def make_export(args: argparse.Namespace, work: Path, env: dict[str, str]) -> Path:
    if args.data:
        return Path(args.data)
    data = work / "export"
    scale = args.merchants / MERCHANTS_PER_SCALE
    print(f"generating the export: scale {scale:.2f}, seed {args.seed} ...", flush=True)
    graphfraud(["synth", str(data), "--scale", f"{scale:.4f}", "--seed", str(args.seed),
                "-q"], env)
    return data


def bench_server(args: argparse.Namespace) -> tuple[Any, str, dict[str, Any]]:
    """The bench server, started and holding the graph (built unless --reuse finds it):
    (the LocalServer, the database, its marker)."""
    from graphfraud.server.local import LocalServer

    home = Path(args.home).expanduser() if args.home else default_home()
    marker = read_marker(home)
    if home.exists() and any(home.iterdir()) and not marker:
        raise SystemExit(f"{home} is not empty and holds no {MARKER}: not a bench server "
                         "home, refusing to replace its database (give another --home)")
    if not marker:  # claimed as a bench home before anything is installed in it
        home.mkdir(parents=True, exist_ok=True)
        write_marker(home, {"graph": None})
    env = bench_env(args, home)
    server = LocalServer.from_env(env, home=home, bolt_port=args.bolt_port,
                                  http_port=args.http_port, heap=args.heap,
                                  pagecache=args.pagecache)
    graph_key = {"merchants_asked": args.merchants, "seed": args.seed,
                 "data": str(Path(args.data).resolve()) if args.data else None}
    started = time.perf_counter()
    server.start(say=lambda m: print("  " + m, flush=True))
    print(f"bench server: home {home}, bolt {server.bolt_uri}, http {server.http_port} "
          f"(up in {time.perf_counter() - started:.1f} s)", flush=True)
    if args.reuse and marker.get("graph") == graph_key:
        with connect(server) as driver:
            held = count(driver, "neo4j", "MATCH (m:Merchant) RETURN count(m) AS n")
        if held == marker.get("merchants"):
            print(f"--reuse: the server holds the graph ({held:,} merchants)", flush=True)
            return server, "neo4j", marker
        print(f"--reuse: the server holds {held:,} merchants, not "
              f"{marker.get('merchants')}: building", flush=True)
    write_marker(home, {"graph": None})  # the graph is being replaced
    work = Path(tempfile.mkdtemp(prefix="graphfraud-serve-queue-"))
    try:
        t0 = time.perf_counter()
        data = make_export(args, work, env)
        t1 = time.perf_counter()
        print("bulk import (graphfraud neo4j import --overwrite) ...", flush=True)
        graphfraud(["neo4j", "import", str(data), "--home", str(home), "--overwrite",
                    "--rejects", str(work / "rejects.csv"), "--work-dir",
                    str(work / "import"), "-q"], env)
        t2 = time.perf_counter()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    server.start()
    with connect(server) as driver:
        merchants = count(driver, "neo4j", "MATCH (m:Merchant) RETURN count(m) AS n")
    marker = {"graph": graph_key, "merchants": merchants, "rings": None,
              "build_s": {"synth": round(t1 - t0, 1), "import": round(t2 - t1, 1)}}
    write_marker(home, marker)
    print(f"graph built: {merchants:,} merchants (synth {t1 - t0:.0f} s, import "
          f"{t2 - t1:.0f} s)", flush=True)
    return server, "neo4j", marker


def configured_server(args: argparse.Namespace) -> tuple[Any, str]:
    """--wipe-configured: the NEO4J_URI server, emptied and loaded online."""
    from graphfraud.loaders import read_dataset
    from graphfraud.server.local import connection_settings
    from graphfraud.store.writer import write_dataset

    if not os.environ.get("NEO4J_URI"):
        raise SystemExit("--wipe-configured needs NEO4J_URI (and NEO4J_PASSWORD)")
    settings = connection_settings()
    driver = settings.driver()
    if args.reuse:
        return driver, settings.database
    work = Path(tempfile.mkdtemp(prefix="graphfraud-serve-queue-"))
    try:
        data = make_export(args, work, dict(os.environ))
        print(f"emptying {os.environ['NEO4J_URI']} database {settings.database} and "
              "loading the export online ...", flush=True)
        with driver.session(database=settings.database) as s:
            s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
                  ).consume()
        write_dataset(driver, read_dataset(data).dataset, database=settings.database)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return driver, settings.database


def connect(server: Any) -> Any:
    from neo4j import GraphDatabase

    return GraphDatabase.driver(server.bolt_uri, auth=("neo4j", server.read_password()))


def count(driver: Any, database: str, query: str, **params: Any) -> int:
    records, _, _ = driver.execute_query(query, parameters_=params, database_=database)
    return int(records[0]["n"])


# -- the rings, verdicts and assignments ---------------------------------------------------

@dataclass(frozen=True)
class RingsKnobs:
    rings: int
    seed: int
    changed: float = 0.10  # of run 2's rings: gone, new, grown, shrunk, risk changed
    alerts: int = 200
    verdicts: int = 500
    assignments: int = 300

    @classmethod
    def of(cls, rings: int, seed: int) -> RingsKnobs:
        """2 % of the rings alerted, 5 % decided, 3 % assigned (200, 500, 300 of 10k)."""
        return cls(rings, seed, alerts=max(1, rings // 50), verdicts=max(1, rings // 20),
                   assignments=max(1, rings * 3 // 100))


def _risk(rng: random.Random) -> str:
    x = rng.random()
    return "high" if x < 0.10 else "medium" if x < 0.40 else "low"


def _new_ring(rng: random.Random, ids: list[str]) -> tuple[str, dict[str, Any]]:
    risk = _risk(rng)
    return f"R-{rng.getrandbits(48):012x}", {
        "risk": risk, "score": round(rng.uniform(*SCORE[risk]), 4),
        "pattern": rng.choice(PATTERNS), "members": rng.sample(ids, rng.randint(3, 60))}


@dataclass
class Plan:
    """The two runs' rings (ring id -> risk, score, pattern, member ids), run 2's new
    rings and its alerts (ring id -> reason)."""

    run1: dict[str, dict[str, Any]]
    run2: dict[str, dict[str, Any]]
    new: list[str]
    alerts: dict[str, str]


def plan_runs(rng: random.Random, ids: list[str], knobs: RingsKnobs) -> Plan:
    """Run 1's rings, and run 2: 2 % each gone, grown, shrunk, risk changed, and as many
    new; alerts on some of the new, grown and re-risked."""
    run1 = dict(_new_ring(rng, ids) for _ in range(knobs.rings))
    share = max(1, round(knobs.rings * knobs.changed / 5))
    order = sorted(run1)
    rng.shuffle(order)
    gone, grown, shrunk, rerisk = (order[i * share:(i + 1) * share] for i in range(4))
    run2 = {k: {**v, "members": list(v["members"])} for k, v in run1.items()
            if k not in set(gone)}
    for k in grown:
        have = set(run2[k]["members"])
        run2[k]["members"] += [m for m in rng.sample(ids, rng.randint(1, 5)) if m not in have]
    for k in shrunk:
        m = run2[k]["members"]
        run2[k]["members"] = m[:max(3, len(m) - rng.randint(1, 3))] if len(m) > 3 else m[:2]
    for k in rerisk:
        risk = rng.choice([r for r in SCORE if r != run2[k]["risk"]])
        run2[k].update(risk=risk, score=round(rng.uniform(*SCORE[risk]), 4))
    new = []
    for _ in range(share):
        ring_id, ring = _new_ring(rng, ids)
        run2[ring_id] = ring
        new.append(ring_id)
    alerted = rng.sample(sorted(new + grown + rerisk), min(knobs.alerts, 3 * share))
    reason = {**dict.fromkeys(rerisk, "risk changed"), **dict.fromkeys(grown, "ring grew"),
              **dict.fromkeys(new, "new ring")}
    return Plan(run1, run2, new, {k: reason[k] for k in alerted})


def member_devices(driver: Any, database: str, plan: Plan) -> dict[str, list[str]]:
    """The devices each member of either run logs in from."""
    everyone = sorted({m for v in [*plan.run1.values(), *plan.run2.values()]
                       for m in v["members"]})
    devices: dict[str, list[str]] = {}
    for i in range(0, len(everyone), 50_000):
        records, _, _ = driver.execute_query(
            "UNWIND $ids AS id MATCH (:Merchant {merchant_id: id})-[:LOGGED_IN_FROM]->(d) "
            "RETURN id, collect(d.device_id) AS devices", ids=everyone[i:i + 50_000],
            database_=database)
        devices.update({r["id"]: sorted(r["devices"]) for r in records})
    return devices


def run_report(run_id: str, at: datetime, rings: dict[str, dict[str, Any]],
               devices: dict[str, list[str]]) -> Any:
    """A RunReport of Ring objects, as a scan hands them to the write-back; each ring
    shares the (up to three) devices most of its members use."""
    from graphfraud.report import RunReport
    from graphfraud.score.rings import Member, Ring, Shared

    def ring(ring_id: str, v: dict[str, Any]) -> Ring:
        used: dict[str, int] = {}
        for m in v["members"]:
            for d in devices.get(m, ()):
                used[d] = used.get(d, 0) + 1
        shared = sorted(used.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        return Ring(ring_id=ring_id, score=v["score"], risk=v["risk"], pattern=v["pattern"],
                    members=tuple(Member("merchant", m, round(1.0 - j / 100, 3))
                                  for j, m in enumerate(v["members"])),
                    shared=tuple(Shared("device", d, n) for d, n in shared),
                    evidence=(f"{len(v['members'])} shops share devices",),
                    known_fraud=0, known_legit=0)

    return RunReport(run_id=run_id, generated_at=at, source="benchmarks/serve_queue.py",
                     params={}, summary={},
                     rings=tuple(ring(k, v) for k, v in sorted(rings.items())))


def clear_runs(driver: Any, database: str) -> None:
    """Remove the rings, runs and bench decisions an earlier run of this script wrote."""
    with driver.session(database=database) as s:
        for label in ("Run", "Ring"):
            s.run(f"MATCH (n:{label}) CALL (n) {{ DETACH DELETE n }} "
                  "IN TRANSACTIONS OF 2000 ROWS").consume()
        s.run("MATCH (v:Verdict) WHERE v.analyst IN $names "
              "CALL (v) { DETACH DELETE v } IN TRANSACTIONS OF 5000 ROWS",
              names=[*ANALYSTS, "lead"]).consume()


def decide(driver: Any, database: str, rng: random.Random, latest: list[str],
           knobs: RingsKnobs) -> None:
    """Decisions (record_verdict) and assignments (cases.assign) on rings of run 2."""
    from graphfraud.store.cases import assign
    from graphfraud.store.verdicts import Target, record_verdict

    decisions = rng.choices(("confirm", "dismiss", "needs-info"), (4, 3, 3), k=knobs.verdicts)
    for ring_id, decision in zip(rng.sample(latest, knobs.verdicts), decisions, strict=True):
        record_verdict(driver, Target("ring", ring_id), decision, note="bench decision",
                       analyst=rng.choice(ANALYSTS), database=database,
                       at=RUN_2 + timedelta(minutes=rng.randint(30, 4 * 24 * 60)),
                       clear_blacklisted=True)
    for ring_id in rng.sample(latest, knobs.assignments):
        assign(driver, ring_id, rng.choice(ANALYSTS), by="lead", note="", database=database)


def search_terms(driver: Any, database: str, rng: random.Random,
                 plan: Plan) -> dict[str, list[str]]:
    """Ten rings of run 2 found by run 1 too: a member of each, part of its name (four
    Latin letters or two CJK characters, in turn) and its first device."""
    picks = rng.sample(sorted(k for k in plan.run2 if k not in set(plan.new)), 10)
    member_ids = [rng.choice(plan.run2[k]["members"]) for k in picks]
    records, _, _ = driver.execute_query(
        "UNWIND $ids AS id MATCH (m:Merchant {merchant_id: id}) "
        "RETURN id, m.name AS name, "
        "COLLECT { MATCH (m)-[:LOGGED_IN_FROM]->(d) RETURN d.device_id "
        "ORDER BY d.device_id LIMIT 1 } AS devices", ids=member_ids, database_=database)
    by_id = {r["id"]: r for r in records}
    names, device_ids = [], []
    for i, m in enumerate(member_ids):
        name = by_id[m]["name"] or ""
        latin = [w for w in re.findall(r"[A-Za-z]{4,}", name)]
        cjk = [w for w in re.findall(r"[^\x00-\x7f]{2,}", name)]
        runs, size = ((latin, 4) if latin and (i % 2 == 0 or not cjk) else
                      (cjk, 2) if cjk else ([name], len(name)))
        word = rng.choice(runs)
        start = rng.randint(0, len(word) - size)
        names.append(word[start:start + size])
        device_ids.extend(by_id[m]["devices"][:1])
    return {"member_ids": member_ids, "names": names, "device_ids": device_ids}


def write_runs(driver: Any, database: str, knobs: RingsKnobs) -> dict[str, Any]:
    """Two complete runs through the write-back, then decisions and assignments; what
    the timings need (search terms, the changed_since date)."""
    from graphfraud.store.rings import write_rings

    rng = random.Random(knobs.seed)
    print("clearing earlier bench rings, runs and decisions ...", flush=True)
    clear_runs(driver, database)
    t0 = time.perf_counter()
    records, _, _ = driver.execute_query(
        "MATCH (m:Merchant) RETURN collect(m.merchant_id) AS ids", database_=database)
    ids = sorted(records[0]["ids"])
    plan = plan_runs(rng, ids, knobs)
    devices = member_devices(driver, database, plan)
    t1 = time.perf_counter()
    print(f"drew {len(plan.run1):,} + {len(plan.run2):,} rings from {len(ids):,} merchants "
          f"({t1 - t0:.1f} s); writing run 1 ...", flush=True)
    write_rings(driver, run_report("bench-run-1", RUN_1, plan.run1, devices),
                database=database)
    t2 = time.perf_counter()
    print(f"  run 1: {t2 - t1:.1f} s; writing run 2 ...", flush=True)
    write_rings(driver, run_report("bench-run-2", RUN_2, plan.run2, devices),
                database=database, alerts=plan.alerts)
    t3 = time.perf_counter()
    print(f"  run 2: {t3 - t2:.1f} s; {knobs.verdicts} decisions, {knobs.assignments} "
          "assignments ...", flush=True)
    decide(driver, database, rng, sorted(plan.run2), knobs)
    t4 = time.perf_counter()
    print(f"  decisions and assignments: {t4 - t3:.1f} s", flush=True)
    return {"knobs": asdict(knobs), "since": RUN_2.date().isoformat(),
            **search_terms(driver, database, rng, plan),
            "write_s": {"run_1": round(t2 - t1, 1), "run_2": round(t3 - t2, 1),
                        "decisions": round(t4 - t3, 1)}}


# -- the timings ---------------------------------------------------------------------------

def timed(call: Callable[[int], Any], warmup: int, repeat: int) -> tuple[list[float], Any]:
    for i in range(warmup):
        call(i)
    seconds, last = [], None
    for i in range(repeat):
        started = time.perf_counter()
        last = call(i)
        seconds.append(time.perf_counter() - started)
    return seconds, last


def naive_page(driver: Any, database: str, per_page: int = 50) -> list[str]:
    """The baseline: every ring of the latest run with its members to the client, the
    priority order and the first page computed in Python."""
    from neo4j import RoutingControl

    records, _, _ = driver.execute_query(NAIVE, routing_=RoutingControl.READ,
                                         database_=database)
    rows = []
    for r in records:
        change = r["change"]
        tier = 2 if r["alert"] is not None else \
            1 if change != "unchanged" and r["verdict"] is None else 0
        bonus = 0 if tier == 0 else {"high": 30, "medium": 20}.get(r["risk"], 10)
        ranked = sorted(r["member_list"], key=lambda m: (-m["score"], m["name"] or ""))
        rows.append({"ring_id": r["ring_id"], "key": tier * 100.0 + r["score"] + bonus,
                     "score": r["score"], "risk": r["risk"], "change": change,
                     "names": [m["name"] for m in ranked if m["name"]][:3],
                     "gmv": r["gmv"] or 0.0})
    rows.sort(key=lambda row: (-row["key"], row["ring_id"]))
    return [row["ring_id"] for row in rows[:per_page]]


def signed_in_client(driver: Any, database: str) -> Any:
    """A TestClient of the real app over the bench driver, signed in as an analyst."""
    from argon2 import PasswordHasher
    from starlette.testclient import TestClient

    from graphfraud.web.accounts import UserStore
    from graphfraud.web.app import Config, create_app
    from graphfraud.web.backend import Neo4jBackend

    folder = Path(tempfile.mkdtemp(prefix="graphfraud-serve-queue-users-"))
    atexit.register(shutil.rmtree, folder, True)
    users = UserStore(folder / "users.json",
                      hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    users.add("bench", "analyst", "bench-password-1")
    app = create_app(Config(backend=Neo4jBackend(driver, database=database, hub_users=50),
                            users=users, secret=b"k" * 32))
    client = TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    if not token:
        raise SystemExit("no csrf field on /login")
    signed = client.post("/login", data={"username": "bench", "password": "bench-password-1",
                                         "csrf": token.group(1), "next": "/"})
    if signed.status_code != 303:
        raise SystemExit(f"sign-in failed: {signed.status_code}")
    return client


def profile(driver: Any, database: str, f: Any) -> str:
    """The PROFILE of the queue statement for one filter: totals and the operators with
    the most db hits."""
    from graphfraud.store import catalog
    from graphfraud.store.cases import queue_parameters

    with driver.session(database=database) as s:
        summary = s.run("PROFILE\n" + catalog.statement("cases/queue"),
                        queue_parameters(f)).consume()
    ops: list[tuple[int, int, str, str]] = []

    def walk(node: dict[str, Any]) -> None:
        args = node.get("args", {})
        ops.append((int(node.get("dbHits", 0)), int(node.get("rows", 0)),
                    str(node.get("operatorType", "?")), str(args.get("Details", ""))[:110]))
        for child in node.get("children", []):
            walk(child)

    walk(summary.profile)
    lines = [f"    total db hits {sum(o[0] for o in ops):,}; server time "
             f"{summary.result_available_after + summary.result_consumed_after} ms"]
    for hits, rows, op, details in sorted(ops, reverse=True)[:8]:
        lines.append(f"    {hits:>10,} hits {rows:>9,} rows  {op}  {details}")
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--merchants", type=int, default=1_000_000)
    parser.add_argument("--rings", type=int, default=10_000, help="rings per run")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true",
                        help="skip the build when the bench server holds the graph")
    parser.add_argument("--data", help="an existing export instead of a new synthetic one")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--baseline-repeat", type=int, default=5)
    parser.add_argument("--target-ms", type=float, default=300.0)
    parser.add_argument("--home", help=f"bench server home [{default_home()}]")
    parser.add_argument("--bolt-port", type=int, default=BOLT_PORT)
    parser.add_argument("--http-port", type=int, default=HTTP_PORT)
    parser.add_argument("--heap", default="3g")
    parser.add_argument("--pagecache", default="4g")
    parser.add_argument("--keep-running", action="store_true",
                        help="leave the bench server running at the end")
    parser.add_argument("--profile", action="store_true",
                        help="PROFILE the queue statement of every case over the target")
    parser.add_argument("--wipe-configured", action="store_true",
                        help="use the NEO4J_URI server instead: its database is EMPTIED")
    return parser.parse_args()


Result = tuple[str, dict[str, float], int | None, Callable[[int], Any] | None]


def time_cases(driver: Any, database: str, rings: dict[str, Any],
               args: argparse.Namespace) -> tuple[list[Result], int]:
    """Every case's percentiles and matched rings, and the size of the rendered page."""
    from graphfraud.store.cases import QueueFilter, queue

    names, member_ids, device_ids = rings["names"], rings["member_ids"], rings["device_ids"]
    cases: list[tuple[str, Callable[[int], QueueFilter]]] = [
        ("(a) default (priority, page 1)", lambda i: QueueFilter()),
        ("(b) risk=high", lambda i: QueueFilter(risk=("high",))),
        ("(c) verdict=none", lambda i: QueueFilter(verdict="none")),
        ("(d) search: part of a name", lambda i: QueueFilter(search=names[i % len(names)])),
        ("(e) search: member id",
         lambda i: QueueFilter(search=member_ids[i % len(member_ids)])),
        ("(f) search: device id",
         lambda i: QueueFilter(search=device_ids[i % len(device_ids)])),
        ("(g) sort by gmv", lambda i: QueueFilter(sort="gmv")),
        ("(h) page 100", lambda i: QueueFilter(page=100)),
        ("(i) changed_since", lambda i: QueueFilter(changed_since=rings["since"])),
    ]
    results: list[Result] = []
    for label, make in cases:
        def call(i: int, make: Callable[[int], QueueFilter] = make) -> Any:
            return queue(driver, make(i), database=database)

        seconds, page = timed(call, args.warmup, args.repeat)
        results.append((label, percentiles(seconds), page.total, make))
        print(f"  {label}: p95 {results[-1][1]['p95']:.1f} ms", flush=True)

    client = signed_in_client(driver, database)

    def get(i: int) -> int:
        response = client.get("/")
        if response.status_code != 200:
            raise SystemExit(f"GET / answered {response.status_code}")
        return len(response.content)

    seconds, size = timed(get, args.warmup, args.repeat)
    results.append(("(j) GET / (app, signed in, rendered)", percentiles(seconds), None, None))
    return results, size


def report(results: list[Result], base: dict[str, float], same: bool, args: argparse.Namespace,
           facts: dict[str, Any]) -> None:
    target = args.target_ms
    print()
    print(f"graph: {facts['merchants']:,} merchants; complete runs: " + "; ".join(
        f"{r['run_id']} {r['rings']:,} rings, {r['memberships']:,} members"
        for r in facts["runs"]))
    rings = facts["rings"]
    print(f"search terms: names {rings['names']}, members {rings['member_ids'][:3]}..., "
          f"devices {rings['device_ids'][:3]}...; changed_since {rings['since']}")
    print(f"{args.repeat} calls after {args.warmup} warm-ups; GET / page "
          f"{facts['page_bytes']:,} bytes; load average (1 min) "
          f"{facts['load'][0]:.1f} before the timings, {facts['load'][1]:.1f} after, "
          f"{os.cpu_count()} cores")
    print()
    print(f"| case | rings matched | p50 ms | p95 ms | max ms | p95 < {target:.0f} ms |")
    print("|---|---|---|---|---|---|")
    for label, p, total, _ in results:
        print(f"| {label} | {'' if total is None else f'{total:,}'} | {p['p50']:.1f} "
              f"| {p['p95']:.1f} | {p['max']:.1f} | {'yes' if p['p95'] < target else 'no'} |")
    print(f"| baseline: the whole run to the client, paged in Python "
          f"({args.baseline_repeat} calls) | all | {base['p50']:.1f} | {base['p95']:.1f} "
          f"| {base['max']:.1f} | {'yes' if base['p95'] < target else 'no'} |")
    print()
    print(f"baseline vs default queue (p50): {base['p50'] / results[0][1]['p50']:.1f}x "
          f"slower; same first page: {'yes' if same else 'no'}")


def main() -> None:
    args = parse_args()
    from graphfraud.store.cases import QueueFilter, queue

    server = None
    if args.wipe_configured:
        driver, database = configured_server(args)
        marker: dict[str, Any] = {}
    else:
        if os.environ.get("NEO4J_URI"):
            print(f"NEO4J_URI ({os.environ['NEO4J_URI']}) is not used: the benchmark runs "
                  "its own server (--wipe-configured to run against that one)", flush=True)
        server, database, marker = bench_server(args)
        driver = connect(server)
    try:
        knobs = RingsKnobs.of(args.rings, args.seed)
        if args.reuse and (marker.get("rings") or {}).get("knobs") == asdict(knobs):
            rings = marker["rings"]
            print("--reuse: the runs, decisions and assignments are in place", flush=True)
        else:
            rings = write_runs(driver, database, knobs)
            if server is not None:
                marker["rings"] = rings
                write_marker(server.home, marker)
        records, _, _ = driver.execute_query(
            "MATCH (run:Run {complete: true}) RETURN run.run_id AS run_id, "
            "COUNT { (run)-[:FOUND]->() } AS rings, "
            "COUNT { (run)-[:FOUND]->()-[:HAS_MEMBER]->() } AS memberships "
            "ORDER BY run.generated_at", database_=database)
        facts = {"merchants": count(driver, database, "MATCH (m:Merchant) RETURN count(m) AS n"),
                 "runs": [dict(r) for r in records], "rings": rings}
        load = os.getloadavg()[0]
        results, facts["page_bytes"] = time_cases(driver, database, rings, args)
        base_s, base_ids = timed(lambda i: naive_page(driver, database), 1, args.baseline_repeat)
        facts["load"] = (load, os.getloadavg()[0])
        base = percentiles(base_s)
        same = base_ids == [r["ring_id"] for r in queue(driver, QueueFilter(),
                                                        database=database).rows]
        report(results, base, same, args, facts)
        if args.profile:
            for label, p, _, make in results:
                if make is not None and p["p95"] >= args.target_ms:
                    print(f"\nPROFILE {label} (p95 {p['p95']:.0f} ms):")
                    print(profile(driver, database, make(0)))
        print(json.dumps({"merchants": facts["merchants"], "runs": facts["runs"],
                          "cases": {label: p for label, p, _, _ in results},
                          "baseline": base}))
    finally:
        driver.close()
        if server is not None and not args.keep_running:
            server.stop()
            print(f"bench server stopped (home {server.home})", flush=True)


if __name__ == "__main__":
    main()
