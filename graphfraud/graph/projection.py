"""Projection: from the contract tables to a weighted actor graph.

Actors are merchants and streamers. Two actors are linked when they share a device
or a payment account, weighted by the identifier's rarity, and (weakly) when a
streamer promoted a merchant. Everything is sparse-matrix algebra; there is no
per-node Python on this path.

Hub-awareness. An identifier used by ``k`` actors spreads one unit of evidence
over its ``k - 1`` partners of each user (weight ``1 / (k - 1)`` per pair, the
"resource allocation" weight): a phone shared by 3 shops is strong evidence, a
PC in an internet cafe shared by 300 is almost none. Identifiers used by more
than ``hub_degree`` actors are dropped outright (their cliques would be huge and
meaningless) and reported, as are those above ``strong_degree`` that are kept
but can no longer make a strong link on their own.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from graphfraud.loaders.dataset import Dataset
from graphfraud.model import (
    ACTOR_KINDS,
    IDENTIFIER_KINDS,
    MERCHANT,
    PROMOTION,
    SHARING_LINKS,
    Role,
)

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    import scipy.sparse as sp

#: Entity type of each actor code / identifier code (``actor_types``, ``identifier_types``):
#: the model's kinds (:data:`graphfraud.model.ACTOR_KINDS`, ``IDENTIFIER_KINDS``), by code.
ACTOR_TYPES = tuple(k.entity_type for k in ACTOR_KINDS)
IDENTIFIER_TYPES = tuple(k.entity_type for k in IDENTIFIER_KINDS)


@dataclass(frozen=True)
class ProjectionParams:
    """Knobs of the projection."""

    #: Identifiers shared by more actors than this are hubs: dropped and reported, unless
    #: they are cohesive (below).
    hub_degree: int = 100
    #: An identifier shared by at most this many actors makes a strong link on its own.
    strong_degree: int = 20
    #: An identifier used by more than ``strong_degree`` actors is *cohesive* when most
    #: of its users also use one other identifier together: the co-users of the pair
    #: are at least this share of the larger one's users (the pair's co-usage measured
    #: against the degrees, a null model that needs no absolute number). The blocks of
    #: a ring (its phones and accounts, used by most members) are cohesive whatever
    #: their size; a popular product, an internet-cafe PC or a payment aggregator is
    #: not: its users' other identifiers scatter. Cohesive identifiers are never dropped
    #: as hubs; candidate detection grows rings from blocks of them.
    cohesion: float = 0.3
    #: ... and that co-usage is at least this many times what independent use would give.
    cohesion_lift: float = 3.0
    #: Weight of a promotion link relative to a shared identifier of two actors.
    promotion_weight: float = 0.25


@dataclass(frozen=True)
class Hub:
    """An identifier ignored (dropped) or down-weighted because many actors share it."""

    type: str
    id: str
    actors: int
    action: str  # "dropped" | "down-weighted"


@dataclass(frozen=True)
class ActorGraph:
    """The actor graph and everything later stages look up.

    Actors are sorted by (type, id), identifiers likewise, so the same data gives
    the same matrices whichever way it was read.
    """

    actor_ids: np.ndarray  # str
    actor_types: np.ndarray  # int8: the ``code`` of an actor kind (model.ACTOR_KINDS)
    identifier_ids: np.ndarray  # str
    identifier_types: np.ndarray  # int8: the ``code`` of an identifier kind
    identifier_degree: np.ndarray  # distinct actors per identifier
    #: Per identifier: the largest co-usage share with another identifier (0 when none).
    identifier_cohesion: np.ndarray
    #: Per identifier: dropped as a hub (not in ``shared``).
    identifier_dropped: np.ndarray
    #: The cohesion share at which identifiers count as cohesive, and the lift over
    #: chance a pair's co-usage needs.
    cohesion: float
    cohesion_lift: float
    incidence: sp.csr_matrix  # actors x identifiers, 1 where the actor uses it
    shared: sp.csr_matrix  # actors x actors, summed rarity weights of shared identifiers
    promotions: sp.csr_matrix  # actors x actors, symmetric promotion weights
    linked: sp.csr_matrix  # shared + promotions: every tie between two actors
    hubs: tuple[Hub, ...]
    strong_threshold: float
    #: Identifiers used by more actors than this were dropped as hubs.
    hub_degree: int
    #: Identifiers used by more actors than this cannot make a strong link alone.
    strong_degree: int
    #: Per entity kind, its sorted id universe (Arrow) and the offset of its first row.
    universes: dict[str, tuple[Any, int]] = field(default_factory=dict, compare=False,
                                                   repr=False)
    #: Actors of the whole graph when this one is a part of it (else 0: this graph's
    #: own count), for chance models of co-use.
    whole_actors: int = 0

    @property
    def n_actors(self) -> int:
        return len(self.actor_ids)

    @property
    def chance_actors(self) -> int:
        """The actor count chance models of co-use compare with: the whole graph's."""
        return self.whole_actors or self.n_actors

    def actor_key(self, i: int) -> str:
        return f"{ACTOR_TYPES[self.actor_types[i]]}:{self.actor_ids[i]}"

    def positions(self, kind: str, ids: object) -> np.ndarray:
        """Row of each id of one entity kind: an actor row for merchants and streamers,
        an identifier column for devices and payment accounts; -1 when absent."""
        universe, offset = self.universes[kind]
        count = len(ids)  # type: ignore[arg-type]
        if count * SEARCH_BELOW < len(universe):
            # A few ids: a binary search in the sorted ids (Python's str order is the
            # universe's UTF-8 byte order) instead of hashing the whole universe.
            values = ids.tolist() if hasattr(ids, "tolist") else list(ids)  # type: ignore
            if all(isinstance(v, str) for v in values):
                sorted_ids = (self.actor_ids if kind in ACTOR_TYPES else self.identifier_ids)[
                    offset:offset + len(universe)]
                wanted = np.asarray(values, dtype=object)
                at = np.minimum(np.searchsorted(sorted_ids, wanted), len(sorted_ids) - 1)
                return np.where(sorted_ids[at] == wanted, at + offset, -1).astype(np.int64)
        return _positions(self.universes, kind, ids)


