"""What the export says about each actor, aligned with the actor graph's index
(:class:`ActorFacts`), and the whole graph's figures a ring is compared with
(:class:`FactsContext`): registration, statuses, behaviour signals, verdicts."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from graphfraud.graph.projection import ACTOR_TYPES, IDENTIFIER_TYPES

if TYPE_CHECKING:
    from graphfraud.graph.projection import ActorGraph
    from graphfraud.loaders.dataset import Dataset

#: A shop with at least this many orders counts toward the platform's median refund and
#: complaint rates (a shop with three orders and one refund says little).
ACTIVE_MIN_ORDERS = 10


@dataclass
class ActorFacts:
    """Per-actor facts aligned with the actor graph's index."""

    registered_days: np.ndarray  # days since epoch, NaN when unknown
    banned: np.ndarray  # bool
    orders: np.ndarray  # float, NaN when unknown
    refunds: np.ndarray
    complaints: np.ndarray
    violations: np.ndarray
    verdict: np.ndarray  # +1 fraud, -1 legit, 0 none
    touches_fraud_identifier: np.ndarray  # bool
    promoted: Any  # scipy csr matrix: streamer -> merchant promotion presence
    as_of_days: float
    platform_refund_rate: float
    platform_complaint_rate: float
    platform_violations: float
    #: Actor degree histogram (identifiers used: distinct values and their counts) and
    #: all uses, for the chance model of co-use.
    degree_values: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    degree_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    total_uses: int = 0
    #: Per actor: its label is an analyst's verdict (source ``analyst:NAME``), not an
    #: independent blacklist or investigator label.
    by_analyst: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    #: Per actor: its label as evidence about a ring that holds it (+1, -1, 0): its
    #: standing verdict, except that an analyst's confirmation (fraud, ``analyst:NAME``)
    #: is replaced by what the export's own labels said of it before (fraud, legit or
    #: nothing). An analyst's decision about a ring's members is not evidence about that
    #: ring; empty: the same as ``verdict``.
    evidence: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    #: When some actors are seeds of the walk from the blacklist only by an analyst's
    #: confirmation: an actor where the walk from every seed is largest, that value, and
    #: the largest value of the walk from the other seeds (raw walk values, one unit of
    #: restart per seed): the closeness to the blacklist is measured on the latter's
    #: scale, so that a confirmation adds closeness to its neighbours without shrinking
    #: everyone else's (:func:`graphfraud.score.signals.Proximity`). None otherwise.
    walk_scale: tuple[int, float, float] | None = None
    #: identifiers x actors (the incidence transposed), for who else uses a block.
    users_of: sp.csr_matrix | None = None
    #: Share of all actors blacklisted, and cleared.
    fraud_rate: float = 0.0
    legit_rate: float = 0.0
    #: Per actor: a shop suspended or banned by the platform; and the share of the
    #: shops with a known status that are (NaN without statuses).
    sanctioned: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    status_known: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    sanctioned_rate: float = math.nan
    #: Per actor: it uses a blacklisted identifier that is not a dropped hub.
    touches_kept_fraud_identifier: np.ndarray = field(
        default_factory=lambda: np.zeros(0, bool))
    #: Per actor: the row in ``organizations`` of the declared, verified organisation
    #: it belongs to (-1 for none; the first declared when several), and per row its
    #: (id, name, kind).
    organization: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    organizations: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class FactsContext:
    """The whole graph's figures that scoring compares a ring with, for scoring a part
    of the graph (whole components of it) as the whole would be scored."""

    degree_values: tuple[int, ...]
    degree_counts: tuple[int, ...]
    total_uses: int
    fraud_rate: float
    legit_rate: float
    as_of_days: float
    platform_refund_rate: float
    platform_complaint_rate: float
    platform_violations: float
    sanctioned_rate: float = math.nan

    @classmethod
    def of(cls, facts: ActorFacts) -> FactsContext:
        return cls(tuple(int(x) for x in facts.degree_values),
                   tuple(int(x) for x in facts.degree_counts), facts.total_uses,
                   facts.fraud_rate, facts.legit_rate, facts.as_of_days,
                   facts.platform_refund_rate, facts.platform_complaint_rate,
                   facts.platform_violations, facts.sanctioned_rate)


