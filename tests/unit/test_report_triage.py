"""report.html as a triage page: names and verdicts beside ids, every ring in one table,
what changed, both languages; rings.csv's name and status columns."""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from conftest import write_csv
from graphfraud.loaders import read_dataset
from graphfraud.report import RunReport, read_run_report, write_reports
from graphfraud.report.context import ring_actors
from graphfraud.report.html import render_html, ring_changes
from graphfraud.score.diff import Changes
from graphfraud.score.evidence import Reason
from graphfraud.score.rings import Display, Member, Ring, Shared

HOSTILE = "<script>alert(1)</script>"


def _report() -> RunReport:
    high = Ring(ring_id="R-1", score=0.91, risk="high", pattern="device_farm",
                members=(Member("merchant", "m1", 0.9), Member("merchant", "m2", 0.8),
                         Member("streamer", "s1", 0.5)),
                shared=(Shared("device", "d1", 3),),
                evidence=("3 of 3 members log in from the same phone",),
                known_fraud=1, known_legit=0,
                reasons=(Reason.of("same_phones", used=3, n=3, who="members", k=1),),
                display=Display(usage=(("merchant:m1", "device:d1"),
                                       ("merchant:m2", "device:d1"),
                                       ("streamer:s1", "device:d1"))))
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
    row_m1 = html[html.index("<code>m1</code></td>"):].split("</tr>")[0]
    assert "mark-fraud" in row_m1 and "mark-banned" in row_m1
    row_m2 = html[html.index("<code>m2</code></td>"):].split("</tr>")[0]
    assert "mark-new" in row_m2 and "mark-fraud" not in row_m2
    row_m9 = html[html.index("<code>m9</code></td>"):].split("</tr>")[0]
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
    for zh in ("欺诈团伙报告", "黑名单", "研判：全部团伙", "仅看新增或变动",
               "从相同的 1 部手机登录"):
        assert zh in html
    assert 'id="lang-switch"' in html and "navigator.language" in html
    assert "3 of 3 members log in from the same phone" in html  # evidence in both


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


def _context_export(tmp_path: Path) -> Path:
    """m1 blacklisted (by the platform) on phone d1, which m2 also uses; m9 on a
    blacklisted account; hub phone d9 used by m1, m3 and m8; orders and promoted GMV."""
    d = tmp_path / "d"
    write_csv(d, "merchants.csv", "merchant_id,name,status,registered_at\n"
              "m1,Shop One,banned,2025-03-02\nm2,,active,\nm3,Other,active,\n"
              "m8,,active,\nm9,,active,\n")
    write_csv(d, "streamers.csv", "streamer_id,name\ns1,Host\n")
    write_csv(d, "devices.csv", "device_id,model,os\nd9,OPPO R11,Android 8\n")
    write_csv(d, "merchant_devices.csv", "merchant_id,device_id\nm1,d1\nm2,d1\n"
              "m1,d9\nm3,d9\nm8,d9\n")
    write_csv(d, "merchant_accounts.csv", "merchant_id,account_id\nm9,a1\nm8,a1\n")
    write_csv(d, "merchant_signals.csv", "merchant_id,orders\nm1,10\nm2,5\nm9,7\n")
    write_csv(d, "promotions.csv", "streamer_id,merchant_id,gmv\ns1,m1,1000.5\n")
    write_csv(d, "labels.csv", "entity_type,entity_id,label,source,labeled_at\n"
              "merchant,m1,legit,review,2025-01-01T00:00:00Z\n"
              "merchant,m1,fraud,platform,2025-06-01T00:00:00Z\n"
              "payment_account,a1,fraud,bank report,\n")
    return d


def test_ring_actors_reads_names_status_registration_and_the_standing_label(
        tmp_path: Path) -> None:
    dataset = read_dataset(_context_export(tmp_path)).dataset
    actors = ring_actors(dataset, _report().rings)
    assert actors["merchant:m1"] == {"name": "Shop One", "status": "banned",
                                     "verdict": "fraud", "source": "platform",
                                     "registered": "2025-03-02", "via": "", "via_actor": "",
                                     "via_name": ""}
    assert actors["merchant:m2"]["name"] == "" and actors["merchant:m2"]["status"] == "active"
    assert actors["streamer:s1"]["name"] == "Host"
    assert "merchant:m3" not in actors  # only ring members are looked up


