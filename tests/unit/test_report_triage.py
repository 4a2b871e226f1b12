"""report.html as a triage page: names and verdicts beside ids, every ring in one table,
what changed, both languages; rings.csv's name and status columns."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from conftest import write_csv
from graphfraud.loaders import read_dataset
from graphfraud.report import RunReport, read_run_report, write_reports
from graphfraud.report.html import render_html, ring_changes
from graphfraud.report.run import ring_actors
from graphfraud.score.diff import Changes
from graphfraud.score.rings import Member, Ring, Shared

HOSTILE = "<script>alert(1)</script>"


def _report() -> RunReport:
    high = Ring(ring_id="R-1", score=0.91, risk="high", pattern="device_farm",
                members=(Member("merchant", "m1", 0.9), Member("merchant", "m2", 0.8),
                         Member("streamer", "s1", 0.5)),
                shared=(Shared("device", "d1", 3),),
                evidence=("3 of 3 members log in from the same phone",),
                known_fraud=1, known_legit=0,
                usage=(("merchant:m1", "device:d1"), ("merchant:m2", "device:d1"),
                       ("streamer:s1", "device:d1")))
    low = Ring(ring_id="R-7", score=0.12, risk="low", pattern="shared_settlement",
               members=(Member("merchant", "m9", 0.1), Member("merchant", "m8", 0.1)),
               shared=(Shared("payment_account", "a1", 2),),
               evidence=("2 shops settle into one account",), known_fraud=0, known_legit=1)
    actors = {
        "merchant:m1": {"name": HOSTILE, "status": "banned", "verdict": "fraud"},
        "merchant:m2": {"name": "=cmd|' /C calc'!A0", "status": "active", "verdict": ""},
        "streamer:s1": {"name": "主播小王", "status": "", "verdict": ""},
        "merchant:m9": {"name": "Tea House", "status": "", "verdict": "legit"},
    }
    return RunReport(run_id="20260101T000000Z-abcdef12",
                     generated_at=datetime(2026, 1, 1, tzinfo=UTC), source="exports/x",
                     params={"seed": 1}, summary={"high": 1, "medium": 0, "rings": 2},
                     rings=(high, low),
                     changes=Changes(new=["R-7"], grown={"R-1": ["merchant:m2"]},
                                     unchanged=[], gone=["R-0"]),
                     actors=actors)


def test_names_are_escaped_and_shown_beside_ids() -> None:
    html = render_html(_report())
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<code>s1</code></td><td class="name">主播小王</td>' in html
    assert "merchant s1" not in html and "streamer s1 · 主播小王" in html  # picture tooltip


def test_verdicts_and_new_members_are_marked() -> None:
    html = render_html(_report())
    row_m1 = html[html.index("<code>m1</code>"):].split("</tr>")[0]
    assert "mark-fraud" in row_m1 and "mark-banned" in row_m1
    row_m2 = html[html.index("<code>m2</code>"):].split("</tr>")[0]
    assert "mark-new" in row_m2 and "mark-fraud" not in row_m2
    row_m9 = html[html.index("<code>m9</code>"):].split("</tr>")[0]
    assert "mark-legit" in row_m9


def test_every_ring_is_in_the_triage_table_and_low_ones_fold_open() -> None:
    html = render_html(_report())
    triage = html[html.index('<table id="triage">'):].split("</table>")[0]
    assert 'data-risk="low"' in triage and 'href="#R-7"' in triage
    assert 'data-risk="high"' in triage and 'data-change="new"' in triage
    assert '<details class="compact" id="R-7"' in html
    assert 'id="f-risk"' in html and 'id="f-pattern"' in html and 'id="f-changed"' in html
    assert "<script src" not in html and "http://" not in html and "https://" not in html
    changes = html[html.index('id="changes"'):].split("</ul>")[0]
    assert 'href="#R-7"' in changes and 'href="#R-1"' in changes and "R-0" in changes


def test_both_languages_and_the_switch() -> None:
    html = render_html(_report())
    for zh in ("欺诈团伙报告", "黑名单", "研判：全部团伙", "仅看新增或变动", "证据说明"):
        assert zh in html
    assert 'id="lang-switch"' in html and "navigator.language" in html
    assert "3 of 3 members log in from the same phone" in html  # evidence as it is


def test_a_report_without_names_still_renders() -> None:
    report = replace(_report(), actors=None, changes=None)
    html = render_html(report)
    assert "<code>m1</code>" in html and 'id="changes"' not in html
    assert ring_changes(None) == {}


def test_rings_csv_has_name_and_status_and_rings_json_has_neither(tmp_path: Path) -> None:
    report = _report()
    write_reports(report, tmp_path)
    with (tmp_path / "rings.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    assert header[-2:] == ["name", "status"]
    by_id = {r["member_id"]: r for r in rows}
    assert by_id["m2"]["name"] == "'=cmd|' /C calc'!A0"  # neutralised
    assert by_id["m1"]["status"] == "banned" and by_id["m8"]["name"] == ""
    text = (tmp_path / "rings.json").read_text("utf-8")
    assert "主播小王" not in text and "banned" not in text
    assert read_run_report(tmp_path / "rings.json") == report  # actors not compared
    assert read_run_report(tmp_path / "rings.json").actors is None


def test_redacted_pages_carry_no_names(tmp_path: Path) -> None:
    write_reports(_report(), tmp_path, redact=True)
    html = (tmp_path / "report.html").read_text("utf-8")
    csv_text = (tmp_path / "rings.csv").read_text("utf-8")
    for name in ("alert(1)", "主播小王", "Tea House", "calc"):
        assert name not in html and name not in csv_text
    assert "mark-fraud" in html and "mark-new" in html  # verdicts kept, by pseudonym


def test_ring_actors_reads_names_status_and_the_standing_label(tmp_path: Path) -> None:
    d = tmp_path / "d"
    write_csv(d, "merchants.csv", "merchant_id,name,status\nm1,Shop One,banned\n"
              "m2,,active\nm3,Other,active\n")
    write_csv(d, "streamers.csv", "streamer_id,name\ns1,Host\n")
    write_csv(d, "labels.csv", "entity_type,entity_id,label,labeled_at\n"
              "merchant,m1,legit,2025-01-01T00:00:00Z\n"
              "merchant,m1,fraud,2025-06-01T00:00:00Z\n")
    dataset = read_dataset(d).dataset
    actors = ring_actors(dataset, _report().rings)
    assert actors["merchant:m1"] == {"name": "Shop One", "status": "banned",
                                     "verdict": "fraud"}
    assert actors["merchant:m2"] == {"name": "", "status": "active", "verdict": ""}
    assert actors["streamer:s1"]["name"] == "Host"
    assert "merchant:m3" not in actors  # only ring members are looked up


def test_a_ring_an_analyst_decided_carries_its_badge_in_every_place() -> None:
    from dataclasses import replace

    report = replace(_report(), decisions={
        "R-1": {"decision": "dismiss", "at": "2026-01-02T09:00:00Z"},
        "R-7": {"decision": "confirm", "at": "2026-01-03T09:00:00Z"}})
    html = render_html(report)
    # the triage row, the ring's section and its folded detail
    assert html.count('<span class="verdict-dismiss" title="2026-01-02T09:00:00Z">') == 2
    assert html.count('<span class="verdict-confirm" title="2026-01-03T09:00:00Z">') == 2
    assert "dismissed by an analyst" in html and "分析员已排除" in html
    assert "verdict-" not in render_html(_report()).split("</style>", 1)[1]
    assert "decisions" not in report.to_json()
