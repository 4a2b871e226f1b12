"""Write a run's rings back into Neo4j, all in one transaction, marked complete last."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from graphfraud.store import catalog

if TYPE_CHECKING:
    from neo4j import Driver, ManagedTransaction

    from graphfraud.report.run import RunReport


def write_rings(driver: Driver, report: RunReport, *, database: str,
                batch: dict[str, str] | None = None) -> int:
    """Write the rings of one run's report; returns the number written.

    ``batch`` (from ``graphfraud batch``) adds the export digest, the load state id and
    the run directory to the ``Run`` node.

    The run node, its rings, their members and shared identifiers, and finally the
    run's ``complete`` flag are written in a single managed transaction: a reader
    sees either the previous state or the whole new run.
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
    ring_rows = [{"ring_id": r.ring_id, "score": r.score, "risk": str(r.risk),
                  "pattern": str(r.pattern), "evidence": list(r.evidence),
                  "known_fraud": r.known_fraud, "known_legit": r.known_legit,
                  "members": len(r.members)} for r in rings]
    members: dict[str, list[dict[str, Any]]] = {"merchant": [], "streamer": []}
    shares: dict[str, list[dict[str, Any]]] = {"device": [], "payment_account": []}
    for r in rings:
        for m in r.members:
            members[m.type].append({"ring_id": r.ring_id, "id": m.id, "score": m.score})
        for s in r.shared:
            shares[s.type].append({"ring_id": r.ring_id, "id": s.id, "members": s.members})

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
        tx.run(catalog.statement("rings/complete_run"), run_id=run["run_id"]).consume()

    with driver.session(database=database) as session:
        session.execute_write(work)
    return len(rings)
