"""Ring identity across runs: carry ids over by membership and say what changed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from graphfraud.score.rings import Member, Ring

#: Two rings are the same ring when their member sets overlap at least this much (Jaccard).
SAME_RING_OVERLAP = 0.5
#: A previous ring went into a current ring when the current one holds at least this
#: share of its members (merges: two or more previous rings went into one ring).
MERGE_SHARE = 0.5
#: A previous ring split when two or more current rings each hold at least this share
#: (and at least two) of its members.
SPLIT_SHARE = 0.25


@dataclass
class Changes:
    """What changed since the previous report, by ring id.

    One object from the scan to every writer; :meth:`as_dict` is its form in rings.json
    and batch.json.
    """

    new: list[str] = field(default_factory=list)
    grown: dict[str, list[str]] = field(default_factory=dict)  # ring -> added members
    shrunk: dict[str, list[str]] = field(default_factory=dict)  # ring -> removed members
    #: ring -> {"added": [...], "removed": [...]}: members both joined and left
    changed: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    merged: dict[str, list[str]] = field(default_factory=dict)  # ring -> previous rings in it
    split: dict[str, list[str]] = field(default_factory=dict)  # previous ring -> current rings
    #: ring -> (its risk in the previous run, its risk now), for the rings carried over
    #: whose risk changed (a dismissed ring high -> low). Shown in report.html; not part
    #: of rings.json's or batch.json's ``changes`` (:meth:`as_dict`), so a report read
    #: back has none.
    risk: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, object]:
        return {"new": self.new, "grown": self.grown, "shrunk": self.shrunk,
                "changed": self.changed, "unchanged": self.unchanged, "gone": self.gone,
                "merged": self.merged, "split": self.split}

    def added_members(self, ring_id: str) -> list[str]:
        """Members (``type:id``) that joined ``ring_id`` since the previous run."""
        if ring_id in self.grown:
            return self.grown[ring_id]
        return self.changed.get(ring_id, {}).get("added", [])


def _keys(members: Iterable[Member]) -> frozenset[str]:
    return frozenset(f"{m.type}:{m.id}" for m in members)


def carry_over(rings: Sequence[Ring], previous: Sequence[Ring]
               ) -> tuple[list[Ring], Changes]:
    """Give each ring the id of the previous ring it mostly is, and list the changes.

    ``previous`` holds the rings of an earlier run (``RunReport.rings``, read back with
    :func:`graphfraud.report.read_run_report`). Matching is greedy by overlap, highest
    first, one previous ring per current ring.
    """
    prev = [(p.ring_id, _keys(p.members)) for p in previous]
    prev_risk = [str(p.risk) for p in previous]
    current = [_keys(r.members) for r in rings]
    pairs = []
    index: dict[str, list[int]] = {}
    for j, (_, members) in enumerate(prev):
        for key in members:
            index.setdefault(key, []).append(j)
    for i, members in enumerate(current):
        candidates = {j for key in members for j in index.get(key, [])}
        for j in candidates:
            overlap = len(members & prev[j][1]) / len(members | prev[j][1])
            if overlap >= SAME_RING_OVERLAP:
                pairs.append((overlap, i, j))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    match: dict[int, int] = {}
    taken: set[int] = set()
    for _, i, j in pairs:
        if i not in match and j not in taken:
            match[i] = j
            taken.add(j)
    changes = Changes()
    out = []
    for i, ring in enumerate(rings):
        if i not in match:
            changes.new.append(ring.ring_id)
            out.append(ring)
            continue
        ring_id, before = prev[match[i]]
        ring = replace(ring, ring_id=ring_id)
        if prev_risk[match[i]] != str(ring.risk):
            changes.risk[ring_id] = (prev_risk[match[i]], str(ring.risk))
        added, removed = sorted(current[i] - before), sorted(before - current[i])
        if added and removed:
            changes.changed[ring_id] = {"added": added, "removed": removed}
        elif added:
            changes.grown[ring_id] = added
        elif removed:
            changes.shrunk[ring_id] = removed
        else:
            changes.unchanged.append(ring_id)
        out.append(ring)
    changes.gone = sorted(prev[j][0] for j in range(len(prev)) if j not in taken)
    _merges_and_splits(changes, [r.ring_id for r in out], current, prev, index)
    return out, changes


def _merges_and_splits(changes: Changes, ids: list[str], current: list[frozenset[str]],
                       prev: list[tuple[str, frozenset[str]]],
                       index: dict[str, list[int]]) -> None:
    """Fill ``changes.merged`` and ``changes.split`` from member overlaps."""
    into: dict[int, list[int]] = {}  # previous ring -> current rings holding a share of it
    for i, members in enumerate(current):
        shares: dict[int, int] = {}
        for key in members:
            for j in index.get(key, []):
                shares[j] = shares.get(j, 0) + 1
        absorbed = sorted(prev[j][0] for j, n in shares.items()
                          if n >= MERGE_SHARE * len(prev[j][1]))
        if len(absorbed) >= 2:
            changes.merged[ids[i]] = absorbed
        for j, n in shares.items():
            if n >= 2 and n >= SPLIT_SHARE * len(prev[j][1]):
                into.setdefault(j, []).append(i)
    for j, parts in into.items():
        if len(parts) >= 2:
            changes.split[prev[j][0]] = sorted(ids[i] for i in parts)
