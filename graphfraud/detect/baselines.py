"""Simple detectors the scan is measured against (``graphfraud evaluate``), each
given the same seeds as the scan (blacklisted actors and the users of blacklisted
phones and accounts).

ppr              personalised PageRank from the seeds over the actor graph; the top
                 actors by visit probability, as many as the caller's budget (the
                 actors the scan's high rings flag beyond the seeds)
pruned           connected components of the actor graph over identifiers shared by at
                 most ``PRUNED_MAX_DEGREE`` actors, those of 3 to ``MAX_GROUP`` actors
                 holding a seed (no budget: a component is taken whole)
louvain          Louvain communities of the actor graph (networkx, seeded), those of 3
                 to ``MAX_GROUP`` actors holding a seed (no budget); up to
                 ``LOUVAIN_MAX_ACTORS`` actors (networkx's Louvain takes about 35 s and
                 0.8 GB at 200,000 actors and grows faster than linearly)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from graphfraud.detect.seeds import personalized_pagerank

if TYPE_CHECKING:
    from graphfraud.graph.projection import ActorGraph

#: Identifiers shared by more actors are pruned before components are taken.
PRUNED_MAX_DEGREE = 20
#: Communities larger than this are not flagged whole (a giant community is no ring).
MAX_GROUP = 500
#: Above this many actors the Louvain baseline is skipped (its cost, see above).
LOUVAIN_MAX_ACTORS = 300_000


def ppr(graph: ActorGraph, seeds: np.ndarray, budget: int) -> np.ndarray:
    """The ``budget`` non-seed actors a walk from the seeds visits most (bool per actor)."""
    flagged = np.zeros(graph.n_actors, dtype=bool)
    if not len(seeds) or budget <= 0:
        return flagged
    visits = personalized_pagerank(graph.linked, seeds, top=1.0)
    visits[seeds] = -1.0
    order = np.argsort(-visits, kind="stable")[:budget]
    flagged[order[visits[order] > 0]] = True
    return flagged


def pruned_components(graph: ActorGraph, seeds: np.ndarray,
                      max_degree: int = PRUNED_MAX_DEGREE) -> np.ndarray:
    """Actors in a component (identifiers of at most ``max_degree`` users) of 3 to
    ``MAX_GROUP`` actors that holds a blacklisted actor."""
    from scipy.sparse.csgraph import connected_components

    keep = np.flatnonzero(graph.identifier_degree <= max_degree)
    inc = graph.incidence[:, keep]
    adjacency = (inc @ inc.T).tocsr()
    _, label = connected_components(adjacency, directed=False)
    return _groups_with_seeds(label, seeds)


def louvain(graph: ActorGraph, seeds: np.ndarray, seed: int) -> np.ndarray:
    """Actors in a Louvain community (networkx, ``seed``) of 3 to ``MAX_GROUP`` actors
    that holds a blacklisted actor."""
    import networkx as nx

    coo = sp.triu(graph.linked, k=1).tocoo()
    g = nx.Graph()
    g.add_nodes_from(range(graph.n_actors))
    g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(),
                                  strict=True))
    label = np.arange(graph.n_actors)
    for i, community in enumerate(nx.community.louvain_communities(g, seed=seed)):
        label[list(community)] = graph.n_actors + i
    return _groups_with_seeds(label, seeds)


def _groups_with_seeds(label: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    _, inverse, sizes = np.unique(label, return_inverse=True, return_counts=True)
    hit = np.zeros(len(sizes), dtype=bool)
    hit[inverse[seeds]] = True
    ok = hit & (sizes >= 3) & (sizes <= MAX_GROUP)
    return ok[inverse]
