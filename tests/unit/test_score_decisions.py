"""Analysts' verdicts are decisions, not evidence: confirming a ring's members leaves its
score, risk and blacklist count as they were (the decision is listed apart), while the
confirmation still counts for the rings around it; a dismissal keeps lowering."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from conftest import write_csv
from graphfraud.loaders import read_dataset
from graphfraud.pipeline import ScanParams, scan
from graphfraud.score.rings import Ring

CONFIRMED = "{k} members confirmed as fraud by analysts (a decision, not counted as evidence)"


def _export(d: Path, analysts: list[str]) -> Path:
    """Rings a, b and c of eight shops, each shop on three of its ring's four phones,
    amid 400 ordinary shops on 60 popular phones. a0 is on the platform's blacklist; b
    is three phones away from the blacklisted o1; c shares one phone with b. ``analysts``
    are labels.csv rows written by `graphfraud verdict --export` (analyst:NAME)."""
    rng = np.random.default_rng(5)
    shops, rows = [], ["merchant_id,device_id"]
    for ring in "abc":
        phones = [f"{ring}p{i}" for i in range(4)]
        for i in range(8):
            shops.append(f"{ring}{i}")
            rows += [f"{ring}{i},{p}" for p in rng.choice(phones, size=3, replace=False)]
    real = [f"r{i:03d}" for i in range(400)]
    popular = [f"pop{i:02d}" for i in range(60)]
    for shop in real:
        rows += [f"{shop},{p}" for p in rng.choice(popular, size=2, replace=False)]
    rows += ["o1,ob", "r005,ob", "r005,ob2", "r006,ob2", "r006,ob3", "b1,ob3", "o1,pop01",
             "b2,bc", "c1,bc"]
    write_csv(d, "merchants.csv", "merchant_id,name\n" + "".join(
        f"{s},Shop {s}\n" for s in [*shops, *real, "o1"]))
    write_csv(d, "merchant_devices.csv", "\n".join(rows) + "\n")
    write_csv(d, "labels.csv", "entity_type,entity_id,label,source,labeled_at\n"
              "merchant,a0,fraud,platform,2025-01-01T00:00:00Z\n"
              "merchant,o1,fraud,platform,2025-01-01T00:00:00Z\n"
              "merchant,r001,fraud,platform,2025-01-01T00:00:00Z\n" + "".join(analysts))
    return d


def _rings(d: Path) -> dict[str, Ring]:
    result = scan(read_dataset(d).dataset, ScanParams.with_seed(1), build_index=False)
    return {min(m.id for m in r.members): r for r in result.rings}


def _verdicts(label: str, *rings: str) -> list[str]:
    return [f"merchant,{ring}{i},{label},analyst:li,2025-02-01T00:00:00Z\n"
            for ring in rings for i in range(8)]


def test_confirming_a_rings_members_changes_neither_its_score_nor_its_risk(
        tmp_path: Path) -> None:
    before = _rings(_export(tmp_path / "before", []))
    after = _rings(_export(tmp_path / "after", _verdicts("fraud", "a", "b")))
    for ring in ("a0", "b0"):
        assert (after[ring].score, after[ring].risk, after[ring].known_fraud) == (
            before[ring].score, before[ring].risk, before[ring].known_fraud)
        assert after[ring].features == before[ring].features  # proximity included
        assert CONFIRMED.format(k=8) in after[ring].evidence
        assert CONFIRMED.format(k=8) not in before[ring].evidence
        assert after[ring].evidence[0] == before[ring].evidence[0]  # never the strongest
        assert after[ring].evidence[-1] == CONFIRMED.format(k=8)  # listed apart, last
    # a0 was blacklisted by the platform before the analyst confirmed it: still evidence
    assert after["a0"].known_fraud == 1 and "1 blacklisted member" in after["a0"].evidence
    assert before["b0"].features["proximity"] > 0  # b's closeness to o1 is measured as before


def test_a_confirmation_still_counts_for_the_rings_around_it(tmp_path: Path) -> None:
    """Proximity to known fraud is feedback: c, beside the confirmed b, comes closer."""
    before = _rings(_export(tmp_path / "before", []))
    after = _rings(_export(tmp_path / "after", _verdicts("fraud", "b")))
    assert after["c0"].features["proximity"] > before["c0"].features["proximity"]
    assert after["c0"].score > before["c0"].score
    assert not any("confirmed" in e for e in after["c0"].evidence)  # not c's decision


def test_a_dismissal_keeps_the_ring_down_and_is_listed_as_a_decision(tmp_path: Path) -> None:
    before = _rings(_export(tmp_path / "before", []))
    after = _rings(_export(tmp_path / "after", _verdicts("legit", "a")))
    assert after["a0"].score < before["a0"].score and after["a0"].known_legit == 8
    line = ("8 members cleared by analysts' dismissal (a decision; it keeps the ring's "
            "score down so that a dismissed ring does not alert again)")
    assert after["a0"].evidence[-1] == line