def test_each_member_says_what_ties_it_to_the_blacklist(tmp_path: Path) -> None:
    actors = ring_actors(read_dataset(_context_export(tmp_path)).dataset, _report().rings)
    assert (actors["merchant:m2"]["via"], actors["merchant:m2"]["via_actor"]) == (
        "device:d1", "merchant:m1")  # shares a phone with a blacklisted shop
    assert (actors["merchant:m9"]["via"], actors["merchant:m9"]["via_actor"]) == (
        "payment_account:a1", "")  # uses a blacklisted account
    assert actors["merchant:m1"]["via"] == ""  # blacklisted itself: its source says why
    html = render_html(replace(_report(), actors=actors))
    row_m2 = html[html.index("<code>m2</code></td>"):].split("</tr>")[0]
    assert "<code>d1</code>" in row_m2 and "shared with blacklisted" in row_m2
    assert "与黑名单共用" in row_m2 and "<code>m1</code>" in row_m2
    row_m1 = html[html.index("<code>m1</code></td>"):].split("</tr>")[0]
    assert "2025-03-02" in row_m1 and "platform" in row_m1


def test_rings_show_their_exposure_and_hubs_what_they_are(tmp_path: Path) -> None:
    from graphfraud.graph.projection import Hub
    from graphfraud.report.context import with_context

    report = replace(_report(), hubs=(Hub("device", "d9", 3, "dropped"),))
    report = with_context(report, read_dataset(_context_export(tmp_path)).dataset)
    assert report.exposure == {"R-1": {"orders": 15.0, "gmv": 1000.5},
                               "R-7": {"orders": 7.0, "gmv": 0.0}}
    assert report.hub_info == {"device:d9": {"detail": "OPPO R11 · Android 8",
                                             "blacklisted": 1}}
    html = render_html(report)
    triage = html[html.index('<table id="triage">'):].split("</table>")[0]
    assert "GMV via hosts" in triage and 'data-v="1000.5"' in triage
    hubs = html[html.index('<table id="hubs">'):].split("</table>")[0]
    assert "OPPO R11 · Android 8" in hubs and "1 (33%)" in hubs
    write_reports(report, tmp_path / "shared", redact=True)
    shared = (tmp_path / "shared" / "report.html").read_text("utf-8")
    assert "<code>d9</code>" not in shared and "OPPO R11" in shared


def test_exposure_totals_are_exact_whatever_the_rows_order() -> None:
    import math

    import numpy as np
    import pandas as pd

    from graphfraud.loaders.dataset import Dataset
    from graphfraud.report.context import ring_exposure

    rng = np.random.default_rng(3)
    gmv = rng.choice([0.1, 0.2, 0.3, 1e16, 1.0, 7.25, 3.3], size=400)
    rows = pd.DataFrame({"merchant_id": pd.array([f"m{i % 9}" for i in range(400)],
                                                 dtype="string[pyarrow]"),
                         "streamer_id": pd.array(["s1"] * 400, dtype="string[pyarrow]"),
                         "gmv": gmv})
    rings = _report().rings
    totals = []
    for seed in range(6):
        shuffled = rows.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        totals.append(ring_exposure(Dataset(source="x", tables={"promotions": shuffled}),
                                    rings))
    assert all(t == totals[0] for t in totals)  # equal to the last bit
    members = {m.id for m in rings[0].members if m.type == "merchant"}
    # each merchant's total exactly rounded, then the ring's
    expected = math.fsum(math.fsum(rows.loc[rows["merchant_id"] == m, "gmv"])
                         for m in sorted(members))
    assert totals[0][rings[0].ring_id]["gmv"] == expected  # exactly rounded


def test_the_triage_table_filters_by_verdict() -> None:
    report = replace(_report(), decisions={"R-7": {"decision": "dismiss", "at": "2026-01-02"}})
    html = render_html(report)
    assert 'id="f-verdict"' in html
    triage = html[html.index('<table id="triage">'):].split("</table>")[0]
    assert 'data-verdict="dismiss"' in triage and 'data-verdict="none"' in triage


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


def test_evidence_shows_in_both_languages(tmp_path: Path) -> None:
    html = render_html(_report())
    assert "3 of 3 members log in from the same phone" in html
    assert "3 名成员中有 3 名从相同的 1 部手机登录" in html
    # a ring without reasons (read from a schema-1 rings.json) shows its English only
    assert "2 shops settle into one account" in html
    assert "证据说明由扫描程序以英文生成" not in html


