"""Hostile ids and names go in, and come out, verbatim; they never change a query.

The export below is loaded with `graphfraud load`, read back, scanned from Neo4j with
the rings written back, queried with the investigator library, and rendered as HTML.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graphfraud.cli import cli

pytestmark = pytest.mark.neo4j

IDS = [
    "m'1", 'm"2', "m`3`", "m4}) DETACH DELETE n //", "m5\u202e\x01\x1f\ttab", "店铺\x006",
    "<img src=x onerror=alert(1)>", "$id {x: 1}",
]
NAMES = [
    "<script>alert(1)</script>", 'O\'Brien "the" shop', "`x`",
    "}) MATCH (n) DETACH DELETE n //", "line\nbreak", "\x07bell\u200b", "\\'; DROP", "",
]
DEVICE = "dev'}) DETACH DELETE n //"
ACCOUNT = "acct $param {x} `"


@pytest.fixture()
def hostile_export(tmp_path: Path) -> Path:
    data = tmp_path / "export"
    data.mkdir()

    def write(name: str, header: list[str], rows: list[list[Any]]) -> None:
        with (data / name).open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)

    write("merchants.csv", ["merchant_id", "name", "registered_at", "category", "status"],
          [[m, n, f"2024-05-0{i + 1}", "health", "active"]
           for i, (m, n) in enumerate(zip(IDS, NAMES, strict=True))]
          + [["plain", "Plain shop", "2020-01-01", "food", "active"]])
    write("merchant_devices.csv", ["merchant_id", "device_id", "logins"],
          [[m, DEVICE, 5] for m in IDS])
    write("merchant_accounts.csv", ["merchant_id", "account_id"], [[m, ACCOUNT] for m in IDS])
    return data


def test_hostile_values_survive_load_scan_write_back_and_queries(
    hostile_export: Path, empty_db: Any, neo4j_settings: Any, tmp_path: Path,
) -> None:
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_PASSWORD": neo4j_settings.password}
    runner = CliRunner()
    loaded = runner.invoke(cli, ["load", str(hostile_export), "-q",
                                 "--rejects", str(tmp_path / "rejects.csv")], env=env)
    assert loaded.exit_code == 0, loaded.output
    records, _, _ = empty_db.execute_query(
        "MATCH (m:Merchant) RETURN m.merchant_id AS id, m.name AS name", database_="neo4j")
    stored = {r["id"]: r["name"] for r in records}
    expected = {m: (n or None) for m, n in zip(IDS, NAMES, strict=True)}
    expected["plain"] = "Plain shop"
    assert stored == expected  # byte for byte, and nothing deleted
    devices, _, _ = empty_db.execute_query(
        "MATCH (d:Device)<-[:LOGGED_IN_FROM]-(m) RETURN d.device_id AS d, count(m) AS n",
        database_="neo4j")
    assert [(r["d"], r["n"]) for r in devices] == [(DEVICE, len(IDS))]

    out = tmp_path / "out"
    scanned = runner.invoke(cli, ["scan", "--neo4j", "--out", str(out), "-q"], env=env)
    assert scanned.exit_code == 0, scanned.output
    report = json.loads((out / "rings.json").read_text("utf-8"))
    [ring] = report["rings"]
    assert sorted(m["id"] for m in ring["members"]) == sorted(IDS)
    assert {s["id"] for s in ring["shared"]} == {DEVICE, ACCOUNT}

    detail = runner.invoke(cli, ["query", "ring_detail", "-p", f"ring_id={ring['ring_id']}",
                                 "--format", "json"], env=env)
    assert detail.exit_code == 0, detail.output
    [row] = json.loads(detail.stdout)
    assert sorted(m["id"] for m in row["members"]) == sorted(IDS)
    for merchant_id in IDS:
        profile = runner.invoke(cli, ["query", "merchant_profile", "-p",
                                      f"merchant_id={merchant_id}", "--format", "json"], env=env)
        assert profile.exit_code == 0, profile.output
        [found] = json.loads(profile.stdout)
        assert found["merchant_id"] == merchant_id and found["devices"] == [DEVICE]

    html = (out / "report.html").read_text("utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    counts, _, _ = empty_db.execute_query("MATCH (n) RETURN count(n) AS n", database_="neo4j")
    assert counts[0]["n"] == len(IDS) + 1 + 2 + 2  # merchants, device, account, run, ring
