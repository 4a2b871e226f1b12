"""Scoring: each candidate ring gets a score, a risk level, a pattern, member scores,
its shared infrastructure and evidence an analyst can read.

The score is a logistic combination of sub-scores, each in [0, 1], each a
phenomenon risk teams name when they explain a ring:

coordination   the members share rare identifiers that nobody else uses
               (exclusivity), several of them (multiplicity)
burst          the shops registered within days of each other
youth          the shops are new (probation-period merchants)
ban evasion    shops registered after a banned shop reuse its phone or account
behaviour      refunds, complaints and violations above the platform median
known fraud    blacklisted members (seed), and proximity to blacklisted actors
               outside the ring (personalised PageRank from the seeds)
host collusion hosts who promote the ring's shops log in from the same devices
embedding      the ring's embedding centroid resembles known-fraud actors

Members cleared as legit by an investigator pull the score down. The weights are
priors set by hand, not fitted to any data set; ``ScoreParams`` exposes them.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from graphfraud.graph.projection import ACTOR_TYPES, IDENTIFIER_TYPES
from graphfraud.model import DEVICE as DEVICE_KIND
from graphfraud.model import MERCHANT as MERCHANT_KIND
from graphfraud.model import PAYMENT_ACCOUNT, Pattern, Risk

MERCHANT = MERCHANT_KIND.code
DEVICE, ACCOUNT = DEVICE_KIND.code, PAYMENT_ACCOUNT.code

if TYPE_CHECKING:
    from graphfraud.graph.projection import ActorGraph
    from graphfraud.loaders.dataset import Dataset


@dataclass(frozen=True)
class ScoreParams:
    """Weights and thresholds of the ring score."""

    bias: float = -3.2
    w_coordination: float = 2.2
    w_burst: float = 3.0
    w_youth: float = 0.8
    w_ban_evasion: float = 2.5
    w_behaviour: float = 2.2
    w_known_fraud: float = 2.6
    w_proximity: float = 0.8
    w_host_collusion: float = 1.8
    w_embedding: float = 1.0
    w_known_legit: float = 3.0
    #: Up to this ring size each blacklisted member counts fully; in larger rings
    #: it counts in proportion (a noisy blacklist hits big groups by chance).
    blacklist_ring_size: float = 6.0
    #: Registration spread (days) at which the burst sub-score halves.
    burst_half_life_days: float = 21.0
    #: Member age (days) at which the youth sub-score halves.
    youth_half_life_days: float = 240.0
    #: A shop counts as re-registered after a ban when it joined this long after the
    #: banned shop whose phone or account it uses (a burst of sign-ups is not evasion).
    ban_gap_days: float = 30.0
    high: float = 0.5
    medium: float = 0.3
    #: A member must be linked to at least this many other members (rings of more
    #: than three); an actor tied to the ring through one member only (a family
    #: shop sharing a phone with one ring shop) is not listed.
    min_member_support: int = 2
    #: Use graph embeddings (member attachment and similarity to known fraud).
    use_embedding: bool = True


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
class Ring:
    """One scored ring, as the report shows it."""

    ring_id: str
    score: float
    risk: str
    pattern: str
    members: tuple[Member, ...]
    shared: tuple[Shared, ...]
    evidence: tuple[str, ...]
    known_fraud: int
    known_legit: int
    features: dict[str, float] = field(default_factory=dict, compare=False)
    #: (member key, identifier key) for every use of a shared identifier, for pictures.
    usage: tuple[tuple[str, str], ...] = field(default=(), compare=False)


@dataclass
class ActorFacts:
    """Per-actor facts aligned with the actor graph's index."""

    registered_days: np.ndarray  # days since epoch, NaN when unknown
    banned: np.ndarray  # bool
    orders: np.ndarray  # float, NaN when unknown
    refunds: np.ndarray
    complaints: np.ndarray
    violations: np.ndarray
    verdict: np.ndarray  # +1 fraud, -1 legit, 0 none
    touches_fraud_identifier: np.ndarray  # bool
    promoted: Any  # scipy csr matrix: streamer -> merchant promotion presence
    as_of_days: float
    platform_refund_rate: float
    platform_complaint_rate: float
    platform_violations: float


