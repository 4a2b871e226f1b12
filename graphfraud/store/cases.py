"""Case work in Neo4j: the queue of rings an analyst works through, one ring or one
actor as a case, the graph around them, and assignments.

Every read runs in READ access mode and answers in one round trip; the driver is passed
in and never closed here. The queue covers the rings found by the latest complete run
(:func:`latest_run`): it filters, counts and pages in Cypher (``cypher/cases/queue``),
finding a searched member by its key or, by name, through the ``ring_member_names``
full-text index of each ring's members' names (then matched exactly, without case),
never by scanning every member. What
changed since the previous complete run, the batch's alert and each ring's GMV are
written with the run (:mod:`graphfraud.store.rings`), so the queue reads them, not
recomputes them.

Ids, names and notes are data: they travel as parameters, never as Cypher text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from graphfraud.errors import StoreError, UsageError
from graphfraud.model import ACTOR_KINDS, IDENTIFIER_KINDS, Pattern, Risk
from graphfraud.store import catalog
from graphfraud.store.verdicts import CHOICES, Target, history, record_assignment

if TYPE_CHECKING:
    from neo4j import Driver

#: The orders the queue can be sorted in.
SORTS = ("priority", "score", "members", "gmv", "ring_id")
#: The queue's verdict filter: ``none`` (no decision yet) or a decision.
VERDICT_FILTERS = ("none", *CHOICES)
MAX_PER_PAGE = 200
ACTOR_TYPES = tuple(k.entity_type for k in ACTOR_KINDS)
IDENTIFIER_TYPES = tuple(k.entity_type for k in IDENTIFIER_KINDS)
NODE_TYPES = ACTOR_TYPES + IDENTIFIER_TYPES
#: Most words of a name search sent to the full-text index (the rest only narrow it).
_MAX_WORDS = 16
_RING_ID = re.compile(r"(?i)r-[0-9a-f]*")


@dataclass(frozen=True)
class QueueFilter:
    """Which rings of the latest complete run the queue shows, in which order, which page."""

    risk: tuple[str, ...] = ()  # subset of high, medium, low; () = all
    pattern: tuple[str, ...] = ()  # ring patterns; () = all
    verdict: str | None = None  # 'none' (no decision yet), 'confirm', 'dismiss', 'needs-info'
    assignee: str | None = None  # analyst name; '' = unassigned
    #: ISO date or date-time: rings whose latest change, decision or alert is at or
    #: after it (a date is its midnight, a time without zone is UTC).
    changed_since: str | None = None
    #: A ring id (or its start), a member id, a part of a member's name (any case), a
    #: device id or a payment account id.
    search: str | None = None
    sort: str = "priority"  # priority | score | members | gmv | ring_id
    descending: bool = True
    page: int = 1  # 1-based
    per_page: int = 50  # 1..200


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue."""

    #: The latest complete run: run_id, generated_at, previous_run_id (or None); None
    #: when no run is complete.
    run: dict[str, Any] | None
    total: int  # rings matching the filter
    #: ring_id, score, risk, previous_risk, pattern, members, previous_members, change,
    #: alert, verdict, verdict_by, verdict_at, assignee, names, gmv
    rows: list[dict[str, Any]]


def _read(driver: Driver, name: str, *, database: str, **params: Any) -> list[Any]:
    from neo4j import RoutingControl

    records, _, _ = driver.execute_query(catalog.statement(f"cases/{name}"),
                                         parameters_=params, routing_=RoutingControl.READ,
                                         database_=database)
    return list(records)


def latest_run(driver: Driver, *, database: str) -> dict[str, Any] | None:
    """The latest complete run: ``run_id``, ``generated_at`` (ISO 8601 text) and
    ``previous_run_id`` (the complete run before it, or None); None when there is none."""
    records = _read(driver, "latest_run", database=database)
    return dict(records[0]) if records else None


