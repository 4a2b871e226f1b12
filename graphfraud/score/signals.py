"""The evidence units: one per phenomenon a risk team names when it explains a ring.

Each unit (:class:`Signal`) has a name, its knobs (with defaults and what they mean),
a measurement that fills its sub-scores (``None``: the export has no data for it) and
the facts it found, its terms of the ring's logit, and its evidence as
:class:`~graphfraud.score.evidence.Reason` codes and numbers, whose words sit in
:data:`graphfraud.score.evidence.SENTENCES` (a new unit may bring its own in
``sentences``). :data:`REGISTRY` lists them in the order they are measured; the score,
the ``ScoreParams`` knobs (rings.json ``params``) and the algorithms page iterate it.

Adding a phenomenon is one subclass of :class:`Signal` and one line in
:data:`REGISTRY`; ``tests/unit/test_signals.py`` adds and removes a toy one.

coordination   the members share a block of identifiers that few others use
               (exclusivity), several of them each (multiplicity), many members
               (size); measured on the block, so camouflage does not dilute it
timing         the members registered within days of each other (burst) and are new
               (youth, probation-period merchants)
ban evasion    shops registered after a banned shop reuse its phone or account
behaviour      refunds, complaints and violations above the platform median
enforcement    members the platform already suspended or banned, beyond its own rate
labels         blacklisted members, members cleared as legit, the balance of verdicts
proximity      closeness to blacklisted actors outside the ring (personalised PageRank)
block users    who else uses the ring's block, and their verdicts
host collusion hosts who promote the ring's shops log in from the same devices
embedding      the ring's embedding centroid resembles known-fraud actors

Absent is neutral: a phenomenon the export has no data for adds nothing either way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np

from graphfraud.graph.sparse import row_counts, submatrix, take_rows
from graphfraud.model import DEVICE as DEVICE_KIND
from graphfraud.model import PAYMENT_ACCOUNT
from graphfraud.score import exact
from graphfraud.score.evidence import Reason, Sentence
from graphfraud.score.view import Found, View

if TYPE_CHECKING:
    from graphfraud.graph.projection import ActorGraph
    from graphfraud.score.facts import ActorFacts

DEVICE, ACCOUNT = DEVICE_KIND.code, PAYMENT_ACCOUNT.code
#: ScoreParams, typed loosely here: it is built from this registry (score/params.py).
Params = Any


@dataclass(frozen=True)
class Knob:
    """One knob of a unit: its name in ``ScoreParams`` (and rings.json ``params``), its
    default, and what it means."""

    name: str
    default: float | int | bool
    doc: str = ""


@dataclass
class Inputs:
    """What a unit measures one ring from."""

    graph: ActorGraph
    facts: ActorFacts
    view: View
    params: Params
    found: Found
    proximity: np.ndarray
    embedding: np.ndarray | None = None
    seeds: np.ndarray | None = None
    seed_vectors: np.ndarray | None = None
    foreign: np.ndarray | None = None
    #: The units scoring this ring (a unit may ask the others, e.g. for signs of fraud).
    signals: tuple[Signal, ...] = ()


class Signal:
    """One phenomenon: subclass, set the class attributes, implement the methods."""

    #: Its name (sub-scores it fills are named in ``scores``).
    name: ClassVar[str] = ""
    knobs: ClassVar[tuple[Knob, ...]] = ()
    #: Words for codes of its own that :data:`~graphfraud.score.evidence.SENTENCES` lacks.
    sentences: ClassVar[dict[str, Sentence]] = {}
    #: The sub-scores it fills, each with its words in English and Chinese (report.html's
    #: "sub-scores" line).
    subscores: ClassVar[dict[str, tuple[str, str]]] = {}

    def measure(self, c: Inputs) -> None:
        """Fill ``c.found.scores`` (sub-scores, None without data) and ``c.found.facts``."""
        raise NotImplementedError

    def terms(self, scores: dict[str, float | None], p: Params) -> Iterable[float]:
        """Its terms of the logit (log-odds), added in order."""
        raise NotImplementedError

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        """Its evidence: supporting reasons with a strength, counter-evidence without."""
        return ()

    def signs(self, c: Inputs) -> bool:
        """Whether what it found is a sign of fraud about the group, on its own: a ring
        is high only with one (docs/algorithms.md, "What high means"). Coordination
        alone is not, unless neither chance nor an ordinary organisation explains it."""
        return False

    def settle(self, c: Inputs) -> None:
        """Called once every unit has measured the ring, before the logit: for a unit
        whose term depends on what the others found (their signs)."""

    def narrowed(self, c: Inputs) -> np.ndarray | None:
        """The members the ring should be scored as instead, if this unit found them
        (the units up to it are measured again on those)."""
        return None

    def rows(self, p: Params) -> list[tuple[str, str, str]]:
        """Its rows of the algorithms page's table: term, weight (knob), what."""
        return []


def _value(scores: dict[str, float | None], name: str) -> float:
    return scores.get(name) or 0.0


def _centred(scores: dict[str, float | None], name: str, weight: float,
             neutral: float) -> float:
    """A term counted from its neutral level; nothing without data."""
    value = scores.get(name)
    return 0.0 if value is None else weight * (value - neutral)


# -- measurements ---------------------------------------------------------------------

