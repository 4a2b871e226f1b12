"""Candidate rings: connected components over strong links, refined by Leiden."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphfraud.graph.projection import ActorGraph


@dataclass(frozen=True)
class CommunityParams:
    """Knobs of candidate detection."""

    #: Smallest group reported as a ring (a pair sharing a phone is a family, not a ring).
    min_ring_size: int = 3
    #: Components larger than this are split with hierarchical Leiden.
    max_ring_size: int = 60
    #: Leiden resolution (higher: smaller communities).
    resolution: float = 1.0
    #: Seed of every random choice (Leiden's node order).
    random_seed: int = 42


def strong_links(graph: ActorGraph) -> Any:
    """The actor pairs whose shared identifiers alone are strong evidence."""
    strong = graph.shared.copy()
    strong.data = (strong.data >= graph.strong_threshold * (1 - 1e-9)).astype(np.float64)
    strong.eliminate_zeros()
    return strong


def candidate_rings(graph: ActorGraph, params: CommunityParams | None = None
                    ) -> list[np.ndarray]:
    """Groups of actor indices, each sorted, the list sorted by first member.

    Components of the strong-link graph smaller than ``min_ring_size`` are not
    candidates; components larger than ``max_ring_size`` (including one giant
    component) are split by hierarchical Leiden on the full shared-identifier
    weights, seeded, so the same data always gives the same groups.
    """
    from scipy.sparse.csgraph import connected_components

    params = params or CommunityParams()
    strong = strong_links(graph)
    if strong.nnz == 0:
        return _popular_identifier_groups(graph, [], params)
    _, labels = connected_components(strong, directed=False)
    degree = np.diff(strong.indptr)
    labels = np.where(degree > 0, labels, -1)  # isolated actors belong to no candidate
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    groups: list[np.ndarray] = []
    for start, end in zip(starts, np.r_[starts[1:], len(order)], strict=True):
        if sorted_labels[start] < 0 or end - start < params.min_ring_size:
            continue
        members = np.sort(order[start:end])
        if len(members) > params.max_ring_size:
            groups.extend(_split(graph, members, params))
        elif len(members) >= 2 * params.min_ring_size:
            groups.extend(_cut_bridges(strong, members, params.min_ring_size))
        else:
            groups.append(members)
    groups = [g for g in groups if len(g) >= params.min_ring_size]
    groups += _popular_identifier_groups(graph, groups, params)
    groups.sort(key=lambda g: int(g[0]))
    return groups


def _popular_identifier_groups(graph: ActorGraph, groups: list[np.ndarray],
                               params: CommunityParams) -> list[np.ndarray]:
    """Users of one moderately popular identifier, as a candidate of their own.

    A phone used by 30 shops is too popular to make a strong link (an office PC or a
    small internet cafe looks the same), so its users form no component. Whether it is
    a 30-shop farm or a cafe is a question for the scoring (registration burst, youth,
    behaviour, labels), so each such identifier whose users are mostly in no other
    candidate becomes a candidate: a cafe's unrelated users then score low, a farm high.
    """
    degree = graph.identifier_degree
    popular = np.flatnonzero((degree > graph.strong_degree)
                             & (degree <= min(graph.hub_degree, params.max_ring_size)))
    if not len(popular):
        return []
    owned = np.zeros(graph.n_actors, dtype=bool)
    for members in groups:
        owned[members] = True
    by_identifier = graph.incidence[:, popular].tocsc()
    found = []
    for j in range(len(popular)):
        users = by_identifier.indices[by_identifier.indptr[j]:by_identifier.indptr[j + 1]]
        free = np.sort(users[~owned[users]])
        if len(free) >= max(params.min_ring_size, len(users) / 2):
            owned[free] = True
            found.append(free)
    return found


def _cut_bridges(strong: object, members: np.ndarray, min_size: int) -> list[np.ndarray]:
    """Separate groups that hang together by one link only.

    Two groups of at least ``min_size`` actors joined by a single strong link (a
    ring shop and a franchise shop that share a family phone) are two groups: the
    link is a bridge of the strong-link graph. Bridges that would cut off fewer
    than ``min_size`` actors are kept.
    """
    import networkx as nx

    sub = strong[members][:, members].tocoo()  # type: ignore[index]
    g = nx.Graph()
    g.add_nodes_from(range(len(members)))
    g.add_edges_from((int(a), int(b)) for a, b in zip(sub.row, sub.col, strict=True) if a < b)
    cut = False
    for a, b in list(nx.bridges(g)):
        g.remove_edge(a, b)
        side = nx.node_connected_component(g, a)
        if min(len(side), len(members) - len(side)) >= min_size:
            cut = True
        else:
            g.add_edge(a, b)
    if not cut:
        return [members]
    return [np.sort(members[np.fromiter(c, dtype=np.int64)])
            for c in nx.connected_components(g)]


def _split(graph: ActorGraph, members: np.ndarray, params: CommunityParams
           ) -> list[np.ndarray]:
    import scipy.sparse as sp
    from graspologic.partition import hierarchical_leiden

    sub = graph.shared[members][:, members] + graph.promotions[members][:, members]
    sub = sp.csr_array(sub)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # graspologic's notes on isolated nodes, none here
        clusters = hierarchical_leiden(
            sub,
            max_cluster_size=params.max_ring_size,
            resolution=params.resolution,
            random_seed=params.random_seed,
            use_modularity=True,
        )
    assignment = clusters.final_level_hierarchical_clustering()
    by_cluster: dict[int, list[int]] = {}
    for node, cluster in assignment.items():
        by_cluster.setdefault(int(cluster), []).append(int(node))
    return [np.sort(members[np.asarray(nodes)]) for nodes in by_cluster.values()]


def expand_by_similarity(graph: ActorGraph, groups: list[np.ndarray], embedding: np.ndarray,
                         *, min_similarity: float = 0.8, max_ring_size: int = 60
                         ) -> list[np.ndarray]:
    """Add weakly linked actors whose embedding sits inside a candidate ring.

    An actor that shares only moderately popular identifiers with a ring (a host
    phone used by 25 of the ring's shops is no longer rare enough to make a strong
    link) is still a member when its neighbourhood *is* the ring: its embedding is
    then close to the ring's centroid. Users of a genuine hub are not: their
    neighbourhoods are their own. Each actor joins at most one ring, the one it is
    most strongly linked to; rings do not grow past ``max_ring_size``.
    """
    import scipy.sparse as sp

    if not groups:
        return groups
    n = graph.n_actors
    owner = np.full(n, -1, dtype=np.int64)
    for gi, members in enumerate(groups):
        owner[members] = gi
    rows = np.concatenate(groups)
    cols = owner[rows]
    membership = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(groups)))
    weight_to_group = (graph.shared @ membership).tocsr()
    centroids = np.vstack([embedding[g].mean(axis=0) for g in groups])
    norms = np.linalg.norm(centroids, axis=1)
    norms[norms == 0] = 1.0
    centroids = centroids / norms[:, None]
    outside = np.flatnonzero((owner < 0) & (np.diff(weight_to_group.indptr) > 0))
    added: dict[int, list[int]] = {}
    for u in outside:
        start, end = weight_to_group.indptr[u], weight_to_group.indptr[u + 1]
        target = int(weight_to_group.indices[start + np.argmax(weight_to_group.data[start:end])])
        if float(embedding[u] @ centroids[target]) >= min_similarity:
            added.setdefault(target, []).append(int(u))
    out = []
    for gi, members in enumerate(groups):
        extra = added.get(gi, [])[: max(0, max_ring_size - len(members))]
        out.append(np.sort(np.concatenate([members, np.asarray(extra, dtype=members.dtype)]))
                   if extra else members)
    return out