#: ``positions`` searches the sorted ids when the universe is this many times the ids
#: looked up, and hashes the universe otherwise.
SEARCH_BELOW = 16


def _positions(universes: dict[str, tuple[Any, int]], kind: str, ids: object) -> np.ndarray:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    universe, offset = universes[kind]
    values = ids.array if isinstance(ids, pd.Series) else ids
    arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    pos = pc.index_in(arr, value_set=universe)
    out = np.asarray(pc.fill_null(pos, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return np.where(out >= 0, out + offset, -1)


@dataclass(frozen=True)
class GraphContext:
    """What a part of the graph (a bucket of whole connected components of the
    hub-pruned graph) needs from the whole graph to be projected as the whole would
    project it: the number of actors (the chance model of cohesion) and the hubs
    dropped in the whole graph, whose users span parts (entity type, id, degree in the
    whole graph). Every other identifier has all its users in one part."""

    n_actors: int
    hub_types: tuple[str, ...] = ()
    hub_ids: tuple[str, ...] = ()
    hub_degrees: tuple[int, ...] = ()


def _arrow(values: pd.Series) -> pa.Array:
    import pyarrow as pa

    return pa.array(values.array, type=pa.large_string())


def _encode(parts: list[pd.Series]) -> tuple[pa.Array, list[np.ndarray[Any, Any]]]:
    """The sorted distinct ids of ``parts`` and each part's positions in them.

    One dictionary encoding over all parts (one hash pass), then only the distinct
    values are sorted (UTF-8 byte order, the same as code point order).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not parts:
        return pa.array([], type=pa.large_string()), []
    # A chunked encoding shares one dictionary across chunks: no copy of the strings.
    arrays = [_arrow(p) for p in parts]
    chunks = pa.chunked_array([c for a in arrays for c in getattr(a, "chunks", [a])],
                              type=pa.large_string())
    encoded = pc.dictionary_encode(chunks)
    if not encoded.num_chunks:
        return pa.array([], type=pa.large_string()), [np.zeros(0, np.int64) for _ in parts]
    dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
    order = np.asarray(pc.sort_indices(dictionary).to_numpy(), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    if any(c.indices.null_count for c in encoded.chunks):  # the loaders never pass these
        raise ValueError("projection met a missing id")
    codes = np.concatenate([np.asarray(c.indices.to_numpy(zero_copy_only=False))
                            for c in encoded.chunks])
    positions = rank[codes]
    bounds = np.cumsum([0] + [len(p) for p in parts])
    return (pc.take(dictionary, pa.array(order)),
            [positions[a:b] for a, b in itertools.pairwise(bounds)])


def _encode_ids(parts: list[pd.Series]
                ) -> tuple[pa.Array, list[np.ndarray[Any, Any]], np.ndarray]:
    """:func:`_encode`, and the sorted distinct ids as an array of Python strings."""
    index, positions = _encode(parts)
    return index, positions, index.to_numpy(zero_copy_only=False).astype(object)


@dataclass(frozen=True)
class Entities:
    """Every entity id universe and the actor x identifier incidence."""

    actor_ids: np.ndarray
    actor_types: np.ndarray
    identifier_ids: np.ndarray
    identifier_types: np.ndarray
    incidence: sp.csr_matrix
    universes: dict[str, tuple[Any, int]]
    #: (promoter row, promoted row) of every promotion link, when there are any.
    promotion_pairs: tuple[np.ndarray, np.ndarray] | None


def _id_columns(dataset: Dataset) -> dict[str, list[tuple[str, pd.Series]]]:
    """Per entity kind, every (table, column of ids) of the dataset that names it.

    A kind whose own file is optional (streamers) may exist only through links and
    labels; a required one (merchants) is closed: links must name a known entity.
    """
    from graphfraud.loaders.spec import contract

    t = dataset.tables
    specs = contract()
    out: dict[str, list[tuple[str, pd.Series]]] = {}
    for kind in ACTOR_KINDS + IDENTIFIER_KINDS:
        parts = []
        if kind.role is Role.ACTOR and kind.table in t:
            parts.append((kind.table, t[kind.table][kind.key]))
        for link in SHARING_LINKS:
            frame = t.get(link.table)
            if frame is None or frame.empty:
                continue
            if link.start is kind:
                parts.append((link.table, frame[link.start_column]))
            if link.end is kind:
                parts.append((link.table, frame[link.end_column]))
        promotions = t.get(PROMOTION.table)
        if promotions is not None and not promotions.empty:
            for end, column in ((PROMOTION.start, PROMOTION.start_column),
                                (PROMOTION.end, PROMOTION.end_column)):
                if end is kind:
                    parts.append((PROMOTION.table, promotions[column]))
        if kind.role is Role.ACTOR and not specs[kind.table].required and "labels" in t:
            labels = t["labels"]
            parts.append(("labels", labels.loc[labels["entity_type"] == kind.entity_type,
                                               "entity_id"]))
        out[kind.entity_type] = parts
    return out


def encode_entities(dataset: Dataset) -> Entities:
    """One hash pass per kind: the sorted universes, then the incidence matrix (the first
    half of :func:`project`, which a caller may run first, to start on the actors' ids
    while the rest is made)."""
    import scipy.sparse as sp

    columns = _id_columns(dataset)
    positions: dict[tuple[str, str], np.ndarray] = {}
    universes: dict[str, tuple[Any, int]] = {}
    ids: dict[Role, list[np.ndarray]] = {role: [] for role in Role}
    types: dict[Role, list[np.ndarray]] = {role: [] for role in Role}
    kinds = ACTOR_KINDS + IDENTIFIER_KINDS
    # The kinds are encoded side by side (Arrow's hashing and sorting release the GIL),
    # each with its ids as Python strings (the graph's id arrays).
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="graphfraud-encode") as pool:
        encoded = list(pool.map(lambda k: _encode_ids([s for _, s in columns[k.entity_type]]),
                                kinds))
    for kind, (index, pos, values) in zip(kinds, encoded, strict=True):
        parts = columns[kind.entity_type]
        offset = sum(len(x) for x in ids[kind.role])
        if kind is MERCHANT and parts and len(np.unique(pos[0])) != len(index):
            raise ValueError("projection met a merchant id outside merchants")
        for (table, _), p in zip(parts, pos, strict=True):
            positions[(kind.entity_type, table)] = p + offset
        universes[kind.entity_type] = (index, offset)
        ids[kind.role].append(values)
        types[kind.role].append(np.full(len(values), kind.code, np.int8))
    actor_ids = np.concatenate(ids[Role.ACTOR])
    identifier_ids = np.concatenate(ids[Role.IDENTIFIER])
    rows = [positions[(link.start.entity_type, link.table)] for link in SHARING_LINKS
            if (link.start.entity_type, link.table) in positions]
    cols = [positions[(link.end.entity_type, link.table)] for link in SHARING_LINKS
            if (link.end.entity_type, link.table) in positions]
    r_all = np.concatenate(rows) if rows else np.array([], dtype=np.int64)
    c_all = np.concatenate(cols) if cols else np.array([], dtype=np.int64)
    n, m = len(actor_ids), len(identifier_ids)
    incidence = sp.csr_matrix((np.ones(len(r_all)), (r_all, c_all)), shape=(n, m))
    incidence.data[:] = 1.0  # duplicates summed by the constructor count once
    promo_key = (PROMOTION.start.entity_type, PROMOTION.table)
    pairs = None
    if promo_key in positions:
        pairs = (positions[promo_key], positions[(PROMOTION.end.entity_type, PROMOTION.table)])
    return Entities(actor_ids, np.concatenate(types[Role.ACTOR]), identifier_ids,
                     np.concatenate(types[Role.IDENTIFIER]), incidence, universes, pairs)


def _links(e: Entities, weight: np.ndarray, params: ProjectionParams
           ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The actors' shared-identifier weights (each identifier's ``weight`` per pair of
    its users) and their promotion weights, the latter made in a second thread
    meanwhile (scipy's sparse kernels release the GIL)."""
    import scipy.sparse as sp

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphfraud-promo") as pool:
        promoted = pool.submit(_promotion_matrix, len(e.actor_ids), e.promotion_pairs,
                               params)
        b = e.incidence @ sp.diags(np.sqrt(weight))
        b.eliminate_zeros()
        shared = (b @ b.T).tocsr()
        shared.setdiag(0)
        shared.eliminate_zeros()
        return shared, promoted.result()


def _promotion_matrix(n: int, pairs: tuple[np.ndarray, np.ndarray] | None,
                      params: ProjectionParams) -> sp.csr_matrix:
    """Symmetric promotion weights; a host who promotes many shops says little of each."""
    import scipy.sparse as sp

    if pairs is None:
        return sp.csr_matrix((n, n))
    promoter, promoted = pairs
    host_degree = np.bincount(promoter, minlength=n)
    w = params.promotion_weight / np.maximum(host_degree[promoter], 1) ** 0.5
    promo = sp.csr_matrix((w, (promoter, promoted)), shape=(n, n))
    return (promo + promo.T).tocsr()


def identifier_cohesion(incidence: sp.csr_matrix, degree: np.ndarray, above: int,
                        lift: float = 0.0, n_actors: int | None = None) -> np.ndarray:
    """For each identifier used by more than ``above`` actors, the largest share
    ``c / max(k_a, k_b)`` over the identifiers ``b`` it is used together with (``c``
    actors use both; ``k`` are the degrees), counting only pairs used together at least
    ``lift`` times as often as independent use would give (``k_a k_b / N`` among ``N``
    actors: two phones each used by most actors are used together by chance); 0 for
    the others.

    >>> import scipy.sparse as sp
    >>> inc = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [0, 1, 0]]))
    >>> identifier_cohesion(inc, np.array([3, 3, 1]), above=2).round(2).tolist()
    [0.67, 0.67, 0.0]
    """
    popular = np.flatnonzero(degree > above)
    out = np.zeros(len(degree))
    if not len(popular):
        return out
    csc = incidence.tocsc()
    co = (csc[:, popular].T @ csc).tocsr()  # popular x all identifiers: co-users
    rows = np.repeat(np.arange(len(popular)), np.diff(co.indptr))
    other = co.indices != popular[rows]
    k_a, k_b = degree[popular[rows]].astype(np.float64), degree[co.indices]
    n = incidence.shape[0] if n_actors is None else n_actors
    beyond_chance = co.data >= lift * k_a * k_b / max(n, 1)
    ratio = np.where(other & beyond_chance, co.data / np.maximum(k_a, k_b), 0.0)
    best = np.zeros(len(popular))
    filled = np.flatnonzero(np.diff(co.indptr) > 0)  # rows of co are popular identifiers
    if len(filled):
        best[filled] = np.maximum(np.maximum.reduceat(ratio, co.indptr[filled]), 0.0)
    out[popular] = best
    return out


def project(dataset: Dataset, params: ProjectionParams | None = None,
            context: GraphContext | None = None, entities: Entities | None = None
            ) -> ActorGraph:
    """Build the actor graph of a validated dataset.

    Parameters
    ----------
    dataset
        Tables from :func:`graphfraud.loaders.read_dataset` (or from Neo4j).
    params
        Hub and weighting knobs.
    context
        When the dataset is a part of a bigger graph (whole components of it): the
        whole graph's actor count and dropped hubs (:class:`GraphContext`).
    entities
        :func:`encode_entities` of ``dataset``, when the caller made it already.

    Returns
    -------
    ActorGraph
    """

    params = params or ProjectionParams()
    e = encode_entities(dataset) if entities is None else entities
    incidence = e.incidence
    m = len(e.identifier_ids)
    degree = np.asarray(incidence.sum(axis=0)).ravel().astype(np.int64)
    forced = np.zeros(m, dtype=bool)
    if context is not None and context.hub_ids:
        kinds = np.asarray(context.hub_types, dtype=object)
        for kind in np.unique(kinds):
            pick = kinds == kind
            pos = _positions(e.universes, str(kind), np.asarray(context.hub_ids,
                                                                dtype=object)[pick])
            ok = pos >= 0
            degree[pos[ok]] = np.asarray(context.hub_degrees, dtype=np.int64)[pick][ok]
            forced[pos[ok]] = True

    # Rarity weights; cohesive identifiers link strongly; hubs out.
    cohesion = identifier_cohesion(incidence, degree, params.strong_degree,
                                   params.cohesion_lift,
                                   context.n_actors if context is not None else None)
    cohesion[forced] = 0.0  # dropped in the whole graph, where its cohesion was measured
    cohesive = cohesion >= params.cohesion
    weight = np.zeros(m)
    dropped = ((degree > params.hub_degree) & ~cohesive) | forced
    usable = (degree >= 2) & ~dropped
    weight[usable] = 1.0 / (degree[usable] - 1)
    shared, promotions = _links(e, weight, params)

    hubs = [
        Hub(IDENTIFIER_TYPES[e.identifier_types[i]], str(e.identifier_ids[i]), int(degree[i]),
            "dropped" if dropped[i] else "down-weighted")
        for i in np.flatnonzero((degree > params.strong_degree) & ~cohesive)
    ]
    hubs.sort(key=lambda h: (-h.actors, h.type, h.id))
    return ActorGraph(
        actor_ids=e.actor_ids,
        actor_types=e.actor_types,
        identifier_ids=e.identifier_ids,
        identifier_types=e.identifier_types,
        identifier_degree=degree,
        identifier_cohesion=cohesion,
        identifier_dropped=dropped,
        cohesion=params.cohesion,
        cohesion_lift=params.cohesion_lift,
        incidence=incidence,
        shared=shared,
        promotions=promotions,
        linked=(shared + promotions).tocsr(),
        hubs=tuple(hubs),
        strong_threshold=1.0 / (params.strong_degree - 1),
        hub_degree=params.hub_degree,
        strong_degree=params.strong_degree,
        universes=e.universes,
        whole_actors=context.n_actors if context is not None else 0,
    )