def _ratio_score(ratio: float, full_at: float = 3.0) -> float:
    """0 at or below the platform median, 1 at ``full_at`` times it (log scale)."""
    if not math.isfinite(ratio) or ratio <= 1:
        return 0.0
    return min(1.0, math.log(ratio) / math.log(full_at))



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
            params: Params) -> _CoUse:
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


def _coordination(v: View, facts: ActorFacts, params: Params, out: Found) -> None:
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
        top = top[(-v.inside[top]).argsort(kind="stable")][:3]
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
        by_deep = v.inc.per_identifier(is_deep)  # per identifier: deep members using it
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
    on_block = per_member >= 1
    coverage = int(np.count_nonzero(on_block)) / v.n  # (a mean of bools: their count)
    depth = exact.mean(per_member[on_block])
    multiplicity = 1.0 - 0.5 ** (depth - 1.0) if depth > 1 else 0.0
    size = min(1.0, math.log(v.n - 1) / math.log(params.size_full - 1)) if v.n > 2 else 0.0
    coordination = coverage * (params.c_exclusivity * exclusivity
                               + params.c_multiplicity * multiplicity
                               + (1.0 - params.c_exclusivity - params.c_multiplicity) * size)
    out.scores.update(coordination=coordination, exclusivity=exclusivity,
                      multiplicity=multiplicity)
    # How much of the members' activity is the block: a farm's shops live in it, an
    # agency's hosts or a franchise's shops have phones and accounts of their own.
    uses = np.diff(v.inc.indptr)
    inside = exact.median(per_member / np.maximum(uses, 1))
    out.scores["inside"] = inside
    out.facts.update(exclusivity=raw_exclusivity, block=len(core), per_member=depth,
                     deep=co_use.members, chance=co_use.chance, surprise=surprise,
                     need=co_use.depth, inside=inside)


def _timing(v: View, facts: ActorFacts, params: Params, out: Found) -> None:
    """Burst (registrations within days of each other) and youth (new shops); no
    score at all when registration dates are unknown."""
    known = v.reg[~np.isnan(v.reg)]
    span = exact.percentile_spread(known, 10, 90) if len(known) >= 3 else math.inf
    ages = facts.as_of_days - known
    out.facts.update(span=span, ages=ages)
    out.scores["burst"] = 0.5 ** (span / params.burst_half_life_days) \
        if math.isfinite(span) else None
    out.scores["youth"] = float(0.5 ** (exact.median(ages) / params.youth_half_life_days)) \
        if len(ages) >= max(3, v.n / 2) else None


def _ban_evasion(v: View, facts: ActorFacts, params: Params, out: Found) -> None:
    """Shops registered after a banned member that reuse its rare phone or account."""
    evaders: set[int] = set()
    banned = facts.banned[v.members]
    banned_local = np.flatnonzero(banned)
    if len(banned_local) and len(v.rare):
        indptr, indices, rows = v.inc.indptr, v.inc.indices, v.inc.rows
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


def _enforcement(v: View, facts: ActorFacts, params: Params, out: Found) -> None:
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


def _behaviour(v: View, facts: ActorFacts, out: Found) -> None:
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
        ratios[key] = float(exact.nanmedian(values[v.members][enough] / o) / platform) \
            if platform else math.nan
    ratios["violation"] = exact.nanmean(facts.violations[v.members][enough]) \
        / facts.platform_violations if facts.platform_violations else math.nan
    out.scores["behaviour"] = exact.mean(np.array([_ratio_score(r) for r in ratios.values()]))


def _evidence(v: View, facts: ActorFacts) -> np.ndarray:
    """The members' labels as evidence about their ring (:attr:`ActorFacts.evidence`):
    an analyst's confirmation of a member is a decision about the ring, not evidence."""
    return facts.evidence[v.members] if len(facts.evidence) else v.verdict


def _labels(v: View, facts: ActorFacts, params: Params, out: Found) -> None:
    """Known fraud (blacklisted members, members on a blacklisted phone or account) and
    members cleared as legit; analysts' confirmations of members are counted apart
    (``confirmed``), never as known fraud."""
    verdict = _evidence(v, facts)
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
    mine = facts.by_analyst[v.members] if len(facts.by_analyst) else np.zeros(v.n, bool)
    out.facts.update(known_fraud=known_fraud, known_legit=known_legit, touching=touching,
                     confirmed=int(((v.verdict > 0) & mine).sum()),
                     dismissed=int(((v.verdict < 0) & mine).sum()))


def _co_users(v: View, facts: ActorFacts, block: np.ndarray, params: Params
              ) -> np.ndarray | None:
    """The actors outside the ring that use ``block_user_uses`` or more of the block
    (global identifier indices); None without a block or the transposed incidence."""
    if facts.users_of is None or not len(block):
        return None
    _, users, _ = take_rows(facts.users_of, np.sort(block))
    ids, uses = np.unique(users, return_counts=True)
    members = np.sort(v.members)  # (ids are sorted and distinct: a search, not np.isin)
    if not len(members):
        return ids[uses >= params.block_user_uses]
    at = np.asarray(members.searchsorted(ids))
    at[at == len(members)] = 0
    return ids[(uses >= params.block_user_uses) & (members[at] != ids)]


def _block_users(v: View, facts: ActorFacts, params: Params, out: Found) -> None:
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


