"""Onboarding check: what a new merchant's identifiers touch, a score and a recommendation.

Both lookups (the last scan's in-memory index and Neo4j) describe each identifier the
same way, as a :class:`Touch`; :func:`assess` turns touches into a decision.

Rules, strongest first (the score is ``1 - prod(1 - weight)`` over the reasons):

=========================================================  ======  ===========
reason                                                     weight  recommends
=========================================================  ======  ===========
identifier labelled fraud (blacklisted phone or account)   0.95    block
identifier used by a known-fraud or banned actor           0.90    block
identifier shared by members of a ring analysts confirmed  0.90    block
identifier shared by members of a high-risk ring           0.80    block
host (streamer) labelled fraud                             0.70    review
host that is a member of a high or medium ring             0.50    review
identifier shared by members of a medium-risk ring         0.50    review
identifier shared by members of a low-risk ring            0.20    review
  (or of a ring analysts dismissed, whatever its risk)
identifier already used by other actors (k of them)        0.1 k   review (k >= 2)
                                                           (<=0.4)
identifier used by more actors than the hub cap            0.00    allow (a hub: ignored)
=========================================================  ======  ===========

Nothing found: allow.

The answer also names the declared organisations (organizations.csv) the merchant and
each host belong to. A declaration informs the reviewer; it is not a reason and does
not change the score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from graphfraud.model import IDENTIFIER_KINDS as _KINDS
from graphfraud.model import Risk

IDENTIFIER_KINDS = tuple(kind.entity_type for kind in _KINDS)


@dataclass(frozen=True)
class RingRef:
    ring_id: str
    risk: str
    score: float
    pattern: str
    #: An analyst's latest decision about the ring (confirm | dismiss), if any: who
    #: decided, when (ISO 8601) and why.
    verdict: str | None = None
    verdict_by: str | None = None
    verdict_at: str | None = None
    verdict_note: str | None = None

    def decided(self) -> str:
        """", dismissed by li on 2026-05-01: franchise" (or confirmed), "" if undecided."""
        if self.verdict not in ("confirm", "dismiss"):
            return ""
        done = "confirmed" if self.verdict == "confirm" else "dismissed"
        if not self.verdict_by:
            return f", {done} by an analyst"
        day = f" on {self.verdict_at[:10]}" if self.verdict_at else ""
        why = f": {self.verdict_note}" if self.verdict_note else ""
        return f", {done} by {self.verdict_by}{day}{why}"


@dataclass(frozen=True)
class Declared:
    """A declared organisation that the checked merchant or one of its hosts belongs to."""

    type: str  # merchant | streamer
    id: str
    organization_id: str
    name: str | None = None
    kind: str | None = None
    verified: bool | None = None

    @classmethod
    def of(cls, type: str, id: str, record: dict[str, Any]) -> Declared:
        """From a record of ``organization_id``, ``name``, ``kind``, ``verified``."""
        def text(key: str) -> str | None:
            value = record.get(key)
            return value if isinstance(value, str) else None

        verified = record.get("verified")
        return cls(type, id, str(record["organization_id"]), text("name"), text("kind"),
                   bool(verified) if isinstance(verified, bool | np.bool_) else None)

    def text(self) -> str:
        """``merchant m1 belongs to Star Studio (mcn_agency, O1), verified``.

        >>> Declared("streamer", "h1", "O1", "Star Studio", "mcn_agency", True).text()
        'host h1 belongs to Star Studio (mcn_agency, O1), verified'
        >>> Declared("merchant", "m1", "O2").text()
        'merchant m1 belongs to organisation O2, not marked verified'
        """
        who = "host" if self.type == "streamer" else self.type
        about = ", ".join(v for v in (self.kind, self.organization_id) if v)
        org = f"{self.name} ({about})" if self.name else \
            f"organisation {self.organization_id}" + (f" ({self.kind})" if self.kind else "")
        state = "not marked verified" if self.verified is None else \
            "verified" if self.verified else "not verified"
        return f"{who} {self.id} belongs to {org}, {state}"


@dataclass(frozen=True)
class Touch:
    """What one identifier (or host) of the new merchant connects to."""

    type: str  # device | payment_account | streamer
    id: str
    known: bool  # the identifier exists in the graph
    actors: int = 0  # actors using it (for a host: shops it promotes)
    verdict: str | None = None  # its own label: fraud | legit
    fraud_actors: tuple[str, ...] = ()  # known-fraud or banned actors using it
    rings: tuple[RingRef, ...] = ()  # rings whose members use it (a host: rings it is in)
    hub: bool = False
    #: A host's declared organisations.
    organizations: tuple[Declared, ...] = ()


@dataclass(frozen=True)
class Reason:
    weight: float
    text: str
    action: str  # block | review


@dataclass
class Assessment:
    """The answer for one merchant."""

    merchant_id: str
    score: float
    recommendation: str  # allow | review | block
    reasons: list[Reason] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)
    seconds: float = 0.0
    source: str = ""
    #: The declared organisations of the merchant and of its hosts.
    organizations: list[Declared] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"merchant_id": self.merchant_id, "score": self.score,
                "recommendation": self.recommendation,
                "reasons": [asdict(r) for r in self.reasons],
                "touches": [asdict(t) for t in self.touches if t.known],
                "organizations": [asdict(d) for d in self.organizations],
                "source": self.source, "milliseconds": round(self.seconds * 1000, 3)}


@dataclass(frozen=True)
class Applicant:
    """A new merchant's identifiers."""

    merchant_id: str = "(new merchant)"
    devices: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    streamers: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Applicant:
        """From ``{"merchant_id", "devices": [...], "accounts": [...], "streamers": [...]}``.

        Raises
        ------
        ValueError
            If a field has the wrong shape or nothing is given to check.
        """
        def ids(name: str) -> tuple[str, ...]:
            value = data.get(name, [])
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{name} must be a list of strings")
            return tuple(v for v in value if v.strip())

        unknown = set(data) - {"merchant_id", "devices", "accounts", "streamers"}
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
        out = cls(str(data.get("merchant_id") or "(new merchant)"), ids("devices"),
                  ids("accounts"), ids("streamers"))
        if not (out.devices or out.accounts or out.streamers):
            raise ValueError("nothing to check: give devices, accounts or streamers")
        return out

    def identifiers(self) -> list[tuple[str, str]]:
        return ([("device", d) for d in self.devices]
                + [("payment_account", a) for a in self.accounts])


