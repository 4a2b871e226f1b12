"""report.html: one self-contained page (inline CSS and SVG, no network) for analysts."""

from __future__ import annotations

import functools
import math
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, Template, select_autoescape
from markupsafe import Markup

from graphfraud import palette
from graphfraud.model import Pattern, Risk
from graphfraud.report.context import MAX_HUBS
from graphfraud.score.evidence import DECISIONS, render_or_none
from graphfraud.score.rings import USAGE_IDENTIFIERS, USAGE_MEMBERS
from graphfraud.score.signals import REGISTRY

if TYPE_CHECKING:
    from graphfraud.report.run import RunReport
    from graphfraud.score.diff import Changes
    from graphfraud.score.rings import Ring

#: Rings shown with a section of their own (all high ones first, then medium).
MAX_SECTIONS = 200
#: Members and identifiers drawn per ring picture (the highest-scored members, the most
#: shared identifiers): a picture of a 500-shop farm is as cheap as one of five. A ring
#: keeps the uses among these for its picture (``Ring.usage``).
MAX_DRAWN_MEMBERS = USAGE_MEMBERS
MAX_DRAWN_IDENTIFIERS = USAGE_IDENTIFIERS
#: The picture's side in px (it shrinks to the page's width).
SIZE = 600
#: Rings of at most this many members have their members' names written beside them.
MAX_CAPTIONED = 40
#: Characters of a caption (a longer name is cut, with "…"; the tooltip has it whole).
CAPTION_CHARS = 12
#: Rings without a section of their own (low ones, and any beyond MAX_SECTIONS) that get
#: a compact, folded detail (members and evidence); all of them are in the triage table.
MAX_COMPACT = 2000
#: Members listed per ring in a section or a compact detail (all are in rings.csv).
MAX_LISTED_MEMBERS = 40
#: What a ring did since the previous run, most telling first (:func:`ring_changes`
#: also gives ``risk``: the same members, another risk).
CHANGE_KINDS = ("new", "changed", "grown", "shrunk", "merged", "unchanged")
#: Risk levels and patterns in Chinese (the English is their value, ``_`` read as a space).
RISK_ZH = {Risk.HIGH: "高", Risk.MEDIUM: "中", Risk.LOW: "低"}
PATTERN_ZH = {Pattern.DEVICE_FARM: "设备农场", Pattern.SHARED_SETTLEMENT: "共用结算账户",
              Pattern.BAN_EVASION: "封禁后换号", Pattern.HOST_COLLUSION: "主播合谋",
              Pattern.MIXED: "混合", Pattern.ORGANIZATION: "已登记组织"}
#: The same, by the risk's text.
RISK_WORDS_ZH = {str(risk): zh for risk, zh in RISK_ZH.items()}
#: How the triage table sorts the risk column (high last ascending, first descending).
RISK_ORDER = {Risk.HIGH: 3, Risk.MEDIUM: 2, Risk.LOW: 1}
#: The risks that get a section of their own (and every ring a batch run alerted on).
SECTION_RISKS = (Risk.HIGH, Risk.MEDIUM)
#: Entity kinds in both languages.
KIND_WORDS = {"merchant": ("merchant", "商家"), "streamer": ("streamer", "主播"),
              "device": ("device", "设备"), "payment_account": ("payment account", "支付账户")}
#: A member's marks, in the order they are drawn (the first is the node's border, a
#: second an outer ring), in both languages; their look is :data:`palette.MARKS`.
MARK_WORDS = {"blacklisted": ("blacklisted", "黑名单"), "cleared": ("cleared", "已排除"),
              "banned": ("banned", "已封禁"), "suspended": ("suspended", "已暂停"),
              "new": ("new since the previous run", "较上次新加入")}
#: Each unit's sub-scores in both languages (the "sub-scores" line).
SUBSCORE_WORDS = {name: words for unit in REGISTRY for name, words in unit.subscores.items()}


def _positions(ring: Ring) -> tuple[list[str], list[str], list[tuple[str, str]],
                                     dict[str, tuple[float, float]]]:
    """The drawn identifiers, members (in drawing order) and uses, and where each sits.

    Shared identifiers sit on an inner circle; members on an outer circle, each at the
    angle of the identifiers it uses (so a cell of shops sits beside its phones)."""
    members = [f"{m.type}:{m.id}" for m in ring.members[:MAX_DRAWN_MEMBERS]]
    idents = [f"{s.type}:{s.id}" for s in ring.shared[:MAX_DRAWN_IDENTIFIERS]]
    drawn_m, drawn_i = set(members), {k: i for i, k in enumerate(idents)}
    edges = [(a, b) for a, b in ring.usage if a in drawn_m and b in drawn_i]
    centre = SIZE / 2
    inner, outer = SIZE * 0.17, SIZE / 2 - 90  # room outside for the captions
    pos: dict[str, tuple[float, float]] = {}
    for i, key in enumerate(idents):
        angle = 2 * math.pi * i / max(len(idents), 1)
        pos[key] = (centre + inner * math.cos(angle), centre + inner * math.sin(angle))
    used: dict[str, list[int]] = {}
    for a, b in edges:
        used.setdefault(a, []).append(drawn_i[b])
    # Members ordered by the mean position of their identifiers, then spread evenly.
    order = sorted(members, key=lambda m: (sum(used.get(m, [len(idents)]))
                                           / len(used.get(m, [1])), m))
    for i, key in enumerate(order):
        angle = 2 * math.pi * (i + 0.5) / max(len(order), 1)
        pos[key] = (centre + outer * math.cos(angle), centre + outer * math.sin(angle))
    rounded = {k: (round(x, 1), round(y, 1)) for k, (x, y) in pos.items()}
    return idents, order, edges, rounded


