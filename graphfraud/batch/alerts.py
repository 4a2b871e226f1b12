"""Which rings to alert on after a batch run, without re-alerting handled ones.

Only high-risk rings alert, and only when something an analyst has not seen happened:

* no verdict: the ring is new, gained members since the previous run, or rose to high;
* dismissed: the ring gained, since the dismissal, at least ``max(MATERIAL_MIN,
  MATERIAL_SHARE x its size then)`` members, and some of them since the previous run
  (a material change, alerted once, not at every run after it);
* confirmed: members joined since the previous run that the confirmation did not cover
  (new shops of a known ring are work to do).

Everything else (unchanged or shrunk rings, handled rings that did not change) is
counted as suppressed, so the summary says why the list is short.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from graphfraud.model import Risk

if TYPE_CHECKING:
    from graphfraud.report.run import RunReport
    from graphfraud.score.rings import Ring

MATERIAL_SHARE = 0.2
MATERIAL_MIN = 2


@dataclass(frozen=True)
class Alert:
    ring_id: str
    reason: str
    risk: str
    score: float
    pattern: str
    members: int
    new_members: list[str]
    top_evidence: str


@dataclass
class AlertList:
    alerts: list[Alert] = field(default_factory=list)
    suppressed: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"alerts": [asdict(a) for a in self.alerts], "suppressed": self.suppressed}


def _keys(ring: Ring) -> set[str]:
    return {f"{m.type}:{m.id}" for m in ring.members}


def decide_alerts(report: RunReport, *, previous: RunReport | None,
                  verdicts: dict[str, dict[str, Any]]) -> AlertList:
    """The alerts for one run's report.

    ``previous`` is the previous run's report and ``report.changes`` what changed since
    (both None on the first run); ``verdicts`` maps ring ids to their latest analyst
    verdict with its member list.
    """
    out = AlertList()
    changes = report.changes
    previous_risk = {p.ring_id: str(p.risk) for p in previous.rings} if previous else {}
    new_ids = set(changes.new) if changes is not None else None

    def skip(why: str) -> None:
        out.suppressed[why] = out.suppressed.get(why, 0) + 1

    for ring in report.rings:
        dismissed = verdicts.get(ring.ring_id, {}).get("decision") == "dismiss"
        # A dismissed ring's own verdicts keep it low; whether it changed materially since
        # the dismissal is still the analyst's question, whatever its risk now.
        if ring.risk != Risk.HIGH and not dismissed:
            continue
        ring_id = ring.ring_id
        members = _keys(ring)
        if changes is None or ring_id in (new_ids or set()):
            since_previous = sorted(members)
        else:
            since_previous = changes.added_members(ring_id)
        verdict = verdicts.get(ring_id)
        reason = ""
        new_members: list[str] = []
        if verdict is not None and verdict["decision"] == "dismiss":
            snapshot = set(verdict["members"])
            added = sorted(members - snapshot)
            needed = max(MATERIAL_MIN, math.ceil(MATERIAL_SHARE * max(len(snapshot), 1)))
            if len(added) >= needed and set(added) & set(since_previous):
                reason = (f"dismissed ring changed materially: {len(added)} members joined "
                          "since the dismissal")
                new_members = added
            else:
                skip("dismissed, no material change")
                continue
        elif verdict is not None and verdict["decision"] == "confirm":
            added = sorted(set(since_previous) - set(verdict["members"]))
            if added:
                reason = "confirmed ring has new members"
                new_members = added
            else:
                skip("confirmed, no new members")
                continue
        elif changes is None or ring_id in (new_ids or set()):
            reason = "new ring"
        elif since_previous:
            reason = "ring grew"
            new_members = list(since_previous)
        elif previous_risk.get(ring_id, Risk.HIGH) != Risk.HIGH:
            reason = f"risk rose from {previous_risk[ring_id]} to {Risk.HIGH}"
        else:
            skip("unchanged since the previous run")
            continue
        out.alerts.append(Alert(
            ring_id=ring_id, reason=reason, risk=str(ring.risk), score=ring.score,
            pattern=str(ring.pattern), members=len(members), new_members=new_members,
            top_evidence=ring.evidence[0] if ring.evidence else ""))
    return out
