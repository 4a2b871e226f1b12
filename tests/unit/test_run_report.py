"""RunReport: rings.json round trips, and a malformed one is refused with one clear line."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import write_csv
from graphfraud.app import changes_line, load_previous
from graphfraud.batch.job import LATEST, latest_report
from graphfraud.cli import cli
from graphfraud.errors import InputError
from graphfraud.graph.projection import Hub
from graphfraud.loaders import read_dataset
from graphfraud.pipeline import ScanParams, scan
from graphfraud.report import (
    RunInfo,
    RunReport,
    build_run_report,
    read_run_report,
    write_reports,
)
from graphfraud.score.diff import Changes
from graphfraud.score.evidence import Reason
from graphfraud.score.rings import Member, Ring, Shared
from graphfraud.synth import SynthConfig, generate


def _hand_made() -> RunReport:
    """A small report with every kind of field filled, changes of every kind included."""
    ring = Ring(ring_id="R-1", score=0.91, risk="high", pattern="host_collusion",
                members=(Member("merchant", "00123", 0.91), Member("streamer", "s:1", 0.5)),
                shared=(Shared("device", "d1", 2), Shared("payment_account", "a1", 2)),
                evidence=("2 of 2 members log in from the same phone", "但是"),
                known_fraud=1, known_legit=0,
                reasons=(Reason("same_phones", (("used", 2), ("n", 2), ("share", 1.0))),
                         Reason("note", (("text", "但是"),))))
    low = Ring(ring_id="R-2", score=0.1, risk="low", pattern="shared_settlement",
               members=(Member("merchant", "m2", 0.1),), shared=(), evidence=(),
               known_fraud=0, known_legit=1)
    changes = Changes(new=["R-2"], grown={"R-1": ["merchant:00123"]}, shrunk={},
                      changed={"R-9": {"added": ["merchant:x"], "removed": ["merchant:y"]}},
                      unchanged=[], gone=["R-0"], merged={"R-1": ["R-1", "R-0"]},
                      split={"R-5": ["R-1", "R-2"]})
    return RunReport(run_id="20260101T000000Z-abcdef12",
                     generated_at=datetime(2026, 1, 1, tzinfo=UTC), source="exports/x",
                     params={"seed": 3, "weights": [1, 2.5], "use_embedding": True},
                     summary={"rings": 2, "seconds": {"read": 0.1}},
                     rings=(ring, low), hubs=(Hub("device", "cafe-pc", 151, "dropped"),),
                     changes=changes)


def _document() -> dict[str, Any]:
    return dict(json.loads(_hand_made().to_json()))


def test_a_hand_made_report_round_trips_with_every_kind_of_change(tmp_path: Path) -> None:
    report = _hand_made()
    path = tmp_path / "rings.json"
    path.write_text(report.to_json(), "utf-8")
    back = read_run_report(path)
    assert back == report
    assert back.to_json() == report.to_json()
    assert back.rings[0].risk == "high" and back.rings[1].members[0].id == "m2"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run-report-export")
    generate(out, SynthConfig(scale=0.3, seed=31))
    return out


def test_a_scanned_report_written_and_read_back_is_equal(export: Path, tmp_path: Path) -> None:
    loaded = read_dataset(export)
    first = scan(loaded.dataset, ScanParams.with_seed(31))
    report = build_run_report(first, RunInfo(source=str(export), rows=loaded.rows,
                                             rejected_rows=loaded.rejected, read_seconds=0.5))
    paths = write_reports(report, tmp_path / "one")
    back = read_run_report(paths["json"])
    assert back == report
    assert back.rings and back.hubs and back.changes is None  # the test means something
    assert back.to_json() == paths["json"].read_text("utf-8")

    again = scan(loaded.dataset, ScanParams.with_seed(31), previous=back.rings)
    second = build_run_report(again, RunInfo(source=str(export)))
    paths = write_reports(second, tmp_path / "two")
    assert second.changes is not None and second.changes.unchanged
    assert read_run_report(paths["json"]) == second


def _malformed(document: dict[str, Any], **edit: Any) -> str:
    """``document`` with the fields at dotted paths (``rings.0.score``) replaced;
    ``None`` as the value removes the field."""
    for path, value in edit.items():
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is None:
            del node[last]
        else:
            node[int(last) if isinstance(node, list) else last] = value
    return json.dumps(document)


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"x": value}
    return value


MALFORMED = [
    ("{not json", "not JSON (Expecting property name enclosed in double quotes at line 1"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (_malformed(_document(), params=_deep(40)), "nested too deeply (more than 16 levels)"),
    ("[]", "expected an object, got a list"),
    (_malformed(_document(), schema_version="3"),
     "schema_version '3' is not supported (this graphfraud reads '2' and '1')"),
    (_malformed(_document(), schema_version=2),
     "schema_version 2 is not supported (this graphfraud reads '2' and '1')"),
    (_malformed(_document(), schema_version=None), "missing field 'schema_version'"),
    (_malformed(_document(), rings=None), "missing field 'rings'"),
    (_malformed(_document(), run_id=7), "run_id: expected a string, got the number 7"),
    (_malformed(_document(), generated_at="yesterday"),
     "generated_at: 'yesterday' is not an ISO 8601 time"),
    (_malformed(_document(), rings={"R-1": {}}), "rings: expected a list, got an object"),
    (_malformed(_document(), **{"rings.0.score": "0.9"}),
     "rings[0].score: expected a number, got the string '0.9'"),
    (_malformed(_document(), **{"rings.0.score": 1.5}),
     "rings[0].score: 1.5 is not a score from 0 to 1"),
    (_malformed(_document(), **{"rings.0.members.0.score": 10**400}),
     "rings[0].members[0].score: a whole number of 401 digits is not a score from 0 to 1"),
    (_malformed(_document(), **{"rings.1.risk": "urgent"}),
     "rings[1].risk: 'urgent' is not one of high, medium, low"),
    (_malformed(_document(), **{"rings.0.members.1.type": "device"}),
     "rings[0].members[1].type: 'device' is not one of merchant, streamer"),
    (_malformed(_document(), **{"rings.0.members.0.id": ""}), "rings[0].members[0].id: is empty"),
    (_malformed(_document(), **{"rings.0.shared.0.members": True}),
     "rings[0].shared[0].members: expected a whole number, got true"),
    (_malformed(_document(), **{"rings.0.known_fraud": -1}),
     "rings[0].known_fraud: -1 is negative"),
    (_malformed(_document(), **{"rings.0.evidence": [1]}),
     "rings[0].evidence[0]: expected a string, got the number 1"),
    (_malformed(_document(), **{"rings.0.colour": "red"}), "rings[0]: unknown field 'colour'"),
    (_malformed(_document(), **{"rings.0.pattern": None}), "rings[0]: missing field 'pattern'"),
    (_malformed(_document(), **{"hubs.0.actors": "many"}),
     "hubs[0].actors: expected a whole number, got the string 'many'"),
    (_malformed(_document(), **{"changes.grown.R-1": "merchant:00123"}),
     "changes.grown.R-1: expected a list, got the string 'merchant:00123'"),
    (_malformed(_document(), **{"changes.changed.R-9.added": None}),
     "changes.changed.R-9: missing field 'added'"),
    (_malformed(_document(), params=[]), "params: expected an object, got a list"),
    (_malformed(_document(), **{"rings.0.reasons": None}), "rings[0]: missing field 'reasons'"),
    (_malformed(_document(), schema_version="1"), "rings[0]: unknown field 'reasons'"),
    (_malformed(_document(), **{"rings.0.reasons": {}}),
     "rings[0].reasons: expected a list, got an object"),
    (_malformed(_document(), **{"rings.0.reasons.0.code": ""}),
     "rings[0].reasons[0].code: is empty"),
    (_malformed(_document(), **{"rings.0.reasons.1.code": 7}),
     "rings[0].reasons[1].code: expected a string, got the number 7"),
    (_malformed(_document(), **{"rings.0.reasons.0.values": []}),
     "rings[0].reasons[0].values: expected an object, got a list"),
    (_malformed(_document(), **{"rings.0.reasons.0.values.n": True}),
     "rings[0].reasons[0].values.n: expected a number or a string, got true"),
    (_malformed(_document(), **{"rings.0.reasons.0.values.n": {"x": 1}}),
     "rings[0].reasons[0].values.n: expected a number or a string, got an object"),
    (json.dumps(_document()).replace('"used": 2', '"used": null', 1),
     "rings[0].reasons[0].values.used: expected a number or a string, got null"),
    (_malformed(_document(), **{"rings.0.reasons.0.strength": 1.0}),
     "rings[0].reasons[0]: unknown field 'strength'"),
    (json.dumps(_document()).replace('"score": 0.91', '"score": NaN', 1),
     "rings[0].score: nan is not a score from 0 to 1"),
]


def test_a_ring_keeps_its_reasons_as_codes_and_numbers_in_evidence_order() -> None:
    document = _document()
    assert document["schema_version"] == "2"
    ring = document["rings"][0]
    assert ring["reasons"] == [
        {"code": "same_phones", "values": {"used": 2, "n": 2, "share": 1.0}},
        {"code": "note", "values": {"text": "但是"}}]
    assert len(ring["reasons"]) == len(ring["evidence"])
    assert document["rings"][1]["reasons"] == []


def test_a_schema_1_report_reads_with_no_reasons_and_is_written_as_schema_2() -> None:
    """The batch reads the previous run's rings.json, which an older version wrote."""
    old = _document()
    old["schema_version"] = "1"
    for ring in old["rings"]:
        del ring["reasons"]
    back = RunReport.from_json(json.dumps(old))
    assert all(r.reasons == () for r in back.rings)
    assert back == replace(_hand_made(), rings=tuple(replace(r, reasons=())
                                                     for r in _hand_made().rings))
    again = json.loads(back.to_json())
    assert again["schema_version"] == "2" and again["rings"][0]["reasons"] == []


