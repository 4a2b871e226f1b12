"""One field table for ring output: every writer, the reader, the write-back and the docs
page follow graphfraud/report/fields.py, and a new field is one declaration there."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from graphfraud.errors import InputError
from graphfraud.report import fields, reference, run, writer
from graphfraud.report.fields import RING, Column, Field
from graphfraud.report.run import RunReport
from graphfraud.score.evidence import Reason
from graphfraud.score.rings import Member, Ring, Shared
from graphfraud.store import catalog
from graphfraud.store import rings as store_rings

DOC = Path(__file__).resolve().parents[2] / "docs" / "report.md"


def test_docs_report_md_field_tables_are_up_to_date() -> None:
    problem = reference.BLOCK.drift(DOC.read_text("utf-8"), reference.render())
    if problem:
        pytest.fail(problem, pytrace=False)


def _ring(**changes: Any) -> Ring:
    ring = Ring(ring_id="R-1", score=0.91, risk="high", pattern="device_farm",
                members=(Member("merchant", "=m1", 0.91), Member("streamer", "s1", 0.5)),
                shared=(Shared("device", "d1", 2),),
                evidence=("2 blacklisted members", "found by: x"), known_fraud=2,
                known_legit=0, reasons=(Reason("blacklisted", (("k", 2),)),
                                        Reason("found_by", (("source", "x"),))))
    return replace(ring, **changes)


def _report(*rings: Ring) -> RunReport:
    return RunReport(run_id="run-1", generated_at=datetime(2026, 1, 1, tzinfo=UTC),
                     source="x", params={}, summary={}, rings=rings or (_ring(),))


def test_the_outputs_keep_their_columns_in_order() -> None:
    assert writer.CSV_HEADER == (
        "ring_id", "ring_score", "risk", "pattern", "member_type", "member_id",
        "member_score", "ring_known_fraud", "ring_known_legit", "shared_identifiers",
        "top_evidence", "name", "status")
    tables = writer.ring_tables(_report())
    assert tables["rings"].column_names == [
        "run_id", "ring_id", "score", "risk", "pattern", "members", "known_fraud",
        "known_legit", "evidence"]
    assert tables["ring_members"].column_names == [
        "run_id", "ring_id", "member_type", "member_id", "member_score"]
    assert tables["rings"].to_pylist() == [{
        "run_id": "run-1", "ring_id": "R-1", "score": 0.91, "risk": "high",
        "pattern": "device_farm", "members": 2, "known_fraud": 2, "known_legit": 0,
        "evidence": ["2 blacklisted members", "found by: x"]}]


def test_rings_json_lists_a_ring_in_the_field_order_and_reads_any_order() -> None:
    document = json.loads(_report().to_json())
    ring = document["rings"][0]
    assert list(ring) == [f.name for f in RING]
    shuffled = dict(reversed(list(ring.items())))
    document["rings"][0] = shuffled
    assert RunReport.from_json(json.dumps(document)) == _report()


def test_rings_csv_rows_follow_the_header(tmp_path: Path) -> None:
    report = replace(_report(), actors={"merchant:=m1": {"name": "Shop", "status": "banned"}})
    writer.write_reports(report, tmp_path)
    with (tmp_path / "rings.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[1:] == [
        ["R-1", "0.91", "high", "device_farm", "merchant", "'=m1", "0.91", "2", "0", "1",
         "2 blacklisted members", "Shop", "banned"],
        ["R-1", "0.91", "high", "device_farm", "streamer", "s1", "0.5", "2", "0", "1",
         "2 blacklisted members", "", ""]]


class _Driver:
    """Records what the write-back runs, in one transaction."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, dict[str, Any]]] = []

    def session(self, database: str) -> _Driver:
        return self

    def __enter__(self) -> _Driver:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def execute_write(self, work: Any) -> None:
        work(self)

    def run(self, query: str, **params: Any) -> Any:
        self.runs.append((query, params))
        return self

    def consume(self) -> None:
        return None

    def params(self, name: str) -> dict[str, Any]:
        text = catalog.statement(name)
        return next(p for q, p in self.runs if q == text)