def member_marks(info: dict[str, str], new: bool) -> list[str]:
    """A member's marks (keys of :data:`MARK_WORDS`), in drawing order."""
    marks = []
    if info.get("verdict") in ("fraud", "legit"):
        marks.append("blacklisted" if info["verdict"] == "fraud" else "cleared")
    if info.get("status") in ("banned", "suspended"):
        marks.append(info["status"])
    if new:
        marks.append("new")
    return marks


def _member_tip(kind: str, ident: str, info: dict[str, str], marks: list[str]) -> str:
    """A member's tooltip: an English line and a Chinese one (plain text, escaped where
    the page writes it)."""
    en_kind, zh_kind = KIND_WORDS.get(kind, (kind, kind))
    en, zh = [f"{en_kind} {ident}"], [f"{zh_kind} {ident}"]
    for value in (info.get("name"), info.get("registered")):
        if value:
            en.append(value)
            zh.append(value)
    for mark in marks:
        en.append(MARK_WORDS[mark][0])
        zh.append(MARK_WORDS[mark][1])
    if info.get("source"):
        en.append(f"source {info['source']}")
        zh.append(f"来源 {info['source']}")
    if info.get("via"):
        way, where = _via_words(info)
        en.append(way)
        zh.append(where)
    return " · ".join(en) + "\n" + " · ".join(zh)


def _via_words(info: dict[str, str]) -> tuple[str, str]:
    """What ties a member to the blacklist, in both languages (for a tooltip)."""
    kind, _, ident = info["via"].partition(":")
    en_kind, zh_kind = KIND_WORDS.get(kind, (kind, kind))
    if not info.get("via_actor"):
        return f"uses blacklisted {en_kind} {ident}", f"使用黑名单中的{zh_kind} {ident}"
    who, _, other = info["via_actor"].partition(":")
    en_who, zh_who = KIND_WORDS.get(who, (who, who))
    name = f" {info['via_name']}" if info.get("via_name") else ""
    return (f"shares {en_kind} {ident} with blacklisted {en_who} {other}{name}",
            f"与黑名单{zh_who} {other}{name} 共用{zh_kind} {ident}")


def _caption(ident: str, info: dict[str, str]) -> str:
    text = info.get("name") or ident
    return text if len(text) <= CAPTION_CHARS else text[:CAPTION_CHARS - 1] + "…"


def _member_node(key: str, at: tuple[float, float], info: dict[str, str], new: bool,
                 captioned: bool) -> dict[str, Any]:
    kind, _, ident = key.partition(":")
    marks = member_marks(info, new)
    swatch = palette.KINDS.get(kind, palette.KINDS["merchant"])
    node: dict[str, Any] = {
        "kind": kind, "id": ident, "x": at[0], "y": at[1], "r": 8, "fill": swatch.fill,
        "stroke": swatch.border, "width": 1, "dash": "", "outer": None,
        "cls": " ".join(f"node-{MARK_CLASS[m]}" for m in marks),
        "tip": _member_tip(kind, ident, info, marks), "caption": "",
    }
    if marks:
        mark = palette.MARKS[marks[0]]
        node.update(stroke=mark.colour, width=mark.width, dash="4 2" if mark.dashed else "")
    if len(marks) > 1:
        mark = palette.MARKS[marks[1]]
        node["outer"] = {"stroke": mark.colour, "width": mark.width,
                         "dash": "4 2" if mark.dashed else "", "r": 8 + mark.width + 3}
    if captioned:
        dx = at[0] - SIZE / 2
        anchor = "start" if dx > 8 else "end" if dx < -8 else "middle"
        shift = 14 if anchor == "start" else -14 if anchor == "end" else 0
        node.update(caption=_caption(ident, info), tx=round(at[0] + shift, 1),
                    ty=round(at[1] + (4 if anchor != "middle" else
                                      (22 if at[1] > SIZE / 2 else -14)), 1), anchor=anchor)
    return node


