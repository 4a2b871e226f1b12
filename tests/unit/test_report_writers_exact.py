"""rings.csv, rings.json and report.html's pieces are written in bulk (a ring's cells once
for all its members, one JSON encoder, HTML made in Python rather than by template
macros): each is checked here against the plain way of writing it, on hostile values."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from markupsafe import Markup, escape

from graphfraud import spreadsheet, workers
from graphfraud.graph.projection import Hub
from graphfraud.model import Risk
from graphfraud.report import RunReport, write_reports, writer
from graphfraud.report.fields import CSV_CONTEXT, RING
from graphfraud.report.html import member_table, render_html, t
from graphfraud.score.diff import Changes
from graphfraud.score.rings import Display, Member, Ring, Shared

#: Cells a spreadsheet would run, cells the csv module must quote, and markup.
NASTY = ["=cmd|' /C calc'!A0", "+1", "-2", "@x", "\tx", "'quoted", 'say "hi", then',
         "two\nlines", "cr\rhere", "a,b", "<b>&amp;</b>", "主播小王", "", " padded "]


def _report() -> RunReport:
    rings = []
    for r, risk in enumerate((Risk.HIGH, Risk.MEDIUM, Risk.LOW)):
        members = tuple(Member("merchant" if i % 3 else "streamer", f"{NASTY[(r + i) % 14]}{i}",
                               round(0.05 * i, 3)) for i in range(12))
        rings.append(Ring(
            ring_id=f"R-{r}", score=0.9 - 0.3 * r, risk=risk, pattern="device_farm",
            members=members, shared=(Shared("device", f'd"{r}', 3),),
            evidence=(f"line, with \"quotes\" {NASTY[r]}", "found by: block"),
            known_fraud=r, known_legit=1,
            display=Display(usage=tuple((f"{m.type}:{m.id}", f'device:d"{r}')
                                        for m in members))))
    actors = {f"{m.type}:{m.id}": {"name": NASTY[i % 14], "status": NASTY[(i + 5) % 14],
                                   "verdict": ("fraud", "legit", "")[i % 3],
                                   "source": NASTY[(i + 2) % 14], "registered": "2026-01-0"
                                   f"{i % 9 + 1}", "via": f"device:{NASTY[i % 14]}",
                                   "via_actor": "" if i % 2 else f"merchant:{NASTY[i % 14]}",
                                   "via_name": NASTY[(i + 3) % 14]}
              for ring in rings for i, m in enumerate(ring.members) if i % 4}
    return RunReport(run_id="20260101T000000Z-abcdef12",
                     generated_at=datetime(2026, 1, 1, tzinfo=UTC), source='exp"orts',
                     params={"seed": 1}, summary={"high": 1, "medium": 1, "rings": 3},
                     rings=tuple(rings), hubs=(Hub("device", "<hub>", 900, "dropped"),),
                     changes=Changes(new=["R-2"], risk={"R-1": ("high", "medium")}),
                     actors=actors, decisions={"R-0": {"decision": "dismiss", "at": '"x"'}},
                     alerts={"R-1": {"reason": "<grew>", "new_members": 2}},
                     exposure={"R-0": {"orders": 12.0, "gmv": 1234.5}})


def _plain_csv(report: RunReport) -> str:
    """rings.csv as a row-by-row writer through the csv module makes it."""
    fh = io.StringIO(newline="")
    writer = spreadsheet.writer(fh)
    writer.writerow(["ring_id", "ring_score", "risk", "pattern", "member_type", "member_id",
                     "member_score", "ring_known_fraud", "ring_known_legit",
                     "shared_identifiers", "top_evidence", *CSV_CONTEXT])
    for ring in report.rings:
        for m in ring.members:
            info = (report.actors or {}).get(f"{m.type}:{m.id}", {})
            writer.writerow([ring.ring_id, ring.score, ring.risk, ring.pattern, m.type, m.id,
                             m.score, ring.known_fraud, ring.known_legit, len(ring.shared),
                             ring.evidence[0] if ring.evidence else "",
                             *(info.get(name, "") for name in CSV_CONTEXT)])
    return fh.getvalue()


def test_rings_csv_is_what_the_csv_module_writes_row_by_row(tmp_path: Path) -> None:
    report = _report()
    write_reports(report, tmp_path)
    text = (tmp_path / "rings.csv").read_bytes().decode("utf-8")
    assert text == _plain_csv(report)
    with (tmp_path / "rings.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [spreadsheet.unquote(row[5]) for row in rows[1:]] == [
        m.id for ring in report.rings for m in ring.members]  # every id reads back


@pytest.mark.parametrize("value", [*NASTY, None, 0.1, 3, -0.5, Risk.HIGH, True])
def test_a_cell_text_is_the_csv_modules_cell(value: object) -> None:
    fh = io.StringIO(newline="")
    spreadsheet.writer(fh).writerow(["a", value, "b"])
    assert fh.getvalue() == f"a,{spreadsheet.csv_text(value)},b\r\n"


def test_rings_json_is_one_encoder_line_per_ring_as_json_dumps_writes_it() -> None:
    report = _report()
    lines = report.to_json().splitlines()
    rings = lines[lines.index(' "rings": [') + 1:lines.index(' ],')]
    assert [line.strip().rstrip(",") for line in rings] == [
        json.dumps(RING.write(r), ensure_ascii=False) for r in report.rings]
    empty = RunReport(run_id="x", generated_at=report.generated_at, source="s", params={},
                      summary={}, rings=())
    assert ' "rings": [],' in empty.to_json() and ' "hubs": []' in empty.to_json()
    assert RunReport.from_json(report.to_json()) == report


@pytest.mark.parametrize("value", [*NASTY, None, 0.25, 7, Risk.LOW, Markup("<i>kept</i>")])
def test_the_pages_pieces_escape_as_the_template_does(value: object) -> None:
    assert t(value, value) == Markup('<span class="l-en">{0}</span>'
                                     '<span class="l-zh" lang="zh">{0}</span>').format(
        escape(value))


def test_member_rows_escape_every_fact_and_the_page_keeps_no_raw_markup() -> None:
    report = _report()
    ring = report.rings[0]
    table = str(member_table(ring, report.actors or {}, {f"merchant:{ring.members[1].id}"}))
    assert "<b>&amp;</b>" not in table and "&lt;b&gt;&amp;amp;&lt;/b&gt;" in table
    assert 'say &#34;hi&#34;, then' in table and "mark-new" in table
    html = render_html(report)
    for raw in ("<b>&amp;</b>", "<hub>", "<grew>", 'say "hi"', 'title=""x""'):
        assert raw not in html
    assert 'title="&#34;x&#34;"' in html and "&lt;grew&gt;" in html


def _with_actors(bare: RunReport) -> RunReport:
    """The context the tests' report carries, added as a scan's context adds it."""
    return replace(bare, actors=_report().actors, exposure=_report().exposure)


class _Context:
    """As :class:`graphfraud.report.context.Around` reads it: everything for the
    page, only the names and statuses for rings.csv."""

    def page(self, report: RunReport) -> RunReport:
        return _with_actors(report)

    def rows(self, report: RunReport) -> RunReport:
        actors = _report().actors or {}
        return replace(report, actors={key: {"name": info["name"], "status": info["status"]}
                                       for key, info in actors.items()})


@pytest.mark.skipif(not workers.can_fork(), reason="fork start method (Linux)")
def test_rings_csv_and_the_page_made_beside_are_those_made_in_this_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bare = replace(_report(), actors=None, exposure=None)
    monkeypatch.setattr(writer, "BESIDE_RINGS", 10**9)
    here = write_reports(_with_actors(bare), tmp_path / "here", excel=True)
    monkeypatch.setattr(writer, "BESIDE_RINGS", 1)
    made: list[int] = []
    real = writer._Shown.page

    def spy(self: writer._Shown) -> None:
        (tmp_path / "pid").write_text(str(os.getpid()))
        real(self)

    monkeypatch.setattr(writer._Shown, "page", spy)
    beside = write_reports(bare, tmp_path / "beside", excel=True,
                           context=_Context())  # type: ignore[arg-type]
    made.append(int((tmp_path / "pid").read_text()))
    assert made != [os.getpid()]  # the page was made in a child process
    assert sorted(here) == sorted(beside)
    for name, path in here.items():
        assert beside[name].read_bytes() == path.read_bytes(), name
    # the context is in rings.csv (not in a run's own files without it), not rings.json
    bare_files = write_reports(bare, tmp_path / "bare", excel=True)
    assert bare_files["csv"].read_bytes() != beside["csv"].read_bytes()
    assert bare_files["json"].read_bytes() == beside["json"].read_bytes()


@pytest.mark.skipif(not workers.can_fork(), reason="fork start method (Linux)")
def test_redacted_files_made_beside_carry_the_key_that_maps_them_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "BESIDE_RINGS", 1)
    report = replace(_report(), actors=None, exposure=None)
    paths = write_reports(report, tmp_path, redact=True,
                          context=_Context())  # type: ignore[arg-type]
    key = {row["pseudonym"]: row["id"] for row in csv.DictReader(
        io.StringIO(paths["key"].read_bytes().decode("utf-8"), newline=""))}
    shown = {row["member_id"] for row in csv.DictReader(
        io.StringIO(paths["csv"].read_bytes().decode("utf-8"), newline=""))}
    real = {m.id for ring in report.rings for m in ring.members}
    assert shown and not shown & real
    assert {spreadsheet.unquote(key[p]) for p in shown} == real
    assert "redaction-key.csv" in (tmp_path / writer.MANIFEST).read_text("utf-8")


@pytest.mark.skipif(not workers.can_fork(), reason="fork start method (Linux)")
def test_a_failure_beside_fails_the_run_and_leaves_it_marked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "BESIDE_RINGS", 1)

    class Broken(_Context):
        def page(self, report: RunReport) -> RunReport:
            raise OSError("no space left for the page")

    with pytest.raises(OSError, match="no space left for the page"):
        write_reports(_report(), tmp_path, context=Broken())  # type: ignore[arg-type]
    assert (tmp_path / writer.INCOMPLETE).exists()
    assert not (tmp_path / writer.MANIFEST).exists()
    assert not list(tmp_path.glob(".*.partial"))