def _via(t: Touch) -> str:
    return f"{t.type.replace('_', ' ')} {t.id}"


def _ring_reason(t: Touch, ring: RingRef) -> Reason:
    """A ring whose members use the identifier: by its risk, unless an analyst decided
    (a confirmed ring blocks whatever its score; a dismissed one only asks for review,
    and says so)."""
    weight = {Risk.HIGH: 0.8, Risk.MEDIUM: 0.5}.get(Risk(ring.risk), 0.2)
    action = "block" if ring.risk == Risk.HIGH else "review"
    if ring.verdict == "confirm":
        weight, action = max(weight, 0.9), "block"
    elif ring.verdict == "dismiss":
        weight, action = 0.2, "review"
    decided = ring.decided()
    return Reason(weight, f"{_via(t)} is shared by members of {ring.risk}-risk ring "
                  f"{ring.ring_id} ({ring.pattern}, score {ring.score:.2f}{decided})", action)


def assess(applicant: Applicant, touches: list[Touch],
           organizations: tuple[Declared, ...] | list[Declared] = ()) -> Assessment:
    """Score and recommend from the touches of every identifier and host;
    ``organizations`` are the merchant's own declared organisations (the hosts' come
    with their touches), named in the answer."""
    reasons: list[Reason] = []
    for t in touches:
        if not t.known:
            continue
        if t.type == "streamer":
            if t.verdict == "fraud":
                reasons.append(Reason(0.7, f"host {t.id} is labelled fraud", "review"))
            for ring in t.rings:
                if ring.risk in (Risk.HIGH, Risk.MEDIUM):
                    reasons.append(Reason(0.5, f"host {t.id} is a member of {ring.risk}-risk "
                                          f"ring {ring.ring_id} ({ring.pattern})", "review"))
            continue
        if t.hub:
            continue
        if t.verdict == "fraud":
            reasons.append(Reason(0.95, f"{_via(t)} is blacklisted", "block"))
        if t.fraud_actors:
            shown = ", ".join(t.fraud_actors[:3])
            more = f" and {len(t.fraud_actors) - 3} more" if len(t.fraud_actors) > 3 else ""
            reasons.append(Reason(0.9, f"{_via(t)} is used by known-fraud or banned "
                                  f"{shown}{more}", "block"))
        for ring in t.rings:
            reasons.append(_ring_reason(t, ring))
        if t.actors >= 1 and not t.rings and not t.fraud_actors:
            reasons.append(Reason(min(0.1 * t.actors, 0.4),
                                  f"{_via(t)} is already used by {t.actors} other "
                                  f"{'actor' if t.actors == 1 else 'actors'}",
                                  "review" if t.actors >= 2 else "note"))
    reasons.sort(key=lambda r: (-r.weight, r.text))
    remaining = 1.0
    for r in reasons:
        remaining *= 1.0 - r.weight
    score = round(1.0 - remaining, 4)
    actions = {r.action for r in reasons}
    recommendation = "block" if "block" in actions else "review" if "review" in actions \
        else "allow"
    declared = [*organizations, *(d for t in touches if t.known for d in t.organizations)]
    return Assessment(applicant.merchant_id, score, recommendation, reasons, touches,
                      organizations=declared)