def _host_collusion(v: View, facts: ActorFacts, out: Found) -> None:
    """Hosts who promote the ring's shops and log in from the same rare devices."""
    streamers = v.members[~v.is_merchant]
    colluding = 0
    if len(streamers) and v.is_merchant.any():
        # rare identifiers a shop of the ring uses, and the hosts that use one of them
        by_shops = v.inc.per_identifier(v.is_merchant.astype(np.float64))
        shops_rare = v.rare[by_shops[v.rare] > 0]
        shares = v.over(shops_rare)[~v.is_merchant] > 0
        promoted = row_counts(facts.promoted, streamers, v.members[v.is_merchant])
        colluding = int((shares & (promoted > 0)).sum())
    out.facts["colluding_hosts"] = colluding
    out.scores["host_collusion"] = min(1.0, float(colluding))


def _attachment(graph: ActorGraph, v: View, embedding: np.ndarray | None,
                seeds: np.ndarray, seed_vectors: np.ndarray | None, params: Params,
                out: Found, foreign: np.ndarray | None = None) -> np.ndarray:
    """Per member: in-ring link strength and (with embeddings) closeness to the ring's
    centroid; and the ring centroid's similarity to known-fraud actors outside it."""
    _, strength = v.links_within(graph)
    typical = exact.median(strength) or 1.0
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


def _looseness(scores: dict[str, float | None], p: Params) -> float:
    """0 for a ring whose members live in its block, up to 1 for one whose members'
    uses lie all outside it (``inside`` below ``loose_inside``)."""
    inside = scores.get("inside")
    if inside is None or inside >= p.loose_inside:
        return 0.0
    return 1.0 - inside / p.loose_inside


def _tail(k: int, n: int, rate: float) -> float:
    """P(X >= k) for X ~ Binomial(n, rate)."""
    from scipy.special import bdtrc

    if k <= 0:
        return 1.0
    if not 0.0 < rate < 1.0:
        return 0.0 if rate <= 0.0 else 1.0
    return float(bdtrc(k - 1, n, rate))


def _extraordinary(c: Inputs) -> bool:
    """Coordination that neither chance nor an ordinary organisation explains: many
    members, each on several of the same identifiers (a good share of the block), that
    almost no one else uses; and nothing found that speaks for an organisation."""
    f, p = c.found.facts, c.params
    block = f.get("block", 0)
    if not block or c.view.n < p.extraordinary_size:
        return False
    depth = f.get("per_member", 0.0)
    organised = (f.get("known_legit", 0) > 0
                 or (c.found.scores.get("block_users") or 0.0) <= -0.3
                 or (c.found.scores.get("organization") or 0.0) >= p.organization_share)
    return (depth >= p.extraordinary_depth and depth / block >= p.extraordinary_reach
            and f.get("exclusivity", 0.0) >= p.extraordinary_exclusivity
            and f.get("inside", 0.0) >= p.loose_inside and not organised)


# -- the units ---------------------------------------------------------------------------

