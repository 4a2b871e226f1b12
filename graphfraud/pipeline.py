"""The scan pipeline, stage by stage: project -> detect -> score -> (report).

Each stage is its own module with typed inputs and outputs; this module only
wires them together and times them. Reading (files or Neo4j) happens before,
writing the report and the write-back after.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

import numpy as np

from graphfraud.detect.communities import (
    SOURCE_BLOCK,
    SOURCE_PROPAGATION,
    Candidate,
    CommunityParams,
    expand_by_similarity,
    find_candidates,
)
from graphfraud.detect.embedding import Drawn, EmbeddingParams, fastrp, node_hashes
from graphfraud.detect.seeds import personalized_pagerank, propagation_groups
from graphfraud.graph.projection import (
    ActorGraph,
    GraphContext,
    Hub,
    ProjectionParams,
    encode_entities,
    project,
)
from graphfraud.loaders.dataset import Dataset
from graphfraud.model import Risk
from graphfraud.score.diff import Changes, carry_over
from graphfraud.score.evidence import Reason
from graphfraud.score.rings import (
    ActorFacts,
    FactsContext,
    Ring,
    Scored,
    ScoreParams,
    actor_facts,
    reaches_high,
    score_group,
    time_core,
)
from graphfraud.workers import run_forked, worker_count

T = TypeVar("T")


@dataclass(frozen=True)
class ScanParams:
    """Every knob that shapes a scan."""

    projection: ProjectionParams = field(default_factory=ProjectionParams)
    communities: CommunityParams = field(default_factory=CommunityParams)
    embedding: EmbeddingParams = field(default_factory=EmbeddingParams)
    score: ScoreParams = field(default_factory=ScoreParams)

    @classmethod
    def with_seed(cls, seed: int, **overrides: Any) -> ScanParams:
        """Defaults with one seed for every random stage, and flat knob overrides."""
        params = cls(
            communities=replace(CommunityParams(), random_seed=seed),
            embedding=replace(EmbeddingParams(), random_seed=seed),
        )
        return params.updated(**overrides)

    def updated(self, **overrides: Any) -> ScanParams:
        """A copy with knobs replaced by name (``hub_degree=50``, ``use_embedding=False``)."""
        parts = {name: getattr(self, name) for name in
                 ("projection", "communities", "embedding", "score")}
        for key, value in overrides.items():
            if value is None:
                continue
            for name, part in parts.items():
                if key in part.__dataclass_fields__:
                    parts[name] = replace(part, **{key: value})
                    break
            else:
                raise KeyError(f"unknown scan parameter {key!r}")
        return ScanParams(**parts)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("projection", "communities", "embedding", "score"):
            for key, value in asdict(getattr(self, name)).items():
                out[key] = list(value) if isinstance(value, tuple) else value
        out["seed"] = self.communities.random_seed
        return out


@dataclass
class ScanResult:
    """What a scan found; with the run info it makes the run's report
    (:func:`graphfraud.report.build_run_report`), which the writers consume."""

    rings: list[Ring]
    hubs: tuple[Hub, ...]
    params: ScanParams
    counts: dict[str, int]
    timings: dict[str, float]
    changes: Changes | None = None
    #: The onboarding-check lookup table (graphfraud.check.index), once the application
    #: built it from ``graph`` and ``facts`` (graphfraud.app).
    index: Any = None
    #: The actor graph and its facts, kept for that (``scan(build_index=True)``); the
    #: application lets them go once the index is built.
    graph: ActorGraph | None = field(default=None, compare=False, repr=False)
    facts: ActorFacts | None = field(default=None, compare=False, repr=False)


Progress = Callable[[str], None]


@dataclass(frozen=True)
class ScanContext:
    """The whole graph's figures, for scanning a part of it: whole connected components
    of the hub-pruned graph (the scale-out engine's buckets). Every stage is then
    local to a component (a walk, an embedding, a candidate never crosses one) but for
    these: the hubs and actor count of the projection, the chance model and label
    rates of scoring, the scale of the walk from the blacklist, and the blacklisted
    actors elsewhere that a ring's embedding is compared with."""

    graph: GraphContext
    facts: FactsContext
    #: Largest raw walk value (one unit of restart per seed) over the whole graph, and
    #: the median over its seeds of the walk value divided by that largest one.
    proximity_top: float
    seed_median: float
    #: Hash (``node_hashes``) and embedding of every seed of the whole graph.
    seed_hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    seed_vectors: np.ndarray | None = None


@dataclass(frozen=True)
class GivenWalks:
    """The walk from the blacklist (raw values, one unit of restart per seed) and the
    embedding of actors whose component is bigger than the part holds, computed over
    the whole component (:mod:`graphfraud.spark.walks`): a part that holds a cell of
    such a component uses these instead of its own, which would miss the promotions
    cut between cells. Actors not given keep the part's own values."""

    #: Node hashes (:func:`node_hashes`), sorted.
    keys: np.ndarray
    walk: np.ndarray
    #: float32 rows, one per key (None: the scan does not use embeddings).
    vectors: np.ndarray | None = None

    def _rows(self, graph: ActorGraph) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the graph's actors that are given, and their rows here."""
        hashes = node_hashes(graph.actor_types, graph.actor_ids)
        if not len(self.keys):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        at = np.minimum(np.searchsorted(self.keys, hashes), len(self.keys) - 1)
        mine = np.flatnonzero(self.keys[at] == hashes)
        return mine, at[mine]

    def walk_of(self, graph: ActorGraph, own: np.ndarray) -> np.ndarray:
        """``own`` (the part's raw walk) with the given actors' values."""
        mine, rows = self._rows(graph)
        out = own.copy()
        out[mine] = self.walk[rows]
        return out

    def vectors_of(self, graph: ActorGraph, own: np.ndarray) -> np.ndarray:
        """``own`` (the part's embedding) with the given actors' rows."""
        if self.vectors is None:
            return own
        mine, rows = self._rows(graph)
        own[mine] = self.vectors[rows]
        return own


def part_seeds(dataset: Dataset, params: ScanParams, graph_context: GraphContext
               ) -> np.ndarray:
    """The node hashes of a part's seeds (the actors the walk starts from)."""
    graph = project(dataset, params.projection, graph_context)
    seeds = _seeds(actor_facts(graph, dataset))
    return np.asarray(node_hashes(graph.actor_types, graph.actor_ids)[seeds], np.uint64)


@dataclass(frozen=True)
class PartSummary:
    """What the first pass over one part returns for the whole graph's context: its
    walk from the blacklist (raw values, one unit of restart per seed), its seeds'
    hashes and embeddings, and the sums scoring's figures are made of."""

    proximity_top: float
    seed_proximity: np.ndarray
    seed_hashes: np.ndarray
    seed_vectors: np.ndarray | None
    degree_counts: np.ndarray  # actors per degree (identifiers used), index = degree
    uses: int
    actors: int
    fraud: int
    legit: int
    latest_registration: float | None  # days since the epoch
    violations: tuple[float, int]  # sum and count of the known values
    sanctioned: tuple[int, int] = (0, 0)  # shops suspended or banned, shops with a status


def summarise_part(dataset: Dataset, params: ScanParams, graph_context: GraphContext,
                   given: GivenWalks | None = None) -> PartSummary:
    """First pass of a scan in parts (what :class:`ScanContext` gathers from every
    part)."""
    graph = project(dataset, params.projection, graph_context)
    facts = actor_facts(graph, dataset)
    seeds = _seeds(facts)
    raw = personalized_pagerank(graph.linked, seeds, top=1.0)
    if given is not None:
        raw = given.walk_of(graph, raw)
    hashes = node_hashes(graph.actor_types, graph.actor_ids)
    vectors = None
    if params.score.use_embedding:
        vectors = fastrp(graph.linked, params.embedding, keys=hashes)
        if given is not None:
            vectors = given.vectors_of(graph, vectors)
        vectors = vectors[seeds]
    degrees = np.diff(graph.incidence.indptr)
    dates = facts.registered_days[~np.isnan(facts.registered_days)]
    violations = facts.violations[np.isfinite(facts.violations)]
    return PartSummary(
        float(raw.max()) if len(raw) else 0.0, raw[seeds], hashes[seeds], vectors,
        degree_counts=np.bincount(degrees) if len(degrees) else np.zeros(0, np.int64),
        uses=int(graph.incidence.nnz), actors=graph.n_actors,
        fraud=int((facts.verdict > 0).sum()), legit=int((facts.verdict < 0).sum()),
        latest_registration=float(dates.max()) if len(dates) else None,
        violations=(float(violations.sum()), len(violations)),
        sanctioned=(int(facts.sanctioned.sum()), int(facts.status_known.sum())))


def _seeds(facts: ActorFacts) -> np.ndarray:
    return np.flatnonzero((facts.verdict > 0) | facts.touches_fraud_identifier)


def scan(
    dataset: Dataset,
    params: ScanParams | None = None,
    *,
    previous: Sequence[Ring] | None = None,
    progress: Progress | None = None,
    build_index: bool = True,
    context: ScanContext | None = None,
    workers: int | None = None,
    given: GivenWalks | None = None,
) -> ScanResult:
    """Find and score rings in a dataset.

    Parameters
    ----------
    dataset
        A validated dataset (from files or from Neo4j).
    params
        Knobs; the defaults are documented in docs/algorithms.md.
    previous
        The rings of an earlier run (``RunReport.rings``): ring ids carry over and
        changes are listed.
    progress
        Called with the name of each stage as it starts.
    build_index
        Keep the actor graph and its facts in the result, for the onboarding-check
        index (``graphfraud check --index``) that the application builds from them.
    context
        When ``dataset`` is a part of a bigger graph (whole components of it): the
        whole graph's figures (:class:`ScanContext`); the part's rings are then those
        the whole graph's scan finds in it.
    workers
        Processes that score the candidates (:mod:`graphfraud.workers`); by default
        ``GRAPHFRAUD_WORKERS`` or this machine's CPUs, and 1 for a part (Spark already
        runs parts side by side). The rings do not depend on it.
    given
        With ``context``: the walk and embedding of actors of a component the part holds
        a cell of (:class:`GivenWalks`), used instead of the part's own.
    """
    params = params or ScanParams()
    say = progress or (lambda _: None)
    timings: dict[str, float] = {}
    timed = _stage_timer(say, timings)
    done = timed("project")
    # The embedding's random vectors need only the actors' ids: they are drawn in a
    # second thread while the graph's matrices are made.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphfraud-draw") as pool:
        entities = encode_entities(dataset)
        drawn = Drawn(pool, node_hashes(entities.actor_types, entities.actor_ids),
                      params.embedding) if params.score.use_embedding else None
        graph = project(dataset, params.projection,
                        context.graph if context is not None else None, entities)
        del entities
        done()
        found = _detect(graph, dataset, params, context, say, timed, timings, given,
                        drawn)
    candidates = found.candidates + _propagated(graph, found.candidates, found.proximity,
                                                found.seeds, params, context)
    scoring_started = time.perf_counter()
    groups = _expanded(graph, candidates, found.embedding, params)
    rings = _score_candidates(graph, found.facts, candidates, groups,
                              embedding=found.embedding, proximity=found.proximity,
                              seeds=found.seeds, params=params,
                              foreign=_foreign_seeds(graph, found.seeds, found.embedding,
                                                     context),
                              workers=workers if workers is not None
                              else 1 if context is not None else worker_count())
    rings, changes = _ordered(rings, previous, context)
    timings["scoring"] = round(found.scoring_seconds + time.perf_counter() - scoring_started,
                               3)
    counts = graph_counts(graph, rings)
    return ScanResult(rings=rings, hubs=graph.hubs, params=params, counts=counts,
                      timings=timings, changes=changes,
                      graph=graph if build_index else None,
                      facts=found.facts if build_index else None)


def _stage_timer(say: Progress, timings: dict[str, float]
                 ) -> Callable[[str], Callable[[], None]]:
    """``timed(stage)`` says the stage and returns what records its time in ``timings``
    when it ends."""

    def timed(stage: str) -> Callable[[], None]:
        say(stage)
        start = time.perf_counter()

        def done() -> None:
            timings[stage] = round(time.perf_counter() - start, 3)

        return done

    return timed


@dataclass(frozen=True)
class _Detected:
    """The structural candidates and what scoring reads of the graph."""

    candidates: list[Candidate]
    embedding: np.ndarray | None
    facts: ActorFacts
    seeds: np.ndarray
    proximity: np.ndarray
    #: Time spent drawing the facts, the seeds and the walk (part of the scoring stage).
    scoring_seconds: float


def _detect(graph: ActorGraph, dataset: Dataset, params: ScanParams,
            context: ScanContext | None, say: Progress,
            timed: Callable[[str], Callable[[], None]], timings: dict[str, float],
            given: GivenWalks | None = None, drawn: Drawn | None = None) -> _Detected:
    """The candidates of the structural cuts, the embedding (``drawn``: its random
    vectors, being drawn) and the scoring inputs."""
    # Community detection, and the facts with the walk from the blacklist, run in two
    # more threads while this one draws the embedding. The sparse products of the walk
    # and of the embedding are native code that releases the GIL, and community
    # detection is mostly Python, so the three share the cores. None reads what another
    # writes, so the result is that of the serial order. Stage times are each stage's
    # own; communities and the scoring inputs overlap embeddings.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="graphfraud-detect") as pool:
        say("communities")
        leiden = pool.submit(_timed_call, find_candidates, graph, params.communities)
        walked = pool.submit(_timed_call, _walk_inputs, graph, dataset, context, given)
        embedding = None
        if params.score.use_embedding:
            done = timed("embeddings")
            embedding = fastrp(graph.linked, params.embedding, drawn=drawn,
                               keys=None if drawn is not None else
                               node_hashes(graph.actor_types, graph.actor_ids))
            if given is not None:
                embedding = given.vectors_of(graph, embedding)
            done()
        say("scoring")
        (facts, seeds, proximity), scoring_seconds = walked.result()
        candidates, timings["communities"] = leiden.result()
    return _Detected(candidates, embedding, facts, seeds, proximity, scoring_seconds)


def _walk_inputs(graph: ActorGraph, dataset: Dataset, context: ScanContext | None,
                 given: GivenWalks | None = None
                 ) -> tuple[ActorFacts, np.ndarray, np.ndarray]:
    """The actors' facts, the seeds (blacklisted actors and users of blacklisted
    identifiers) and the walk from them (with the given actors' values)."""
    facts = actor_facts(graph, dataset, context.facts if context is not None else None)
    seeds = _seeds(facts)
    top = context.proximity_top if context is not None else None
    if given is None:
        return facts, seeds, personalized_pagerank(graph.linked, seeds, top=top)
    raw = given.walk_of(graph, personalized_pagerank(graph.linked, seeds, top=1.0))
    top = top if top is not None else float(raw.max()) if len(raw) else 0.0
    return facts, seeds, raw / top if top > 0 else raw


def _ordered(rings: list[Ring], previous: Sequence[Ring] | None,
             context: ScanContext | None) -> tuple[list[Ring], Changes | None]:
    """The rings by score, with the previous run's ids carried over (and the changes)
    and, for a whole graph, each id made unique."""
    rings.sort(key=lambda r: (-r.score, r.ring_id))
    changes = None
    if previous is not None:
        rings, changes = carry_over(rings, previous)
    if context is None:  # a part's ids are made unique once the parts are merged
        rings = unique_ring_ids(rings)
    return rings, changes


def _expanded(graph: ActorGraph, candidates: list[Candidate], embedding: np.ndarray | None,
              params: ScanParams) -> list[np.ndarray]:
    """Each candidate's members, grown by their neighbours in the embedding."""
    groups = [c.members for c in candidates]
    if embedding is None:
        return groups
    # A block's ring is exact (members use most of its identifiers): an actor near
    # it in the embedding is a customer of the block, not a member.
    # Its members are taken: no other candidate grows into them.
    return expand_by_similarity(
        graph, groups, embedding, min_similarity=params.embedding.expand_similarity,
        max_ring_size=params.communities.max_ring_size,
        grow=[c.source != SOURCE_BLOCK for c in candidates])


#: What a core's members have in common (:data:`graphfraud.score.evidence.CORES`).
CORE_TIME = "time"
CORE_BLOCK = "block"


def core_source(source: str, why: str, core: int, of: int | None = None,
                days: float = 0.0) -> Reason:
    """The provenance of a core (``of``: its group's size) or, without ``of``, of the
    rest of its group: "..., then its 12 of 42 members registered within 7 days".

    >>> from graphfraud.score.evidence import render
    >>> render(core_source("component", CORE_TIME, 12, 42, days=7))
    'found by: rare shared phones and accounts, then its 12 of 42 members registered within 7 days'
    """
    if of is None:
        return Reason.of("found_by_rest", source=source, core_kind=why, core=core, days=days)
    return Reason.of("found_by_core", source=source, core_kind=why, core=core, of=of,
                     days=days)


def _score_candidates(graph: ActorGraph, facts: ActorFacts, candidates: list[Candidate],
                      groups: list[np.ndarray], *, embedding: np.ndarray | None,
                      proximity: np.ndarray, seeds: np.ndarray, params: ScanParams,
                      foreign: np.ndarray | None = None, workers: int = 1) -> list[Ring]:
    """One ring per candidate (``groups``: its members after expansion), or its parts:
    two rings met through bystanders score as one weak group, so the parts stand
    instead when the whole is not a high-risk ring and one of them is; else its time
    core (:func:`~graphfraud.score.rings.time_core`) or its block core (the members
    that use most of its block: a ring amid the real customers of the products it
    reviews) and the rest, when the core is.

    Each candidate is scored on its own, in ``workers`` processes when there are many
    (:func:`graphfraud.workers.run_forked`); the rings come back in candidate order, the
    same whatever the number of workers."""
    seed_vectors = embedding[seeds] if embedding is not None else None
    min_size = params.communities.min_ring_size

    def scored(members: np.ndarray, source: Reason) -> Scored:
        return score_group(graph, facts, members, embedding=embedding,
                           proximity=proximity, seeds=seeds, params=params.score,
                           seed_vectors=seed_vectors, provenance=source,
                           foreign_seed_vectors=foreign)

    def rings_of(i: int) -> list[Ring]:
        # (each ring is made only once it stands: a whole its parts replace never is)
        members, candidate = groups[i], candidates[i]
        found_by = Reason.of("found_by", source=candidate.source)
        whole = scored(members, found_by)
        if whole.risk == Risk.HIGH:
            return [whole.ring()]
        # A whole that reaches high with no sign of fraud is cut only where a cut
        # finds one; otherwise a cut is taken as before, when a part reaches high.
        held = reaches_high(whole)

        def better(cut: Scored) -> bool:
            return cut.risk == Risk.HIGH or (not held and reaches_high(cut))

        if candidate.parts:
            parts = [scored(part, found_by) for part in candidate.parts]
            if any(better(p) for p in parts):
                return [p.ring() for p in parts]
        days = params.score.time_core_days
        cores = ((time_core(facts, members, params.score, min_size), CORE_TIME),
                 (whole.block_core, CORE_BLOCK))
        for core, why in ((c, w) for c, w in cores if c is not None and len(c) >= min_size):
            # (the count in the text is the core as cut; scoring may drop a member tied
            # to it through one other member only)
            inner = scored(core, core_source(candidate.source, why, len(core), len(members),
                                             days=days))
            if better(inner):
                rest = np.setdiff1d(members, core)
                if len(rest) >= min_size:
                    return [inner.ring(), scored(rest, core_source(
                        candidate.source, why, len(core), days=days)).ring()]
                return [inner.ring()]
        return [whole.ring()]

    if len(groups) != len(candidates):
        raise ValueError("one group of members per candidate")
    return [ring for rings in run_forked(rings_of, len(candidates), workers)
            for ring in rings]


def _foreign_seeds(graph: ActorGraph, seeds: np.ndarray, embedding: np.ndarray | None,
                   context: ScanContext | None) -> np.ndarray | None:
    """In a part of the graph: the embeddings of the whole graph's seeds not in it."""
    if context is None or context.seed_vectors is None or embedding is None:
        return None
    mine = node_hashes(graph.actor_types[seeds], graph.actor_ids[seeds])
    return context.seed_vectors[~np.isin(context.seed_hashes, mine)]


def _propagated(graph: ActorGraph, candidates: list[Candidate], proximity: np.ndarray,
                seeds: np.ndarray, params: ScanParams, context: ScanContext | None = None
                ) -> list[Candidate]:
    """Candidates from the blacklist for actors no structural cut took."""
    scale = context.seed_median if context is not None else None
    if params.communities.propagation_share <= 0:
        return []
    taken = np.zeros(graph.n_actors, dtype=bool)
    for c in candidates:
        taken[c.members] = True
    groups = propagation_groups(graph.linked, proximity, seeds, taken,
                                share=params.communities.propagation_share,
                                min_size=params.communities.min_ring_size, scale=scale)
    return [Candidate(g, SOURCE_PROPAGATION) for g in groups]


def _timed_call(function: Callable[..., T], *args: Any) -> tuple[T, float]:
    start = time.perf_counter()
    value = function(*args)
    return value, round(time.perf_counter() - start, 3)


def unique_ring_ids(rings: list[Ring]) -> list[Ring]:
    seen: set[str] = set()
    out = []
    for ring in rings:
        ring_id, k = ring.ring_id, 2
        while ring_id in seen:
            ring_id, k = f"{ring.ring_id}-{k}", k + 1
        seen.add(ring_id)
        out.append(ring if ring_id == ring.ring_id else replace(ring, ring_id=ring_id))
    return out


def graph_counts(graph: ActorGraph, rings: list[Ring]) -> dict[str, int]:
    from graphfraud.model import ACTOR_KINDS, IDENTIFIER_KINDS

    counts = {kind.table: int((graph.actor_types == kind.code).sum()) for kind in ACTOR_KINDS}
    counts.update({kind.table: int((graph.identifier_types == kind.code).sum())
                   for kind in IDENTIFIER_KINDS})
    return {
        **counts,
        "actor_links": int(graph.shared.nnz // 2),
        "rings": len(rings),
        **{risk.value: sum(r.risk == risk for r in rings) for risk in Risk},
        "hubs_dropped": sum(h.action == "dropped" for h in graph.hubs),
        "hubs_down_weighted": sum(h.action == "down-weighted" for h in graph.hubs),
    }
