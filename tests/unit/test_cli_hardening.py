"""Hardening of what the command line prints and accepts, without a server: secrets in
NEO4J_URI, terminal escapes in data, the formula guard on verdict import, closed sets of
query parameter values, and the server a query asks."""

from __future__ import annotations

import csv
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import write_csv
from graphfraud.cli import cli
from graphfraud.errors import ConfigError, UsageError
from graphfraud.terminal import shown

HOSTILE = "m\x1b[31m1\rX"
ESCAPED = "m\\x1b[31m1\\rX"


def _invoke(args: list[str], env: dict[str, str] | None = None) -> Any:
    base = {"NEO4J_URI": "", "NEO4J_PASSWORD": "", "GRAPHFRAUD_NEO4J_HOME":
            "/nonexistent-graphfraud-home"}
    return CliRunner().invoke(cli, args, env={**base, **(env or {})})


# -- secrets in NEO4J_URI -------------------------------------------------------------

@pytest.mark.parametrize("uri", [
    "bolt://127.0.0.1:1?password=SECRET-q",
    "bolt+s://127.0.0.1:1?token=SECRET-q",
    "neo4j://127.0.0.1:1?password=SECRET-q",
    "neo4j://127.0.0.1:1?auth=SECRET-q&policy=eu",
    "bolt://neo4j:SECRET-u@127.0.0.1:1",
    "neo4j+s://SECRET-u@db.example.com",
    "bolt://[SECRET-b",
    "bolt://127.0.0.1:1#SECRET-f",
    "bolt://127.0.0.1:1/SECRET-p",
    "bolt://127.0.0.1:SECRET-port",
    "bolt://127.0.0.1:70000",
    "neo4j:SECRET-u@127.0.0.1:1",
])
@pytest.mark.parametrize("command", [["query", "top_rings"], ["load", "."],
                                     ["verdict", "--export", "v.csv"]])
def test_a_bad_or_secret_bearing_uri_is_one_line_exit_2_without_its_secret(
        uri: str, command: list[str]) -> None:
    result = _invoke(command, {"NEO4J_URI": uri, "NEO4J_PASSWORD": "pw-123456"})
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: NEO4J_URI"), result.stderr
    assert "SECRET" not in result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_a_routing_context_the_driver_refuses_is_a_config_error_without_its_values() -> None:
    from graphfraud.store.connection import Neo4jSettings

    settings = Neo4jSettings.from_env({"NEO4J_URI": "neo4j://127.0.0.1:1?address=SECRET-v",
                                       "NEO4J_PASSWORD": "pw-123456"})
    assert "SECRET" not in repr(settings) + settings.describe()
    with pytest.raises(ConfigError, match="not accepted by the Neo4j driver") as caught:
        settings.driver()
    assert "SECRET" not in str(caught.value)


def test_a_routing_context_is_still_a_neo4j_uri() -> None:
    from graphfraud.store.connection import Neo4jSettings

    settings = Neo4jSettings.from_env({"NEO4J_URI": "neo4j://db.example.com?policy=eu",
                                       "NEO4J_PASSWORD": "pw-123456"})
    assert settings.describe() == "neo4j://db.example.com (database neo4j, user neo4j)"


# -- the server a query asks ------------------------------------------------------------

def test_query_names_the_server_it_asks_without_credentials() -> None:
    result = _invoke(["query", "top_rings"], {"NEO4J_URI": "bolt://127.0.0.1:1",
                                              "NEO4J_PASSWORD": "pw-SECRET-1",
                                              "NEO4J_DATABASE": "fraud"})
    assert result.exit_code == 1  # nothing listens there
    assert result.stderr.splitlines()[0] == (
        "asking bolt://127.0.0.1:1 (database fraud, user neo4j)")
    assert "SECRET" not in result.output + result.stderr


# -- closed sets of query parameter values -------------------------------------------

