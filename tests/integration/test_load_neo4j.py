"""Loading into a real Neo4j server: exact counts, idempotent reloads, updates, rejects."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import write_csv
from graphfraud.cli import cli
from graphfraud.loaders import read_dataset
from graphfraud.store.writer import write_dataset
from graphfraud.synth import SynthConfig, generate

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    generate(out, SynthConfig(scale=0.3, seed=21))
    return out


def _one(driver: Any, query: str, **params: Any) -> Any:
    records, _, _ = driver.execute_query(query, params, database_="neo4j")
    return records[0][0]


def _counts(driver: Any) -> dict[str, int]:
    counts = {}
    for label in ("Merchant", "Streamer", "Device", "PaymentAccount", "Organization"):
        counts[label] = _one(driver, f"MATCH (n:{label}) RETURN count(n)")
    for rel in ("LOGGED_IN_FROM", "PAID_VIA", "PROMOTED", "MEMBER_OF"):
        counts[rel] = _one(driver, f"MATCH ()-[r:{rel}]->() RETURN count(r)")
    counts["verdicts"] = _one(driver, "MATCH (n) WHERE n.verdict IS NOT NULL RETURN count(n)")
    counts["signals"] = _one(driver, "MATCH (m:Merchant) WHERE m.orders IS NOT NULL "
                                     "RETURN count(m)")
    return counts


def _fingerprint(driver: Any) -> list[Any]:
    """Every stored property of merchants and login links, for before/after comparison."""
    records, _, _ = driver.execute_query(
        "MATCH (m:Merchant) OPTIONAL MATCH (m)-[r:LOGGED_IN_FROM]->(d:Device) "
        "RETURN m.merchant_id AS id, properties(m) AS m, d.device_id AS d, "
        "properties(r) AS r ORDER BY id, d", database_="neo4j")
    return [(r["id"], sorted(r["m"].items()), r["d"], sorted((r["r"] or {}).items()))
            for r in records]


def test_load_matches_input_rows_exactly_and_reload_changes_nothing(
    empty_db: Any, export: Path
) -> None:
    result = read_dataset(export)
    assert result.rejects == []
    t = result.dataset.tables
    stats = write_dataset(empty_db, result.dataset, database="neo4j", batch_size=700)
    expected = {
        "Merchant": len(result.dataset.entity_ids("merchant")),
        "Streamer": len(result.dataset.entity_ids("streamer")),
        "Device": len(result.dataset.entity_ids("device")),
        "PaymentAccount": len(result.dataset.entity_ids("payment_account")),
        "LOGGED_IN_FROM": len(t["merchant_devices"]) + len(t["streamer_devices"]),
        "PAID_VIA": len(t["merchant_accounts"]) + len(t["streamer_accounts"]),
        "PROMOTED": len(t["promotions"]),
        "Organization": len(t["organizations"]),
        "MEMBER_OF": len(t["organization_members"]),
        "verdicts": len(t["labels"]),
        "signals": int(t["merchant_signals"]["orders"].notna().sum()),
    }
    assert expected["Merchant"] == len(t["merchants"])  # no merchant is implied by a link
    assert expected["Organization"] and expected["MEMBER_OF"]  # the export declares some
    assert _counts(empty_db) == expected
    events = len(result.dataset.label_events())  # one Verdict node per label event
    assert _one(empty_db, "MATCH (v:Verdict {decision: 'label'})-[:ABOUT]->() "
                          "RETURN count(v)") == events
    assert stats.nodes_created == events + sum(
        expected[k] for k in ("Merchant", "Streamer", "Device", "PaymentAccount",
                              "Organization"))
    before = _fingerprint(empty_db)

    again = write_dataset(empty_db, read_dataset(export).dataset, database="neo4j")
    assert (again.nodes_created, again.relationships_created) == (0, 0)
    assert _counts(empty_db) == expected
    assert _fingerprint(empty_db) == before


def test_types_and_values_survive_the_round_trip(empty_db: Any, export: Path) -> None:
    result = read_dataset(export)
    write_dataset(empty_db, result.dataset, database="neo4j")
    m = result.dataset.tables["merchants"].iloc[0]
    node = _one(empty_db, "MATCH (m:Merchant {merchant_id: $id}) RETURN m", id=m.merchant_id)
    assert node["status"] == m.status and node["name"] == m["name"]
    assert node["registered_at"].to_native().date() == m.registered_at.date()
    link = result.dataset.tables["merchant_accounts"].iloc[0]
    roles = _one(empty_db, "MATCH (:Merchant {merchant_id: $m})-[r:PAID_VIA]->"
                           "(:PaymentAccount {account_id: $a}) RETURN r.roles",
                 m=link.merchant_id, a=link.account_id)
    assert roles == link.role.split(",")


def test_newer_export_updates_properties_and_adds_links(
    empty_db: Any, export: Path, tmp_path: Path
) -> None:
    write_dataset(empty_db, read_dataset(export).dataset, database="neo4j")
    before = _counts(empty_db)
    newer = tmp_path / "newer"
    shutil.copytree(export, newer)
    with (newer / "merchants.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    target = rows[1][0]
    rows[1][1] = "Renamed Shop"
    with (newer / "merchants.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    with (newer / "merchant_devices.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"{target},brand-new-device,2024-06-01,2024-06-02,4\n")
    stats = write_dataset(empty_db, read_dataset(newer).dataset, database="neo4j")
    assert (stats.nodes_created, stats.relationships_created) == (1, 1)
    after = _counts(empty_db)
    assert after == {**before, "Device": before["Device"] + 1,
                     "LOGGED_IN_FROM": before["LOGGED_IN_FROM"] + 1}
    assert _one(empty_db, "MATCH (m:Merchant {merchant_id: $id}) RETURN m.name",
                id=target) == "Renamed Shop"


def test_cli_load_lands_every_good_row_and_rejects_every_bad_one(
    empty_db: Any, neo4j_settings: Any, tmp_path: Path
) -> None:
    data = tmp_path / "bad-export"
    write_csv(data, "merchants.csv",
              "merchant_id,name,registered_at,category,status\n"
              "m1,A,2024-01-01,food,active\n"
              "m2,B,2024-13-45,food,active\n"  # bad timestamp
              "m3,C,2024-01-03,food,closed\n"  # bad enum
              "m4,D,2024-01-04,food,banned\n")
    write_csv(data, "merchant_devices.csv",
              "merchant_id,device_id,first_seen,last_seen,logins\n"
              "m1,d1,2024-01-01,2024-01-02,3\n"
              "m4,d1,2024-01-01,2024-01-02,1\n"
              "m2,d2,2024-01-01,2024-01-02,1\n"  # m2 was rejected: unknown merchant now
              "m4,d3,2024-01-01,2024-01-02,-1\n")  # negative count
    rejects = tmp_path / "rejects.csv"
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
           "NEO4J_PASSWORD": neo4j_settings.password}
    result = CliRunner().invoke(cli, ["load", str(data), "--rejects", str(rejects), "-q"],
                                env=env)
    assert result.exit_code == 0, result.output + result.stderr
    with rejects.open(newline="") as fh:
        got = [(r["file"], r["line"], r["field"], r["reason"]) for r in csv.DictReader(fh)]
    assert got == [
        ("merchants.csv", "3", "registered_at",
         "unparseable timestamp in field registered_at: '2024-13-45' (expected ISO 8601)"),
        ("merchants.csv", "4", "status",
         "unknown value 'closed' in field status (expected one of active, suspended, banned)"),
        ("merchant_devices.csv", "4", "merchant_id",
         "unknown merchant 'm2' (not in merchants.csv)"),
        ("merchant_devices.csv", "5", "logins", "negative value in field logins: '-1'"),
    ]
    ids = _one(empty_db, "MATCH (m:Merchant) RETURN collect(m.merchant_id)")
    assert sorted(ids) == ["m1", "m4"]
    links = _one(empty_db, "MATCH (m:Merchant)-[:LOGGED_IN_FROM]->(d:Device) "
                           "RETURN collect(m.merchant_id + '>' + d.device_id)")
    assert sorted(links) == ["m1>d1", "m4>d1"]
    assert neo4j_settings.password not in result.output + result.stderr


def _wrong_actors(driver: Any) -> int:
    """Devices and accounts whose `actors` is not the number of actors linked to them, or
    whose `streamers` is not the number of those that are streamers (null for none)."""
    return int(_one(driver, """
        MATCH (x) WHERE x:Device OR x:PaymentAccount
        WITH x, COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() } AS n,
             COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-(:Streamer) } AS s
        WHERE x.actors IS NULL <> (n = 0) OR (n > 0 AND x.actors <> n)
           OR x.streamers IS NULL <> (s = 0) OR (s > 0 AND x.streamers <> s)
        RETURN count(x)"""))


def test_identifiers_carry_their_actor_count_and_old_graphs_are_upgraded(
    empty_db: Any, export: Path, tmp_path: Path,
) -> None:
    dataset = read_dataset(export).dataset
    write_dataset(empty_db, dataset, database="neo4j")
    assert _one(empty_db, "MATCH (d:Device) WHERE d.actors > 1 RETURN count(d)") > 0
    assert _one(empty_db, "MATCH (d:Device) WHERE d.streamers > 0 RETURN count(d)") > 0
    assert _wrong_actors(empty_db) == 0

    # a graph written before `actors` existed: no property, no index
    empty_db.execute_query("MATCH (x) WHERE x.actors IS NOT NULL REMOVE x.actors, x.streamers",
                           database_="neo4j")
    for index in ("device_actors", "payment_account_actors"):
        empty_db.execute_query(f"DROP INDEX {index}", database_="neo4j")
    assert _wrong_actors(empty_db) > 0
    merchants_only = type(dataset)(source="merchants", tables={
        "merchants": dataset.tables["merchants"].head(5)})
    write_dataset(empty_db, merchants_only, database="neo4j")  # touches no link at all
    assert _wrong_actors(empty_db) == 0


def test_label_history_is_kept_in_the_graph_for_the_audit(
    empty_db: Any, neo4j_settings: Any, tmp_path: Path
) -> None:
    """A shop blacklisted in March and cleared in June: both events are in the graph and
    in `verdict --history`, the clearing stands, a reload adds nothing, and the label
    events are not exported as analysts' verdicts."""
    data = tmp_path / "history-export"
    write_csv(data, "merchants.csv", "merchant_id\nm1\nm2\n")
    write_csv(data, "labels.csv",
              "entity_type,entity_id,label,source,labeled_at\n"
              "merchant,m1,legit,investigator,2024-06-01\n"
              "merchant,m1,fraud,platform,2024-03-01\n"
              "merchant,m2,fraud,,\n"
              "merchant,m1,legit,investigator,2024-06-01\n")  # identical: one event
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
           "NEO4J_PASSWORD": neo4j_settings.password,
           "NEO4J_DATABASE": neo4j_settings.database}
    runner = CliRunner()
    for _ in range(2):  # the second load changes nothing
        result = runner.invoke(cli, ["load", str(data), "-q"], env=env)
        assert result.exit_code == 0, result.output + result.stderr
        assert _one(empty_db, "MATCH (v:Verdict) RETURN count(v)") == 3
    assert _one(empty_db, "MATCH (m:Merchant {merchant_id: 'm1'}) "
                          "RETURN [m.verdict, m.verdict_source]") == ["legit", "investigator"]
    shown = runner.invoke(cli, ["verdict", "merchant:m1", "--history"], env=env)
    assert shown.exit_code == 0, shown.output + shown.stderr
    lines = shown.stdout.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("2024-03-01") and "fraud from platform" in lines[0]
    assert lines[1].startswith("2024-06-01") and "legit from investigator" in lines[1]
    undated = runner.invoke(cli, ["verdict", "merchant:m2", "--history"], env=env)
    assert undated.stdout.startswith("(no date)  label    fraud from labels.csv")

    recorded = runner.invoke(cli, ["verdict", "merchant:m1", "confirm", "--note", "case 7",
                                   "--analyst", "li"], env=env)
    assert recorded.exit_code == 0, recorded.output + recorded.stderr
    lines = runner.invoke(cli, ["verdict", "merchant:m1", "--history"],
                          env=env).stdout.strip().splitlines()
    assert len(lines) == 3 and "confirm  li: case 7" in lines[2]
    exported = tmp_path / "verdicts.csv"
    assert runner.invoke(cli, ["verdict", "--export", str(exported)], env=env).exit_code == 0
    with exported.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["entity_id"], r["label"], r["source"]) for r in rows] == [
        ("m1", "fraud", "analyst:li")]


