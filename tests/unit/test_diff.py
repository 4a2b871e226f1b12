"""Ring identity across runs: new, grown, shrunk, changed, gone, merged and split."""

from __future__ import annotations

from graphfraud.score.diff import carry_over
from graphfraud.score.rings import Member, Ring


def ring(ring_id: str, ids: list[str]) -> Ring:
    return Ring(ring_id=ring_id, score=0.9, risk="high", pattern="device_farm",
                members=tuple(Member("merchant", i, 0.9) for i in ids), shared=(),
                evidence=(), known_fraud=0, known_legit=0)


def previous(ring_id: str, ids: list[str]) -> Ring:
    """A ring of the previous run, as read back from its rings.json."""
    return ring(ring_id, ids)


def test_every_kind_of_change_is_named_by_stable_id() -> None:
    before = [previous("R-same", ["a", "b", "c"]), previous("R-grow", ["d", "e", "f"]),
              previous("R-shrink", ["g", "h", "i", "j"]), previous("R-swap", ["k", "l", "m"]),
              previous("R-gone", ["n", "o", "p"]), previous("R-m1", ["q", "r", "s", "t"]),
              previous("R-m2", ["u", "v", "w"]),
              previous("R-split", ["x1", "x2", "x3", "x4", "x5", "x6"])]
    now = [ring("fresh-1", ["a", "b", "c"]), ring("fresh-2", ["d", "e", "f", "f2"]),
           ring("fresh-3", ["g", "h", "i"]), ring("fresh-4", ["k", "l", "m2"]),
           ring("fresh-5", ["q", "r", "s", "t", "u", "v", "w"]),
           ring("fresh-6", ["x1", "x2", "x3"]), ring("fresh-7", ["x4", "x5", "x6"]),
           ring("fresh-8", ["z1", "z2", "z3"])]
    rings, changes = carry_over(now, before)
    ids = [r.ring_id for r in rings]
    assert ids[:5] == ["R-same", "R-grow", "R-shrink", "R-swap", "R-m1"]
    assert changes.unchanged == ["R-same"]
    assert changes.grown == {"R-grow": ["merchant:f2"],  # R-m1 grew by absorbing R-m2
                             "R-m1": ["merchant:u", "merchant:v", "merchant:w"]}
    assert changes.shrunk == {"R-shrink": ["merchant:j"],  # one half keeps the split's id
                              "R-split": ["merchant:x4", "merchant:x5", "merchant:x6"]}
    assert changes.changed == {"R-swap": {"added": ["merchant:m2"], "removed": ["merchant:m"]}}
    assert changes.merged == {"R-m1": ["R-m1", "R-m2"]}
    assert changes.split == {"R-split": ["R-split", "fresh-7"]}
    assert "fresh-8" in changes.new and "R-gone" in changes.gone and "R-m2" in changes.gone
    assert changes.added_members("R-grow") == ["merchant:f2"]
    assert changes.added_members("R-swap") == ["merchant:m2"]
    assert changes.added_members("R-same") == []