def _identifier_node(key: str, at: tuple[float, float], users: int,
                     hub: str) -> dict[str, Any]:
    kind, _, ident = key.partition(":")
    swatch = palette.HUB if hub else palette.KINDS.get(kind, palette.KINDS["device"])
    en_kind, zh_kind = KIND_WORDS.get(kind, (kind, kind))
    tip = f"{en_kind} {ident} · used by {users} members"
    tip_zh = f"{zh_kind} {ident} · {users} 名成员共用"
    if hub:
        tip += f" · a hub ({hub})"
        tip_zh += f" · 枢纽（{HUB_ACTION_ZH.get(hub, hub)}）"
    return {"kind": kind, "id": ident, "x": at[0], "y": at[1], "fill": swatch.fill,
            "stroke": swatch.border, "hub": bool(hub), "tip": f"{tip}\n{tip_zh}"}


#: A member's marks as the classes of its node in the picture.
MARK_CLASS = {"blacklisted": "fraud", "cleared": "legit", "banned": "banned",
              "suspended": "suspended", "new": "new"}
#: What the scan did with a hub, in Chinese.
HUB_ACTION_ZH = {"dropped": "已忽略", "down-weighted": "已降权"}


def _layout(ring: Ring, actors: dict[str, dict[str, str]] | None = None,
            joined: set[str] | frozenset[str] = frozenset(),
            hubs: dict[str, str] | None = None) -> dict[str, Any]:
    """A bounded picture of a ring, in time linear in what is drawn: its members with
    their marks (borders as :data:`palette.MARKS` draws them) and, in a ring of at most
    :data:`MAX_CAPTIONED` members, their names; the identifiers they share (hubs, by
    ``hubs``: ``type:id`` -> action, as :data:`palette.HUB`). Only drawn members and
    identifiers are placed, whatever the ring's size; ``note`` says what was left out."""
    actors, hubs = actors or {}, hubs or {}
    idents, order, edges, pos = _positions(ring)
    users = {f"{s.type}:{s.id}": s.members for s in ring.shared[:MAX_DRAWN_IDENTIFIERS]}
    captioned = len(ring.members) <= MAX_CAPTIONED
    nodes = [_identifier_node(key, pos[key], users[key], hubs.get(key, ""))
             for key in idents]
    nodes += [_member_node(key, pos[key], actors.get(key, {}), key in joined, captioned)
              for key in order]
    # The edges as one piece of SVG (numbers only, nothing to escape): a picture of a
    # dense ring has thousands, each a template loop turn otherwise.
    lines = Markup("".join(
        f'<line x1="{pos[a][0]}" y1="{pos[a][1]}" x2="{pos[b][0]}" y2="{pos[b][1]}"/>'
        for a, b in edges))
    en, zh = [], []
    if len(ring.members) > len(order):
        en.append(f"{len(order)} of {len(ring.members)} members")
        zh.append(f"{len(ring.members)} 名成员中的 {len(order)} 名")
    if len(ring.shared) > len(idents):
        en.append(f"{len(idents)} of {len(ring.shared)} shared identifiers")
        zh.append(f"{len(ring.shared)} 个共用标识中的 {len(idents)} 个")
    note = (f"showing {' and '.join(en)}", f"图中显示{'和'.join(zh)}") if en else None
    return {"nodes": nodes, "lines": lines, "size": SIZE, "note": note,
            "edge": palette.EDGE, "captioned": captioned}


def ring_changes(changes: Changes | None) -> dict[str, str]:
    """What each ring did since the previous run, by ring id (one of
    :data:`CHANGE_KINDS`, the most telling when several apply); empty without a
    previous run."""
    if changes is None:
        return {}
    kinds: dict[str, str] = {}
    for kind in reversed(CHANGE_KINDS):  # the most telling written last, so it stands
        ids = getattr(changes, kind)
        kinds.update(dict.fromkeys(ids, kind))
    for ring_id in changes.risk:  # the same members, another risk: a change all the same
        if kinds.get(ring_id, "unchanged") == "unchanged":
            kinds[ring_id] = "risk"
    return kinds


#: A ring id as the scan makes them (``R-`` and hex digits, ``-2`` … when two rings
#: would share one): the only text put into a Browser query (a rings.json read back
#: might hold anything).
_RING_ID = re.compile(r"R-[0-9a-f]{6,32}(-[0-9]{1,6})?")


def browser_link(report: RunReport, ring_id: str) -> str:
    """A Neo4j Browser address that opens a query drawing the ring (its members and the
    phones and accounts they share) in the editor; "" without a Browser address or for
    an id the scan would not make."""
    if not report.browser or not _RING_ID.fullmatch(ring_id):
        return ""
    url, database = report.browser
    query = (f"MATCH (r:Ring {{ring_id: '{ring_id}'}})-[:HAS_MEMBER]->(m)\n"
             "OPTIONAL MATCH (m)-[u:LOGGED_IN_FROM|PAID_VIA]->(x)<-[:SHARES]-(r)\n"
             "RETURN r, m, u, x")
    return f"{url}?{urlencode({'db': database, 'cmd': 'edit', 'arg': query})}"