def _as_text(frame: Any) -> list[tuple[str, ...]]:
    """Rows as sorted tuples of text (timestamps at whole seconds, missing values empty)."""
    import pandas as pd

    columns = []
    for name in frame.columns:
        values = frame[name]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.floor("s").dt.strftime("%Y-%m-%dT%H:%M:%S")
        columns.append(values.astype(object).where(values.notna(), "").astype(str).tolist())
    return sorted(zip(*columns, strict=True))


def test_declared_organisations_load_and_read_back_as_the_same_tables(
    empty_db: Any, tmp_path: Path,
) -> None:
    from graphfraud.store.reader import read_graph

    data = tmp_path / "org-export"
    write_csv(data, "merchants.csv", "merchant_id\nm1\nm2\nm3\n")
    write_csv(data, "streamer_devices.csv", "streamer_id,device_id\nh1,d1\nh2,d1\n")
    write_csv(data, "organizations.csv",
              "organization_id,kind,name,verified\n"
              "O1,mcn_agency,Star \"Hosts\",TRUE\n"
              "O2,franchise,茶饮加盟,false\n"
              "O3,,,\n")
    write_csv(data, "organization_members.csv",
              "organization_id,entity_type,entity_id,since\n"
              "O1,streamer,h1,2024-02-01T10:30:00+08:00\n"
              "O1,streamer,h2,\n"
              "O1,streamer,h1,2023-01-01\n"  # the same membership: the earliest stands
              "O2,merchant,m1,2022-05-01\n"
              "O3,merchant,m1,\n"
              "O2,merchant,m2,2022-06-01\n"
              "O2,streamer,h9,\n")  # a host the graph does not hold: not created
    loaded = read_dataset(data)
    assert loaded.rejects == []
    dataset = loaded.dataset
    stats = write_dataset(empty_db, dataset, database="neo4j")
    assert _one(empty_db, "MATCH (o:Organization) RETURN count(o)") == 3
    assert _one(empty_db, "MATCH ()-[r:MEMBER_OF]->() RETURN count(r)") == 5
    assert _one(empty_db, "MATCH (s:Streamer {streamer_id: 'h9'}) RETURN count(s)") == 0
    assert _one(empty_db, "MATCH (o:Organization {organization_id: 'O1'}) "
                          "RETURN [o.name, o.kind, o.verified]") == [
        'Star "Hosts"', "mcn_agency", True]
    assert _one(empty_db, "MATCH (o:Organization {organization_id: 'O3'}) "
                          "RETURN o.verified") is None
    since = _one(empty_db, "MATCH (:Streamer {streamer_id: 'h1'})-[r:MEMBER_OF]->() "
                           "RETURN r.since")
    assert since.to_native().isoformat() == "2023-01-01T00:00:00+00:00"
    again = write_dataset(empty_db, read_dataset(data).dataset, database="neo4j")
    assert (again.nodes_created, again.relationships_created) == (0, 0)
    assert stats.relationships_created >= 5

    back = read_graph(empty_db, database="neo4j")
    orgs, members = dataset.tables["organizations"], dataset.tables["organization_members"]
    assert _as_text(back.tables["organizations"]) == _as_text(orgs)
    held = members.loc[members["entity_id"] != "h9"]
    assert list(back.tables["organization_members"].columns) == list(members.columns)
    assert _as_text(back.tables["organization_members"]) == _as_text(held)


