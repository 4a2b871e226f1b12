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
    np.cumsum(lengths, out=indptr[1:])
    gather = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1])
    return indptr, matrix.indices[gather], matrix.data[gather]
