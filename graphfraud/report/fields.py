"""The fields of a ring as a run's outputs carry them, each declared once.

:data:`RING` lists every field of a :class:`~graphfraud.score.rings.Ring` that leaves a
run, in output order: its name (the ``Ring`` attribute and the rings.json key), its
type, what it means and where it goes: rings.json (from the schema version named by
``since``), a rings.csv column, a rings.parquet column, a property of the ``Ring`` node
or of the run's ``FOUND`` relationship in Neo4j. A column is the field's value or one
made of it (how many, the first line). The records a ring lists are declared the same
way: :data:`MEMBER` (rings.csv has a row per member, ring_members.parquet too; Neo4j's
``HAS_MEMBER``), :data:`SHARED` (Neo4j's ``SHARES``) and :data:`REASON` (rings.json
only).

Made from these tables: rings.json's writer and its validating reader
(:mod:`graphfraud.report.run`), rings.csv's header and rows and the Parquet tables
(:mod:`graphfraud.report.writer`), the Neo4j write-back's rows
(:mod:`graphfraud.store.rings`) and the field tables of docs/report.md
(:mod:`graphfraud.report.reference`; a unit test fails when the page and this module
disagree). A new ring field is one :class:`Field` in :data:`RING` plus its value on
``Ring`` (computed by scoring, with a default for documents written before it); a field
new to rings.json names the schema version that brings it (``since``).

Regenerate the page's tables after editing (from the checkout root)::

    python -m graphfraud.report.reference --write

>>> [f.name for f in RING][:4]
['ring_id', 'score', 'risk', 'pattern']
>>> RING.read({"type": "x"}, ("rings", 0))
Traceback (most recent call last):
...
graphfraud.report.fields.Invalid: rings[0]: missing field 'ring_id'
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any, TypeVar

from graphfraud.model import ACTOR_KINDS, IDENTIFIER_KINDS, Pattern, Risk
from graphfraud.score.evidence import Reason
from graphfraud.score.rings import Member, Ring, Shared

T = TypeVar("T")
#: Where a value sits in a document: keys and list positions (``rings``, 3, ``score``).
Where = tuple[str | int, ...]


class Invalid(Exception):
    """What is wrong with a document, and where."""


# -- checking a value read from a document ------------------------------------------------

def at(where: Where) -> str:
    """``rings[3].members[0].score: `` (nothing at the top level).

    >>> at(("rings", 3, "members", 0, "score"))
    'rings[3].members[0].score: '
    """
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return f"{text}: " if text else ""


def kind(value: Any) -> str:
    """What a JSON value is, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return "a string" if len(value) > 40 else f"the string {value!r}"
    return "a list" if isinstance(value, list) else "an object"