class Coordination(Signal):
    name = "coordination"
    subscores: ClassVar[dict[str, tuple[str, str]]] = {
        "coordination": ("coordination", "协同"),
        "exclusivity": ("exclusivity", "独占度"),
        "multiplicity": ("multiplicity", "共用深度"),
        "inside": ("inside the block", "块内活动占比"),
    }
    knobs = (
        Knob("w_coordination", 6.0),
        Knob("block_share", 0.2, "The block of a ring: the shared identifiers (two members "
             "or more) that at least this share of the members use, or whose users are "
             "mostly members."),
        Knob("c_exclusivity", 0.4, "Coordination = coverage x (c_exclusivity x exclusivity "
             "+ c_multiplicity x multiplicity + the rest x size)."),
        Knob("c_multiplicity", 0.35),
        Knob("size_full", 100.0, "Ring size at which the size term of coordination reaches "
             "one (log scale from two)."),
        Knob("surprise_full", 100.0, "Co-use surprise: the members that use at least k of "
             "the block against how many actors would by chance; the surprise reaches one "
             "at this ratio (log scale) and stands in for exclusivity when larger."),
        Knob("core_share", 0.5, "When the co-use surprise reaches this and the members make "
             "less than this share of the uses of their block, shallow members whose block "
             "identifiers are not mostly used by deep members are left out."),
        Knob("crowd_ratio", 5.0, "Co-use beyond chance stands in for exclusivity only while "
             "fewer than crowd_ratio times the members (and crowd_min) others also use "
             "block_user_uses or more of the block."),
        Knob("crowd_min", 20),
        Knob("extraordinary_depth", 4.0, "Coordination alone is a sign of fraud only when "
             "at least extraordinary_size members each use on average this many of the "
             "same block identifiers, "),
        Knob("extraordinary_reach", 0.3, "that is at least this share of the block (not "
             "each their own slice of a large one), "),
        Knob("extraordinary_exclusivity", 0.85, "with at least this share of the block's "
             "uses by members, and nothing that speaks for an organisation (a member or a "
             "neighbour cleared as legit, a declared organisation)."),
        Knob("extraordinary_size", 10),
        Knob("loose_inside", 0.15, "A ring whose members' median share of their own "
             "uses that fall in the block is below this is loose: its members live "
             "mostly outside what they share (a real community, people with lives of "
             "their own), which counts against it (w_outside), its coordination is never "
             "extraordinary and its blacklisted members must be more than chance."),
        Knob("w_outside", 2.0, "Weight of a loose ring's outside activity: "
             "-w_outside x (1 - inside / loose_inside)."),
    )

    def measure(self, c: Inputs) -> None:
        _coordination(c.view, c.facts, c.params, c.found)

    def narrowed(self, c: Inputs) -> np.ndarray | None:
        core: np.ndarray | None = c.found.facts.get("core")
        return core

    def signs(self, c: Inputs) -> bool:
        return _extraordinary(c)

    def terms(self, scores: dict[str, float | None], p: Params) -> Iterable[float]:
        return (p.w_coordination * _value(scores, "coordination"),
                -p.w_outside * _looseness(scores, p))

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        f, v = c.found.facts, c.view
        if _looseness(c.found.scores, c.params) > 0:
            yield Reason.of("outside", percent=round(_value(c.found.scores, "inside") * 100))
        exclusivity, block, per_member = f["exclusivity"], f["block"], f["per_member"]
        surprise = f.get("surprise", 0.0)
        if surprise >= 0.5 and exclusivity < 0.8:
            yield Reason.of("co_use", 1.0 + surprise, deep=f.get("deep", 0),
                            need=f.get("need", 0), block=block, chance=f.get("chance", 0.0))
        if block >= 2 and per_member >= 1.5:
            yield Reason.of("per_member", 1.5 + min(per_member, 4.0) / 4,
                            per_member=per_member, block=block)
        who = "shops" if int(v.is_merchant.sum()) == v.n else "members"
        for kind, code in ((DEVICE, "same_phones"), (ACCOUNT, "same_accounts")):
            used, k = f["coverage"][kind]
            if k and used >= 2:
                yield Reason.of(code, used / v.n * 2.0, used=used, n=v.n, who=who, k=k)
        if exclusivity >= 0.8:
            yield Reason.of("exclusive", 1.0, percent=round(exclusivity * 100))
        if _extraordinary(c):
            yield Reason.of("extraordinary", 2.0, n=v.n, depth=per_member, block=block)

    def rows(self, p: Params) -> list[tuple[str, str, str]]:
        return [("coordination", f"{p.w_coordination} (`w_coordination`)",
                 f"above; knobs `block_share` {p.block_share}, `c_exclusivity` "
                 f"{p.c_exclusivity}, `c_multiplicity` {p.c_multiplicity}, `size_full` "
                 f"{p.size_full:g}, `surprise_full` {p.surprise_full:g}, `core_share` "
                 f"{p.core_share}, `crowd_ratio` {p.crowd_ratio:g}, `crowd_min` "
                 f"{p.crowd_min}"),
                ("outside activity", f"{p.w_outside} (`w_outside`) × (1 − inside / "
                 f"`loose_inside` {p.loose_inside}), subtracted",
                 "inside = the members' median share of their own uses that are in the "
                 "block; only below `loose_inside` (a loose ring: members who live "
                 "outside what they share)")]


class Timing(Signal):
    name = "timing"
    subscores: ClassVar[dict[str, tuple[str, str]]] = {
        "burst": ("burst of sign-ups", "集中注册"),
        "youth": ("youth", "账号新近度"),
    }
    knobs = (
        Knob("w_burst", 3.0),
        Knob("w_youth", 0.8),
        Knob("burst_neutral", 0.1, "Timing counts from these neutral levels: above adds "
             "evidence, below (registered over years) takes it away; without dates, "
             "nothing."),
        Knob("youth_neutral", 0.3),
        Knob("burst_half_life_days", 21.0, "Registration spread (days) at which the burst "
             "sub-score halves."),
        Knob("youth_half_life_days", 240.0, "Member age (days) at which the youth "
             "sub-score halves."),
        Knob("time_core_days", 7.0, "A candidate that is not high is also scored without "
             "its members outside its densest registration window of time_core_days (its "
             "time core), when that window holds at least min_ring_size members and no "
             "more than chance would put in some window with probability "
             "time_core_chance."),
        Knob("time_core_chance", 0.01),
    )

    def measure(self, c: Inputs) -> None:
        _timing(c.view, c.facts, c.params, c.found)

    def terms(self, scores: dict[str, float | None], p: Params) -> Iterable[float]:
        return (_centred(scores, "burst", p.w_burst, p.burst_neutral),
                _centred(scores, "youth", p.w_youth, p.youth_neutral))

    def signs(self, c: Inputs) -> bool:
        """A burst of sign-ups (within ``burst_half_life_days``), dated for at least half
        of the members (three dated hosts of forty say little of the forty)."""
        dated = len(c.found.facts["ages"])
        return (c.found.scores.get("burst") or 0.0) >= 0.5 and dated >= max(3, c.view.n / 2)

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        span, ages = c.found.facts["span"], c.found.facts["ages"]
        if math.isfinite(span) and span <= 60:
            yield Reason.of("burst", 2.0 - span / 60, days=max(1, round(span)))
        if len(ages) and float(np.min(ages)) > 365 and not (math.isfinite(span)
                                                            and span <= 180):
            yield Reason.of("old_members", years=float(np.max(ages)) / 365)

    def rows(self, p: Params) -> list[tuple[str, str, str]]:
        return [
            ("burst", f"{p.w_burst} (`w_burst`) × (burst − `burst_neutral` "
             f"{p.burst_neutral})", "burst = 0.5^(p10–p90 spread of the members' "
             f"registration dates / `burst_half_life_days` {p.burst_half_life_days:g}); "
             "none without dates"),
            ("youth", f"{p.w_youth} (`w_youth`) × (youth − `youth_neutral` "
             f"{p.youth_neutral})", "youth = 0.5^(median member age / "
             f"`youth_half_life_days` {p.youth_half_life_days:g}); none without dates. "
             f"Time core: `time_core_days` {p.time_core_days:g}, `time_core_chance` "
             f"{p.time_core_chance}"),
        ]


