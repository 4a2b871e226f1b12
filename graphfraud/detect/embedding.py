"""FastRP: fast random-projection node embeddings on the sparse actor graph.

Each actor starts from a sparse random vector (Achlioptas: +-sqrt(3) with
probability 1/6 each, else 0), drawn from a hash of the actor's key and the seed, so an
actor gets the same vector in any graph that holds it: a part of the graph made of
whole connected components embeds exactly as the whole would. The embedding is a
weighted sum of that vector propagated 1..K steps along the degree-normalised
adjacency. Cost is K sparse matrix products of nnz x dim: linear in the number of
links, so it scales to millions of actors where walk-based embeddings (node2vec) do not.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp


_DRAW_BLOCK = 1 << 16
#: Rows drawn at a time: small enough that the draws stay in the CPU cache.
_PROJECTION_BLOCK = 1 << 13


@dataclass(frozen=True)
class EmbeddingParams:
    """Knobs of the embedding."""

    dimensions: int = 64
    #: Weights of the 1-, 2-, 3-... step propagations.
    iteration_weights: tuple[float, ...] = (0.0, 1.0, 1.0)
    #: Degree normalisation exponent (0: none, -0.5: symmetric-style damping of hubs).
    normalization_strength: float = -0.5
    random_seed: int = 42
    #: Weakly linked actors join a candidate ring when their embedding's cosine
    #: similarity to the ring's centroid is at least this.
    expand_similarity: float = 0.8


class Drawn:
    """The nodes' random vectors (:func:`random_projection`) drawn in a thread of
    ``pool`` while the caller goes on, and handed to :func:`fastrp` once: no reference
    is kept here, so fastrp frees them after its first step, as it frees its own."""

    def __init__(self, pool: ThreadPoolExecutor, keys: np.ndarray, params: EmbeddingParams):
        self._vectors: np.ndarray | None = None
        self._done = pool.submit(self._draw, keys, params)

    def _draw(self, keys: np.ndarray, params: EmbeddingParams) -> None:
        self._vectors = random_projection(keys, params)

    def take(self) -> np.ndarray:
        """The vectors (waiting for them); a second call is an error."""
        self._done.result()
        vectors, self._vectors = self._vectors, None
        if vectors is None:
            raise RuntimeError("the drawn vectors were taken already")
        return vectors


def fastrp(adjacency: sp.csr_matrix, params: EmbeddingParams | None = None,
           keys: np.ndarray | None = None, drawn: Drawn | None = None) -> np.ndarray:
    """L2-normalised embeddings, one row per node (zero rows for isolated nodes).

    Parameters
    ----------
    adjacency
        Symmetric, non-negative weighted adjacency.
    params
        Dimensions, propagation weights, seed.
    keys
        A stable 64-bit hash per node (:func:`node_hashes`); by default the row index.
    drawn
        The random vectors, when the caller draws them ahead (:class:`Drawn`, of the
        same keys and params).

    Returns
    -------
    numpy.ndarray
        ``(n, dimensions)`` float32.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> a = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=float))
    >>> e = fastrp(a, EmbeddingParams(dimensions=8))
    >>> e.shape, float(np.linalg.norm(e[2]))
    ((3, 8), 0.0)
    """
    import scipy.sparse as sp

    params = params or EmbeddingParams()
    n = adjacency.shape[0]
    hashes = np.arange(n, dtype=np.uint64) if keys is None else np.asarray(keys, np.uint64)
    projection = random_projection(hashes, params) if drawn is None else drawn.take()
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    inv = np.zeros(n)
    inv[degree > 0] = 1.0 / degree[degree > 0]
    # Row-normalised transition matrix in float32, sharing the adjacency's index arrays;
    # the values are scaled in blocks of rows, so no nnz-sized float64 temporary exists.
    inv32 = inv.astype(np.float32)
    data = np.empty(len(adjacency.data), dtype=np.float32)
    indptr = adjacency.indptr
    for start in range(0, n, _DRAW_BLOCK):
        stop = min(n, start + _DRAW_BLOCK)
        lo, hi = indptr[start], indptr[stop]
        block = adjacency.data[lo:hi].astype(np.float32)
        block *= np.repeat(inv32[start:stop], np.diff(indptr[start:stop + 1]))
        data[lo:hi] = block
    transition = sp.csr_matrix((data, adjacency.indices, indptr), shape=adjacency.shape,
                               copy=False)
    scale = np.zeros(n, dtype=np.float32)
    scale[degree > 0] = (degree[degree > 0] ** params.normalization_strength).astype(np.float32)
    projection *= scale[:, None]
    current = projection  # scaled in place: no second n x dim array
    del projection  # each step's input is freed once the next one is computed
    # At most two n x dim arrays live at a time: the current step and the next (the sum
    # starts as the first weighted step itself rather than as an array of zeros).
    embedding: np.ndarray | None = None
    for weight in params.iteration_weights:
        current = _normalise(transition @ current)
        if not weight:
            continue
        if embedding is None:
            embedding = current if weight == 1 else current * np.float32(weight)
            continue
        for start in range(0, n, _DRAW_BLOCK):  # no n x dim temporary
            rows = slice(start, start + _DRAW_BLOCK)
            embedding[rows] += weight * current[rows]
    del current, transition
    if embedding is None:  # every weight zero
        return np.zeros((n, params.dimensions), dtype=np.float32)
    return _normalise(embedding)


def random_projection(hashes: np.ndarray, params: EmbeddingParams) -> np.ndarray:
    """FastRP's random vector of each node (float32 rows): +-sqrt(3) with probability
    1/6 each, else 0, drawn from the node's hash and the seed alone, so a node's vector
    is the same in every graph and every process (:mod:`graphfraud.spark.walks` draws
    the same)."""
    hashes = np.asarray(hashes, np.uint64)
    projection = np.empty((len(hashes), params.dimensions), dtype=np.float32)
    # Each draw picks one of three values by two comparisons (an index into them):
    # one pass that writes every cell, rather than zeros then two masked writes.
    values = np.array([np.sqrt(3.0), 0.0, -np.sqrt(3.0)], dtype=np.float32)
    for start in range(0, len(hashes), _PROJECTION_BLOCK):  # no n x dim temporaries
        draw = _draws(hashes[start:start + _PROJECTION_BLOCK], params.dimensions,
                      params.random_seed)
        level = (draw >= _SIXTH).view(np.uint8) + (draw >= _FIVE_SIXTHS).view(np.uint8)
        np.take(values, level, out=projection[start:start + len(draw)])
    return projection


def node_hashes(types: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """A stable 64-bit hash per node from its type code and id (the same in every
    process and every graph)."""
    import pandas as pd

    h = pd.util.hash_array(np.asarray(ids, dtype=object), categorize=False)
    return h ^ (np.asarray(types, dtype=np.uint64) * _GOLDEN)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


_SIXTH = np.uint32((1 << 32) // 6)
_FIVE_SIXTHS = np.uint32(5 * ((1 << 32) // 6))


def _draws(hashes: np.ndarray, dimensions: int, seed: int) -> np.ndarray:
    """A uniform 32-bit draw per (node, dimension): the halves of splitmix64 of the
    node's hash, the seed and the pair of dimensions."""
    salt = np.array([seed % (1 << 64)], dtype=np.uint64) * _MIX1  # arrays wrap silently
    pairs = (dimensions + 1) // 2
    z = (hashes[:, None] ^ salt) + np.arange(1, pairs + 1, dtype=np.uint64) * _GOLDEN
    shifted = np.empty_like(z)  # the steps in place: one temporary, not six
    for shift, mix in ((30, _MIX1), (27, _MIX2)):
        np.right_shift(z, np.uint64(shift), out=shifted)
        z ^= shifted
        z *= mix
    np.right_shift(z, np.uint64(31), out=shifted)
    z ^= shifted
    return z.view(np.uint32)[:, :dimensions]  # the two halves of each word, side by side


def _normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, in place and in blocks of rows (float32 in and out)."""
    x = x.astype(np.float32, copy=False)
    for start in range(0, len(x), _DRAW_BLOCK):
        block = x[start:start + _DRAW_BLOCK]
        norms = np.linalg.norm(block, axis=1)
        norms[norms == 0] = 1.0
        block /= norms[:, None].astype(np.float32, copy=False)
    return x
