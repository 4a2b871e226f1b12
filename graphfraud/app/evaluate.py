"""``graphfraud evaluate``: the platform's own yardstick. Hide a share of the export's
labels, scan, and count how many of the hidden blacklisted actors come back in high
(and medium) rings and how many hidden cleared actors do; the same for simple
baselines given the same blacklist and the same number of flagged actors.

A risk team learns on its own data what the detector is worth, before acting on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from graphfraud.app.common import Say, silent
from graphfraud.model import ACTOR_KINDS, Risk

if TYPE_CHECKING:
    import pandas as pd

    from graphfraud.loaders.dataset import Dataset
    from graphfraud.loaders.mapping import Mapping
    from graphfraud.pipeline import ScanParams

#: Confidence of the intervals (Wilson score interval, z for 95 %).
Z95 = 1.959964


@dataclass(frozen=True)
class Share:
    """``count`` of ``total``, with a 95 % Wilson interval of the proportion."""

    count: int
    total: int

    @property
    def rate(self) -> float:
        return self.count / self.total if self.total else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        """Wilson score interval; (nan, nan) without a total.

        >>> [round(x, 3) for x in Share(8, 10).interval]
        [0.49, 0.943]
        """
        n = self.total
        if not n:
            return (math.nan, math.nan)
        p = self.count / n
        centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
        half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / (1 + Z95 ** 2 / n)
        return (max(0.0, centre - half), min(1.0, centre + half))

    def as_json(self) -> dict[str, Any]:
        low, high = self.interval
        return {"count": self.count, "total": self.total, "rate": _num(self.rate),
                "ci95": [_num(low), _num(high)]}


def _num(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 4)


@dataclass(frozen=True)
class Method:
    """One detector's result on the hidden labels."""

    name: str
    flagged: int  # actors it flags
    fraud: Share  # hidden blacklisted actors it flags
    legit: Share  # hidden cleared actors it flags

    def as_json(self) -> dict[str, Any]:
        return {"flagged": self.flagged, "recovered": self.fraud.as_json(),
                "flagged_legit": self.legit.as_json()}