class BanEvasion(Signal):
    name = "ban_evasion"
    subscores: ClassVar[dict[str, tuple[str, str]]] = {
        "ban_evasion": ("ban evasion", "封禁后换号"),
    }
    knobs = (
        Knob("w_ban_evasion", 2.5),
        Knob("ban_gap_days", 30.0, "A shop counts as re-registered after a ban when it "
             "joined this long after the banned shop whose phone or account it uses."),
    )

    def measure(self, c: Inputs) -> None:
        _ban_evasion(c.view, c.facts, c.params, c.found)

    def terms(self, scores: dict[str, float | None], p: Params) -> Iterable[float]:
        return (p.w_ban_evasion * _value(scores, "ban_evasion"),)

    def signs(self, c: Inputs) -> bool:
        return bool(c.found.facts["evaders"])

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        if c.found.facts["evaders"]:
            yield Reason.of("evasion", 3.0, k=c.found.facts["evaders"])

    def rows(self, p: Params) -> list[tuple[str, str, str]]:
        return [("ban evasion", f"{p.w_ban_evasion} (`w_ban_evasion`)",
                 f"shops registered ≥ `ban_gap_days` ({p.ban_gap_days:g}) after a banned "
                 "member whose rare phone or account they use: 1 shop → 0.5, 2+ → 1")]


class Behaviour(Signal):
    name = "behaviour"
    subscores: ClassVar[dict[str, tuple[str, str]]] = {
        "behaviour": ("behaviour", "经营行为"),
    }
    knobs = (Knob("w_behaviour", 2.2),
             Knob("behaviour_neutral", 0.15, "Behaviour counts from this neutral level; "
                  "without signals, nothing."),
             Knob("behaviour_sign", 0.25, "Behaviour at or above this is a sign of fraud on "
                  "its own."))

    def measure(self, c: Inputs) -> None:
        _behaviour(c.view, c.facts, c.found)

    def terms(self, scores: dict[str, float | None], p: Params) -> Iterable[float]:
        return (_centred(scores, "behaviour", p.w_behaviour, p.behaviour_neutral),)

    def signs(self, c: Inputs) -> bool:  # refunds, complaints or violations well above
        return (c.found.scores.get("behaviour") or 0.0) >= c.params.behaviour_sign

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        codes = {"refund": "refunds", "complaint": "complaints", "violation": "violations"}
        for key, ratio in c.found.facts["ratios"].items():
            if math.isfinite(ratio) and ratio >= 1.5:
                yield Reason.of(codes[key], min(ratio, 5.0) / 2.0, ratio=ratio)

    def rows(self, p: Params) -> list[tuple[str, str, str]]:
        return [("behaviour", f"{p.w_behaviour} (`w_behaviour`) × (behaviour − "
                 f"`behaviour_neutral` {p.behaviour_neutral})",
                 "mean over refund rate, complaints per order, violations of log(ring "
                 "median / platform median) / log 3, clipped to [0, 1]; none without "
                 "signals")]


class Enforcement(Signal):
    name = "enforcement"
    subscores: ClassVar[dict[str, tuple[str, str]]] = {
        "enforcement": ("platform sanctions", "平台处罚"),
    }
    knobs = (
        Knob("w_enforcement", 1.5, "Platform enforcement: members suspended or banned by "
             "the platform, against how many the platform's own rate would put in a group "
             "of that size (binomial tail)."),
        Knob("enforcement_chance_full", 1e-3, "The sub-score reaches one when chance would "
             "give that many with this probability."),
    )

    def measure(self, c: Inputs) -> None:
        _enforcement(c.view, c.facts, c.params, c.found)

    def terms(self, scores: dict[str, float | None], p: Params) -> Iterable[float]:
        return (p.w_enforcement * _value(scores, "enforcement"),)

    def signs(self, c: Inputs) -> bool:  # sanctions beyond chance (0.03 or less)
        return _value(c.found.scores, "enforcement") >= 0.5

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        enforcement = _value(c.found.scores, "enforcement")
        if enforcement >= 0.5:  # chance 0.03 or less
            yield Reason.of("sanctioned", 1.0 + enforcement, k=c.found.facts["sanctioned"],
                            n=c.found.facts["status_known"])

    def rows(self, p: Params) -> list[tuple[str, str, str]]:
        return [("enforcement", f"{p.w_enforcement} (`w_enforcement`)",
                 "members the platform has already suspended or banned, against its own "
                 "rate among shops with a status: −log10 P(that many or more in a group of "
                 "this size by chance, binomial) / −log10 `enforcement_chance_full` "
                 f"({p.enforcement_chance_full:g}), clipped to [0, 1]; none without "
                 "statuses, when no shop (or every shop) is sanctioned, or for a ring with "
                 "fewer than three shops with a status. Evidence once chance would give "
                 "that many with probability 0.03 or less")]


