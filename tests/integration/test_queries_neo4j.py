"""Every investigator query on a small graph whose answers are known by construction."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import write_csv
from graphfraud.cli import cli
from graphfraud.loaders import read_dataset
from graphfraud.report import RunReport
from graphfraud.score.rings import Member, Ring, Shared
from graphfraud.store.queries import bind, library, run_query
from graphfraud.store.rings import write_rings
from graphfraud.store.writer import write_dataset

pytestmark = pytest.mark.neo4j

EVIL = "q'\"`}) MATCH (n) DETACH DELETE n // RETURN 1"


def _report(run_id: str, at: str, rings: list[Ring]) -> RunReport:
    return RunReport(run_id=run_id, generated_at=datetime.fromisoformat(at), source="test",
                     params={}, summary={}, rings=tuple(rings))


def _ring(ring_id: str, score: float, risk: str, members: list[str],
          shared: list[tuple[str, str, int]]) -> Ring:
    return Ring(ring_id=ring_id, score=score, risk=risk, pattern="device_farm",
                evidence=(f"evidence of {ring_id}",), known_fraud=0, known_legit=0,
                members=tuple(Member("merchant", m, score) for m in members),
                shared=tuple(Shared(t, i, n) for t, i, n in shared))


@pytest.fixture(scope="module")
def graph(driver: Any, neo4j_settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """
    farm:   m1, m2, m3 share phone p1; m2, m3 also p2; m1 is blacklisted
    evasion: b1 (banned 2023-01-01) uses p9 and account a9; n1 (2023-06-01) reuses p9,
            n2 (2023-07-01) reuses a9
    cafe:   u1..u5 and m1 log in from cafe-pc (6 actors)
    hosts:  s1 promotes m1 and m2; s2 promotes u1
    evil:   a merchant whose id is full of quotes, backticks and Cypher
    """
    d = tmp_path_factory.mktemp("fixture")
    merchants = ["merchant_id,name,registered_at,category,status",
                 "m1,Farm 1,2024-06-20,health,active", "m2,Farm 2,2024-06-21,health,active",
                 "m3,Farm 3,2024-06-22,health,active", "b1,Old,2023-01-01,food,banned",
                 "n1,New 1,2023-06-01,food,active", "n2,New 2,2023-07-01,food,active"]
    merchants += [f"u{i},Cafe user {i},2020-01-0{i},food,active" for i in range(1, 6)]
    merchants.append('"' + EVIL.replace('"', '""') + '",Evil,2024-01-01,food,active')
    write_csv(d, "merchants.csv", "\n".join(merchants) + "\n")
    write_csv(d, "streamers.csv", "streamer_id,name,registered_at,followers\n"
              "s1,Host 1,2022-01-01,100\ns2,Host 2,2022-01-01,100\n")
    devices = ["merchant_id,device_id,first_seen,last_seen,logins",
               "m1,p1,2024-06-20,2024-06-25,3", "m2,p1,2024-06-21,2024-06-25,3",
               "m3,p1,2024-06-22,2024-06-25,3", "m2,p2,,,1", "m3,p2,,,1",
               "b1,p9,,,1", "n1,p9,,,1", "m1,cafe-pc,,,1"]
    devices += [f"u{i},cafe-pc,,,1" for i in range(1, 6)]
    devices.append('"' + EVIL.replace('"', '""') + '",evil-phone,,,1')
    write_csv(d, "merchant_devices.csv", "\n".join(devices) + "\n")
    write_csv(d, "merchant_accounts.csv", "merchant_id,account_id,role,first_seen\n"
              "b1,a9,settlement,\nn2,a9,withdrawal,\n")
    write_csv(d, "promotions.csv", "streamer_id,merchant_id,sessions,orders,gmv\n"
              "s1,m1,2,10,100\ns1,m2,1,5,50\ns2,u1,1,1,10\n")
    write_csv(d, "labels.csv", "entity_type,entity_id,label,source,labeled_at\n"
              "merchant,m1,fraud,blacklist,2024-06-28\n")
    db = neo4j_settings.database
    with driver.session(database=db) as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS").consume()
    write_dataset(driver, read_dataset(d).dataset, database=db)
    write_rings(driver, _report("run-1", "2024-07-01T00:00:00Z", [
        _ring("R-farm", 0.9, "high", ["m1", "m2", "m3"], [("device", "p1", 3),
                                                          ("device", "p2", 2)]),
        _ring("R-evasion", 0.4, "medium", ["b1", "n1", "n2"], [("device", "p9", 2)]),
    ]), database=db)
    write_rings(driver, _report("run-2", "2024-07-02T00:00:00Z", [
        _ring("R-farm", 0.95, "high", ["m1", "m2", "m3", "n1"], [("device", "p1", 3)]),
        _ring("R-new", 0.7, "high", ["u1", "u2", "u3"], []),
    ]), database=db)
    return driver


def _run(graph: Any, name: str, **params: str) -> list[dict[str, Any]]:
    query = library()[name]
    keys, rows = run_query(graph, query, bind(query, params), database="neo4j")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def test_library_has_the_queries_investigators_need() -> None:
    assert len(library()) >= 12


def test_merchant_profile(graph: Any) -> None:
    [row] = _run(graph, "merchant_profile", merchant_id="m1", max_sharing="5")
    assert row["devices"] == ["cafe-pc", "p1"]
    assert row["accounts"] == [] and row["hosts"] == ["s1"]
    assert row["linked_shops"] == ["m2", "m3"]  # cafe-pc (6 actors) is a hub here
    assert row["verdict"] == "fraud" and row["rings"] == ["R-farm"]
    assert row["registered_at"].startswith("2024-06-20T00:00:00")


def test_shared_with_merchant(graph: Any) -> None:
    rows = _run(graph, "shared_with_merchant", merchant_id="m2")
    assert [(r["merchant_id"], r["shared"], sorted(r["through"])) for r in rows] == [
        ("m3", 2, ["device:p1", "device:p2"]), ("m1", 1, ["device:p1"])]


def test_shortest_path(graph: Any) -> None:
    [row] = _run(graph, "shortest_path", from_id="m1", to_id="m3")
    assert row["actor_hops"] == 1 and row["path"] == ["merchant:m1", "device:p1", "merchant:m3"]
    [row] = _run(graph, "shortest_path", from_id="u2", to_id="m2")
    assert row["path"][1] == "device:cafe-pc" and row["actor_hops"] == 2
    assert _run(graph, "shortest_path", from_id="u2", to_id="m2", max_sharing="5") == []


def test_hubs(graph: Any) -> None:
    rows = _run(graph, "hubs", min_actors="2")
    assert rows == [{"type": "device", "id": "cafe-pc", "actors": 6, "merchants": 6,
                     "streamers": 0},
                    {"type": "device", "id": "p1", "actors": 3, "merchants": 3,
                     "streamers": 0}]


def test_new_merchants_near_fraud(graph: Any) -> None:
    rows = _run(graph, "new_merchants_near_fraud", days="30", as_of="2024-06-30T00:00:00Z")
    assert [(r["merchant_id"], r["blacklisted_links"], r["high_rings"]) for r in rows] == [
        ("m3", ["m1"], ["R-farm"]), ("m2", ["m1"], ["R-farm"]), ("m1", [], ["R-farm"])]


def test_ban_evasion_chains(graph: Any) -> None:
    rows = _run(graph, "ban_evasion_chains", min_gap_days="30")
    assert [(r["banned"], r["later_shop"], r["via_type"], r["via"]) for r in rows] == [
        ("b1", "n1", "device", "p9"), ("b1", "n2", "payment_account", "a9")]
    assert _run(graph, "ban_evasion_chains", min_gap_days="200") == []


def test_hosts_promoting_rings(graph: Any) -> None:
    rows = _run(graph, "hosts_promoting_rings", min_score="0.5")
    assert [(r["streamer_id"], r["ring_shops"], r["promoted_shops"], r["ring_share"],
             r["rings"], r["orders"]) for r in rows] == [
        ("s1", 2, 2, 1.0, ["R-farm"], 15), ("s2", 1, 1, 1.0, ["R-new"], 1)]


def test_ring_detail(graph: Any) -> None:
    [row] = _run(graph, "ring_detail", ring_id="R-farm")
    assert (row["score"], row["risk"], row["evidence"]) == (0.95, "high", ["evidence of R-farm"])
    assert [m["id"] for m in row["members"]] == ["m1", "m2", "m3", "n1"]
    assert row["shared"] == [{"type": "device", "id": "p1", "members": 3}]  # rewritten by run 2


def test_top_rings_of_the_latest_run(graph: Any) -> None:
    rows = _run(graph, "top_rings")
    assert [(r["run_id"], r["ring_id"], r["score"], r["members"]) for r in rows] == [
        ("run-2", "R-farm", 0.95, 4), ("run-2", "R-new", 0.7, 3)]


def test_run_changes(graph: Any) -> None:
    rows = _run(graph, "run_changes")
    assert [(r["ring_id"], r["change"]) for r in rows] == [
        ("R-evasion", "gone"), ("R-farm", "grown"), ("R-new", "new")]


def test_blacklist_neighbourhood(graph: Any) -> None:
    rows = _run(graph, "blacklist_neighbourhood", id="m1", hops="1", max_sharing="5")
    assert [(r["type"], r["id"], r["distance"]) for r in rows] == [
        ("merchant", "m2", 1), ("merchant", "m3", 1), ("streamer", "s1", 1)]
    two = _run(graph, "blacklist_neighbourhood", id="m1", hops="2", max_sharing="10")
    found = [(r["type"], r["id"], r["distance"]) for r in two]
    assert ("merchant", "u5", 1) in found  # through the cafe PC, allowed at max_sharing 10
    assert ("streamer", "s2", 2) in found  # s2 promotes u1: two hops from m1
    assert len(found) == len(set(found)) and ("merchant", "m1", 1) not in found


def test_device_and_account_users(graph: Any) -> None:
    assert [r["id"] for r in _run(graph, "device_users", device_id="p2")] == ["m2", "m3"]
    rows = _run(graph, "account_users", account_id="a9")
    assert [(r["id"], r["roles"]) for r in rows] == [("b1", ["settlement"]),
                                                      ("n2", ["withdrawal"])]


def test_blacklisted_actors(graph: Any) -> None:
    rows = _run(graph, "blacklisted_actors")
    assert [(r["type"], r["id"], r["source"], r["rings"]) for r in rows] == [
        ("merchant", "m1", "blacklist", ["R-farm"])]


def test_an_id_full_of_cypher_is_just_an_id(graph: Any, neo4j_settings: Any) -> None:
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_PASSWORD": neo4j_settings.password}
    result = CliRunner().invoke(cli, ["query", "merchant_profile", "-p",
                                      f"merchant_id={EVIL}", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["merchant_id"] == EVIL and row["devices"] == ["evil-phone"]
    records, _, _ = graph.execute_query("MATCH (m:Merchant) RETURN count(m)", database_="neo4j")
    assert records[0][0] == 12  # nothing was deleted


def test_query_cli_formats_and_errors(graph: Any, neo4j_settings: Any) -> None:
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_PASSWORD": neo4j_settings.password}
    runner = CliRunner()
    table = runner.invoke(cli, ["query", "device_users", "-p", "device_id=p2"], env=env)
    assert table.exit_code == 0 and table.stdout.splitlines()[-1] == "(2 rows)"
    as_csv = runner.invoke(cli, ["query", "device_users", "-p", "device_id=p2",
                                 "--format", "csv"], env=env)
    assert as_csv.stdout.splitlines()[0] == "type,id,first_seen,last_seen,logins,verdict,status"
    missing = runner.invoke(cli, ["query", "device_users"], env=env)
    assert missing.exit_code == 2
    assert "missing parameter device_id (string)" in missing.stderr
    wrong = runner.invoke(cli, ["query", "hubs", "-p", "min_actors=many"], env=env)
    assert wrong.exit_code == 2 and "expected an integer, got 'many'" in wrong.stderr
    unknown = runner.invoke(cli, ["query", "hubs", "-p", "nope=1"], env=env)
    assert unknown.exit_code == 2 and "unknown parameter(s) nope" in unknown.stderr
    nameless = runner.invoke(cli, ["query", "no_such_query"], env=env)
    assert nameless.exit_code == 2
    nothing = runner.invoke(cli, ["query", "device_users", "-p", "device_id=no-such"], env=env)
    assert nothing.exit_code == 0 and nothing.stdout.splitlines()[-1] == "(0 rows)"
    assert "nothing found for device_id=no-such: check the id" in nothing.stderr


def test_a_users_write_query_is_refused_by_the_server(graph: Any, neo4j_settings: Any,
                                                      tmp_path: Path) -> None:
    (tmp_path / "sneaky_write.cypher").write_text(
        "// Tries to write.\n// @param id string  a merchant\n"
        "MATCH (m:Merchant {merchant_id: $id}) SET m.status = 'hacked' RETURN m.status\n")
    (tmp_path / "my_count.cypher").write_text(
        "// Count merchants with a status.\n// @param status string  the status\n"
        "MATCH (m:Merchant {status: $status}) RETURN count(m) AS n\n")
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_PASSWORD": neo4j_settings.password}
    runner = CliRunner()
    listed = runner.invoke(cli, ["query", "--list", "--dir", str(tmp_path)], env=env)
    assert "my_count" in listed.stdout and "sneaky_write" in listed.stdout
    mine = runner.invoke(cli, ["query", "my_count", "--dir", str(tmp_path), "-p",
                               "status=banned", "--format", "json"], env=env)
    assert mine.exit_code == 0 and json.loads(mine.stdout) == [{"n": 1}]
    write = runner.invoke(cli, ["query", "sneaky_write", "--dir", str(tmp_path),
                                "-p", "id=m1"], env=env)
    assert write.exit_code == 2
    assert "query 'sneaky_write' is not read-only: its plan holds SetProperty" in write.stderr
    records, _, _ = graph.execute_query(
        "MATCH (m:Merchant {merchant_id: 'm1'}) RETURN m.status", database_="neo4j")
    assert records[0][0] == "active"


def test_a_wrong_password_is_named_but_never_shown(graph: Any, neo4j_settings: Any) -> None:
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_PASSWORD": "wrong-Pa55word-123"}
    result = CliRunner().invoke(cli, ["query", "top_rings"], env=env)
    assert result.exit_code == 1
    assert "refused the credentials" in result.stderr
    assert "wrong-Pa55word-123" not in result.output + result.stderr


def test_a_database_that_does_not_exist_is_a_configuration_error(
        graph: Any, neo4j_settings: Any) -> None:
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_PASSWORD": neo4j_settings.password,
           "NEO4J_DATABASE": "nope"}
    result = CliRunner().invoke(cli, ["query", "top_rings"], env=env)
    assert result.exit_code == 2
    # the server asked (one line), then the error (one line)
    assert result.stderr.startswith("asking ") and result.stderr.count("\n") == 2
    assert "no database 'nope'" in result.stderr.splitlines()[1]
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.parametrize(("name", "text", "operator"), [
    ("fetch_url", 'LOAD CSV FROM "http://127.0.0.1:9/x.csv" AS row RETURN count(row) AS n',
     "LoadCSV"),
    ("kill_others", "SHOW TRANSACTIONS YIELD transactionId AS id "
     "TERMINATE TRANSACTIONS id YIELD message RETURN message", "Transaction"),
])
def test_a_users_query_whose_plan_is_not_read_only_is_refused_before_it_runs(
        graph: Any, neo4j_settings: Any, tmp_path: Path, name: str, text: str,
        operator: str) -> None:
    (tmp_path / f"{name}.cypher").write_text(f"// Not a read.\n{text}\n")
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_PASSWORD": neo4j_settings.password}
    result = CliRunner().invoke(cli, ["query", name, "--dir", str(tmp_path)], env=env)
    assert result.exit_code in (1, 2), result.output
    assert ("is not read-only" in result.stderr and operator in result.stderr) or \
        "Neo4j error" in result.stderr, result.stderr
