"""A graph scanned in parts (whole components, the scale-out engine's buckets) gives the
rings the whole graph's scan gives: same ids, members, scores and risks."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphfraud.graph.projection import project
from graphfraud.loaders import read_dataset
from graphfraud.parts import (
    Whole,
    actor_components,
    actor_key_buckets,
    graph_context,
    merged,
    scan_context,
    split,
)
from graphfraud.pipeline import ScanParams, graph_counts, scan, summarise_part
from graphfraud.score.rings import FactsContext, actor_facts
from graphfraud.synth import SynthConfig, generate


def _in_parts(data: Path, params: ScanParams, buckets: int):  # type: ignore[no-untyped-def]
    dataset = read_dataset(data).dataset
    graph = project(dataset, params.projection)
    components = actor_components(graph)
    parts = split(dataset, actor_key_buckets(graph, components, buckets), buckets)
    gctx = graph_context(graph)
    context = scan_context(gctx, FactsContext.of(actor_facts(graph, dataset)),
                           [summarise_part(p, params, gctx) for p in parts])
    results = [scan(p, params, context=context, build_index=False) for p in parts]
    return merged(results, Whole(graph.hubs, graph_counts(graph, [])), params), len(set(components))


@pytest.mark.parametrize("config", [SynthConfig(scale=1, seed=931),
                                    SynthConfig(scale=1, seed=932, structure_only=True)],
                         ids=["synthetic", "structure-only"])
def test_parts_give_the_whole_graphs_rings(tmp_path: Path, config: SynthConfig) -> None:
    generate(tmp_path, config)
    params = ScanParams.with_seed(config.seed)
    whole = scan(read_dataset(tmp_path).dataset, params, build_index=False)
    parted, components = _in_parts(tmp_path, params, buckets=5)
    assert components > 5 and len(whole.rings) > 10
    assert [(r.ring_id, r.risk, r.score, tuple(m.id for m in r.members))
            for r in parted.rings] == \
        [(r.ring_id, r.risk, r.score, tuple(m.id for m in r.members)) for r in whole.rings]
    assert [r.evidence for r in parted.rings] == [r.evidence for r in whole.rings]
    assert parted.hubs == whole.hubs
    assert parted.counts == whole.counts