def test_the_write_back_rows_are_the_fields_neo4j_columns() -> None:
    driver = _Driver()
    assert store_rings.write_rings(driver, _report(), database="neo4j") == 1  # type: ignore[arg-type]
    assert driver.params("rings/rings")["rings"] == [{
        "ring_id": "R-1",
        "ring": {"ring_id": "R-1", "score": 0.91, "risk": "high", "pattern": "device_farm",
                 "known_fraud": 2, "known_legit": 0,
                 "evidence": ["2 blacklisted members", "found by: x"],
                 "reasons": '[{"code":"blacklisted","values":{"k":2}},'
                            '{"code":"found_by","values":{"source":"x"}}]'},
        "found": {"score": 0.91, "risk": "high", "members": 2},
        # the members as keys (what changed since the previous run is worked out from
        # them in Neo4j) and the batch's alert, if any
        "members": ["merchant:=m1", "streamer:s1"], "alert": None}]
    assert driver.params("rings/ring_members_merchant")["rows"] == [
        {"ring_id": "R-1", "id": "=m1", "link": {"score": 0.91}}]
    assert driver.params("rings/ring_members_streamer")["rows"] == [
        {"ring_id": "R-1", "id": "s1", "link": {"score": 0.5}}]
    assert driver.params("rings/ring_shares_device")["rows"] == [
        {"ring_id": "R-1", "id": "d1", "link": {"members": 2}}]
    assert driver.params("rings/ring_shares_payment_account")["rows"] == []
    assert type(driver.params("rings/rings")["rings"][0]["ring"]["risk"]) is str


@dataclass(frozen=True)
class _ColouredRing(Ring):
    colour: str = "grey"


