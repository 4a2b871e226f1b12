"""Write a run's rings back into Neo4j, all in one transaction, marked complete last."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from graphfraud.model import ACTOR_KINDS, IDENTIFIER_KINDS
from graphfraud.report.fields import MEMBER, RING, SHARED, Record, plain
from graphfraud.store import catalog

if TYPE_CHECKING:
    from neo4j import Driver, ManagedTransaction

    from graphfraud.report.run import RunReport


def write_rings(driver: Driver, report: RunReport, *, database: str,
                batch: dict[str, str] | None = None,
                alerts: Mapping[str, str] | None = None) -> int:
    """Write the rings of one run's report; returns the number written.

    ``batch`` (from ``graphfraud batch``) adds the export digest, the load state id and
    the run directory to the ``Run`` node; ``alerts`` (ring id -> the batch's alert
    reason) goes on the run's ``FOUND`` relationship of each alerted ring (``alert``).

    The run node, its rings, their members and shared identifiers, what changed since
    the previous complete run (``FOUND``'s ``change``, ``previous_risk``,
    ``previous_members``, ``joined``, ``left``), each ring's GMV (``FOUND.gmv``) and
    finally the run's ``complete`` flag are written in a single managed transaction: a
    reader sees either the previous state or the whole new run.
    """
    rings = report.rings
    run = {
        "run_id": report.run_id,
        "generated_at": report.generated_at_text,
        "source": report.source,
        "params": json.dumps(report.params, sort_keys=True),
        "summary": json.dumps(report.summary, sort_keys=True),
        "export_digest": None, "state_id": None, "run_dir": None,
        **(batch or {}),
    }
    ring_props, found_props = _properties(RING), _properties(RING, found=True)
    alerted = dict(alerts or {})
    ring_rows = [{"ring_id": r.ring_id, "ring": ring_props(r), "found": found_props(r),
                  "members": [f"{m.type}:{m.id}" for m in r.members],
                  "alert": alerted.get(r.ring_id)}
                 for r in rings]
    member_props, shared_props = _properties(MEMBER), _properties(SHARED)
    members: dict[str, list[dict[str, Any]]] = {k.entity_type: [] for k in ACTOR_KINDS}
    shares: dict[str, list[dict[str, Any]]] = {k.entity_type: [] for k in IDENTIFIER_KINDS}
    for r in rings:
        for m in r.members:
            members[m.type].append({"ring_id": r.ring_id, "id": m.id, "link": member_props(m)})
        for s in r.shared:
            shares[s.type].append({"ring_id": r.ring_id, "id": s.id, "link": shared_props(s)})

    def work(tx: ManagedTransaction) -> None:
        tx.run(catalog.statement("rings/run"), run=run).consume()
        tx.run(catalog.statement("rings/rings"), run_id=run["run_id"],
               rings=ring_rows).consume()
        tx.run(catalog.statement("rings/clear_ring_links"), rings=[
            {"ring_id": r.ring_id,
             "keep": [f"{m.type}:{m.id}" for m in r.members]
             + [f"{s.type}:{s.id}" for s in r.shared]} for r in rings]).consume()
        for kind, rows in members.items():
            tx.run(catalog.statement(f"rings/ring_members_{kind}"), rows=rows).consume()
        for kind, rows in shares.items():
            tx.run(catalog.statement(f"rings/ring_shares_{kind}"), rows=rows).consume()
        tx.run(catalog.statement("rings/exposure"), run_id=run["run_id"]).consume()
        tx.run(catalog.statement("rings/complete_run"), run_id=run["run_id"]).consume()

    with driver.session(database=database) as session:
        session.execute_write(work)
    return len(rings)


def _properties(record: Record, *, found: bool = False) -> Callable[[Any], dict[str, Any]]:
    """What a record's Neo4j properties are made of one item: the fields' ``neo4j``
    columns (the node's, or the relationship's of a member or a shared identifier) or,
    with ``found``, their ``found`` columns (the run's FOUND relationship to a ring)."""
    columns = [(f.name, f.found if found else f.neo4j) for f in record]
    chosen = [(name, c) for name, c in columns if c is not None]

    def properties(item: Any) -> dict[str, Any]:
        return {c.name: plain(c.value(getattr(item, name))) for name, c in chosen}

    return properties
