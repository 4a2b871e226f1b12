"""Row and column selections of big sparse matrices at a cost that grows with what is
taken: scipy's own indexing allocates buffers the width of the whole graph and checks
its arguments on every call, which a loop over thousands of candidates pays each time."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def submatrix(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray | None = None
               ) -> sp.csr_matrix:
    """``matrix[rows][:, cols]`` for sorted, unique ``cols``, at a cost that grows with the rows
    taken (scipy's column indexing allocates a buffer the width of the whole graph)."""
    cols = rows if cols is None else cols
    taken_indptr, data, pos, hit = _taken(matrix, rows, cols)
    running = np.concatenate([[0], np.cumsum(hit)])
    indptr = running[taken_indptr]
    return sp.csr_matrix((data[hit], pos[hit], indptr), shape=(len(rows), len(cols)))


def row_counts(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Per row of ``submatrix(matrix, rows, cols)``: its stored entries, without building
    it (a scipy matrix costs ~50 us of checks).

    >>> m = sp.csr_matrix(np.array([[0, 2.0, 1.0], [2.0, 0, 0], [1.0, 0, 0]]))
    >>> row_counts(m, np.array([0, 1]), np.array([1, 2])).tolist()
    [2, 0]
    """
    taken_indptr, _, _, hit = _taken(matrix, rows, cols)
    running = np.concatenate([[0], np.cumsum(hit)])
    return np.diff(running[taken_indptr])


def dense_submatrix(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray | None = None,
                    *, pattern: bool = False) -> np.ndarray:
    """``submatrix(matrix, rows, cols)`` as a dense array (its stored values, or with
    ``pattern`` whether an entry is stored), for the many small selections where
    building a scipy matrix (~50 us of checks each) costs more than the work.

    >>> m = sp.csr_matrix(np.array([[0, 2.0, 1.0], [2.0, 0, 0], [1.0, 0, 0]]))
    >>> dense_submatrix(m, np.array([0, 2])).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    cols = rows if cols is None else cols
    taken_indptr, data, pos, hit = _taken(matrix, rows, cols)
    at = np.repeat(np.arange(len(rows)), np.diff(taken_indptr))[hit]
    out = np.zeros((len(rows), len(cols)), dtype=bool if pattern else data.dtype)
    out[at, pos[hit]] = True if pattern else data[hit]
    return out


def dense_components(adjacency: np.ndarray) -> tuple[int, np.ndarray]:
    """``scipy.sparse.csgraph.connected_components(adjacency, directed=False)`` of a
    small dense boolean matrix: the same count and labels (components numbered in the
    order of their lowest node), without building a sparse matrix.

    Each node takes the lowest label among its neighbours and follows its label's own
    label (pointer jumping) until nothing changes: a few passes of ``n x n`` each.

    >>> a = np.zeros((5, 5), dtype=bool); a[3, 1] = a[2, 4] = True
    >>> n, labels = dense_components(a); n, labels.tolist()
    (3, [0, 1, 2, 1, 2])
    """
    n = len(adjacency)
    linked = adjacency | adjacency.T
    label = np.arange(n)
    while True:
        lowest = np.where(linked, label[None, :], n).min(axis=1, initial=n)
        new = np.minimum(label, lowest)
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    roots, labels = np.unique(label, return_inverse=True)
    return len(roots), labels.reshape(-1)


def within_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``submatrix(matrix, rows)``: its stored entries and their sum, added as
    its ``.sum(axis=1)`` adds them (one ``np.add.reduceat`` over the rows' entries), without
    building the submatrix (scoring asks this of every candidate, some twice).

    >>> m = sp.csr_matrix(np.array([[0, 2.0, 1.0], [2.0, 0, 0], [1.0, 0, 0]]))
    >>> [x.tolist() for x in within_rows(m, np.array([0, 1]))]
    [[1, 1], [2.0, 2.0]]
    """
    taken_indptr, data, _, hit = _taken(matrix, rows, rows)
    running = np.concatenate([[0], np.cumsum(hit)])
    counts = np.diff(running[taken_indptr])
    sums = np.zeros(len(rows))
    filled = np.flatnonzero(counts)
    if len(filled):
        sums[filled] = np.add.reduceat(data[hit], running[taken_indptr][filled])
    return counts, sums


def _taken(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rows taken (indptr, data), each entry's position in ``cols`` and whether it is
    in ``cols``."""
    taken_indptr, indices, data = take_rows(matrix, rows)
    if len(indices) * 8 > matrix.shape[1]:
        # Many entries against the width (a dense ring): one lookup table beats a
        # binary search per entry.
        where = np.full(matrix.shape[1], -1, dtype=np.int64)
        where[cols] = np.arange(len(cols))
        pos = where[indices]
        hit = pos >= 0
    else:
        pos = np.searchsorted(cols, indices)
        np.minimum(pos, max(len(cols) - 1, 0), out=pos)
        hit = (cols[pos] == indices) if len(cols) else np.zeros(len(indices), dtype=bool)
    return taken_indptr, data, pos, hit


def take_rows(matrix: sp.csr_matrix, rows: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``matrix[rows]`` as raw CSR arrays (indptr, indices, data), straight from numpy:
    scipy's row indexing costs ~0.1 ms of checks per call, paid thousands of times."""
    starts = matrix.indptr[rows]
    lengths = matrix.indptr[np.asarray(rows) + 1] - starts
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    lengths.cumsum(out=indptr[1:])  # (the methods: np.cumsum and np.repeat wrap them)
    gather = (starts - indptr[:-1]).repeat(lengths) + np.arange(indptr[-1])
    return indptr, matrix.indices[gather], matrix.data[gather]