def _triage(report: RunReport, kinds: dict[str, str], with_section: set[str],
            with_compact: set[str]) -> list[dict[str, Any]]:
    """One row per ring, every risk, for the sortable triage table."""
    return [{"ring": r, "change": kinds.get(r.ring_id, ""),
             "anchor": r.ring_id in with_section or r.ring_id in with_compact,
             "reason": strongest(r)}
            for r in report.rings]


def split_evidence(ring: Ring) -> tuple[list[int], list[int]]:
    """The indices of a ring's evidence lines, and apart those that record analysts'
    decisions (:data:`graphfraud.score.evidence.DECISIONS`): a decision is shown apart
    and is never a ring's strongest reason."""
    if len(ring.reasons) != len(ring.evidence):  # schema 1: lines without codes
        return list(range(len(ring.evidence))), []
    decided = [i for i, r in enumerate(ring.reasons) if r.code in DECISIONS]
    return [i for i in range(len(ring.evidence)) if i not in decided], decided


def strongest(ring: Ring) -> int | None:
    """The index of a ring's strongest reason (its first line of evidence, not a
    decision); None when it has none."""
    lines, _ = split_evidence(ring)
    return lines[0] if lines else None


def alert_words(report: RunReport, ring_id: str) -> tuple[str, str] | None:
    """Why the batch alerted on a ring: alerts.json's reason, and the same in Chinese
    (from the ring's decision and changes, as :mod:`graphfraud.batch.alerts` decides
    it); None for a ring without an alert."""
    alert = (report.alerts or {}).get(ring_id)
    if alert is None:
        return None
    n = int(alert.get("new_members", 0))
    decision = ((report.decisions or {}).get(ring_id) or {}).get("decision")
    changes = report.changes
    if decision == "dismiss":
        zh = f"已排除的团伙发生实质变化：排除后新加入 {n} 名成员"
    elif decision == "confirm":
        zh = f"已确认的团伙有 {n} 名新成员"
    elif changes is None or ring_id in changes.new:
        zh = "新团伙"
    elif n:
        zh = f"团伙扩大：新加入 {n} 名成员"
    else:
        before = changes.risk.get(ring_id, ("", ""))[0]
        zh = f"风险从{RISK_WORDS_ZH.get(before, before)}升至{RISK_ZH[Risk.HIGH]}"
    return str(alert.get("reason", "")), zh


def palette_css() -> Markup:
    """report.html's colours from :mod:`graphfraud.palette`: risk badges, mark badges,
    the legend's swatches and the pictures' edges (the Browser style and the case pages
    take theirs from it too)."""
    rules = [f".risk-{k} {{ color: {s.text}; background: {s.fill}; border-radius: 4px; "
             "padding: 1px 6px; }" for k, s in palette.RISKS.items()]
    for mark, cls in MARK_CLASS.items():
        m = palette.MARKS[mark]
        rules.append(f".mark-{cls} {{ color: #fff; background: {m.colour}; }}")
        rules.append(f".mk-{cls} {{ border: {m.width}px {'dashed' if m.dashed else 'solid'} "
                     f"{m.colour}; }}")
    rules += [f".sw-{k} {{ background: {s.fill}; border: 1px solid {s.border}; }}"
              for k, s in palette.KINDS.items()]
    rules.append(f".sw-hub {{ background: {palette.HUB.fill}; "
                 f"border: 1px solid {palette.HUB.border}; }}")
    return Markup("\n ".join(rules))


def _changed_rings(report: RunReport) -> dict[str, list[str]]:
    """Ring ids by what they did since the previous run (empty lists left out)."""
    changes = report.changes
    if changes is None:
        return {}
    lists = {"new": list(changes.new), "changed": list(changes.changed),
             "grown": list(changes.grown), "shrunk": list(changes.shrunk),
             "merged": list(changes.merged), "risk": list(changes.risk),
             "gone": list(changes.gone)}
    return {kind: ids for kind, ids in lists.items() if ids}


#: Sentences that units of the registry bring themselves (beside the table's).
UNIT_SENTENCES = {code: sentence for unit in REGISTRY
                  for code, sentence in unit.sentences.items()}


def evidence_zh(ring: Ring, i: int) -> str | None:
    """The Chinese of a ring's ``i``-th evidence line, from its reason; None for a ring
    read from a rings.json without reasons (schema 1) or a reason this version has no
    words for: the page shows the English."""
    if len(ring.reasons) != len(ring.evidence):
        return None
    return render_or_none(ring.reasons[i], "zh", UNIT_SENTENCES)