def test_a_new_ring_field_is_one_declaration(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    """Declared once (here as a scan would compute it: a Ring with one more attribute),
    the field is in rings.json and read back, in rings.csv, rings.parquet, the Neo4j
    rows and the docs table; a document of the schema before it reads with its default."""
    colour = Field("colour", fields.TEXT, "The ring's colour.", since="2",
                   csv=Column("ring_colour"), parquet=Column("colour"),
                   neo4j=Column("colour"))
    coloured = replace(RING, fields=(*RING.fields, colour), make=_ColouredRing)
    for module in (fields, run, writer, store_rings):
        monkeypatch.setattr(module, "RING", coloured)
    monkeypatch.setattr(reference, "RECORDS", (coloured, *fields.RECORDS[1:]))
    report = _report(_ColouredRing(**{f.name: getattr(_ring(), f.name) for f in RING},
                                   colour="red"))

    document = json.loads(report.to_json())
    assert document["rings"][0]["colour"] == "red"
    assert RunReport.from_json(report.to_json()) == report
    del document["rings"][0]["colour"]
    del document["rings"][0]["reasons"]
    document["schema_version"] = "1"
    assert RunReport.from_json(json.dumps(document)).rings[0].colour == "grey"

    writer.write_reports(report, tmp_path, parquet=True)
    with (tmp_path / "rings.csv").open(newline="", encoding="utf-8") as fh:
        header, first, *_ = list(csv.reader(fh))
    assert header[-3:] == ["ring_colour", "name", "status"] and first[-3] == "red"
    assert pq.read_table(tmp_path / "rings.parquet").column("colour").to_pylist() == ["red"]
    driver = _Driver()
    store_rings.write_rings(driver, report, database="neo4j")  # type: ignore[arg-type]
    assert driver.params("rings/rings")["rings"][0]["ring"]["colour"] == "red"
    assert "| `colour` | string, not empty | from schema 2 | `ring_colour` |" in reference.render()


REASONS = [
    ({"code": "x", "values": {"k": 1, "share": 0.5, "source": "block"}}, None),
    ({"code": "x", "values": {}}, None),
    ({"code": "", "values": {}}, "rings[0].reasons[0].code: is empty"),
    ({"code": "x"}, "rings[0].reasons[0]: missing field 'values'"),
    ({"code": "x", "values": {"k": [1]}},
     "rings[0].reasons[0].values.k: expected a number or a string, got a list"),
]


@pytest.mark.parametrize(("reason", "problem"), REASONS)
def test_reasons_are_checked_strictly(reason: dict[str, Any], problem: str | None) -> None:
    document = json.loads(_report().to_json())
    document["rings"][0]["reasons"] = [reason]
    if problem is None:
        read = RunReport.from_json(json.dumps(document)).rings[0].reasons
        assert [r.as_json() for r in read] == [reason]
    else:
        with pytest.raises(Exception, match=problem.replace("[", r"\[").replace("]", r"\]")):
            RunReport.from_json(json.dumps(document))


# -- the quick reading --------------------------------------------------------------------

#: Values of every JSON kind, near each field type's edges.
EDGE_VALUES: list[Any] = [
    None, True, False, 0, 1, -1, 2, 0.0, 0.5, 1.0, 1.5, -0.0, float("nan"), float("inf"),
    10**400, "", " ", "x", "high", "merchant", "device", "中文", [], ["a"], ["a", 1],
    ["a", None], [["a"]], {}, {"k": 1}, {"k": 0.5, "s": "x"}, {"k": True}, {"k": None},
    {"k": [1]}, {"k": {}}, {1: "x"},
]

#: Every field type a record reads (the kinds of ids, risks and patterns with theirs).
FIELD_TYPES = list({id(f.type): f.type for record in fields.RECORDS for f in record
                    if f.type.record is None}.values())


def _outcome(read: Any) -> tuple[str, Any]:
    try:
        value = read()
    except Exception as e:  # which error is what is compared
        return "refused", type(e).__name__
    return type(value).__name__, value


def test_every_field_type_of_the_records_is_tried_the_quick_way() -> None:
    names = {t.name for t in FIELD_TYPES}
    assert {fields.TEXT.name, fields.SCORE.name, fields.COUNT.name, fields.STRINGS.name,
            fields.VALUES.name} <= names
    assert sum(name.startswith("one of") for name in names) == 4  # member, shared kinds,
    # risk, pattern


@pytest.mark.parametrize("ftype", FIELD_TYPES, ids=lambda t: t.name[:40])
@pytest.mark.parametrize("value", EDGE_VALUES, ids=repr)
def test_a_field_read_the_quick_way_gives_what_the_checked_way_gives_or_is_refused(
        ftype: fields.FieldType, value: Any) -> None:
    """The quick reading takes no value the checked reading refuses, and makes of a
    value it takes the very same (type included): a refused value is read again the
    checked way, which names where it is wrong."""
    assert ftype.quick is not None
    checked = _outcome(lambda: ftype.read(value, ("rings", 0, "x")))
    quick = _outcome(lambda: ftype.quick(value))  # type: ignore[misc]
    if checked[0] == "refused":
        assert quick[0] == "refused"
    else:  # the very value: an enum as the enum (a Risk equals its text), a float a float
        assert quick == checked and type(quick[1]) is type(checked[1])


def test_a_record_read_the_quick_way_is_the_record_read_field_by_field(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A report read with the quick reading equals it read field by field only; a
    record with a field missing, one too many or a value refused is refused quickly and
    then named by the checked reading."""
    document = json.loads(_report(_ring(), _ring(ring_id="R-2", score=0.4,
                                                 risk="medium")).to_json())
    text = json.dumps(document)
    quick = RunReport.from_json(text)
    assert fields.RING.quick("2")(document["rings"][0]) == quick.rings[0]
    older = {k: v for k, v in document["rings"][0].items() if k != "reasons"}
    assert fields.RING.quick("1")(older) == replace(quick.rings[0], reasons=())
    risk = fields.RING.quick("2")(document["rings"][0]).risk
    assert type(risk) is type(quick.rings[0].risk) is not str

    def refuse(self: fields.Record, version: str | None = None) -> Any:
        def read(value: Any) -> Any:
            raise fields._Refused
        return read
    saved = [(record, dict(record._quick_readers)) for record in fields.RECORDS]
    for record, _ in saved:
        record._quick_readers.clear()
    monkeypatch.setattr(fields.Record, "quick", refuse)
    try:
        assert RunReport.from_json(text) == quick
    finally:
        monkeypatch.undo()
        for record, readers in saved:
            record._quick_readers.clear()
            record._quick_readers.update(readers)

    member = document["rings"][0]["members"][0]
    class Defaulting(dict[str, Any]):  # a missing key reads as 0
        def __missing__(self, key: str) -> int:
            return 0
    for bad in ({k: v for k, v in member.items() if k != "score"}, {**member, "x": 1},
                {**member, "score": 2}, {**member, "type": "device"}, [member],
                Defaulting({"type": member["type"], "id": member["id"], "x": 0.5})):
        with pytest.raises(fields._Refused):
            fields.MEMBER.quick("2")(bad)
    with pytest.raises(fields._Refused):
        fields.RING.quick("2")({**document["rings"][0], "members": [{**member, "id": ""}]})
    document["rings"][1]["members"][0]["id"] = ""
    with pytest.raises(InputError, match=r"rings\[1\]\.members\[0\]\.id: is empty"):
        RunReport.from_json(json.dumps(document))


@pytest.mark.parametrize(("levels", "deep"), [(run.MAX_DEPTH, False),
                                               (run.MAX_DEPTH + 1, True)])
def test_nesting_is_counted_in_lists_and_objects_only(levels: int, deep: bool) -> None:
    value: Any = "a scalar does not count"
    for level in range(levels):
        value = [value, 1] if level % 2 else {"x": value, "y": "z"}
    assert run._too_deep(value) is deep
    assert run._too_deep([[], {"k": [value]}]) is True