def actor_facts(graph: ActorGraph, dataset: Dataset) -> ActorFacts:
    """Gather registration, status, signals and verdicts per actor (vectorised)."""
    import pandas as pd
    import scipy.sparse as sp

    t = dataset.tables
    n = graph.n_actors
    located: dict[tuple[str, str], np.ndarray] = {}  # one id lookup per table, not per column

    def rows_of(frame: pd.DataFrame, kind: str, id_col: str, table: str) -> np.ndarray:
        if (table, id_col) not in located:
            located[(table, id_col)] = graph.positions(kind, frame[id_col])
        return located[(table, id_col)]

    def aligned(frame: pd.DataFrame, kind: str, id_col: str, col: str,
                table: str = "") -> np.ndarray:
        out = np.full(n, np.nan)
        if frame is None or frame.empty or col not in frame:
            return out
        pos = rows_of(frame, kind, id_col, table or kind)
        values = frame[col]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            numeric = values.dt.tz_convert(None).to_numpy(dtype="datetime64[s]")
            as_days = numeric.astype("float64") / 86400.0
            as_days[np.isnat(numeric)] = np.nan
        else:
            as_days = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
        ok = pos >= 0
        out[pos[ok]] = as_days[ok]
        return out

    merchants = t["merchants"]
    registered = aligned(merchants, "merchant", "merchant_id", "registered_at", "merchants")
    if "streamers" in t:
        streamer_reg = aligned(t["streamers"], "streamer", "streamer_id", "registered_at")
        registered = np.where(np.isnan(registered), streamer_reg, registered)
    banned = np.zeros(n, dtype=bool)
    pos = rows_of(merchants, "merchant", "merchant_id", "merchants")
    known = pos >= 0
    banned[pos[known]] = (merchants["status"] == "banned").fillna(False).to_numpy()[known]
    signals = t.get("merchant_signals")
    sig = {c: aligned(signals, "merchant", "merchant_id", c, "merchant_signals")
           if signals is not None
           else np.full(n, np.nan) for c in ("orders", "refunds", "complaints", "violations")}
    verdict = np.zeros(n, dtype=np.int8)
    touches = np.zeros(n, dtype=bool)
    labels = t.get("labels")
    if labels is not None and not labels.empty:
        value = np.where(labels["label"] == "fraud", 1, -1)
        for kind in ACTOR_TYPES:
            part = (labels["entity_type"] == kind).fillna(False).to_numpy()
            p = graph.positions(kind, labels.loc[part, "entity_id"])
            ok = p >= 0
            verdict[p[ok]] = value[part][ok]
        fraud = (labels["label"] == "fraud").fillna(False).to_numpy()
        found = []
        for kind in IDENTIFIER_TYPES:
            part = fraud & (labels["entity_type"] == kind).fillna(False).to_numpy()
            found.append(graph.positions(kind, labels.loc[part, "entity_id"]))
        cols = np.concatenate(found)
        cols = cols[cols >= 0]
        if len(cols):
            used = np.asarray(graph.incidence[:, cols].sum(axis=1)).ravel()
            touches = used > 0
    all_dates = registered[~np.isnan(registered)]
    as_of = float(all_dates.max()) if len(all_dates) else 0.0
    orders = sig["orders"]
    active = orders >= 10
    with np.errstate(invalid="ignore", divide="ignore"):
        refund_rate = float(np.nanmedian(sig["refunds"][active] / orders[active])) \
            if active.any() else math.nan
        complaint_rate = float(np.nanmedian(sig["complaints"][active] / orders[active])) \
            if active.any() else math.nan
    return ActorFacts(
        registered_days=registered, banned=banned, orders=orders, refunds=sig["refunds"],
        complaints=sig["complaints"], violations=sig["violations"], verdict=verdict,
        touches_fraud_identifier=touches,
        promoted=(graph.promotions > 0).astype(np.int8) if graph.promotions.nnz
        else sp.csr_matrix((n, n)),
        as_of_days=as_of, platform_refund_rate=refund_rate,
        platform_complaint_rate=complaint_rate,
        platform_violations=float(np.nanmean(sig["violations"])) if np.isfinite(
            sig["violations"]).any() else math.nan,
    )