def render_html(report: RunReport) -> str:
    """The page for one run: a triage table of every ring, then pictures for the rings
    that get a section (high and medium ones, and every ring a batch run alerted on)
    and a folded detail for the others.

    A redacted report (:meth:`graphfraud.report.redact.Redactor.run_report`) is shown
    as it is: pseudonyms in the tables and the pictures alike. Names come from
    ``report.actors`` and are escaped like every other value.
    """
    actors = report.actors or {}
    kinds = ring_changes(report.changes)
    alerted = set(report.alerts or {})
    shown = [r for r in report.rings if r.ring_id in alerted]
    shown += [r for r in report.rings if r.risk in SECTION_RISKS
              and r.ring_id not in alerted][:max(0, MAX_SECTIONS - len(shown))]
    order = {r.ring_id: i for i, r in enumerate(report.rings)}
    shown.sort(key=lambda r: order[r.ring_id])
    in_section = {r.ring_id for r in shown}
    hub_actions = {f"{h.type}:{h.id}": h.action for h in report.hubs}
    rest = [r for r in report.rings if r.ring_id not in in_section]
    in_compact = {ring.ring_id for ring in rest[:MAX_COMPACT]}
    page = Page(report)
    triage = _triage(report, kinds, in_section, in_compact)
    return _template().render(
        report=report, sections=[_section(report, ring, kinds, hub_actions)
                                 for ring in shown],
        compact=page.compact(rest[:MAX_COMPACT], kinds),
        compact_left=max(0, len(rest) - MAX_COMPACT), actors=actors,
        triage_rows=page.triage_rows(triage), patterns=sorted({str(r.pattern)
                                                               for r in report.rings}),
        changed_rings=_changed_rings(report), anchored=in_section | in_compact,
        low=sum(r.risk == Risk.LOW for r in report.rings), RISKS=tuple(Risk),
        HIGH=Risk.HIGH, MEDIUM=Risk.MEDIUM, RISK_ZH=RISK_ZH, PATTERN_ZH=PATTERN_ZH,
        KIND_WORDS=KIND_WORDS, MARK_WORDS=MARK_WORDS, TYPE_ZH=TYPE_ZH,
        MARK_CLASS=MARK_CLASS, SUBSCORE_WORDS=SUBSCORE_WORDS, palette_css=palette_css(),
        picture_size=SIZE, hubs=report.hubs[:MAX_HUBS], hub_total=len(report.hubs),
        risk_moves=page.risk_moves, alerts=report.alerts,
        browser_link=lambda ring_id: browser_link(report, ring_id),
        hub_info=report.hub_info or {}, has_orders=page.has_orders, has_gmv=page.has_gmv,
        t=t, risk=risk_badge, pattern=pattern_words, change=change_badge, moved=page.moved,
        decided=page.decided, alerted=page.alerted, evidence_list=evidence_list,
        member_table=member_table, node=picture_node)


