"""Scoring: each candidate ring gets a score, a risk level, a pattern, member scores,
its shared infrastructure and evidence an analyst can read.

The score is a logistic combination of evidence in log-odds: each phenomenon risk
teams name when they explain a ring is one unit of :mod:`graphfraud.score.signals`
(its knobs, sub-scores, logit terms and reasons), and :func:`score_candidate` iterates
their registry. The weights are priors set by hand and adjusted on tuning data only
(docs/quality.md); ``ScoreParams`` (:mod:`graphfraud.score.params`) exposes them.
Evidence is recorded as codes and numbers (:mod:`graphfraud.score.evidence`) and
rendered in English for rings.json, in the reader's language for report.html.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from graphfraud.graph.projection import ACTOR_TYPES, IDENTIFIER_TYPES
from graphfraud.graph.sparse import take_rows, within_rows
from graphfraud.model import DEVICE as DEVICE_KIND
from graphfraud.model import PAYMENT_ACCOUNT, Pattern, Risk
from graphfraud.score.evidence import Reason, ordered, render
from graphfraud.score.facts import (
    ACTIVE_MIN_ORDERS,
    ActorFacts,
    FactsContext,
    actor_facts,
)
from graphfraud.score.params import ScoreParams
from graphfraud.score.signals import REGISTRY, Inputs, Signal
from graphfraud.score.view import Found, View, Within, make_view

DEVICE, ACCOUNT = DEVICE_KIND.code, PAYMENT_ACCOUNT.code

if TYPE_CHECKING:
    from graphfraud.graph.projection import ActorGraph

__all__ = ["ACTIVE_MIN_ORDERS", "ActorFacts", "Display", "FactsContext", "Member", "Ring",
           "ScoreParams", "Scored", "Shared", "actor_facts", "reaches_high",
           "ring_identity", "score_candidate", "score_group",
           "time_core"]


#: A ring that is not high is named ``organization`` when at least this share of its
#: members belong to one declared, verified organisation.
ORGANIZATION_PATTERN = 0.8

#: The members and shared identifiers whose uses a ring keeps for its picture.
USAGE_MEMBERS = 60
USAGE_IDENTIFIERS = 40


@dataclass(frozen=True)
class Member:
    type: str
    id: str
    score: float


@dataclass(frozen=True)
class Shared:
    type: str
    id: str
    members: int


@dataclass(frozen=True)
class Display:
    """What report.html shows of a ring beyond its output fields: never written to
    rings.json, so a ring read back has an empty one."""

    #: Each unit's sub-scores (rounded), by name.
    features: dict[str, float] = field(default_factory=dict)
    #: (member key, identifier key) for each use of a shared identifier among the first
    #: ``USAGE_MEMBERS`` members and ``USAGE_IDENTIFIERS`` shared identifiers (as
    #: listed): what a picture of the ring draws, whatever its size.
    usage: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Ring:
    """One scored ring, as the report shows it (its fields as rings.json writes them:
    graphfraud/report/fields.py; display-only facts in ``display``)."""

    ring_id: str
    score: float
    risk: Risk
    pattern: Pattern
    members: tuple[Member, ...]
    shared: tuple[Shared, ...]
    evidence: tuple[str, ...]
    known_fraud: int
    known_legit: int
    #: The evidence as codes and numbers (``evidence`` is its English), in the same
    #: order; empty for a ring read from a rings.json of schema 1.
    reasons: tuple[Reason, ...] = ()
    display: Display = field(default_factory=Display, compare=False)

    @property
    def features(self) -> dict[str, float]:
        return self.display.features

    @property
    def usage(self) -> tuple[tuple[str, str], ...]:
        return self.display.usage


def ring_identity(graph: ActorGraph, members: np.ndarray) -> str:
    """A stable id: the hash of the member whose own hash is smallest.

    It stays the same while that member stays; the scan also carries ids over
    from a previous report by membership overlap (see :mod:`graphfraud.score.diff`).
    """
    members = np.asarray(members)
    types, ids = graph.actor_types[members].tolist(), graph.actor_ids[members].tolist()
    return "R-" + min(hashlib.sha1(f"{ACTOR_TYPES[t]}:{i}".encode()).hexdigest()
                      for t, i in zip(types, ids, strict=True))[:12]



def time_core(facts: ActorFacts, members: np.ndarray, params: ScoreParams,
              min_size: int) -> np.ndarray | None:
    """The members registered within the densest ``time_core_days`` window, when they
    are at least ``min_size``, fewer than all, and more than chance explains (a scan
    statistic: the windows a span holds, times the Poisson tail of the count at the
    members' mean density); None otherwise or without dates."""
    reg = facts.registered_days[members]
    known = np.flatnonzero(~np.isnan(reg))
    if len(known) < min_size + 1:
        return None
    days = np.sort(reg[known])
    width = params.time_core_days
    ends = np.searchsorted(days, days + width, side="right")
    counts = ends - np.arange(len(days))
    best = int(np.argmax(counts))
    count = int(counts[best])
    span = float(days[-1] - days[0])
    if count < min_size or count >= len(members) or span <= width:
        return None
    from scipy.special import pdtrc  # the Poisson tail P(X >= count), for any count

    rate = len(days) * width / span  # members expected in one window
    tail = float(pdtrc(count - 1, rate))
    if (span / width) * tail > params.time_core_chance:
        return None
    start = days[best]
    inside = (reg >= start) & (reg <= start + width)
    return np.sort(members[inside])



def score_candidate(
    graph: ActorGraph,
    facts: ActorFacts,
    members: np.ndarray,
    **options: Any,
) -> tuple[Ring, np.ndarray | None]:
    """:func:`score_group`'s ring and block core: one candidate scored and explained
    (the options are :func:`score_group`'s)."""
    scored = score_group(graph, facts, members, **options)
    return scored.ring(), scored.block_core


@dataclass(eq=False)
class Scored:
    """A scored candidate before its ring is made: the score, risk and reasons that
    decide whether it stands (the pipeline cuts a whole that is not high into the parts
    and cores that are), its block core, and its ring, made when asked for (a whole
    that its parts replace is never made)."""

    score: float
    risk: Risk
    reasons: list[Reason]
    block_core: np.ndarray | None
    inputs: Inputs
    signals: tuple[Signal, ...]

    def ring(self) -> Ring:
        """The ring as the report shows it (:class:`Ring`)."""
        return _ring(self.inputs, self.score, self.risk, self.reasons, self.signals)


def score_group(
    graph: ActorGraph,
    facts: ActorFacts,
    members: np.ndarray,
    *,
    embedding: np.ndarray | None,
    proximity: np.ndarray,
    seeds: np.ndarray,
    params: ScoreParams,
    seed_vectors: np.ndarray | None = None,
    provenance: Reason | None = None,
    foreign_seed_vectors: np.ndarray | None = None,
    signals: tuple[Signal, ...] = REGISTRY,
) -> Scored:
    """Score one candidate (actor indices) and explain the score (:class:`Scored`,
    with its block core: the members that co-use its block beyond chance at the depth
    that counts, when some members do not; else None).

    Each unit of ``signals`` measures its phenomenon (sub-scores, ``None`` when the
    export has no data for it, and the facts its reasons name) and adds its terms to
    the logit. ``seeds`` are the blacklisted actors' indices, sorted.
    ``seed_vectors`` (``embedding[seeds]``, computed once by the caller)
    saves gathering every seed's embedding again for each ring;
    ``foreign_seed_vectors`` are the embeddings of seeds in other parts of the graph
    when ``graph`` is a part of it. ``provenance`` is the reason that says which cut
    found the candidate (listed after the evidence). ``params`` must hold the knobs
    of ``signals`` (:func:`graphfraud.score.params.params_type`).
    """
    members, within = _supported(graph, np.asarray(members), params)

    def inputs(of: np.ndarray, within: Within | None = None) -> Inputs:
        return Inputs(graph=graph, facts=facts, view=make_view(graph, facts, of, within),
                      params=params, found=Found(), proximity=proximity,
                      embedding=embedding, seeds=seeds, seed_vectors=seed_vectors,
                      foreign=foreign_seed_vectors, signals=signals)

    c = inputs(members, within)
    for i, unit in enumerate(signals):
        unit.measure(c)
        narrowed = unit.narrowed(c)
        if narrowed is not None:  # scored as the narrower ring: measure again up to here
            c = inputs(narrowed)
            for earlier in signals[:i + 1]:
                earlier.measure(c)
    for unit in signals:
        unit.settle(c)
    logit = params.bias
    for unit in signals:
        for term in unit.terms(c.found.scores, params):
            logit += term
    score = 1.0 / (1.0 + math.exp(-logit / params.temperature))
    risk = Risk.HIGH if score >= params.high else Risk.MEDIUM if score >= params.medium \
        else Risk.LOW
    reasons = [r for unit in signals for r in unit.reasons(c)]
    if risk == Risk.HIGH and not any(unit.signs(c) for unit in signals):
        # High means act: coordination with no sign of fraud is a group to review.
        risk, score = Risk.MEDIUM, min(score, params.no_sign_cap)
        k = c.found.facts.get("known_fraud", 0)
        reasons.append(Reason.of("no_fraud_sign_labels", k=k,
                                 expected=facts.fraud_rate * len(c.view.members))
                       if k else Reason.of("no_fraud_sign"))
    if provenance is not None:
        reasons.append(provenance)
    return Scored(score, risk, ordered(reasons), c.found.facts.get("block_core"), c, signals)


def _ring(c: Inputs, score: float, risk: Risk, reasons: list[Reason],
          signals: tuple[Signal, ...]) -> Ring:
    """The scored ring as the report shows it: members by score, shared identifiers by
    use, evidence strongest first."""
    graph, v, found = c.graph, c.view, c.found
    f = found.facts
    attach = f.get("attach", np.ones(v.n))
    member_scores = score * (0.5 + 0.5 * attach)
    member_scores = np.where(v.verdict > 0, np.maximum(member_scores, score), member_scores)
    member_scores = np.where(v.verdict < 0, member_scores * 0.5, member_scores)
    # (entry, its row or column in the view), in the order the report lists them
    # (plain ints, strings and floats: the same values as the arrays' scalars, made once)
    types = [ACTOR_TYPES[t] for t in graph.actor_types[v.members].tolist()]
    by_member = sorted(
        ((Member(kind, str(actor), round(score_i, 4)), r)
         for r, (kind, actor, score_i) in enumerate(zip(
             types, graph.actor_ids[v.members].tolist(), member_scores.tolist(),
             strict=True))),
        key=lambda x: (-x[0].score, x[0].type, x[0].id))
    by_shared = sorted(
        ((Shared(IDENTIFIER_TYPES[v.ident_types[col]],
                 str(graph.identifier_ids[v.ident[col]]), int(v.inside[col])), k)
         for k, col in enumerate(v.shared)),
        key=lambda x: (-x[0].members, x[0].type, x[0].id))
    listed = [m for m, _ in by_member]
    shared = [x for x, _ in by_shared]
    usage = _usage(v, listed, shared, [r for _, r in by_member], [k for _, k in by_shared])
    features = {k: round(float(x), 4) for k, x in found.scores.items() if x is not None}
    explained = (found.scores.get("organization") or 0.0) >= ORGANIZATION_PATTERN
    pattern = Pattern.ORGANIZATION if risk != Risk.HIGH and explained else \
        _pattern(f["coverage"], v.n, found.scores.get("ban_evasion") or 0.0,
                 f.get("colluding_hosts", 0))
    sentences = {code: s for unit in signals for code, s in unit.sentences.items()}
    return Ring(
        ring_id=ring_identity(graph, v.members),
        score=round(score, 4), risk=risk, pattern=pattern, members=tuple(listed),
        shared=tuple(shared), evidence=tuple(render(r, "en", sentences) for r in reasons),
        known_fraud=f.get("known_fraud", 0), known_legit=f.get("known_legit", 0),
        reasons=tuple(reasons), display=Display(features=features, usage=usage),
    )


def _usage(v: View, listed: list[Member], shared: list[Shared], order: list[int],
           columns: list[int]) -> tuple[tuple[str, str], ...]:
    """The uses among the members and identifiers a picture draws (the first of each)."""
    rows = np.asarray(order[:USAGE_MEMBERS], dtype=np.int64)
    cols = np.asarray(columns[:USAGE_IDENTIFIERS], dtype=np.int64)
    drawn = np.full(v.inc.shape[1], -1, dtype=np.int64)  # local column -> drawn rank
    drawn[v.shared[cols]] = np.arange(len(cols))
    indptr, indices, _ = take_rows(v.inc, rows)
    at = drawn[indices]
    by_row = np.repeat(np.arange(len(rows)), np.diff(indptr))
    member_keys = [m.type + ":" + m.id for m in listed[:len(rows)]]
    shared_keys = [x.type + ":" + x.id for x in shared[:len(cols)]]
    return tuple(sorted(
        (member_keys[r], shared_keys[c])
        for r, c in zip(by_row[at >= 0].tolist(), at[at >= 0].tolist(), strict=True)
    ))


def reaches_high(ring: Ring | Scored) -> bool:
    """Whether the ring's score reached ``high``, a sign of fraud or not: the pipeline
    cuts candidates into the parts and cores that do (which members form a ring does
    not depend on whether the export holds a sign of fraud about it)."""
    return ring.risk == Risk.HIGH or any(r.code.startswith("no_fraud_sign")
                                         for r in ring.reasons)


def _supported(graph: ActorGraph, members: np.ndarray, params: ScoreParams
               ) -> tuple[np.ndarray, Within | None]:
    """The candidate without actors tied to it through a single member; and, when
    none was left out, each member's links within it (:data:`Within`).

    The ring is scored as it is reported: an innocent family shop that shares a
    phone with one ring shop neither appears as a member nor colours the score.
    """
    if len(members) <= 3:
        return members, None
    within = within_rows(graph.linked, members)
    keep = within[0] >= params.min_member_support
    if keep.all() or keep.sum() < 3:
        return members, within
    return members[keep], None


def _pattern(coverage: dict[int, tuple[int, int]], n: int, ban_evasion: float,
             colluding_hosts: int) -> Pattern:
    if ban_evasion >= 0.5:
        return Pattern.BAN_EVASION
    devices = coverage[DEVICE][0] >= 0.6 * n
    accounts = coverage[ACCOUNT][0] >= 0.6 * n
    if colluding_hosts:
        return Pattern.MIXED if accounts else Pattern.HOST_COLLUSION
    if devices and accounts:
        return Pattern.MIXED
    if devices:
        return Pattern.DEVICE_FARM
    if accounts:
        return Pattern.SHARED_SETTLEMENT
    if coverage[DEVICE][0] >= coverage[ACCOUNT][0]:
        return Pattern.DEVICE_FARM
    return Pattern.SHARED_SETTLEMENT