def actor_facts(graph: ActorGraph, dataset: Dataset,
                context: FactsContext | None = None) -> ActorFacts:
    """Gather registration, status, signals and verdicts per actor (vectorised).
    ``context``: the whole graph's figures when ``graph`` is a part of it."""
    import pandas as pd
    import scipy.sparse as sp

    t = dataset.tables
    n = graph.n_actors
    located: dict[tuple[str, str], np.ndarray] = {}  # one id lookup per table, not per column

    def rows_of(frame: pd.DataFrame, kind: str, id_col: str, table: str) -> np.ndarray:
        if (table, id_col) not in located:
            located[(table, id_col)] = graph.positions(kind, frame[id_col])
        return located[(table, id_col)]

    def aligned(frame: pd.DataFrame, kind: str, id_col: str, col: str,
                table: str = "") -> np.ndarray:
        out = np.full(n, np.nan)
        if frame is None or frame.empty or col not in frame:
            return out
        pos = rows_of(frame, kind, id_col, table or kind)
        values = frame[col]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            numeric = values.dt.tz_convert(None).to_numpy(dtype="datetime64[s]")
            as_days = numeric.astype("float64") / 86400.0
            as_days[np.isnat(numeric)] = np.nan
        else:
            as_days = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
        ok = pos >= 0
        out[pos[ok]] = as_days[ok]
        return out

    merchants = t["merchants"]
    registered = aligned(merchants, "merchant", "merchant_id", "registered_at", "merchants")
    if "streamers" in t:
        streamer_reg = aligned(t["streamers"], "streamer", "streamer_id", "registered_at")
        registered = np.where(np.isnan(registered), streamer_reg, registered)
    banned, sanctioned, status_known, sanctioned_rate = _statuses(
        merchants, rows_of(merchants, "merchant", "merchant_id", "merchants"), n)
    signals = t.get("merchant_signals")
    sig = {c: aligned(signals, "merchant", "merchant_id", c, "merchant_signals")
           if signals is not None
           else np.full(n, np.nan) for c in ("orders", "refunds", "complaints", "violations")}
    verdict, by_analyst, touches, touches_kept = _verdicts(graph, t.get("labels"))
    evidence = _evidence(graph, t.get("labels"), dataset.label_history, verdict, by_analyst)
    all_dates = registered[~np.isnan(registered)]
    as_of = float(all_dates.max()) if len(all_dates) else 0.0
    orders = sig["orders"]
    active = orders >= ACTIVE_MIN_ORDERS
    degree_values, degree_counts = np.unique(np.diff(graph.incidence.indptr),
                                             return_counts=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        refund_rate = float(np.nanmedian(sig["refunds"][active] / orders[active])) \
            if active.any() else math.nan
        complaint_rate = float(np.nanmedian(sig["complaints"][active] / orders[active])) \
            if active.any() else math.nan
    facts = ActorFacts(
        registered_days=registered, banned=banned, orders=orders, refunds=sig["refunds"],
        complaints=sig["complaints"], violations=sig["violations"], verdict=verdict,
        touches_fraud_identifier=touches, touches_kept_fraud_identifier=touches_kept,
        promoted=(graph.promotions > 0).astype(np.int8) if graph.promotions.nnz
        else sp.csr_matrix((n, n)),
        as_of_days=as_of, platform_refund_rate=refund_rate,
        platform_complaint_rate=complaint_rate,
        platform_violations=float(np.nanmean(sig["violations"])) if np.isfinite(
            sig["violations"]).any() else math.nan,
        degree_values=degree_values.astype(np.int64),
        degree_counts=degree_counts.astype(np.int64),
        total_uses=int(graph.incidence.nnz),
        by_analyst=by_analyst, evidence=evidence,
        users_of=graph.incidence.T.tocsr(),
        fraud_rate=float((verdict > 0).mean()) if n else 0.0,
        legit_rate=float((verdict < 0).mean()) if n else 0.0,
        sanctioned=sanctioned, status_known=status_known, sanctioned_rate=sanctioned_rate,
    )
    facts.organization, facts.organizations = _organizations(graph, t)
    facts.walk_scale = _walk_scale(graph, facts)
    return facts if context is None else _in_context(facts, context)


def _organizations(graph: ActorGraph, tables: dict[str, Any]
                   ) -> tuple[np.ndarray, tuple[tuple[str, str, str], ...]]:
    """Per actor, the declared and verified organisation it belongs to (see
    :attr:`ActorFacts.organization`); none without organizations.csv."""
    out = np.full(graph.n_actors, -1, dtype=np.int64)
    orgs, members = tables.get("organizations"), tables.get("organization_members")
    if orgs is None or members is None or orgs.empty or members.empty:
        return out, ()
    verified = orgs["verified"].astype("string").str.strip().str.lower().eq("true") \
        .fillna(False) if "verified" in orgs else None
    if verified is None or not verified.any():
        return out, ()
    orgs = orgs[verified.to_numpy(dtype=bool)].reset_index(drop=True)
    row = {str(k): i for i, k in enumerate(orgs["organization_id"].astype(str))}

    def text(col: str) -> list[str]:
        return orgs[col].astype("string").fillna("").astype(str).tolist() if col in orgs \
            else [""] * len(orgs)

    which = members["organization_id"].astype(str).map(row)
    member_type = members["entity_type"].astype("string").str.strip().str.lower()
    for kind in ACTOR_TYPES:
        part = ((member_type == kind).fillna(False) & which.notna()).to_numpy(dtype=bool)
        pos = graph.positions(kind, members.loc[part, "entity_id"])
        rows = which[part].to_numpy(dtype=np.int64)
        ok = pos >= 0
        first = out[pos[ok]] < 0  # the first declared stands
        out[pos[ok][first][::-1]] = rows[ok][first][::-1]
    listed = tuple(zip(orgs["organization_id"].astype(str).tolist(), text("name"),
                       text("kind"), strict=True))
    return out, listed


def _verdicts(graph: ActorGraph, labels: Any
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per actor: its standing verdict (+1 fraud, -1 legit, 0 none), whether that is an
    analyst's, whether it uses a blacklisted identifier, and whether one that is not a
    dropped hub (a blacklisted payment aggregator says little of its 800 users)."""
    n = graph.n_actors
    verdict = np.zeros(n, dtype=np.int8)
    by_analyst = np.zeros(n, dtype=bool)
    touches = np.zeros(n, dtype=bool)
    touches_kept = np.zeros(n, dtype=bool)
    if labels is None or labels.empty:
        return verdict, by_analyst, touches, touches_kept
    value = np.where(labels["label"] == "fraud", 1, -1)
    analyst = labels["source"].astype("string").str.startswith("analyst:").fillna(
        False).to_numpy(dtype=bool) if "source" in labels else np.zeros(len(labels), bool)
    for kind in ACTOR_TYPES:
        part = (labels["entity_type"] == kind).fillna(False).to_numpy()
        p = graph.positions(kind, labels.loc[part, "entity_id"])
        ok = p >= 0
        verdict[p[ok]] = value[part][ok]
        by_analyst[p[ok]] = analyst[part][ok]
    fraud = (labels["label"] == "fraud").fillna(False).to_numpy()
    found = []
    for kind in IDENTIFIER_TYPES:
        part = fraud & (labels["entity_type"] == kind).fillna(False).to_numpy()
        found.append(graph.positions(kind, labels.loc[part, "entity_id"]))
    cols = np.concatenate(found)
    cols = cols[cols >= 0]
    if len(cols):
        used = np.asarray(graph.incidence[:, cols].sum(axis=1)).ravel()
        touches = used > 0
        kept = cols[~graph.identifier_dropped[cols]]
        if len(kept):
            touches_kept = np.asarray(graph.incidence[:, kept].sum(axis=1)).ravel() > 0
    return verdict, by_analyst, touches, touches_kept


def _evidence(graph: ActorGraph, labels: Any, history: Any, verdict: np.ndarray,
              by_analyst: np.ndarray) -> np.ndarray:
    """Per actor, its label as evidence about a ring that holds it
    (:attr:`ActorFacts.evidence`). What the export said before an analyst's
    confirmation: the ``export_label`` column of a labels table read from Neo4j, else
    the latest row of the export's label history (``Dataset.label_history``: every row
    of labels.csv, ranked as the loader ranks them) whose source is not an analyst's."""
    evidence = verdict.copy()
    confirmed = by_analyst & (verdict > 0)
    if not confirmed.any():
        return evidence
    evidence[confirmed] = 0
    before = _export_labels(labels, history)
    if before is None or before.empty:
        return evidence
    value = np.where(before["label"].astype("string").eq("fraud").fillna(False), 1,
                     np.where(before["label"].astype("string").eq("legit").fillna(False),
                              -1, 0)).astype(np.int8)
    kinds = before["entity_type"].astype("string")
    for kind in ACTOR_TYPES:
        part = kinds.eq(kind).fillna(False).to_numpy(dtype=bool)
        pos = graph.positions(kind, before.loc[part, "entity_id"])
        ok = pos >= 0
        pos, values = pos[ok], value[part][ok]
        keep = confirmed[pos]
        evidence[pos[keep]] = values[keep]
    return evidence


def only_confirmed(facts: ActorFacts) -> np.ndarray:
    """Per actor: a seed of the walk from the blacklist only because an analyst
    confirmed it (fraud by an analyst, not by the export, on no blacklisted identifier)."""
    if not len(facts.evidence):
        return np.zeros(len(facts.verdict), bool)
    return (facts.verdict > 0) & (facts.evidence <= 0) & ~facts.touches_fraud_identifier


def _walk_scale(graph: ActorGraph, facts: ActorFacts) -> tuple[int, float, float] | None:
    """:attr:`ActorFacts.walk_scale` (two walks over the graph, only when analysts have
    confirmed actors)."""
    from graphfraud.detect.seeds import personalized_pagerank

    confirmed = only_confirmed(facts)
    if not confirmed.any():
        return None
    seeds = (facts.verdict > 0) | facts.touches_fraud_identifier
    every = personalized_pagerank(graph.linked, np.flatnonzero(seeds), top=1.0)
    others = personalized_pagerank(graph.linked, np.flatnonzero(seeds & ~confirmed), top=1.0)
    probe = int(np.argmax(every))
    return probe, float(every[probe]), float(others.max()) if len(others) else 0.0


def _export_labels(labels: Any, history: Any) -> Any:
    """The export's own standing label per entity (entity_type, entity_id, label), or
    None when there is no way to know it."""
    import pandas as pd

    if labels is not None and "export_label" in labels:
        rows = labels.loc[labels["export_label"].notna(),
                          ["entity_type", "entity_id", "export_label"]]
        return rows.rename(columns={"export_label": "label"})
    if history is None or history.empty or "source" not in history:
        return None
    analyst = history["source"].astype("string").str.startswith("analyst:").fillna(False)
    rows = history.loc[~analyst.to_numpy(dtype=bool)]
    stamp = pd.to_datetime(rows["labeled_at"], errors="coerce", utc=True) \
        if "labeled_at" in rows \
        else pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns, UTC]")
    ranked = rows.assign(_d=stamp.notna().to_numpy(),
                         _a=stamp.fillna(pd.Timestamp(0, tz="UTC")).to_numpy(),
                         _l=np.arange(len(rows))).sort_values(["_d", "_a", "_l"], kind="stable")
    latest = ranked.drop_duplicates(subset=["entity_type", "entity_id"], keep="last")
    return latest[["entity_type", "entity_id", "label"]]