def queue(driver: Driver, f: QueueFilter, *, database: str) -> QueuePage:
    """One page of the rings found by the latest complete run that pass ``f``.

    Row keys: ``ring_id``, ``score``, ``risk``, ``previous_risk`` (None if new),
    ``pattern``, ``members``, ``previous_members``, ``change`` (new, grown, shrunk, risk
    changed, unchanged), ``alert`` (the batch's reason, or None), ``verdict`` (the latest
    decision: confirm, dismiss, needs-info, or None), ``verdict_by``, ``verdict_at``,
    ``assignee``, ``names`` (up to 3 member names), ``gmv`` (0.0 if unknown).

    Raises
    ------
    UsageError
        If a field of the filter is out of its range (an unknown risk, pattern, verdict
        or sort, a page below 1, per_page outside 1..200, a date that does not parse).
    StoreError
        If a search meets a graph written by an earlier version that has no full-text
        index of names yet (the next ``graphfraud load`` or batch run creates it).
    """
    from neo4j.exceptions import ClientError

    params = queue_parameters(f)
    try:
        records = _read(driver, "queue", database=database, **params)
    except ClientError as e:
        if "ring_member_names" not in str(e):
            raise
        raise StoreError("the graph has no full-text index of ring members' names yet: "
                         "`graphfraud load` or the next batch run creates it") from e
    if not records:
        return QueuePage(None, 0, [])
    rec = records[0]
    run = None if rec["run_id"] is None else {
        "run_id": rec["run_id"], "generated_at": rec["generated_at"],
        "previous_run_id": rec["previous_run_id"]}
    return QueuePage(run, int(rec["total"]), [dict(row) for row in rec["rows"]])


def queue_parameters(f: QueueFilter) -> dict[str, Any]:
    """The queue statement's parameters for a filter, checked.

    >>> p = queue_parameters(QueueFilter(risk=("high",), search=" r-07F ", page=3,
    ...                                  per_page=20))
    >>> (p["risk"], p["ring_prefix"], p["skip"], p["limit"], p["name_query"])
    (['high'], 'R-07f', 40, 20, '+*r* +*07f*')

    Raises
    ------
    UsageError
        If a field is out of its range.
    """
    def closed(name: str, values: tuple[str, ...], allowed: tuple[str, ...]) -> list[str]:
        values = tuple(values)
        bad = [v for v in values if v not in allowed]
        if bad:
            raise UsageError(f"{name} must be among {', '.join(allowed)}; got "
                             f"{', '.join(repr(v) for v in bad)}")
        return list(values)

    if f.verdict is not None and f.verdict not in VERDICT_FILTERS:
        raise UsageError(f"verdict must be one of {', '.join(VERDICT_FILTERS)}; "
                         f"got {f.verdict!r}")
    if f.sort not in SORTS:
        raise UsageError(f"sort must be one of {', '.join(SORTS)}; got {f.sort!r}")
    if not isinstance(f.page, int) or f.page < 1:
        raise UsageError(f"page must be 1 or more; got {f.page!r}")
    if not isinstance(f.per_page, int) or not 1 <= f.per_page <= MAX_PER_PAGE:
        raise UsageError(f"per_page must be 1 to {MAX_PER_PAGE}; got {f.per_page!r}")
    search = (f.search or "").strip() or None
    return {
        "risk": closed("risk", f.risk, tuple(Risk)),
        "pattern": closed("pattern", f.pattern, tuple(Pattern)),
        "verdict": f.verdict, "assignee": None if f.assignee is None else f.assignee.strip(),
        "since": _since(f.changed_since),
        "search": search,
        "ring_prefix": _ring_prefix(search) if search else None,
        "name_query": name_query(search) if search else None,
        "sort": f.sort, "descending": bool(f.descending),
        "skip": (f.page - 1) * f.per_page, "limit": f.per_page,
    }


def _since(text: str | None) -> str | None:
    """An ISO date or date-time as UTC ISO 8601 text (a date: its midnight; no zone: UTC).

    >>> _since("2026-01-02"), _since("2026-01-02T08:30:00+08:00")
    ('2026-01-02T00:00:00+00:00', '2026-01-02T00:30:00+00:00')
    """
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value \
            or " " in value else datetime.combine(date.fromisoformat(value), datetime.min.time())
    except ValueError as e:
        raise UsageError(f"changed_since must be an ISO date or date-time; got "
                         f"{text!r}") from e
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat()


def _ring_prefix(search: str) -> str:
    """Ring ids are ``R-`` and lower-case hex: a search that looks like one is spelled so.

    >>> _ring_prefix("r-0A"), _ring_prefix("m1")
    ('R-0a', 'm1')
    """
    if _RING_ID.fullmatch(search):
        return "R-" + search[2:].lower()
    return search