def ring_identity(graph: ActorGraph, members: np.ndarray) -> str:
    """A stable id: the hash of the member whose own hash is smallest.

    It stays the same while that member stays; the scan also carries ids over
    from a previous report by membership overlap (see :mod:`graphfraud.score.diff`).
    """
    digests = sorted(
        hashlib.sha1(graph.actor_key(int(i)).encode()).hexdigest() for i in members
    )
    return "R-" + digests[0][:12]


def _ratio_score(ratio: float, full_at: float = 3.0) -> float:
    """0 at or below the platform median, 1 at ``full_at`` times it (log scale)."""
    if not math.isfinite(ratio) or ratio <= 1:
        return 0.0
    return min(1.0, math.log(ratio) / math.log(full_at))


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def score_ring(
    graph: ActorGraph,
    facts: ActorFacts,
    members: np.ndarray,
    *,
    embedding: np.ndarray | None,
    proximity: np.ndarray,
    seeds: np.ndarray,
    params: ScoreParams,
    seed_vectors: np.ndarray | None = None,
) -> Ring:
    """Score one candidate (actor indices) and explain the score.

    ``seed_vectors`` (``embedding[seeds]``, computed once by the caller) saves
    gathering every seed's embedding again for each ring.
    """
    members = _supported(graph, np.asarray(members), params)
    n = len(members)
    types = graph.actor_types[members]
    is_merchant = types == MERCHANT
    # The members' incidence over only the identifiers they use (local columns): cost
    # grows with the ring, not with the graph.
    indptr, indices, data = _take_rows(graph.incidence, members)
    ident, local = np.unique(indices, return_inverse=True)
    inc = sp.csr_matrix((data, local, indptr), shape=(n, len(ident)))
    inside = np.bincount(local, minlength=len(ident))
    degree = graph.identifier_degree[ident]
    ident_types = graph.identifier_types[ident]
    shared_cols = np.flatnonzero(inside >= 2)
    kept = shared_cols[degree[shared_cols] <= graph.hub_degree]
    exclusivity = float(inside[kept].sum() / degree[kept].sum()) if len(kept) else 0.0
    multiplicity = 1.0 - math.exp(-max(len(kept) - 1, 0) / 2.0)
    coordination = exclusivity * (0.5 + 0.5 * multiplicity)

    # Coverage of the top shared devices and accounts ("7 of 9 shops use the same 3 phones").
    coverage = {}
    for kind in (DEVICE, ACCOUNT):
        cols = kept[ident_types[kept] == kind]
        cols = cols[np.argsort(-inside[cols], kind="stable")][:3]
        users = np.asarray(inc[:, cols].sum(axis=1)).ravel() > 0 if len(cols) else np.zeros(n, bool)
        coverage[kind] = (int(users.sum()), len(cols))

    reg = facts.registered_days[members]
    m_reg = reg[is_merchant & ~np.isnan(reg)]
    span = float(np.ptp(np.percentile(m_reg, [10, 90]))) if len(m_reg) >= 3 else math.inf
    burst = 0.5 ** (span / params.burst_half_life_days) if math.isfinite(span) else 0.0
    ages = facts.as_of_days - reg[~np.isnan(reg)]
    youth = float(0.5 ** (np.median(ages) / params.youth_half_life_days)) if len(ages) else 0.0

    # Ban evasion: a shop registered after a banned member, sharing an identifier with it.
    evaders: set[int] = set()
    # Only rare identifiers evidence evasion or collusion: a later shop on the same
    # internet-cafe PC as a banned one, or a host on it, proves nothing.
    rare = kept[degree[kept] <= graph.strong_degree]
    banned_local = np.flatnonzero(facts.banned[members])
    if len(banned_local) and len(rare):
        sub = inc[:, rare].tocsc()
        for b in banned_local:
            cols = sub[b].indices
            if not len(cols):
                continue
            partners = np.unique(sub[:, cols].tocsr().nonzero()[0])
            later = partners[(reg[partners] >= reg[b] + params.ban_gap_days)
                             & ~facts.banned[members][partners]]
            evaders.update(int(x) for x in later)
    ban_evasion = min(1.0, len(evaders) / 2.0)

    # Behaviour against the platform median (members with enough orders only).
    orders = facts.orders[members]
    enough = is_merchant & (orders >= 5)
    behaviour = 0.0
    ratios: dict[str, float] = {}
    if enough.sum() >= 2:
        o = orders[enough]
        ratios["refund"] = float(np.nanmedian(facts.refunds[members][enough] / o)
                                 / facts.platform_refund_rate) if facts.platform_refund_rate \
            else math.nan
        ratios["complaint"] = float(np.nanmedian(facts.complaints[members][enough] / o)
                                    / facts.platform_complaint_rate) \
            if facts.platform_complaint_rate else math.nan
        ratios["violation"] = float(np.nanmean(facts.violations[members][enough])
                                    / facts.platform_violations) \
            if facts.platform_violations else math.nan
        behaviour = float(np.mean([_ratio_score(r) for r in ratios.values()]))

    verdict = facts.verdict[members]
    known_fraud = int((verdict > 0).sum())
    known_legit = int((verdict < 0).sum())
    touching = int(facts.touches_fraud_identifier[members].sum())
    # Blacklists are noisy: one blacklisted shop among twenty says less than one in five.
    dilution = min(1.0, params.blacklist_ring_size / n)
    known = 1.0 - 0.5 ** ((known_fraud + 0.5 * touching) * dilution)
    legit_share = known_legit / n
    # Seed expansion: closeness to blacklisted actors elsewhere. A ring with its own
    # blacklisted members is scored on those (known_fraud); counting the walk from them
    # into the ring again would count the same label twice.
    outside = proximity[members][verdict <= 0]
    proximity_score = float(min(1.0, np.mean(outside) / 0.1)) \
        if len(outside) and not (known_fraud or touching) else 0.0

    streamers = members[~is_merchant]
    host_collusion = 0.0
    colluding_hosts = 0
    if len(streamers) and is_merchant.any():
        s_inc = inc[~is_merchant][:, rare]
        m_used = np.asarray(inc[is_merchant][:, rare].sum(axis=0)).ravel() > 0
        shares = np.asarray(s_inc[:, m_used].sum(axis=1)).ravel() > 0
        promoted = _submatrix(facts.promoted, streamers, members[is_merchant])
        promotes = np.diff(promoted.indptr) > 0
        colluding_hosts = int((shares & promotes).sum())
        host_collusion = min(1.0, colluding_hosts / 1.0)

    # Member attachment: in-ring link strength, and (with embeddings) closeness to the
    # ring's centroid. Weakly attached actors are left out of the ring.
    within = _submatrix(graph.linked, members)
    strength = np.asarray(within.sum(axis=1)).ravel()
    typical = float(np.median(strength)) or 1.0
    attach = np.minimum(1.0, strength / typical)
    embedding_score = 0.0
    if params.use_embedding and embedding is not None:
        vectors = embedding[members]
        centroid = vectors.mean(axis=0)
        norm = float(np.linalg.norm(centroid))
        if norm > 0:
            cos = vectors @ (centroid / norm)
            attach = 0.5 * attach + 0.5 * np.clip(cos, 0.0, 1.0)
            outside = ~np.isin(seeds, members)
            if outside.any():
                if seed_vectors is None:
                    sims = embedding[seeds[outside]] @ (centroid / norm)
                else:
                    sims = (seed_vectors @ (centroid / norm))[outside]
                embedding_score = float(np.clip(sims.max(), 0.0, 1.0)) ** 4
    logit = (params.bias
             + params.w_coordination * coordination
             + params.w_burst * burst
             + params.w_youth * youth
             + params.w_ban_evasion * ban_evasion
             + params.w_behaviour * behaviour
             + params.w_known_fraud * known
             + params.w_proximity * proximity_score
             + params.w_host_collusion * host_collusion
             + params.w_embedding * embedding_score
             - params.w_known_legit * legit_share)
    score = 1.0 / (1.0 + math.exp(-logit))
    risk = Risk.HIGH if score >= params.high else Risk.MEDIUM if score >= params.medium \
        else Risk.LOW

    member_scores = score * (0.5 + 0.5 * attach)
    member_scores = np.where(verdict > 0, np.maximum(member_scores, score), member_scores)
    member_scores = np.where(verdict < 0, member_scores * 0.5, member_scores)
    listed = [
        Member(ACTOR_TYPES[graph.actor_types[i]], str(graph.actor_ids[i]), round(float(s), 4))
        for i, s in zip(members, member_scores, strict=True)
    ]
    listed.sort(key=lambda m: (-m.score, m.type, m.id))
    shared = [
        Shared(IDENTIFIER_TYPES[ident_types[c]], str(graph.identifier_ids[ident[c]]),
               int(inside[c]))
        for c in shared_cols
    ]
    shared.sort(key=lambda s: (-s.members, s.type, s.id))

    sub_usage = inc[:, shared_cols].tocoo()
    usage = tuple(sorted(
        (graph.actor_key(int(members[r])),
         f"{IDENTIFIER_TYPES[ident_types[shared_cols[c]]]}:"
         f"{graph.identifier_ids[ident[shared_cols[c]]]}")
        for r, c in zip(sub_usage.row, sub_usage.col, strict=True)
    ))
    features = {
        "coordination": coordination, "exclusivity": exclusivity, "burst": burst,
        "youth": youth, "ban_evasion": ban_evasion, "behaviour": behaviour,
        "known_fraud": known, "proximity": proximity_score,
        "host_collusion": host_collusion, "embedding": embedding_score,
        "known_legit_share": legit_share,
    }
    pattern = _pattern(coverage, n, ban_evasion, colluding_hosts)
    evidence = _evidence(
        n=n, n_merchants=int(is_merchant.sum()), coverage=coverage, span=span,
        known_fraud=known_fraud, known_legit=known_legit, touching=touching,
        ratios=ratios, evaders=len(evaders), colluding_hosts=colluding_hosts,
        proximity=proximity_score, exclusivity=exclusivity, ages=ages,
        embedding=embedding_score,
    )
    return Ring(
        ring_id=ring_identity(graph, members),
        score=round(score, 4), risk=risk, pattern=pattern, members=tuple(listed),
        shared=tuple(shared), evidence=tuple(evidence), known_fraud=known_fraud,
        known_legit=known_legit, features={k: round(v, 4) for k, v in features.items()},
        usage=usage,
    )


