"""Case work against the real test server: the queue, a ring and an actor as cases, the
graph around them, verdicts in context (needs-info, assignments) and the batch's alerts
kept with the run, on a small graph whose answers are known by construction."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import write_csv
from graphfraud.cli import cli
from graphfraud.errors import UsageError
from graphfraud.loaders import read_dataset
from graphfraud.report import RunReport
from graphfraud.score.rings import Member, Ring, Shared
from graphfraud.store import cases
from graphfraud.store.cases import QueueFilter
from graphfraud.store.queries import bind, library, run_query
from graphfraud.store.rings import write_rings
from graphfraud.store.verdicts import Target, history, record_verdict, ring_verdicts
from graphfraud.store.writer import write_dataset

pytestmark = pytest.mark.neo4j

DB = "neo4j"
EVIL = "q'\"`}) MATCH (n) DETACH DELETE n // RETURN 1"
EVIL_NAME = "Ev'il \"店\" `}) // x"
HUB = 5  # cafe-pc (6 users) is a hub at this cap


def _report(run_id: str, at: str, rings: list[Ring]) -> RunReport:
    return RunReport(run_id=run_id, generated_at=datetime.fromisoformat(at), source="test",
                     params={}, summary={}, rings=tuple(rings))


def _ring(ring_id: str, score: float, risk: str, members: list[str],
          shared: list[tuple[str, str, int]] = (), pattern: str = "device_farm") -> Ring:
    return Ring(ring_id=ring_id, score=score, risk=risk, pattern=pattern,
                evidence=(f"evidence of {ring_id}",), known_fraud=0, known_legit=0,
                members=tuple(Member("merchant", m, score) for m in members),
                shared=tuple(Shared(t, i, n) for t, i, n in shared))


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _export(d: Path) -> Path:
    """
    farm:   m1, m2, m3 share phone p1 (m2, m3 also p2); m1 is blacklisted; n1 joins in
            run 2 through p1; host s1 promotes m1 (GMV 100) and m2 (GMV 50)
    evasion: b1 (banned) and n1 use p9; b1 and n2 use account a9
    cafe:   u1..u5 and m1 log in from cafe-pc (6 actors: a hub at 5)
    evil:   a merchant whose id and name are full of quotes and Cypher, with m3 on
            evil-phone
    """
    merchants = ["merchant_id,name,registered_at,category,status",
                 "m1,Farm One,2024-06-20,health,active", "m2,Farm Two,2024-06-21,health,active",
                 "m3,农场 Three,2024-06-22,health,suspended", "b1,Old,2023-01-01,food,banned",
                 "n1,New 1,2023-06-01,food,active", "n2,New 2,2023-07-01,food,active"]
    merchants += [f"u{i},Cafe user {i},2020-01-0{i},food,active" for i in range(1, 6)]
    merchants.append(f"{_quote(EVIL)},{_quote(EVIL_NAME)},2024-01-01,food,active")
    write_csv(d, "merchants.csv", "\n".join(merchants) + "\n")
    write_csv(d, "streamers.csv", "streamer_id,name,registered_at,followers\n"
              "s1,Host 1,2022-01-01,100\n")
    devices = ["merchant_id,device_id,first_seen,last_seen,logins",
               "m1,p1,,,3", "m2,p1,,,3", "m3,p1,,,3", "n1,p1,,,1", "m2,p2,,,1", "m3,p2,,,1",
               "b1,p9,,,1", "n1,p9,,,1", "m1,cafe-pc,,,1", f"{_quote(EVIL)},evil-phone,,,1",
               "m3,evil-phone,,,1"]
    devices += [f"u{i},cafe-pc,,,1" for i in range(1, 6)]
    write_csv(d, "merchant_devices.csv", "\n".join(devices) + "\n")
    write_csv(d, "merchant_accounts.csv", "merchant_id,account_id,role,first_seen\n"
              "b1,a9,settlement,\nn2,a9,withdrawal,\n")
    write_csv(d, "promotions.csv", "streamer_id,merchant_id,sessions,orders,gmv\n"
              "s1,m1,2,10,100\ns1,m2,1,5,50\n")
    write_csv(d, "merchant_signals.csv", "merchant_id,orders,refunds,complaints,violations\n"
              "m1,40,1,0,0\n")
    write_csv(d, "labels.csv", "entity_type,entity_id,label,source,labeled_at\n"
              "merchant,m1,fraud,blacklist,2024-06-28\n")
    return d


@pytest.fixture(scope="module")
def graph(driver: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Run 1: R-farm (m1-m3), R-evasion (b1, n1, n2), R-quiet (u4, u5). Run 2: R-farm
    grew by n1 (alerted), R-new (u1-u3, alerted), R-quiet unchanged, R-evil new; the
    evasion ring is gone."""
    d = _export(tmp_path_factory.mktemp("cases"))
    with driver.session(database=DB) as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS").consume()
    write_dataset(driver, read_dataset(d).dataset, database=DB)
    write_rings(driver, _report("run-1", "2024-07-01T00:00:00Z", [
        _ring("R-farm", 0.9, "high", ["m1", "m2", "m3"], [("device", "p1", 3)]),
        _ring("R-evasion", 0.4, "medium", ["b1", "n1", "n2"], [("device", "p9", 2)],
              "ban_evasion"),
        _ring("R-quiet", 0.2, "low", ["u4", "u5"], [], "mixed"),
    ]), database=DB)
    write_rings(driver, _report("run-2", "2024-07-02T00:00:00Z", [
        _ring("R-farm", 0.95, "high", ["m1", "m2", "m3", "n1"], [("device", "p1", 4)]),
        _ring("R-new", 0.7, "high", ["u1", "u2", "u3"], []),
        _ring("R-quiet", 0.2, "low", ["u4", "u5"], [], "mixed"),
        _ring("R-evil", 0.45, "medium", [EVIL, "m3"], [("device", "evil-phone", 2)],
              "mixed"),
    ]), database=DB, alerts={"R-farm": "ring grew", "R-new": "new ring"})
    return driver