def name_query(search: str) -> str | None:
    """The full-text query that finds every name containing ``search`` (and some more,
    which the statement then drops by an exact test): each run of letters and digits as
    a ``*word*`` clause, all required; a character of a script the index splits into
    single characters (CJK and beyond) a clause of its own. None when the search holds
    no letter or digit. Nothing of the search reaches the query but letters and digits.

    >>> name_query("Farm 1"), name_query("新店-a"), name_query("'); //")
    ('+*farm* +*1*', '+*新* +*店* +*a*', None)
    """
    words: list[str] = []
    for run in re.findall(r"[^\W_]+", search.lower()):
        part = ""
        for ch in run:
            if ord(ch) >= 0x2E80:
                if part:
                    words.append(part)
                part = ""
                words.append(ch)
            else:
                part += ch
        if part:
            words.append(part)
    unique = sorted(set(words), key=lambda w: (-len(w), w))[:_MAX_WORDS]
    if not unique:
        return None
    ordered = [w for w in dict.fromkeys(words) if w in unique]
    return " ".join(f"+*{w}*" for w in ordered)


# -- one ring, one actor ---------------------------------------------------------------

def marks(verdict: str | None, source: str | None, status: str | None = None, *,
          new: bool = False) -> list[str]:
    """What a node's badges say: ``blacklisted`` (fraud from the export's labels),
    ``confirmed`` (fraud by an analyst), ``cleared`` (legit), ``banned``, ``suspended``,
    ``new`` (joined the ring since the previous run).

    >>> marks("fraud", "blacklist", "banned", new=True)
    ['blacklisted', 'banned', 'new']
    >>> marks("fraud", "analyst:li"), marks("legit", None, "suspended"), marks(None, None)
    (['confirmed'], ['cleared', 'suspended'], [])
    """
    out = []
    if verdict == "fraud":
        out.append("confirmed" if (source or "").startswith("analyst:") else "blacklisted")
    elif verdict == "legit":
        out.append("cleared")
    if status in ("banned", "suspended"):
        out.append(status)
    if new:
        out.append("new")
    return out


def ring_case(driver: Driver, ring_id: str, *, database: str,
              hub_users: int = 50) -> dict[str, Any] | None:
    """One ring as a case (see docs/cypher.md, "Case work"), or None if no such ring.

    Keys: ring_id, score, risk, pattern, evidence, reasons (as stored, or None),
    known_fraud, known_legit; run (the latest complete run, or None), in_latest_run,
    last_found_run_id; change, previous_risk, previous_members, joined, left (member
    keys, since the previous complete run; change None when the latest run did not find
    the ring); alert; verdict, verdict_by, verdict_at, verdict_note (the latest
    decision); assignee; members (kind, id, name, status, verdict, verdict_source,
    marks, gmv, orders, score); shared (kind, id, members, users, hub); verdicts
    (verdict_id, decision, analyst, at, note, members) and assignments (verdict_id,
    assignee, previous, by, at, note), oldest first.
    """
    records = _read(driver, "ring", database=database, ring_id=ring_id)
    if not records:
        return None
    rec = dict(records[0])
    members = [dict(m) for m in rec.pop("members")]
    keys = [f"{m['kind']}:{m['id']}" for m in members]
    change, joined, left = _change(rec, keys)
    joined_set = set(joined)
    for m, key in zip(members, keys, strict=True):
        m["marks"] = marks(m["verdict"], m["verdict_source"], m["status"],
                           new=key in joined_set)
    shared = [{**dict(s), "hub": int(s["users"]) > hub_users} for s in rec.pop("shared")]
    verdicts, assignments = _history(rec.pop("history"))
    run = None if rec["run_id"] is None else {
        "run_id": rec["run_id"], "generated_at": rec["generated_at"],
        "previous_run_id": rec["previous_run_id"]}
    keep = ("ring_id", "score", "risk", "pattern", "known_fraud", "known_legit",
            "last_found_run_id", "in_latest_run", "previous_risk", "previous_members",
            "alert", "verdict", "verdict_by", "verdict_at", "verdict_note", "assignee")
    out = {k: rec[k] for k in keep}
    out.update(evidence=list(rec["evidence"] or []), reasons=rec["reasons"], run=run,
               change=change, joined=joined, left=left, members=members, shared=shared,
               verdicts=verdicts, assignments=assignments)
    return out


def _change(rec: dict[str, Any], keys: list[str]) -> tuple[str | None, list[str], list[str]]:
    """The ring's change since the previous complete run and the members that joined
    and left: as the write-back kept them, or (a run written before it did) from the
    member counts and risks, a new ring's members all joined."""
    if not rec["in_latest_run"]:
        return None, [], []
    change = rec["change"]
    if change is None:  # written by an earlier version: no joined / left kept
        count, before = rec["members_count"], rec["previous_members"]
        change = ("new" if not rec["previously_found"] else "grown" if count > before
                  else "shrunk" if count < before
                  else "risk changed" if rec["risk"] != rec["previous_risk"] else "unchanged")
    if rec["joined"] is None:
        return change, sorted(keys) if change == "new" else [], []
    return change, list(rec["joined"]), list(rec["left"] or [])