def checked_object(value: Any, where: Where, required: tuple[str, ...] | None = None,
                   optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """``value`` as an object; with ``required``, only those keys and ``optional``."""
    if not isinstance(value, dict):
        raise Invalid(f"{at(where)}expected an object, got {kind(value)}")
    if required is not None:
        for key in required:
            if key not in value:
                raise Invalid(f"{at(where)}missing field {key!r}")
        for key in value:
            if key not in required and key not in optional:
                raise Invalid(f"{at(where)}unknown field {key!r}")
    return value


def checked_items(value: Any, where: Where, item: Callable[[Any, Where], T]
                  ) -> tuple[T, ...]:
    """``value`` as a list, each item read by ``item``."""
    if not isinstance(value, list):
        raise Invalid(f"{at(where)}expected a list, got {kind(value)}")
    return tuple(item(v, (*where, i)) for i, v in enumerate(value))


def checked_string(value: Any, where: Where) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{at(where)}expected a string, got {kind(value)}")
    return value


def checked_strings(value: Any, where: Where) -> list[str]:
    return list(checked_items(value, where, checked_string))


def checked_text(value: Any, where: Where) -> str:
    """A non-empty string (an id)."""
    if not checked_string(value, where):
        raise Invalid(f"{at(where)}is empty")
    return str(value)


def checked_choice(value: Any, where: Where, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if checked_string(value, where) not in allowed:
        raise Invalid(f"{at(where)}{value!r} is not one of "
                      f"{', '.join(str(a) for a in allowed)}")
    return str(value)


def checked_score(value: Any, where: Where) -> float:
    """A number from 0 to 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"{at(where)}expected a number, got {kind(value)}")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        raise Invalid(f"{at(where)}a whole number of {len(str(abs(value)))} digits is not "
                      "a score from 0 to 1") from None
    if not (finite and 0 <= value <= 1):
        raise Invalid(f"{at(where)}{value!r} is not a score from 0 to 1")
    return float(value)


def checked_count(value: Any, where: Where) -> int:
    """A whole number, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{at(where)}expected a whole number, got {kind(value)}")
    if value < 0:
        raise Invalid(f"{at(where)}{value} is negative")
    return value


def checked_values(value: Any, where: Where) -> dict[str, int | float | str]:
    """An object whose values are numbers or strings (a reason's values)."""
    for key, v in checked_object(value, where).items():
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            raise Invalid(f"{at((*where, key))}expected a number or a string, got {kind(v)}")
    return dict(value)


class _Refused(Exception):
    """A value the quick reading does not take (read it the checked way)."""


def _quick_text(value: Any) -> str:
    if isinstance(value, str) and value:
        return str(value)
    raise _Refused


def _quick_score(value: Any) -> float:
    if (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and 0 <= value <= 1):
        return float(value)
    raise _Refused


def _quick_count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise _Refused


def _quick_strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _Refused


def _quick_values(value: Any) -> dict[str, int | float | str]:
    if isinstance(value, dict) and all(
            isinstance(v, str) or (isinstance(v, int | float) and not isinstance(v, bool))
            for v in value.values()):
        return dict(value)
    raise _Refused


# -- the declarations' vocabulary ---------------------------------------------------------

def plain(value: Any) -> Any:
    """A value as a Parquet cell or a Neo4j property holds it: an enum as its text, a
    tuple as a list, anything else as it is.

    >>> plain(Risk.HIGH), plain(("a", "b")), plain(0.5)
    ('high', ['a', 'b'], 0.5)
    """
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


@dataclass(frozen=True)
class FieldType:
    """What a field holds: its name on the docs page, how a rings.json value of it is
    checked and read (``read(value, where)``, raising :class:`Invalid`), how a ring's
    value is written into rings.json (``write``; None: as it is) and its Arrow type in a
    Parquet column (``double``, ``list<string>``; "" where it has none). A list of
    records (members, ...) names their :class:`Record`."""

    name: str
    read: Callable[[Any, Where], Any]
    write: Callable[[Any], Any] | None = None
    arrow: str = ""
    record: Record | None = None
    #: ``quick(value)``: what ``read`` returns for a value it takes, found without
    #: naming where the value sits; it raises (anything) for every value ``read``
    #: refuses, and may for others. None: a record list (its record's quick reading).
    quick: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Column:
    """A rings.csv column, a Parquet column or a Neo4j property made of a field: its
    name, and its value made of the field's by ``of`` (None: the value itself), with its
    Arrow type then (""; the field type's) and a word for the docs (``how many``)."""

    name: str
    of: Callable[[Any], Any] | None = None
    arrow: str = ""
    doc: str = ""

    def value(self, field_value: Any) -> Any:
        return field_value if self.of is None else self.of(field_value)


def how_many(name: str) -> Column:
    """A column holding the length of a list field."""
    return Column(name, len, "int64", "how many")


def _reasons_json(reasons: Any) -> str:
    return json.dumps([r.as_json() for r in reasons], ensure_ascii=False,
                      separators=(",", ":"))


def as_json(name: str) -> Column:
    """A column holding a list of records as JSON text (Neo4j has no nested maps)."""
    return Column(name, _reasons_json, "string", "as JSON text")


def _first(lines: Any) -> str:
    return str(lines[0]) if lines else ""


def first_line(name: str) -> Column:
    """A column holding the first item of a list of strings ("" when empty)."""
    return Column(name, _first, "string", "the first")


@dataclass(frozen=True)
class Field:
    """One field of a record, declared once: everything an output needs of it."""

    name: str
    type: FieldType
    description: str
    #: The rings.json schema version that brought it: a document of an earlier one lacks
    #: it, and the record gets its default.
    since: str = "1"
    csv: Column | None = None
    parquet: Column | None = None
    #: A property in Neo4j: of the Ring node (a ring's field), of the HAS_MEMBER or
    #: SHARES relationship (a member's, a shared identifier's).
    neo4j: Column | None = None
    #: A property of the run's FOUND relationship to the ring (what this run found).
    found: Column | None = None
    #: A list of records with rows of their own: rings.csv has a row per item, with its
    #: record's columns at this place.
    csv_rows: bool = False


def _introduced(field: Field, version: str) -> bool:
    return int(field.since) <= int(version)


@dataclass(frozen=True)
class Record:
    """A kind of record (a ring, a member, ...): its fields in order, what one is made
    of their values (``make(**values)``), where its Neo4j properties go, and its Parquet
    table (a row per record; a listed record's rows also hold ``run_id`` and
    ``ring_id``)."""

    name: str
    fields: tuple[Field, ...]
    make: Callable[..., Any]
    neo4j: str = ""
    parquet: str = ""

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    @cached_property
    def write(self) -> Callable[[Any], dict[str, Any]]:
        """``write(item)``: the rings.json object of one record.

        Compiled once per record from its fields, as :mod:`dataclasses` builds an
        ``__init__``: a dict display of the attributes is four times as fast as a loop
        over the fields, and rings.json lists a million members at scale (an explicit
        dict too: ``dataclasses.asdict`` deep-copies, seconds over big farms)."""
        namespace: dict[str, Any] = {}
        items = []
        for i, f in enumerate(self.fields):
            if not f.name.isidentifier():
                raise ValueError(f"field name {f.name!r} is not an identifier")
            write = _writer(f.type)
            if write is None:
                items.append(f"{f.name!r}: item.{f.name}")
            else:
                namespace[f"write_{i}"] = write
                items.append(f"{f.name!r}: write_{i}(item.{f.name})")
        exec(f"def write(item):\n    return {{{', '.join(items)}}}\n", namespace)
        return namespace["write"]

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def read(self, value: Any, where: Where, version: str | None = None) -> Any:
        """One record of a rings.json of schema ``version`` (None: the latest), checked
        field by field; a field the version predates is left to the record's default.

        A record is first read the quick way (:meth:`quick`); one it refuses is read
        again field by field, which gives the same record or the error naming where."""
        quick = self._quick_readers.get(version) or self.quick(version)
        try:
            return quick(value)
        except Exception:  # read again below: the same record, or the error naming where
            pass
        plan = self._plans.get(version) or self._plan(version)
        obj = checked_object(value, where, plan[0])
        return self.make(**{name: read(obj[name], (*where, name)) for name, read in plan[1]})

    @cached_property
    def _plans(self) -> dict[str | None, _Plan]:
        return {}

    @cached_property
    def _quick_readers(self) -> dict[str | None, Callable[[Any], Any]]:
        return {}

    def quick(self, version: str | None = None) -> Callable[[Any], Any]:
        """``read(value)`` without ``where``: the record :meth:`read` makes of a value
        it takes, raising for every one it refuses (and for no field's value it takes).

        Compiled once per record and version, as :attr:`write` is: a call per field and
        no path built for an error that does not come. The previous run's rings.json of
        a 1M-merchant scan (200,000 members) is read back in 30 % less time."""
        fields = [f for f in self.fields if version is None or _introduced(f, version)]
        namespace: dict[str, Any] = {"make": self.make, "Refused": _Refused}
        items = []
        for i, f in enumerate(fields):
            if not f.name.isidentifier():
                raise ValueError(f"field name {f.name!r} is not an identifier")
            namespace[f"quick_{i}"] = _quick(f.type, version)
            items.append(f"{f.name}=quick_{i}(value[{f.name!r}])")
        # a plain dict (no __missing__) of as many keys as fields, each field's key
        # read: exactly the fields' keys
        exec("def quick(value):\n"
             f"    if type(value) is not dict or len(value) != {len(fields)}:\n"
             "        raise Refused\n"
             f"    return make({', '.join(items)})\n", namespace)
        reader: Callable[[Any], Any] = namespace["quick"]
        self._quick_readers[version] = reader
        return reader

    def _plan(self, version: str | None) -> _Plan:
        """The fields a document of ``version`` has, and the reader of each."""
        fields = [f for f in self.fields if version is None or _introduced(f, version)]
        plan = (tuple(f.name for f in fields), tuple((f.name, _reader(f, version))
                                                     for f in fields))
        self._plans[version] = plan
        return plan


#: A record's reading of one schema version: its field names, and (name, reader) pairs.
_Plan = tuple[tuple[str, ...], tuple[tuple[str, Callable[[Any, Where], Any]], ...]]


def _reader(field: Field, version: str | None) -> Callable[[Any, Where], Any]:
    record = field.type.record
    if record is None:
        return field.type.read
    return lambda value, where: checked_items(
        value, where, lambda v, w: record.read(v, w, version))


def _quick(ftype: FieldType, version: str | None) -> Callable[[Any], Any]:
    """A field type's quick reading (:attr:`FieldType.quick`; a record list's items by
    their record's, of ``version``)."""
    if ftype.quick is not None:
        return ftype.quick
    if ftype.record is None:
        raise ValueError(f"field type {ftype.name!r} has no quick reading")
    item = ftype.record.quick(version)

    def items(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise _Refused
        return tuple(map(item, value))
    return items


def _writer(ftype: FieldType) -> Callable[[Any], Any] | None:
    if ftype.record is not None:
        write = ftype.record.write
        return lambda items: [write(x) for x in items]
    return ftype.write


def records(record: Record) -> FieldType:
    """The type of a list of ``record``s."""
    return FieldType(f"list of {record.name} objects",
                     lambda v, w: checked_items(v, w, record.read), record=record)


def one_of(values: Iterable[str], make: Callable[[str], Any] = str) -> FieldType:
    """A string that is one of ``values`` (read as ``make(value)``)."""
    allowed = tuple(str(v) for v in values)
    words = ", ".join(f"`{v}`" for v in allowed)
    taken = frozenset(allowed)

    def quick(value: Any) -> Any:
        if isinstance(value, str) and value in taken:
            return make(str(value))
        raise _Refused
    return FieldType(f"one of {words}",
                     lambda v, w: make(checked_choice(v, w, allowed)), arrow="string",
                     quick=quick)


TEXT = FieldType("string, not empty", checked_text, arrow="string", quick=_quick_text)
SCORE = FieldType("number from 0 to 1", checked_score, arrow="double", quick=_quick_score)
COUNT = FieldType("whole number, 0 or more", checked_count, arrow="int64",
                  quick=_quick_count)
STRINGS = FieldType("list of strings", lambda v, w: tuple(checked_strings(v, w)), write=list,
                    arrow="list<string>", quick=_quick_strings)
VALUES = FieldType("object of numbers and strings", checked_values, write=dict,
                   quick=_quick_values)


# -- the tables ------------------------------------------------------------------------

MEMBER = Record("member", (
    Field("type", one_of(k.entity_type for k in ACTOR_KINDS),
          "The member's kind (in Neo4j: the label of the node it links).",
          csv=Column("member_type"), parquet=Column("member_type")),
    Field("id", TEXT, "The member's id in the export (in Neo4j: the node's key).",
          csv=Column("member_id"), parquet=Column("member_id")),
    Field("score", SCORE, "How firmly the member belongs, times the ring's score.",
          csv=Column("member_score"), parquet=Column("member_score"),
          neo4j=Column("score")),
), Member, neo4j="HAS_MEMBER", parquet="ring_members")

SHARED = Record("shared", (
    Field("type", one_of(k.entity_type for k in IDENTIFIER_KINDS),
          "The identifier's kind (in Neo4j: the label of the node it links)."),
    Field("id", TEXT, "The identifier's id in the export (in Neo4j: the node's key)."),
    Field("members", COUNT, "How many of the ring's members use it.",
          neo4j=Column("members")),
), Shared, neo4j="SHARES")


def _reason(code: str, values: dict[str, int | float | str]) -> Reason:
    return Reason(code, tuple(values.items()))


REASON = Record("reason", (
    Field("code", TEXT, "What the evidence line says: a key of the sentence templates "
          "(`graphfraud/score/evidence.py`), English and Chinese."),
    Field("values", VALUES, "The numbers (and words, such as a source) the sentence is "
          "made of, by name."),
), _reason)

#: A ring's fields in output order: rings.json's keys, rings.csv's and rings.parquet's
#: columns.
RING = Record("ring", (
    Field("ring_id", TEXT, "The ring's id, stable across runs: a ring that mostly is a "
          "ring of the previous run keeps its id.", csv=Column("ring_id"),
          parquet=Column("ring_id"), neo4j=Column("ring_id")),
    Field("score", SCORE, "Ranks the rings: `high` from 0.5, `medium` from 0.3956 (the "
          "evidence's log-odds halved, [algorithms.md](algorithms.md) section 5).",
          csv=Column("ring_score"), parquet=Column("score"), neo4j=Column("score"),
          found=Column("score")),
    Field("risk", one_of(Risk, Risk), "`high` is graphfraud's recommendation to act "
          "(intercept or review).", csv=Column("risk"), parquet=Column("risk"),
          neo4j=Column("risk"), found=Column("risk")),
    Field("pattern", one_of(Pattern, Pattern), "The modus operandi the evidence names.",
          csv=Column("pattern"), parquet=Column("pattern"), neo4j=Column("pattern")),
    Field("members", records(MEMBER), "Every member, highest score first.", csv_rows=True,
          parquet=how_many("members"), found=how_many("members")),
    Field("known_fraud", COUNT, "Members the export or an analyst blacklisted.",
          csv=Column("ring_known_fraud"), parquet=Column("known_fraud"),
          neo4j=Column("known_fraud")),
    Field("known_legit", COUNT, "Members the export or an analyst cleared.",
          csv=Column("ring_known_legit"), parquet=Column("known_legit"),
          neo4j=Column("known_legit")),
    Field("shared", records(SHARED), "Every device and payment account used by at least "
          "two members.", csv=how_many("shared_identifiers")),
    Field("evidence", STRINGS, "Why, in English, strongest first; ends with the cut that "
          "found the ring (`found by: …`).", csv=first_line("top_evidence"),
          parquet=Column("evidence"), neo4j=Column("evidence")),
    Field("reasons", records(REASON), "The evidence as codes and numbers, line for line "
          "(same order as `evidence`), for tools that word it themselves.", since="2",
          neo4j=as_json("reasons")),
), Ring, neo4j="Ring", parquet="rings")

RECORDS = (RING, MEMBER, SHARED, REASON)

#: rings.csv's last columns: what the export says of the member (``RunReport.actors``),
#: not a field of the ring.
CSV_CONTEXT = ("name", "status")


def csv_layout() -> tuple[list[Field], Field, list[Field]]:
    """rings.csv's ring fields before the rows' record, the field whose items are the
    rows (the members), and the ring fields after it, in :data:`RING` order."""
    rows = next(f for f in RING if f.csv_rows)
    at = RING.fields.index(rows)
    return ([f for f in RING.fields[:at] if f.csv], rows,
            [f for f in RING.fields[at + 1:] if f.csv])


def csv_header() -> tuple[str, ...]:
    """rings.csv's columns.

    >>> csv_header()[:5]
    ('ring_id', 'ring_score', 'risk', 'pattern', 'member_type')
    """
    before, rows, after = csv_layout()
    inner = rows.type.record.fields if rows.type.record is not None else ()
    return (*(f.csv.name for f in (*before, *inner, *after) if f.csv), *CSV_CONTEXT)


def parquet_keys(record: Record) -> tuple[str, ...]:
    """The text columns a record's Parquet table starts with: the run's id, and a listed
    record's ring."""
    return ("run_id",) if record is RING else ("run_id", "ring_id")


def parquet_columns(record: Record) -> tuple[str, ...]:
    """The columns of a record's Parquet table.

    >>> parquet_columns(MEMBER)
    ('run_id', 'ring_id', 'member_type', 'member_id', 'member_score')
    """
    return (*parquet_keys(record), *(f.parquet.name for f in record if f.parquet))
