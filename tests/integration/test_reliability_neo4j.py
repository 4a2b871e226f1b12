"""What holds when things go wrong, against the real test server.

* ``kill -9`` of a load at a random point, then the same load again, leaves the graph
  exactly as one clean load makes it.
* The server going away during a load or a scan: the driver retries with backoff and
  the command finishes when the server comes back in time; when it does not, the
  command fails within the retry bound with a one-line message, and a rerun completes.
* A ring write-back that fails part-way leaves nothing behind.

These tests stop and start the shared test server; they put it back before they end.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from graphs import fingerprint

from graphfraud.report import RunReport
from graphfraud.store.connection import Neo4jSettings

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


def _entities(driver: Any) -> int:
    records, _, _ = driver.execute_query(
        "CALL () { MATCH (n) RETURN count(n) AS nodes } "
        "CALL () { MATCH ()-[r]->() RETURN count(r) AS links } RETURN nodes + links",
        database_="neo4j")
    return int(records[0][0])


def _wipe(driver: Any) -> None:
    with driver.session(database="neo4j") as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
                    ).consume()


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from graphfraud.synth import SynthConfig, generate

    out = tmp_path_factory.mktemp("reliability") / "export"
    generate(out, SynthConfig(scale=0.5, seed=31))
    return out


@pytest.fixture(scope="module")
def clean(export: Path, driver: Any) -> dict[str, Any]:
    """The fingerprint of one clean load of ``export`` (the reference)."""
    from graphfraud.loaders import read_dataset
    from graphfraud.store.writer import write_dataset

    _wipe(driver)
    write_dataset(driver, read_dataset(export).dataset, database="neo4j")
    reference = fingerprint(driver)
    reference["total"] = sum(reference["labels"].values()) + sum(reference["types"].values())
    return reference


@pytest.fixture()
def loaded(export: Path, clean: dict[str, Any], driver: Any) -> Any:
    """The graph of ``export``, whatever an earlier test left behind."""
    from graphfraud.loaders import read_dataset
    from graphfraud.store.writer import write_dataset

    _wipe(driver)
    write_dataset(driver, read_dataset(export).dataset, database="neo4j")
    return driver


class SharedServer:
    """Stops and starts the shared test server.

    It is started again by the ``graphfraud neo4j start`` command in a child process, as
    ``scripts/test.sh`` starts it, never by ``LocalServer.start`` in this process: the
    server outlives the test run, and a server this process started is its child, whose
    handle was collected at exit while the server ran (the suite's closing
    ``ResourceWarning: subprocess N is still running``).
    """

    def __init__(self, home: str) -> None:
        from graphfraud.server.local import LocalServer

        self.home = home
        self.local = LocalServer.from_env(home=home)

    def stop(self) -> None:
        self.local.stop()

    def start(self) -> None:
        command = Path(sys.executable).with_name("graphfraud")
        done = subprocess.run([str(command), "neo4j", "start"], capture_output=True,
                              text=True, timeout=300,
                              env={**os.environ, "GRAPHFRAUD_NEO4J_HOME": self.home})
        assert done.returncode == 0, done.stderr
        pid = self.local.pid()
        assert pid is not None and _parent(pid) != os.getpid()

    def running(self) -> bool:
        return self.local.status().running


def _parent(pid: int) -> int:
    """The parent process id of ``pid`` (Linux ``/proc``)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


@pytest.fixture()
def server() -> Iterator[SharedServer]:
    """The shared test server's controller; it is running again after the test."""
    home = os.environ.get("GRAPHFRAUD_TEST_NEO4J_HOME")
    if not home:
        pytest.skip("needs the test server's home (scripts/test.sh sets it)")
    shared = SharedServer(home)
    yield shared
    if not shared.running():
        shared.start()


def test_a_restarted_shared_server_is_not_a_child_of_the_test_process(
        server: SharedServer, driver: Any) -> None:
    # before: LocalServer.start() in this process made the test run the parent of a
    # server that outlives it; its handle was collected at exit while the server ran
    server.stop()
    server.start()
    pid = server.local.pid()
    assert pid is not None and _parent(pid) != os.getpid()
    driver.verify_connectivity()


