"""Scanning a graph in parts: whole connected components of the hub-pruned graph, each
scanned by the same pipeline with the whole graph's figures (:class:`ScanContext`).

A walk from the blacklist, an embedding, a candidate ring and its score never cross a
component of the graph the scan links actors by (shared identifiers that are not
dropped hubs, and promotions). So a part made of whole components, scanned with the
few figures it needs from the whole graph, gives the rings the whole graph's scan
finds in it. This is what lets the scan run on Spark (``graphfraud.spark``): Spark
computes the figures and the components, and each bucket of components is scanned by
:func:`graphfraud.pipeline.scan`, the one code path of detection and scoring.

This module has no Spark in it: it splits and merges in-process, and the tests use it
to check that the parts give the whole's rings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from graphfraud.graph.projection import ACTOR_TYPES, ActorGraph, GraphContext, Hub
from graphfraud.loaders.dataset import Dataset
from graphfraud.model import (
    ACTOR_KINDS,
    IDENTIFIER_KINDS,
    LINK_KINDS,
    MEMBERSHIP,
    ORGANIZATION,
    Risk,
)
from graphfraud.pipeline import (
    GivenWalks,
    PartSummary,
    ScanContext,
    ScanParams,
    ScanResult,
    unique_ring_ids,
)
from graphfraud.score.diff import carry_over
from graphfraud.score.rings import FactsContext, Ring


def actor_components(graph: ActorGraph) -> np.ndarray:
    """The connected component of each actor over the links the scan uses: shared
    identifiers that are not dropped hubs, and promotions."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    n = graph.incidence.shape[0]
    kept = graph.incidence @ sp.diags((~graph.identifier_dropped).astype(np.float64))
    both = sp.bmat([[graph.promotions, kept], [kept.T, None]], format="csr")
    _, labels = connected_components(both, directed=False)
    return np.asarray(labels[:n], dtype=np.int64)


def identifier_groups(graph: ActorGraph) -> np.ndarray:
    """The connected component of each actor over shared identifiers alone (no
    promotions, no dropped hubs): what the structural cuts of candidate detection
    (blocks, strong links, Leiden, popular identifiers) can never cross."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    n = graph.incidence.shape[0]
    kept = graph.incidence @ sp.diags((~graph.identifier_dropped).astype(np.float64))
    both = sp.bmat([[sp.csr_matrix((n, n)), kept], [kept.T, None]], format="csr")
    _, labels = connected_components(both, directed=False)
    return np.asarray(labels[:n], dtype=np.int64)


def task_cells(graph: ActorGraph, max_task: int | None) -> np.ndarray:
    """The cell of each actor, the unit a task scans whole (the Spark engine's
    ``max_task`` rule, in-process): its component, unless that component holds more
    than ``max_task`` actors; then its identifier group (:func:`identifier_groups`),
    the promotions between the component's groups cut. Cell numbers: components as
    :func:`actor_components` numbers them, groups after them."""
    components = actor_components(graph)
    if max_task is None or not len(components):
        return components
    sizes = np.bincount(components)
    big = sizes[components] > max_task
    if not big.any():
        return components
    return np.where(big, len(sizes) + identifier_groups(graph), components)


def without_cut_promotions(dataset: Dataset, graph: ActorGraph, cells: np.ndarray
                           ) -> tuple[Dataset, int]:
    """The dataset without the promotions whose two actors are in different cells,
    and how many rows that drops."""
    from graphfraud.model import PROMOTION

    frame = dataset.tables.get(PROMOTION.table)
    if frame is None or not len(frame):
        return dataset, 0
    start = graph.positions(PROMOTION.start.entity_type, frame[PROMOTION.start_column])
    end = graph.positions(PROMOTION.end.entity_type, frame[PROMOTION.end_column])
    keep = (start < 0) | (end < 0) | (cells[np.maximum(start, 0)] == cells[np.maximum(end, 0)])
    tables = {**dataset.tables, PROMOTION.table: frame[keep].reset_index(drop=True)}
    return replace(dataset, tables=tables), int((~keep).sum())


def whole_walks(graph: ActorGraph, dataset: Dataset, params: ScanParams,
                actors: np.ndarray) -> GivenWalks:
    """The whole graph's walk from the blacklist and embedding of ``actors`` (row
    numbers), as cells of a component above the task bound are given them
    (:mod:`graphfraud.spark.walks` computes the same as DataFrames)."""
    from graphfraud.detect.embedding import fastrp, node_hashes
    from graphfraud.detect.seeds import personalized_pagerank
    from graphfraud.pipeline import part_seeds

    hashes = node_hashes(graph.actor_types, graph.actor_ids)
    seeds = np.flatnonzero(np.isin(hashes, part_seeds(dataset, params, graph_context(graph))))
    walk = personalized_pagerank(graph.linked, seeds, top=1.0)
    vectors = fastrp(graph.linked, params.embedding, keys=hashes) \
        if params.score.use_embedding else None
    order = actors[np.argsort(hashes[actors], kind="stable")]
    return GivenWalks(keys=hashes[order], walk=walk[order],
                      vectors=None if vectors is None else vectors[order])


def graph_context(graph: ActorGraph) -> GraphContext:
    """The projection's figures of the whole graph: its actor count and dropped hubs."""
    dropped = [h for h in graph.hubs if h.action == "dropped"]
    return GraphContext(n_actors=graph.n_actors, hub_types=tuple(h.type for h in dropped),
                        hub_ids=tuple(h.id for h in dropped),
                        hub_degrees=tuple(h.actors for h in dropped))