class Labels(Signal):
    name = "labels"
    subscores: ClassVar[dict[str, tuple[str, str]]] = {
        "known_fraud": ("known fraud", "已知欺诈"),
        "known_legit_share": ("cleared share", "已核实正常占比"),
        "label_balance": ("label balance", "标签倾向"),
    }
    knobs = (
        Knob("w_known_fraud", 2.6),
        Knob("blacklist_ring_size", 6.0, "Up to this ring size each blacklisted member "
             "counts fully; in larger rings it counts in proportion."),
        Knob("w_known_legit", 3.0),
        Knob("w_label_balance", 2.0, "Weight of the verdict balance among a ring's judged "
             "members ((fraud - legit) / judged), counted once at least min_judged members "
             "are judged."),
        Knob("min_judged", 2),
        Knob("label_sign_chance", 0.05, "Blacklisted members are a sign of fraud about a "
             "ring when they are at least its share of the graph's blacklist rate; in a "
             "loose ring (loose_inside), only when chance would give that many with at "
             "most this probability (binomial tail)."),
    )

    def measure(self, c: Inputs) -> None:
        _labels(c.view, c.facts, c.params, c.found)

    def terms(self, scores: dict[str, float | None], p: Params) -> Iterable[float]:
        return (p.w_known_fraud * _value(scores, "known_fraud"),
                -p.w_known_legit * _value(scores, "known_legit_share"),
                p.w_label_balance * _value(scores, "label_balance"))

    def signs(self, c: Inputs) -> bool:
        """Members on a blacklisted phone or account, or blacklisted members at least as
        many as the graph's own rate puts in a group this size (a real community with a
        few bots mixed in has fewer than its share)."""
        f, p = c.found.facts, c.params
        k, n, rate = f["known_fraud"], c.view.n, c.facts.fraud_rate
        tight = f.get("inside", 1.0) >= p.loose_inside
        kept = c.facts.touches_kept_fraud_identifier
        if tight and len(kept) and kept[c.view.members].any():
            return True  # a member on a blacklisted phone or account (not a hub)
        if not k:
            return False
        if tight:  # its share of the graph's blacklist rate will do
            return bool(k >= rate * n)
        # a loose one (a community with bots mixed in): more than chance would give
        return _tail(k, n, rate) <= p.label_sign_chance

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        f = c.found.facts
        if f["known_fraud"]:  # the export's blacklist (an analyst's confirmation is not)
            yield Reason.of("blacklisted", 3.0 + f["known_fraud"], k=f["known_fraud"])
        if f["touching"]:
            yield Reason.of("touching", 2.5, k=f["touching"])
        if f["known_legit"] - f["dismissed"]:
            yield Reason.of("cleared", k=f["known_legit"] - f["dismissed"])
        # Analysts' decisions, listed apart: a confirmation counts for nothing here; a
        # dismissal keeps the ring's score down (cleared members, above in the score).
        if f["confirmed"]:
            yield Reason.of("confirmed", k=f["confirmed"])
        if f["dismissed"]:
            yield Reason.of("dismissed", k=f["dismissed"])

    def rows(self, p: Params) -> list[tuple[str, str, str]]:
        return [
            ("known fraud", f"{p.w_known_fraud} (`w_known_fraud`)",
             "1 − 0.5^(blacklisted members + ½ × members on a blacklisted identifier), each "
             f"counted × min(1, `blacklist_ring_size` {p.blacklist_ring_size:g} / ring size); "
             "a member an analyst confirmed counts as what the export's labels said of it "
             "before (see \"Analysts' verdicts\")"),
            ("label balance", f"{p.w_label_balance} (`w_label_balance`)",
             "(blacklisted − cleared) / judged members, once at least `min_judged` "
             f"({p.min_judged}) members are judged"),
            ("known legit", f"{p.w_known_legit} (`w_known_legit`), subtracted",
             "share of members cleared as legit"),
        ]


class Proximity(Signal):
    name = "proximity"
    subscores: ClassVar[dict[str, tuple[str, str]]] = {
        "proximity": ("proximity to the blacklist", "与黑名单的接近度"),
    }
    knobs = (Knob("w_proximity", 0.8),)

    def measure(self, c: Inputs) -> None:
        v, f = c.view, c.found.facts
        # A ring with its own blacklisted members is scored on those; the walk from them
        # into the ring would count the same label twice. The walk from members an
        # analyst confirmed is taken out: a decision about the ring is not evidence.
        outside = _walk_from_outside(c)[_evidence(v, c.facts) <= 0]
        c.found.scores["proximity"] = min(1.0, exact.mean(outside) / 0.1) \
            if len(outside) and not (f["known_fraud"] or f["touching"]) else 0.0

    def terms(self, scores: dict[str, float | None], p: Params) -> Iterable[float]:
        return (p.w_proximity * _value(scores, "proximity"),)

    def signs(self, c: Inputs) -> bool:
        return _value(c.found.scores, "proximity") >= 0.3

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        if _value(c.found.scores, "proximity") >= 0.3:
            yield Reason.of("proximity", 1.2)

    def rows(self, p: Params) -> list[tuple[str, str, str]]:
        return [("proximity", f"{p.w_proximity} (`w_proximity`)",
                 "mean personalised PageRank of the members / 0.1, for rings with no "
                 "blacklisted member of their own; without the walk from the ring's own "
                 "analyst-confirmed members")]


