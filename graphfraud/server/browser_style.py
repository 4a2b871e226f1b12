"""A Neo4j Browser style (GraSS) for the project's graph: captions that an investigator
reads (a shop's name, a ring's id), one colour per label, and rings coloured by risk.

The colours are :mod:`graphfraud.palette`'s, the same as report.html's pictures and the
case pages': a shop is red and a host purple in all three, a ring red, amber or grey by
its risk. Neo4j Browser colours by label only (not by a property such as risk or a
shop's status), so the write-back gives every ring its risk as a second label
(``HighRisk``, ``MediumRisk``, ``LowRisk``); the style's rules for ``Ring`` with each of
them are more specific than ``Ring`` alone, so they win. The evidence of the risk is a
click away (``ring_detail``); a member's marks (blacklisted, banned, ...) are drawn in
report.html only.
"""

from __future__ import annotations

from graphfraud import palette
from graphfraud.model import Label

#: Per label: its palette kind, caption (a property in braces, or ``<id>``), diameter.
STYLES: dict[Label, tuple[str, str, int]] = {
    Label.MERCHANT: ("merchant", "{name}", 45),
    Label.STREAMER: ("streamer", "{name}", 45),
    Label.DEVICE: ("device", "{device_id}", 35),
    Label.PAYMENT_ACCOUNT: ("payment_account", "{account_id}", 35),
    Label.ORGANIZATION: ("organization", "{name}", 55),
    Label.RING: ("ring", "{ring_id}", 65),
    Label.RUN: ("run", "{run_id}", 40),
    Label.VERDICT: ("verdict", "{decision}", 35),
}

#: Rings by risk: the palette's risk.
RISK_STYLES: dict[Label, str] = {
    Label.HIGH_RISK: "high",
    Label.MEDIUM_RISK: "medium",
    Label.LOW_RISK: "low",
}


def grass() -> str:
    """The style sheet text, to save as a ``.grass`` file and drop onto Neo4j Browser.

    >>> text = grass()
    >>> "node.Merchant {" in text and "caption: '{name}';" in text
    True
    >>> "node.Ring.HighRisk {" in text
    True
    >>> f"color: {palette.KINDS['merchant'].fill};" in text
    True
    """
    parts = ["node {\n  diameter: 40px;\n  color: #A5ABB6;\n  border-color: #9AA1AC;\n"
             "  text-color-internal: #FFFFFF;\n  caption: '<id>';\n}\n"]
    for label, (kind, caption, size) in STYLES.items():
        swatch = palette.KINDS[kind]
        parts.append(f"node.{label.value} {{\n  color: {swatch.fill};\n"
                     f"  border-color: {swatch.border};\n  diameter: {size}px;\n"
                     f"  text-color-internal: {swatch.text};\n  caption: '{caption}';\n}}\n")
    for label, risk in RISK_STYLES.items():
        swatch = palette.RISKS[risk]
        parts.append(f"node.{Label.RING.value}.{label.value} {{\n  color: {swatch.fill};\n"
                     f"  border-color: {swatch.border};\n"
                     f"  text-color-internal: {swatch.text};\n}}\n")
    parts.append(f"relationship {{\n  color: {palette.EDGE};\n  shaft-width: 1px;\n"
                 "  caption: '<type>';\n}\n")
    return "\n".join(parts)
