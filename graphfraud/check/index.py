"""The last scan's lookup index for onboarding checks (``OUT/check-index.parquet``).

One row per device, payment account and host of the scanned graph: how many actors use
it (a host: how many shops it promotes), its own label, the known-fraud or banned
actors using it, and the rings whose members use it (a host: the rings it belongs to);
and the declared organisations of each host. A merchant that belongs to a declared
organisation or a ring, or carries a label, has a row of its own (its organisations,
rings and label), so a shop checked again is weighed by its own standing. A batch run's
index also carries the analysts' latest decisions (:func:`with_decisions`): the
``decision*`` columns of each decided entity, and a row of type ``ring`` per decided
ring. Loaded once, a check is a few hash lookups.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from graphfraud.check.assess import (
    Applicant,
    Assessment,
    Declared,
    RingRef,
    Touch,
    assess,
    standing,
)
from graphfraud.errors import InputError
from graphfraud.graph.projection import ACTOR_TYPES, IDENTIFIER_TYPES, ProjectionParams
from graphfraud.model import (
    IDENTIFIER_KINDS,
    MEMBERSHIP,
    MERCHANT,
    ORGANIZATION,
    STREAMER,
    entity_keys,
)
from graphfraud.report.writer import INDEX_FILE

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from graphfraud.graph.projection import ActorGraph
    from graphfraud.loaders.dataset import Dataset
    from graphfraud.score.rings import ActorFacts, Ring

def _lists(cols: np.ndarray, values: np.ndarray, size: int) -> pa.Array:
    """A list<string> column of ``size`` rows: the distinct ``values`` of each position in
    ``cols``, sorted; null where a position has none.

    The (position, value) pairs are made distinct and sorted as integers: each value
    stands for its rank among the distinct values (a sort of a million texts, or of
    pairs of them, is many times slower)."""
    import pandas as pd
    import pyarrow as pa

    cols = np.asarray(cols, dtype=np.int64)
    labels, ranks = pa.array([], type=pa.string()), np.zeros(0, dtype=np.int64)
    if len(cols):
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        uniques = np.asarray(uniques, dtype=object)
        order = np.argsort(uniques)  # Python's str order, as a sort of the texts
        rank = np.empty(len(uniques), dtype=np.int64)
        rank[order] = np.arange(len(uniques))
        pairs = np.unique(cols * len(uniques) + rank[codes])
        cols, ranks = pairs // len(uniques), pairs % len(uniques)
        labels = pa.array(uniques[order], type=pa.string())
    counts = np.bincount(cols, minlength=size) if len(cols) else np.zeros(size, np.int64)
    offsets = np.zeros(size + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), labels.take(pa.array(ranks)),
                                    mask=pa.array(counts == 0))


def _positions(graph: ActorGraph, kind: str, ids: np.ndarray) -> np.ndarray:
    """``graph.positions(kind, ids)`` for many ids (the rings' members): the ids are
    hashed and the kind's id universe probed once, rather than the universe, a million
    merchants, hashed for them."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    universe, offset = graph.universes[kind]
    codes, uniques = pd.factorize(np.asarray(ids, dtype=object))
    found = pc.index_in(universe, value_set=pa.array(np.asarray(uniques, dtype=object),
                                                     type=universe.type))
    hit = found.is_valid().to_numpy(zero_copy_only=False)
    at = np.full(len(uniques), -1, dtype=np.int64)
    at[found.fill_null(0).to_numpy(zero_copy_only=False)[hit]] = np.flatnonzero(hit) + offset
    return at[codes]


def _org_type() -> pa.DataType:
    """A declared organisation in the index (the ``organizations`` column is a list of
    these)."""
    import pyarrow as pa

    return pa.struct([("organization_id", pa.string()), ("name", pa.string()),
                      ("kind", pa.string()), ("verified", pa.bool_())])


def _memberships(graph: ActorGraph, dataset: Dataset) -> pd.DataFrame:
    """Every membership of an actor the graph holds, with its organisation: ``type``,
    ``id``, ``pos`` (the actor's position), ``organization_id``, ``name``, ``kind`` and
    ``verified`` (a boolean, None when not said); by actor, then organisation."""
    import pandas as pd

    columns = ["type", "id", "pos", "organization_id", "name", "kind", "verified"]
    orgs = dataset.tables.get(ORGANIZATION.table)
    members = dataset.tables.get(MEMBERSHIP.table)
    if orgs is None or members is None or orgs.empty or members.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    m = MEMBERSHIP
    frame = pd.DataFrame({
        "type": members[m.type_column].astype(str).to_numpy(dtype=object),
        "id": members[m.id_column].astype(str).to_numpy(dtype=object),
        "organization_id": members[m.organization_column].astype(str).to_numpy(dtype=object)})
    frame["pos"] = np.int64(-1)
    for kind in ACTOR_TYPES:
        part = (frame["type"] == kind).to_numpy()
        if part.any():
            frame.loc[part, "pos"] = _positions(graph, kind, frame.loc[part, "id"].to_numpy())
    declared = pd.DataFrame({
        "organization_id": orgs[ORGANIZATION.key].astype(str).to_numpy(dtype=object),
        **{c: orgs[c].astype(object).where(orgs[c].notna(), None).to_numpy(dtype=object)
           for c in ("name", "kind")},
        "verified": [None if pd.isna(v) else str(v).strip().lower() == "true"
                     for v in orgs["verified"]]})
    frame = frame.loc[frame["pos"] >= 0].merge(declared, on="organization_id")
    frame = frame.drop_duplicates(["type", "id", "organization_id"])
    return frame.sort_values(["pos", "organization_id"], kind="stable")[columns] \
        .reset_index(drop=True)


def _org_lists(rows: np.ndarray, orgs: pd.DataFrame, size: int) -> pa.Array:
    """A list<organisation> column of ``size`` rows: the organisations of ``orgs`` (in
    order) at their row ``rows``; null where a row has none."""
    import pyarrow as pa

    counts = np.bincount(rows.astype(np.int64), minlength=size) if len(rows) else \
        np.zeros(size, np.int64)
    offsets = np.zeros(size + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = pa.StructArray.from_arrays(
        [pa.array(orgs[c].tolist(), type=t.type, from_pandas=True) for c, t in
         zip(("organization_id", "name", "kind", "verified"), _org_type(), strict=True)],
        fields=list(_org_type()))
    return pa.ListArray.from_arrays(pa.array(offsets), values, mask=pa.array(counts == 0))


def _verdicts(codes: np.ndarray) -> pa.Array:
    """fraud / legit / null from +1 / -1 / 0."""
    import pyarrow as pa

    index = np.where(codes > 0, 0, 1).astype(np.int8)
    return pa.DictionaryArray.from_arrays(pa.array(index, mask=codes == 0),
                                          pa.array(["fraud", "legit"])).cast(pa.string())


def build_index(graph: ActorGraph, facts: ActorFacts, rings: list[Ring],
                dataset: Dataset) -> pa.Table:
    """The lookup table (see the module docstring), built in Arrow from the incidence
    matrix: ids come straight from the graph's Arrow id universes, lists as offsets."""
    import pyarrow as pa
    import scipy.sparse as sp

    n_ident = len(graph.identifier_ids)
    incidence = graph.incidence.tocsr()

    bad = np.flatnonzero((facts.verdict > 0) | facts.banned)
    bad_keys = entity_keys(np.asarray(ACTOR_TYPES)[graph.actor_types[bad]], graph.actor_ids[bad])
    coo = incidence[bad].tocoo()
    fraud = _lists(coo.col, bad_keys[coo.row], n_ident)

    # rings x actors membership, then rings x identifiers by one sparse product
    kinds = np.asarray([m.type for r in rings for m in r.members], dtype=object)
    ids = np.asarray([m.id for r in rings for m in r.members], dtype=object)
    ring_of = np.repeat(np.arange(len(rings)), [len(r.members) for r in rings])
    rows = np.full(len(ids), -1, dtype=np.int64)
    for kind in ACTOR_TYPES:
        part = kinds == kind
        if part.any():
            rows[part] = _positions(graph, kind, ids[part])
    ok = rows >= 0
    membership = sp.csr_matrix((np.ones(int(ok.sum())), (ring_of[ok], rows[ok])),
                               shape=(len(rings), graph.n_actors))
    touched = (membership @ incidence).tocoo()
    ring_ids = np.asarray([r.ring_id for r in rings], dtype=object)
    streamers = np.flatnonzero(graph.actor_types == STREAMER.code)
    host_coo = membership[:, streamers].tocoo()

    verdict = np.zeros(n_ident, dtype=np.int8)
    labels = dataset.tables.get("labels")
    if labels is not None and not labels.empty:
        for kind in IDENTIFIER_TYPES:
            part = (labels["entity_type"] == kind).fillna(False).to_numpy()
            pos = graph.positions(kind, labels.loc[part, "entity_id"])
            found = pos >= 0
            verdict[pos[found]] = np.where(
                labels.loc[part, "label"].to_numpy()[found] == "fraud", 1, -1)

    def universe(kind: str) -> pa.Array:
        return graph.universes[kind][0].cast(pa.string())

    identifiers = pa.table({
        "type": pa.array(IDENTIFIER_TYPES, type=pa.string()).take(
            pa.array(graph.identifier_types)),
        "id": pa.concat_arrays([universe(k.entity_type) for k in IDENTIFIER_KINDS]),
        "actors": pa.array(graph.identifier_degree.astype(np.int64)),
        "verdict": _verdicts(verdict),
        "fraud_actors": fraud,
        "rings": _lists(touched.col, ring_ids[touched.row], n_ident),
    })
    promoted = np.diff(facts.promoted.tocsr().indptr)[streamers] if facts.promoted.shape[0] \
        else np.zeros(len(streamers), int)
    host_orgs, merchants = _merchant_rows(graph, facts, dataset, streamers,
                                          membership.tocsc(), ring_ids)
    hosts = pa.table({
        "type": pa.array([STREAMER.entity_type] * len(streamers), type=pa.string()),
        "id": universe(STREAMER.entity_type),
        "actors": pa.array(promoted.astype(np.int64)),
        "verdict": _verdicts(facts.verdict[streamers]),
        "fraud_actors": _lists(np.zeros(0, np.int64), np.zeros(0, object), len(streamers)),
        "rings": _lists(host_coo.col, ring_ids[host_coo.row], len(streamers)),
        "organizations": host_orgs,
    })
    identifiers = identifiers.append_column(
        "organizations", pa.nulls(n_ident, pa.list_(_org_type())))
    return pa.concat_tables([identifiers, hosts, merchants])


def _merchant_rows(graph: ActorGraph, facts: ActorFacts, dataset: Dataset,
                   streamers: np.ndarray, membership: Any, ring_ids: np.ndarray
                   ) -> tuple[pa.Array, pa.Table]:
    """The hosts' ``organizations`` column (``streamers``: their positions), and a row of
    its own for each merchant that belongs to a declared organisation or a ring, or
    carries a label (``membership``: rings x actors), so a check of an existing shop
    finds its own standing."""
    import pyarrow as pa

    declared = _memberships(graph, dataset)
    host_of = np.full(graph.n_actors, -1, dtype=np.int64)
    host_of[streamers] = np.arange(len(streamers))
    at_host = host_of[declared["pos"].to_numpy(dtype=np.int64)]
    host_orgs = _org_lists(at_host[at_host >= 0], declared.loc[at_host >= 0], len(streamers))
    shops = declared.loc[(declared["type"] == MERCHANT.entity_type).to_numpy()]
    is_shop = graph.actor_types == MERCHANT.code
    in_ring = np.diff(membership.indptr) > 0
    shop_pos = np.union1d(shops["pos"].to_numpy(dtype=np.int64),
                          np.flatnonzero(is_shop & (in_ring | (facts.verdict != 0))))
    shop_row = np.searchsorted(shop_pos, shops["pos"].to_numpy(dtype=np.int64))
    n_shops = len(shop_pos)
    ring_coo = membership[:, shop_pos].tocoo()
    shop_ids, offset = graph.universes[MERCHANT.entity_type]
    merchants = pa.table({
        "type": pa.array([MERCHANT.entity_type] * n_shops, type=pa.string()),
        "id": shop_ids.take(pa.array(shop_pos - offset)).cast(pa.string()),
        "actors": pa.array(np.zeros(n_shops, np.int64)),
        "verdict": _verdicts(facts.verdict[shop_pos]),
        "fraud_actors": _lists(np.zeros(0, np.int64), np.zeros(0, object), n_shops),
        "rings": _lists(ring_coo.col, ring_ids[ring_coo.row], n_shops),
        "organizations": _org_lists(shop_row, shops, n_shops),
    })
    return host_orgs, merchants


#: The index's columns of an analyst's latest decision about a row's ring or entity.
DECISION_COLUMNS = ("decision", "decision_by", "decision_at", "decision_note",
                    "decision_via")
#: The type of the index rows that carry a ring's decision (no identifier has it).
RING_ROW = "ring"


def with_decisions(index: pa.Table | None, decisions: list[dict[str, Any]]
                   ) -> pa.Table | None:
    """The index with analysts' latest decisions (``decisions``: rows of
    :func:`graphfraud.store.verdicts.latest_decisions`): the ``decision*`` columns of
    each entity's row (a row added for an entity the index lacks), and a row of type
    ``ring`` per decided ring. ``graphfraud check --index`` names them as a check
    against Neo4j does. None stays None (a run without an index)."""
    import pandas as pd
    import pyarrow as pa

    if index is None:
        return None
    keys = pd.Index(entity_keys(index.column("type").to_numpy(),
                                index.column("id").to_numpy()))
    found = keys.get_indexer([f"{d['target_type']}:{d['target_id']}" for d in decisions]
                             if decisions else [])
    columns = {c: np.full(index.num_rows, None, dtype=object) for c in DECISION_COLUMNS}
    extra: list[dict[str, Any]] = []
    for d, row in zip(decisions, found.tolist(), strict=True):
        value = {"decision": d["decision"], "decision_by": d.get("analyst"),
                 "decision_at": d.get("at"), "decision_note": d.get("note"),
                 "decision_via": d.get("via_ring")}
        if row < 0:
            extra.append({"type": str(d["target_type"]), "id": str(d["target_id"]),
                          "actors": 0, **value})
        else:
            for c in DECISION_COLUMNS:
                columns[c][row] = value[c]
    for c in DECISION_COLUMNS:
        if c in index.column_names:
            index = index.drop_columns([c])
        index = index.append_column(c, pa.array(columns[c], type=pa.string()))
    if not extra:
        return index
    added = pa.Table.from_pylist(extra, schema=pa.schema(
        [index.schema.field(n) for n in ("type", "id", "actors", *DECISION_COLUMNS)]))
    return pa.concat_tables([index, added], promote_options="default")


class CheckIndex:
    """The index of one scan output directory, loaded for repeated checks."""

    def __init__(self, frame: pd.DataFrame, rings: dict[str, RingRef], hub_degree: int,
                 source: str):
        import pandas as pd

        self.frame = frame.reset_index(drop=True)
        self.keys = pd.Index(entity_keys(self.frame["type"].astype(str),
                                         self.frame["id"].astype(str)))
        self.rings = rings
        self.hub_degree = hub_degree
        self.source = source

    @classmethod
    def load(cls, out_dir: str | Path) -> CheckIndex:
        """Read ``OUT/check-index.parquet`` and ``OUT/rings.json``.

        Raises
        ------
        InputError
            If the directory holds no index from ``graphfraud scan``, or its rings.json
            is not valid.
        """
        import pyarrow.parquet as pq

        from graphfraud.report.run import read_run_report
        from graphfraud.report.writer import check_published

        out = Path(out_dir)
        path = out / INDEX_FILE
        report_path = out / "rings.json"
        try:
            # pyarrow reads the path itself: through a Python file object (what
            # pandas.read_parquet hands it) its thread pool can abort the process at
            # exit ("terminate called without an active exception", apache/arrow#34314).
            frame = pq.read_table(str(path)).to_pandas()
            if not report_path.is_file():
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT),
                                        str(report_path))
        except (OSError, ValueError) as e:
            raise InputError(f"{path}: no check index here (run `graphfraud scan` into "
                             f"{out} first): {e}", file=str(path)) from e
        check_published(out)
        report = read_run_report(report_path)
        rings = {r.ring_id: RingRef(r.ring_id, str(r.risk), r.score, str(r.pattern))
                 for r in report.rings}
        if "decision" in frame:  # the analysts' decisions about rings, when it has them
            for rec in frame.loc[frame["type"] == RING_ROW].to_dict("records"):
                if rec["id"] in rings:
                    rings[rec["id"]] = rings[rec["id"]].with_decision(_decision(rec))
            frame = frame.loc[frame["type"] != RING_ROW]
        hub = report.params.get("hub_degree", ProjectionParams.hub_degree)
        return cls(frame, rings, int(hub), f"scan {report.run_id} ({out})")

    def touches(self, applicant: Applicant) -> list[Touch]:
        wanted = applicant.identifiers() + [(STREAMER.entity_type, s) for s in applicant.streamers]
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
                hub=kind != STREAMER.entity_type and int(rec["actors"]) > self.hub_degree,
                organizations=_declared(kind, value, rec.get("organizations")),
            ).with_decision(_decision(rec)))
        return out

    def merchant(self, merchant_id: str) -> Touch | None:
        """The checked merchant itself when the scanned graph holds it with something to
        say (a label, a ring, a declared organisation, an analyst's decision): its
        label, rings and latest decision; None otherwise."""
        row = self.keys.get_indexer([f"{MERCHANT.entity_type}:{merchant_id}"])[0]
        if row < 0:
            return None
        rec: dict[Any, Any] = self.frame.iloc[int(row)].to_dict()
        ring_ids = rec["rings"] if rec.get("rings") is not None else []
        return standing(Touch(
            MERCHANT.entity_type, merchant_id, known=True,
            verdict=rec["verdict"] if isinstance(rec["verdict"], str) else None,
            rings=tuple(sorted((self.rings[r] for r in ring_ids if r in self.rings),
                               key=lambda r: -r.score)),
        ).with_decision(_decision(rec)))

    def organizations(self, merchant_id: str) -> tuple[Declared, ...]:
        """The declared organisations of a merchant of the scanned graph (none for a
        merchant it does not hold, or an index written before organisations were)."""
        row = self.keys.get_indexer([f"{MERCHANT.entity_type}:{merchant_id}"])[0]
        if row < 0 or "organizations" not in self.frame:
            return ()
        return _declared(MERCHANT.entity_type, merchant_id,
                         self.frame["organizations"].iloc[int(row)])

    def check(self, applicant: Applicant) -> Assessment:
        started = time.perf_counter()
        result = assess(applicant, self.touches(applicant),
                        self.organizations(applicant.merchant_id),
                        self.merchant(applicant.merchant_id))
        result.seconds = time.perf_counter() - started
        result.source = self.source
        return result


def _decision(rec: dict[Any, Any]) -> dict[str, Any] | None:
    """An index row's analyst decision as a record (``decision``, ``analyst``, ``at``,
    ``note``, ``via_ring``), or None when it has none (or the index predates them)."""
    def text(key: str) -> str | None:
        value = rec.get(key)
        return value if isinstance(value, str) else None

    if text("decision") is None:
        return None
    return {"decision": text("decision"), "analyst": text("decision_by"),
            "at": text("decision_at"), "note": text("decision_note"),
            "via_ring": text("decision_via")}


def _declared(kind: str, value: str, orgs: Any) -> tuple[Declared, ...]:
    """An index cell of declared organisations (a list of records, or None) as
    :class:`Declared` entries."""
    if orgs is None or (isinstance(orgs, float) and np.isnan(orgs)):
        return ()
    return tuple(Declared.of(kind, value, dict(org)) for org in orgs)
