"""Quality against a synthetic ground truth, and the baselines the detector must beat.

Definitions (``risk == "high"`` rings are the predictions):

ring recall       share of true rings that one predicted ring covers at least half of
ring precision    share of predicted rings at least half of whose members are ring members
member P/R/F1     over the union of predicted members vs the union of true members
look-alikes hit   legit agency / franchise groups with half or more (and at least 3) of
                  their members inside one predicted ring
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from graphfraud.loaders.dataset import Dataset
from graphfraud.model import SHARING_LINKS, entity_keys

Group = frozenset[str]


@dataclass(frozen=True)
class Quality:
    rings_predicted: int
    ring_recall: float
    ring_precision: float
    member_precision: float
    member_recall: float
    member_f1: float
    lookalikes_flagged: int
    lookalikes: int
    #: Flagged / all look-alikes by kind ("agency", "franchise"; "declared" when the
    #: export declares the group as a verified organisation).
    lookalikes_by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return {
            "rings": self.rings_predicted,
            "ring recall": round(self.ring_recall, 3),
            "ring precision": round(self.ring_precision, 3),
            "member P": round(self.member_precision, 3),
            "member R": round(self.member_recall, 3),
            "member F1": round(self.member_f1, 3),
            "look-alikes flagged": f"{self.lookalikes_flagged}/{self.lookalikes}",
        }


def load_truth(data_dir: str | Path) -> dict[str, Any]:
    return dict(json.loads((Path(data_dir) / "ground_truth.json").read_text("utf-8")))


def _group(members: Iterable[dict[str, str]]) -> Group:
    return frozenset(f"{m['type']}:{m['id']}" for m in members)


def evaluate(predicted: list[Group], truth: dict[str, Any]) -> Quality:
    true_rings = [_group(r["members"]) for r in truth["rings"]]
    lookalikes = [_group(g["members"]) for g in truth["lookalikes"]]
    true_members = frozenset().union(*true_rings) if true_rings else frozenset()
    pred_members = frozenset().union(*predicted) if predicted else frozenset()
    owner: dict[str, int] = {}
    for i, ring in enumerate(predicted):
        for key in ring:
            owner[key] = i
    recalled = 0
    for ring in true_rings:
        counts: dict[int, int] = {}
        for key in ring:
            if key in owner:
                counts[owner[key]] = counts.get(owner[key], 0) + 1
        if counts and max(counts.values()) >= len(ring) / 2:
            recalled += 1
    correct = sum(len(r & true_members) >= len(r) / 2 for r in predicted)
    hit = len(pred_members & true_members)
    precision = hit / len(pred_members) if pred_members else 0.0
    recall = hit / len(true_members) if true_members else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    flagged = 0
    by_kind: dict[str, tuple[int, int]] = {}
    for group, raw in zip(lookalikes, truth["lookalikes"], strict=True):
        inside = max((len(group & r) for r in predicted), default=0)
        hit_here = inside >= max(3, len(group) / 2)
        flagged += hit_here
        kind = f"{raw['kind']}{' declared' if raw.get('declared') else ''}"
        done, total = by_kind.get(kind, (0, 0))
        by_kind[kind] = (done + hit_here, total + 1)
    return Quality(
        rings_predicted=len(predicted),
        ring_recall=recalled / len(true_rings) if true_rings else 0.0,
        ring_precision=correct / len(predicted) if predicted else 0.0,
        member_precision=precision, member_recall=recall, member_f1=f1,
        lookalikes_flagged=flagged, lookalikes=len(lookalikes),
        lookalikes_by_kind=dict(sorted(by_kind.items())),
    )


def _actor_identifier_pairs(dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(actor key, identifier key) for every device and account link."""
    actors, idents = [], []
    for link in SHARING_LINKS:
        frame = dataset.tables.get(link.table)
        if frame is None or frame.empty:
            continue
        actors.append(entity_keys(link.start.entity_type, frame[link.start_column]))
        idents.append(entity_keys(link.end.entity_type, frame[link.end_column]))
    return np.concatenate(actors), np.concatenate(idents)


def baseline_components(dataset: Dataset, *, max_sharing: int | None = None,
                        min_size: int = 3) -> list[Group]:
    """Connected components over shared identifiers (optionally dropping popular ones)."""
    import networkx as nx

    actors, idents = _actor_identifier_pairs(dataset)
    if max_sharing is not None:
        _, inverse, counts = np.unique(idents, return_inverse=True, return_counts=True)
        keep = counts[inverse] <= max_sharing
        actors, idents = actors[keep], idents[keep]
    graph = nx.Graph()
    graph.add_edges_from(zip(actors, idents, strict=True))
    out = []
    for component in nx.connected_components(graph):
        members = frozenset(n for n in component if n.startswith(("merchant:", "streamer:")))
        if len(members) >= min_size:
            out.append(members)
    return out


def baseline_louvain(dataset: Dataset, *, max_sharing: int = 10, seed: int = 0,
                     min_size: int = 3) -> list[Group]:
    """Louvain on the pruned actor projection; communities with a blacklisted member."""
    import networkx as nx
    from networkx.algorithms import bipartite

    actors, idents = _actor_identifier_pairs(dataset)
    _, inverse, counts = np.unique(idents, return_inverse=True, return_counts=True)
    keep = counts[inverse] <= max_sharing
    graph = nx.Graph()
    graph.add_edges_from(zip(actors[keep], idents[keep], strict=True))
    actor_nodes = {a for a in actors[keep]}
    projected = bipartite.weighted_projected_graph(graph, actor_nodes)
    communities = nx.community.louvain_communities(projected, weight="weight", seed=seed)
    labels = dataset.tables.get("labels")
    blacklisted: set[str] = set()
    if labels is not None:
        fraud = labels[labels["label"] == "fraud"]
        blacklisted = set(entity_keys(fraud["entity_type"], fraud["entity_id"]).tolist())
    return [frozenset(c) for c in communities
            if len(c) >= min_size and blacklisted & set(c)]
