"""report.html: one self-contained page (inline CSS and SVG, no network) for analysts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape

if TYPE_CHECKING:
    from graphfraud.report.run import RunReport
    from graphfraud.score.rings import Ring

#: Rings shown with a section of their own (all high ones first, then medium).
MAX_SECTIONS = 200
#: Members and identifiers drawn per ring picture (the highest-scored members, the most
#: shared identifiers): a picture of a 500-shop farm is as cheap as one of five.
MAX_DRAWN_MEMBERS = 60
MAX_DRAWN_IDENTIFIERS = 40
SIZE = 420


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
    lines = [{"x1": at(a)[0], "y1": at(a)[1], "x2": at(b)[0], "y2": at(b)[1]} for a, b in edges]
    left = []
    if len(ring.members) > len(members):
        left.append(f"{len(members)} of {len(ring.members)} members")
    if len(ring.shared) > len(idents):
        left.append(f"{len(idents)} of {len(ring.shared)} shared identifiers")
    note = f"showing {' and '.join(left)}" if left else ""
    return {"nodes": nodes, "lines": lines, "size": SIZE, "note": note}


def render_html(report: RunReport) -> str:
    """The page for one run; pictures for every ring that gets a section.

    A redacted report (:meth:`graphfraud.report.redact.Redactor.run_report`) is shown
    as it is: pseudonyms in the tables and the pictures alike.
    """
    env = Environment(loader=PackageLoader("graphfraud.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    shown = [r for r in report.rings if r.risk in ("high", "medium")][:MAX_SECTIONS]
    sections = [{"ring": ring, "picture": _layout(ring, seed=1), "features": ring.features}
                for ring in shown]
    template = env.get_template("report.html.j2")
    return template.render(report=report, sections=sections,
                           low=sum(r.risk == "low" for r in report.rings),
                           hubs=report.hubs[:500], hub_total=len(report.hubs))
