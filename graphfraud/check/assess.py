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
identifier or host an analyst asked more information about 0.30    review
identifier already used by other actors (k of them)        0.1 k   review (k >= 2)
                                                           (<=0.4)
identifier or host an analyst cleared (dismissed)          0.00    note
identifier used by more actors than the hub cap            0.00    allow (a hub: ignored)
=========================================================  ======  ===========

Nothing found: allow.

When the checked merchant is itself in the graph (an existing shop checked again), its
own standing counts too: labelled fraud 0.95 block, a member of a ring as an
identifier shared by that ring would (above), more information asked 0.30 review,
cleared 0.00 note. Every analyst decision a reason rests on is named with who decided,
when and why (a ring's latest decision: confirm, dismiss or needs-info).

The answer also names the declared organisations (organizations.csv) the merchant and
each host belong to. A declaration informs the reviewer; it is not a reason and does
not change the score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from graphfraud.model import IDENTIFIER_KINDS as _KINDS
from graphfraud.model import Risk

IDENTIFIER_KINDS = tuple(kind.entity_type for kind in _KINDS)


def decided(decision: str | None, by: str | None, at: str | None, note: str | None,
            via: str | None = None) -> str:
    """An analyst's decision in words, to follow a reason: ``", dismissed by li on
    2026-05-01: franchise"``; "" for no decision (or one that is not confirm, dismiss or
    needs-info).

    >>> decided("needs-info", "li", "2026-05-01T08:00:00Z", "ask the bank", via="R-1")
    ', more information requested by li on 2026-05-01 (via ring R-1): ask the bank'
    """
    done = {"confirm": "confirmed", "dismiss": "dismissed",
            "needs-info": "more information requested"}.get(decision or "")
    if done is None:
        return ""
    if not by:
        return f", {done} by an analyst"
    day = f" on {at[:10]}" if at else ""
    ring = f" (via ring {via})" if via else ""
    why = f": {note}" if note else ""
    return f", {done} by {by}{day}{ring}{why}"


@dataclass(frozen=True)
class RingRef:
    ring_id: str
    risk: str
    score: float
    pattern: str
    #: An analyst's latest decision about the ring (confirm | dismiss | needs-info), if
    #: any: who decided, when (ISO 8601) and why.
    verdict: str | None = None
    verdict_by: str | None = None
    verdict_at: str | None = None
    verdict_note: str | None = None

    def decided(self) -> str:
        """", dismissed by li on 2026-05-01: franchise" (or confirmed, or more
        information requested), "" if undecided."""
        return decided(self.verdict, self.verdict_by, self.verdict_at, self.verdict_note)

    def with_decision(self, record: dict[str, Any] | None) -> RingRef:
        """This ring with the decision of ``record`` (``decision``, ``analyst``, ``at``,
        ``note``), or as it is when there is none."""
        if not record or not record.get("decision"):
            return self
        return replace(self, verdict=record["decision"], verdict_by=record.get("analyst"),
                       verdict_at=record.get("at"), verdict_note=record.get("note"))


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
    #: An analyst's latest decision about it (confirm | dismiss | needs-info), if any:
    #: who, when (ISO 8601), why, and the ring it came through (a ring's member).
    decision: str | None = None
    decision_by: str | None = None
    decision_at: str | None = None
    decision_note: str | None = None
    decision_via: str | None = None

    def decided(self) -> str:
        """Its own latest decision in words (:func:`decided`), "" if none."""
        return decided(self.decision, self.decision_by, self.decision_at,
                       self.decision_note, self.decision_via)

    def with_decision(self, record: dict[str, Any] | None) -> Touch:
        """This touch with the decision of ``record`` (``decision``, ``analyst``,
        ``at``, ``note``, ``via_ring``), or as it is when there is none."""
        if not record or not record.get("decision"):
            return self
        return replace(self, decision=record["decision"], decision_by=record.get("analyst"),
                       decision_at=record.get("at"), decision_note=record.get("note"),
                       decision_via=record.get("via_ring"))


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
    #: The checked merchant itself when the graph holds it (an existing shop): its
    #: label, the rings it belongs to and an analyst's latest decision about it.
    merchant: Touch | None = None

    def as_dict(self) -> dict[str, Any]:
        own = self.merchant if self.merchant is not None and self.merchant.known else None
        return {"merchant_id": self.merchant_id, "score": self.score,
                "recommendation": self.recommendation,
                "reasons": [asdict(r) for r in self.reasons],
                "touches": [asdict(t) for t in self.touches if t.known],
                "organizations": [asdict(d) for d in self.organizations],
                "merchant": asdict(own) if own is not None else None,
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


def standing(merchant: Touch | None) -> Touch | None:
    """The checked merchant's own touch when it has something to say (a label, a ring,
    an analyst's decision), else None: both lookups answer alike.

    >>> standing(Touch("merchant", "m1", True)) is None
    True
    """
    if merchant is None or not (merchant.verdict or merchant.rings or merchant.decision):
        return None
    return merchant


def _via(t: Touch) -> str:
    return f"{t.type.replace('_', ' ')} {t.id}"


def _ring_reason(t: Touch, ring: RingRef, *, member: bool = False) -> Reason:
    """A ring whose members use the identifier (``member``: that the checked merchant
    belongs to): by its risk, unless an analyst decided (a confirmed ring blocks
    whatever its score; a dismissed one only asks for review, and says so)."""
    weight = {Risk.HIGH: 0.8, Risk.MEDIUM: 0.5}.get(Risk(ring.risk), 0.2)
    action = "block" if ring.risk == Risk.HIGH else "review"
    if ring.verdict == "confirm":
        weight, action = max(weight, 0.9), "block"
    elif ring.verdict == "dismiss":
        weight, action = 0.2, "review"
    what = (f"merchant {t.id} itself is a member of" if member
            else f"{_via(t)} is shared by members of")
    return Reason(weight, f"{what} {ring.risk}-risk ring {ring.ring_id} ({ring.pattern}, "
                  f"score {ring.score:.2f}{ring.decided()})", action)


def _own_reasons(t: Touch, who: str) -> list[Reason]:
    """What an analyst decided about the identifier, host or merchant itself, when that
    is not already said by its label: more information asked for (review) or cleared
    (a note)."""
    said = t.decided()
    if t.decision == "needs-info":
        return [Reason(0.3, f"{who}: an analyst asked for more information{said}", "review")]
    if t.decision == "dismiss" and t.verdict == "legit":
        return [Reason(0.0, f"{who} was cleared{said}", "note")]
    return []


def _label(t: Touch) -> str:
    """The analyst's confirmation behind a fraud label, in brackets ("" for a label of
    the export)."""
    return f" ({t.decided()[2:]})" if t.decision == "confirm" else ""


def _host_reasons(t: Touch) -> list[Reason]:
    reasons = []
    if t.verdict == "fraud":
        reasons.append(Reason(0.7, f"host {t.id} is labelled fraud{_label(t)}", "review"))
    for ring in t.rings:
        if ring.risk in (Risk.HIGH, Risk.MEDIUM):
            reasons.append(Reason(0.5, f"host {t.id} is a member of {ring.risk}-risk "
                                  f"ring {ring.ring_id} ({ring.pattern}{ring.decided()})",
                                  "review"))
    return reasons + _own_reasons(t, f"host {t.id}")


def _identifier_reasons(t: Touch) -> list[Reason]:
    reasons = []
    if t.verdict == "fraud":
        reasons.append(Reason(0.95, f"{_via(t)} is blacklisted{_label(t)}", "block"))
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
    return reasons + _own_reasons(t, _via(t))


def _merchant_reasons(t: Touch) -> list[Reason]:
    """The checked merchant's own standing, when the graph holds it."""
    reasons = []
    if t.verdict == "fraud":
        reasons.append(Reason(0.95, f"merchant {t.id} itself is labelled fraud{_label(t)}",
                              "block"))
    reasons += [_ring_reason(t, ring, member=True) for ring in t.rings]
    return reasons + _own_reasons(t, f"merchant {t.id}")


def assess(applicant: Applicant, touches: list[Touch],
           organizations: tuple[Declared, ...] | list[Declared] = (),
           merchant: Touch | None = None) -> Assessment:
    """Score and recommend from the touches of every identifier and host;
    ``organizations`` are the merchant's own declared organisations (the hosts' come
    with their touches), named in the answer; ``merchant`` is the checked merchant
    itself when the graph holds it (its label, rings and decisions count too)."""
    reasons: list[Reason] = []
    for t in touches:
        if not t.known:
            continue
        if t.type == "streamer":
            reasons += _host_reasons(t)
        elif not t.hub:
            reasons += _identifier_reasons(t)
    if merchant is not None and merchant.known:
        reasons += _merchant_reasons(merchant)
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
                      organizations=declared, merchant=merchant)