def scan_context(graph: GraphContext, summaries: Sequence[PartSummary],
                 medians: tuple[float, float]) -> ScanContext:
    """The whole graph's context from its projection figures, every part's first pass
    and the platform's medians of refunds and complaints per order (over merchants
    with ten orders or more, which a sum cannot give)."""
    n = graph.n_actors
    width = max((len(s.degree_counts) for s in summaries), default=0)
    hist = np.zeros(width, dtype=np.int64)
    for s in summaries:
        hist[:len(s.degree_counts)] += s.degree_counts
    present = np.flatnonzero(hist)
    dates = [s.latest_registration for s in summaries if s.latest_registration is not None]
    v_sum = sum(s.violations[0] for s in summaries)
    v_n = sum(s.violations[1] for s in summaries)
    with_status = sum(s.sanctioned[1] for s in summaries)
    facts = FactsContext(
        degree_values=tuple(int(x) for x in present),
        degree_counts=tuple(int(x) for x in hist[present]),
        total_uses=sum(s.uses for s in summaries),
        fraud_rate=sum(s.fraud for s in summaries) / n if n else 0.0,
        legit_rate=sum(s.legit for s in summaries) / n if n else 0.0,
        as_of_days=max(dates) if dates else 0.0,
        platform_refund_rate=medians[0], platform_complaint_rate=medians[1],
        platform_violations=v_sum / v_n if v_n else math.nan,
        sanctioned_rate=sum(s.sanctioned[0] for s in summaries) / with_status
        if with_status else math.nan)
    top = max((s.proximity_top for s in summaries), default=0.0)
    raw = np.concatenate([s.seed_proximity for s in summaries]) if summaries \
        else np.zeros(0)
    scaled = raw / top if top > 0 else raw  # as the whole graph's walk divides each value
    vectors = [s.seed_vectors for s in summaries if s.seed_vectors is not None]
    return ScanContext(
        graph=graph, facts=facts, proximity_top=top,
        seed_median=float(np.median(scaled)) if len(scaled) else 0.0,
        seed_hashes=np.concatenate([s.seed_hashes for s in summaries]).astype(np.uint64)
        if summaries else np.zeros(0, np.uint64),
        seed_vectors=np.concatenate(vectors) if vectors else None)


def split(dataset: Dataset, bucket_of: dict[tuple[str, str], int], buckets: int
          ) -> list[Dataset]:
    """The dataset's rows by bucket of their actor (``bucket_of``: (entity type, id) to
    bucket): an actor's own rows, its links, signals and memberships go with it; a
    device's or an account's rows and labels go to every bucket one of its users is in,
    a declared organisation's row to every bucket one of its members is in."""
    t = dataset.tables
    parts = [Dataset(source=dataset.source) for _ in range(buckets)]
    for kind in ACTOR_KINDS:
        if kind.table in t:
            _deal(parts, kind.table, t[kind.table],
                  _buckets(bucket_of, kind.entity_type, t[kind.table][kind.key]))
    where = _deal_links(parts, t, bucket_of)
    if "merchant_signals" in t:
        frame = t["merchant_signals"]
        _deal(parts, "merchant_signals", frame,
              _buckets(bucket_of, "merchant", frame["merchant_id"]))
    for kind in IDENTIFIER_KINDS:
        if kind.table in t:
            frame = t[kind.table]
            for i, part in enumerate(parts):
                part.tables[kind.table] = frame[frame[kind.key].astype(str).isin(
                    where[kind.entity_type].get(i, set()))].reset_index(drop=True)
    if "labels" in t:
        _deal_labels(parts, t["labels"], bucket_of, where)
    if MEMBERSHIP.table in t:
        _deal_memberships(parts, t, bucket_of)
    return parts


def _deal_memberships(parts: list[Dataset], tables: dict[str, pd.DataFrame],
                      bucket_of: dict[tuple[str, str], int]) -> None:
    """A membership to its member's bucket (nowhere for a member the graph does not
    hold), an organisation's row to every bucket holding one of its members."""
    frame = tables[MEMBERSHIP.table]
    keys = pd.Series(list(zip(frame[MEMBERSHIP.type_column].astype(str),
                              frame[MEMBERSHIP.id_column].astype(str), strict=True)),
                     dtype=object)
    b = keys.map(bucket_of).fillna(-1).to_numpy(dtype=np.int64)
    _deal(parts, MEMBERSHIP.table, frame, b)
    orgs = tables.get(ORGANIZATION.table)
    if orgs is None:
        return
    for part in parts:
        named = part.tables[MEMBERSHIP.table][MEMBERSHIP.organization_column].astype(str)
        part.tables[ORGANIZATION.table] = orgs[orgs[ORGANIZATION.key].astype(str).isin(
            set(named))].reset_index(drop=True)