@functools.cache
def _template() -> Template:
    """report.html's template, compiled once per process (a batch writes many pages)."""
    env = Environment(loader=PackageLoader("graphfraud.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("report.html.j2")


#: Entity kinds in Chinese (the table cells' words; :data:`KIND_WORDS` for sentences).
TYPE_ZH = {"merchant": "商家", "streamer": "主播", "device": "设备",
           "payment_account": "支付账户"}
#: What a ring did since the previous run, as its badge says it in Chinese.
CHANGE_ZH = {"new": "新增", "changed": "成员变动", "grown": "扩大", "shrunk": "缩小",
             "merged": "合并", "unchanged": "未变", "gone": "已消失", "risk": "风险变化"}
#: How the triage table sorts the "since last run" column (most telling highest).
CHANGE_ORDER = {"new": 7, "changed": 6, "grown": 5, "risk": 4, "shrunk": 3, "merged": 2,
                "unchanged": 1}


# -- the page's repeated pieces -----------------------------------------------------------
#
# Written here rather than as template macros: the triage table has a row per ring and
# the member tables a row per listed member (tens of thousands at a million merchants),
# and a macro call costs several times a function call. Each piece escapes every value
# it writes (markupsafe's escape, as the template's autoescape does); the helpers return
# that HTML as text, and what the template is handed is Markup.

def _esc(value: Any) -> str:
    """markupsafe's ``escape`` as text: the same five characters replaced (as its
    pure-Python form does), without making a Markup of every value; a value that is
    HTML already (``__html__``) is kept as it is."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    text = str(value)
    if not _SPECIAL.search(text):  # most values (ids, numbers): nothing to replace
        return text
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


#: The characters :func:`_esc` replaces.
_SPECIAL = re.compile("[&<>'\"]")


def _t(en: Any, zh: Any) -> str:
    return (f'<span class="l-en">{_esc(en)}</span>'
            f'<span class="l-zh" lang="zh">{_esc(zh)}</span>')


def t(en: Any, zh: Any) -> Markup:
    """A string in both languages; the page's CSS shows one (the template's ``t``)."""
    return Markup(_t(en, zh))


@functools.cache
def _risk(risk: Any) -> str:
    return f'<span class="risk-{_esc(risk)}">{_t(risk, RISK_ZH.get(risk, risk))}</span>'


def risk_badge(risk: Any) -> Markup:
    return Markup(_risk(risk))


@functools.cache
def _pattern(pattern: Any) -> str:
    return _t(str(pattern).replace("_", " "), PATTERN_ZH.get(pattern, pattern))


def pattern_words(pattern: Any) -> Markup:
    return Markup(_pattern(pattern))


@functools.cache
def _change(change: str) -> str:
    if not change or change == "risk":  # a risk change has its own badge (Page.moved)
        return ""
    words = _t(change, CHANGE_ZH.get(change, change))
    return f'<span class="chg chg-{_esc(change)}">{words}</span>'


def change_badge(change: str) -> Markup:
    """What a ring did since the previous run, as a badge."""
    return Markup(_change(change))


@functools.cache
def _kind(kind: str) -> str:
    return _t(KIND_WORDS.get(kind, (kind, kind))[0], TYPE_ZH.get(kind, kind))


@functools.cache
def _type_cell(kind: str) -> str:
    return _t(kind, TYPE_ZH.get(kind, kind))


def _evidence_line(ring: Ring, i: int) -> str:
    """A ring's ``i``-th evidence line, in Chinese too where this version has the words."""
    zh = evidence_zh(ring, i)
    return _t(ring.evidence[i], zh) if zh else _esc(ring.evidence[i])


_DECISIONS = _t("Analysts' decisions", "分析员处置")


def _evidence_list(ring: Ring) -> str:
    lines, decided = split_evidence(ring)
    html = '<ul class="evidence">' + "".join(
        f"<li>{_evidence_line(ring, i)}</li>" for i in lines) + "</ul>"
    if decided:
        html += (f'<p class="decisions"><b>{_DECISIONS}</b></p><ul class="evidence decisions">'
                 + "".join(f"<li>{_evidence_line(ring, i)}</li>" for i in decided) + "</ul>")
    return html


def evidence_list(ring: Ring) -> Markup:
    """A ring's evidence lines, and apart its analysts' decisions."""
    return Markup(_evidence_list(ring))


#: A member's standing label and status as the member table marks them.
_VERDICT_MARKS = {"fraud": ("fraud", _t("blacklisted", "黑名单")),
                  "legit": ("legit", _t("cleared", "已排除"))}
_STATUS_MARKS = {"banned": _t("banned", "已封禁"), "suspended": _t("suspended", "已暂停")}
_NEW_MARK = f'<span class="mark mark-new">{_t("new", "新成员")}</span>'


def _marks(info: dict[str, str], new: bool) -> str:
    """A listed member's marks: its standing label (and who gave it), its status, new."""
    html = ""
    verdict = _VERDICT_MARKS.get(info.get("verdict", ""))
    if verdict is not None:
        source = _esc(info["source"]) if info.get("source") else ""
        title = f' title="{source}"' if source else ""
        html += f'<span class="mark mark-{verdict[0]}"{title}>{verdict[1]}</span>'
        html += f' <span class="small">{source}</span> ' if source else " "
    status = _STATUS_MARKS.get(info.get("status", ""))
    if status is not None:
        html += f'<span class="mark mark-{info["status"]}">{status}</span> '
    return html + _NEW_MARK if new else html


_BLACKLISTED = _t("is blacklisted", "在黑名单中")
_SHARED_WITH = _t("shared with blacklisted", "与黑名单共用：")


def _via(info: dict[str, str]) -> str:
    """What ties a listed member to the blacklist ("" when nothing does)."""
    if not info.get("via"):
        return ""
    kind, _, ident = info["via"].partition(":")
    html = f"{_kind(kind)} <code>{_esc(ident)}</code>"
    if not info.get("via_actor"):
        return f"{html} {_BLACKLISTED}"
    who, _, other = info["via_actor"].partition(":")
    name = f' <span class="name">{_esc(info["via_name"])}</span>' \
        if info.get("via_name") else ""
    return f"{html} {_SHARED_WITH} {_kind(who)}{name} <code>{_esc(other)}</code>"


_MEMBER_HEAD = (
    f'<table class="members"><tr><th>{_t("type", "类型")}</th><th>id</th>'
    f'<th>{_t("name", "名称")}</th><th>{_t("registered", "注册日期")}</th>'
    f'<th>{_t("marks", "标记")}</th><th>{_t("flagged via", "关联黑名单的途径")}</th>'
    f'<th>{_t("score", "分数")}</th></tr>\n')


def _member_table(ring: Ring, actors: dict[str, dict[str, str]],
                  joined: set[str] | frozenset[str]) -> str:
    html = [_MEMBER_HEAD]
    listed = ring.members[:MAX_LISTED_MEMBERS]
    for m in listed:
        key = f"{m.type}:{m.id}"
        info = actors.get(key, {})
        fraud = " is-fraud" if info.get("verdict") == "fraud" else ""
        html.append(
            f'<tr class="member{fraud}"><td>{_type_cell(m.type)}</td><td><code>'
            f'{_esc(m.id)}</code></td><td class="name">{_esc(info.get("name", ""))}</td>'
            f'<td>{_esc(info.get("registered", ""))}</td><td>{_marks(info, key in joined)}'
            f'</td><td class="via">{_via(info)}</td><td>{m.score:.2f}</td></tr>\n')
    html.append("</table>\n")
    more = len(ring.members) - len(listed)
    if more > 0:
        words = _t(f"… and {more} more in rings.csv", f"… 另有 {more} 个成员，见 rings.csv")
        html.append(f'<p class="small">{words}</p>')
    return "".join(html)


def member_table(ring: Ring, actors: dict[str, dict[str, str]],
                 joined: set[str] | frozenset[str]) -> Markup:
    """The table of a ring's first :data:`MAX_LISTED_MEMBERS` members with the export's
    facts about them (``actors``: name, registration, standing label and its source,
    status, flagged via) and whether they are new (``joined``), and how many more
    rings.csv lists."""
    return Markup(_member_table(ring, actors, joined))


def picture_node(n: dict[str, Any]) -> Markup:
    """One node of a ring's picture (:func:`_layout`) as SVG: a square device, a
    diamond account, a round member with its marks' borders and caption."""
    cls = f' class="{_esc(n["cls"])}"' if n.get("cls") else ""
    html = f'<g{cls}><title>{_esc(n["tip"])}</title>'
    x, y, paint = n["x"], n["y"], f'fill="{_esc(n["fill"])}" stroke="{_esc(n["stroke"])}"'
    if n["kind"] == "device":
        html += f'<rect x="{x - 6}" y="{y - 6}" width="12" height="12" {paint}/>'
    elif n["kind"] == "payment_account":
        html += (f'<polygon points="{x},{y - 8} {x + 8},{y} {x},{y + 8} {x - 8},{y}" '
                 f"{paint}/>")
    else:
        html += _circle(x, y, n["r"], paint, n["width"], n.get("dash"))
        outer = n.get("outer")
        if outer:
            html += _circle(x, y, outer["r"], f'fill="none" stroke="{_esc(outer["stroke"])}"',
                            outer["width"], outer.get("dash"))
        if n.get("caption"):
            html += (f'<text x="{n["tx"]}" y="{n["ty"]}" text-anchor="{_esc(n["anchor"])}">'
                     f'{_esc(n["caption"])}</text>')
    return Markup(html + "</g>")


def _circle(x: float, y: float, r: float, paint: str, width: Any, dash: str | None) -> str:
    dashed = f' stroke-dasharray="{_esc(dash)}"' if dash else ""
    return (f'<circle cx="{x}" cy="{y}" r="{r}" {paint} stroke-width="{_esc(width)}"'
            f"{dashed}/>")


class Page:
    """The pieces of one run's page that depend on the run: its rings' risk moves,
    analysts' decisions, alerts and exposure; the triage table's rows and the folded
    details of the rings without a section, each written as one piece."""

    def __init__(self, report: RunReport):
        self.report = report
        self.actors = report.actors or {}
        self.decisions = report.decisions or {}
        self.risk_moves = report.changes.risk if report.changes else {}
        self.exposure = report.exposure or {}
        self.has_orders = any("orders" in e for e in self.exposure.values())
        self.has_gmv = any("gmv" in e for e in self.exposure.values())

    def moved(self, ring_id: str) -> Markup:
        """A risk that changed since the previous run, as a change ("high → low")."""
        return Markup(self._moved(ring_id))

    def _moved(self, ring_id: str) -> str:
        m = self.risk_moves.get(ring_id)
        if not m:
            return ""
        words = _t(f"{m[0]} → {m[1]}",
                   f"{RISK_WORDS_ZH.get(m[0], m[0])} → {RISK_WORDS_ZH.get(m[1], m[1])}")
        return f'<span class="chg chg-risk">{words}</span>'

    def decided(self, ring_id: str) -> Markup:
        """An analyst's decision about the ring, as a badge."""
        return Markup(self._decided(ring_id))

    def _decided(self, ring_id: str) -> str:
        d = self.decisions.get(ring_id)
        if not d:
            return ""
        decision = d.get("decision", "")
        words = _t("dismissed by an analyst", "分析员已排除") if decision == "dismiss" else \
            _t("confirmed by an analyst", "分析员已确认")
        return (f'<span class="verdict-{_esc(decision)}" title="{_esc(d.get("at", ""))}">'
                f"{words}</span>")

    def alerted(self, ring_id: str) -> Markup:
        """Why a batch run alerted on the ring (alerts.json's reason), as a badge."""
        return Markup(self._alerted(ring_id))

    def _alerted(self, ring_id: str) -> str:
        if not self.report.alerts:
            return ""
        words = alert_words(self.report, ring_id)
        if not words:
            return ""
        return f'<span class="chg chg-alert">{_t("alert: " + words[0], "告警：" + words[1])}</span>'

    def triage_rows(self, rows: list[dict[str, Any]]) -> Markup:
        """The triage table's rows, one per ring (``rows``: :func:`_triage`)."""
        return Markup("".join([self._triage_row(row) for row in rows]))

    def _triage_row(self, row: dict[str, Any]) -> str:
        r, change, alerts = row["ring"], row["change"], self.report.alerts
        ring_id = _esc(r.ring_id)
        dec = (self.decisions.get(r.ring_id) or {}).get("decision", "")
        code = f"<code>{ring_id}</code>"
        if row["anchor"]:
            code = f'<a href="#{ring_id}">{code}</a>'
        html = (f'<tr data-risk="{_esc(r.risk)}" data-pattern="{_esc(r.pattern)}" '
                f'data-change="{_esc(change)}" data-verdict="{_esc(dec or "none")}" '
                f'data-alert="{"yes" if alerts and r.ring_id in alerts else "no"}">'
                f'<td data-v="{ring_id}">{code} {self._alerted(r.ring_id)}</td>'
                f'<td data-v="{RISK_ORDER.get(r.risk, 0)}">{_risk(r.risk)}</td>'
                f'<td data-v="{r.score}">{r.score:.2f}</td>'
                f'<td data-v="{_esc(r.pattern)}">{_pattern(r.pattern)}</td>'
                f'<td data-v="{len(r.members)}">{len(r.members)}</td>'
                f'<td data-v="{r.known_fraud}">{r.known_fraud}</td>'
                f'<td data-v="{CHANGE_ORDER.get(change, 0)}">{_change(change)} '
                f'{self._moved(r.ring_id)}</td><td data-v="{_esc(dec)}">'
                f"{self._decided(r.ring_id)}</td>")
        ex = self.exposure.get(r.ring_id, {})
        for measure, shown in (("orders", self.has_orders), ("gmv", self.has_gmv)):
            if shown:
                value = ex.get(measure, 0)
                html += f'<td data-v="{value}">{value:,.0f}</td>'
        reason = row["reason"]
        first = ("", "") if reason is None else (r.evidence[reason], _evidence_line(r, reason))
        return html + f'<td data-v="{_esc(first[0])}">{first[1]}</td></tr>\n'

    def compact(self, rings: list[Ring], kinds: dict[str, str]) -> Markup:
        """The folded details of ``rings`` (those without a section): each one's
        summary line, evidence and listed members."""
        return Markup("".join([self._compact(r, kinds.get(r.ring_id, "")) for r in rings]))

    def _compact(self, r: Ring, change: str) -> str:
        ring_id = _esc(r.ring_id)
        fraud = f" · {r.known_fraud} {_t('blacklisted', '黑名单')}" if r.known_fraud else ""
        return (f'\n<details class="compact" id="{ring_id}" data-risk="{_esc(r.risk)}">\n'
                f" <summary><code>{ring_id}</code> {_risk(r.risk)} {r.score:.2f} · "
                f"{_pattern(r.pattern)} · {len(r.members)} {_t('members', '名成员')}{fraud} "
                f"{_change(change)} {self._moved(r.ring_id)} {self._decided(r.ring_id)}"
                f"</summary>\n {_evidence_list(r)}\n "
                f"{_member_table(r, self.actors, _joined(self.report, r))}\n</details>\n")


def _joined(report: RunReport, ring: Ring) -> set[str]:
    """The members that joined ``ring`` since the previous run."""
    changes = report.changes
    return set(changes.added_members(ring.ring_id)) if changes is not None else set()


def _section(report: RunReport, ring: Ring, kinds: dict[str, str],
             hubs: dict[str, str]) -> dict[str, Any]:
    """What a ring's own section shows: its picture, listed members, who joined and
    left, its sub-scores."""
    changes, actors = report.changes, report.actors or {}
    joined = _joined(report, ring)
    left = [] if changes is None else sorted(
        changes.shrunk.get(ring.ring_id, [])
        + changes.changed.get(ring.ring_id, {}).get("removed", []))
    return {"ring": ring, "picture": _layout(ring, actors, joined, hubs),
            "features": ring.features,
            "joined": joined, "joined_list": sorted(joined), "left": left,
            "change": kinds.get(ring.ring_id, ""), "hubs": hubs}
