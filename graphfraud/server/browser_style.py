"""A Neo4j Browser style (GraSS) for the project's graph: captions that an investigator
reads (a shop's name, a ring's id), one colour per label, and rings coloured by risk.

Neo4j Browser colours by label only (not by a property such as risk), so the write-back
gives every ring its risk as a second label (``HighRisk``, ``MediumRisk``, ``LowRisk``);
the style's rules for ``Ring`` with each of them are more specific than ``Ring`` alone,
so they win. The evidence of the risk is a click away (``ring_detail``).
"""

from __future__ import annotations

from graphfraud.model import Label

#: Per label: colour, border, caption (a property in braces, or ``<id>``), diameter.
STYLES: dict[Label, tuple[str, str, str, int]] = {
    Label.MERCHANT: ("#4C8EDA", "#2870c2", "{name}", 45),
    Label.STREAMER: ("#8DCC93", "#5db665", "{name}", 45),
    Label.DEVICE: ("#F79767", "#f36924", "{device_id}", 35),
    Label.PAYMENT_ACCOUNT: ("#FFC454", "#d7a013", "{account_id}", 35),
    Label.ORGANIZATION: ("#57C7E3", "#23b3d7", "{name}", 55),
    Label.RING: ("#DA4C4C", "#b02b2b", "{ring_id}", 65),
    Label.RUN: ("#A5ABB6", "#9aa1ac", "{run_id}", 40),
    Label.VERDICT: ("#C990C0", "#b261a5", "{decision}", 35),
}


#: Rings by risk: colour, border (red, amber, grey as in report.html).
RISK_STYLES: dict[Label, tuple[str, str]] = {
    Label.HIGH_RISK: ("#C62828", "#8e1c1c"),
    Label.MEDIUM_RISK: ("#FFB300", "#c78c00"),
    Label.LOW_RISK: ("#90A4AE", "#6f8590"),
}


def grass() -> str:
    """The style sheet text, to save as a ``.grass`` file and drop onto Neo4j Browser.

    >>> text = grass()
    >>> "node.Merchant {" in text and "caption: '{name}';" in text
    True
    >>> "node.Ring.HighRisk {" in text
    True
    """
    parts = ["node {\n  diameter: 40px;\n  color: #A5ABB6;\n  border-color: #9AA1AC;\n"
             "  text-color-internal: #FFFFFF;\n  caption: '<id>';\n}\n"]
    for label, (colour, border, caption, size) in STYLES.items():
        parts.append(f"node.{label.value} {{\n  color: {colour};\n  border-color: {border};\n"
                     f"  diameter: {size}px;\n  text-color-internal: #FFFFFF;\n"
                     f"  caption: '{caption}';\n}}\n")
    for label, (colour, border) in RISK_STYLES.items():
        text = "#1c2330" if label is Label.MEDIUM_RISK else "#FFFFFF"
        parts.append(f"node.{Label.RING.value}.{label.value} {{\n  color: {colour};\n"
                     f"  border-color: {border};\n  text-color-internal: {text};\n}}\n")
    parts.append("relationship {\n  color: #A5ABB6;\n  shaft-width: 1px;\n"
                 "  caption: '<type>';\n}\n")
    return "\n".join(parts)