def _ids(page: cases.QueuePage) -> list[str]:
    return [r["ring_id"] for r in page.rows]


def _queue(graph: Any, **knobs: Any) -> cases.QueuePage:
    return cases.queue(graph, QueueFilter(**knobs), database=DB)


def test_the_latest_run_and_the_one_before(graph: Any) -> None:
    assert cases.latest_run(graph, database=DB) == {
        "run_id": "run-2", "generated_at": "2024-07-02T00:00:00Z", "previous_run_id": "run-1"}


def test_the_queue_puts_alerts_first_then_undecided_changes_then_the_rest(graph: Any) -> None:
    page = _queue(graph)
    assert page.run == {"run_id": "run-2", "generated_at": "2024-07-02T00:00:00Z",
                        "previous_run_id": "run-1"}
    assert page.total == 4
    assert _ids(page) == ["R-farm", "R-new", "R-evil", "R-quiet"]
    farm = page.rows[0]
    assert set(farm) == {"ring_id", "score", "risk", "previous_risk", "pattern", "members",
                         "previous_members", "change", "alert", "verdict", "verdict_by",
                         "verdict_at", "assignee", "names", "gmv"}
    assert (farm["change"], farm["members"], farm["previous_members"], farm["risk"],
            farm["previous_risk"], farm["alert"]) == ("grown", 4, 3, "high", "high",
                                                      "ring grew")
    assert farm["gmv"] == 150.0 and len(farm["names"]) == 3
    assert set(farm["names"]) <= {"Farm One", "Farm Two", "农场 Three", "New 1"}
    new, evil, quiet = page.rows[1:]
    assert (new["change"], new["previous_risk"], new["previous_members"]) == ("new", None, None)
    assert new["alert"] == "new ring" and new["gmv"] == 0.0
    assert (evil["change"], evil["alert"]) == ("new", None)
    assert (quiet["change"], quiet["previous_risk"]) == ("unchanged", "low")
    # ascending priority is the same order backwards
    assert _ids(_queue(graph, descending=False)) == ["R-quiet", "R-evil", "R-new", "R-farm"]


def test_the_alert_is_stored_on_the_runs_found_relationship(graph: Any) -> None:
    records, _, _ = graph.execute_query(
        "MATCH (:Run {run_id: 'run-2'})-[f:FOUND]->(r:Ring) RETURN r.ring_id AS id, "
        "f.alert AS alert ORDER BY id", database_=DB)
    assert {r["id"]: r["alert"] for r in records} == {
        "R-evil": None, "R-farm": "ring grew", "R-new": "new ring", "R-quiet": None}