def _statuses(merchants: Any, pos: np.ndarray, n: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Per actor (``pos``: each merchant row's actor index, -1 for none): banned,
    suspended or banned, and with a known status; and the share of those with a status
    that are suspended or banned (NaN without statuses)."""
    import pandas as pd

    known = pos >= 0
    status = merchants["status"] if "status" in merchants else pd.Series(
        pd.NA, index=merchants.index, dtype="string")
    out = []
    for flag in (status == "banned", status.isin(["suspended", "banned"]), status.notna()):
        values = np.zeros(n, dtype=bool)
        values[pos[known]] = flag.fillna(False).to_numpy(dtype=bool)[known]
        out.append(values)
    rate = float(out[1].sum() / out[2].sum()) if out[2].any() else math.nan
    return out[0], out[1], out[2], rate


def _in_context(facts: ActorFacts, context: FactsContext) -> ActorFacts:
    """A part's facts with the whole graph's figures."""
    return replace(
        facts, degree_values=np.asarray(context.degree_values, dtype=np.int64),
        degree_counts=np.asarray(context.degree_counts, dtype=np.int64),
        total_uses=context.total_uses, fraud_rate=context.fraud_rate,
        legit_rate=context.legit_rate, as_of_days=context.as_of_days,
        platform_refund_rate=context.platform_refund_rate,
        platform_complaint_rate=context.platform_complaint_rate,
        platform_violations=context.platform_violations,
        sanctioned_rate=context.sanctioned_rate)