def _submatrix(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray | None = None
               ) -> sp.csr_matrix:
    """``matrix[rows][:, cols]`` for sorted ``cols``, at a cost that grows with the rows
    taken (scipy's column indexing allocates a buffer the width of the whole graph)."""
    cols = rows if cols is None else cols
    taken_indptr, indices, data = _take_rows(matrix, rows)
    pos = np.searchsorted(cols, indices)
    np.minimum(pos, max(len(cols) - 1, 0), out=pos)
    hit = (cols[pos] == indices) if len(cols) else np.zeros(len(indices), dtype=bool)
    running = np.concatenate([[0], np.cumsum(hit)])
    indptr = running[taken_indptr]
    return sp.csr_matrix((data[hit], pos[hit], indptr), shape=(len(rows), len(cols)))


def _take_rows(matrix: sp.csr_matrix, rows: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``matrix[rows]`` as raw CSR arrays (indptr, indices, data), straight from numpy:
    scipy's row indexing costs ~0.1 ms of checks per call, paid thousands of times."""
    starts = matrix.indptr[rows]
    lengths = matrix.indptr[np.asarray(rows) + 1] - starts
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    gather = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1])
    return indptr, matrix.indices[gather], matrix.data[gather]


def _supported(graph: ActorGraph, members: np.ndarray, params: ScoreParams) -> np.ndarray:
    """The candidate without actors tied to it through a single member.

    The ring is scored as it is reported: an innocent family shop that shares a
    phone with one ring shop neither appears as a member nor colours the score.
    """
    if len(members) <= 3:
        return members
    within = _submatrix(graph.linked, members)
    support = np.diff(within.tocsr().indptr)
    keep = support >= params.min_member_support
    return members[keep] if keep.sum() >= 3 else members


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