def test_filters_sorts_and_pages(graph: Any) -> None:
    assert _ids(_queue(graph, risk=("low", "medium"))) == ["R-evil", "R-quiet"]
    assert _ids(_queue(graph, pattern=("mixed",), sort="ring_id", descending=False)) == [
        "R-evil", "R-quiet"]
    assert _ids(_queue(graph, sort="members")) == ["R-farm", "R-new", "R-evil", "R-quiet"]
    assert _ids(_queue(graph, sort="gmv"))[0] == "R-farm"
    assert _ids(_queue(graph, sort="ring_id")) == ["R-quiet", "R-new", "R-farm", "R-evil"]
    assert _ids(_queue(graph, sort="score", descending=False)) == [
        "R-quiet", "R-evil", "R-new", "R-farm"]
    first = _queue(graph, sort="ring_id", descending=False, per_page=3)
    second = _queue(graph, sort="ring_id", descending=False, per_page=3, page=2)
    assert (first.total, second.total) == (4, 4)
    assert _ids(first) + _ids(second) == ["R-evil", "R-farm", "R-new", "R-quiet"]
    beyond = _queue(graph, per_page=3, page=9)
    assert (beyond.total, beyond.rows) == (4, [])
    nothing = _queue(graph, risk=("high",), pattern=("ban_evasion",))
    assert (nothing.total, nothing.rows, nothing.run["run_id"]) == (0, [], "run-2")
    assert _queue(graph, changed_since="2024-07-02").total == 3  # R-quiet is unchanged
    assert _queue(graph, changed_since="2024-07-02T00:00:01Z").total == 0
    with pytest.raises(UsageError, match="per_page must be 1 to 200"):
        _queue(graph, per_page=201)
    with pytest.raises(UsageError, match="risk must be among"):
        _queue(graph, risk=("HIGH",))
    with pytest.raises(UsageError, match="changed_since"):
        _queue(graph, changed_since="yesterday")


def test_search_by_ring_member_name_device_and_account(graph: Any) -> None:
    assert _ids(_queue(graph, search="R-ne")) == ["R-new"]
    assert _ids(_queue(graph, search="u2")) == ["R-new"]  # a member id
    assert _ids(_queue(graph, search="farm two")) == ["R-farm"]  # a name, any case
    assert _ids(_queue(graph, search="ARM T", sort="ring_id")) == ["R-farm"]
    assert _ids(_queue(graph, search="农场", sort="ring_id")) == ["R-farm", "R-evil"]
    assert _ids(_queue(graph, search="p2")) == ["R-farm", "R-evil"]  # device of m2, m3
    assert _ids(_queue(graph, search="cafe-pc")) == ["R-farm", "R-new", "R-quiet"]
    assert _ids(_queue(graph, search="a9")).__len__() == 0  # R-evasion is gone
    assert _ids(_queue(graph, search="Cafe user", risk=("high",))) == ["R-new"]
    # hostile text is only text: no error, and the evil shop is found by its id and name
    assert _ids(_queue(graph, search=EVIL)) == ["R-evil"]
    assert _ids(_queue(graph, search="\"店\" `})")) == ["R-evil"]
    assert _queue(graph, search="'); MATCH (n) DETACH DELETE n; //").total == 0
    assert _queue(graph, search="*").total == 0 and _queue(graph, search="   ").total == 4


