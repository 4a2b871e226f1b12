"""One run's result, typed: :class:`RunReport`, and its one serialisation, rings.json.

Every writer consumes a :class:`RunReport`: rings.json (:meth:`RunReport.to_json`),
rings.csv, report.html and the check index (:func:`graphfraud.report.write_reports`),
the Neo4j write-back (:func:`graphfraud.store.rings.write_rings`), the ring diff of the
next run (:func:`graphfraud.score.diff.carry_over`) and the batch's alerts
(:func:`graphfraud.batch.alerts.decide_alerts`). :func:`build_run_report` makes it from
a scan's result and the run info; :func:`read_run_report` reads a rings.json written
earlier (``scan --previous``, the batch's previous run) and checks it against the
contract (docs/report.md) before anything uses it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from graphfraud.errors import InputError
from graphfraud.graph.projection import Hub
from graphfraud.model import ACTOR_KINDS, ENTITY_KINDS, IDENTIFIER_KINDS, Pattern, Risk
from graphfraud.score.diff import Changes
from graphfraud.score.rings import Member, Ring, Shared

if TYPE_CHECKING:
    from graphfraud.pipeline import ScanResult

SCHEMA_VERSION = "1"
#: Lists and objects nest 5 deep in a valid rings.json (``rings[i].members[j]``,
#: ``changes.changed.<ring>.added``); anything far deeper is refused before it is used.
MAX_DEPTH = 16
HUB_ACTIONS = ("dropped", "down-weighted")

T = TypeVar("T")


@dataclass(frozen=True)
class RunInfo:
    """Where the data came from and how the run went before detection."""

    source: str
    rows: int = 0
    rejected_rows: int = 0
    generated_at: datetime | None = None
    #: Seconds spent reading the input (listed as ``read`` in ``summary.seconds``).
    read_seconds: float | None = None


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

    @property
    def generated_at_text(self) -> str:
        """``generated_at`` as rings.json writes it (ISO 8601, ``Z`` for UTC)."""
        return self.generated_at.isoformat().replace("+00:00", "Z")

    def to_json(self) -> str:
        """The rings.json text: one top-level key per line, one ring (or hub) per line.

        Readable and diffable like an indented document, but every line is encoded by
        the C JSON encoder (``indent`` forces the pure-Python one, seconds at a million
        merchants).
        """
        document: dict[str, Any] = {
            "schema_version": self.schema_version,
            "run_id": self.run_id,
            "generated_at": self.generated_at_text,
            "source": self.source,
            "params": self.params,
            "summary": self.summary,
            "rings": [_ring_document(r) for r in self.rings],
            "hubs": [{"type": h.type, "id": h.id, "actors": h.actors, "action": h.action}
                     for h in self.hubs],
        }
        if self.changes is not None:
            document["changes"] = self.changes.as_dict()

        def dump(value: object) -> str:
            return json.dumps(value, ensure_ascii=False)

        parts = []
        for key, value in document.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                body = ",\n  ".join(dump(v) for v in value)
                parts.append(f"{dump(key)}: [\n  {body}\n ]")
            else:
                parts.append(f"{dump(key)}: {dump(value)}")
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
        except _Invalid as e:
            raise InputError(f"{name}: not a valid rings.json: {e}", file=name) from None


def _ring_document(r: Ring) -> dict[str, Any]:
    return {
        "ring_id": r.ring_id,
        "score": r.score,
        "risk": r.risk,
        "pattern": r.pattern,
        # explicit dicts: dataclasses.asdict deep-copies, seconds over big farms
        "members": [{"type": m.type, "id": m.id, "score": m.score} for m in r.members],
        "shared": [{"type": s.type, "id": s.id, "members": s.members} for s in r.shared],
        "evidence": list(r.evidence),
        "known_fraud": r.known_fraud,
        "known_legit": r.known_legit,
    }


def build_run_report(result: ScanResult, info: RunInfo) -> RunReport:
    """The report of one scan: its result plus where the data came from."""
    generated_at = (info.generated_at or datetime.now(UTC)).astimezone(UTC).replace(
        microsecond=0)
    seconds = dict(result.timings)
    if info.read_seconds is not None:
        seconds["read"] = info.read_seconds
    summary: dict[str, Any] = dict(result.counts)
    summary.update(rows=info.rows, rejected_rows=info.rejected_rows, seconds=seconds)
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


# -- checking a rings.json against the contract ------------------------------------------

class _Invalid(Exception):
    """What is wrong with a document, and where."""


def _parse(text: str) -> RunReport:
    try:
        document = json.loads(text)
    except RecursionError:
        raise _Invalid("nested too deeply") from None
    except json.JSONDecodeError as e:
        raise _Invalid(f"not JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except ValueError as e:  # e.g. an integer with more digits than Python converts
        raise _Invalid(f"not JSON ({e})") from None
    if _too_deep(document):
        raise _Invalid(f"nested too deeply (more than {MAX_DEPTH} levels)")
    if not isinstance(document, dict):
        raise _Invalid(f"expected an object, got {_kind(document)}")
    if "schema_version" not in document:
        raise _Invalid("missing field 'schema_version'")
    version = document["schema_version"]
    if version != SCHEMA_VERSION:
        raise _Invalid(f"schema_version {version!r} is not supported (this graphfraud "
                       f"reads {SCHEMA_VERSION!r})")
    doc = _object(document, (), ("schema_version", "run_id", "generated_at", "source",
                                 "params", "summary", "rings"), ("hubs", "changes"))
    return RunReport(
        run_id=_text(doc["run_id"], ("run_id",)),
        generated_at=_time(doc["generated_at"], ("generated_at",)),
        source=_string(doc["source"], ("source",)),
        params=_object(doc["params"], ("params",)),
        summary=_object(doc["summary"], ("summary",)),
        rings=_items(doc["rings"], ("rings",), _ring),
        hubs=_items(doc.get("hubs", []), ("hubs",), _hub),
        changes=_changes(doc["changes"], ("changes",)) if "changes" in doc else None,
    )


Where = tuple[str | int, ...]
_RING_FIELDS = ("ring_id", "score", "risk", "pattern", "members", "shared", "evidence",
                "known_fraud", "known_legit")
_ACTOR_TYPES = tuple(k.entity_type for k in ACTOR_KINDS)
_IDENTIFIER_TYPES = tuple(k.entity_type for k in IDENTIFIER_KINDS)


def _ring(value: Any, where: Where) -> Ring:
    obj = _object(value, where, _RING_FIELDS)
    return Ring(
        ring_id=_text(obj["ring_id"], (*where, "ring_id")),
        score=_score(obj["score"], (*where, "score")),
        risk=Risk(_choice(obj["risk"], (*where, "risk"), tuple(Risk))),
        pattern=Pattern(_choice(obj["pattern"], (*where, "pattern"), tuple(Pattern))),
        members=_items(obj["members"], (*where, "members"), _member),
        shared=_items(obj["shared"], (*where, "shared"), _shared),
        evidence=tuple(_strings(obj["evidence"], (*where, "evidence"))),
        known_fraud=_count(obj["known_fraud"], (*where, "known_fraud")),
        known_legit=_count(obj["known_legit"], (*where, "known_legit")),
    )


def _member(value: Any, where: Where) -> Member:
    obj = _object(value, where, tuple(f.name for f in fields(Member)))
    return Member(type=_choice(obj["type"], (*where, "type"), _ACTOR_TYPES),
                  id=_text(obj["id"], (*where, "id")),
                  score=_score(obj["score"], (*where, "score")))


def _shared(value: Any, where: Where) -> Shared:
    obj = _object(value, where, tuple(f.name for f in fields(Shared)))
    return Shared(type=_choice(obj["type"], (*where, "type"), _IDENTIFIER_TYPES),
                  id=_text(obj["id"], (*where, "id")),
                  members=_count(obj["members"], (*where, "members")))


def _hub(value: Any, where: Where) -> Hub:
    obj = _object(value, where, ("type", "id", "actors", "action"))
    return Hub(type=_choice(obj["type"], (*where, "type"), tuple(ENTITY_KINDS)),
               id=_text(obj["id"], (*where, "id")),
               actors=_count(obj["actors"], (*where, "actors")),
               action=_choice(obj["action"], (*where, "action"), HUB_ACTIONS))


def _changes(value: Any, where: Where) -> Changes:
    """Every list of changes is optional: an absent one is empty."""
    lists, maps = ("new", "unchanged", "gone"), ("grown", "shrunk", "merged", "split")
    obj = _object(value, where, (), (*lists, *maps, "changed"))
    out = Changes()
    for name in lists:
        setattr(out, name, _strings(obj.get(name, []), (*where, name)))
    for name in maps:
        ring_lists = _object(obj.get(name, {}), (*where, name))
        setattr(out, name, {key: _strings(v, (*where, name, key))
                            for key, v in ring_lists.items()})
    changed = _object(obj.get("changed", {}), (*where, "changed"))
    for key, v in changed.items():
        both = _object(v, (*where, "changed", key), ("added", "removed"))
        out.changed[key] = {side: _strings(both[side], (*where, "changed", key, side))
                            for side in ("added", "removed")}
    return out


def _object(value: Any, where: Where, required: tuple[str, ...] | None = None,
            optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """``value`` as an object; with ``required``, only those keys and ``optional``."""
    if not isinstance(value, dict):
        raise _Invalid(f"{_at(where)}expected an object, got {_kind(value)}")
    if required is not None:
        for key in required:
            if key not in value:
                raise _Invalid(f"{_at(where)}missing field {key!r}")
        for key in value:
            if key not in required and key not in optional:
                raise _Invalid(f"{_at(where)}unknown field {key!r}")
    return value


def _items(value: Any, where: Where, item: Callable[[Any, Where], T]) -> tuple[T, ...]:
    if not isinstance(value, list):
        raise _Invalid(f"{_at(where)}expected a list, got {_kind(value)}")
    return tuple(item(v, (*where, i)) for i, v in enumerate(value))


def _string(value: Any, where: Where) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"{_at(where)}expected a string, got {_kind(value)}")
    return value


def _strings(value: Any, where: Where) -> list[str]:
    return list(_items(value, where, _string))


def _text(value: Any, where: Where) -> str:
    """A non-empty string (an id)."""
    if not _string(value, where):
        raise _Invalid(f"{_at(where)}is empty")
    return str(value)


def _choice(value: Any, where: Where, allowed: tuple[str, ...]) -> str:
    if _string(value, where) not in allowed:
        raise _Invalid(f"{_at(where)}{value!r} is not one of "
                       f"{', '.join(str(a) for a in allowed)}")
    return str(value)


def _score(value: Any, where: Where) -> float:
    """A number from 0 to 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"{_at(where)}expected a number, got {_kind(value)}")
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise _Invalid(f"{_at(where)}{value!r} is not a score from 0 to 1")
    return float(value)


def _count(value: Any, where: Where) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"{_at(where)}expected a whole number, got {_kind(value)}")
    if value < 0:
        raise _Invalid(f"{_at(where)}{value} is negative")
    return value


def _time(value: Any, where: Where) -> datetime:
    try:
        return datetime.fromisoformat(_string(value, where))
    except ValueError:
        raise _Invalid(f"{_at(where)}{value!r} is not an ISO 8601 time") from None


def _at(where: Where) -> str:
    """``rings[3].members[0].score: `` (nothing at the top level)."""
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return f"{text}: " if text else ""


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return "a string" if len(value) > 40 else f"the string {value!r}"
    return "a list" if isinstance(value, list) else "an object"


def _too_deep(document: Any) -> bool:
    """Whether lists and objects nest more than :data:`MAX_DEPTH` levels (no recursion)."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else \
            value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