def _walk_from_outside(c: Inputs) -> np.ndarray:
    """The members' closeness to the blacklist (``c.proximity``), on the scale of the
    walk from the seeds that are not there only by an analyst's confirmation
    (:attr:`ActorFacts.walk_scale`), and without what the walk from the ring's own
    analyst-confirmed members adds. The walk is linear in its seeds and never leaves a
    connected component: that part is walked again on their components alone."""
    from scipy.sparse.csgraph import breadth_first_order

    from graphfraud.detect.seeds import personalized_pagerank
    from graphfraud.score.facts import only_confirmed

    v, facts = c.view, c.facts
    values = c.proximity[v.members]
    if facts.walk_scale is None:
        return values
    probe, probe_value, top = facts.walk_scale
    shown = float(c.proximity[probe])
    if shown <= 0:
        return values
    whole = probe_value / shown  # what the walk was divided by
    scale = top if top > 0 else whole  # with no other seed, the whole walk's
    values = values * (whole / scale)
    own = v.members[only_confirmed(facts)[v.members]]
    if not len(own):
        return values
    reached: list[set[int]] = []
    for start in own.tolist():
        if not any(start in part for part in reached):
            reached.append(set(breadth_first_order(
                c.graph.linked, start, directed=False, return_predecessors=False).tolist()))
    comp = np.fromiter(sorted(set().union(*reached)), dtype=np.int64)
    adjacency = submatrix(c.graph.linked, comp)
    seeds = np.flatnonzero((facts.verdict[comp] > 0)
                           | facts.touches_fraud_identifier[comp])  # the walk's, local
    every = personalized_pagerank(adjacency, seeds, top=1.0)
    mine = personalized_pagerank(adjacency, np.searchsorted(comp, own), top=1.0)
    rest = np.maximum(every - mine, 0.0) / scale
    pos = np.minimum(np.searchsorted(comp, v.members), len(comp) - 1)
    return np.where(comp[pos] == v.members, rest[pos], values)


class BlockUsers(Signal):
    name = "block_users"
    subscores: ClassVar[dict[str, tuple[str, str]]] = {
        "block_users": ("the block's other users", "块的其他使用者"),
    }
    knobs = (
        Knob("w_block_users", 2.0, "The block's other users: how often they are blacklisted "
             "and how often cleared, each against the graph's own rate, gives a log ratio, "
             "counted with this weight times the share of the block's uses that are not by "
             "members."),
        Knob("block_user_uses", 2, "Others count as users of the block when they use at "
             "least this many of its identifiers."),
        Knob("block_users_prior", 10.0, "Each rate is smoothed with this many actors at "
             "the graph's rate."),
        Knob("block_users_full", 10.0, "The log ratio reaches full weight at this ratio."),
    )

    def measure(self, c: Inputs) -> None:
        _block_users(c.view, c.facts, c.params, c.found)

    def terms(self, scores: dict[str, float | None], p: Params) -> Iterable[float]:
        return (p.w_block_users * _value(scores, "block_users"),)

    def signs(self, c: Inputs) -> bool:
        """Its block's other users lean blacklisted: more of them blacklisted than
        chance gives at the graph's rate (few cleared ones pull the score, not this)."""
        f = c.found.facts
        return (_value(c.found.scores, "block_users") >= 0.3 and f.get("block_fraud", 0) > 0
                and _tail(f["block_fraud"], f["block_users"], c.facts.fraud_rate)
                <= c.params.label_sign_chance)

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        f = c.found.facts
        lean = _value(c.found.scores, "block_users")
        counts = {"fraud": f.get("block_fraud", 0), "legit": f.get("block_legit", 0),
                  "others": f.get("block_users", 0)}
        if lean >= 0.3:  # named by what drives it: many blacklisted, or few cleared
            code = "neighbours_fraud" if f.get("block_fraud_lift", 1.0) > 1 \
                else "neighbours_few_legit"
            yield Reason.of(code, 1.0 + lean, **counts)
        if lean <= -0.3:
            code = "neighbours_legit" if f.get("block_legit_lift", 1.0) > 1 \
                else "neighbours_few_fraud"
            yield Reason.of(code, **counts)

    def rows(self, p: Params) -> list[tuple[str, str, str]]:
        return [("block users", f"{p.w_block_users} (`w_block_users`) × (1 − exclusivity)",
                 f"the others who use the ring's block (`block_user_uses`, "
                 f"{p.block_user_uses}, of its identifiers or more): log(fraud lift / "
                 f"legit lift) / log(`block_users_full`, {p.block_users_full:g}), clipped "
                 "to [−1, 1]; each lift is their blacklisted (cleared) share against the "
                 f"graph's own share, smoothed with `block_users_prior` "
                 f"({p.block_users_prior:g}) actors at that share")]