def test_each_ring_links_to_a_browser_query_that_draws_it() -> None:
    from urllib.parse import parse_qs, urlsplit

    from graphfraud.report.html import browser_link

    report = replace(_report(), browser=("http://neo4j.local:7474/browser/", "fraud"))
    link = browser_link(report, "R-1")
    assert link == ""  # not an id the scan makes: nothing is put into a query
    ring = replace(report.rings[0], ring_id="R-07f965228d78")
    report = replace(report, rings=(ring, *report.rings[1:]))
    link = browser_link(report, "R-07f965228d78")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "neo4j.local:7474", "/browser/")
    query = parse_qs(parts.query)
    assert query["db"] == ["fraud"] and query["cmd"] == ["edit"]
    assert "MATCH (r:Ring {ring_id: 'R-07f965228d78'})" in query["arg"][0]
    assert browser_link(report, "R-07f965228d78'}) DETACH DELETE r //") == ""
    html = render_html(report)
    assert 'class="browser" href="http://neo4j.local:7474/browser/?db=fraud&amp;cmd=edit' in html
    assert "class=\"browser\"" not in render_html(_report())  # an export scan: no server


def test_a_shared_page_does_not_link_the_browser(tmp_path: Path) -> None:
    ring = replace(_report().rings[0], ring_id="R-07f965228d78")
    report = replace(_report(), rings=(ring, *_report().rings[1:]),
                     browser=("http://neo4j.local:7474/browser/", "neo4j"))
    write_reports(report, tmp_path, redact=True)
    assert "neo4j.local" not in (tmp_path / "report.html").read_text("utf-8")
    write_reports(report, tmp_path / "team")
    assert "neo4j.local" in (tmp_path / "team" / "report.html").read_text("utf-8")


def test_sections_name_who_joined_and_left_and_mark_them_in_the_picture() -> None:
    report = replace(_report(), changes=Changes(
        changed={"R-1": {"added": ["merchant:m2"], "removed": ["merchant:m5"]}}))
    html = render_html(report)
    section = html[html.index('<section class="ring" id="R-1"'):].split("</section>")[0]
    moved = section[section.index('class="small moved"'):].split("</p>")[0]
    assert "joined since the previous run:" in moved and "<code>m2</code>" in moved
    assert "left since the previous run:" in moved and "<code>m5</code>" in moved
    picture = section[section.index("<svg"):].split("</svg>")[0]
    marks = [c.split() for c in re.findall(r'<g class="([^"]*)"', picture)]
    assert sum("node-fraud" in c for c in marks) == 1  # m1, blacklisted (and banned)
    assert sum("node-new" in c for c in marks) == 1  # m2, joined
    assert ["node-fraud", "node-banned"] in marks
    assert "merchant m2 · =cmd" in picture and "new since the previous run" in picture
    assert "较上次新加入" in picture  # the tooltip's Chinese line


def test_flagged_via_is_looked_up_for_every_member_the_page_shows() -> None:
    from graphfraud.report.context import VIA_MEMBERS
    from graphfraud.report.html import MAX_DRAWN_MEMBERS, MAX_LISTED_MEMBERS

    assert max(MAX_DRAWN_MEMBERS, MAX_LISTED_MEMBERS) <= VIA_MEMBERS


def test_rings_csv_needs_only_the_names_and_statuses_the_page_reads_too(
        tmp_path: Path) -> None:
    """rings.csv is made from the context's rows (names and statuses only), report.html
    from the whole context: the csv is the one the whole context makes."""
    import io

    from graphfraud.report.context import Around
    from graphfraud.report.writer import _write_csv

    around = Around(read_dataset(_context_export(tmp_path)).dataset)
    rows, page = around.rows(_report()), around.page(_report())
    assert rows.actors and set(rows.actors) == set(page.actors or {})
    assert rows.actors["merchant:m1"]["name"] == "Shop One"
    assert rows.actors["merchant:m1"]["verdict"] == ""  # not read for the rows
    made = []
    for report in (rows, page):
        fh = io.StringIO(newline="")
        _write_csv(report, fh)
        made.append(fh.getvalue())
    assert made[0] == made[1] and "Shop One" in made[0] and "banned" in made[0]