@pytest.mark.parametrize(("text", "problem"), MALFORMED, ids=[p for _, p in MALFORMED])
def test_a_malformed_rings_json_is_refused_naming_the_file_and_the_problem(
    text: str, problem: str, tmp_path: Path,
) -> None:
    path = tmp_path / "previous.json"
    path.write_text(text, "utf-8")
    with pytest.raises(InputError) as raised:
        read_run_report(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: not a valid rings.json: ")
    assert problem in message
    assert "\n" not in message and raised.value.file == str(path)


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rings.json"
    path.write_bytes(b'{"schema_version": "\xff"}')
    with pytest.raises(InputError, match=r"rings\.json: cannot read it as a rings\.json: "):
        read_run_report(path)


@pytest.fixture()
def tiny_export(tmp_path: Path) -> Path:
    d = tmp_path / "export"
    write_csv(d, "merchants.csv", "merchant_id\nm1\nm2\nm3\n")
    write_csv(d, "merchant_devices.csv", "merchant_id,device_id\nm1,p\nm2,p\nm3,p\n")
    return d


def test_scan_with_a_malformed_previous_exits_2_with_the_message(
    tiny_export: Path, tmp_path: Path,
) -> None:
    bad = tmp_path / "old.json"
    bad.write_text(_malformed(_document(), rings=None), "utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["scan", str(tiny_export), "--out", str(out), "-q",
                                      "--previous", str(bad)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {bad}: not a valid rings.json: missing field 'rings'\n"
    assert not (out / "rings.json").exists()  # nothing was scanned or written

    out.mkdir()
    (out / "rings.json").write_text("{}", "utf-8")  # the default previous: OUT/rings.json
    result = CliRunner().invoke(cli, ["scan", str(tiny_export), "--out", str(out), "-q"])
    assert result.exit_code == 2
    assert result.stderr == (f"error: {out / 'rings.json'}: not a valid rings.json: "
                             "missing field 'schema_version'\n")


def test_scan_reads_its_own_previous_report_and_lists_the_changes(
    tiny_export: Path, tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(cli, ["scan", str(tiny_export), "--out", str(out), "-q"]).exit_code == 0
    again = runner.invoke(cli, ["scan", str(tiny_export), "--out", str(out), "-q"])
    assert again.exit_code == 0, again.output
    assert "since the previous run: 0 new, 0 grown, 0 shrunk, 0 changed, 0 gone\n" in again.stdout


def test_the_batch_reads_the_previous_run_that_latest_names(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert load_previous(latest_report(tmp_path / "runs")) is None  # before the first run
    run = runs / "2026-01-01T000000Z_x"
    run.mkdir(parents=True)
    (runs / LATEST).write_text(run.name + "\n", "utf-8")
    made = _hand_made()  # with ring ids as graphfraud makes them (R-1 is refused)
    ours = replace(made, rings=tuple(replace(r, ring_id=f"R-{i:012x}")
                                     for i, r in enumerate(made.rings)))
    (run / "rings.json").write_text(ours.to_json(), "utf-8")
    assert load_previous(latest_report(runs)) == ours
    (run / "rings.json").write_text(made.to_json(), "utf-8")
    with pytest.raises(InputError, match=r"rings\[0\]\.ring_id 'R-1' is not a ring id"):
        load_previous(latest_report(runs))
    (run / "rings.json").write_text("{", "utf-8")
    with pytest.raises(InputError, match=r"2026-01-01T000000Z_x/rings\.json: not a valid"):
        load_previous(latest_report(runs))


def test_one_change_line_for_scan_and_batch() -> None:
    changes = _hand_made().changes
    assert changes is not None
    assert changes_line(changes, "run-1") == (
        "since run-1: 1 new, 1 grown, 0 shrunk, 1 changed, 1 gone, 1 merged, 1 split")
    assert changes_line(Changes(new=["R-1"]), "the previous run") == (
        "since the previous run: 1 new, 0 grown, 0 shrunk, 0 changed, 0 gone")
