"""The runs recorded in Neo4j: what the batch job needs to know of the last one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphfraud.store import catalog

if TYPE_CHECKING:
    from neo4j import Driver


def latest_run(driver: Driver, *, database: str) -> dict[str, Any] | None:
    """The newest complete run written by a batch job (run id, export digest, load
    state id, run directory), or ``None`` when there is none."""
    records, _, _ = driver.execute_query(catalog.statement("runs/latest_run"),
                                         database_=database)
    return dict(records[0]) if records else None
