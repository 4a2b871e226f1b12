"""One palette for every picture of the graph: report.html, the Neo4j Browser style
(``graphfraud neo4j style``) and the case pages of ``graphfraud serve``.

An investigator moves between the three; a shop is the same colour in each, a ring's
risk the same red, amber or grey, and a member's marks (blacklisted, cleared, banned,
suspended, new) drawn the same way. Nothing else spells these colours.

>>> KINDS["merchant"].fill == KINDS["merchant"].fill.upper()
True
>>> sorted(RISKS)
['high', 'low', 'medium']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Swatch:
    """A node's fill, its border, and the text colour that reads on the fill."""

    fill: str
    border: str
    text: str = "#FFFFFF"


#: Node kinds (the entity kinds of the data contract, plus organisations and rings).
KINDS: dict[str, Swatch] = {
    "merchant": Swatch("#C62828", "#8E1C1C"),
    "streamer": Swatch("#6A1B9A", "#4A148C"),
    "device": Swatch("#1565C0", "#0D47A1"),
    "payment_account": Swatch("#2E7D32", "#1B5E20"),
    "organization": Swatch("#00838F", "#006064"),
    "ring": Swatch("#37474F", "#263238"),
    "run": Swatch("#A5ABB6", "#9AA1AC"),
    "verdict": Swatch("#C990C0", "#B261A5"),
}

#: Rings by risk.
RISKS: dict[str, Swatch] = {
    "high": Swatch("#C62828", "#8E1C1C"),
    "medium": Swatch("#FFB300", "#C78C00", "#1C2330"),
    "low": Swatch("#CFD8DC", "#90A4AE", "#1C2330"),
}

#: A member's marks, drawn as its border (colour, width in px, dash or solid).
@dataclass(frozen=True)
class Mark:
    colour: str
    width: int
    dashed: bool = False


MARKS: dict[str, Mark] = {
    "blacklisted": Mark("#111111", 4),
    "cleared": Mark("#43A047", 4),
    "banned": Mark("#4A148C", 4, dashed=True),
    "suspended": Mark("#BA68C8", 3, dashed=True),
    "new": Mark("#1565C0", 3, dashed=True),
}

#: An identifier used by so many accounts that the scan treats it as a hub.
HUB = Swatch("#ECEFF1", "#78909C", "#1C2330")
#: Links between nodes.
EDGE = "#9AA4B2"


def as_dict() -> dict[str, Any]:
    """The whole palette as plain data (for JSON, e.g. the case pages' script)."""
    return {"kinds": {k: asdict(v) for k, v in KINDS.items()},
            "risks": {k: asdict(v) for k, v in RISKS.items()},
            "marks": {k: asdict(v) for k, v in MARKS.items()},
            "hub": asdict(HUB), "edge": EDGE}
