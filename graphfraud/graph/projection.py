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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from graphfraud.loaders.dataset import Dataset

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    import scipy.sparse as sp

MERCHANT, STREAMER = 0, 1
DEVICE, ACCOUNT = 0, 1
ACTOR_TYPES = ("merchant", "streamer")
IDENTIFIER_TYPES = ("device", "payment_account")


@dataclass(frozen=True)
class ProjectionParams:
    """Knobs of the projection."""

    #: Identifiers shared by more actors than this are hubs: dropped and reported.
    hub_degree: int = 100
    #: An identifier shared by at most this many actors makes a strong link on its own.
    strong_degree: int = 20
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
    actor_types: np.ndarray  # int8: MERCHANT | STREAMER
    identifier_ids: np.ndarray  # str
    identifier_types: np.ndarray  # int8: DEVICE | ACCOUNT
    identifier_degree: np.ndarray  # distinct actors per identifier
    incidence: sp.csr_matrix  # actors x identifiers, 1 where the actor uses it
    shared: sp.csr_matrix  # actors x actors, summed rarity weights of shared identifiers
    promotions: sp.csr_matrix  # actors x actors, symmetric promotion weights
    linked: sp.csr_matrix  # shared + promotions: every tie between two actors
    hubs: tuple[Hub, ...]
    strong_threshold: float
    #: Identifiers used by more actors than this were dropped as hubs.
    hub_cap: int
    #: Identifiers used by more actors than this cannot make a strong link alone.
    strong_degree: int
    #: Per entity kind, its sorted id universe (Arrow) and the offset of its first row.
    universes: dict[str, tuple[Any, int]] = field(default_factory=dict, compare=False,
                                                   repr=False)

    @property
    def n_actors(self) -> int:
        return len(self.actor_ids)

    def actor_key(self, i: int) -> str:
        return f"{ACTOR_TYPES[self.actor_types[i]]}:{self.actor_ids[i]}"

    def positions(self, kind: str, ids: object) -> np.ndarray:
        """Row of each id of one entity kind: an actor row for merchants and streamers,
        an identifier column for devices and payment accounts; -1 when absent."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        universe, offset = self.universes[kind]
        values = ids.array if isinstance(ids, pd.Series) else ids
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
        pos = pc.index_in(arr, value_set=universe)
        out = np.asarray(pc.fill_null(pos, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        return np.where(out >= 0, out + offset, -1)


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


def _streamer_columns(dataset: Dataset) -> dict[str, pd.Series]:
    """Every column that names streamers (they may exist only through links), by table."""
    t = dataset.tables
    names = ("streamers", "streamer_devices", "streamer_accounts", "promotions")
    parts: dict[str, pd.Series] = {name: t[name]["streamer_id"] for name in names if name in t}
    if "labels" in t:
        labels = t["labels"]
        parts["labels"] = labels.loc[labels["entity_type"] == "streamer", "entity_id"]
    return parts


def project(dataset: Dataset, params: ProjectionParams | None = None) -> ActorGraph:
    """Build the actor graph of a validated dataset.

    Parameters
    ----------
    dataset
        Tables from :func:`graphfraud.loaders.read_dataset` (or from Neo4j).
    params
        Hub and weighting knobs.

    Returns
    -------
    ActorGraph
    """
    import scipy.sparse as sp

    params = params or ProjectionParams()
    t = dataset.tables
    links = (("merchant_devices", "merchant_id", "device_id", DEVICE),
             ("streamer_devices", "streamer_id", "device_id", DEVICE),
             ("merchant_accounts", "merchant_id", "account_id", ACCOUNT),
             ("streamer_accounts", "streamer_id", "account_id", ACCOUNT))
    present = [link for link in links if link[0] in t and not t[link[0]].empty]
    has_promotions = "promotions" in t and not t["promotions"].empty

    # One hash pass per kind: the sorted universe and every column's positions in it.
    m_parts = [t["merchants"]["merchant_id"]] + [t[name][col] for name, col, _, _ in present
                                                 if col == "merchant_id"]
    if has_promotions:
        m_parts.append(t["promotions"]["merchant_id"])
    m_index, m_pos = _encode(m_parts)
    if len(np.unique(m_pos[0])) != len(m_index):  # the loaders guarantee references
        raise ValueError("projection met a merchant id outside merchants")
    s_columns = _streamer_columns(dataset)
    s_index, s_pos = _encode(list(s_columns.values()))
    s_of = dict(zip(s_columns, s_pos, strict=True))
    d_index, d_pos = _encode([t[name][ident] for name, _, ident, kind in present
                              if kind == DEVICE])
    a_index, a_pos = _encode([t[name][ident] for name, _, ident, kind in present
                              if kind == ACCOUNT])
    merchants = m_index.to_numpy(zero_copy_only=False).astype(object)
    streamers = s_index.to_numpy(zero_copy_only=False).astype(object)
    devices = d_index.to_numpy(zero_copy_only=False).astype(object)
    accounts = a_index.to_numpy(zero_copy_only=False).astype(object)
    actor_ids = np.concatenate([merchants, streamers])
    actor_types = np.concatenate([np.full(len(merchants), MERCHANT, np.int8),
                                  np.full(len(streamers), STREAMER, np.int8)])

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    m_next, d_next, a_next = iter(m_pos[1:]), iter(d_pos), iter(a_pos)
    for name, actor_col, _, kind in present:
        r = next(m_next) if actor_col == "merchant_id" else s_of[name] + len(merchants)
        c = next(d_next) if kind == DEVICE else next(a_next) + len(devices)
        rows.append(r)
        cols.append(c)
    identifier_ids = np.concatenate([devices, accounts])
    identifier_types = np.concatenate([np.full(len(devices), DEVICE, np.int8),
                                       np.full(len(accounts), ACCOUNT, np.int8)])
    n, m = len(actor_ids), len(identifier_ids)
    r_all = np.concatenate(rows) if rows else np.array([], dtype=np.int64)
    c_all = np.concatenate(cols) if cols else np.array([], dtype=np.int64)
    incidence = sp.csr_matrix((np.ones(len(r_all)), (r_all, c_all)), shape=(n, m))
    incidence.data[:] = 1.0  # duplicates summed by the constructor count once
    degree = np.asarray(incidence.sum(axis=0)).ravel().astype(np.int64)

    # Rarity weights; hubs out.
    weight = np.zeros(m)
    usable = (degree >= 2) & (degree <= params.hub_degree)
    weight[usable] = 1.0 / (degree[usable] - 1)
    b = incidence @ sp.diags(np.sqrt(weight))
    b.eliminate_zeros()
    shared = (b @ b.T).tocsr()
    shared.setdiag(0)
    shared.eliminate_zeros()

    hubs = [
        Hub(IDENTIFIER_TYPES[identifier_types[i]], str(identifier_ids[i]), int(degree[i]),
            "dropped" if degree[i] > params.hub_degree else "down-weighted")
        for i in np.flatnonzero(degree > params.strong_degree)
    ]
    hubs.sort(key=lambda h: (-h.actors, h.type, h.id))

    promotions = sp.csr_matrix((n, n))
    if has_promotions:
        promoter = s_of["promotions"] + len(merchants)
        promoted = next(m_next)
        # A host who promotes many shops says little about each of them.
        host_degree = np.bincount(promoter, minlength=n)
        w = params.promotion_weight / np.maximum(host_degree[promoter], 1) ** 0.5
        promo = sp.csr_matrix((w, (promoter, promoted)), shape=(n, n))
        promotions = (promo + promo.T).tocsr()

    return ActorGraph(
        actor_ids=actor_ids,
        actor_types=actor_types,
        identifier_ids=identifier_ids,
        identifier_types=identifier_types,
        identifier_degree=degree,
        incidence=incidence,
        shared=shared,
        promotions=promotions,
        linked=(shared + promotions).tocsr(),
        hubs=tuple(hubs),
        strong_threshold=1.0 / (params.strong_degree - 1),
        hub_cap=params.hub_degree,
        strong_degree=params.strong_degree,
        universes={"merchant": (m_index, 0), "streamer": (s_index, len(merchants)),
                   "device": (d_index, 0), "payment_account": (a_index, len(devices))},
    )
