"""The view's member x identifier uses: its products are scipy's to the bit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from graphfraud.graph.sparse import take_rows
from graphfraud.score.view import Uses


def _uses(rng: np.random.Generator, n: int, m: int) -> tuple[Uses, sp.csr_matrix]:
    dense = (rng.random((n, m)) < 0.3).astype(np.float64)
    dense[rng.integers(0, n)] = 0.0  # a member without identifiers
    matrix = sp.csr_matrix(dense)
    indptr, indices = matrix.indptr.astype(np.int64), matrix.indices.astype(np.int64)
    rows = np.repeat(np.arange(n), np.diff(indptr))
    return Uses(indptr, indices, rows, (n, m)), matrix


@pytest.mark.parametrize("seed", range(6))
def test_products_are_scipys_to_the_bit_for_any_weights(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 60)), int(rng.integers(1, 40))
    uses, matrix = _uses(rng, n, m)
    # whole numbers (what scoring passes) and arbitrary floats (summed in scipy's order)
    for w in (rng.integers(0, 9, m).astype(np.float64), rng.standard_normal(m) * 1e3):
        assert uses.per_member(w).tobytes() == np.asarray(matrix @ w).tobytes()
    for x in (rng.integers(0, 2, n).astype(np.float64), rng.standard_normal(n) / 7):
        assert uses.per_identifier(x).tobytes() == np.asarray(matrix.T @ x).tobytes()


def test_rows_are_taken_as_from_the_matrix() -> None:
    uses, matrix = _uses(np.random.default_rng(9), 20, 12)
    picked = np.array([3, 0, 19, 3])
    for mine, theirs in zip(take_rows(uses, picked), take_rows(matrix, picked), strict=True):
        assert mine.tolist() == theirs.tolist()
