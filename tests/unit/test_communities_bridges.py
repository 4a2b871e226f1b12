"""The bridge check that spares most strong-link components networkx's search gives the
search's answer: whether some bridge leaves ``min_size`` actors on each side; and the
dense ways of cutting small components give the sparse ways' candidates."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from graphfraud.detect import communities
from graphfraud.detect.communities import (
    _cut_bridges,
    _has_cutting_bridge,
    _small_has_cutting_bridge,
)


def _by_networkx(sub: sp.coo_matrix, min_size: int) -> bool:
    g = nx.Graph()
    g.add_nodes_from(range(sub.shape[0]))
    g.add_edges_from((int(a), int(b)) for a, b in zip(sub.row, sub.col, strict=True) if a < b)
    if not nx.is_connected(g):
        return True
    n = sub.shape[0]
    for a, b in nx.bridges(g):
        g.remove_edge(a, b)
        side = len(nx.node_connected_component(g, a))
        g.add_edge(a, b)
        if min(side, n - side) >= min_size:
            return True
    return False


def _random_graph(rng: np.random.Generator) -> sp.coo_matrix:
    """Small dense blobs chained by single links, some pendant paths, a few extra links."""
    n = int(rng.integers(2, 40))
    pairs = {(int(i), int(i) + 1) for i in range(n - 1)}  # connected backbone
    for _ in range(int(rng.integers(0, 3 * n))):
        a, b = rng.integers(0, n, 2)
        if a != b and abs(int(a) - int(b)) <= int(rng.integers(1, 6)):
            pairs.add((min(int(a), int(b)), max(int(a), int(b))))
    rows = [a for a, b in pairs] + [b for a, b in pairs]
    cols = [b for a, b in pairs] + [a for a, b in pairs]
    order = rng.permutation(n)  # node labels shuffled
    return sp.coo_matrix((np.ones(len(rows)), (order[rows], order[cols])), shape=(n, n))


@pytest.mark.parametrize("seed", range(5))
def test_the_bridge_check_agrees_with_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    seen = set()
    for _ in range(300):
        sub = _random_graph(rng)
        for min_size in (1, 2, 3, 5):
            expected = _by_networkx(sub, min_size)
            assert _has_cutting_bridge(sub, min_size) == expected
            assert _small_has_cutting_bridge(sub.toarray() != 0, min_size) == expected
            seen.add(expected)
    assert seen == {True, False}  # both answers were exercised


def test_a_link_stored_one_way_only_is_what_the_search_sees() -> None:
    """The search builds its graph from the upper triangle; a pair stored only below the
    diagonal is no link, so the rest is not connected and the full search decides."""
    sub = sp.coo_matrix((np.ones(3), ([0, 1, 3], [1, 2, 2])), shape=(4, 4))
    assert _has_cutting_bridge(sub, 1)
    assert _small_has_cutting_bridge(sub.toarray() != 0, 1)


def test_components_without_a_cutting_bridge_stay_whole() -> None:
    # two triangles joined by one link: cut at min_size 3, whole at 4
    pairs = [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4), (4, 5), (3, 5)]
    rows = [a for a, b in pairs] + [b for a, b in pairs]
    cols = [b for a, b in pairs] + [a for a, b in pairs]
    strong = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(6, 6))
    members = np.arange(6)
    assert [g.tolist() for g in _cut_bridges(strong, members, 3)] == [[0, 1, 2], [3, 4, 5]]
    assert [g.tolist() for g in _cut_bridges(strong, members, 4)] == [[0, 1, 2, 3, 4, 5]]


@pytest.mark.parametrize("seed", [3, 17])
def test_dense_and_sparse_cuts_give_the_same_candidates(seed: int, tmp_path,  # type: ignore[no-untyped-def]
                                                        monkeypatch) -> None:
    """Small components are cut with dense arrays, big ones with sparse matrices; with
    every component sent the sparse way the candidates (members, source, parts and
    their order) are the same."""
    from graphfraud.graph.projection import project
    from graphfraud.loaders import read_dataset
    from graphfraud.pipeline import ScanParams
    from graphfraud.synth import SynthConfig, generate

    generate(tmp_path, SynthConfig(seed=seed, scale=1.0))
    params = ScanParams()
    graph = project(read_dataset(tmp_path).dataset, params.projection)

    def shape(found: list[communities.Candidate]) -> list[tuple[object, ...]]:
        return [(c.members.tolist(), c.source, [p.tolist() for p in c.parts]) for c in found]

    dense = shape(communities.find_candidates(graph, params.communities))
    assert any(c[2] for c in dense)  # some components were cut into parts
    monkeypatch.setattr(communities, "_DENSE_MEMBERS", 0)
    assert shape(communities.find_candidates(graph, params.communities)) == dense
