"""Seed expansion: how close each actor sits to known fraud (personalised PageRank)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp


def personalized_pagerank(adjacency: sp.csr_matrix, seeds: np.ndarray, *,
                          restart: float = 0.25, iterations: int = 30,
                          top: float | None = None) -> np.ndarray:
    """Stationary visit probability of a walk that restarts at ``seeds``.

    Returns zeros when there is no seed. Scaled so the largest non-seed value is
    comparable across graphs: the result is divided by its maximum (``top``: the
    maximum over the whole graph when ``adjacency`` is a part of it; ``top=1`` gives
    the raw values, one unit of restart per seed). The walk never leaves a connected
    component, so a part made of whole components gets the whole graph's values.
    """
    n = adjacency.shape[0]
    seeds = np.asarray(seeds, dtype=np.int64)
    if len(seeds) == 0 or n == 0:
        return np.zeros(n)
    walk = _walk_matrix(adjacency)
    start = np.zeros(n)
    start[seeds] = 1.0  # per seed, not 1 / seeds: a part's values do not depend on others
    p = start.copy()
    for _ in range(iterations):
        p = (1 - restart) * (walk @ p) + restart * start
    top = p.max() if top is None else top
    return p / top if top > 0 else p


def _walk_matrix(adjacency: sp.csr_matrix) -> sp.csr_matrix:
    """The column-stochastic walk ``adjacency.T @ diag(1 / degree)`` of an exactly
    symmetric adjacency (the graph's links, or the links among some of its actors).

    With no entry stored twice it is ``adjacency`` itself (its rows' columns sorted, in
    a copy where they are not) with each entry divided by its column's degree, no
    transpose made: each entry is the one product the transpose's would be, in the
    transpose's order, so the walk's products are those of the transposed matrix, bit
    for bit. A matrix with repeated entries takes the transpose."""
    import scipy.sparse as sp

    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    inv = np.zeros(adjacency.shape[0])
    inv[degree > 0] = 1.0 / degree[degree > 0]
    a = adjacency.tocsr()
    if not _canonical(a):
        a = a.sorted_indices()  # a copy: the transpose's rows are in column order
        if not _canonical(a):  # an entry stored twice: summed before it is scaled
            return (adjacency.T @ sp.diags(inv)).tocsr()
    data = np.empty(len(a.data), dtype=np.float64)
    for start in range(0, len(data), _BLOCK):  # no nnz-sized temporary beside the walk
        entries = slice(start, start + _BLOCK)
        np.multiply(a.data[entries], inv[a.indices[entries]], out=data[entries])
    return sp.csr_matrix((data, a.indices, a.indptr), shape=a.shape, copy=False)


def _canonical(matrix: sp.csr_matrix) -> bool:
    """Whether each row's columns rise strictly (sorted, none stored twice), checked in
    blocks of entries (scipy's own flag is often unset after the products that made
    the matrix, and its check is not public).

    >>> import scipy.sparse as sp
    >>> m = sp.csr_matrix((np.ones(4), np.array([1, 2, 0, 0]), np.array([0, 2, 2, 4])),
    ...                   shape=(3, 3))
    >>> _canonical(m), _canonical(m[:2])
    (False, True)
    """
    indices, indptr = matrix.indices, matrix.indptr
    first = np.zeros(len(indices), dtype=bool)  # each row's first entry
    first[indptr[:-1][np.diff(indptr) > 0]] = True
    for start in range(1, len(indices), _BLOCK):
        stop = min(len(indices), start + _BLOCK)
        if not ((indices[start:stop] > indices[start - 1:stop - 1]) | first[start:stop]).all():
            return False
    return True


#: Entries checked or scaled at a time.
_BLOCK = 1 << 20


def propagation_groups(adjacency: sp.csr_matrix, proximity: np.ndarray, seeds: np.ndarray,
                       taken: np.ndarray, *, share: float, min_size: int,
                       scale: float | None = None) -> list[np.ndarray]:
    """Candidates from the blacklist: actors the walk from blacklisted actors reaches
    often, grouped with the seeds they hang on.

    An actor is reached when its visit probability is at least ``share`` times the
    median over the seeds (a scale set by the graph itself). Reached actors and seeds
    that no other candidate holds (``taken``), joined by the links among them, are a
    group; groups of at least ``min_size`` are candidates.

    >>> import scipy.sparse as sp
    >>> a = sp.csr_matrix(np.array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 0],
    ...                             [0, 0, 0, 0]], dtype=float))
    >>> p = personalized_pagerank(a, np.array([0]))
    >>> [g.tolist() for g in propagation_groups(a, p, np.array([0]), np.zeros(4, bool),
    ...                                         share=0.1, min_size=3)]
    [[0, 1, 2]]
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    if not len(seeds):
        return []
    if scale is None:  # the median over the whole graph's seeds, for a part of it
        scale = float(np.median(proximity[seeds]))
    reached = (proximity >= share * scale) & (proximity > 0)
    reached[seeds] = True
    reached &= ~taken
    keep = reached.astype(np.float64)
    sub = (sp.diags(keep) @ adjacency @ sp.diags(keep)).tocsr()
    sub.eliminate_zeros()
    _, labels = connected_components(sub, directed=False)
    labels = np.where(reached & (np.diff(sub.indptr) > 0), labels, -1)
    out = []
    for label in np.unique(labels[labels >= 0]):
        members = np.flatnonzero(labels == label)
        if len(members) >= min_size:
            out.append(members)
    return out
