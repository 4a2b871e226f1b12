"""Scoring: each candidate ring gets a score, a risk level, a pattern, member scores,
its shared infrastructure and evidence an analyst can read.

The score is a logistic combination of evidence in log-odds, one function per
phenomenon risk teams name when they explain a ring:

coordination   the members share a block of identifiers that few others use
               (exclusivity), several of them each (multiplicity), many members
               (size); measured on the block, so camouflage does not dilute it
burst          the members registered within days of each other
youth          the members are new (probation-period merchants)
ban evasion    shops registered after a banned shop reuse its phone or account
behaviour      refunds, complaints and violations above the platform median
known fraud    blacklisted members, and proximity to blacklisted actors outside
               the ring (personalised PageRank from the seeds)
label balance  among the members someone judged, blacklisted against cleared
block users    who else uses the ring's block: when most of its uses are by others,
               the verdicts among those others (cleared users of a real community's
               contacts, or blacklisted members of the rest of a farm)
host collusion hosts who promote the ring's shops log in from the same devices
embedding      the ring's embedding centroid resembles known-fraud actors

Absent is neutral: a phenomenon the export has no data for (no dates, no signals, no
labels) adds nothing either way. Timing and behaviour count from a neutral level.
Members cleared as legit by an investigator pull the score down. The weights are
priors set by hand and adjusted on tuning data only (docs/quality.md); ``ScoreParams``
exposes them.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from graphfraud.graph.projection import ACTOR_TYPES, IDENTIFIER_TYPES
from graphfraud.graph.sparse import submatrix, take_rows
from graphfraud.model import DEVICE as DEVICE_KIND
from graphfraud.model import MERCHANT as MERCHANT_KIND
from graphfraud.model import PAYMENT_ACCOUNT, Pattern, Risk
from graphfraud.score.evidence import Reason

MERCHANT = MERCHANT_KIND.code
DEVICE, ACCOUNT = DEVICE_KIND.code, PAYMENT_ACCOUNT.code

if TYPE_CHECKING:
    from graphfraud.graph.projection import ActorGraph
    from graphfraud.loaders.dataset import Dataset


@dataclass(frozen=True)
class ScoreParams:
    """Weights and thresholds of the ring score."""

    bias: float = -4.6
    w_coordination: float = 6.0
    w_burst: float = 3.0
    w_youth: float = 0.8
    w_ban_evasion: float = 2.5
    w_behaviour: float = 2.2
    #: Platform enforcement: members suspended or banned by the platform, against how
    #: many the platform's own rate would put in a group of that size (binomial tail);
    #: the sub-score reaches one when chance would give that many with probability
    #: ``enforcement_chance_full``. Nothing without a status column, when no shop (or
    #: every shop) is sanctioned, or for a ring with fewer than three shops with a
    #: status.
    w_enforcement: float = 1.5
    enforcement_chance_full: float = 1e-3
    #: Timing and behaviour count from these neutral levels: above adds evidence,
    #: below (registered over years, ordinary refunds) takes it away; without data,
    #: nothing.
    burst_neutral: float = 0.1
    youth_neutral: float = 0.3
    behaviour_neutral: float = 0.15
    #: The block of a ring: the shared identifiers (two members or more) that at least
    #: this share of the members use, or whose users are mostly members.
    block_share: float = 0.2
    #: Coordination = coverage x (c_exclusivity x exclusivity + c_multiplicity x
    #: multiplicity + the rest x size).
    c_exclusivity: float = 0.4
    c_multiplicity: float = 0.35
    #: Ring size at which the size term of coordination reaches one (log scale from
    #: two: a block shared by a hundred actors is stronger evidence than one of ten).
    size_full: float = 100.0
    #: Co-use surprise: the members that use at least k of the block (k from half of
    #: it, and two, up to the depth with the largest surprise x members), against how
    #: many actors would by chance (each actor's uses spread over the identifiers in
    #: proportion to their popularity). The surprise reaches one at
    #: this ratio (log scale) and stands in for exclusivity when larger: a ring that
    #: buys reviews of a real business shares that business's products with its real
    #: customers, who use one of them, not most.
    surprise_full: float = 100.0
    #: When the co-use surprise reaches this and the members make less than this share
    #: of the uses of their block, a member that uses less than half of the block stays
    #: only if at least this share of the uses of its block identifiers are by members
    #: that do.
    core_share: float = 0.5
    w_known_fraud: float = 2.6
    w_proximity: float = 0.8
    w_host_collusion: float = 1.8
    w_embedding: float = 0.5
    w_known_legit: float = 3.0
    #: Weight of the verdict balance among a ring's judged members ((fraud - legit) /
    #: judged, from -1 to 1), counted once at least ``min_judged`` members are judged.
    w_label_balance: float = 2.0
    min_judged: int = 2
    #: The block's other users: actors outside the ring that use at least
    #: ``block_user_uses`` of its block identifiers. How often they are blacklisted and
    #: how often cleared, each against the graph's own rate (smoothed with
    #: ``block_users_prior`` actors at that rate, so a few users or no labels say
    #: nothing), gives a log ratio; it reaches full weight at ``block_users_full`` and
    #: counts with ``w_block_users`` times the share of the block's uses that are not by
    #: members (a block the ring owns says nothing of its neighbours; one it shares
    #: with a community is judged by that community).
    w_block_users: float = 2.0
    block_user_uses: int = 2
    #: Co-use beyond chance stands in for exclusivity only while fewer than
    #: ``crowd_ratio`` times the members (and ``crowd_min``) others also use
    #: ``block_user_uses`` or more of the block.
    crowd_ratio: float = 5.0
    crowd_min: int = 20
    block_users_prior: float = 10.0
    block_users_full: float = 10.0
    #: Up to this ring size each blacklisted member counts fully; in larger rings
    #: it counts in proportion (a noisy blacklist hits big groups by chance).
    blacklist_ring_size: float = 6.0
    #: Registration spread (days) at which the burst sub-score halves.
    burst_half_life_days: float = 21.0
    #: A candidate that is not high is also scored without its members outside its
    #: densest registration window of ``time_core_days`` (its time core), when that
    #: window holds at least ``min_ring_size`` members and no more than chance would put
    #: in some window with probability ``time_core_chance`` (members spread evenly over
    #: the candidate's dates): a ring of accounts made in one week, mixed with the real
    #: customers of the products it reviews. The core and the rest are reported instead
    #: when the core is high.
    time_core_days: float = 7.0
    time_core_chance: float = 0.01
    #: Member age (days) at which the youth sub-score halves.
    youth_half_life_days: float = 240.0
    #: A shop counts as re-registered after a ban when it joined this long after the
    #: banned shop whose phone or account it uses (a burst of sign-ups is not evasion).
    ban_gap_days: float = 30.0
    #: The score is sigmoid(logit / ``temperature``). The evidence terms overlap (a
    #: blacklisted farm shows in its labels, its walk and its embedding), so their sum
    #: is overconfident: at 1 most high rings sat at 0.99-1.00 and their order told an
    #: analyst nothing. Dividing keeps the order and every risk band: ``high`` stays
    #: at logit 0, ``medium`` 0.3956 is logit -0.847 at 2, what 0.3 was at 1.
    temperature: float = 2.0
    high: float = 0.5
    medium: float = 0.3956
    #: A member must be linked to at least this many other members (rings of more
    #: than three); an actor tied to the ring through one member only (a family
    #: shop sharing a phone with one ring shop) is not listed.
    min_member_support: int = 2
    #: Use graph embeddings (member attachment and similarity to known fraud).
    use_embedding: bool = True

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise ValueError(f"temperature must be positive, not {self.temperature!r}")


#: A shop with at least this many orders counts toward the platform's median refund and
#: complaint rates (a shop with three orders and one refund says little).
ACTIVE_MIN_ORDERS = 10

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
    #: The evidence as codes and numbers (``evidence`` is its English), in the same
    #: order; empty for a ring read from a rings.json of schema 1.
    reasons: tuple[Reason, ...] = ()
    features: dict[str, float] = field(default_factory=dict, compare=False)
    #: (member key, identifier key) for each use of a shared identifier among the first
    #: ``USAGE_MEMBERS`` members and ``USAGE_IDENTIFIERS`` shared identifiers (as
    #: listed): what a picture of the ring draws, whatever its size.
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
    #: Actor degree histogram (identifiers used: distinct values and their counts) and
    #: all uses, for the chance model of co-use.
    degree_values: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    degree_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    total_uses: int = 0
    #: Per actor: its label is an analyst's verdict (source ``analyst:NAME``), not an
    #: independent blacklist or investigator label.
    by_analyst: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    #: identifiers x actors (the incidence transposed), for who else uses a block.
    users_of: sp.csr_matrix | None = None
    #: Share of all actors blacklisted, and cleared.
    fraud_rate: float = 0.0
    legit_rate: float = 0.0
    #: Per actor: a shop suspended or banned by the platform; and the share of the
    #: shops with a known status that are (NaN without statuses).
    sanctioned: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    status_known: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    sanctioned_rate: float = math.nan


@dataclass(frozen=True)
class FactsContext:
    """The whole graph's figures that scoring compares a ring with, for scoring a part
    of the graph (whole components of it) as the whole would be scored."""

    degree_values: tuple[int, ...]
    degree_counts: tuple[int, ...]
    total_uses: int
    fraud_rate: float
    legit_rate: float
    as_of_days: float
    platform_refund_rate: float
    platform_complaint_rate: float
    platform_violations: float
    sanctioned_rate: float = math.nan

    @classmethod
    def of(cls, facts: ActorFacts) -> FactsContext:
        return cls(tuple(int(x) for x in facts.degree_values),
                   tuple(int(x) for x in facts.degree_counts), facts.total_uses,
                   facts.fraud_rate, facts.legit_rate, facts.as_of_days,
                   facts.platform_refund_rate, facts.platform_complaint_rate,
                   facts.platform_violations, facts.sanctioned_rate)


def actor_facts(graph: ActorGraph, dataset: Dataset,
                context: FactsContext | None = None) -> ActorFacts:
    """Gather registration, status, signals and verdicts per actor (vectorised).
    ``context``: the whole graph's figures when ``graph`` is a part of it."""
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
    banned, sanctioned, status_known, sanctioned_rate = _statuses(
        merchants, rows_of(merchants, "merchant", "merchant_id", "merchants"), n)
    signals = t.get("merchant_signals")
    sig = {c: aligned(signals, "merchant", "merchant_id", c, "merchant_signals")
           if signals is not None
           else np.full(n, np.nan) for c in ("orders", "refunds", "complaints", "violations")}
    verdict = np.zeros(n, dtype=np.int8)
    by_analyst = np.zeros(n, dtype=bool)
    touches = np.zeros(n, dtype=bool)
    labels = t.get("labels")
    if labels is not None and not labels.empty:
        value = np.where(labels["label"] == "fraud", 1, -1)
        analyst = labels["source"].astype("string").str.startswith("analyst:").fillna(
            False).to_numpy(dtype=bool) if "source" in labels else np.zeros(len(labels), bool)
        for kind in ACTOR_TYPES:
            part = (labels["entity_type"] == kind).fillna(False).to_numpy()
            p = graph.positions(kind, labels.loc[part, "entity_id"])
            ok = p >= 0
            verdict[p[ok]] = value[part][ok]
            by_analyst[p[ok]] = analyst[part][ok]
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
    active = orders >= ACTIVE_MIN_ORDERS
    degree_values, degree_counts = np.unique(np.diff(graph.incidence.indptr),
                                             return_counts=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        refund_rate = float(np.nanmedian(sig["refunds"][active] / orders[active])) \
            if active.any() else math.nan
        complaint_rate = float(np.nanmedian(sig["complaints"][active] / orders[active])) \
            if active.any() else math.nan
    facts = ActorFacts(
        registered_days=registered, banned=banned, orders=orders, refunds=sig["refunds"],
        complaints=sig["complaints"], violations=sig["violations"], verdict=verdict,
        touches_fraud_identifier=touches,
        promoted=(graph.promotions > 0).astype(np.int8) if graph.promotions.nnz
        else sp.csr_matrix((n, n)),
        as_of_days=as_of, platform_refund_rate=refund_rate,
        platform_complaint_rate=complaint_rate,
        platform_violations=float(np.nanmean(sig["violations"])) if np.isfinite(
            sig["violations"]).any() else math.nan,
        degree_values=degree_values.astype(np.int64),
        degree_counts=degree_counts.astype(np.int64),
        total_uses=int(graph.incidence.nnz),
        by_analyst=by_analyst,
        users_of=graph.incidence.T.tocsr(),
        fraud_rate=float((verdict > 0).mean()) if n else 0.0,
        legit_rate=float((verdict < 0).mean()) if n else 0.0,
        sanctioned=sanctioned, status_known=status_known, sanctioned_rate=sanctioned_rate,
    )
    return facts if context is None else _in_context(facts, context)


def _statuses(merchants: Any, pos: np.ndarray, n: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Per actor (``pos``: each merchant row's actor index, -1 for none): banned,
    suspended or banned, and with a known status; and the share of those with a status
    that are suspended or banned (NaN without statuses)."""
    import pandas as pd

    known = pos >= 0
    status = merchants["status"] if "status" in merchants else pd.Series(
        pd.NA, index=merchants.index, dtype="string")
    out = []
    for flag in (status == "banned", status.isin(["suspended", "banned"]), status.notna()):
        values = np.zeros(n, dtype=bool)
        values[pos[known]] = flag.fillna(False).to_numpy(dtype=bool)[known]
        out.append(values)
    rate = float(out[1].sum() / out[2].sum()) if out[2].any() else math.nan
    return out[0], out[1], out[2], rate


def _in_context(facts: ActorFacts, context: FactsContext) -> ActorFacts:
    """A part's facts with the whole graph's figures."""
    return replace(
        facts, degree_values=np.asarray(context.degree_values, dtype=np.int64),
        degree_counts=np.asarray(context.degree_counts, dtype=np.int64),
        total_uses=context.total_uses, fraud_rate=context.fraud_rate,
        legit_rate=context.legit_rate, as_of_days=context.as_of_days,
        platform_refund_rate=context.platform_refund_rate,
        platform_complaint_rate=context.platform_complaint_rate,
        platform_violations=context.platform_violations,
        sanctioned_rate=context.sanctioned_rate)


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


@dataclass(frozen=True)
class _View:
    """One candidate as the phenomena see it: members and the identifiers they use."""

    members: np.ndarray  # actor indices
    is_merchant: np.ndarray
    inc: sp.csr_matrix  # members x local identifiers
    ident: np.ndarray  # global identifier index of each local column
    inside: np.ndarray  # members using each local identifier
    degree: np.ndarray  # all actors using it
    ident_types: np.ndarray
    shared: np.ndarray  # local columns used by two or more members
    kept: np.ndarray  # shared and not dropped as hubs
    rare: np.ndarray  # kept and rare enough to make a strong link alone
    reg: np.ndarray  # registration day per member (NaN unknown)
    verdict: np.ndarray  # +1 blacklisted, -1 cleared, 0 none, per member

    @property
    def n(self) -> int:
        return len(self.members)

    def over(self, cols: np.ndarray, weights: np.ndarray | float = 1.0) -> np.ndarray:
        """Per member: its uses of the local columns ``cols`` (unique; each times its weight),
        as one product (scipy's column indexing costs more than the sum)."""
        w = np.zeros(self.inc.shape[1])
        w[cols] = weights
        return np.asarray(self.inc @ w)


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
    rate = len(days) * width / span  # members expected in one window
    tail = 1.0 - float(np.sum([math.exp(-rate) * rate ** i / math.factorial(i)
                               for i in range(count)]))
    if (span / width) * tail > params.time_core_chance:
        return None
    start = days[best]
    inside = (reg >= start) & (reg <= start + width)
    return np.sort(members[inside])


def _view(graph: ActorGraph, facts: ActorFacts, members: np.ndarray) -> _View:
    # The members' incidence over only the identifiers they use (local columns): cost
    # grows with the ring, not with the graph.
    n = len(members)
    indptr, indices, data = take_rows(graph.incidence, members)
    ident, local = np.unique(indices, return_inverse=True)
    inc = sp.csr_matrix((data, local, indptr), shape=(n, len(ident)))
    inside = np.bincount(local, minlength=len(ident))
    degree = graph.identifier_degree[ident]
    shared = np.flatnonzero(inside >= 2)
    kept = shared[~graph.identifier_dropped[ident[shared]]]
    return _View(members=members, is_merchant=graph.actor_types[members] == MERCHANT,
                 inc=inc, ident=ident, inside=inside, degree=degree,
                 ident_types=graph.identifier_types[ident], shared=shared, kept=kept,
                 rare=kept[degree[kept] <= graph.strong_degree],
                 reg=facts.registered_days[members], verdict=facts.verdict[members])


@dataclass
class _Found:
    """What the phenomena found: sub-scores (None: no data to judge), facts for the
    evidence text and the pattern."""

    scores: dict[str, float | None] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


def _chance_deep(facts: ActorFacts, block_uses: int, need: int) -> float:
    """How many actors would use at least ``need`` identifiers of a block by chance: an
    actor of degree d draws its d identifiers in proportion to their popularity, so its
    uses of the block are Binomial(d, q), q the block's share of all uses."""
    from scipy.special import bdtrc  # the binomial tail as a bare ufunc: per ring, cheap

    values = facts.degree_values
    able = values >= need
    if facts.total_uses <= 0 or not able.any():
        return 0.0
    q = min(1.0, block_uses / facts.total_uses)
    tail = bdtrc(need - 1, values[able], q)
    return float((facts.degree_counts[able] * tail).sum())


class _CoUse(NamedTuple):
    """Co-use beyond chance at the depth that counts (see :func:`_co_use`)."""

    surprise: float  # at ``depth``
    depth: int
    members: int  # members that use ``depth`` or more of the block
    chance: float  # actors that would by chance
    at_half: float  # the surprise at half the block (``need``)


def _co_use(facts: ActorFacts, per_member: np.ndarray, need: int, block_uses: int,
            params: ScoreParams) -> _CoUse:
    """Co-use beyond chance at the depth that sets most members apart.

    For each depth k from ``need`` up to the deepest member's, the members that use k
    or more of the block, against how many actors would by chance; the surprise of a
    depth is its log lift over ``log(surprise_full)`` (0 to 1), and the depth with the
    largest surprise x members wins: eight accounts that all review the same three
    small products are rarer than "two of three" says.
    """
    deep = int((per_member >= need).sum())
    best = _CoUse(0.0, need, deep, _chance_deep(facts, block_uses, need) if deep else 0.0,
                  0.0)
    if deep < 2:
        return best
    weight, at_half = 0.0, 0.0
    for k in [need, *np.unique(per_member[per_member > need]).astype(int).tolist()]:
        deep_k = int((per_member >= k).sum())
        if deep_k < 2:
            break
        chance_k = best.chance if k == need else _chance_deep(facts, block_uses, k)
        lift = deep_k / max(chance_k, 1e-9)
        surprise = min(1.0, max(0.0, math.log(lift) / math.log(params.surprise_full)))
        if k == need:
            at_half = surprise
        if surprise * deep_k > weight:
            weight, best = surprise * deep_k, _CoUse(surprise, k, deep_k, chance_k, 0.0)
    return best._replace(at_half=at_half)


def _coordination(v: _View, facts: ActorFacts, params: ScoreParams, out: _Found) -> None:
    """Structure alone: the members share a block of identifiers that few others use.

    Measured on the block (the identifiers a good share of the members use), not on
    everything a member touches, so camouflage links to popular outside identifiers
    do not dilute it (FRAUDAR's argument). Sub-measures: exclusivity (share of the
    block's uses that are by members), multiplicity (block identifiers per member: a
    ring shares several phones and accounts, a family one phone), coverage (members
    on the block) and size. Exclusivity is replaced by the co-use surprise
    (``surprise_full``) when that is larger.
    """
    cols = v.kept
    # The block: identifiers mostly used by members, or used by a good share of them.
    core = cols[(v.inside[cols] >= params.block_share * v.n)
                | (v.inside[cols] >= 0.5 * v.degree[cols])]
    coverage_by_kind = {}
    for kind in (DEVICE, ACCOUNT):
        top = cols[v.ident_types[cols] == kind]
        top = top[np.argsort(-v.inside[top], kind="stable")][:3]
        users = v.over(top) > 0
        coverage_by_kind[kind] = (int(users.sum()), len(top))
    out.facts["coverage"] = coverage_by_kind
    if not len(core):
        out.scores.update(coordination=0.0, exclusivity=0.0, multiplicity=0.0)
        out.facts.update(exclusivity=0.0, block=0, per_member=0.0, deep=0, chance=0.0)
        return
    exclusivity = float(v.inside[core].sum() / v.degree[core].sum())
    per_member = v.over(core)
    need = max(2, math.ceil(len(core) / 2))
    deep = int((per_member >= need).sum())
    co_use = _co_use(facts, per_member, need, int(v.degree[core].sum()), params)
    surprise, at_half = co_use.surprise, co_use.at_half
    co_users = _co_users(v, facts, v.ident[core], params)
    out.facts["co_users"] = co_users
    if surprise > 0 and co_users is not None and \
            len(co_users) >= max(params.crowd_min, params.crowd_ratio * v.n):
        # Many others co-use the block too (the rest of a community, or of a farm): the
        # members are not set apart from their neighbourhood, only from the graph at
        # large, so co-use beyond chance does not stand in for exclusivity.
        surprise = at_half = 0.0
    if (deep >= 3 and deep < v.n and at_half >= params.core_share
            and exclusivity < params.core_share):
        # Members that use most of the block, and those whose block identifiers are
        # mostly used by those; the rest (one identifier of a block that many
        # outsiders use) are the real customers of what the ring uses. The caller
        # scores the ring without them.
        is_deep = (per_member >= need).astype(np.float64)
        by_deep = np.asarray(v.inc.T @ is_deep)  # per identifier: deep members using it
        own = v.over(core, by_deep[core])
        of_all = v.over(core, v.degree[core])
        attached = own >= params.core_share * np.maximum(of_all, 1)
        keep = (per_member >= need) | attached
        if not keep.all():
            out.facts["core"] = v.members[keep]
    if 0 < co_use.members < v.n and surprise > 0:
        # The members that co-use the block beyond chance (at the depth that counts):
        # the caller scores them alone too when the whole is not high.
        out.facts["block_core"] = v.members[per_member >= co_use.depth]
    raw_exclusivity = exclusivity
    # Counted for the share of members that co-use the block beyond chance.
    exclusivity = max(exclusivity, surprise * co_use.members / v.n)
    coverage = float((per_member >= 1).mean())
    depth = float(per_member[per_member >= 1].mean())
    multiplicity = 1.0 - 0.5 ** (depth - 1.0) if depth > 1 else 0.0
    size = min(1.0, math.log(v.n - 1) / math.log(params.size_full - 1)) if v.n > 2 else 0.0
    coordination = coverage * (params.c_exclusivity * exclusivity
                               + params.c_multiplicity * multiplicity
                               + (1.0 - params.c_exclusivity - params.c_multiplicity) * size)
    out.scores.update(coordination=coordination, exclusivity=exclusivity,
                      multiplicity=multiplicity)
    out.facts.update(exclusivity=raw_exclusivity, block=len(core), per_member=depth,
                     deep=co_use.members, chance=co_use.chance, surprise=surprise,
                     need=co_use.depth)


def _timing(v: _View, facts: ActorFacts, params: ScoreParams, out: _Found) -> None:
    """Burst (registrations within days of each other) and youth (new shops); no
    score at all when registration dates are unknown."""
    known = v.reg[~np.isnan(v.reg)]
    span = float(np.ptp(np.percentile(known, [10, 90]))) if len(known) >= 3 else math.inf
    ages = facts.as_of_days - known
    out.facts.update(span=span, ages=ages)
    out.scores["burst"] = 0.5 ** (span / params.burst_half_life_days) \
        if math.isfinite(span) else None
    out.scores["youth"] = float(0.5 ** (np.median(ages) / params.youth_half_life_days)) \
        if len(ages) >= max(3, v.n / 2) else None


def _ban_evasion(v: _View, facts: ActorFacts, params: ScoreParams, out: _Found) -> None:
    """Shops registered after a banned member that reuse its rare phone or account."""
    evaders: set[int] = set()
    banned = facts.banned[v.members]
    banned_local = np.flatnonzero(banned)
    if len(banned_local) and len(v.rare):
        indptr, indices = v.inc.indptr, v.inc.indices
        rows = np.repeat(np.arange(v.n), np.diff(indptr))
        is_rare = np.zeros(v.inc.shape[1], dtype=bool)
        is_rare[v.rare] = True
        for b in banned_local:
            mine = indices[indptr[b]:indptr[b + 1]]
            mine = mine[is_rare[mine]]
            if not len(mine):
                continue
            on = np.zeros(v.inc.shape[1], dtype=bool)
            on[mine] = True
            partners = np.unique(rows[on[indices]])  # members on one of its rare ones
            later = partners[(v.reg[partners] >= v.reg[b] + params.ban_gap_days)
                             & ~banned[partners]]
            evaders.update(int(x) for x in later)
    out.facts["evaders"] = len(evaders)
    out.scores["ban_evasion"] = min(1.0, len(evaders) / 2.0)


def _enforcement(v: _View, facts: ActorFacts, params: ScoreParams, out: _Found) -> None:
    """Members the platform has already suspended or banned, against its own rate:
    how unlikely that many would be in a group of this size by chance. No score
    without statuses, when the platform has sanctioned no shop (or every shop), or for
    a ring with fewer than three shops with a status."""
    from scipy.special import bdtrc

    rate = facts.sanctioned_rate
    known = facts.status_known[v.members] if len(facts.status_known) else \
        np.zeros(v.n, bool)
    n_known = int(known.sum())
    k = int(facts.sanctioned[v.members][known].sum()) if n_known else 0
    out.facts.update(sanctioned=k, status_known=n_known)
    if not (math.isfinite(rate) and 0.0 < rate < 1.0) or n_known < 3:
        out.scores["enforcement"] = None
        return
    tail = float(bdtrc(k - 1, n_known, rate)) if k else 1.0  # P(X >= k)
    out.facts["sanction_chance"] = tail
    full = -math.log10(params.enforcement_chance_full)
    out.scores["enforcement"] = min(1.0, max(0.0, -math.log10(max(tail, 1e-300)) / full))


def _behaviour(v: _View, facts: ActorFacts, out: _Found) -> None:
    """Refunds, complaints and violations against the platform median (members with
    enough orders only); no score without behaviour signals."""
    orders = facts.orders[v.members]
    enough = v.is_merchant & (orders >= 5)
    ratios: dict[str, float] = {}
    out.facts["ratios"] = ratios
    if enough.sum() < 2:
        out.scores["behaviour"] = None
        return
    o = orders[enough]
    for key, values, platform in (
            ("refund", facts.refunds, facts.platform_refund_rate),
            ("complaint", facts.complaints, facts.platform_complaint_rate)):
        ratios[key] = float(np.nanmedian(values[v.members][enough] / o) / platform) \
            if platform else math.nan
    ratios["violation"] = float(np.nanmean(facts.violations[v.members][enough])
                                / facts.platform_violations) \
        if facts.platform_violations else math.nan
    out.scores["behaviour"] = float(np.mean([_ratio_score(r) for r in ratios.values()]))


def _labels(v: _View, facts: ActorFacts, proximity: np.ndarray, params: ScoreParams,
            out: _Found) -> None:
    """Known fraud (blacklisted members, members on a blacklisted phone or account),
    closeness to blacklisted actors outside (personalised PageRank) and members
    cleared as legit."""
    verdict = v.verdict
    known_fraud = int((verdict > 0).sum())
    known_legit = int((verdict < 0).sum())
    touching = int(facts.touches_fraud_identifier[v.members].sum())
    # Blacklists are noisy: one blacklisted shop among twenty says less than one in five.
    dilution = min(1.0, params.blacklist_ring_size / v.n)
    out.scores["known_fraud"] = 1.0 - 0.5 ** ((known_fraud + 0.5 * touching) * dilution)
    out.scores["known_legit_share"] = known_legit / v.n
    # Among the members someone has judged, the balance of the verdicts: a group whose
    # labelled members are all cleared is evidence of innocence, all blacklisted of
    # fraud. Too few labels say nothing.
    judged = known_fraud + known_legit
    out.scores["label_balance"] = (known_fraud - known_legit) / judged \
        if judged >= params.min_judged else None
    # A ring with its own blacklisted members is scored on those; the walk from them
    # into the ring would count the same label twice.
    outside = proximity[v.members][verdict <= 0]
    out.scores["proximity"] = float(min(1.0, np.mean(outside) / 0.1)) \
        if len(outside) and not (known_fraud or touching) else 0.0
    mine = facts.by_analyst[v.members] if len(facts.by_analyst) else np.zeros(v.n, bool)
    out.facts.update(known_fraud=known_fraud, known_legit=known_legit, touching=touching,
                     confirmed=int(((verdict > 0) & mine).sum()),
                     dismissed=int(((verdict < 0) & mine).sum()))


def _co_users(v: _View, facts: ActorFacts, block: np.ndarray, params: ScoreParams
              ) -> np.ndarray | None:
    """The actors outside the ring that use ``block_user_uses`` or more of the block
    (global identifier indices); None without a block or the transposed incidence."""
    if facts.users_of is None or not len(block):
        return None
    _, users, _ = take_rows(facts.users_of, np.sort(block))
    ids, uses = np.unique(users, return_counts=True)
    return ids[(uses >= params.block_user_uses) & ~np.isin(ids, v.members)]


def _block_users(v: _View, facts: ActorFacts, params: ScoreParams, out: _Found) -> None:
    """Who else uses the ring's block. A handful of heavy users of a real community's
    contacts share most of their block with the rest of that community, which is
    cleared more often and blacklisted less often than actors at large; a fragment of
    a farm shares it with the rest of the farm, blacklisted more often. Counted in
    proportion to the share of the block's uses that are by outsiders."""
    co = out.facts.get("co_users")  # found by _coordination
    out.facts.update(block_users=0, block_fraud=0, block_legit=0)
    out.scores["block_users"] = None
    if co is None:
        return
    verdict = facts.verdict[co]
    fraud, legit = int((verdict > 0).sum()), int((verdict < 0).sum())
    out.facts.update(block_users=len(co), block_fraud=fraud, block_legit=legit)
    if not len(co):
        return

    def lift(found: int, rate: float) -> float:
        # Against the graph's own rate; a kind of label the export lacks says nothing.
        prior = params.block_users_prior
        return (found + prior * rate) / ((len(co) + prior) * rate) if rate > 0 else 1.0

    fraud_lift, legit_lift = lift(fraud, facts.fraud_rate), lift(legit, facts.legit_rate)
    out.facts.update(block_fraud_lift=fraud_lift, block_legit_lift=legit_lift)
    balance = math.log(fraud_lift / legit_lift) / math.log(params.block_users_full)
    if facts.legit_rate <= 0 or facts.fraud_rate <= 0:
        # With one kind of label only, an unlabelled neighbourhood is not evidence
        # either way: only what that kind says (blacklisted, or cleared) counts.
        balance = max(0.0, balance) if facts.legit_rate <= 0 else min(0.0, balance)
    outside_share = 1.0 - float(out.facts.get("exclusivity", 0.0))
    out.scores["block_users"] = outside_share * max(-1.0, min(1.0, balance))


def _host_collusion(v: _View, facts: ActorFacts, out: _Found) -> None:
    """Hosts who promote the ring's shops and log in from the same rare devices."""
    streamers = v.members[~v.is_merchant]
    colluding = 0
    if len(streamers) and v.is_merchant.any():
        # rare identifiers a shop of the ring uses, and the hosts that use one of them
        by_shops = np.asarray(v.inc.T @ v.is_merchant.astype(np.float64))
        shops_rare = v.rare[by_shops[v.rare] > 0]
        shares = v.over(shops_rare)[~v.is_merchant] > 0
        promoted = submatrix(facts.promoted, streamers, v.members[v.is_merchant])
        colluding = int((shares & (np.diff(promoted.indptr) > 0)).sum())
    out.facts["colluding_hosts"] = colluding
    out.scores["host_collusion"] = min(1.0, float(colluding))


def _attachment(graph: ActorGraph, v: _View, embedding: np.ndarray | None,
                seeds: np.ndarray, seed_vectors: np.ndarray | None, params: ScoreParams,
                out: _Found, foreign: np.ndarray | None = None) -> np.ndarray:
    """Per member: in-ring link strength and (with embeddings) closeness to the ring's
    centroid; and the ring centroid's similarity to known-fraud actors outside it."""
    within = submatrix(graph.linked, v.members)
    strength = np.asarray(within.sum(axis=1)).ravel()
    typical = float(np.median(strength)) or 1.0
    attach = np.minimum(1.0, strength / typical)
    out.scores["embedding"] = 0.0
    if not params.use_embedding or embedding is None:
        return attach
    vectors = embedding[v.members]
    centroid = vectors.mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    if norm > 0:
        direction = centroid / norm
        attach = 0.5 * attach + 0.5 * np.clip(vectors @ direction, 0.0, 1.0)
        best = -math.inf
        if len(seeds):
            # every seed's similarity, then the ring's own seeds left out (seeds are
            # sorted): no copy of the seeds' vectors per ring
            sims = (embedding[seeds] if seed_vectors is None else seed_vectors) @ direction
            at = np.minimum(np.searchsorted(seeds, v.members), len(seeds) - 1)
            sims[at[seeds[at] == v.members]] = -math.inf
            best = float(sims.max())
        if foreign is not None and len(foreign):  # seeds in other parts of the graph
            best = max(best, float((foreign @ direction).max()))
        if best > -math.inf:
            out.scores["embedding"] = float(np.clip(best, 0.0, 1.0)) ** 4
    return attach


def _logit(scores: dict[str, float | None], params: ScoreParams) -> float:
    """Evidence in log-odds. Structure and labels add; timing and behaviour count
    against their neutral level (a group registered over years is evidence of
    innocence), and not at all when the export has no such data: absent is neutral."""
    def centred(name: str, weight: float, neutral: float) -> float:
        value = scores.get(name)
        return 0.0 if value is None else weight * (value - neutral)

    return (params.bias
            + params.w_coordination * (scores["coordination"] or 0.0)
            + centred("burst", params.w_burst, params.burst_neutral)
            + centred("youth", params.w_youth, params.youth_neutral)
            + centred("behaviour", params.w_behaviour, params.behaviour_neutral)
            + params.w_enforcement * (scores.get("enforcement") or 0.0)
            + params.w_ban_evasion * (scores["ban_evasion"] or 0.0)
            + params.w_known_fraud * (scores["known_fraud"] or 0.0)
            + params.w_proximity * (scores["proximity"] or 0.0)
            + params.w_host_collusion * (scores["host_collusion"] or 0.0)
            + params.w_embedding * (scores["embedding"] or 0.0)
            - params.w_known_legit * (scores["known_legit_share"] or 0.0)
            + params.w_label_balance * (scores.get("label_balance") or 0.0)
            + params.w_block_users * (scores.get("block_users") or 0.0))


def score_candidate(
    graph: ActorGraph,
    facts: ActorFacts,
    members: np.ndarray,
    *,
    embedding: np.ndarray | None,
    proximity: np.ndarray,
    seeds: np.ndarray,
    params: ScoreParams,
    seed_vectors: np.ndarray | None = None,
    provenance: str = "",
    foreign_seed_vectors: np.ndarray | None = None,
) -> tuple[Ring, np.ndarray | None]:
    """Score one candidate (actor indices) and explain the score; also its block core
    (the members that co-use its block beyond chance at the depth that counts, when
    some members do not; else None).

    Each phenomenon has its own function, filling sub-scores (``None`` when the
    export has no data for it) and the facts the evidence text names; ``_logit``
    combines them. ``seeds`` are the blacklisted actors' indices, sorted.
    ``seed_vectors`` (``embedding[seeds]``, computed once by the caller)
    saves gathering every seed's embedding again for each ring;
    ``foreign_seed_vectors`` are the embeddings of seeds in other parts of the graph
    when ``graph`` is a part of it.
    """
    members = _supported(graph, np.asarray(members), params)
    v = _view(graph, facts, members)
    found = _Found()
    _coordination(v, facts, params, found)
    if "core" in found.facts:
        members = found.facts["core"]
        v = _view(graph, facts, members)
        found = _Found()
        _coordination(v, facts, params, found)
    _timing(v, facts, params, found)
    _ban_evasion(v, facts, params, found)
    _behaviour(v, facts, found)
    _enforcement(v, facts, params, found)
    _labels(v, facts, proximity, params, found)
    _block_users(v, facts, params, found)
    _host_collusion(v, facts, found)
    attach = _attachment(graph, v, embedding, seeds, seed_vectors, params, found,
                         foreign_seed_vectors)
    score = 1.0 / (1.0 + math.exp(-_logit(found.scores, params) / params.temperature))
    risk = Risk.HIGH if score >= params.high else Risk.MEDIUM if score >= params.medium \
        else Risk.LOW
    return (_ring(graph, v, found, score, risk, attach, provenance),
            found.facts.get("block_core"))


def _ring(graph: ActorGraph, v: _View, found: _Found, score: float, risk: Risk,
          attach: np.ndarray, provenance: str) -> Ring:
    """The scored ring as the report shows it: members by score, shared identifiers by
    use, evidence strongest first."""
    f = found.facts
    verdict_fraud = f["known_fraud"]
    member_scores = score * (0.5 + 0.5 * attach)
    member_scores = np.where(v.verdict > 0, np.maximum(member_scores, score), member_scores)
    member_scores = np.where(v.verdict < 0, member_scores * 0.5, member_scores)
    # (entry, its row or column in the view), in the order the report lists them
    by_member = sorted(
        ((Member(ACTOR_TYPES[graph.actor_types[i]], str(graph.actor_ids[i]),
                 round(float(score_i), 4)), r)
         for r, (i, score_i) in enumerate(zip(v.members, member_scores, strict=True))),
        key=lambda x: (-x[0].score, x[0].type, x[0].id))
    by_shared = sorted(
        ((Shared(IDENTIFIER_TYPES[v.ident_types[c]], str(graph.identifier_ids[v.ident[c]]),
                 int(v.inside[c])), k) for k, c in enumerate(v.shared)),
        key=lambda x: (-x[0].members, x[0].type, x[0].id))
    listed = [m for m, _ in by_member]
    shared = [x for x, _ in by_shared]
    order = [r for _, r in by_member]
    columns = [k for _, k in by_shared]
    # The uses among the members and identifiers a picture draws (the first of each).
    rows = np.asarray(order[:USAGE_MEMBERS], dtype=np.int64)
    cols = np.asarray(columns[:USAGE_IDENTIFIERS], dtype=np.int64)
    drawn = np.full(v.inc.shape[1], -1, dtype=np.int64)  # local column -> drawn rank
    drawn[v.shared[cols]] = np.arange(len(cols))
    indptr, indices, _ = take_rows(v.inc, rows)
    at = drawn[indices]
    by_row = np.repeat(np.arange(len(rows)), np.diff(indptr))
    usage = tuple(sorted(
        (listed[r].type + ":" + listed[r].id, shared[c].type + ":" + shared[c].id)
        for r, c in zip(by_row[at >= 0].tolist(), at[at >= 0].tolist(), strict=True)
    ))
    features = {k: round(float(x), 4) for k, x in found.scores.items() if x is not None}
    pattern = _pattern(f["coverage"], v.n, found.scores["ban_evasion"] or 0.0,
                       f["colluding_hosts"])
    evidence = _evidence(
        n=v.n, n_merchants=int(v.is_merchant.sum()), coverage=f["coverage"], span=f["span"],
        known_fraud=verdict_fraud, known_legit=f["known_legit"], touching=f["touching"],
        ratios=f["ratios"], evaders=f["evaders"], colluding_hosts=f["colluding_hosts"],
        proximity=found.scores["proximity"] or 0.0, exclusivity=f["exclusivity"],
        ages=f["ages"], embedding=found.scores["embedding"] or 0.0,
        block=f["block"], per_member=f["per_member"], provenance=provenance,
        co_use=(f.get("deep", 0), f.get("need", 0), f.get("chance", 0.0),
                f.get("surprise", 0.0)),
        decided=(f.get("confirmed", 0), f.get("dismissed", 0)),
        sanctions=(f.get("sanctioned", 0), f.get("status_known", 0),
                   found.scores.get("enforcement") or 0.0),
        neighbours=(found.scores.get("block_users") or 0.0, f.get("block_users", 0),
                    f.get("block_fraud", 0), f.get("block_legit", 0),
                    f.get("block_fraud_lift", 1.0), f.get("block_legit_lift", 1.0)),
    )
    return Ring(
        ring_id=ring_identity(graph, v.members),
        score=round(score, 4), risk=risk, pattern=pattern, members=tuple(listed),
        shared=tuple(shared), evidence=tuple(evidence), known_fraud=verdict_fraud,
        known_legit=f["known_legit"], features=features, usage=usage,
    )


def _supported(graph: ActorGraph, members: np.ndarray, params: ScoreParams) -> np.ndarray:
    """The candidate without actors tied to it through a single member.

    The ring is scored as it is reported: an innocent family shop that shares a
    phone with one ring shop neither appears as a member nor colours the score.
    """
    if len(members) <= 3:
        return members
    within = submatrix(graph.linked, members)
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
              ages: np.ndarray, embedding: float, block: int = 0, per_member: float = 0.0,
              provenance: str = "", co_use: tuple[int, int, float, float] = (0, 0, 0.0, 0.0),
              decided: tuple[int, int] = (0, 0),
              sanctions: tuple[int, int, float] = (0, 0, 0.0),
              neighbours: tuple[float, int, int, int, float, float] = (0.0, 0, 0, 0, 1.0, 1.0)
              ) -> list[str]:
    found: list[tuple[float, str]] = []
    deep, need, chance, surprise = co_use
    if surprise >= 0.5 and exclusivity < 0.8:
        expected = "under 0.01" if chance < 0.01 else f"{chance:.2f}" if chance < 1 \
            else f"{chance:.0f}"
        found.append((1.0 + surprise, f"{deep} members each use {need} or more of the "
                      f"{block} phones and accounts; chance would give {expected}"))
    if block >= 2 and per_member >= 1.5:
        found.append((1.5 + min(per_member, 4.0) / 4, f"each member uses {per_member:.1f} of "
                      f"the same {block} phones and accounts on average"))
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
        # An analyst's own confirmation is named as such, not as independent evidence.
        blacklisted = known_fraud - decided[0]
        if blacklisted:
            found.append((3.0 + blacklisted, _plural(blacklisted, "blacklisted member")))
        if decided[0]:
            found.append((2.9, f"{_plural(decided[0], 'member')} confirmed as fraud by an "
                          "analyst"))
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
    sanctioned, with_status, enforcement = sanctions
    if enforcement >= 0.5:  # chance 0.03 or less
        found.append((1.0 + enforcement, f"{sanctioned} of {with_status} shops already "
                      "suspended or banned by the platform, more than chance would give"))
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
    lean, others, others_fraud, others_legit, fraud_lift, legit_lift = neighbours
    if lean >= 0.3:  # named by what drives it: many blacklisted, or few cleared
        found.append((1.0 + lean, f"{others_fraud} of the {others} others using its phones "
                      "and accounts are blacklisted, more than in the graph at large"
                      if fraud_lift > 1 else
                      f"{others_legit} of the {others} others using its phones and "
                      "accounts are cleared as legit, fewer than in the graph at large"))
    found.sort(key=lambda x: -x[0])  # stable: ties keep the order above
    texts = [text for _, text in found]
    if provenance:
        texts.append(f"found by: {provenance}")
    if known_legit - decided[1]:
        texts.append(f"but: {_plural(known_legit - decided[1], 'member')} cleared as legit "
                     "by an investigator")
    if decided[1]:
        texts.append(f"but: {_plural(decided[1], 'member')} cleared by an analyst's "
                     "dismissal")
    if lean <= -0.3:
        texts.append(f"but: {others_legit} of the {others} others using its phones and "
                     f"accounts are cleared as legit and {others_fraud} blacklisted, a "
                     "community more than a ring" if legit_lift > 1 else
                     f"but: {others_fraud} of the {others} others using its phones and "
                     "accounts are blacklisted, fewer than in the graph at large")
    if len(ages) and float(np.min(ages)) > 365 and not (math.isfinite(span) and span <= 180):
        texts.append(f"but: every member registered more than a year ago "
                     f"(oldest {float(np.max(ages)) / 365:.1f} years)")
    return texts