def test_a_ring_as_a_case(graph: Any) -> None:
    case = cases.ring_case(graph, "R-farm", database=DB, hub_users=HUB)
    assert case is not None
    assert (case["score"], case["risk"], case["pattern"], case["evidence"]) == (
        0.95, "high", "device_farm", ["evidence of R-farm"])
    assert case["run"] == {"run_id": "run-2", "generated_at": "2024-07-02T00:00:00Z",
                           "previous_run_id": "run-1"}
    assert (case["change"], case["previous_risk"], case["previous_members"]) == (
        "grown", "high", 3)
    assert (case["joined"], case["left"], case["alert"]) == (["merchant:n1"], [], "ring grew")
    members = {m["id"]: m for m in case["members"]}
    assert members["m1"]["marks"] == ["blacklisted"] and members["n1"]["marks"] == ["new"]
    assert members["m3"]["marks"] == ["suspended"]
    assert (members["m1"]["gmv"], members["m1"]["orders"], members["m1"]["name"]) == (
        100.0, 40, "Farm One")
    assert {(s["kind"], s["id"], s["members"], s["users"], s["hub"])
            for s in case["shared"]} == {("device", "p1", 4, 4, False),
                                         ("device", "p2", 2, 2, False)}
    assert cases.ring_case(graph, "R-nope", database=DB) is None
    gone = cases.ring_case(graph, "R-evasion", database=DB)
    assert gone is not None and not gone["in_latest_run"] and gone["change"] is None
    hub = cases.ring_case(graph, "R-new", database=DB, hub_users=HUB)
    assert hub is not None and hub["change"] == "new"
    assert hub["joined"] == ["merchant:u1", "merchant:u2", "merchant:u3"]
    assert [(s["id"], s["users"], s["hub"]) for s in hub["shared"]] == [("cafe-pc", 6, True)]


def test_an_actor_as_a_case(graph: Any) -> None:
    case = cases.member_case(graph, "merchant", "m1", database=DB)
    assert case is not None
    assert (case["name"], case["status"], case["verdict"], case["verdict_source"],
            case["marks"], case["gmv"], case["orders"]) == (
        "Farm One", "active", "fraud", "blacklist", ["blacklisted"], 100.0, 40)
    assert case["registered_at"].startswith("2024-06-20")
    assert [(r["run_id"], r["ring_id"]) for r in case["rings"]] == [
        ("run-2", "R-farm"), ("run-1", "R-farm")]  # newest first
    assert [h["decision"] for h in case["history"]] == ["label"]  # the export's label event
    assert {(x["id"], x["users"]) for x in case["identifiers"]} == {("p1", 4), ("cafe-pc", 6)}
    host = cases.member_case(graph, "streamer", "s1", database=DB)
    assert host is not None and (host["gmv"], host["orders"]) == (150.0, 15)
    assert cases.member_case(graph, "merchant", "nope", database=DB) is None
    with pytest.raises(UsageError):
        cases.member_case(graph, "device", "p1", database=DB)


def test_a_ring_graph_lists_hubs_but_not_their_other_users(graph: Any) -> None:
    drawn = cases.ring_graph(graph, "R-new", database=DB, hub_users=HUB)
    nodes = {n["id"]: n for n in drawn["nodes"]}
    assert set(nodes) == {"merchant:u1", "merchant:u2", "merchant:u3", "device:cafe-pc"}
    assert nodes["device:cafe-pc"]["hub"] and nodes["device:cafe-pc"]["users"] == 6
    assert nodes["merchant:u1"]["label"] == "Cafe user 1" and "new" in nodes[
        "merchant:u1"]["marks"]
    assert sorted((e["source"], e["kind"]) for e in drawn["edges"]) == [
        ("merchant:u1", "uses"), ("merchant:u2", "uses"), ("merchant:u3", "uses")]
    farm = cases.ring_graph(graph, "R-farm", database=DB, hub_users=HUB)
    assert {n["id"] for n in farm["nodes"]} == {
        "merchant:m1", "merchant:m2", "merchant:m3", "merchant:n1", "device:p1", "device:p2"}
    assert cases.ring_graph(graph, "R-nope", database=DB) == {"nodes": [], "edges": []}


