"""Analysts' verdicts in Neo4j: recorded once, never changed, and fed to the next scan.

A verdict is a ``Verdict`` node (who, when, why, what) linked ``ABOUT`` its ring or
entity. Nothing updates or deletes a ``Verdict``: the history of a target is the list
of its verdicts. Recording one also sets the target's current ``verdict`` property
(``fraud`` for confirm, ``legit`` for dismiss), which the next scan reads as a known
label: dismissed rings' members and cleared entities as legit, confirmed members as
known fraud for other rings (on their own ring a confirmation is a decision, not
evidence: ``graphfraud.score``). A ring verdict applies to every member the ring has at that moment
and keeps that member list, so later alerts can tell whether the ring changed.

A third decision, ``needs-info``, records that the case is open and what is missing: a
``Verdict`` with a note and no label. It changes no label (the ring's standing
``verdict`` and its members' stay); it becomes the ring's latest ``decision``, which the
case queue shows. An assignment (:func:`record_assignment`) is a ``Verdict`` too
(decision ``assign``, with the ``assignee``), so who gave whom which ring is audited
the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graphfraud.errors import UsageError
from graphfraud.model import ENTITY_KINDS
from graphfraud.store import catalog

if TYPE_CHECKING:
    from neo4j import Driver

#: The decisions that set a label, and the label each sets.
DECISIONS = {"confirm": "fraud", "dismiss": "legit"}
#: The decision that asks for more information: no label changes.
NEEDS_INFO = "needs-info"
#: Every decision an analyst records about a ring or an entity.
CHOICES = (*DECISIONS, NEEDS_INFO)
#: The decision of an assignment's ``Verdict`` (not a choice of :func:`record_verdict`).
ASSIGN = "assign"
TARGET_TYPES = ("ring", *ENTITY_KINDS)


@dataclass(frozen=True)
class Target:
    """What a verdict is about: a ring (``ring``) or an entity kind, and its id."""

    type: str
    id: str

    def __str__(self) -> str:
        return f"{self.type}:{self.id}"


def parse_target(text: str) -> Target:
    """``R-…`` is a ring; ``merchant:ID`` (or another entity kind) is an entity.

    Raises
    ------
    UsageError
        If the text names neither.
    """
    kind, sep, rest = text.partition(":")
    if sep and kind in TARGET_TYPES and rest:
        return Target(kind, rest)
    if text.startswith("R-") and not sep:
        return Target("ring", text)
    raise UsageError(
        f"cannot tell what {text!r} is: give a ring id (R-…) or TYPE:ID with TYPE one of "
        + ", ".join(ENTITY_KINDS)
    )


@dataclass(frozen=True)
class Recorded:
    """One recorded verdict."""

    verdict_id: str
    target: Target
    decision: str
    label: str | None  # None for needs-info
    analyst: str
    at: str
    members: int  # entities the verdict applied to (1, or a ring's members)
    #: Members whose earlier, different label this verdict replaced.
    overturned: int = 0


def record_verdict(driver: Driver, target: Target, decision: str, *, note: str, analyst: str,
                   database: str, at: datetime | None = None,
                   clear_blacklisted: bool = False) -> Recorded:
    """Record one verdict in a single transaction.

    ``decision`` is ``confirm`` (fraud), ``dismiss`` (legit) or ``needs-info`` (no
    label: the history and the ring's latest decision record it, nothing else changes).
    Dismissing a ring clears every member's label, blacklisted ones included: that
    happens only with ``clear_blacklisted``; each member's verdict keeps the label it
    replaced.

    Raises
    ------
    UsageError
        If the decision is unknown, the note or analyst is empty, the target does not
        exist in the graph, or a dismissal would clear blacklisted members and
        ``clear_blacklisted`` is false (nothing is recorded then).
    """
    if decision not in CHOICES:
        raise UsageError(f"decision must be one of {', '.join(CHOICES)}, got {decision!r}")
    if not note.strip():
        raise UsageError("a verdict needs a note saying why (--note)")
    if not analyst.strip():
        raise UsageError("a verdict needs the analyst's name (--analyst or GRAPHFRAUD_ANALYST)")
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat()
    verdict: dict[str, Any] = {"verdict_id": _new_id(), "decision": decision,
               "label": DECISIONS.get(decision), "note": note.strip(),
               "analyst": analyst.strip(), "at": when, "via_ring": None}

    overturned = [0]
    blacklisted: list[Any] = []

    def work(tx: Any) -> int:
        if target.type != "ring":
            rows = list(tx.run(catalog.statement(f"verdicts/record_{target.type}"),
                               id=target.id, v=verdict))
            return len(rows) or -1
        found = tx.run(catalog.statement("verdicts/ring_exists"), id=target.id).single()
        if not found or not found["n"]:
            return -1
        if decision == "dismiss" and not clear_blacklisted:
            listed = tx.run(catalog.statement("verdicts/ring_blacklisted"),
                            ring_id=target.id).single()
            if listed and listed["n"]:
                blacklisted.extend([int(listed["n"]), list(listed["some"])])
                return -2
        name = "record_ring_needs_info" if decision == NEEDS_INFO else "record_ring"
        row = tx.run(catalog.statement(f"verdicts/{name}"), ring_id=target.id,
                     v=verdict).single()
        overturned[0] = int(row["overturned"]) if row else 0
        return int(row["members"]) if row else 0

    with driver.session(database=database) as session:
        applied = session.execute_write(work)
    if applied == -2:
        count, some = blacklisted
        raise UsageError(
            f"ring {target.id} has {count} blacklisted member{'s' if count != 1 else ''} "
            f"({', '.join(some)}{', …' if count > len(some) else ''}); dismissing it clears "
            "their labels: nothing recorded. Check them, then pass --clear-blacklisted to "
            "dismiss the ring and clear them")
    if applied < 0:
        raise UsageError(f"no {target.type} {target.id!r} in the graph")
    return Recorded(verdict["verdict_id"], target, decision, verdict["label"],
                    verdict["analyst"], when, applied, overturned[0])


def _new_id() -> str:
    return f"V-{uuid.uuid4().hex[:16]}"


def record_assignment(driver: Driver, ring_id: str, assignee: str, *, by: str, note: str,
                      database: str, at: datetime | None = None) -> dict[str, Any]:
    """Assign a ring to ``assignee`` (``""``: to no one), in one transaction: a
    ``Verdict`` with decision ``assign`` records who assigned whom, when and why, and
    the ring's ``assignee`` property follows. The ring's labels and decision stay.

    Returns ``{verdict_id, ring_id, assignee (None when unassigned), previous (whom it
    replaced, or None), by, at, note (None when empty)}``.

    Raises
    ------
    UsageError
        If ``by`` is empty or the ring does not exist (nothing is recorded then).
    """
    if not by.strip():
        raise UsageError("an assignment needs the name of who assigns (--analyst or "
                         "GRAPHFRAUD_ANALYST)")
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat()
    record = {"verdict_id": _new_id(), "assignee": assignee.strip() or None,
              "note": note.strip() or None, "analyst": by.strip(), "at": when}
    records, _, _ = driver.execute_query(catalog.statement("verdicts/assign_ring"),
                                         ring_id=ring_id, v=record, database_=database)
    if not records:
        raise UsageError(f"no ring {ring_id!r} in the graph")
    row = records[0]
    return {"verdict_id": row["verdict_id"], "ring_id": ring_id,
            "assignee": record["assignee"], "previous": row["previous"],
            "by": record["analyst"], "at": row["at"], "note": record["note"]}


def history(driver: Driver, target: Target, *, database: str) -> list[dict[str, Any]]:
    """Every verdict about ``target``, oldest first (READ access)."""
    from neo4j import RoutingControl

    records, _, _ = driver.execute_query(
        catalog.statement("verdicts/history"), target_type=target.type, target_id=target.id,
        routing_=RoutingControl.READ, database_=database)
    return [dict(r) for r in records]


def latest_entity_verdicts(driver: Driver, *, database: str) -> list[dict[str, Any]]:
    """The newest analyst verdict of every entity, as labels.csv rows."""
    records, _, _ = driver.execute_query(catalog.statement("verdicts/latest"),
                                         database_=database)
    return [dict(r) for r in records]


def latest_decisions(driver: Driver, *, database: str) -> list[dict[str, Any]]:
    """The latest analyst decision (confirm, dismiss or needs-info) about every ring
    and entity that has one: ``target_type``, ``target_id``, ``decision``, ``analyst``,
    ``at``, ``note``, ``via_ring`` (the ring a member's decision came through, or None)."""
    records, _, _ = driver.execute_query(catalog.statement("verdicts/decisions"),
                                         database_=database)
    return [dict(r) for r in records]


def ring_verdicts(driver: Driver, *, database: str) -> dict[str, dict[str, Any]]:
    """Ring id -> {decision, at, members (``type:id`` at the time of the verdict)}."""
    records, _, _ = driver.execute_query(catalog.statement("verdicts/ring_verdicts"),
                                         database_=database)
    return {r["ring_id"]: {"decision": r["decision"], "at": r["at"],
                           "members": list(r["members"] or [])} for r in records}