class HostCollusion(Signal):
    name = "host_collusion"
    subscores: ClassVar[dict[str, tuple[str, str]]] = {
        "host_collusion": ("host collusion", "主播合谋"),
    }
    knobs = (Knob("w_host_collusion", 1.8),)

    def measure(self, c: Inputs) -> None:
        _host_collusion(c.view, c.facts, c.found)

    def terms(self, scores: dict[str, float | None], p: Params) -> Iterable[float]:
        return (p.w_host_collusion * _value(scores, "host_collusion"),)

    def signs(self, c: Inputs) -> bool:
        return bool(c.found.facts["colluding_hosts"])

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        if c.found.facts["colluding_hosts"]:
            yield Reason.of("host_collusion", 2.2, k=c.found.facts["colluding_hosts"])

    def rows(self, p: Params) -> list[tuple[str, str, str]]:
        return [("host collusion", f"{p.w_host_collusion} (`w_host_collusion`)",
                 "a streamer in the ring promotes its shops and shares a rare device or "
                 "account with them")]


class Embedding(Signal):
    name = "embedding"
    subscores: ClassVar[dict[str, tuple[str, str]]] = {
        "embedding": ("embedding", "图嵌入相似度"),
    }
    knobs = (Knob("w_embedding", 0.5),
             Knob("use_embedding", True, "Use graph embeddings (member attachment and "
                  "similarity to known fraud)."))

    def measure(self, c: Inputs) -> None:
        c.found.facts["attach"] = _attachment(
            c.graph, c.view, c.embedding, c.seeds if c.seeds is not None else
            np.zeros(0, np.int64), c.seed_vectors, c.params, c.found, c.foreign)

    def terms(self, scores: dict[str, float | None], p: Params) -> Iterable[float]:
        return (p.w_embedding * _value(scores, "embedding"),)

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        if _value(c.found.scores, "embedding") >= 0.5:
            yield Reason.of("embedding", 0.8)

    def rows(self, p: Params) -> list[tuple[str, str, str]]:
        return [("embedding", f"{p.w_embedding} (`w_embedding`)",
                 "similarity of the ring to known fraud elsewhere (section 3); off with "
                 "`use_embedding` false")]


class Organization(Signal):
    name = "organization"
    subscores: ClassVar[dict[str, tuple[str, str]]] = {
        "organization": ("declared organisation", "已登记组织"),
    }
    knobs = (
        Knob("organization_explains", 1.0, "Share of the coordination term that a "
             "declared, verified organisation holding most of the members explains "
             "(organizations.csv, organization_members.csv)."),
        Knob("organization_share", 0.5, "An organisation explains a ring's sharing once "
             "at least this share of the members belong to it."),
    )

    def measure(self, c: Inputs) -> None:
        org = c.facts.organization[c.view.members] if len(c.facts.organization) else \
            np.full(c.view.n, -1)
        declared = org[org >= 0]
        if not len(declared):
            return  # absent is neutral: no score, nothing in the ring's features
        rows, counts = np.unique(declared, return_counts=True)
        top = int(np.argmax(counts))
        share = float(counts[top] / c.view.n)
        c.found.scores["organization"] = share
        c.found.facts.update(organization_row=int(rows[top]), organization_share=share,
                             organization_members=int(counts[top]),
                             organizations=len(rows), organization_suspect=False)

    def settle(self, c: Inputs) -> None:
        """An organisation explains its members' sharing, not signs of fraud among them
        (with one, it may be a front: the ring is judged as if undeclared), and not a
        ring spread over several organisations."""
        f = c.found.facts
        if "organization_row" not in f:
            return
        suspect = any(u.signs(c) for u in c.signals if u.name != "coordination"
                      and u is not self)
        f["organization_suspect"] = suspect
        if suspect or f["organizations"] > 1:
            c.found.scores["organization"] = 0.0

    def terms(self, scores: dict[str, float | None], p: Params) -> Iterable[float]:
        share = scores.get("organization") or 0.0
        if share < p.organization_share:
            return ()
        return (-p.organization_explains * p.w_coordination * share
                * _value(scores, "coordination"),)

    def reasons(self, c: Inputs) -> Iterable[Reason]:
        f = c.found.facts
        if f.get("organizations", 0) > 1:
            yield Reason.of("organizations_span", 0.5, k=f["organizations"])
        elif f.get("organization_share", 0.0) >= c.params.organization_share:
            org, name, kind = c.facts.organizations[f["organization_row"]]
            values = {"k": f["organization_members"], "n": c.view.n, "org": org,
                      "org_name": name, "org_kind": kind}
            if f["organization_suspect"]:
                yield Reason.of("organization_suspect", 0.5, **values)
            else:
                yield Reason.of("organization", **values)

    def rows(self, p: Params) -> list[tuple[str, str, str]]:
        return [("organization", f"{p.organization_explains} (`organization_explains`) × "
                 "`w_coordination` × share × coordination, subtracted",
                 "the share of members in one declared, verified organisation, once at "
                 f"least `organization_share` ({p.organization_share}); none without "
                 "organizations.csv")]


#: Every unit, in the order it is measured (a unit may read what an earlier one found:
#: block users reads coordination's co-users, proximity the labels).
REGISTRY: tuple[Signal, ...] = (
    Coordination(),
    Timing(),
    BanEvasion(),
    Behaviour(),
    Enforcement(),
    Labels(),
    Proximity(),
    BlockUsers(),
    HostCollusion(),
    Embedding(),
    Organization(),
)
