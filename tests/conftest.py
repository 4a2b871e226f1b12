"""Shared fixtures.

Integration tests (marked ``neo4j``) run against the dedicated test server that
``scripts/test.sh`` starts, named by ``GRAPHFRAUD_TEST_NEO4J_URI``; they wipe its
database. Without that variable they are skipped locally and fail under CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphfraud.store.connection import Neo4jSettings


def write_csv(directory: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """Write one CSV file of a test export (``text`` is used verbatim)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(scope="session")
def neo4j_settings() -> Neo4jSettings:
    uri = os.environ.get("GRAPHFRAUD_TEST_NEO4J_URI")
    if not uri:
        if os.environ.get("CI"):
            pytest.fail("GRAPHFRAUD_TEST_NEO4J_URI is not set: CI must run the Neo4j tests")
        pytest.skip("no test Neo4j server (run scripts/test.sh)")
    from graphfraud.server.local import LocalServer

    home = os.environ.get("GRAPHFRAUD_TEST_NEO4J_HOME")
    password = os.environ.get("GRAPHFRAUD_TEST_NEO4J_PASSWORD") or (
        LocalServer(Path(home)).read_password() if home else ""
    )
    return Neo4jSettings(uri=uri, password=password)


@pytest.fixture(scope="session")
def driver(neo4j_settings: Neo4jSettings) -> Iterator[object]:
    with neo4j_settings.driver() as drv:
        drv.verify_connectivity()
        yield drv


@pytest.fixture()
def empty_db(driver, neo4j_settings):  # type: ignore[no-untyped-def]
    """The dedicated test database, emptied before the test."""
    with driver.session(database=neo4j_settings.database) as session:
        session.run(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()
    return driver


#: Seconds the test process may live on after the session ended.
EXIT_GRACE_SECONDS = float(os.environ.get("GRAPHFRAUD_TEST_EXIT_GRACE", "120"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Make a hang at interpreter exit visible and bounded.

    Twice in many runs the process printed its result (every test passed) and then did
    not exit: a leftover thread was blocked reading a pipe, and the cause is not found
    yet. This watchdog (a daemon thread, gone when the process exits normally) prints
    every live thread and its stack after ``EXIT_GRACE_SECONDS`` and ends the process
    with the session's own status, so a run reports its real result and the stacks that
    name the culprit, instead of waiting for CI's time limit.
    """
    import faulthandler
    import sys
    import threading
    import time

    def watchdog() -> None:
        time.sleep(EXIT_GRACE_SECONDS)
        names = ", ".join(f"{t.name} (daemon={t.daemon})" for t in threading.enumerate())
        sys.stderr.write(f"\nthe test process had not exited {EXIT_GRACE_SECONDS:g} s after "
                         f"the session ended; live threads: {names}\n")
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        sys.stderr.flush()
        os._exit(int(exitstatus))

    threading.Thread(target=watchdog, name="exit-watchdog", daemon=True).start()
