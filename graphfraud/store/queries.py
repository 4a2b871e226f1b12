"""The investigator query library: named, parameterised, read-only Cypher queries.

Each query is a ``.cypher`` file (the built-in ones in ``cypher/queries/``, a user's
own in a directory they name) whose header comment declares it::

    // What question it answers (first comment lines).
    // @param merchant_id string  the merchant's id
    // @param limit integer = 50  most rows returned
    // @returns what one row holds

Parameters are typed (``string``, ``integer``, ``float``, ``boolean``), required unless
they have a default, and checked before anything is sent; every ``$name`` in the body
must be declared and every declared one used. A string with a closed set of values is
an ``enum``: ``enum(a,b,c)`` lists them, ``enum(model.Risk)`` takes a graph model enum
(:mod:`graphfraud.model`: ``Risk``, ``Pattern``) and ``enum(contract.labels.label)`` an
enum column of the input contract (``fraud``, ``legit``), so each set is declared once.
A value outside the set (compared without case; the default is always allowed) is
refused naming the parameter and the values, and ``graphfraud query --list`` shows them::

    // @param risk enum(model.Risk) = ""  only this risk level; empty means all

Queries run in READ sessions, so a query that tries to write is refused by the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphfraud.errors import ConfigError, UsageError
from graphfraud.store import catalog

if TYPE_CHECKING:
    from neo4j import Driver

_PARAM = re.compile(
    r"^//\s*@param\s+(?P<name>[A-Za-z_]\w*)\s+"
    r"(?P<type>string|integer|float|boolean|enum\((?P<values>[^)]*)\))"
    r"(?:\s*=\s*(?P<default>\"[^\"]*\"|\S+))?\s*(?P<doc>.*)$"
)
_RETURNS = re.compile(r"^//\s*@returns\s+(?P<doc>.*)$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class QueryParam:
    name: str
    type: str
    default: Any  # None: required
    doc: str
    #: The closed set of values of an ``enum`` parameter (its ``type`` is ``string``).
    choices: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is None

    @property
    def shape(self) -> str:
        """What a value looks like: its type, or an enum's values (``high|medium|low``)."""
        return "|".join(self.choices) if self.choices else self.type


@dataclass(frozen=True)
class Query:
    name: str
    summary: str
    params: tuple[QueryParam, ...]
    returns: str
    text: str
    origin: str

    @property
    def question(self) -> str:
        """The summary's first sentence, without its full stop (what ``graphfraud query
        --list`` and docs/cypher.md show)."""
        return self.summary.split(". ")[0].rstrip(".")

    def param(self, name: str) -> QueryParam | None:
        return next((p for p in self.params if p.name == name), None)


def _convert(value: str, kind: str, label: str) -> Any:
    try:
        if kind == "integer":
            number = int(value)
            # Every integer parameter of the library is a count, a limit or a number of
            # days: refuse what the server would reject (or take) out of range.
            if not 0 <= number <= 2**63 - 1:
                raise UsageError(f"{label}: expected a whole number from 0 to "
                                 f"{2**63 - 1}, got {value!r}")
            return number
        if kind == "float":
            return float(value)
    except ValueError:
        raise UsageError(f"{label}: expected {'an integer' if kind == 'integer' else 'a number'},"
                         f" got {value!r}") from None
    if kind == "boolean":
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise UsageError(f"{label}: expected true or false, got {value!r}")
    return value


