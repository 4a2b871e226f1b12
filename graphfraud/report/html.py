"""report.html: one self-contained page (inline CSS and SVG, no network) for analysts."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from graphfraud.pipeline import ScanResult

#: Rings shown with a section of their own (all high ones first, then medium).
MAX_SECTIONS = 200
#: Identifiers drawn per ring picture.
MAX_DRAWN_IDENTIFIERS = 40
SIZE = 420


def _layout(ring: dict[str, Any], seed: int) -> dict[str, Any]:
    """Positions for members and their shared identifiers (spring layout, seeded)."""
    import networkx as nx

    graph = nx.Graph()
    members = [f"{m['type']}:{m['id']}" for m in ring["members"]]
    graph.add_nodes_from(members)
    shared = ring["shared"][:MAX_DRAWN_IDENTIFIERS]
    for s in shared:
        graph.add_node(f"{s['type']}:{s['id']}")
    edges = ring.get("_edges", [])
    graph.add_edges_from(edges)
    pos = nx.spring_layout(graph, seed=seed, k=1.6 / math.sqrt(max(len(graph), 1)))
    pad = 28
    scale = (SIZE - 2 * pad) / 2

    def at(node: str) -> tuple[float, float]:
        x, y = pos[node]
        return round(pad + (x + 1) * scale, 1), round(pad + (y + 1) * scale, 1)

    nodes = []
    for key in graph.nodes:
        kind, _, ident = key.partition(":")
        x, y = at(key)
        nodes.append({"kind": kind, "id": ident, "x": x, "y": y})
    lines = [{"x1": at(a)[0], "y1": at(a)[1], "x2": at(b)[0], "y2": at(b)[1]} for a, b in edges]
    return {"nodes": nodes, "lines": lines, "size": SIZE}


def render_html(report: dict[str, Any], result: ScanResult, *,
                rename: Callable[[str], str] | None = None) -> str:
    """The page for one run; pictures for every ring that gets a section.

    ``rename`` maps a ``type:id`` node key of the ring pictures to the key shown
    (pseudonyms, when the report is redacted).
    """
    env = Environment(loader=PackageLoader("graphfraud.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    features = {r.ring_id: r.features for r in result.rings}
    usage = {r.ring_id: [(rename(a), rename(b)) if rename else (a, b) for a, b in r.usage]
             for r in result.rings}
    shown = [r for r in report["rings"] if r["risk"] in ("high", "medium")][:MAX_SECTIONS]
    sections = []
    for ring in shown:
        ring = dict(ring)
        ring["_edges"] = usage.get(ring["ring_id"], [])
        sections.append({"ring": ring, "picture": _layout(ring, seed=1),
                         "features": features.get(ring["ring_id"], {})})
    template = env.get_template("report.html.j2")
    return template.render(report=report, sections=sections,
                           low=sum(r["risk"] == "low" for r in report["rings"]),
                           hubs=report["hubs"][:500], hub_total=len(report["hubs"]))