@dataclass(frozen=True)
class Evaluation:
    source: str
    mask: float
    seed: int
    high: Method  # actors in high rings
    high_medium: Method  # actors in high or medium rings
    rings: dict[str, int]
    baselines: tuple[Method, ...]

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` object (contract: masked_fraud, recovered_high, recall_high,
        masked_legit, flagged_legit, baselines, and more)."""
        h, hm = self.high, self.high_medium
        return {
            "source": self.source, "mask": self.mask, "seed": self.seed,
            "masked_fraud": h.fraud.total, "masked_legit": h.legit.total,
            "recovered_high": h.fraud.count, "recall_high": _num(h.fraud.rate),
            "recall_high_ci95": [_num(x) for x in h.fraud.interval],
            "recovered_high_medium": hm.fraud.count,
            "recall_high_medium": _num(hm.fraud.rate),
            "recall_high_medium_ci95": [_num(x) for x in hm.fraud.interval],
            "flagged_legit": h.legit.count, "flagged_legit_rate": _num(h.legit.rate),
            "flagged_legit_ci95": [_num(x) for x in h.legit.interval],
            "flagged_legit_high_medium": hm.legit.count,
            "flagged_high": h.flagged, "flagged_high_medium": hm.flagged,
            "rings": self.rings,
            "baselines": {b.name: b.as_json() for b in self.baselines},
        }


def masked_labels(labels: pd.DataFrame, share: float, seed: int
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the standing labels of actors into kept and hidden: ``share`` of the
    blacklisted and of the cleared actors, drawn with ``seed``. Labels of phones and
    accounts are kept."""
    rng = np.random.default_rng(seed)
    actors = labels["entity_type"].isin([k.entity_type for k in ACTOR_KINDS]).fillna(
        False).to_numpy(dtype=bool)
    hide = np.zeros(len(labels), dtype=bool)
    for value in ("fraud", "legit"):
        rows = np.flatnonzero(actors & (labels["label"] == value).fillna(False).to_numpy())
        k = math.floor(share * len(rows) + 0.5)  # half up: one of two at 0.5 is one
        hide[rng.choice(rows, size=k, replace=False)] = True
    return labels[~hide], labels[hide]


def evaluate_export(data_dir: str | Path, *, mask: float, seed: int, params: ScanParams,
                    mapping: Mapping, say: Say = silent, warn: Say = silent) -> Evaluation:
    """Hide ``mask`` of the export's actor labels, scan, measure (see the module).

    Raises
    ------
    InputError
        If a file of the export is unusable.
    UsageError
        If the export has no actor labels to hide.
    """
    from graphfraud.errors import UsageError
    from graphfraud.loaders import read_dataset

    loaded = read_dataset(data_dir, mapping=mapping,
                          progress=lambda name: say(f"reading {name}"))
    if loaded.rejected:
        warn(f"{loaded.rejected} rejected rows left out (graphfraud validate lists them)")
    labels = loaded.dataset.tables.get("labels")
    if labels is None or labels.empty:
        raise UsageError(f"{data_dir}: no labels.csv to hide labels from")
    kept, hidden = masked_labels(labels, mask, seed)
    if hidden.empty:
        actors = labels["entity_type"].isin([k.entity_type for k in ACTOR_KINDS]).sum()
        raise UsageError(f"{data_dir}: no merchant or streamer labels to hide" if not actors
                         else f"{data_dir}: --mask {mask} of {actors} merchant and streamer "
                         "labels hides none; raise --mask")
    dataset = replace(loaded.dataset, tables={**loaded.dataset.tables, "labels": kept})
    say(f"hid {len(hidden)} of {len(labels)} labels (seed {seed}); scanning")
    return _measure(dataset, hidden, str(data_dir), mask, seed, params, say)


def _measure(dataset: Dataset, hidden: pd.DataFrame, source: str, mask: float, seed: int,
             params: ScanParams, say: Say) -> Evaluation:
    from graphfraud.detect import baselines
    from graphfraud.pipeline import scan

    result = scan(dataset, params, build_index=True)  # keeps the graph and its facts
    graph, facts = result.graph, result.facts
    assert graph is not None and facts is not None
    keys = np.array([graph.actor_key(i) for i in range(graph.n_actors)], dtype=object)
    position = {k: i for i, k in enumerate(keys)}

    def flagged_by(risks: set[Risk]) -> np.ndarray:
        out = np.zeros(graph.n_actors, dtype=bool)
        for ring in result.rings:
            if ring.risk in risks:
                out[[position[f"{m.type}:{m.id}"] for m in ring.members]] = True
        return out

    def hidden_of(value: str) -> np.ndarray:
        rows = hidden[hidden["label"] == value]
        keys = [f"{t}:{i}" for t, i in zip(rows["entity_type"].astype(str),
                                            rows["entity_id"].astype(str), strict=True)]
        return np.array([position[k] for k in keys if k in position], dtype=np.int64)

    truth = {value: hidden_of(value) for value in ("fraud", "legit")}

    def method(name: str, flagged: np.ndarray, known: np.ndarray) -> Method:
        """``flagged`` counts the actors a method flags beyond the known seeds."""
        return Method(name, int((flagged & ~known).sum()),
                      Share(int(flagged[truth["fraud"]].sum()), len(truth["fraud"])),
                      Share(int(flagged[truth["legit"]].sum()), len(truth["legit"])))

    # the baselines start from what the scan starts from: blacklisted actors and the
    # users of blacklisted phones and accounts (the scan's seeds)
    seeds = np.flatnonzero((facts.verdict > 0) | facts.touches_fraud_identifier)
    known = np.zeros(graph.n_actors, dtype=bool)
    known[seeds] = True
    high = flagged_by({Risk.HIGH})
    budget = int((high & ~known).sum())  # new actors the high rings flag
    say("baselines: ppr, pruned components, louvain")
    found = [method("ppr", baselines.ppr(graph, seeds, budget), known),
             method("pruned_components", baselines.pruned_components(graph, seeds), known)]
    if graph.n_actors <= baselines.LOUVAIN_MAX_ACTORS:
        found.append(method("louvain", baselines.louvain(
            graph, seeds, params.communities.random_seed), known))
    else:
        say(f"louvain skipped: {graph.n_actors:,} actors (more than "
            f"{baselines.LOUVAIN_MAX_ACTORS:,}: networkx's Louvain would take minutes and "
            "gigabytes)")
    rings = {risk.value: sum(r.risk == risk for r in result.rings) for risk in Risk}
    return Evaluation(source, mask, seed, method("graphfraud_high", high, known),
                      method("graphfraud_high_medium", flagged_by({Risk.HIGH, Risk.MEDIUM}),
                             known), rings, tuple(found))


def evaluation_lines(e: Evaluation) -> list[str]:
    """The human form: one table of every method."""
    def cell(s: Share) -> str:
        low, high = s.interval
        return f"{s.count}/{s.total} {s.rate:.2f} [{low:.2f}, {high:.2f}]" if s.total \
            else "0/0"

    lines = [f"hidden: {e.high.fraud.total} blacklisted, {e.high.legit.total} cleared actors "
             f"({e.mask:g} of each, seed {e.seed}); rings: "
             + ", ".join(f"{n} {risk}" for risk, n in e.rings.items()),
             "method                   flagged  hidden blacklisted found (95% CI)   "
             "hidden cleared flagged (95% CI)"]
    for m in (e.high, e.high_medium, *e.baselines):
        lines.append(f"{m.name:<24} {m.flagged:>7}  {cell(m.fraud):<34} {cell(m.legit)}")
    lines.append("flagged: actors beyond the known seeds (blacklisted actors and users of "
                 "blacklisted phones and accounts), which every method starts from; ppr "
                 "flags as many as graphfraud_high")
    return lines
