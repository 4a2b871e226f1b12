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
