"""Onboarding check against Neo4j: the same touches as the in-memory index, live."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from graphfraud.check.assess import (
    Applicant,
    Assessment,
    Declared,
    RingRef,
    Touch,
    assess,
    standing,
)
from graphfraud.store import catalog

if TYPE_CHECKING:
    from neo4j import Driver

_QUERIES = {"device": "check/devices", "payment_account": "check/accounts",
            "streamer": "check/streamers"}


def touches(driver: Driver, applicant: Applicant, *, database: str,
            hub_degree: int | None = None) -> list[Touch]:
    """Look every identifier and host of ``applicant`` up, in one read transaction."""
    wanted: dict[str, list[str]] = {"device": list(applicant.devices),
                                    "payment_account": list(applicant.accounts),
                                    "streamer": list(applicant.streamers)}

    def work(tx: Any) -> dict[tuple[str, str], dict[str, Any]]:
        found = {}
        for kind, ids in wanted.items():
            if ids:
                for record in tx.run(catalog.statement(_QUERIES[kind]), ids=ids):
                    found[(kind, record["id"])] = dict(record)
        return found

    with driver.session(database=database) as session:
        found = session.execute_read(work)
    from graphfraud.graph.projection import ProjectionParams

    limit = ProjectionParams.hub_degree if hub_degree is None else hub_degree
    out = []
    for kind, ids in wanted.items():
        for value in ids:
            rec = found.get((kind, value))
            if rec is None:
                out.append(Touch(kind, value, known=False))
                continue
            out.append(Touch(kind, value, known=True, actors=int(rec["actors"]),
                             verdict=rec["verdict"], fraud_actors=tuple(rec["fraud_actors"]),
                             rings=_rings(rec["rings"]),
                             hub=kind != "streamer" and int(rec["actors"]) > limit,
                             organizations=tuple(Declared.of(kind, value, org) for org
                                                 in rec.get("organizations", [])),
                             ).with_decision(_first(rec.get("decision"))))
    return out


def _rings(rows: list[Any]) -> tuple[RingRef, ...]:
    """The rings of a lookup, each with its latest decision, highest score first."""
    return tuple(sorted((RingRef(r["ring_id"], r["risk"], float(r["score"]), r["pattern"],
                                 r.get("verdict"), r.get("by"), r.get("at"), r.get("note"))
                         for r in rows), key=lambda r: -r.score))


def _first(rows: list[Any] | None) -> dict[str, Any] | None:
    return dict(rows[0]) if rows else None


def merchant(driver: Driver, merchant_id: str, *, database: str) -> Touch | None:
    """The checked merchant itself when the graph holds it with something to say (its
    label, the latest run's rings it belongs to, an analyst's latest decision), else
    None."""
    from neo4j import RoutingControl

    records, _, _ = driver.execute_query(catalog.statement("check/merchant"), id=merchant_id,
                                         routing_=RoutingControl.READ, database_=database)
    if not records:
        return None
    rec = records[0]
    return standing(Touch("merchant", merchant_id, known=True, verdict=rec["verdict"],
                          rings=_rings(rec["rings"])).with_decision(_first(rec["decision"])))


def organizations(driver: Driver, merchant_id: str, *, database: str
                  ) -> tuple[Declared, ...]:
    """The declared organisations of a merchant the graph holds (none for a new one)."""
    records, _, _ = driver.execute_query(catalog.statement("check/merchant_organizations"),
                                         id=merchant_id, database_=database)
    return tuple(Declared.of("merchant", merchant_id, dict(r)) for r in records)


def check(driver: Driver, applicant: Applicant, *, database: str, source: str) -> Assessment:
    started = time.perf_counter()
    result = assess(applicant, touches(driver, applicant, database=database),
                    organizations(driver, applicant.merchant_id, database=database),
                    merchant(driver, applicant.merchant_id, database=database))
    result.seconds = time.perf_counter() - started
    result.source = source
    return result
