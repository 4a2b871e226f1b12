"""Seed expansion: how close each actor sits to known fraud (personalised PageRank)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp


def personalized_pagerank(adjacency: sp.csr_matrix, seeds: np.ndarray, *,
                          restart: float = 0.25, iterations: int = 30) -> np.ndarray:
    """Stationary visit probability of a walk that restarts at ``seeds``.

    Returns zeros when there is no seed. Scaled so the largest non-seed value is
    comparable across graphs: the result is divided by its maximum.
    """
    import scipy.sparse as sp

    n = adjacency.shape[0]
    seeds = np.asarray(seeds, dtype=np.int64)
    if len(seeds) == 0 or n == 0:
        return np.zeros(n)
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    inv = np.zeros(n)
    inv[degree > 0] = 1.0 / degree[degree > 0]
    walk = (adjacency.T @ sp.diags(inv)).tocsr()  # column-stochastic
    start = np.zeros(n)
    start[seeds] = 1.0 / len(seeds)
    p = start.copy()
    for _ in range(iterations):
        p = (1 - restart) * (walk @ p) + restart * start
    top = p.max()
    return p / top if top > 0 else p