def _choices(spec: str, origin: str) -> tuple[str, ...]:
    """The values of ``enum(spec)``: a list, a model enum or a contract enum column.

    >>> _choices("model.Risk", "q"), _choices("contract.labels.label", "q")
    (('high', 'medium', 'low'), ('fraud', 'legit'))
    >>> _choices(" a, b ", "q")
    ('a', 'b')
    """
    spec = spec.strip()
    if spec.startswith("model."):
        from enum import Enum

        from graphfraud import model

        kind = getattr(model, spec.removeprefix("model."), None)
        if not (isinstance(kind, type) and issubclass(kind, Enum)):
            raise ConfigError(f"{origin}: enum({spec}): graphfraud.model has no such enum")
        return tuple(str(member.value) for member in kind)
    if spec.startswith("contract."):
        from graphfraud.loaders.spec import contract

        table, _, column = spec.removeprefix("contract.").partition(".")
        found = next((c for c in contract()[table].columns if c.name == column), None) \
            if table in contract() else None
        if found is None or not found.values:
            raise ConfigError(f"{origin}: enum({spec}): the contract has no such enum column")
        return tuple(found.values)
    values = tuple(v.strip() for v in spec.split(","))
    if not all(values) or len(set(values)) != len(values):
        raise ConfigError(f"{origin}: enum({spec}): list distinct, non-empty values, "
                          "separated by commas")
    return values


def _choose(value: str, choices: tuple[str, ...], default: Any, label: str) -> str:
    """``value`` as the set spells it (case aside), the default, or a UsageError naming
    the values."""
    if value == default:
        return value
    for choice in choices:
        if value.strip().lower() == choice.lower():
            return choice
    empty = ' (or "" for all)' if default == "" else ""
    raise UsageError(f"{label}: expected one of {', '.join(choices)}{empty}, got {value!r}")


def parse_query(name: str, text: str, origin: str) -> Query:
    """Read a query file's header.

    Raises
    ------
    ConfigError
        If the name is not a plain lower-case word, the header declares a parameter
        twice or with a bad default, or the body uses an undeclared ``$parameter``
        (or leaves a declared one unused).
    """
    if not _NAME.match(name):
        raise ConfigError(f"{origin}: query names are lower-case words with underscores")
    summary: list[str] = []
    params: list[QueryParam] = []
    returns = ""
    body: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            body.append(line)
            continue
        if match := _PARAM.match(stripped):
            if any(p.name == match["name"] for p in params):
                raise ConfigError(f"{origin}: parameter {match['name']!r} declared twice")
            kind = match["type"]
            choices = _choices(match["values"], origin) if kind.startswith("enum") else ()
            kind = "string" if choices else kind
            default = match["default"]
            if default is not None:
                default = default[1:-1] if default.startswith('"') else default
                label = f"{origin}: default of {match['name']}"
                default = _convert(default, kind, label)
                if choices and default != "" and default not in choices:
                    raise ConfigError(f"{label}: {default!r} is not one of "
                                      f"{', '.join(choices)}")
            params.append(QueryParam(match["name"], kind, default, match["doc"], choices))
        elif match := _RETURNS.match(stripped):
            returns = match["doc"]
        elif not params and not returns:
            summary.append(stripped.lstrip("/").strip())
    code = "\n".join(re.sub(r"//.*$", "", line) for line in body)
    used = set(re.findall(r"\$([A-Za-z_]\w*)", code))
    declared = {p.name for p in params}
    if used - declared:
        raise ConfigError(f"{origin}: undeclared parameter(s) {', '.join(sorted(used - declared))}"
                          " (add // @param lines)")
    if declared - used:
        raise ConfigError(f"{origin}: declared but unused parameter(s) "
                          f"{', '.join(sorted(declared - used))}")
    return Query(name=name, summary=" ".join(summary), params=tuple(params), returns=returns,
                 text=text, origin=origin)


def library(extra_dir: str | Path | None = None) -> dict[str, Query]:
    """The built-in queries plus those in ``extra_dir`` (a user's own), by name.

    Raises
    ------
    ConfigError
        If ``extra_dir`` is not a directory, a file in it is malformed, or a user query
        has the name of a built-in one.
    """
    queries = {}
    for full in catalog.names("queries"):
        name = full.split("/", 1)[1]
        origin = f"graphfraud/cypher/{full}.cypher"
        queries[name] = parse_query(name, catalog.statement(full), origin)
    if extra_dir:
        folder = Path(extra_dir)
        if not folder.is_dir():
            raise ConfigError(f"{folder}: query directory does not exist")
        for path in sorted(folder.glob("*.cypher")):
            if path.stem in queries:
                raise ConfigError(f"{path}: a built-in query is already named {path.stem!r}")
            queries[path.stem] = parse_query(path.stem, path.read_text("utf-8"), str(path))
    return queries