def test_an_export_without_organisations_reads_back_without_them(
    empty_db: Any, tmp_path: Path,
) -> None:
    from graphfraud.store.reader import read_graph

    data = tmp_path / "plain-export"
    write_csv(data, "merchants.csv", "merchant_id\nm1\n")
    write_dataset(empty_db, read_dataset(data).dataset, database="neo4j")
    tables = read_graph(empty_db, database="neo4j").tables
    assert "organizations" not in tables and "organization_members" not in tables


def test_organisations_and_memberships_that_leave_the_export_are_removed(
    empty_db: Any, tmp_path: Path,
) -> None:
    import pandas as pd

    from graphfraud.store.writer import remove_rows

    data = tmp_path / "org-export"
    write_csv(data, "merchants.csv", "merchant_id\nm1\nm2\n")
    write_csv(data, "streamer_devices.csv", "streamer_id,device_id\nh1,d1\n")
    write_csv(data, "organizations.csv", "organization_id,verified\nO1,true\nO2,true\n")
    write_csv(data, "organization_members.csv", "organization_id,entity_type,entity_id\n"
              "O1,merchant,m1\nO1,streamer,h1\nO2,merchant,m2\n")
    write_dataset(empty_db, read_dataset(data).dataset, database="neo4j")
    assert _one(empty_db, "MATCH ()-[r:MEMBER_OF]->() RETURN count(r)") == 3

    def keys(**columns: list[str]) -> pd.DataFrame:
        return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in columns.items()})

    removed = remove_rows(empty_db, {
        "organization_members": keys(organization_id=["O1"], entity_type=["streamer"],
                                     entity_id=["h1"]),
        "organizations": keys(organization_id=["O2"])}, database="neo4j")
    assert removed == 2
    assert _one(empty_db, "MATCH (o:Organization) RETURN collect(o.organization_id)") == ["O1"]
    assert _one(empty_db, "MATCH (n)-[:MEMBER_OF]->(o) "
                          "RETURN collect(coalesce(n.merchant_id, n.streamer_id))") == ["m1"]
    assert _one(empty_db, "MATCH (s:Streamer {streamer_id: 'h1'}) RETURN count(s)") == 1
