"""The last scan's lookup index for onboarding checks (``OUT/check-index.parquet``).

One row per device, payment account and host of the scanned graph: how many actors use
it (a host: how many shops it promotes), its own label, the known-fraud or banned
actors using it, and the rings whose members use it (a host: the rings it belongs to).
Loaded once, a check is a few hash lookups.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from graphfraud.check.assess import Applicant, Assessment, RingRef, Touch, assess
from graphfraud.errors import InputError
from graphfraud.graph.projection import ACTOR_TYPES, IDENTIFIER_TYPES, STREAMER
from graphfraud.model import entity_keys

if TYPE_CHECKING:
    import pandas as pd

    from graphfraud.graph.projection import ActorGraph
    from graphfraud.loaders.dataset import Dataset
    from graphfraud.score.rings import ActorFacts, Ring

INDEX_FILE = "check-index.parquet"


def _grouped(cols: np.ndarray, values: np.ndarray, size: int) -> list[list[str] | None]:
    """``values`` grouped by ``cols`` into a list per position (None where empty)."""
    out: list[list[str] | None] = [None] * size
    order = np.argsort(cols, kind="stable")
    cols, values = cols[order], values[order]
    if not len(cols):
        return out
    starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
    ends = np.r_[starts[1:], len(cols)]
    for s, e in zip(starts, ends, strict=True):
        out[int(cols[s])] = sorted(set(values[s:e].tolist()))
    return out


def build_index(graph: ActorGraph, facts: ActorFacts, rings: list[Ring],
                dataset: Dataset) -> pd.DataFrame:
    """The lookup table (see the module docstring), vectorised over the incidence matrix."""
    import pandas as pd
    import scipy.sparse as sp

    n_ident = len(graph.identifier_ids)
    incidence = graph.incidence.tocsr()

    bad = np.flatnonzero((facts.verdict > 0) | facts.banned)
    bad_keys = entity_keys(np.asarray(ACTOR_TYPES)[graph.actor_types[bad]], graph.actor_ids[bad])
    coo = incidence[bad].tocoo()
    fraud = _grouped(coo.col, bad_keys[coo.row], n_ident)

    # rings x actors membership, then rings x identifiers by one sparse product
    kinds = np.asarray([m.type for r in rings for m in r.members], dtype=object)
    ids = np.asarray([m.id for r in rings for m in r.members], dtype=object)
    ring_of = np.repeat(np.arange(len(rings)), [len(r.members) for r in rings])
    rows = np.full(len(ids), -1, dtype=np.int64)
    for kind in ACTOR_TYPES:
        part = kinds == kind
        if part.any():
            rows[part] = graph.positions(kind, ids[part].tolist())
    ok = rows >= 0
    membership = sp.csr_matrix((np.ones(int(ok.sum())), (ring_of[ok], rows[ok])),
                               shape=(len(rings), graph.n_actors))
    touched = (membership @ incidence).tocoo()
    ring_ids = np.asarray([r.ring_id for r in rings], dtype=object)
    in_rings = _grouped(touched.col, ring_ids[touched.row], n_ident)
    streamer_rows = np.flatnonzero(graph.actor_types == STREAMER)
    host_coo = membership[:, streamer_rows].tocoo()

    verdict = pd.Series([None] * n_ident, dtype="string")
    labels = dataset.tables.get("labels")
    if labels is not None and not labels.empty:
        for kind in IDENTIFIER_TYPES:
            part = (labels["entity_type"] == kind).fillna(False).to_numpy()
            pos = graph.positions(kind, labels.loc[part, "entity_id"])
            found = pos >= 0
            verdict.iloc[pos[found]] = labels.loc[part, "label"].to_numpy()[found]

    identifiers = pd.DataFrame({
        "type": np.asarray(IDENTIFIER_TYPES)[graph.identifier_types],
        "id": graph.identifier_ids.astype(str),
        "actors": graph.identifier_degree.astype(np.int64),
        "verdict": verdict,
        "fraud_actors": fraud,
        "rings": in_rings,
    })

    streamers = streamer_rows
    promoted = np.diff(facts.promoted.tocsr().indptr)[streamers] if facts.promoted.shape[0] \
        else np.zeros(len(streamers), int)
    host_ring = _grouped(host_coo.col, ring_ids[host_coo.row], len(streamers))
    host_verdict = [("fraud" if v > 0 else "legit" if v < 0 else None)
                    for v in facts.verdict[streamers].tolist()]
    hosts = pd.DataFrame({
        "type": "streamer", "id": graph.actor_ids[streamers].astype(str),
        "actors": promoted.astype(np.int64),
        "verdict": pd.Series(host_verdict, dtype="string"),
        "fraud_actors": [None] * len(streamers), "rings": host_ring,
    })
    return pd.concat([identifiers, hosts], ignore_index=True)


def save_index(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_parquet(path, index=False)
    return path


class CheckIndex:
    """The index of one scan output directory, loaded for repeated checks."""

    def __init__(self, frame: pd.DataFrame, rings: dict[str, RingRef], hub_cap: int,
                 source: str):
        import pandas as pd

        self.frame = frame.reset_index(drop=True)
        self.keys = pd.Index(entity_keys(self.frame["type"].astype(str),
                                         self.frame["id"].astype(str)))
        self.rings = rings
        self.hub_cap = hub_cap
        self.source = source

    @classmethod
    def load(cls, out_dir: str | Path) -> CheckIndex:
        """Read ``OUT/check-index.parquet`` and ``OUT/rings.json``.

        Raises
        ------
        InputError
            If the directory holds no index from ``graphfraud scan``.
        """
        import pandas as pd

        out = Path(out_dir)
        path = out / INDEX_FILE
        try:
            frame = pd.read_parquet(path)
            report = json.loads((out / "rings.json").read_text("utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(f"{path}: no check index here (run `graphfraud scan` into "
                             f"{out} first): {e}", file=str(path)) from e
        rings = {r["ring_id"]: RingRef(r["ring_id"], r["risk"], float(r["score"]),
                                       r["pattern"]) for r in report["rings"]}
        return cls(frame, rings, int(report["params"].get("hub_degree", 100)),
                   f"scan {report['run_id']} ({out})")

    def touches(self, applicant: Applicant) -> list[Touch]:
        wanted = applicant.identifiers() + [("streamer", s) for s in applicant.streamers]
        keys = [f"{kind}:{value}" for kind, value in wanted]
        rows = self.keys.get_indexer(keys)
        out = []
        for (kind, value), row in zip(wanted, rows, strict=True):
            if row < 0:
                out.append(Touch(kind, value, known=False))
                continue
            rec: dict[Any, Any] = self.frame.iloc[int(row)].to_dict()
            ring_ids = rec["rings"] if rec["rings"] is not None else []
            fraud = rec["fraud_actors"] if rec["fraud_actors"] is not None else []
            verdict = rec["verdict"] if isinstance(rec["verdict"], str) else None
            out.append(Touch(
                kind, value, known=True, actors=int(rec["actors"]), verdict=verdict,
                fraud_actors=tuple(fraud),
                rings=tuple(sorted((self.rings[r] for r in ring_ids if r in self.rings),
                                   key=lambda r: -r.score)),
                hub=kind != "streamer" and int(rec["actors"]) > self.hub_cap))
        return out

    def check(self, applicant: Applicant) -> Assessment:
        started = time.perf_counter()
        result = assess(applicant, self.touches(applicant))
        result.seconds = time.perf_counter() - started
        result.source = self.source
        return result