def bind(query: Query, raw: dict[str, str]) -> dict[str, Any]:
    """Typed parameter values for a run of ``query`` from ``name=value`` strings.

    Raises
    ------
    UsageError
        For an unknown or missing parameter, a value of the wrong type, or one outside
        an enum's values.
    """
    unknown = sorted(set(raw) - {p.name for p in query.params})
    if unknown:
        known = ", ".join(p.name for p in query.params) or "none"
        raise UsageError(f"query {query.name}: unknown parameter(s) {', '.join(unknown)} "
                         f"(it takes: {known})")
    values: dict[str, Any] = {}
    for p in query.params:
        if p.name in raw and p.choices:
            values[p.name] = _choose(raw[p.name], p.choices, p.default, f"parameter {p.name}")
        elif p.name in raw:
            values[p.name] = _convert(raw[p.name], p.type, f"parameter {p.name}")
        elif p.required:
            raise UsageError(f"query {query.name}: missing parameter {p.name} ({p.shape})")
        else:
            values[p.name] = p.default
    return values


def _plain(value: Any) -> Any:
    """Driver values as JSON-friendly Python values."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if hasattr(value, "element_id") and hasattr(value, "items"):  # node or relationship
        return {k: _plain(v) for k, v in value.items()}
    return value


#: Plan operators a read-only investigator query may not hold (Neo4j Community has no
#: roles, and READ access mode alone lets `SHOW TRANSACTIONS ... TERMINATE` and
#: `LOAD CSV FROM "http://..."` through): writes, LOAD CSV, procedure calls,
#: transaction and administration commands.
REFUSED_OPERATORS = ("Create", "Merge", "Delete", "Set", "Remove", "LoadCSV",
                     "Transaction", "Procedure", "Terminate", "Show", "Admin", "System",
                     "Command", "Alter", "Drop", "Grant", "Revoke", "Deny")


def refused_operators(plan: Any) -> list[str]:
    """The operators of an EXPLAIN plan (the driver's dict) outside the read-only set.

    >>> refused_operators({"operatorType": "ProduceResults@neo4j", "children": [
    ...     {"operatorType": "LoadCSV@neo4j", "children": []}]})
    ['LoadCSV']
    """
    found = []
    stack = [plan]
    while stack:
        node = stack.pop()
        if not node:
            continue
        kind = str(node.get("operatorType") if isinstance(node, dict)
                   else getattr(node, "operator_type", "")).split("@", 1)[0]
        if any(word in kind for word in REFUSED_OPERATORS):
            found.append(kind)
        children = node.get("children") if isinstance(node, dict) \
            else getattr(node, "children", [])
        stack.extend(children or [])
    return sorted(set(found))


def run_query(driver: Driver, query: Query, params: dict[str, Any], *, database: str
              ) -> tuple[list[str], list[list[Any]]]:
    """Run a query in a READ transaction; returns its column names and rows.

    The query is planned first (``EXPLAIN``, which runs nothing) and refused when its
    plan holds an operator of :data:`REFUSED_OPERATORS`.

    Raises
    ------
    UsageError
        If the plan is not read-only.
    """
    from neo4j import READ_ACCESS

    def work(tx: Any) -> tuple[list[str], list[list[Any]]]:
        plan = tx.run("EXPLAIN " + query.text, params).consume().plan
        refused = refused_operators(plan)
        if refused:
            raise UsageError(f"query {query.name!r} is not read-only: its plan holds "
                             f"{', '.join(refused)}; investigator queries may only read")
        result = tx.run(query.text, params)
        keys = list(result.keys())
        return keys, [[_plain(v) for v in record.values()] for record in result]

    with driver.session(database=database, default_access_mode=READ_ACCESS) as session:
        keys, rows = session.execute_read(work)
    return keys, rows