def _evidence(*, n: int, n_merchants: int, coverage: dict[int, tuple[int, int]], span: float,
              known_fraud: int, known_legit: int, touching: int, ratios: dict[str, float],
              evaders: int, colluding_hosts: int, proximity: float, exclusivity: float,
              ages: np.ndarray, embedding: float) -> list[str]:
    found: list[tuple[float, str]] = []
    actors = "shops" if n_merchants == n else "members"
    used, k = coverage[DEVICE]
    if k and used >= 2:
        found.append((used / n * 2.0, f"{used} of {n} {actors} log in from the same "
                      f"{_plural(k, 'phone') if k > 1 else 'phone'}"))
    used, k = coverage[ACCOUNT]
    if k and used >= 2:
        found.append((used / n * 2.0, f"{used} of {n} {actors} are paid out to the same "
                      f"{_plural(k, 'account') if k > 1 else 'account'}"))
    if exclusivity >= 0.8:
        found.append((1.0, f"{round(exclusivity * 100)}% of the uses of the shared "
                      "phones and accounts are by ring members"))
    if math.isfinite(span) and span <= 60:
        found.append((2.0 - span / 60, f"shops registered within {max(1, round(span))} days"))
    if known_fraud:
        found.append((3.0 + known_fraud, f"{_plural(known_fraud, 'blacklisted member')}"))
    if touching:
        found.append((2.5, f"{_plural(touching, 'member')} used a blacklisted phone or account"))
    if evaders:
        found.append((3.0, f"{_plural(evaders, 'shop')} registered after a banned member "
                      f"and {'reuses' if evaders == 1 else 'reuse'} its phone or account"))
    if colluding_hosts:
        verbs = "promotes the ring's shops and shares" if colluding_hosts == 1 else \
            "promote the ring's shops and share"
        found.append((2.2, f"{_plural(colluding_hosts, 'host')} {verbs} their devices or "
                      "accounts"))
    labels = {"refund": "refund rate", "complaint": "complaints per order",
              "violation": "violations"}
    for key, ratio in ratios.items():
        if math.isfinite(ratio) and ratio >= 1.5:
            found.append((min(ratio, 5.0) / 2.0, f"{labels[key]} {ratio:.1f}x the platform "
                          "median"))
    if proximity >= 0.3:
        found.append((1.2, "closely linked to blacklisted actors outside the ring"))
    if embedding >= 0.5:
        found.append((0.8, "its link pattern resembles known fraud (graph embedding)"))
    found.sort(key=lambda x: -x[0])  # stable: ties keep the order above
    texts = [text for _, text in found]
    if known_legit:
        texts.append(f"but: {_plural(known_legit, 'member')} cleared as legit by an "
                     "investigator")
    if len(ages) and float(np.min(ages)) > 365 and not (math.isfinite(span) and span <= 180):
        texts.append(f"but: every member registered more than a year ago "
                     f"(oldest {float(np.max(ages)) / 365:.1f} years)")
    return texts
