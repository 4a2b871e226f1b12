"""report.html for case work: risk changes and alerts shown as such, analysts' decisions
apart from the evidence, "flagged via" away from hubs and naming the blacklisted actor,
every visible string in Chinese too, and pictures in the shared palette."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from conftest import write_csv
from graphfraud import palette
from graphfraud.graph.projection import Hub
from graphfraud.loaders import read_dataset
from graphfraud.report import RunReport
from graphfraud.report.context import ring_actors, with_context
from graphfraud.report.html import (
    MAX_CAPTIONED,
    SUBSCORE_WORDS,
    render_html,
    ring_changes,
)
from graphfraud.score.diff import Changes, carry_over
from graphfraud.score.evidence import Reason, render
from graphfraud.score.rings import Display, Member, Ring, Shared
from graphfraud.score.signals import REGISTRY

HOSTILE = "<script>alert(1)</script>"


def _ring(ring_id: str, risk: str, n: int, *, reasons: tuple[Reason, ...] = (),
          features: dict[str, float] | None = None) -> Ring:
    members = tuple(Member("merchant", f"{ring_id}-m{i}", 0.5) for i in range(n))
    shared = (Shared("device", f"{ring_id}-d", n), Shared("payment_account", "agg", n))
    usage = tuple(sorted((f"merchant:{m.id}", key) for m in members
                         for key in (f"device:{ring_id}-d", "payment_account:agg")))
    return Ring(ring_id=ring_id, score=0.9 if risk == "high" else 0.2, risk=risk,
                pattern="device_farm", members=members, shared=shared,
                evidence=tuple(render(r) for r in reasons), known_fraud=0, known_legit=0,
                reasons=reasons, display=Display(features=features or {}, usage=usage))


def _report() -> RunReport:
    """R-1 high, with an analyst's confirmation of its members listed first; R-7 a
    dismissed ring that regrew, now low, alerted by the batch; R-9 low and quiet."""
    decided = (Reason.of("confirmed", k=3), Reason.of("same_phones", used=3, n=3,
                                                      who="members", k=1, strength=1.0),
               Reason.of("found_by", source="block"))
    features = {name: 0.5 for name in SUBSCORE_WORDS}
    high = _ring("R-1", "high", 3, reasons=decided, features=features)
    dismissed = _ring("R-7", "low", 6, reasons=(Reason.of("dismissed", k=4),))
    quiet = _ring("R-9", "low", 2)
    actors = {
        "merchant:R-1-m0": {"name": HOSTILE, "status": "banned", "verdict": "fraud",
                            "source": "analyst:li"},
        "merchant:R-1-m1": {"name": "Tea House", "status": "suspended", "verdict": "legit"},
        "merchant:R-1-m2": {"name": "主播小王的店铺名字很长很长", "status": "", "verdict": ""},
    }
    return RunReport(
        run_id="20260101T000000Z-abcdef12", generated_at=datetime(2026, 1, 1, tzinfo=UTC),
        source="exports/x", params={"seed": 1}, summary={"high": 1, "medium": 0, "rings": 3},
        rings=(high, dismissed, quiet), hubs=(Hub("payment_account", "agg", 800, "dropped"),),
        changes=Changes(grown={"R-7": ["merchant:R-7-m5", "merchant:R-7-m4"]},
                        changed={"R-1": {"added": ["merchant:R-1-m2"], "removed": []}},
                        unchanged=["R-9"], risk={"R-7": ("high", "low")}),
        actors=actors, decisions={"R-7": {"decision": "dismiss", "at": "2026-01-02"}},
        alerts={"R-7": {"reason": "dismissed ring changed materially: 2 members joined "
                                  "since the dismissal", "new_members": 2}})


def test_a_risk_change_is_a_change_not_unchanged() -> None:
    previous = (_ring("R-5", "high", 3),)
    now, changes = carry_over([replace(_ring("R-5", "low", 3), ring_id="R-x")], previous)
    assert changes.unchanged == ["R-5"] and changes.risk == {"R-5": ("high", "low")}
    assert "risk" not in changes.as_dict()  # rings.json's and batch.json's stay as they were
    assert ring_changes(changes) == {"R-5": "risk"}
    report = replace(_report(), rings=tuple(now), changes=changes, alerts=None)
    html = render_html(report)
    row = html[html.index('<table id="triage">'):].split("</table>")[0]
    assert 'data-change="risk"' in row and "high → low" in row and "高 → 低" in row
    assert ">unchanged<" not in row


def test_alerted_rings_are_on_the_page_and_never_folded_away() -> None:
    html = render_html(_report())
    block = html[html.index('<div class="alerts" id="alerts">'):].split("</div>")[0]
    assert 'href="#R-7"' in block and "dismissed ring changed materially" in block
    assert "已排除的团伙发生实质变化：排除后新加入 2 名成员" in block
    assert '<section class="ring" id="R-7"' in html  # a low ring, alerted: a section
    assert '<details class="compact" id="R-7"' not in html
    assert '<details class="compact" id="R-9"' in html  # a quiet low ring stays folded
    triage = html[html.index('<table id="triage">'):].split("</table>")[0]
    assert triage.count('data-alert="yes"') == 1 and 'id="f-alerted"' in html
    # a scan (no alerts decided) says nothing about alerts
    plain = render_html(replace(_report(), alerts=None))
    assert 'id="alerts"' not in plain and 'id="f-alerted"' not in plain


def test_analysts_decisions_are_listed_apart_and_never_the_strongest_reason() -> None:
    html = render_html(_report())
    triage = html[html.index('<table id="triage">'):].split("</table>")[0]
    row = triage[triage.index('data-v="R-1"'):].split("</tr>")[0]
    assert "log in from the same phone" in row and "confirmed" not in row
    section = html[html.index('<section class="ring" id="R-1"'):].split("</section>")[0]
    evidence, decisions = section.split("Analysts&#39; decisions")
    assert "log in from the same phone" in evidence and "confirmed as fraud" not in evidence
    assert "3 members confirmed as fraud by analysts (a decision, not counted as evidence)" \
        in decisions and "（这是处置决定，不计入证据）" in decisions


def _hub_export(tmp_path: Path) -> Path:
    """m1 (in the ring) and b1 (blacklisted, named) share the rare phone d1 and the
    aggregator agg (a hub of the scan); m2 shares only agg with the blacklisted b2."""
    d = tmp_path / "d"
    write_csv(d, "merchants.csv", "merchant_id,name\nm1,\nm2,\nb1,Bad <b>Shop</b>\nb2,Other\n")
    write_csv(d, "merchant_devices.csv", "merchant_id,device_id\nm1,d1\nb1,d1\n")
    write_csv(d, "merchant_accounts.csv", "merchant_id,account_id\nm1,agg\nb1,agg\nm2,agg\n"
              "b2,agg\n")
    write_csv(d, "labels.csv", "entity_type,entity_id,label,source\nmerchant,b1,fraud,"
              "platform\nmerchant,b2,fraud,platform\n")
    return d


def test_flagged_via_never_passes_through_a_hub_and_names_the_blacklisted_actor(
        tmp_path: Path) -> None:
    ring = Ring("R-2", 0.9, "high", "device_farm",
                (Member("merchant", "m1", 0.9), Member("merchant", "m2", 0.9)), (), (), 0, 0)
    dataset = read_dataset(_hub_export(tmp_path)).dataset
    hubs = (Hub("payment_account", "agg", 800, "dropped"),)
    actors = ring_actors(dataset, [ring], hubs=hubs)
    # m1: through the rare phone, not the aggregator (which sorts first); m2: nothing
    assert (actors["merchant:m1"]["via"], actors["merchant:m1"]["via_actor"]) == (
        "device:d1", "merchant:b1")
    assert actors["merchant:m1"]["via_name"] == "Bad <b>Shop</b>"
    assert actors["merchant:m2"]["via"] == ""
    assert ring_actors(dataset, [ring])["merchant:m2"]["via"] == "payment_account:agg"
    report = with_context(replace(_report(), rings=(ring,), hubs=hubs, changes=None,
                                  alerts=None, decisions=None), dataset)
    html = render_html(report)
    row = html[html.index("<code>m1</code></td>"):].split("</tr>")[0]
    assert 'shared with blacklisted' in row and "<code>b1</code>" in row
    assert "Bad &lt;b&gt;Shop&lt;/b&gt;" in row and "<b>Shop</b>" not in html


def _chinese_view(html: str) -> str:
    """What a reader of the Chinese page sees: the English halves, scripts and styles
    gone, tags stripped (tooltips and the filters' options, which carry both
    languages, are checked apart)."""
    body = html.split("<body>", 1)[1]
    for pattern in (r"<script>.*?</script>", r'<span class="l-en">.*?</span>',
                    r"<title>.*?</title>", r"<option[^>]*>.*?</option>"):
        body = re.sub(pattern, "", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


#: Visible English of report.html (fixed strings and generated words): none of them
#: may remain on the Chinese page.
ENGLISH = (
    "Evidence", "Members", "Shared:", "Sub-scores:", "Analysts' decisions",
    "Alerts of this run", "risk changed", "high → low", "alert:", "dismissed ring",
    "shared with blacklisted", "flagged via", "Borders:", "new since the previous run",
    "banned", "suspended", "blacklisted", "cleared", "hub", "shop", "host", "account",
    "payment account", "device", "showing", "members", "schema", "score", "confirmed as",
    "(a decision", "Hover", "captioned", "coordination", "exclusivity", "multiplicity",
    "inside the block", "burst", "youth", "ban evasion", "behaviour", "sanctions",
    "known fraud", "cleared share", "label balance", "proximity", "block's other users",
    "host collusion", "embedding", "declared organisation", "joined since",
    "What changed", "unchanged", "grown", "Triage", "strongest reason",
)


def test_the_chinese_page_has_no_english_only_string() -> None:
    report = _report()
    big = _ring("R-3", "high", MAX_CAPTIONED + 30, features={"proximity": 0.2})
    html = render_html(replace(report, rings=(*report.rings, big)))
    seen = _chinese_view(html)
    left = [en for en in ENGLISH if re.search(rf"(?<![\w-]){re.escape(en)}(?![\w-])", seen)]
    assert not left, left
    for title in re.findall(r"<g[^>]*><title>(.*?)</title>", html, flags=re.S):
        assert re.search(r"[\u4e00-\u9fff]", title.split("\n")[1]), title  # a Chinese line
    for option in re.findall(r"<option[^>]*>(.*?)</option>", html):
        assert re.search(r"[\u4e00-\u9fff]", option), option  # "high / 高"


def test_every_sub_score_of_every_unit_has_words_in_both_languages() -> None:
    for unit in REGISTRY:
        for name, (en, zh) in unit.subscores.items():
            assert en and re.search(r"[\u4e00-\u9fff]", zh), (unit.name, name)
    assert {"coordination", "proximity", "known_fraud", "inside"} <= set(SUBSCORE_WORDS)


def test_pictures_draw_the_palette_marks_and_captions_with_a_legend() -> None:
    html = render_html(_report())
    section = html[html.index('<section class="ring" id="R-1"'):].split("</section>")[0]
    picture = section[section.index("<svg"):].split("</svg>")[0]
    assert f'fill="{palette.KINDS["merchant"].fill}"' in picture
    assert f'fill="{palette.HUB.fill}"' in picture  # the aggregator, a hub
    assert f'stroke="{palette.EDGE}"' in picture
    banned, cleared = palette.MARKS["blacklisted"], palette.MARKS["cleared"]
    assert f'stroke="{banned.colour}" stroke-width="{banned.width}"' in picture
    assert f'stroke="{cleared.colour}" stroke-width="{cleared.width}"' in picture
    suspended, new = palette.MARKS["suspended"], palette.MARKS["new"]
    assert f'stroke="{suspended.colour}"' in picture and f'stroke="{new.colour}"' in picture
    # captions: names, escaped, cut short; the tooltip has the whole name
    captions = re.findall(r"<text [^>]*>(.*?)</text>", picture)
    assert "&lt;script&gt;ale…" in captions and HOSTILE not in html
    assert "主播小王的店铺名字很长…" in captions and "主播小王的店铺名字很长很长" in picture
    legend = section[section.index('class="legend'):]
    for words in ("blacklisted", "黑名单", "banned", "已封禁", "suspended", "已暂停",
                  "cleared", "new since the previous run", "较上次新加入", "枢纽"):
        assert words in legend
    big = _ring("R-3", "high", MAX_CAPTIONED + 1)
    page = render_html(replace(_report(), rings=(big,), changes=None, alerts=None))
    assert "<text " not in page.split('id="R-3"')[1]  # a large ring: tooltips only
    assert 'width="600"' in page and "max-width: 600px" in page  # larger than before


def test_the_browser_style_and_neo4j_start_use_the_palette(tmp_path: Path,
                                                            monkeypatch: object) -> None:
    from click.testing import CliRunner

    from graphfraud.cli import cli
    from graphfraud.server.browser_style import grass

    text = grass()
    assert f"node.Merchant {{\n  color: {palette.KINDS['merchant'].fill};" in text
    assert f"node.Streamer {{\n  color: {palette.KINDS['streamer'].fill};" in text
    assert f"node.Ring.HighRisk {{\n  color: {palette.RISKS['high'].fill};" in text
    assert f"node.Ring.LowRisk {{\n  color: {palette.RISKS['low'].fill};" in text
    html = render_html(_report())
    assert f".risk-high {{ color: {palette.RISKS['high'].text}; background: " \
        f"{palette.RISKS['high'].fill};" in html
    assert set(palette.as_dict()) == {"kinds", "risks", "marks", "hub", "edge"}

    from graphfraud.server import local

    class Status:
        running, pid, version, bolt_uri = True, 1, "5.26", "bolt://127.0.0.1:7687"
        http_url, home = "http://127.0.0.1:7474", str(tmp_path)

    monkeypatch.setattr(local.LocalServer, "check_settings", lambda self: None)  # type: ignore[attr-defined]
    def start(self: object, *, timeout: float = 180, say: object = None) -> Status:
        return Status()

    monkeypatch.setattr(local.LocalServer, "start", start)  # type: ignore[attr-defined]
    result = CliRunner().invoke(cli, ["neo4j", "start", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "graphfraud neo4j style > graphfraud.grass" in result.stdout
