"""Checks the bulk importer runs against the local server it just (re)started.

The importer (:mod:`graphfraud.server.bulk`) writes store files offline; whether the
database was empty before, and whether the imported graph holds what the files said,
are questions for the server, asked here in the statements of ``cypher/admin/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphfraud.model import ENTITY_KINDS, ORGANIZATION, Label
from graphfraud.store import catalog

if TYPE_CHECKING:
    from neo4j import Driver


def local_driver(bolt_uri: str, password: str) -> Driver:
    """A new driver for the local server as user ``neo4j`` (one opened before an import
    must not be reused: the new database starts its transaction ids again)."""
    from neo4j import GraphDatabase

    return GraphDatabase.driver(bolt_uri, auth=("neo4j", password))


def database_is_empty(driver: Driver, *, database: str) -> bool:
    """Whether the database holds no node at all."""
    records, _, _ = driver.execute_query(catalog.statement("admin/any_node"),
                                         database_=database)
    return not records


def graph_counts(driver: Driver, rel_types: list[str], *, database: str
                 ) -> tuple[dict[str, int], dict[str, int]]:
    """Nodes per entity label (and organisations and verdicts) and relationships per
    type, from the count store."""
    nodes: dict[str, int] = {}
    rels: dict[str, int] = {}
    for kind in (*ENTITY_KINDS.values(), ORGANIZATION):
        records, _, _ = driver.execute_query(
            catalog.statement(f"admin/count_{kind.entity_type}"), database_=database)
        nodes[kind.label.value] = int(records[0]["n"])
    records, _, _ = driver.execute_query(catalog.statement("admin/count_verdict"),
                                         database_=database)
    nodes[Label.VERDICT.value] = int(records[0]["n"])
    for rel in rel_types:
        records, _, _ = driver.execute_query(catalog.statement(f"admin/count_{rel.lower()}"),
                                             database_=database)
        rels[rel] = int(records[0]["n"])
    return nodes, rels


def fill_empty_roles(driver: Driver, *, database: str) -> None:
    """Give links imported without a role list an empty one (``CALL IN TRANSACTIONS``,
    so in an auto-commit transaction)."""
    with driver.session(database=database) as session:
        session.run(catalog.statement("admin/empty_roles")).consume()


def check_login(bolt_uri: str, password: str) -> None:
    """Log in to the local server as ``neo4j`` and run one query against ``system``.

    Raises the driver's ``AuthError`` for a wrong password and ``ServiceUnavailable``
    while the server is not answering yet.
    """
    with local_driver(bolt_uri, password) as driver:
        driver.verify_connectivity()
        driver.execute_query(catalog.statement("admin/current_user"), database_="system")


def set_initial_password(bolt_uri: str, old: str, new: str) -> None:
    """Replace the factory password of a new local server."""
    with local_driver(bolt_uri, old) as driver:
        driver.execute_query(catalog.statement("admin/set_password"), old=old, new=new,
                             database_="system")