def test_an_enum_parameter_outside_its_values_exits_2_before_connecting() -> None:
    # NEO4J_URI names nothing that listens: reaching it would be exit 1, not 2
    result = _invoke(["query", "top_rings", "-p", "risk=extreme"],
                     {"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "pw-123456"})
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: parameter risk: expected one of high, medium, low (or \"\" for all), "
        "got 'extreme'"]


def test_enum_values_are_listed_and_bound_by_their_set() -> None:
    from graphfraud.store.queries import bind, library

    listed = _invoke(["query", "--list"])
    assert "[risk=high|medium|low]" in listed.stdout
    query = library()["top_rings"]
    assert bind(query, {"risk": "High"})["risk"] == "high"  # the set's spelling
    assert bind(query, {"risk": ""})["risk"] == ""  # the default: all
    assert bind(query, {})["risk"] == ""


def test_enum_sets_come_from_the_model_the_contract_or_a_list(tmp_path: Path) -> None:
    from graphfraud.store.queries import bind, library, parse_query

    (tmp_path / "by_pattern.cypher").write_text(
        "// Rings of one pattern.\n// @param pattern enum(model.Pattern)  the pattern\n"
        "// @param label enum(contract.labels.label) = \"fraud\"  the label\n"
        "// @param side enum(left, right) = \"left\"  a side\n"
        "RETURN $pattern AS p, $label AS l, $side AS s\n")
    query = library(tmp_path)["by_pattern"]
    assert [p.choices for p in query.params] == [
        ("device_farm", "shared_settlement", "ban_evasion", "host_collusion", "mixed",
         "organization"), ("fraud", "legit"), ("left", "right")]
    assert bind(query, {"pattern": "organization"})["pattern"] == "organization"
    with pytest.raises(UsageError, match=r"parameter label: expected one of fraud, legit, "
                       r"got 'maybe'"):
        bind(query, {"pattern": "mixed", "label": "maybe"})
    with pytest.raises(UsageError, match=r"missing parameter pattern \(device_farm\|"):
        bind(query, {})
    listed = _invoke(["query", "--list", "--dir", str(tmp_path)])
    assert "pattern=<device_farm|shared_settlement|" in listed.stdout
    for bad in ("enum(model.Nope)", "enum(contract.labels.source)", "enum(a,,b)",
                'enum(a,b) = "c"'):
        with pytest.raises(ConfigError):
            parse_query("q", f"// Q.\n// @param x {bad}  x\nRETURN $x\n", "q.cypher")


# -- terminal escapes ---------------------------------------------------------------------

def test_the_shared_helper_escapes_control_characters() -> None:
    assert shown(HOSTILE) == ESCAPED
    assert shown("a\u202eb\u0085c\x7f\x00") == "a\\u202eb\\x85c\\x7f\\x00"
    assert shown("two\nlines\ttab") == "two\\nlines\\ttab"
    assert shown("two\nlines\x1b", lines=True) == "two\nlines\\x1b"
    assert shown("乡村直营 m-001 'quoted'") == "乡村直营 m-001 'quoted'"


def test_query_tables_show_control_characters_escaped() -> None:
    from graphfraud.cli.query import _table

    for rows in ([[HOSTILE, 1]], [[HOSTILE, 1], ["m2", 2]]):
        text = _table(["id", "n"], rows)
        assert ESCAPED in text and "\x1b" not in text and "\r" not in text


def test_an_error_quoting_its_input_shows_it_escaped(tmp_path: Path) -> None:
    result = _invoke(["validate", str(tmp_path / HOSTILE)])
    assert result.exit_code == 2
    assert ESCAPED in result.stderr
    assert "\x1b" not in result.stderr and "\r" not in result.stderr


def test_check_text_output_shows_ids_escaped() -> None:
    from graphfraud.cli.check import _print

    reason = SimpleNamespace(action="block", weight=0.9, text=f"device {HOSTILE} is in ring R-1")
    result = SimpleNamespace(
        merchant_id=HOSTILE, recommendation="block", score=0.9, seconds=0.001,
        source="index", reasons=[reason], organizations=[],
        touches=[SimpleNamespace(known=False, type="device", id=HOSTILE)])
    runner = CliRunner()
    import click

    @click.command()
    def show() -> None:
        _print(result, "text")

    out = runner.invoke(show).stdout
    assert out.count(ESCAPED) == 3 and "\x1b" not in out and "\r" not in out


# -- verdict export and import: the formula guard ------------------------------------

class _Driver:
    def __enter__(self) -> _Driver:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def verify_connectivity(self) -> None:
        return None


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Verdict commands against a stand-in graph; the verdicts recorded, as (type, id,
    decision). The graph knows every id but those starting with "ghost"."""
    import graphfraud.server.local as local
    import graphfraud.store.verdicts as verdicts

    settings = SimpleNamespace(database="neo4j", retry_seconds=0.0,
                               driver=lambda: _Driver(), describe=lambda: "bolt://stand-in")
    monkeypatch.setattr(local, "connection_settings", lambda *a: settings)
    done: list[tuple[str, str, str]] = []

    def record(_driver: object, target: Any, decision: str, **_: object) -> None:
        if target.id.startswith("ghost"):
            raise UsageError(f"unknown {target.type} {target.id!s}")
        done.append((target.type, target.id, decision))

    monkeypatch.setattr(verdicts, "record_verdict", record)
    monkeypatch.setattr(verdicts, "latest_entity_verdicts", lambda *_a, **_k: [
        {"entity_type": "merchant", "entity_id": i, "label": "fraud", "source": "analyst:li",
         "labeled_at": "2024-05-01T00:00:00Z"} for i in ("-2+3", "'-2+3", "=x()", "m1")])
    return done


def test_an_input_id_is_taken_verbatim(tmp_path: Path,
                                       recorded: list[tuple[str, str, str]]) -> None:
    labels = write_csv(tmp_path, "labels.csv", "entity_type,entity_id,label\n"
                       "merchant,'-2+3,fraud\nmerchant,'=x(),legit\nmerchant,m1,fraud\n")
    result = _invoke(["verdict", "--import", str(labels)])
    assert result.exit_code == 0, result.output
    assert recorded == [("merchant", "'-2+3", "confirm"), ("merchant", "'=x()", "dismiss"),
                        ("merchant", "m1", "confirm")]


def test_what_verdict_export_wrote_reads_back_exactly(tmp_path: Path,
                                                      recorded: list[tuple[str, str, str]]
                                                      ) -> None:
    exported = tmp_path / "verdicts.csv"
    assert _invoke(["verdict", "--export", str(exported)]).exit_code == 0
    with exported.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # guarded in the file (a spreadsheet runs none of them, and shows the quote of "'-2+3")
    assert [r["entity_id"] for r in rows] == ["'-2+3", "''-2+3", "'=x()", "m1"]
    assert {r["written_by"] for r in rows} == {"graphfraud"}
    result = _invoke(["verdict", "--import", str(exported)])
    assert result.exit_code == 0, result.output
    assert [i for _, i, _ in recorded] == ["-2+3", "'-2+3", "=x()", "m1"]


def test_verdict_import_messages_show_ids_escaped(tmp_path: Path,
                                                  recorded: list[tuple[str, str, str]]
                                                  ) -> None:
    labels = write_csv(tmp_path, "labels.csv", "entity_type,entity_id,label\n"
                       f"merchant,\"ghost{HOSTILE}\",fraud\n")
    result = _invoke(["verdict", "--import", str(labels)])
    assert result.exit_code == 0
    assert f"ghost{ESCAPED}" in result.stderr
    assert "\x1b" not in result.output + result.stderr
    assert "\r" not in result.output + result.stderr