def _history(rows: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A ring's Verdict rows split into decisions and assignments, oldest first."""
    verdicts, assignments = [], []
    for v in rows:
        if v["decision"] == "assign":
            assignments.append({"verdict_id": v["verdict_id"], "assignee": v["assignee"],
                                "previous": v["previous_assignee"], "by": v["analyst"],
                                "at": v["at"], "note": v["note"]})
        else:
            verdicts.append({"verdict_id": v["verdict_id"], "decision": v["decision"],
                             "analyst": v["analyst"], "at": v["at"], "note": v["note"],
                             "members": v["members"]})
    return verdicts, assignments


def member_case(driver: Driver, kind: str, actor_id: str, *,
                database: str) -> dict[str, Any] | None:
    """One actor (``kind`` merchant or streamer) as a case, or None if it is not in the
    graph.

    Keys: kind, id, name, status, registered_at, gmv (a merchant: the GMV hosts sold of
    its goods; a host: the GMV it sold), orders, verdict, verdict_source, marks; rings
    (run_id, generated_at, ring_id, risk, score: every complete run that found a ring
    it belongs to now, newest first); history (its labels and decisions, oldest first:
    the rows of ``graphfraud verdict --history``, the export's label events included);
    identifiers (kind, id, verdict, verdict_source, users).

    Raises
    ------
    UsageError
        If ``kind`` is not an actor kind.
    """
    if kind not in ACTOR_TYPES:
        raise UsageError(f"kind must be one of {', '.join(ACTOR_TYPES)}; got {kind!r}")
    records = _read(driver, f"member_{kind}", database=database, id=actor_id)
    if not records:
        return None
    out = dict(records[0])
    out["marks"] = marks(out["verdict"], out["verdict_source"], out["status"])
    out["rings"] = [dict(r) for r in out["rings"]]
    out["identifiers"] = [dict(x) for x in out["identifiers"]]
    out["history"] = history(driver, Target(kind, actor_id), database=database)
    return out


# -- the graph around a ring or a node ---------------------------------------------------

def _node(desc: Any, *, hub_users: int, new: bool = False) -> dict[str, Any]:
    """A node of the drawn graph from a statement's description of it."""
    users = int(desc["users"] or 0)
    identifier = desc["kind"] in IDENTIFIER_TYPES
    return {"id": f"{desc['kind']}:{desc['id']}", "kind": desc["kind"],
            "label": desc["name"] or desc["id"], "name": desc["name"],
            "marks": marks(desc["verdict"], desc["verdict_source"], desc["status"], new=new),
            "hub": identifier and users > hub_users, "users": users}


def ring_graph(driver: Driver, ring_id: str, *, database: str,
               hub_users: int = 50) -> dict[str, Any]:
    """One ring as a graph: ``{"nodes": [...], "edges": [...]}``; empty if no such ring.

    Nodes (``id`` ``kind:ID``, ``kind``, ``label``, ``name``, ``marks``, ``hub``,
    ``users``): the members, the devices and accounts two or more of them use (a hub,
    used by more than ``hub_users`` actors, is there marked ``hub``, its other users
    are not), and the declared organisations members belong to. Edges (``source``,
    ``target``, ``kind``): ``uses`` (member to identifier), ``promotes`` (host to
    merchant), ``member_of`` (member to organisation).
    """
    records = _read(driver, "ring_graph", database=database, ring_id=ring_id)
    if not records:
        return {"nodes": [], "edges": []}
    rec = records[0]
    keys = [f"{m['kind']}:{m['id']}" for m in rec["members"]]
    joined = set(keys if rec["change"] == "new" and rec["joined"] is None
                 else rec["joined"] or [])
    nodes = [_node(m, hub_users=hub_users, new=key in joined)
             for m, key in zip(rec["members"], keys, strict=True)]
    edges = []
    for x in rec["shared"]:
        node = _node(x, hub_users=hub_users)
        nodes.append(node)
        edges += [{"source": user, "target": node["id"], "kind": "uses"}
                  for user in x["used_by"]]
    for host, shop in rec["promotions"]:
        edges.append({"source": f"streamer:{host}", "target": f"merchant:{shop}",
                      "kind": "promotes"})
    for org in rec["organizations"]:
        node = _node(org, hub_users=hub_users)
        nodes.append(node)
        edges += [{"source": member, "target": node["id"], "kind": "member_of"}
                  for member in org["used_by"]]
    return {"nodes": nodes, "edges": edges}


def expand(driver: Driver, kind: str, node_id: str, *, database: str, hub_users: int = 50,
           limit: int = 200) -> dict[str, Any]:
    """One hop from a node: ``{"nodes", "edges", "truncated"}`` (nodes and edges as in
    :func:`ring_graph`); empty if there is no such node.

    From an actor: the devices and accounts it uses, and through each that is not a hub
    (used by at most ``hub_users`` actors) the other actors using it, then the hosts it
    is promoted by or the merchants it promotes; hubs are listed (``hub``: True), never
    walked through. From an identifier: the actors using it, or, for a hub, itself only.
    At most ``limit`` nodes (the node itself included); ``truncated`` says some were
    left out.

    Raises
    ------
    UsageError
        If ``kind`` is not an entity kind or ``limit`` is below 1.
    """
    if kind not in NODE_TYPES:
        raise UsageError(f"kind must be one of {', '.join(NODE_TYPES)}; got {kind!r}")
    if limit < 1:
        raise UsageError(f"limit must be 1 or more; got {limit!r}")
    records = _read(driver, "expand", database=database, kind=kind, id=node_id,
                    hub_users=hub_users, limit=limit)
    if not records:
        return {"nodes": [], "edges": [], "truncated": False}
    rec = records[0]
    graph = _Hop(limit, hub_users)
    center = graph.add(rec["node"])
    cut = any(len(rec[name]) > limit
              for name in ("identifiers", "neighbours", "promoted", "users_of"))
    if kind in IDENTIFIER_TYPES:
        if not graph.nodes[0]["hub"]:
            for user in rec["users_of"]:
                graph.link(graph.add(user), center, "uses")
        return graph.result(cut)
    for x in rec["identifiers"]:
        graph.link(center, graph.add(x), "uses")
    for b in rec["neighbours"]:
        other = graph.add(b)
        for via in b["via"]:
            graph.link(other, via, "uses")
    for b in rec["promoted"]:
        other = graph.add(b)
        if b["promotes"]:
            graph.link(center, other, "promotes")
        else:
            graph.link(other, center, "promotes")
    return graph.result(cut)


class _Hop:
    """Nodes (at most ``limit``) and the edges between them, in the order added."""

    def __init__(self, limit: int, hub_users: int) -> None:
        self.limit, self.hub_users = limit, hub_users
        self.nodes: list[dict[str, Any]] = []
        self.ids: set[str] = set()
        self.edges: list[dict[str, Any]] = []
        self.seen_edges: set[tuple[str, str, str]] = set()
        self.dropped = False

    def add(self, desc: Any) -> str:
        node = _node(desc, hub_users=self.hub_users)
        if node["id"] not in self.ids:
            if len(self.nodes) >= self.limit:
                self.dropped = True
                return node["id"]
            self.ids.add(node["id"])
            self.nodes.append(node)
        return str(node["id"])

    def link(self, source: str, target: str, kind: str) -> None:
        key = (source, target, kind)
        if source in self.ids and target in self.ids and key not in self.seen_edges:
            self.seen_edges.add(key)
            self.edges.append({"source": source, "target": target, "kind": kind})

    def result(self, cut: bool) -> dict[str, Any]:
        return {"nodes": self.nodes, "edges": self.edges, "truncated": cut or self.dropped}


# -- assignments and names ---------------------------------------------------------------

def assign(driver: Driver, ring_id: str, assignee: str, *, by: str, note: str,
           database: str) -> dict[str, Any]:
    """Assign a ring to ``assignee`` (``""``: to no one), recorded as an auditable
    ``Verdict`` (decision ``assign``) and as the ring's ``assignee``.

    Returns ``{verdict_id, ring_id, assignee, previous, by, at, note}``.

    Raises
    ------
    UsageError
        If ``by`` is empty or there is no such ring.
    """
    return record_assignment(driver, ring_id, assignee, by=by, note=note, database=database)


def analysts(driver: Driver, *, database: str) -> list[str]:
    """Every name seen as an analyst who decided or assigned, or as an assignee, sorted
    (for the queue's filter lists)."""
    return [r["name"] for r in _read(driver, "analysts", database=database)]