def _env(settings: Neo4jSettings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(NEO4J_URI=settings.uri, NEO4J_PASSWORD=settings.password, **extra)
    return env


_children: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_stray_children() -> Iterator[None]:
    """A failing test must not leave a load writing into the next test's graph."""
    yield
    while _children:
        child = _children.pop()
        if child.poll() is None:
            child.kill()
            child.wait()


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """The installed `graphfraud` command (what users run) in a child process."""
    command = Path(sys.executable).with_name("graphfraud")
    assert command.exists(), f"{command}: graphfraud is not installed in this environment"
    child = subprocess.Popen([str(command), *args], env=env, cwd=Path(sys.executable).parent,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _children.append(child)
    return child


def _start_load(export: Path, tmp_path: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return _spawn(["load", str(export), "-q", "--batch-size", "500",
                   "--rejects", str(tmp_path / "rejects.csv")], env)


def _wait_until_written(driver: Any, proc: subprocess.Popen[str], target: int) -> int:
    """Poll until at least ``target`` nodes + links exist; returns how many there were."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        written = _entities(driver)
        if written >= target:
            return written
        if proc.poll() is not None:
            _, err = proc.communicate()
            raise AssertionError(f"the load ended (exit {proc.returncode}) at {written} of "
                                 f"{target}: {err[-2000:]}")
        time.sleep(0.05)
    raise AssertionError("the load made no progress")


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_mid_load_then_rerun_equals_one_clean_load(
    seed: int, export: Path, clean: dict[str, Any], driver: Any,
    neo4j_settings: Neo4jSettings, tmp_path: Path,
) -> None:
    _wipe(driver)
    kill_at = int(clean["total"] * random.Random(seed).uniform(0.15, 0.85))
    env = _env(neo4j_settings)
    proc = _start_load(export, tmp_path, env)
    _wait_until_written(driver, proc, kill_at)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)  # reaps it and closes its pipes
    assert proc.returncode == -signal.SIGKILL
    partial = _entities(driver)
    assert 0 < partial < clean["total"], "the kill did not land mid-load"

    rerun = _start_load(export, tmp_path, env)
    _out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    after = fingerprint(driver)
    after["total"] = clean["total"]
    assert after == clean  # same counts, same properties, no duplicates


def test_server_restart_during_a_load_is_retried_and_the_load_completes(
    export: Path, clean: dict[str, Any], driver: Any, neo4j_settings: Neo4jSettings,
    server: Any, tmp_path: Path,
) -> None:
    _wipe(driver)
    proc = _start_load(export, tmp_path, _env(neo4j_settings, GRAPHFRAUD_RETRY_SECONDS="120"))
    _wait_until_written(driver, proc, clean["total"] // 3)
    server.stop()
    assert proc.poll() is None  # the load waits for the server...
    server.start()
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err  # ...and finishes when it is back
    after = fingerprint(driver)
    after["total"] = clean["total"]
    assert after == clean


def test_server_gone_for_good_fails_within_the_retry_bound_and_a_rerun_completes(
    export: Path, clean: dict[str, Any], driver: Any, neo4j_settings: Neo4jSettings,
    server: Any, tmp_path: Path,
) -> None:
    _wipe(driver)
    env = _env(neo4j_settings, GRAPHFRAUD_RETRY_SECONDS="5")
    proc = _start_load(export, tmp_path, env)
    _wait_until_written(driver, proc, clean["total"] // 3)
    server.stop()
    stopped = time.monotonic()
    out, err = proc.communicate(timeout=120)
    gave_up_after = time.monotonic() - stopped
    assert proc.returncode == 1
    message = err.strip()
    assert "\n" not in message, message
    assert message.startswith("error: loading failed: bolt://127.0.0.1:")
    assert "gave up after retrying for 5 s" in message
    assert "the load stopped in" in message and "earlier batches are written" in message
    assert neo4j_settings.password not in out + err
    assert gave_up_after < 5 + 20  # bounded: the retry time plus one attempt's timeouts

    server.start()
    rerun = _start_load(export, tmp_path, env)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    after = fingerprint(driver)
    after["total"] = clean["total"]
    assert after == clean


def test_server_restart_during_a_scan_is_retried_and_the_rings_are_written(
    loaded: Any, driver: Any, neo4j_settings: Neo4jSettings,
    server: Any, tmp_path: Path,
) -> None:
    out = tmp_path / "scan"
    proc = _spawn(["scan", "--neo4j", "--out", str(out)],
                  _env(neo4j_settings, GRAPHFRAUD_RETRY_SECONDS="120"))
    assert proc.stderr is not None
    for line in proc.stderr:  # the graph has been read once detection starts
        if line.startswith("stage:"):
            break
    server.stop()
    server.start()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    report = json.loads((out / "rings.json").read_text("utf-8"))
    records, _, _ = driver.execute_query(
        "MATCH (run:Run {run_id: $id}) RETURN run.complete AS complete, "
        "COUNT { (run)-[:FOUND]->() } AS rings", id=report["run_id"], database_="neo4j")
    assert [(r["complete"], r["rings"]) for r in records] == [(True, len(report["rings"]))]
    assert len(report["rings"]) > 0


def _report_of(export: Path) -> RunReport:
    """The report of a file scan of ``export`` (seed 0)."""
    from graphfraud.loaders import read_dataset
    from graphfraud.pipeline import ScanParams, scan
    from graphfraud.report import RunInfo, build_run_report

    result = scan(read_dataset(export).dataset, ScanParams.with_seed(0))
    return build_run_report(result, RunInfo(source="test", rows=0, rejected_rows=0))


def test_a_write_back_that_fails_part_way_leaves_nothing(
    export: Path, loaded: Any, driver: Any,
) -> None:
    from graphfraud.store.rings import write_rings

    report = _report_of(export)
    driver.execute_query("MATCH (n) WHERE n:Run OR n:Ring DETACH DELETE n", database_="neo4j")
    write_rings(driver, report, database="neo4j")
    last = report.rings[-1]
    refused = replace(last.members[0], score={"not": "a number"})  # Neo4j refuses a map
    broken = replace(report, run_id="run-that-fails", rings=(
        *report.rings[:-1], replace(last, members=(refused, *last.members[1:]))))
    from neo4j.exceptions import CypherTypeError

    with pytest.raises(CypherTypeError, match=r"Property values can only be of primitive"):
        write_rings(driver, broken, database="neo4j")
    records, _, _ = driver.execute_query(
        "MATCH (run:Run) RETURN run.run_id AS id, run.complete AS complete", database_="neo4j")
    assert [(r["id"], r["complete"]) for r in records] == [(report.run_id, True)]
    members, _, _ = driver.execute_query(
        "MATCH (r:Ring {ring_id: $id})-[:HAS_MEMBER]->(m) RETURN count(m)",
        id=last.ring_id, database_="neo4j")
    assert members[0][0] == len(last.members)  # the old members stand


def _changing_runs(base: RunReport, count: int) -> list[RunReport]:
    """``count`` runs of the base report, a minute apart: each drops a third of the
    rings and, in odd runs, a member."""
    runs = []
    for k in range(count):
        rings = [r for i, r in enumerate(base.rings) if i % 3 != k % 3]
        if k % 2:
            rings = [replace(r, members=r.members[:-1]) for r in rings]
        runs.append(replace(base, run_id=f"concurrency-{k}",
                            generated_at=datetime(2026, 1, 1, 0, k, tzinfo=UTC),
                            rings=tuple(rings), summary={**base.summary, "rings": len(rings)}))
    return runs


def _read_once(driver: Any, queries: dict[str, Any], top: dict[str, Any],
               detail: dict[str, Any], expected: dict[str, int],
               watched: tuple[str, set[int]], seen_latest: set[str]) -> list[str]:
    """One investigator's round of reads, and what it found inconsistent: every run
    complete with all its rings (``expected``), top_rings all of one run's rings, the
    watched ring with a member count one of the runs wrote."""
    from graphfraud.store.queries import run_query

    problems = []
    records, _, _ = driver.execute_query(
        "MATCH (run:Run) RETURN run.run_id AS id, run.complete AS complete, "
        "COUNT { (run)-[:FOUND]->() } AS found", database_="neo4j")
    for r in records:
        if not r["complete"] or r["found"] != expected[r["id"]]:
            problems.append(f"run {r['id']}: complete={r['complete']}, "
                            f"found {r['found']} of {expected[r['id']]}")
    _, rows = run_query(driver, queries["top_rings"], top, database="neo4j")
    if rows:
        ids = {row[0] for row in rows}
        if len(ids) != 1 or len(rows) != expected[rows[0][0]]:
            problems.append(f"top_rings mixed runs {ids} or rows {len(rows)}")
        seen_latest.update(ids)
    columns, rows = run_query(driver, queries["ring_detail"], detail, database="neo4j")
    at = columns.index("members")
    ring_id, sizes = watched
    if rows and len(rows[0][at]) not in sizes:
        problems.append(f"ring {ring_id} has {len(rows[0][at])} members")
    return problems


def test_investigators_never_see_a_half_written_run(
    export: Path, loaded: Any, driver: Any,
) -> None:
    """A batch writes 30 runs while two investigators query; every read is consistent."""
    import threading

    from graphfraud.store.queries import bind, library
    from graphfraud.store.rings import write_rings

    base = _report_of(export)
    assert len(base.rings) >= 6
    runs = _changing_runs(base, 30)
    expected = {r.run_id: len(r.rings) for r in runs}
    sizes: dict[str, set[int]] = {}
    for run in runs:
        for r in run.rings:
            sizes.setdefault(r.ring_id, set()).add(len(r.members))
    watched = base.rings[1].ring_id
    queries = library()
    top = bind(queries["top_rings"], {"limit": "1000"})
    detail = bind(queries["ring_detail"], {"ring_id": watched})
    driver.execute_query("MATCH (n) WHERE n:Run OR n:Ring DETACH DELETE n", database_="neo4j")

    done = threading.Event()
    problems: list[str] = []
    seen_latest: set[str] = set()
    reads = [0]

    def write() -> None:
        try:
            for run in runs:
                write_rings(driver, run, database="neo4j")
        except Exception as e:  # reported below; the readers stop either way
            problems.append(f"writer: {e!r}")
        finally:
            done.set()

    def investigate() -> None:
        while not done.is_set():
            problems.extend(_read_once(driver, queries, top, detail, expected,
                                       (watched, sizes[watched]), seen_latest))
            reads[0] += 1

    threads = [threading.Thread(target=write)] + [
        threading.Thread(target=investigate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert problems == []
    assert reads[0] >= 10 and len(seen_latest) >= 2  # the reads really overlapped the writes
