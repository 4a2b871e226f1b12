"""docs/algorithms.md names every knob a scan records in rings.json params."""

from __future__ import annotations

import re
from pathlib import Path

from graphfraud.pipeline import ScanParams

DOC = Path(__file__).resolve().parents[2] / "docs" / "algorithms.md"


def test_every_scan_knob_is_documented() -> None:
    text = DOC.read_text("utf-8")
    named = set(re.findall(r"`([a-z_]+)`", text))
    knobs = set(ScanParams().as_dict())
    missing = sorted(knobs - named)
    assert not missing, f"docs/algorithms.md does not name these knobs: {missing}"


def test_documented_defaults_match_the_code() -> None:
    text = DOC.read_text("utf-8")
    params = ScanParams().as_dict()
    # table rows "| `knob` (...) | default |" and "| term | weight (`knob`) |"
    for knob, value in re.findall(r"\| `([a-z_]+)`[^|]*\| ([-−\d.]+) \|", text):
        if knob in params and isinstance(params[knob], int | float):
            assert float(value.replace("−", "-")) == float(params[knob]), knob
    for value, knob in re.findall(r"\| ([-−\d.]+) \(`([a-z_]+)`\)", text):
        assert float(value.replace("−", "-")) == float(params[knob]), knob
