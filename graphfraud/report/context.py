"""What the export says around a run's rings, for report.html and rings.csv only.

The scan works on the graph; an analyst also wants what the export says about the
people and things in it: a member's name, status, registration date and standing label
(and who gave it), what ties a member to the blacklist ("flagged via"), what a ring
sells (its exposure: orders and promoted GMV), and what a hub is (a device model, a
bank) and how many of its users are blacklisted. None of it is written into rings.json:
a report read back from rings.json has none of it.

Only the rows that concern the rings' members and the hubs are looked at: at a million
merchants this is a few ``isin`` passes over the link tables.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from graphfraud.model import ACTOR_KINDS, IDENTIFIER_KINDS, SHARING_LINKS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from graphfraud.graph.projection import Hub
    from graphfraud.loaders.dataset import Dataset
    from graphfraud.report.run import RunReport
    from graphfraud.score.rings import Ring

#: Every fact of a member, "" when unknown.
ACTOR_FIELDS = ("name", "status", "verdict", "source", "registered", "via", "via_actor",
                "via_name")
#: Hubs described (report.html lists this many).
MAX_HUBS = 500
#: Members per ring (the highest scored) whose "flagged via" is looked up: as many as
#: report.html lists or draws of a ring.
VIA_MEMBERS = 60


def with_context(report: RunReport, dataset: Dataset) -> RunReport:
    """``report`` with its members' facts, its rings' exposure and its hubs' context
    read from ``dataset`` (the export the run scanned); the garbage collector paused
    meanwhile (:func:`graphfraud.collector.collector_paused`).

    The exposure reads only the signals and promotions tables, which nothing else here
    reads, so it is summed in a second thread meanwhile (Arrow's lookups and the sort
    release the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    from graphfraud.collector import collector_paused

    with collector_paused(), ThreadPoolExecutor(max_workers=1,
                                                thread_name_prefix="graphfraud-exposure") as side:
        exposure = side.submit(ring_exposure, dataset, report.rings)
        actors = ring_actors(dataset, report.rings, hubs=report.hubs)
        hub_info = hub_context(dataset, report.hubs[:MAX_HUBS])
        return replace(report, actors=actors, exposure=exposure.result(), hub_info=hub_info)


@dataclass(frozen=True)
class Around:
    """What ``dataset`` (the export a run scanned) says around the run's rings, read
    where the files that show it are made (``write_reports(context=...)``)."""

    dataset: Dataset

    def page(self, report: RunReport) -> RunReport:
        """Everything report.html shows (:func:`with_context`)."""
        return with_context(report, self.dataset)

    def rows(self, report: RunReport) -> RunReport:
        """What rings.csv shows of it: each member's name and status (the other
        facts left blank), a fraction of the page's work."""
        from graphfraud.collector import collector_paused

        with collector_paused():
            wanted = _wanted(report.rings)
            found = _found(self.dataset, wanted)
            blank, unknown = dict.fromkeys(ACTOR_FIELDS, ""), ("", "", "")
            return replace(report, actors={
                key: dict(blank, name=name, status=status)
                for key in wanted for name, status, _ in (found.get(key, unknown),)})


def _wanted(rings: Iterable[Ring]) -> set[str]:
    """Every ring member's ``type:id``."""
    return {f"{m.type}:{m.id}" for ring in rings for m in ring.members}


def _found(dataset: Dataset, wanted: set[str]) -> dict[str, tuple[str, str, str]]:
    """The name, status and registration date of each wanted actor the export holds
    (rows in order: the last one of an id stands)."""
    found: dict[str, tuple[str, str, str]] = {}
    by_kind = _by_kind(wanted)
    for kind in ACTOR_KINDS:
        frame = dataset.tables.get(kind.table)
        if frame is None or kind.key not in frame or kind.entity_type not in by_kind:
            continue
        rows = frame.loc[_isin(frame[kind.key], by_kind[kind.entity_type])]
        keys = [f"{kind.entity_type}:{ident}" for ident in rows[kind.key].tolist()]
        columns = [_column_texts(rows, column) for column in ("name", "status", "registered_at")]
        found.update(zip(keys, zip(*columns, strict=True), strict=True))
    return found


def ring_actors(dataset: Dataset, rings: Iterable[Ring], *, hubs: Iterable[Hub] = ()
                ) -> dict[str, dict[str, str]]:
    """The facts of every ring member (:attr:`RunReport.actors`), by ``type:id``.

    ``name`` (merchants and streamers), ``status`` (merchants: active, suspended or
    banned), ``registered`` (the date), ``verdict`` and ``source`` (the standing label:
    fraud or legit, and who gave it; ``dataset.tables["labels"]`` holds one row per
    entity, and should it hold several the last stands), and for a member that is not
    blacklisted itself (one of the first ``VIA_MEMBERS`` of its ring, the ones the page
    shows), ``via``, ``via_actor`` and ``via_name``: an identifier it uses (``type:id``)
    that is blacklisted, or else that a blacklisted actor uses, that actor ("" for a
    blacklisted identifier) and its name. An identifier the scan treats as a hub
    (``hubs``: dropped or down-weighted, the run's :attr:`RunReport.hubs`) never says
    why: a payment aggregator with 800 users ties a member to nothing. Each is "" when
    unknown.
    """
    rings = list(rings)
    wanted = _wanted(rings)
    found = _found(dataset, wanted)
    blank, unknown = dict.fromkeys(ACTOR_FIELDS, ""), ("", "", "")
    actors = {key: dict(blank, name=name, status=status, registered=registered)
              for key in wanted for name, status, registered in (found.get(key, unknown),)}
    fraud = set()
    labels = dataset.tables.get("labels")
    if labels is not None and len(labels):
        sources = labels["source"].tolist() if "source" in labels else [None] * len(labels)
        for kind_name, ident, label, source in zip(
                labels["entity_type"].tolist(), labels["entity_id"].tolist(),
                labels["label"].tolist(), sources, strict=True):
            key = f"{kind_name}:{ident}"
            verdict = cell_text(label).lower()
            if verdict == "fraud":
                fraud.add(key)
            if key in actors:  # rows in order: the last one stands
                actors[key]["verdict"] = verdict
                actors[key]["source"] = cell_text(source)
    shown = {f"{m.type}:{m.id}" for ring in rings for m in ring.members[:VIA_MEMBERS]}
    hub_keys = {f"{h.type}:{h.id}" for h in hubs}
    for key, (via, via_actor) in _flagged_via(dataset, shown, fraud, hub_keys).items():
        if actors[key]["verdict"] != "fraud":
            actors[key]["via"], actors[key]["via_actor"] = via, via_actor
    names = _names(dataset, {a["via_actor"] for a in actors.values() if a["via_actor"]})
    for info in actors.values():
        info["via_name"] = names.get(info["via_actor"], "")
    return actors


def _names(dataset: Dataset, keys: set[str]) -> dict[str, str]:
    """The names of the actors ``keys`` (``type:id``), those the export names."""
    out: dict[str, str] = {}
    by_kind = _by_kind(keys)
    for kind in ACTOR_KINDS:
        frame = dataset.tables.get(kind.table)
        ids = by_kind.get(kind.entity_type)
        if frame is None or not ids or "name" not in frame or kind.key not in frame:
            continue
        rows = frame.loc[_isin(frame[kind.key], ids)]
        for ident, name in zip(rows[kind.key].tolist(), rows["name"].tolist(), strict=True):
            if cell_text(name):
                out[f"{kind.entity_type}:{ident}"] = cell_text(name)
    return out


def _dates(stamps: pd.Series) -> list[str | None]:
    """Timestamps as their UTC dates (YYYY-MM-DD), None for a missing one."""
    import numpy as np

    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    days = stamps.to_numpy(dtype="datetime64[D]")
    text = np.datetime_as_string(days, unit="D")
    return [None if missing else t for t, missing in zip(text.tolist(), np.isnat(days).tolist(),
                                                          strict=True)]


def _column_texts(rows: pd.DataFrame, column: str) -> list[str]:
    """The :func:`cell_text` of a column's values (a date for a time), "" for each row
    when the table lacks the column."""
    if column not in rows:
        return [""] * len(rows)
    values = rows[column]
    if column == "registered_at" and hasattr(values, "dt"):
        return [day or "" for day in _dates(values)]
    return _texts(values)


def _texts(values: pd.Series) -> list[str]:
    """:func:`cell_text` of every value: a text column's missing values as "" in one
    pass, any other column value by value."""
    import pandas as pd

    if isinstance(values.dtype, pd.StringDtype):
        return list(values.fillna("").tolist())
    return [cell_text(v) for v in values.tolist()]


def _links(dataset: Dataset) -> list[tuple[str, str, str, str, pd.DataFrame]]:
    """(actor kind, actor column, identifier kind, identifier column, table) of every
    actor-identifier link table the export has."""
    out = []
    for link in SHARING_LINKS:
        table = dataset.tables.get(link.table)
        if table is None or table.empty:
            continue
        out.append((link.start.entity_type, link.start_column, link.end.entity_type,
                    link.end_column, table))
    return out


def _isin(values: pd.Series, wanted: Iterable[str]) -> np.ndarray:
    """``values.isin(wanted)`` through Arrow (pandas' own walks the set in Python)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = pa.array(values.astype("string[pyarrow]"), from_pandas=True)
    found = pc.is_in(column, value_set=pa.array(list(wanted), pa.string()))
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def _by_kind(keys: Iterable[str]) -> dict[str, list[str]]:
    """``type:id`` keys as ids by type."""
    out: dict[str, list[str]] = {}
    for key in keys:
        kind, _, ident = key.partition(":")
        out.setdefault(kind, []).append(ident)
    return out


def _keys(kind: str, ids: pd.Series) -> pd.Series:
    """``type:id`` keys of ``ids``."""
    import pandas as pd

    text: pd.Series = ids.astype("string")
    return pd.Series(f"{kind}:", index=text.index, dtype="string") + text


def _flagged_via(dataset: Dataset, wanted: set[str], fraud: set[str],
                 hubs: Iterable[str] = ()) -> dict[str, tuple[str, str]]:
    """For each wanted actor, a blacklisted identifier it uses, or an identifier it
    shares with a blacklisted actor, and that actor (the smallest pair, so the answer
    is the same every run); never through one of ``hubs`` (``type:id``)."""
    import pandas as pd

    if not fraud:
        return {}
    by_kind, members = _by_kind(fraud), _by_kind(wanted)
    # Each link table is read once, for the links of blacklisted actors and of the
    # wanted members alike; both are then picked from these few rows.
    links = [(actor, actor_col, ident, ident_col, table.loc[
        _isin(table[actor_col], by_kind.get(actor, []) + members.get(actor, [])),
        [actor_col, ident_col]])
        for actor, actor_col, ident, ident_col, table in _links(dataset)
        if by_kind.get(actor) or members.get(actor)]
    # The identifiers that can say why: blacklisted ones, and those blacklisted actors
    # use, with their two smallest such users (a member that is one of them takes the
    # other); the members' links are then read for these identifiers only.
    relevant = {kind: set(ids) for kind, ids in by_kind.items()}
    users_of: list[pd.DataFrame] = []
    for actor, actor_col, ident, ident_col, near in links:
        bad = by_kind.get(actor, [])
        if not bad:
            continue
        rows = near.loc[_isin(near[actor_col], bad)]
        relevant.setdefault(ident, set()).update(rows[ident_col].astype("string").tolist())
        users = pd.DataFrame({"ident": _keys(ident, rows[ident_col]),
                              "user": _keys(actor, rows[actor_col])})
        users_of.append(users.sort_values(["ident", "user"]).groupby("ident").head(2))
    for kind, ids in _by_kind(hubs).items():  # a hub says nothing about its users
        relevant.get(kind, set()).difference_update(ids)
    used: list[pd.DataFrame] = []  # (member, ident) of the members' relevant links
    for actor, actor_col, ident, ident_col, near in links:
        own = members.get(actor)
        if not own or not relevant.get(ident):
            continue
        rows = near.loc[_isin(near[actor_col], own)]
        rows = rows.loc[_isin(rows[ident_col], relevant[ident])]
        used.append(pd.DataFrame({"member": _keys(actor, rows[actor_col]),
                                  "ident": _keys(ident, rows[ident_col])}))
    mine = pd.concat(used, ignore_index=True) if used else pd.DataFrame(
        {"member": [], "ident": []})
    if mine.empty:
        return {}
    pairs: list[pd.DataFrame] = [mine.loc[_isin(mine["ident"], fraud)].assign(user="")]
    for users in users_of:
        joined = mine.merge(users, on="ident")
        pairs.append(joined.loc[joined["member"] != joined["user"]])
    # A blacklisted identifier ("" user) first, then the smallest identifier and user.
    # Empty frames left out: pandas 2 warns that it will stop ignoring them for dtypes.
    every = pd.concat([p for p in pairs if not p.empty] or pairs[:1],
                      ignore_index=True).sort_values(["member", "user", "ident"])
    every = every.assign(direct=every["user"] == "").sort_values(
        ["member", "direct", "ident", "user"], ascending=[True, False, True, True])
    first = every.drop_duplicates("member")
    return {m: (i, u) for m, i, u in zip(first["member"].tolist(), first["ident"].tolist(),
                                         first["user"].tolist(), strict=True)}


def ring_exposure(dataset: Dataset, rings: Iterable[Ring]) -> dict[str, dict[str, float]]:
    """What each ring sells, by ring id: ``orders`` (its merchants' orders in the scan
    window, merchant_signals.csv) and ``gmv`` (the GMV hosts sold of its merchants'
    goods, promotions.csv); a measure is left out when the export lacks it, and the
    result is empty when it lacks both."""
    import numpy as np
    import pandas as pd

    signals = dataset.tables.get("merchant_signals")
    promotions = dataset.tables.get("promotions")
    measures: dict[str, pd.DataFrame] = {}
    if signals is not None and "orders" in signals and signals["orders"].notna().any():
        measures["orders"] = signals[["merchant_id", "orders"]]
    if promotions is not None and "gmv" in promotions and promotions["gmv"].notna().any():
        measures["gmv"] = promotions[["merchant_id", "gmv"]]
    rings = list(rings)
    if not measures or not rings:
        return {}
    members = pd.DataFrame([(r.ring_id, m.id) for r in rings for m in r.members
                            if m.type == "merchant"], columns=["ring", "merchant_id"])
    totals = pd.DataFrame(index=pd.Index([r.ring_id for r in rings], name="ring"))
    merchants = set(members["merchant_id"].tolist())
    for name, table in measures.items():
        rows = table.loc[_isin(table["merchant_id"], merchants)]
        values = rows[name].astype("float64")
        known = values.notna().to_numpy()
        per_merchant = _sums(rows["merchant_id"].to_numpy()[known],
                             values.to_numpy()[known])
        # Each member's total (0 for a merchant without rows), by one hash lookup each.
        at = per_merchant.index.get_indexer(pd.Index(members["merchant_id"]))
        mapped = np.zeros(len(at))
        mapped[at >= 0] = per_merchant.to_numpy()[at[at >= 0]]
        totals[name] = _sums(members["ring"].to_numpy(), mapped).reindex(
            totals.index, fill_value=0.0)
    return {str(ring): {str(name): float(value) for name, value in row.items()}
            for ring, row in totals.to_dict("index").items()}


def _sums(keys: np.ndarray, values: np.ndarray) -> pd.Series:
    """The exactly rounded sum (``math.fsum``) of ``values`` per key, so the same
    totals whatever the rows' order (Spark gathers them in any order); rows without a
    key are left out. The rows are grouped with one sort, not pandas' per-group Python
    aggregation (seconds at a million merchants)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(keys)
    known = codes >= 0
    codes, values = codes[known], np.asarray(values, dtype=np.float64)[known]
    if not len(codes):
        return pd.Series([], dtype="float64")
    order = np.argsort(codes, kind="stable")
    codes, ordered = codes[order], values[order].tolist()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    bounds = np.r_[starts, len(codes)].tolist()
    totals = [math.fsum(ordered[a:b]) for a, b in itertools.pairwise(bounds)]
    return pd.Series(totals, index=np.asarray(uniques)[codes[starts]], dtype="float64")


def hub_context(dataset: Dataset, hubs: Iterable[Hub]) -> dict[str, dict[str, Any]]:
    """Each hub's description and blacklisted users, by ``type:id``: ``detail`` (a
    device's model and OS, an account's kind and bank; "" when the export does not
    say) and ``blacklisted`` (how many of its users carry a standing fraud label)."""
    hubs = list(hubs)
    if not hubs:
        return {}
    info: dict[str, dict[str, Any]] = {f"{h.type}:{h.id}": {"detail": "", "blacklisted": 0}
                                       for h in hubs}
    for kind, columns in (("device", ("model", "os")),
                          ("payment_account", ("kind", "bank"))):
        spec = next(k for k in IDENTIFIER_KINDS if k.entity_type == kind)
        table = dataset.tables.get(spec.table)
        ids = {h.id for h in hubs if h.type == kind}
        if table is None or not ids:
            continue
        rows = table.loc[table[spec.key].isin(ids)]
        for row in rows.itertuples(index=False):
            parts = [cell_text(getattr(row, c, None)) for c in columns]
            info[f"{kind}:{getattr(row, spec.key)}"]["detail"] = " · ".join(p for p in parts
                                                                           if p)
    labels = dataset.tables.get("labels")
    if labels is None or labels.empty:
        return info
    bad = labels.loc[labels["label"] == "fraud"]
    for actor, actor_col, ident, ident_col, table in _links(dataset):
        ids = {h.id for h in hubs if h.type == ident}
        fraud_ids = set(bad.loc[bad["entity_type"] == actor, "entity_id"])
        if not ids or not fraud_ids:
            continue
        rows = table.loc[table[actor_col].isin(fraud_ids)]  # few: then their hubs
        rows = rows.loc[rows[ident_col].isin(ids)]
        for ident_id, count in rows[ident_col].value_counts().items():
            info[f"{ident}:{ident_id}"]["blacklisted"] += int(count)
    return info


def cell_text(value: Any) -> str:
    """A table cell as text; "" for a missing one (None, NaN, pandas' NA)."""
    return "" if _missing(value) else str(value)


def _missing(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    try:
        return bool(value != value)  # NaN-like
    except (TypeError, ValueError):  # pandas' NA refuses to be a bool
        return True
