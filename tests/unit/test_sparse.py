"""The sparse selection helpers give what scipy's own indexing gives, on both of
``submatrix``'s paths (a binary search per entry, or one lookup table when the rows
taken hold many entries against the width)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from graphfraud.graph.sparse import submatrix, take_rows


@pytest.mark.parametrize(("density", "taken"), [(0.001, 5), (0.3, 60), (0.3, 1)])
def test_submatrix_is_scipys_selection(density: float, taken: int) -> None:
    rng = np.random.default_rng(int(density * 1000) + taken)
    matrix = sp.random(400, 400, density=density, format="csr", random_state=rng)
    for _ in range(5):
        rows = np.sort(rng.choice(400, taken, replace=False))
        cols = np.sort(rng.choice(400, int(rng.integers(1, 200)), replace=False))
        got = submatrix(matrix, rows, cols)
        assert got.shape == (len(rows), len(cols))
        assert (got != matrix[rows][:, cols]).nnz == 0
        square = submatrix(matrix, rows)
        assert (square != matrix[rows][:, rows]).nnz == 0


def test_take_rows_is_scipys_row_selection() -> None:
    matrix = sp.random(50, 30, density=0.2, format="csr", random_state=1)
    rows = np.array([3, 7, 7, 49, 0])
    indptr, indices, data = take_rows(matrix, rows)
    got = sp.csr_matrix((data, indices, indptr), shape=(len(rows), 30))
    assert (got != matrix[rows]).nnz == 0
