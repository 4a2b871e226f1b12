"""The pure parts of case work (graphfraud/store/cases.py): the queue's parameters and
their checks, the name search's full-text query, the marks, the change of a ring written
by an earlier version, and the one-hop graph's cap. The Neo4j side is
tests/integration/test_cases_neo4j.py."""

from __future__ import annotations

import re

import pytest

from graphfraud.errors import UsageError
from graphfraud.store.cases import (
    QueueFilter,
    _change,
    _history,
    _Hop,
    marks,
    name_query,
    queue_parameters,
)


def test_the_queue_parameters_page_and_normalise() -> None:
    p = queue_parameters(QueueFilter())
    assert (p["search"], p["ring_prefix"], p["name_query"], p["since"]) == (
        None, None, None, None)
    assert (p["sort"], p["descending"], p["skip"], p["limit"]) == ("priority", True, 0, 50)
    p = queue_parameters(QueueFilter(risk=("high", "low"), pattern=("mixed",),
                                     verdict="needs-info", assignee=" li ", page=4,
                                     per_page=200, changed_since="2026-03-01T10:00:00",
                                     search="  "))
    assert (p["risk"], p["pattern"], p["verdict"], p["assignee"]) == (
        ["high", "low"], ["mixed"], "needs-info", "li")
    assert (p["skip"], p["limit"], p["since"], p["search"]) == (
        600, 200, "2026-03-01T10:00:00+00:00", None)
    assert queue_parameters(QueueFilter(assignee=""))["assignee"] == ""  # unassigned
    assert queue_parameters(QueueFilter(search="R-0a1B"))["ring_prefix"] == "R-0a1b"


@pytest.mark.parametrize(("knobs", "message"), [
    ({"risk": ("critical",)}, "risk must be among high, medium, low; got 'critical'"),
    ({"pattern": ("farm",)}, "pattern must be among"),
    ({"verdict": "confirmed"}, "verdict must be one of none, confirm, dismiss, needs-info"),
    ({"sort": "name"}, "sort must be one of priority, score, members, gmv, ring_id"),
    ({"page": 0}, "page must be 1 or more"),
    ({"per_page": 0}, "per_page must be 1 to 200"),
    ({"per_page": 500}, "per_page must be 1 to 200"),
    ({"changed_since": "last week"}, "changed_since must be an ISO date"),
])
def test_a_filter_out_of_range_is_a_usage_error(knobs: dict[str, object],
                                                message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        queue_parameters(QueueFilter(**knobs))  # type: ignore[arg-type]


@pytest.mark.parametrize(("search", "query"), [
    ("Farm", "+*farm*"),
    ("farm two", "+*farm* +*two*"),
    ("农场 Three", "+*农* +*场* +*three*"),
    ("Café-Déjà", "+*café* +*déjà*"),
    ("q'\"`}) MATCH (n) // x*?~", "+*q* +*match* +*n* +*x*"),
    ("a_b", "+*a* +*b*"),
    ("*", None), ("''", None), ("\x1b[31m", "+*31m*"),
])
def test_a_name_search_sends_only_letters_and_digits(search: str, query: str | None) -> None:
    assert name_query(search) == query
    if query:  # nothing of Lucene's syntax but the clauses' own + and *
        assert re.fullmatch(r"(\+\*[^\W_]+\* ?)+", query + " ")


def test_a_long_search_keeps_its_longest_words() -> None:
    query = name_query(" ".join(f"w{i:02d}" for i in range(30)) + " longestword")
    assert query is not None and query.count("+*") == 16 and "+*longestword*" in query


def test_marks_say_where_a_label_came_from() -> None:
    assert marks("fraud", "blacklist") == ["blacklisted"]
    assert marks("fraud", None) == ["blacklisted"]
    assert marks("fraud", "analyst:li", "banned") == ["confirmed", "banned"]
    assert marks("legit", "analyst:li", "active", new=True) == ["cleared", "new"]
    assert marks(None, None, "suspended") == ["suspended"]


def _rec(**over: object) -> dict[str, object]:
    rec: dict[str, object] = {"in_latest_run": True, "change": None, "members_count": 4,
                              "previous_members": 3, "previously_found": True,
                              "risk": "high", "previous_risk": "high", "joined": None,
                              "left": None}
    rec.update(over)
    return rec


def test_the_change_of_a_ring_written_by_an_earlier_version_is_worked_out() -> None:
    keys = ["merchant:b", "merchant:a"]
    assert _change(_rec(), keys) == ("grown", [], [])
    assert _change(_rec(previously_found=False), keys) == (
        "new", ["merchant:a", "merchant:b"], [])
    assert _change(_rec(members_count=3, previous_risk="low"), keys)[0] == "risk changed"
    assert _change(_rec(members_count=3), keys)[0] == "unchanged"
    kept = _rec(change="grown", joined=["merchant:b"], left=[])
    assert _change(kept, keys) == ("grown", ["merchant:b"], [])
    assert _change(_rec(in_latest_run=False), keys) == (None, [], [])


def test_a_rings_history_splits_decisions_from_assignments() -> None:
    rows = [{"verdict_id": "V-1", "decision": "confirm", "analyst": "li", "at": "t1",
             "note": "x", "members": 3, "assignee": None, "previous_assignee": None},
            {"verdict_id": "V-2", "decision": "assign", "analyst": "li", "at": "t2",
             "note": None, "members": None, "assignee": "wang", "previous_assignee": None}]
    verdicts, assignments = _history(rows)
    assert verdicts == [{"verdict_id": "V-1", "decision": "confirm", "analyst": "li",
                         "at": "t1", "note": "x", "members": 3}]
    assert assignments == [{"verdict_id": "V-2", "assignee": "wang", "previous": None,
                            "by": "li", "at": "t2", "note": None}]


def _desc(kind: str, id: str, users: int = 0) -> dict[str, object]:
    return {"kind": kind, "id": id, "name": None, "status": None, "verdict": None,
            "verdict_source": None, "users": users}


def test_one_hop_keeps_at_most_limit_nodes_and_only_their_edges() -> None:
    hop = _Hop(3, 50)
    center = hop.add(_desc("merchant", "m1"))
    phone = hop.add(_desc("device", "p1", users=80))
    assert hop.nodes[1]["hub"] and hop.nodes[1]["users"] == 80
    hop.link(center, phone, "uses")
    hop.link(center, phone, "uses")  # once
    other = hop.add(_desc("merchant", "m2"))
    late = hop.add(_desc("merchant", "m3"))
    hop.link(other, phone, "uses")
    hop.link(late, phone, "uses")  # m3 was left out: so is its edge
    out = hop.result(False)
    assert [n["id"] for n in out["nodes"]] == ["merchant:m1", "device:p1", "merchant:m2"]
    assert [(e["source"], e["target"]) for e in out["edges"]] == [
        ("merchant:m1", "device:p1"), ("merchant:m2", "device:p1")]
    assert out["truncated"] and out["nodes"][0]["label"] == "m1"
