"""Reading the graph in Neo4j on Spark: every table read by many tasks, a page each.

:func:`graphfraud.store.reader.read_graph` reads every page of every table on the
driver. :func:`read_graph_export` reads the same tables without the driver ever holding
them: each table is cut into pages by the key its statement in ``cypher/reader`` pages
by (keyset pagination, the owners in key order), and each Spark task opens its own Neo4j
driver and reads one page with that same statement. The driver runs only small
queries: node counts (from the count store) and page ends (``cypher/pages``, one key
per page), through :mod:`graphfraud.store.pages`.

The tables, their columns and the loader dtypes of those columns are those
:func:`read_graph` gives: the executors note which Python types each column held, and
:func:`read_graph` itself is run on the driver over one sample value of each (see
:class:`_TypeSample`), so its pandas inference (an integer column holding a null is a
float column) decides the dtypes. The text of every value is what
:func:`graphfraud.spark.common.as_text` writes for read_graph's table.

Each page is read in its own transaction (read_graph reads a table in one): scan a graph
that is not being loaded at the same time. A page reads the owners after the previous
page's end up to its own end, whatever was added or removed since the ends were found,
so an owner that is there throughout is read once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphfraud.errors import GraphFraudError
from graphfraud.model import (
    ACTOR_KINDS,
    ENTITY_KINDS,
    IDENTIFIER_KINDS,
    LINK_KINDS,
    MEMBERSHIP,
    MERCHANT,
    ORGANIZATION,
    NodeKind,
)
from graphfraud.spark.common import as_text, checkpoint, typed
from graphfraud.store import catalog
from graphfraud.store.pages import owner_count, page_columns, page_ends, read_page
from graphfraud.store.reader import PAGE_SIZE

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

    from graphfraud.spark.reader import SparkExport
    from graphfraud.store.connection import Neo4jSettings

#: Columns read_graph turns from epoch seconds into UTC timestamps.
_TIMES = ("registered_at", "since")
#: The column read_graph writes as ``true`` / ``false``.
_FLAG = "verified"
#: read_graph's name for its source, which the scan's Dataset carries.
SOURCE = "neo4j"


@dataclass(frozen=True)
class _Part:
    """One paged statement of ``cypher/reader``: whose key its pages follow, the column
    that holds that key, and the table its rows go to."""

    statement: str
    owner: NodeKind
    key: str
    table: str
    #: The verdicts statements page by the owners that carry a verdict; their rows
    #: become the labels table with this ``entity_type``.
    entity_type: str | None = None


def _parts() -> tuple[_Part, ...]:
    """The statements read_graph reads, in its order."""
    nodes = [_Part(f"reader/{k.table}", k, k.key, k.table)
             for k in (*ACTOR_KINDS, *IDENTIFIER_KINDS)]
    links = [_Part(f"reader/{k.table}", k.start, k.start_column, k.table)
             for k in LINK_KINDS]
    verdicts = [_Part(f"reader/verdicts_{e}", k, "entity_id", "labels", e)
                for e, k in ENTITY_KINDS.items()]
    orgs = [_Part(f"reader/{ORGANIZATION.table}", ORGANIZATION, ORGANIZATION.key,
                  ORGANIZATION.table),
            _Part(f"reader/{MEMBERSHIP.table}", ORGANIZATION, MEMBERSHIP.organization_column,
                  MEMBERSHIP.table)]
    return (*nodes, *links, *verdicts, *orgs)


@dataclass(frozen=True)
class _Page:
    """One task's work: the rows of ``part`` whose key is after ``after`` and not
    after ``end`` (None: to the last), read ``chunk`` owners at a time."""

    part: _Part
    number: int
    of: int
    after: str
    end: str | None
    chunk: int


def read_graph_export(spark: SparkSession, settings: Neo4jSettings, *,
                      pages: int | None = None) -> SparkExport:
    """The graph in Neo4j as the tables :func:`graphfraud.store.reader.read_graph`
    reads, as Spark DataFrames of text columns read by the executors.

    ``pages``: how many pages (Spark tasks) each node label's owners are cut into;
    None: pages of :data:`graphfraud.store.reader.PAGE_SIZE` owners, as read_graph's.
    The export's ``read_by`` names each page read (``neo4j:STATEMENT#PAGE/PAGES``) and
    the Spark task that read it.

    Raises
    ------
    StoreError
        If the counts or page ends cannot be read (after the driver's retries).
    GraphFraudError
        If the tables read differ in shape from read_graph's (a statement changed
        without this module).
    """
    from pyspark.sql import functions as F

    from graphfraud.spark.reader import SparkExport
    from graphfraud.store.connection import store_errors

    if pages is not None and pages < 1:
        raise GraphFraudError(f"pages must be 1 or more, not {pages}")
    parts = _parts()
    with store_errors(settings, "finding the pages of the graph", None), \
            settings.driver() as driver:
        driver.verify_connectivity()
        columns = {p.statement: page_columns(driver, database=settings.database,
                                             statement=p.statement) for p in parts}
        plan = _plan(driver, settings.database, parts, pages)
    everything = sorted({c for cols in columns.values() for c in cols})
    schema = "_part string, _meta string" + "".join(f", `{c}` string" for c in everything)
    read = spark.range(0, len(plan), 1, len(plan)).mapInPandas(
        _read_pages(settings, plan, everything), schema)
    raw = checkpoint(read)
    meta = [(r["_part"], json.loads(r["_meta"]))
            for r in raw.where(F.col("_meta").isNotNull()).select("_part", "_meta").collect()]
    rows = raw.where(F.col("_meta").isNull())
    tables = {p.statement: rows.where(F.col("_part") == p.statement).select(
        *columns[p.statement]) for p in parts}
    shape = _shape(parts, columns, meta)
    export = SparkExport(source=SOURCE, tables={}, dtypes={})
    for name, dtypes in shape.items():
        export.tables[name] = _table(name, parts, tables, list(dtypes), dtypes)
        export.dtypes[name] = dtypes
    export.read_by = {f"neo4j:{part}#{m['page']}/{m['of']}": f"task {m['task']}"
                      for part, m in sorted(meta, key=lambda x: (x[0], x[1]["page"]))}
    export.files = _files(export.tables)
    return export


def _plan(driver: Any, database: str, parts: tuple[_Part, ...], pages: int | None
          ) -> list[_Page]:
    """Every page of every statement: the page ends of each label (and of its nodes
    that carry a verdict), one small query per page."""
    plan: list[_Page] = []
    ends: dict[tuple[str, bool], tuple[int, list[str]]] = {}
    for part in parts:
        verdicts = part.entity_type is not None
        found = (part.owner.entity_type, verdicts)
        if found not in ends:
            chunk = PAGE_SIZE
            if pages is not None:
                count = owner_count(driver, database=database,
                                    entity_type=part.owner.entity_type)
                chunk = max(1, math.ceil(count / pages))
            ends[found] = (chunk, page_ends(driver, database=database,
                                            entity_type=part.owner.entity_type,
                                            verdicts=verdicts, chunk=chunk))
        chunk, keys = ends[found]
        starts, stops = ["", *keys], [*keys, None]
        plan += [_Page(part, i + 1, len(starts), after, end, chunk)
                 for i, (after, end) in enumerate(zip(starts, stops, strict=True))]
    return plan


def _read_pages(settings: Neo4jSettings, plan: list[_Page], everything: list[str]
                ) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """The task function: each page of ``plan`` whose number the task is given, read
    from Neo4j as text rows, and one line of what the page held (``_meta``).

    The connection settings, password included, reach the executors only in this
    closure, which Spark serialises into the task binary: never in a DataFrame column
    (it would be in the data, its checkpoints and its plans), a Spark conf (shown by the
    UI and the event log) or a command line, and never logged.
    """
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from neo4j.exceptions import DriverError, Neo4jError
        from pyspark import TaskContext

        from graphfraud.errors import StoreError
        from graphfraud.store.connection import describe_error

        context = TaskContext.get()
        task = context.taskAttemptId() if context is not None else -1
        with settings.driver() as driver:
            for batch in batches:
                for number in batch["id"].tolist():
                    page = plan[int(number)]
                    try:
                        columns = read_page(
                            driver, database=settings.database,
                            statement=page.part.statement, key=page.part.key,
                            after=page.after, end=page.end, chunk=page.chunk)
                    except (DriverError, Neo4jError) as e:  # a short line, no secret
                        raise StoreError(
                            f"reading {page.part.statement} (page {page.number} of "
                            f"{page.of}) from {settings.describe()}: {describe_error(e)}"
                        ) from None
                    yield _page_rows(page, columns, task, everything)

    return run


def _page_rows(page: _Page, columns: dict[str, list[Any]], task: int,
               everything: list[str]) -> pd.DataFrame:
    """A page's rows in the task's schema, then one ``_meta`` row: the page, the task,
    its rows and the Python types each column held."""
    import pandas as pd

    text = _as_text(columns)
    meta = {"page": page.number, "of": page.of, "task": task, "rows": len(text),
            "types": [[c, sorted({type(v).__name__ for v in values})]
                      for c, values in columns.items()]}
    out = pd.DataFrame({c: text.get(c) for c in everything}, index=text.index, dtype=object)
    out.insert(0, "_meta", None)
    out.insert(0, "_part", page.part.statement)
    info = pd.DataFrame([{"_part": page.part.statement, "_meta": json.dumps(meta)}],
                        dtype=object)
    return pd.concat([out, info.reindex(columns=out.columns)], ignore_index=True
                     ).astype(object)


def _as_text(columns: dict[str, list[Any]]) -> pd.DataFrame:
    """A page's columns as read_graph's text: timestamps from epoch seconds, ``true`` /
    ``false`` flags, every other value as :func:`as_text` writes it (a float column's
    integers are written as floats later, once every page's types are known)."""
    import pandas as pd

    n = len(next(iter(columns.values()))) if columns else 0
    text = {}
    for name, values in columns.items():
        series = pd.Series(values, dtype=object)
        if name in _TIMES:  # as read_graph: epoch seconds, microseconds, UTC
            seconds = pd.to_numeric(series, errors="coerce")
            series = pd.to_datetime(seconds, unit="s", utc=True).dt.as_unit("us")
        elif name == _FLAG:
            series = pd.Series([None if v is None else "true" if v else "false"
                                for v in values], dtype=object)
        text[name] = as_text(series)
    return pd.DataFrame(text, index=pd.RangeIndex(n))


#: One value of each type a page statement returns (any other type: bytes, an object).
_SAMPLES: dict[str, Any] = {"NoneType": None, "int": 0, "float": 0.5, "str": "x",
                            "bool": True}


class _TypeSample:
    """Answers :func:`read_graph`'s page statements, each with one page holding one
    value of every type the executors found in each column (and no rows where they
    found none): read_graph over it gives the tables, columns and dtypes it gives the
    whole graph, as pandas infers a column's dtype from the types it holds."""

    def __init__(self, answers: dict[str, dict[str, list[Any]]]):
        self._answers = {catalog.statement(name): page for name, page in answers.items()}
        self._page: dict[str, list[Any]] = {}

    @classmethod
    def of(cls, columns: list[str], types: dict[str, set[str]]) -> dict[str, list[Any]]:
        """A sample page: every column as long as the longest, its samples repeated."""
        samples = {c: [_SAMPLES.get(t, b"") for t in sorted(types.get(c, ()))]
                   for c in columns}
        n = max((len(s) for s in samples.values()), default=0)
        return {c: (s * n)[:n] for c, s in samples.items()}

    def session(self, **_: Any) -> _TypeSample:
        return self

    def __enter__(self) -> _TypeSample:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def execute_read(self, work: Callable[[Any], Any]) -> Any:
        return work(self)

    def run(self, query: str, **_: Any) -> _TypeSample:
        self._page = self._answers[query]
        return self

    def single(self, strict: bool = False) -> dict[str, Any]:
        return {"after": None, **self._page}


def _shape(parts: tuple[_Part, ...], columns: dict[str, list[str]],
           meta: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, str]]:
    """read_graph's tables, each column's dtype, over the types the pages held."""
    from graphfraud.store.reader import read_graph

    types: dict[str, dict[str, set[str]]] = {p.statement: {} for p in parts}
    for part, m in meta:
        for column, names in m["types"]:
            types[part].setdefault(column, set()).update(names)
    answers = {p.statement: _TypeSample.of(columns[p.statement], types[p.statement])
               for p in parts}
    sample = read_graph(_TypeSample(answers), database="")  # type: ignore[arg-type]
    return {name: {str(c): str(t) for c, t in frame.dtypes.items()}
            for name, frame in sample.tables.items()}


