"""One run's result, typed: :class:`RunReport`, and its one serialisation, rings.json.

Every writer consumes a :class:`RunReport`: rings.json (:meth:`RunReport.to_json`),
rings.csv, report.html and the check index (:func:`graphfraud.report.write_reports`),
the Neo4j write-back (:func:`graphfraud.store.rings.write_rings`), the ring diff of the
next run (:func:`graphfraud.score.diff.carry_over`) and the batch's alerts
(:func:`graphfraud.batch.alerts.decide_alerts`). :func:`build_run_report` makes it from
a scan's result and the run info; :func:`read_run_report` reads a rings.json written
earlier (``scan --previous``, the batch's previous run) and checks it against the
contract (docs/report.md) before anything uses it. A ring's fields, how each is written
and checked, are declared in :mod:`graphfraud.report.fields`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from graphfraud.errors import InputError
from graphfraud.graph.projection import Hub
from graphfraud.model import ENTITY_KINDS
from graphfraud.report.fields import (
    RING,
    Invalid,
    Where,
    at,
    checked_choice,
    checked_count,
    checked_items,
    checked_object,
    checked_string,
    checked_strings,
    checked_text,
    kind,
)
from graphfraud.score.diff import Changes
from graphfraud.score.rings import Ring

if TYPE_CHECKING:
    from graphfraud.pipeline import ScanResult

#: The rings.json schema this version writes. 2 added the rings' ``reasons``.
SCHEMA_VERSION = "2"
#: The schemas it reads (a schema-1 ring has no reasons: it reads with none).
READ_VERSIONS = ("2", "1")
#: Lists and objects nest 5 deep in a valid rings.json (``rings[i].members[j]``,
#: ``changes.changed.<ring>.added``); anything far deeper is refused before it is used.
MAX_DEPTH = 16
HUB_ACTIONS = ("dropped", "down-weighted")
#: A ring id graphfraud makes (:func:`graphfraud.score.rings.ring_identity`): ``R-`` and
#: the first 12 hex digits of a SHA-1.
RING_ID = re.compile(r"R-[0-9a-f]{12}")


@dataclass(frozen=True)
class RunInfo:
    """Where the data came from and how the run went before detection."""

    source: str
    rows: int = 0
    rejected_rows: int = 0
    generated_at: datetime | None = None
    #: Seconds spent reading the input (listed as ``read`` in ``summary.seconds``).
    read_seconds: float | None = None
    #: Where the graph stages ran (``summary.engine``): ``embedded`` or ``spark``.
    engine: str = "embedded"
    #: What that engine measured, written as ``summary.<engine>`` (for Spark:
    #: :meth:`graphfraud.spark.engine.SparkRun.as_summary`); None writes nothing.
    engine_figures: dict[str, Any] | None = None


@dataclass(frozen=True)
class RunReport:
    """One run's rings, hubs and changes, with what identifies and shaped the run.

    ``params`` holds every knob of the scan (the seed included); ``summary`` the counts,
    input rows and stage times. ``index`` is the onboarding-check table of the run
    (written beside the report as check-index.parquet), not part of rings.json; the
    rings' ``features`` and ``usage`` (for report.html) are not either, so a report
    read back from rings.json equals the one written.
    """

    schema_version: ClassVar[str] = SCHEMA_VERSION

    run_id: str
    generated_at: datetime
    source: str
    params: dict[str, Any]
    summary: dict[str, Any]
    rings: tuple[Ring, ...]
    hubs: tuple[Hub, ...] = ()
    changes: Changes | None = None
    index: Any = field(default=None, compare=False, repr=False)
    #: What the export says about each ring member, by ``type:id``: name, status,
    #: registration date, standing label and its source, and what ties it to the
    #: blacklist (:func:`graphfraud.report.context.ring_actors`). Shown in report.html
    #: and rings.csv, never written into rings.json (a report read back from it has
    #: none).
    actors: dict[str, dict[str, str]] | None = field(default=None, compare=False,
                                                      repr=False)
    #: An analyst's latest decision about a ring, by ring id: ``decision`` (confirm or
    #: dismiss) and ``at``; from Neo4j (``batch``, ``scan --neo4j``). Shown in report.html
    #: only, never written into rings.json.
    decisions: dict[str, dict[str, str]] | None = field(default=None, compare=False,
                                                         repr=False)
    #: What each ring sells, by ring id (``orders``, ``gmv``), and what each hub is, by
    #: ``type:id`` (``detail``, ``blacklisted``): :mod:`graphfraud.report.context`.
    #: Shown in report.html only, never written into rings.json.
    exposure: dict[str, dict[str, float]] | None = field(default=None, compare=False,
                                                          repr=False)
    #: Neo4j Browser's address and the database holding this run's rings (``batch``,
    #: ``scan --neo4j``): report.html links each ring to a query that draws it there.
    browser: tuple[str, str] | None = field(default=None, compare=False, repr=False)
    hub_info: dict[str, dict[str, Any]] | None = field(default=None, compare=False,
                                                        repr=False)
    #: The batch's alerts of this run, by ring id (``reason``, as alerts.json says it,
    #: and ``new_members``, how many): :func:`alerts_of`. None for a run that decides no
    #: alerts (``scan``); report.html shows them and never folds an alerted ring away.
    #: Never written into rings.json.
    alerts: dict[str, dict[str, Any]] | None = field(default=None, compare=False,
                                                      repr=False)

    @property
    def generated_at_text(self) -> str:
        """``generated_at`` as rings.json writes it (ISO 8601, ``Z`` for UTC)."""
        return self.generated_at.isoformat().replace("+00:00", "Z")

    def to_json(self) -> str:
        """The rings.json text: one top-level key per line, one ring (or hub) per line.

        Readable and diffable like an indented document, but every line is encoded by
        the C JSON encoder (``indent`` forces the pure-Python one, seconds at a million
        merchants), and each ring's object is made as its line is written (a hundred
        thousand members' objects are never all held at once).
        """
        document: dict[str, Any] = {
            "schema_version": self.schema_version,
            "run_id": self.run_id,
            "generated_at": self.generated_at_text,
            "source": self.source,
            "params": self.params,
            "summary": self.summary,
            "rings": map(RING.write, self.rings),
            "hubs": [{"type": h.type, "id": h.id, "actors": h.actors, "action": h.action}
                     for h in self.hubs],
        }
        if self.changes is not None:
            document["changes"] = self.changes.as_dict()
        parts = []
        for key, value in document.items():
            if isinstance(value, map) or (isinstance(value, list) and value
                                          and all(isinstance(v, dict) for v in value)):
                body = ",\n  ".join(map(_dump, value))
                parts.append(f"{_dump(key)}: [\n  {body}\n ]" if body else f"{_dump(key)}: []")
            else:
                parts.append(f"{_dump(key)}: {_dump(value)}")
        return "{\n " + ",\n ".join(parts) + "\n}\n"

    @classmethod
    def from_json(cls, text: str, *, name: str = "rings.json") -> RunReport:
        """Parse and check a rings.json text (``name`` is used in error messages).

        Raises
        ------
        InputError
            If the text is not JSON, is nested too deeply, has an unknown
            ``schema_version``, or lacks a field, has an unknown one or one of the
            wrong type or value. The message is one line naming ``name`` and the
            place in the document.
        """
        try:
            return _parse(text)
        except Invalid as e:
            raise InputError(f"{name}: not a valid rings.json: {e}", file=name) from None


#: ``json.dumps(value, ensure_ascii=False)``, with one encoder for every line.
_dump = json.JSONEncoder(ensure_ascii=False).encode


def build_run_report(result: ScanResult, info: RunInfo) -> RunReport:
    """The report of one scan: its result plus where the data came from."""
    generated_at = (info.generated_at or datetime.now(UTC)).astimezone(UTC).replace(
        microsecond=0)
    seconds = dict(result.timings)
    if info.read_seconds is not None:
        seconds["read"] = info.read_seconds
    summary: dict[str, Any] = dict(result.counts)
    summary.update(rows=info.rows, rejected_rows=info.rejected_rows, seconds=seconds,
                   engine=info.engine)
    if info.engine_figures is not None:
        summary[info.engine] = dict(info.engine_figures)
    params = result.params.as_dict()
    rings = tuple(result.rings)
    return RunReport(
        run_id=_run_id(generated_at, params, rings, info.source),
        generated_at=generated_at, source=info.source, params=params, summary=summary,
        rings=rings, hubs=tuple(result.hubs), changes=result.changes, index=result.index)


def decisions_of(verdicts: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """:attr:`RunReport.decisions` from the rings' verdicts as the store reads them.

    >>> decisions_of({"R-1": {"decision": "dismiss", "at": "2026-01-02", "members": []}})
    {'R-1': {'decision': 'dismiss', 'at': '2026-01-02'}}
    """
    return {ring_id: {"decision": str(v["decision"]), "at": str(v.get("at") or "")}
            for ring_id, v in verdicts.items() if v.get("decision")}


def alerts_of(alerts: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """:attr:`RunReport.alerts` from a run's alerts
    (:attr:`graphfraud.batch.alerts.AlertList.alerts`): each ring's reason and how many
    members joined, no member ids (a shared page shows no more than its counts).

    >>> from types import SimpleNamespace as A
    >>> alerts_of([A(ring_id="R-1", reason="ring grew", new_members=["merchant:m1"])])
    {'R-1': {'reason': 'ring grew', 'new_members': 1}}
    """
    return {a.ring_id: {"reason": str(a.reason), "new_members": len(a.new_members)}
            for a in alerts}


def _run_id(generated_at: datetime, params: dict[str, Any], rings: tuple[Ring, ...],
            source: str) -> str:
    digest = hashlib.sha1()
    digest.update(source.encode())
    digest.update(json.dumps(params, sort_keys=True).encode())
    for ring in rings:
        digest.update(ring.ring_id.encode())
    return f"{generated_at:%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:8]}"


def read_run_report(path: str | Path) -> RunReport:
    """Read and check the rings.json at ``path``.

    Raises
    ------
    InputError
        If the file cannot be read or is not a valid rings.json (see
        :meth:`RunReport.from_json`).
    """
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise InputError(f"{path}: cannot read it as a rings.json: {reason}",
                         file=str(path)) from e
    return RunReport.from_json(text, name=str(path))


def read_previous_report(path: str | Path) -> RunReport:
    """Read the rings.json of an earlier run whose ring ids a scan carries over
    (``scan --previous``, the batch's previous run): :func:`read_run_report`, and every
    ring id must be one graphfraud makes (:data:`RING_ID`), since it goes on into
    rings.json and Neo4j.

    Raises
    ------
    InputError
        If the file is not a valid rings.json, or a ring id is not graphfraud's.
    """
    report = read_run_report(path)
    for i, ring in enumerate(report.rings):
        if not RING_ID.fullmatch(ring.ring_id):
            raise InputError(f"{path}: rings[{i}].ring_id {ring.ring_id[:40]!r} is not a "
                             "ring id graphfraud makes (R- and 12 lowercase hex digits); "
                             "not carrying ids from it", file=str(path))
    return report


# -- checking a rings.json against the contract ------------------------------------------

def _parse(text: str) -> RunReport:
    try:
        document = json.loads(text)
    except RecursionError:
        raise Invalid("nested too deeply") from None
    except json.JSONDecodeError as e:
        raise Invalid(f"not JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except ValueError as e:  # e.g. an integer with more digits than Python converts
        raise Invalid(f"not JSON ({e})") from None
    if _too_deep(document):
        raise Invalid(f"nested too deeply (more than {MAX_DEPTH} levels)")
    if not isinstance(document, dict):
        raise Invalid(f"expected an object, got {kind(document)}")
    if "schema_version" not in document:
        raise Invalid("missing field 'schema_version'")
    version = document["schema_version"]
    if version not in READ_VERSIONS:
        raise Invalid(f"schema_version {version!r} is not supported (this graphfraud "
                      f"reads {' and '.join(repr(v) for v in READ_VERSIONS)})")
    doc = checked_object(document, (), ("schema_version", "run_id", "generated_at", "source",
                                        "params", "summary", "rings"), ("hubs", "changes"))
    return RunReport(
        run_id=checked_text(doc["run_id"], ("run_id",)),
        generated_at=_time(doc["generated_at"], ("generated_at",)),
        source=checked_string(doc["source"], ("source",)),
        params=checked_object(doc["params"], ("params",)),
        summary=checked_object(doc["summary"], ("summary",)),
        rings=checked_items(doc["rings"], ("rings",),
                            lambda v, w: RING.read(v, w, version)),
        hubs=checked_items(doc.get("hubs", []), ("hubs",), _hub),
        changes=_changes(doc["changes"], ("changes",)) if "changes" in doc else None,
    )


def _hub(value: Any, where: Where) -> Hub:
    obj = checked_object(value, where, ("type", "id", "actors", "action"))
    return Hub(type=checked_choice(obj["type"], (*where, "type"), tuple(ENTITY_KINDS)),
               id=checked_text(obj["id"], (*where, "id")),
               actors=checked_count(obj["actors"], (*where, "actors")),
               action=checked_choice(obj["action"], (*where, "action"), HUB_ACTIONS))


def _changes(value: Any, where: Where) -> Changes:
    """Every list of changes is optional: an absent one is empty."""
    lists, maps = ("new", "unchanged", "gone"), ("grown", "shrunk", "merged", "split")
    obj = checked_object(value, where, (), (*lists, *maps, "changed"))
    out = Changes()
    for name in lists:
        setattr(out, name, checked_strings(obj.get(name, []), (*where, name)))
    for name in maps:
        ring_lists = checked_object(obj.get(name, {}), (*where, name))
        setattr(out, name, {key: checked_strings(v, (*where, name, key))
                            for key, v in ring_lists.items()})
    changed = checked_object(obj.get("changed", {}), (*where, "changed"))
    for key, v in changed.items():
        both = checked_object(v, (*where, "changed", key), ("added", "removed"))
        out.changed[key] = {side: checked_strings(both[side], (*where, "changed", key, side))
                            for side in ("added", "removed")}
    return out


def _time(value: Any, where: Where) -> datetime:
    try:
        return datetime.fromisoformat(checked_string(value, where))
    except ValueError:
        raise Invalid(f"{at(where)}{value!r} is not an ISO 8601 time") from None


def _too_deep(document: Any) -> bool:
    """Whether lists and objects nest more than :data:`MAX_DEPTH` levels (no recursion:
    a level at a time, only the lists and objects of each)."""
    level = [document] if isinstance(document, dict | list) else []
    depth = 1
    while level:
        if depth > MAX_DEPTH:
            return True
        below: list[Any] = []
        for value in level:
            below += [v for v in (value.values() if isinstance(value, dict) else value)
                      if isinstance(v, dict | list)]
        level, depth = below, depth + 1
    return False