def _buckets(bucket_of: dict[tuple[str, str], int], kind: str, ids: pd.Series
             ) -> np.ndarray:
    """The bucket of each actor of one kind (-1 for an actor in none)."""
    keys = pd.Series(list(zip([kind] * len(ids), ids.astype(str), strict=True)),
                     dtype=object)
    return keys.map(bucket_of).fillna(-1).to_numpy(dtype=np.int64)


def _deal_links(parts: list[Dataset], tables: dict[str, pd.DataFrame],
                bucket_of: dict[tuple[str, str], int]) -> dict[str, dict[int, set[str]]]:
    """Each link row to the bucket of its actor; returns the identifiers each bucket
    uses, by identifier entity type."""
    where: dict[str, dict[int, set[str]]] = {k.entity_type: {} for k in IDENTIFIER_KINDS}
    for link in LINK_KINDS:
        if link.table not in tables:
            continue
        frame = tables[link.table]
        b = _buckets(bucket_of, link.start.entity_type, frame[link.start_column])
        _deal(parts, link.table, frame, b)
        if link.end in IDENTIFIER_KINDS:
            used = where[link.end.entity_type]
            for i, ident in zip(b.tolist(), frame[link.end_column].astype(str).tolist(),
                                strict=True):
                used.setdefault(i, set()).add(str(ident))
    return where


def _deal_labels(parts: list[Dataset], frame: pd.DataFrame,
                 bucket_of: dict[tuple[str, str], int],
                 where: dict[str, dict[int, set[str]]]) -> None:
    """An actor's labels to its bucket, an identifier's to every bucket that uses it."""
    actor = frame["entity_type"].isin([k.entity_type for k in ACTOR_KINDS]).to_numpy()
    keys = pd.Series(list(zip(frame["entity_type"], frame["entity_id"].astype(str),
                              strict=True)), dtype=object)
    b = keys.map(bucket_of).fillna(-1).to_numpy(dtype=np.int64)
    for i, part in enumerate(parts):
        mine = actor & (b == i)
        for kind in IDENTIFIER_KINDS:
            mine |= ((frame["entity_type"] == kind.entity_type).to_numpy()
                     & frame["entity_id"].astype(str).isin(
                         where[kind.entity_type].get(i, set())).to_numpy())
        part.tables["labels"] = frame[mine].reset_index(drop=True)


def _deal(parts: list[Dataset], table: str, frame: pd.DataFrame, bucket: np.ndarray) -> None:
    for i, part in enumerate(parts):
        part.tables[table] = frame[bucket == i].reset_index(drop=True)


def merged(results: Sequence[ScanResult], params: ScanParams,
           previous: Sequence[Ring] | None = None) -> ScanResult:
    """One result from the parts' results: every ring, ordered and identified as the
    whole graph's scan orders them; the hubs (a dropped hub is listed by every part
    that uses it) and the counts of the whole graph."""
    rings = [r for result in results for r in result.rings]
    rings.sort(key=lambda r: (-r.score, r.ring_id))
    changes = None
    if previous is not None:
        rings, changes = carry_over(rings, previous)
    rings = unique_ring_ids(rings)
    seen: dict[tuple[str, str], Hub] = {}
    repeats: dict[str, int] = {}
    for result in results:
        for hub in result.hubs:
            if (hub.type, hub.id) in seen:
                repeats[hub.type] = repeats.get(hub.type, 0) + 1
            seen[(hub.type, hub.id)] = hub
    hubs = tuple(sorted(seen.values(), key=lambda h: (-h.actors, h.type, h.id)))
    summed = [k.table for k in ACTOR_KINDS + IDENTIFIER_KINDS] + ["actor_links"]
    counts = {key: sum(r.counts.get(key, 0) for r in results) for key in summed}
    for kind in IDENTIFIER_KINDS:  # a dropped hub is an identifier of every part using it
        counts[kind.table] -= repeats.get(kind.entity_type, 0)
    counts["rings"] = len(rings)
    for risk in Risk:
        counts[risk.value] = sum(r.risk == risk for r in rings)
    counts["hubs_dropped"] = sum(h.action == "dropped" for h in hubs)
    counts["hubs_down_weighted"] = sum(h.action == "down-weighted" for h in hubs)
    timings: dict[str, float] = {}
    for result in results:
        for stage, seconds in result.timings.items():
            timings[stage] = round(timings.get(stage, 0.0) + seconds, 3)
    return ScanResult(rings=rings, hubs=hubs, params=params, counts=counts,
                      timings=timings, changes=changes)


def actor_key_buckets(graph: ActorGraph, components: np.ndarray, buckets: int
                      ) -> dict[tuple[str, str], int]:
    """Bucket of each actor: its component's number modulo ``buckets``."""
    return {(ACTOR_TYPES[t], str(i)): int(c % buckets)
            for t, i, c in zip(graph.actor_types, graph.actor_ids, components, strict=True)}