def _table(name: str, parts: tuple[_Part, ...], tables: dict[str, DataFrame],
           columns: list[str], dtypes: dict[str, str]) -> DataFrame:
    """One of read_graph's tables from the pages' rows: the verdicts of every kind
    as the labels table, the merchants' signals (the merchants that have one) as
    merchant_signals; its float columns' integers written as floats."""
    from pyspark.sql import functions as F

    if name == "labels":
        frame = None
        for part in parts:
            if part.entity_type is not None:
                mine = tables[part.statement].withColumn("entity_type",
                                                         F.lit(part.entity_type))
                frame = mine if frame is None else frame.unionByName(mine)
        assert frame is not None
    elif name == "merchant_signals":
        frame = tables[f"reader/{MERCHANT.table}"]
        signals = [F.col(c).isNotNull() for c in columns if c != MERCHANT.key]
        has = signals[0]
        for one in signals[1:]:
            has = has | one
        frame = frame.where(has)
    else:
        frame = tables[f"reader/{name}"]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise GraphFraudError(f"{name}: read_graph gives columns {missing} that the pages "
                              "of cypher/reader do not hold")
    frame = frame.select(*columns)
    floats = [c for c, t in dtypes.items() if t.startswith("float")]
    if not floats:
        return frame
    # once, not at every use the scan makes of the table
    return checkpoint(frame.mapInPandas(_as_floats(floats, dtypes), frame.schema))


def _as_floats(floats: list[str], dtypes: dict[str, str]
               ) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            for c in floats:
                batch[c] = as_text(typed(batch[c], dtypes[c]))
            yield batch.astype(object)

    return run


def _files(tables: dict[str, DataFrame]) -> list[Any]:
    """One report per table, its rows counted by Spark (one job)."""
    from pyspark.sql import functions as F

    from graphfraud.loaders.dataset import FileReport

    union = None
    for name, frame in tables.items():
        one = frame.select(F.lit(name).alias("t"))
        union = one if union is None else union.unionByName(one)
    counts = ({} if union is None else
              {r["t"]: int(r["count"]) for r in union.groupBy("t").count().collect()})
    return [FileReport(table=name, file=f"{SOURCE}:{name}", rows=counts.get(name, 0),
                       loaded=counts.get(name, 0)) for name in tables]
