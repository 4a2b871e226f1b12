"""The data contract as typed specs, read from ``contract.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

COLUMN_TYPES = frozenset({"id", "text", "timestamp", "count", "amount", "enum"})
TABLE_KINDS = frozenset({"node", "attributes", "link", "labels", "membership"})
MERGE_RULES = frozenset({"min", "max", "sum", "set"})


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an input file."""

    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    ref: str | None = None
    merge: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """One input file of the contract."""

    name: str
    kind: str
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    entity: str | None = None
    required: bool = False
    #: node tables: ``actor``, ``identifier`` or ``organization``
    role: str | None = None
    #: link and membership tables: the relationship type in Neo4j
    relationship: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _parse_table(name: str, raw: dict) -> TableSpec:
    kind = raw["kind"]
    if kind not in TABLE_KINDS:
        raise ValueError(f"contract table {name}: unknown kind {kind!r}")
    columns = []
    for col in raw["columns"]:
        if col["type"] not in COLUMN_TYPES:
            raise ValueError(f"contract table {name}: column {col['name']}: bad type")
        if col.get("merge") is not None and col["merge"] not in MERGE_RULES:
            raise ValueError(f"contract table {name}: column {col['name']}: bad merge rule")
        columns.append(
            ColumnSpec(
                name=col["name"],
                type=col["type"],
                required=bool(col.get("required", False)),
                values=tuple(col.get("values", ())),
                ref=col.get("ref"),
                merge=col.get("merge"),
            )
        )
    return TableSpec(
        name=name,
        kind=kind,
        key=tuple(raw["key"]),
        columns=tuple(columns),
        entity=raw.get("entity"),
        required=bool(raw.get("required", False)),
        role=raw.get("role"),
        relationship=raw.get("relationship"),
    )


@dataclass(frozen=True)
class Limit:
    """One plausible range of the contract: values above ``max`` are rejected."""

    name: str
    max: int
    why: str


@cache
def _raw() -> dict:
    text = resources.files("graphfraud.loaders").joinpath("contract.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def contract() -> dict[str, TableSpec]:
    """The contract's tables, in load order (entities before the links naming them)."""
    return {name: _parse_table(name, spec) for name, spec in _raw()["tables"].items()}


@cache
def limits() -> dict[str, Limit]:
    """The contract's plausible ranges (``count``, ``amount``, ``field``, ``horizon``).

    >>> limits()["amount"].max
    1000000000000000
    """
    return {name: Limit(name, int(raw["max"]), str(raw["why"]))
            for name, raw in _raw()["limits"].items()}
