"""report.html: one self-contained page (inline CSS and SVG, no network) for analysts."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from graphfraud.model import Pattern, Risk
from graphfraud.report.context import ACTOR_FIELDS, MAX_HUBS
from graphfraud.score.evidence import render_or_none
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
SIZE = 420
#: Rings without a section of their own (low ones, and any beyond MAX_SECTIONS) that get
#: a compact, folded detail (members and evidence); all of them are in the triage table.
MAX_COMPACT = 2000
#: Members listed per ring in a section or a compact detail (all are in rings.csv).
MAX_LISTED_MEMBERS = 40
#: What a ring did since the previous run, most telling first.
CHANGE_KINDS = ("new", "changed", "grown", "shrunk", "merged", "unchanged")
#: Risk levels and patterns in Chinese (the English is their value, ``_`` read as a space).
RISK_ZH = {Risk.HIGH: "高", Risk.MEDIUM: "中", Risk.LOW: "低"}
PATTERN_ZH = {Pattern.DEVICE_FARM: "设备农场", Pattern.SHARED_SETTLEMENT: "共用结算账户",
              Pattern.BAN_EVASION: "封禁后换号", Pattern.HOST_COLLUSION: "主播合谋",
              Pattern.MIXED: "混合", Pattern.ORGANIZATION: "已登记组织"}
#: How the triage table sorts the risk column (high last ascending, first descending).
RISK_ORDER = {Risk.HIGH: 3, Risk.MEDIUM: 2, Risk.LOW: 1}
#: The risks that get a section of their own.
SECTION_RISKS = (Risk.HIGH, Risk.MEDIUM)


def _layout(ring: Ring, seed: int = 1) -> dict[str, Any]:
    """A bounded picture of a ring, in time linear in what is drawn.

    Shared identifiers sit on an inner circle; members on an outer circle, each at the
    angle of the identifiers it uses (so a cell of shops sits beside its phones). Only
    drawn members and identifiers are placed, whatever the ring's size; ``note`` says
    what was left out. (``seed`` is kept for callers; the layout is deterministic.)
    """
    members = [f"{m.type}:{m.id}" for m in ring.members[:MAX_DRAWN_MEMBERS]]
    idents = [f"{s.type}:{s.id}" for s in ring.shared[:MAX_DRAWN_IDENTIFIERS]]
    drawn_m, drawn_i = set(members), {k: i for i, k in enumerate(idents)}
    edges = [(a, b) for a, b in ring.usage if a in drawn_m and b in drawn_i]
    centre = SIZE / 2
    inner, outer = SIZE * 0.2, SIZE / 2 - 24
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

    def at(node: str) -> tuple[float, float]:
        x, y = pos[node]
        return round(x, 1), round(y, 1)

    nodes = []
    for key in [*idents, *order]:
        kind, _, ident = key.partition(":")
        x, y = at(key)
        nodes.append({"kind": kind, "id": ident, "x": x, "y": y})
    # The edges as one piece of SVG (numbers only, nothing to escape): a picture of a
    # dense ring has thousands, each a template loop turn otherwise.
    lines = Markup("".join(
        f'<line x1="{at(a)[0]}" y1="{at(a)[1]}" x2="{at(b)[0]}" y2="{at(b)[1]}" '
        'stroke="#9aa4b2" stroke-width="1"/>' for a, b in edges))
    left = []
    if len(ring.members) > len(members):
        left.append(f"{len(members)} of {len(ring.members)} members")
    if len(ring.shared) > len(idents):
        left.append(f"{len(idents)} of {len(ring.shared)} shared identifiers")
    note = f"showing {' and '.join(left)}" if left else ""
    return {"nodes": nodes, "lines": lines, "size": SIZE, "note": note}


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
    return kinds


def _members(ring: Ring, actors: dict[str, dict[str, str]], joined: set[str]
             ) -> list[dict[str, Any]]:
    """The listed members of a ring with the export's facts about them (name, status,
    registration, standing label and its source, flagged via) and whether they are new."""
    listed = []
    for m in ring.members[:MAX_LISTED_MEMBERS]:
        key = f"{m.type}:{m.id}"
        info = actors.get(key, {})
        listed.append({"type": m.type, "id": m.id, "score": m.score, "new": key in joined,
                       **{name: info.get(name, "") for name in ACTOR_FIELDS}})
    return listed


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
             "anchor": r.ring_id in with_section or r.ring_id in with_compact}
            for r in report.rings]


def _changed_rings(report: RunReport) -> dict[str, list[str]]:
    """Ring ids by what they did since the previous run (empty lists left out)."""
    changes = report.changes
    if changes is None:
        return {}
    lists = {"new": list(changes.new), "changed": list(changes.changed),
             "grown": list(changes.grown), "shrunk": list(changes.shrunk),
             "merged": list(changes.merged), "gone": list(changes.gone)}
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
    that get a section and a folded detail for the others.

    A redacted report (:meth:`graphfraud.report.redact.Redactor.run_report`) is shown
    as it is: pseudonyms in the tables and the pictures alike. Names come from
    ``report.actors`` and are escaped like every other value.
    """
    env = Environment(loader=PackageLoader("graphfraud.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    actors = report.actors or {}
    exposure = report.exposure or {}
    changes = report.changes
    kinds = ring_changes(changes)

    def joined(ring: Ring) -> set[str]:
        return set(changes.added_members(ring.ring_id)) if changes is not None else set()

    shown = [r for r in report.rings if r.risk in SECTION_RISKS][:MAX_SECTIONS]
    def left(ring: Ring) -> list[str]:
        if changes is None:
            return []
        return sorted(changes.shrunk.get(ring.ring_id, [])
                      + changes.changed.get(ring.ring_id, {}).get("removed", []))

    sections = [{"ring": ring, "picture": _layout(ring, seed=1), "features": ring.features,
                 "members": _members(ring, actors, joined(ring)),
                 "joined": joined(ring), "joined_list": sorted(joined(ring)),
                 "left": left(ring), "change": kinds.get(ring.ring_id, "")}
                for ring in shown]
    in_section = {r.ring_id for r in shown}
    rest = [r for r in report.rings if r.ring_id not in in_section]
    compact = [{"ring": ring, "members": _members(ring, actors, joined(ring)),
                "change": kinds.get(ring.ring_id, "")} for ring in rest[:MAX_COMPACT]]
    in_compact = {ring.ring_id for ring in rest[:MAX_COMPACT]}
    template = env.get_template("report.html.j2")
    return template.render(
        report=report, sections=sections, compact=compact,
        compact_left=len(rest) - len(compact), actors=actors,
        triage=_triage(report, kinds, in_section, in_compact),
        patterns=sorted({str(r.pattern) for r in report.rings}),
        changed_rings=_changed_rings(report), anchored=in_section | in_compact,
        low=sum(r.risk == Risk.LOW for r in report.rings), RISKS=tuple(Risk),
        HIGH=Risk.HIGH, MEDIUM=Risk.MEDIUM, RISK_ZH=RISK_ZH, PATTERN_ZH=PATTERN_ZH,
        RISK_ORDER=RISK_ORDER,
        hubs=report.hubs[:MAX_HUBS], hub_total=len(report.hubs), evidence_zh=evidence_zh,
        browser_link=lambda ring_id: browser_link(report, ring_id),
        hub_info=report.hub_info or {}, exposure=exposure,
        has_orders=any("orders" in e for e in exposure.values()),
        has_gmv=any("gmv" in e for e in exposure.values()))
