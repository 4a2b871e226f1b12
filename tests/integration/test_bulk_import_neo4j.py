"""`graphfraud neo4j import`: the bulk first load through neo4j-admin, on the test server.

The imported graph must be the graph that `graphfraud load` builds into an empty
database, property for property: implied nodes, signals and verdicts on their nodes,
datetimes, counts, amounts, role lists (empty ones included), and hostile text (quotes,
commas, line breaks, control characters, CJK). The import replaces the database, so it
refuses a database that holds a graph unless told to overwrite it.

The import replaces the database and restarts its transaction ids, so these tests run
their own throwaway server (the shared test server's drivers hold bookmarks of the old
database), and open a new driver after every import.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from graphs import fingerprint
from neo4j import GraphDatabase

from graphfraud.cli import cli
from graphfraud.loaders import read_dataset
from graphfraud.store.writer import write_dataset

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

HOSTILE = [  # (merchant_id, name)
    ("m'quote", 'O\'Brien "the" shop, Ltd.'),
    ("m,comma", "line\nbreak and\r\ncrlf"),
    ("店铺\x006", "\x07bell\u200b 健康"),
    ("m`tick`", "}) MATCH (n) DETACH DELETE n //"),
    ("  padded  ", "  spaces kept  "),
    ("m;semi", ""),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A server of its own, on its own ports; the jars come from the test server's install."""
    from graphfraud.server.local import LocalServer

    shared = os.environ.get("GRAPHFRAUD_TEST_NEO4J_HOME")
    if not shared or not (Path(shared) / "lib").is_dir():
        pytest.skip("needs the test server's install (scripts/test.sh sets it up)")
    home = tmp_path_factory.mktemp("bulk-server") / "neo4j"
    home.mkdir()
    (home / "lib").symlink_to(Path(shared) / "lib")
    local = LocalServer(home, bolt_port=17707, http_port=17494, heap="512m", pagecache="256m",
                        env={k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")})
    local.start()
    yield local
    local.stop()


@contextmanager
def connect(server: Any) -> Iterator[Any]:
    """A new driver (one opened before an import would wait for the old database's
    transaction ids)."""
    with GraphDatabase.driver(server.bolt_uri, auth=("neo4j", server.read_password())) as d:
        yield d


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic export plus hostile merchants, a role-less account link, a device
    known only from a link, labels on implied nodes, and a hostile organisation with
    undated memberships."""
    from graphfraud.synth import SynthConfig, generate

    out = tmp_path_factory.mktemp("bulk") / "export"
    generate(out, SynthConfig(scale=0.3, seed=41))

    def append(name: str, rows: list[list[Any]]) -> None:
        with (out / name).open("a", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)

    def header(name: str) -> list[str]:
        with (out / name).open(encoding="utf-8") as fh:
            return next(csv.reader(fh))

    def row(file: str, **values: Any) -> list[Any]:
        return [values.get(column, "") for column in header(file)]

    append("merchants.csv", [row("merchants.csv", merchant_id=m, name=n, status="active",
                                 registered_at="2024-05-01T08:30:15+08:00")
                             for m, n in HOSTILE])
    append("merchant_devices.csv", [row("merchant_devices.csv", merchant_id=m,
                                        device_id="dev-only-in-links", logins=3)
                                    for m, _ in HOSTILE])
    append("merchant_accounts.csv", [row("merchant_accounts.csv", merchant_id=m,
                                         account_id="acct with, comma")
                                     for m, _ in HOSTILE])
    append("labels.csv", [row("labels.csv", entity_type="device",
                              entity_id="dev-only-in-links", label="fraud", source="blacklist",
                              labeled_at="2024-06-01"),
                          row("labels.csv", entity_type="payment_account",
                              entity_id="acct with, comma", label="legit", source="review"),
                          # a history: blacklisted, then cleared; an undated event
                          row("labels.csv", entity_type="merchant", entity_id=HOSTILE[0][0],
                              label="fraud", source="platform", labeled_at="2024-03-01"),
                          row("labels.csv", entity_type="merchant", entity_id=HOSTILE[0][0],
                              label="legit", source="investigator", labeled_at="2024-06-01"),
                          row("labels.csv", entity_type="merchant", entity_id=HOSTILE[1][0],
                              label="fraud", source="=cmd|' /C calc'!A0")])
    append("organizations.csv", [row("organizations.csv", organization_id="ORG hostile, 1",
                                     name='Quote " and, comma\nnew line')])
    append("organization_members.csv",
           [row("organization_members.csv", organization_id="ORG hostile, 1",
                entity_type="merchant", entity_id=m) for m, _ in HOSTILE])
    return out


def _wipe(driver: Any) -> None:
    with driver.session(database="neo4j") as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
                    ).consume()


def _import(server: Any, export: Path, tmp_path: Path, *extra: str) -> Any:
    env = {"GRAPHFRAUD_NEO4J_BOLT_PORT": str(server.bolt_port),
           "GRAPHFRAUD_NEO4J_HTTP_PORT": str(server.http_port)}
    return CliRunner().invoke(cli, ["neo4j", "import", str(export), "--home", str(server.home),
                                    "--rejects", str(tmp_path / "rejects.csv"), "-q", *extra],
                              env=env)


def test_bulk_import_builds_the_graph_the_online_load_builds(
    server: Any, export: Path, tmp_path: Path,
) -> None:
    loaded = read_dataset(export)
    assert loaded.rejected == 0, loaded.rejects[:3]
    with connect(server) as driver:
        _wipe(driver)
        write_dataset(driver, loaded.dataset, database="neo4j")
        online = fingerprint(driver)
    assert online["labels"]["Merchant"] > len(HOSTILE)
    assert online["labels"]["Organization"] == len(loaded.dataset.tables["organizations"]) > 1
    assert online["types"]["MEMBER_OF"] == len(loaded.dataset.tables["organization_members"])

    result = _import(server, export, tmp_path, "--overwrite")
    assert result.exit_code == 0, result.output
    assert "imported" in result.output
    with connect(server) as driver:
        assert fingerprint(driver) == online
        assert online["labels"]["Verdict"] == loaded.dataset.label_events().shape[0]
        names, _, _ = driver.execute_query(
            "MATCH (m:Merchant) WHERE m.merchant_id IN $ids RETURN m.merchant_id AS id, "
            "m.name AS name", ids=[m for m, _ in HOSTILE], database_="neo4j")
        assert {r["id"]: r["name"] for r in names} == {m: (n or None) for m, n in HOSTILE}
        roles, _, _ = driver.execute_query(
            "MATCH (:Merchant)-[r:PAID_VIA]->(:PaymentAccount {account_id: $a}) "
            "RETURN r.roles AS r", a="acct with, comma", database_="neo4j")
        assert [r["r"] for r in roles] == [[]] * len(HOSTILE)

        # the schema exists afterwards: a second merchant with a taken key is refused
        from neo4j.exceptions import ConstraintError

        with pytest.raises(ConstraintError):
            driver.execute_query("CREATE (:Merchant {merchant_id: $id})", id=HOSTILE[0][0],
                                 database_="neo4j")


def test_bulk_import_refuses_a_database_that_holds_a_graph(
    server: Any, export: Path, tmp_path: Path,
) -> None:
    with connect(server) as driver:
        _wipe(driver)
        driver.execute_query("CREATE (:Merchant {merchant_id: 'kept'})", database_="neo4j")
        before = fingerprint(driver)
    result = _import(server, export, tmp_path)
    assert result.exit_code == 1
    assert "already holds a graph" in result.output and "--overwrite" in result.output
    assert server.status().running
    with connect(server) as driver:
        assert fingerprint(driver) == before


def test_bulk_import_then_online_load_of_the_same_export_changes_nothing(
    server: Any, export: Path, tmp_path: Path,
) -> None:
    """A bulk-imported graph is an ordinary graph: the next online load merges into it."""
    assert _import(server, export, tmp_path, "--overwrite").exit_code == 0
    with connect(server) as driver:
        imported = fingerprint(driver)
        stats = write_dataset(driver, read_dataset(export).dataset, database="neo4j")
        assert stats.nodes_created == 0 and stats.relationships_created == 0
        assert fingerprint(driver) == imported


def test_a_failed_import_says_so_and_leaves_the_server_running(
    server: Any, tmp_path: Path,
) -> None:
    """A graph that breaks the schema (two nodes with one key, which validation never lets
    through) fails the import with one clear error, rather than being half-accepted."""
    import pandas as pd

    from graphfraud.loaders.dataset import Dataset
    from graphfraud.server.bulk import BulkImportError, import_dataset

    twice = Dataset(source="handmade", tables={  # two nodes with one key: not a valid export
        "merchants": pd.DataFrame({"merchant_id": pd.Series(["m1", "m1"], dtype="string")})})
    with pytest.raises(BulkImportError, match=r"(?s)merchant_key.*import again with --overwrite"):
        import_dataset(server, twice, work_dir=tmp_path / "work", overwrite=True)
    assert server.status().running