def test_expand_never_walks_through_a_hub(graph: Any) -> None:
    out = cases.expand(graph, "merchant", "u4", database=DB, hub_users=HUB)
    assert [n["id"] for n in out["nodes"]] == ["merchant:u4", "device:cafe-pc"]
    assert out["nodes"][1]["hub"] and not out["truncated"]
    wide = cases.expand(graph, "merchant", "u4", database=DB, hub_users=10)
    assert {n["id"] for n in wide["nodes"]} == {"merchant:u4", "device:cafe-pc", "merchant:m1",
                                                *(f"merchant:u{i}" for i in (1, 2, 3, 5))}
    assert {(e["source"], e["target"]) for e in wide["edges"]} >= {
        ("merchant:u4", "device:cafe-pc"), ("merchant:m1", "device:cafe-pc")}
    cut = cases.expand(graph, "merchant", "u4", database=DB, hub_users=10, limit=3)
    assert len(cut["nodes"]) == 3 and cut["truncated"]
    hub = cases.expand(graph, "device", "cafe-pc", database=DB, hub_users=HUB)
    assert [(n["id"], n["hub"]) for n in hub["nodes"]] == [("device:cafe-pc", True)]
    phone = cases.expand(graph, "device", "p2", database=DB, hub_users=HUB)
    assert {n["id"] for n in phone["nodes"]} == {"device:p2", "merchant:m2", "merchant:m3"}
    shop = cases.expand(graph, "merchant", "m2", database=DB, hub_users=HUB)
    assert {"source": "streamer:s1", "target": "merchant:m2", "kind": "promotes"} in (
        shop["edges"])
    evil = cases.expand(graph, "merchant", EVIL, database=DB, hub_users=HUB)
    assert evil["nodes"][0] == {"id": f"merchant:{EVIL}", "kind": "merchant",
                                "label": EVIL_NAME, "name": EVIL_NAME, "marks": [],
                                "hub": False, "users": 0}
    assert cases.expand(graph, "device", "nope", database=DB) == {
        "nodes": [], "edges": [], "truncated": False}


def test_needs_info_changes_no_label_but_is_the_rings_latest_decision(graph: Any) -> None:
    before = ring_verdicts(graph, database=DB)
    done = record_verdict(graph, Target("ring", "R-farm"), "needs-info",
                          note="ask the bank about p1", analyst="alice", database=DB)
    assert (done.decision, done.label, done.members) == ("needs-info", None, 4)
    entity = record_verdict(graph, Target("merchant", "m2"), "needs-info", note="ID card?",
                            analyst="alice", database=DB)
    assert entity.label is None
    records, _, _ = graph.execute_query(
        "MATCH (m:Merchant) WHERE m.merchant_id IN ['m1', 'm2'] RETURN m.merchant_id AS id, "
        "m.verdict AS v, m.verdict_source AS s ORDER BY id", database_=DB)
    assert [(r["id"], r["v"], r["s"]) for r in records] == [("m1", "fraud", "blacklist"),
                                                            ("m2", None, None)]
    assert ring_verdicts(graph, database=DB) == before  # alerts still see no decision
    [farm] = _queue(graph, verdict="needs-info").rows
    assert (farm["ring_id"], farm["verdict"], farm["verdict_by"]) == ("R-farm", "needs-info",
                                                                     "alice")
    assert "R-farm" not in _ids(_queue(graph, verdict="none"))
    case = cases.ring_case(graph, "R-farm", database=DB)
    assert case is not None and case["verdicts"][-1]["decision"] == "needs-info"
    assert case["verdicts"][-1]["members"] == 4 and case["verdict_note"] == (
        "ask the bank about p1")
    assert [h["decision"] for h in history(graph, Target("merchant", "m2"), database=DB)] == [
        "needs-info"]


def test_assignments_are_audited_and_filter_the_queue(graph: Any) -> None:
    first = cases.assign(graph, "R-new", "bob", by="alice", note="yours", database=DB)
    assert (first["assignee"], first["previous"], first["by"]) == ("bob", None, "alice")
    second = cases.assign(graph, "R-new", EVIL_NAME, by="bob", note=EVIL, database=DB)
    assert second["previous"] == "bob"
    assert _ids(_queue(graph, assignee=EVIL_NAME)) == ["R-new"]
    assert "R-new" not in _ids(_queue(graph, assignee=""))
    case = cases.ring_case(graph, "R-new", database=DB)
    assert case is not None and case["assignee"] == EVIL_NAME
    assert [(a["assignee"], a["previous"], a["by"], a["note"])
            for a in case["assignments"]] == [("bob", None, "alice", "yours"),
                                              (EVIL_NAME, "bob", "bob", EVIL)]
    assert case["verdicts"] == [] and case["verdict"] is None  # an assignment decides nothing
    assert {"alice", "bob", EVIL_NAME} <= set(cases.analysts(graph, database=DB))
    cleared = cases.assign(graph, "R-new", "", by="alice", note="", database=DB)
    assert (cleared["assignee"], cleared["previous"], cleared["note"]) == (
        None, EVIL_NAME, None)
    assert "R-new" in _ids(_queue(graph, assignee=""))
    with pytest.raises(UsageError, match="no ring"):
        cases.assign(graph, "R-nope", "bob", by="alice", note="", database=DB)


