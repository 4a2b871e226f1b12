"""Scanning the graph in Neo4j gives the file scan's rings, and writes them back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graphfraud.cli import cli
from graphfraud.synth import SynthConfig, generate

pytestmark = pytest.mark.neo4j


def _loaded(neo4j_settings: Any, tmp_path: Path, *, seed: int) -> tuple[Path, dict[str, str]]:
    """A synthetic export, loaded into the empty test database; and the environment
    that names the database to the command line."""
    data = tmp_path / "export"
    generate(data, SynthConfig(scale=0.3, seed=seed))
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
           "NEO4J_PASSWORD": neo4j_settings.password}
    loaded = CliRunner().invoke(cli, ["load", str(data), "-q", "--rejects",
                                      str(tmp_path / "r.csv")], env=env)
    assert loaded.exit_code == 0, loaded.output
    return data, env


def test_neo4j_scan_equals_file_scan_and_writes_rings_back(
    empty_db: Any, neo4j_settings: Any, tmp_path: Path
) -> None:
    data, env = _loaded(neo4j_settings, tmp_path, seed=33)
    runner = CliRunner()
    from_files = runner.invoke(cli, ["scan", str(data), "--out", str(tmp_path / "files"),
                                     "--seed", "5", "-q"])
    from_graph = runner.invoke(cli, ["scan", "--neo4j", "--out", str(tmp_path / "graph"),
                                     "--seed", "5", "-q"], env=env)
    assert from_files.exit_code == 0 and from_graph.exit_code == 0, from_graph.output
    a = json.loads((tmp_path / "files" / "rings.json").read_text())
    b = json.loads((tmp_path / "graph" / "rings.json").read_text())
    assert a["rings"] and a["rings"] == b["rings"]
    # the export declares organisations: read back, they explain the same rings
    assert any(r["pattern"] == "organization" for r in a["rings"])
    assert b["source"].startswith("bolt://") and neo4j_settings.password not in json.dumps(b)

    _assert_run_written(empty_db, b)
    top = b["rings"][0]
    records, _, _ = empty_db.execute_query(
        "MATCH (r:Ring {ring_id: $id})-[:HAS_MEMBER]->(m) "
        "RETURN r.risk AS risk, collect(coalesce(m.merchant_id, m.streamer_id)) AS ids",
        id=top["ring_id"], database_="neo4j")
    assert records[0]["risk"] == top["risk"]
    assert sorted(records[0]["ids"]) == sorted(m["id"] for m in top["members"])

    again = runner.invoke(cli, ["scan", "--neo4j", "--out", str(tmp_path / "graph"),
                                "--seed", "5", "-q"], env=env)
    assert again.exit_code == 0
    records, _, _ = empty_db.execute_query(
        "MATCH (r:Ring) OPTIONAL MATCH (r)-[h:HAS_MEMBER]->() "
        "RETURN count(DISTINCT r) AS rings, count(h) AS members", database_="neo4j")
    assert records[0]["rings"] == len(b["rings"])  # stable ids: no duplicate rings
    assert records[0]["members"] == sum(len(r["members"]) for r in b["rings"])


@pytest.mark.spark
def test_a_spark_scan_of_the_graph_writes_the_same_rings_back(
    empty_db: Any, neo4j_settings: Any, tmp_path: Path
) -> None:
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    from graphfraud.spark import stop_spark

    data, env = _loaded(neo4j_settings, tmp_path, seed=34)
    runner = CliRunner()
    embedded = runner.invoke(cli, ["scan", str(data), "--out", str(tmp_path / "files"),
                                   "--seed", "5", "-q"])
    try:
        on_spark = runner.invoke(cli, ["scan", "--neo4j", "--out", str(tmp_path / "graph"),
                                       "--seed", "5", "-q", "--engine", "spark",
                                       "--spark-master", "local[2]"], env=env)
    finally:
        stop_spark()
    assert embedded.exit_code == 0 and on_spark.exit_code == 0, on_spark.output
    a = json.loads((tmp_path / "files" / "rings.json").read_text())
    b = json.loads((tmp_path / "graph" / "rings.json").read_text())
    assert a["rings"] and a["rings"] == b["rings"]
    _assert_run_written(empty_db, b)


def _assert_run_written(db: Any, report: dict[str, Any]) -> None:
    """The run of ``report`` is in the graph, complete, with its rings and members."""
    records, _, _ = db.execute_query(
        "MATCH (run:Run {run_id: $run}) "
        "OPTIONAL MATCH (run)-[:FOUND]->(r:Ring) "
        "OPTIONAL MATCH (r)-[h:HAS_MEMBER]->() "
        "RETURN run.complete AS complete, count(DISTINCT r) AS rings, count(h) AS members",
        run=report["run_id"], database_="neo4j")
    assert records[0]["complete"] is True
    assert records[0]["rings"] == len(report["rings"])
    assert records[0]["members"] == sum(len(r["members"]) for r in report["rings"])


def test_check_against_neo4j_names_the_declared_organisations(
    empty_db: Any, neo4j_settings: Any, tmp_path: Path
) -> None:
    import csv

    data, env = _loaded(neo4j_settings, tmp_path, seed=35)
    scanned = CliRunner().invoke(cli, ["scan", "--neo4j", "--out", str(tmp_path / "graph"),
                                       "-q"], env=env)  # the check reads the latest run
    assert scanned.exit_code == 0, scanned.output
    with (data / "organization_members.csv").open(newline="", encoding="utf-8") as fh:
        members = list(csv.DictReader(fh))
    with (data / "organizations.csv").open(newline="", encoding="utf-8") as fh:
        orgs = {r["organization_id"]: r for r in csv.DictReader(fh)}
    shop = next(m for m in members if m["entity_type"] == "merchant")
    host = next((m for m in members if m["entity_type"] == "streamer"), None)
    args = ["check", "--neo4j", "--merchant-id", shop["entity_id"], "--device", "nowhere",
            "--format", "json"]
    if host:
        args += ["--streamer", host["entity_id"]]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    named = json.loads(result.stdout)["organizations"]
    org = orgs[shop["organization_id"]]
    assert named[0] == {"type": "merchant", "id": shop["entity_id"],
                        "organization_id": org["organization_id"], "name": org["name"],
                        "kind": org["kind"], "verified": org["verified"] == "true"}
    if host:
        assert {"type": "streamer", "id": host["entity_id"],
                "organization_id": host["organization_id"]}.items() <= named[-1].items()


def test_a_scan_of_the_graph_names_members_and_shows_gmv_like_a_file_scan(
    empty_db: Any, neo4j_settings: Any, tmp_path: Path
) -> None:
    """report.html and rings.csv of ``scan --neo4j`` carry the members' names, statuses
    and verdicts, the rings' orders and promoted GMV and what each hub is, as the scan
    of the same export's files does."""
    import re

    data, env = _loaded(neo4j_settings, tmp_path, seed=36)
    runner = CliRunner()
    for args in ([str(data)], ["--neo4j"]):
        out = tmp_path / ("graph" if args == ["--neo4j"] else "files")
        done = runner.invoke(cli, ["scan", *args, "--out", str(out), "--seed", "5", "-q"],
                             env=env)
        assert done.exit_code == 0, done.output
    files, graph = tmp_path / "files", tmp_path / "graph"
    # one row per member, with its name and status: the same from both
    assert (graph / "rings.csv").read_bytes() == (files / "rings.csv").read_bytes()
    page = (graph / "report.html").read_text("utf-8")
    named = re.findall(r'<td class="name">([^<]+)</td>', page)
    assert named and named == re.findall(r'<td class="name">([^<]+)</td>',
                                         (files / "report.html").read_text("utf-8"))
    assert "GMV via hosts" in page and "主播带货GMV" in page

    def triage(text: str) -> list[str]:
        table = text[text.index('<table id="triage">'):].split("</table>")[0]
        # every cell but the verdict's (a scan of the graph reads the rings' decisions)
        return [re.sub(r'<td data-v="[^"]*"><span class="verdict-.*?</td>', "", row)
                for row in table.split("<tr ")[1:]]

    assert triage(page) == triage((files / "report.html").read_text("utf-8"))

    def hubs(text: str) -> str:  # what each hub is, and its blacklisted users
        return text[text.index('<table id="hubs">'):].split("</table>")[0]

    assert hubs(page) == hubs((files / "report.html").read_text("utf-8"))
    assert "<code>" in hubs(page) and " · " in hubs(page)  # a device's model and OS
