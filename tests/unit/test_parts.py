"""A graph scanned in parts (whole components, the scale-out engine's buckets) gives the
rings the whole graph's scan gives: same ids, members, scores, risks and evidence, and
the same hubs and counts, merged from the parts alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graphfraud.graph.projection import project
from graphfraud.loaders import read_dataset
from graphfraud.parts import (
    actor_components,
    actor_key_buckets,
    graph_context,
    merged,
    scan_context,
    split,
    task_cells,
    whole_walks,
    without_cut_promotions,
)
from graphfraud.pipeline import ScanParams, ScanResult, scan, summarise_part
from graphfraud.score.rings import actor_facts
from graphfraud.synth import SynthConfig, generate


def _in_parts(data: Path, params: ScanParams, buckets: int) -> tuple[ScanResult, int]:
    dataset = read_dataset(data).dataset
    graph = project(dataset, params.projection)
    components = actor_components(graph)
    parts = split(dataset, actor_key_buckets(graph, components, buckets), buckets)
    gctx = graph_context(graph)
    # Only the medians come from the whole graph (Spark computes them by a sort); every
    # other figure of the context is summed from the parts' first pass.
    facts = actor_facts(graph, dataset)
    context = scan_context(gctx, [summarise_part(p, params, gctx) for p in parts],
                           (facts.platform_refund_rate, facts.platform_complaint_rate))
    results = [scan(p, params, context=context, build_index=False) for p in parts]
    return merged(results, params), len(set(components))


@pytest.mark.parametrize("config,buckets", [
    (SynthConfig(scale=1, seed=931), 5),
    (SynthConfig(scale=1, seed=932, structure_only=True), 5),
    (SynthConfig(scale=0.5, seed=933), 40),  # small buckets: chance models need the whole
], ids=["synthetic", "structure-only", "many-buckets"])
def test_parts_give_the_whole_graphs_rings(tmp_path: Path, config: SynthConfig,
                                           buckets: int) -> None:
    generate(tmp_path, config)
    params = ScanParams.with_seed(config.seed)
    whole = scan(read_dataset(tmp_path).dataset, params, build_index=False)
    parted, components = _in_parts(tmp_path, params, buckets=buckets)
    assert components > buckets and len(whole.rings) > 10
    assert any(r.pattern == "organization" for r in whole.rings)  # declared ones, too
    assert [(r.ring_id, r.risk, r.score, tuple(m.id for m in r.members))
            for r in parted.rings] == \
        [(r.ring_id, r.risk, r.score, tuple(m.id for m in r.members)) for r in whole.rings]
    assert [r.evidence for r in parted.rings] == [r.evidence for r in whole.rings]
    assert [r.features for r in parted.rings] == [r.features for r in whole.rings]
    assert parted.hubs == whole.hubs  # a dropped hub is listed by every part using it
    assert parted.counts == whole.counts


def test_a_small_part_tests_co_use_against_the_whole_graphs_chance(tmp_path: Path) -> None:
    """Two phones each used by 50 shops of a 60-shop ring, 40 shops on both, amid 5,000
    shops of their own: in the whole graph that co-use is far beyond chance (a block),
    and it must stay so in a bucket holding the ring and a hundred others."""
    from conftest import write_csv

    shops = [f"s{i:04d}" for i in range(5000)] + [f"r{i:02d}" for i in range(60)]
    rows = ["merchant_id,device_id"] + [f"s{i:04d},own{i:04d}" for i in range(5000)]
    for i in range(60):
        rows += [f"r{i:02d},phoneA"] if i < 50 else []
        rows += [f"r{i:02d},phoneB"] if i >= 10 else []
        rows += [f"r{i:02d},rare{i // 3}"]
    write_csv(tmp_path, "merchants.csv", "merchant_id\n" + "\n".join(shops) + "\n")
    write_csv(tmp_path, "merchant_devices.csv", "\n".join(rows) + "\n")
    params = ScanParams.with_seed(1)
    whole = scan(read_dataset(tmp_path).dataset, params, build_index=False)
    parted, _ = _in_parts(tmp_path, params, buckets=50)
    assert any("a block of phones" in " ".join(r.evidence) for r in whole.rings)
    assert [(r.ring_id, r.score, r.evidence) for r in parted.rings] == \
        [(r.ring_id, r.score, r.evidence) for r in whole.rings]


def test_memberships_go_with_their_member_and_organisations_where_needed(
    tmp_path: Path,
) -> None:
    generate(tmp_path, SynthConfig(scale=0.3, seed=934))
    dataset = read_dataset(tmp_path).dataset
    members = dataset.tables["organization_members"]
    assert len(members) and len(dataset.tables["organizations"])
    graph = project(dataset)
    bucket_of = actor_key_buckets(graph, actor_components(graph), 7)
    parts = split(dataset, bucket_of, 7)
    dealt = [p.tables["organization_members"] for p in parts]
    assert sum(len(d) for d in dealt) == len(members)  # every member is in the graph
    for i, (part, mine) in enumerate(zip(parts, dealt, strict=True)):
        assert all(bucket_of[(t, e)] == i
                   for t, e in zip(mine["entity_type"], mine["entity_id"], strict=True))
        assert set(part.tables["organizations"]["organization_id"]) == \
            set(mine["organization_id"])
        assert list(part.tables["organizations"].columns) == \
            list(dataset.tables["organizations"].columns)


def _bounded(dataset, params: ScanParams, max_task: int, buckets: int  # type: ignore[no-untyped-def]
             ) -> tuple[ScanResult, np.ndarray, int]:
    """The scan of ``dataset`` as the Spark engine runs it with a task bound: cells
    (:func:`task_cells`) dealt to buckets, the promotions between cells cut, the walk
    and the embedding of the components above the bound given from the whole graph."""
    graph = project(dataset, params.projection)
    cells = task_cells(graph, max_task)
    components = actor_components(graph)
    split_actors = np.flatnonzero(np.bincount(components)[components] > max_task)
    given = whole_walks(graph, dataset, params, split_actors)
    reduced, cut = without_cut_promotions(dataset, graph, cells)
    parts = split(reduced, actor_key_buckets(graph, cells, buckets), buckets)
    gctx = graph_context(graph)
    facts = actor_facts(graph, dataset)
    context = scan_context(gctx, [summarise_part(p, params, gctx, given) for p in parts],
                           (facts.platform_refund_rate, facts.platform_complaint_rate))
    results = [scan(p, params, context=context, build_index=False, given=given)
               for p in parts]
    return merged(results, params), cells, cut


def _members(ring) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return tuple(sorted(m.id for m in ring.members))


def _rings(result: ScanResult) -> list[tuple]:  # type: ignore[type-arg]
    return [(r.ring_id, r.risk, r.score, _members(r), r.evidence) for r in result.rings]


@pytest.mark.parametrize("seed", [961, 962])
def test_a_component_above_the_task_bound_is_scanned_in_cells(tmp_path: Path,
                                                              seed: int) -> None:
    """The giant component (most actors, held together by hosts' promotions) is cut
    into its identifier groups, each scanned with the whole component's walk and
    embedding: the whole graph's rings, however the cells are dealt to tasks."""
    generate(tmp_path, SynthConfig(scale=2, seed=seed))
    dataset = read_dataset(tmp_path).dataset
    params = ScanParams.with_seed(seed)
    graph = project(dataset, params.projection)
    components = actor_components(graph)
    largest = int(np.bincount(components).max())
    bound = 2500  # above the largest identifier group: no identifier guard here
    assert largest > 0.5 * graph.n_actors > bound  # a giant component, as on platforms
    three, cells, cut = _bounded(dataset, params, bound, buckets=3)
    seven, _, _ = _bounded(dataset, params, bound, buckets=7)
    sizes = np.bincount(np.unique(cells, return_inverse=True)[1])
    assert sizes.max() <= bound and cut > 0
    # the cells inside the bound are the components themselves
    small = np.bincount(components)[components] <= bound
    assert np.array_equal(np.unique(cells[small]), np.unique(components[small]))
    assert _rings(three) == _rings(seven)
    whole = scan(dataset, params, build_index=False)
    assert sum(r.risk.value == "high" for r in whole.rings) > 30
    assert _rings(three) == _rings(whole)
    assert [r.features for r in three.rings] == [r.features for r in whole.rings]


def test_without_the_whole_walk_cells_drift(tmp_path: Path) -> None:
    """Why the walk and the embedding are given: a cell's own walk misses what the cut
    promotions carried (blacklisted actors reached through hosts), and scores drift."""
    generate(tmp_path, SynthConfig(scale=2, seed=961))
    dataset = read_dataset(tmp_path).dataset
    params = ScanParams.with_seed(961)
    graph = project(dataset, params.projection)
    cells = task_cells(graph, 2500)
    reduced, _ = without_cut_promotions(dataset, graph, cells)
    parts = split(reduced, actor_key_buckets(graph, cells, 3), 3)
    gctx = graph_context(graph)
    facts = actor_facts(graph, dataset)
    context = scan_context(gctx, [summarise_part(p, params, gctx) for p in parts],
                           (facts.platform_refund_rate, facts.platform_complaint_rate))
    own = merged([scan(p, params, context=context, build_index=False) for p in parts],
                 params)
    whole = scan(dataset, params, build_index=False)
    assert _rings(own) != _rings(whole)


def test_a_component_within_the_task_bound_is_one_cell(tmp_path: Path) -> None:
    generate(tmp_path, SynthConfig(scale=0.5, seed=963))
    dataset = read_dataset(tmp_path).dataset
    graph = project(dataset, ScanParams().projection)
    components = actor_components(graph)
    assert np.array_equal(task_cells(graph, int(np.bincount(components).max())), components)
    assert np.array_equal(task_cells(graph, None), components)
    _, cut = without_cut_promotions(dataset, graph, components)
    assert cut == 0