def test_verdict_cli_records_needs_info_and_assignments(graph: Any, neo4j_settings: Any) -> None:
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_PASSWORD": neo4j_settings.password,
           "GRAPHFRAUD_ANALYST": "carol"}
    runner = CliRunner()
    asked = runner.invoke(cli, ["verdict", "R-quiet", "needs-info", "--note", "which café?"],
                          env=env)
    assert asked.exit_code == 0, asked.output
    assert "R-quiet needs-info by carol" in asked.stdout and "no label changes" in asked.stdout
    given = runner.invoke(cli, ["verdict", "R-quiet", "assign", "--to", "dave", "--note",
                                "weekend"], env=env)
    assert given.exit_code == 0, given.output
    assert "R-quiet assigned to dave by carol" in given.stdout
    shown = runner.invoke(cli, ["verdict", "R-quiet", "--history"], env=env)
    lines = shown.stdout.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["needs-info", "assign"]
    assert "carol -> dave: weekend" in lines[1]
    no_to = runner.invoke(cli, ["verdict", "R-quiet", "assign"], env=env)
    assert no_to.exit_code == 2 and "--to" in no_to.stderr
    entity = runner.invoke(cli, ["verdict", "merchant:m1", "assign", "--to", "x"], env=env)
    assert entity.exit_code == 2 and "only a ring" in entity.stderr
    detail = runner.invoke(cli, ["query", "ring_detail", "-p", "ring_id=R-quiet", "--format",
                                 "json"], env=env)
    [row] = json.loads(detail.stdout)
    assert (row["verdict"], row["verdict_by"], row["assignee"]) == ("needs-info", "carol",
                                                                    "dave")
    assert [(h["decision"], h["analyst"], h["note"]) for h in row["history"]] == [
        ("needs-info", "carol", "which café?"), ("assign", "carol", "weekend")]


def test_ring_detail_shows_history_with_analyst_and_note(graph: Any) -> None:
    query = library()["ring_detail"]
    keys, rows = run_query(graph, query, bind(query, {"ring_id": "R-farm"}), database=DB)
    [row] = [dict(zip(keys, r, strict=True)) for r in rows]
    assert row["verdict"] == "needs-info" and row["verdict_by"] == "alice"
    assert row["history"][-1]["note"] == "ask the bank about p1"


def test_a_graph_without_the_name_index_says_how_to_get_it(graph: Any) -> None:
    from graphfraud.errors import StoreError
    from graphfraud.store import catalog

    graph.execute_query("DROP INDEX ring_member_names", database_=DB)
    try:
        with pytest.raises(StoreError, match="graphfraud load"):
            _queue(graph, search="farm")
        assert _queue(graph, search="*").total == 0  # no word: the index is not asked
    finally:
        graph.execute_query(catalog.statement("writer/schema/ring_member_names"),
                            database_=DB)
        graph.execute_query("CALL db.awaitIndexes(60)", database_=DB)
    assert _ids(_queue(graph, search="farm two")) == ["R-farm"]


def test_rings_written_before_member_names_are_upgraded_by_the_schema_step(graph: Any) -> None:
    from graphfraud.store.writer import ensure_schema

    graph.execute_query("MATCH (r:Ring) REMOVE r.member_names", database_=DB)
    graph.execute_query("DROP INDEX ring_member_names", database_=DB)
    ensure_schema(graph, database=DB)  # what the next load or batch run does first
    missing, _, _ = graph.execute_query(
        "MATCH (r:Ring) WHERE r.member_names IS NULL AND EXISTS { (r)-[:HAS_MEMBER]->() }"
        " RETURN count(r) AS n", database_=DB)
    assert missing[0]["n"] == 0
    assert _ids(_queue(graph, search="farm two")) == ["R-farm"]
