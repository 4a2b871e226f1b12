"""Reading and validating an export on Spark, by the contract the embedded reader
applies, with the same rejects (file, line, field, reason, value).

DATA is any folder Spark's Hadoop file systems reach: a local path, ``file:``,
``hdfs://``, ``s3a://``... Each contract file is ``STEM.csv`` or ``STEM.parquet``, or a
folder of part files as Spark writes them (``STEM/``, ``STEM.csv/``,
``STEM.parquet/``: every file not starting with ``_`` or ``.``, each a ``.csv`` with its
own header line or a ``.parquet``).

Stages, per contract file, in the contract's order:

1. **Each file's own rows.** First by Spark's own readers (:func:`_read_native`): a
   CSV through the text source, splittable (a large file is spread over many tasks),
   each line parsed by ``from_csv``; a Parquet file through ``spark.read.parquet``;
   the contract's checks of each field as SQL expressions, each line's number from its
   split's offset. A file in which that finds any doubt (a row the embedded reader
   would reject, a line it would parse otherwise, a header or a column type it reads
   its own way) is read again whole by the line-exact path, a Spark task per file
   (the ``binaryFile`` source and ``mapInPandas``): the embedded reader's
   :func:`~graphfraud.loaders.reader.check_file` parses the file and checks each row's
   fields, and only that result is used for the file; a file that cannot be read or
   lacks a required column stops the run as the embedded reader does (exit 2, one line
   naming it). :attr:`SparkExport.read_by` says which path took each file.
2. **References** as joins: a link row naming an unknown merchant (or streamer, when
   the export has streamers) is rejected, and so is a membership of an organisation
   organizations.csv does not declare; the first failing field, in the contract's
   column order, names the row's reject.
3. **The rules across rows** (repeated pairs merge, an entity's first row stands, the
   standing label is the latest) only for the keys that repeat, bucketed by a hash of
   the key and settled by the embedded :func:`~graphfraud.loaders.reader.settle_rows`
   inside ``applyInPandas``, the rows in file order.

The clean tables stay DataFrames of text columns (:func:`graphfraud.spark.common.as_text`
forms); only the rejects, one line of figures per file, and the rows a report shows
(:meth:`SparkExport.context`) come back to the driver.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote, urlsplit

from graphfraud.errors import InputError, UsageError
from graphfraud.spark.common import as_text, checkpoint, typed

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import Column, DataFrame, SparkSession

    from graphfraud.graph.projection import Hub
    from graphfraud.loaders.dataset import Dataset, FileReport, Reject
    from graphfraud.loaders.mapping import Mapping
    from graphfraud.loaders.spec import ColumnSpec, TableSpec
    from graphfraud.score.rings import Ring

#: Characters Hadoop reads as a glob pattern in a path; DATA and part names must not
#: hold them (one folder is read, never a pattern).
_GLOB = re.compile(r"[*?\[\]{}\\]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
#: Rows whose key repeats, per bucket settled by one task (in file order): the buckets
#: grow with those rows, so an export of daily login rows spreads over many tasks.
SETTLE_ROWS = 200_000
_META = ("_kind", "_file", "_order", "_line", "_field", "_reason", "_value", "_n", "_info")
_META_SCHEMA = ("_kind string, _file string, _order int, _line long, _field string, "
                "_reason string, _value string, _n long, _info string")


@dataclass
class SparkExport:
    """An export read on Spark: its clean tables (text columns, the contract's names),
    the loader's dtype of every column, one report per file and every rejected row."""

    source: str
    tables: dict[str, DataFrame]
    dtypes: dict[str, dict[str, str]]
    files: list[FileReport] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    #: Each file or part read (as rejects name it), by the reader that took it:
    #: ``native`` (Spark's own readers) or ``line-exact`` (the embedded reader in a task).
    read_by: dict[str, str] = field(default_factory=dict)

    def context(self, rings: list[Ring], hubs: list[Hub]) -> Dataset:
        """The rows :func:`graphfraud.report.context.with_context` reads for ``rings``
        and ``hubs``, as a driver-side Dataset: the members' own rows and links, the
        identifiers they use, the blacklisted users of those identifiers and of the
        hubs, the hubs' own rows, and for each behaviour measure one row that has it
        (so a measure the export has is shown even when no member has it)."""
        return _context(self, rings, hubs)


def check_location(data: str) -> None:
    """Refuse a DATA that holds credentials or a glob pattern (the value is not echoed).

    Raises
    ------
    UsageError
        If ``data`` names a user or password, or holds glob characters.
    """
    if _GLOB.search(data):
        raise UsageError("DATA: glob characters (* ? [ ] { } \\) are not accepted; name "
                         "one folder")
    try:
        parts = urlsplit(data) if _SCHEME.match(data) else None
    except ValueError:
        raise UsageError("DATA: not a valid path or URI") from None
    # a user alone is an address (abfss://container@account...); with a password it is
    # a credential (s3a://KEY:SECRET@bucket)
    if parts is not None and parts.password is not None:
        raise UsageError("DATA: credentials do not go in a path on the command line; use "
                         "the file system's own configuration (core-site.xml, the "
                         "environment, an instance role)")


def read_export(spark: SparkSession, data: str, mapping: Mapping,
                progress: Callable[[str], None] | None = None) -> SparkExport:
    """Read and validate the export in ``data`` on Spark.

    Raises
    ------
    InputError
        If the folder or merchants file is missing, a file cannot be read or decoded,
        or a required column is absent. Bad rows never raise.
    """
    from graphfraud.loaders.dataset import FileReport
    from graphfraud.loaders.reader import ALWAYS_CLOSED, clean_dtypes, closed_kinds, run_horizon
    from graphfraud.loaders.spec import contract

    check_location(data)
    horizon = run_horizon()  # the driver's, for every task: one horizon for the read
    say = progress or (lambda _: None)
    fs = _FileSystem(spark, data)
    shown = fs.shown
    if not fs.is_dir(""):
        raise InputError(f"{shown}: not a directory", file=shown)
    export = SparkExport(source=data, tables={}, dtypes={})
    known: dict[str, DataFrame] = {}
    file_of: dict[str, str] = {}
    for entity, file in closed_kinds(mapping).items():  # no id until its file is read
        known[entity] = spark.createDataFrame([], "_id string")
        file_of[entity] = file
    for spec in contract().values():
        stem = mapping.file_stem(spec.name)
        found = fs.find(stem)
        if found is None:
            if spec.required:
                raise InputError(f"{shown}/{stem}.csv: required file is missing",
                                 file=f"{shown}/{stem}.csv")
            continue
        name, parts = found
        say(name)
        report = FileReport(table=spec.name, file=name)
        rows, rejects = _read_rows(spark, fs, spec, mapping, parts, horizon, report,
                                   export.read_by)
        rows, more = _references(spark, spec, rows, known, file_of)
        rejects += more
        clean, more = _settle(spec, rows, report)
        rejects += more
        rejects.sort(key=lambda r: (r[0], r[1].line))
        report.rejected = len(rejects)
        report.loaded = report.rows - report.rejected
        export.tables[spec.name] = checkpoint(clean)
        export.dtypes[spec.name] = clean_dtypes(spec)
        export.files.append(report)
        export.rejects += [r for _, r in rejects]
        if spec.kind == "node" and spec.entity in ("merchant", "streamer", *ALWAYS_CLOSED):
            known[spec.entity] = checkpoint(export.tables[spec.name].select(
                spec.key[0]).distinct())
            file_of[spec.entity] = name
    return export


class _FileSystem:
    """The Hadoop file system of DATA (the one Spark itself reads through)."""

    def __init__(self, spark: SparkSession, data: str):
        #: DATA as messages name it: a local folder as the embedded reader spells it.
        self.local = None if _SCHEME.match(data) else Path(data)
        self.shown = data.rstrip("/") or data if self.local is None else str(self.local)
        # Hadoop's Path takes a local path as it is (spaces, non-ASCII): not a URI,
        # which it would not decode
        base = data if self.local is None else f"file:{self.local.absolute()}"
        self._jvm: Any = spark.sparkContext._jvm
        assert self._jvm is not None
        self._root = self._jvm.org.apache.hadoop.fs.Path(base)
        try:
            self._fs = self._root.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
        except Exception as e:  # a Py4J error: an unknown scheme, a missing connector
            raise InputError(f"{self.shown}: cannot open: {_java_message(e)}",
                             file=self.shown) from None

    def _path(self, name: str) -> Any:
        return self._jvm.org.apache.hadoop.fs.Path(self._root, name) if name else self._root

    def _status(self, name: str) -> Any:
        try:
            path = self._path(name)
            return self._fs.getFileStatus(path) if self._fs.exists(path) else None
        except Exception as e:
            raise InputError(f"{self.shown}/{name}: cannot read: {_java_message(e)}",
                             file=f"{self.shown}/{name}") from None

    def head(self, path: str, size: int) -> bytes:
        """The first ``size`` bytes of the file at ``path`` (as the listing names it)."""
        try:
            stream = self._fs.open(self._jvm.org.apache.hadoop.fs.Path(path))
            try:
                return bytes(stream.readNBytes(size))
            finally:
                stream.close()
        except Exception as e:  # a Py4J error: gone since listed, no permission
            raise InputError(f"{path}: cannot read: {_java_message(e)}", file=path) from None

    def is_dir(self, name: str) -> bool:
        status = self._status(name)
        return bool(status is not None and status.isDirectory())

    def find(self, stem: str) -> tuple[str, list[tuple[str, str, int]]] | None:
        """The export's file for ``stem``: its name, and each of its files as (path
        Spark reads, name in rejects, bytes); None when the export has none."""
        if _GLOB.search(stem) or stem.startswith(("_", ".")):
            raise InputError(f"{self.shown}/{stem}.csv: a file name Spark reads as a "
                             "pattern or skips (glob characters, or a leading _ or .); "
                             "rename it in the mapping", file=f"{self.shown}/{stem}.csv")
        found = []
        for name in (f"{stem}.csv", f"{stem}.parquet", stem):
            if self.local is not None:
                link = self.local / name
                if link.is_symlink() and not link.exists():  # as the embedded reader
                    raise InputError(f"{link}: a link to {os.readlink(link)}, which does "
                                     "not exist", file=str(link))
            status = self._status(name)
            # a bare file without a suffix is not a contract file
            if status is not None and (name != stem or status.isDirectory()):
                found.append((name, status))
        if len(found) > 1:  # as the embedded reader: which one to read is not guessed
            names = [f"{self.shown}/{n}" for n, _ in found]
            raise InputError(f"{names[0]} and {names[1]}: the table {stem} is in the export "
                             f"{'twice' if len(found) == 2 else f'{len(found)} times'} "
                             "(which one to read is not guessed); keep one", file=names[0])
        if not found:
            return None
        name, status = found[0]
        if status.isDirectory():
            return f"{name}/", self._parts(name, status)
        if self.local is not None:  # a named pipe or a device would block the read
            from graphfraud.loaders.reader import check_regular

            check_regular(self.local / name)
        base = Path(name).name  # as the embedded reader names it
        return base, [(str(status.getPath().toString()), base, int(status.getLen()))]

    def _parts(self, name: str, status: Any) -> list[tuple[str, str, int]]:
        parts = []
        try:
            children = self._fs.listStatus(status.getPath())
        except Exception as e:
            where = f"{self.shown}/{name}"
            raise InputError(f"{where}: cannot list: {_java_message(e)}",
                             file=where) from None
        for child in children:
            part = str(child.getPath().getName())
            if part.startswith(("_", ".")):  # _SUCCESS, .crc checksums
                continue
            where = f"{self.shown}/{name}/{part}"
            if child.isDirectory() or not part.endswith((".csv", ".parquet")):
                raise InputError(f"{where}: not a part file (a folder of parts holds .csv "
                                 "or .parquet files; compressed CSV is not read)", file=where)
            if _GLOB.search(part):
                raise InputError(f"{where}: glob characters in a part file's name; rename "
                                 "it", file=where)
            parts.append((str(child.getPath().toString()), f"{name}/{part}",
                          int(child.getLen())))
        if not parts:
            raise InputError(f"{self.shown}/{name}: the folder holds no part file",
                             file=f"{self.shown}/{name}")
        return sorted(parts, key=lambda p: p[1])


def _java_message(error: Exception) -> str:
    """The first line of a Java exception's message, without the Py4J wrapping."""
    java = getattr(error, "java_exception", None)
    text = str(java.getMessage()) if java is not None else str(error)
    return text.strip().splitlines()[0][:300] if text.strip() else type(error).__name__


class _Part(NamedTuple):
    """One file of a table: the path Spark reads, its name in rejects, its bytes, and its
    place in the table's name order."""

    path: str
    name: str
    size: int
    order: int


@dataclass(frozen=True)
class _Native:
    """How the fast path reads one part: a CSV by its header's ``width`` and the field
    each contract column is in, a Parquet file by the column each is in (and whether
    that column holds text); ``group`` gathers the parts one Spark read takes (the same
    header line, or the same schema)."""

    part: _Part
    csv: bool
    width: int
    source: dict[str, Any]
    #: The header's names no contract column reads (each becomes an ignored-column line).
    ignored: tuple[str, ...]
    group: tuple[Any, ...]


def _read_rows(spark: SparkSession, fs: _FileSystem, spec: TableSpec, mapping: Mapping,
               found: list[tuple[str, str, int]], horizon: pd.Timestamp, report: FileReport,
               read_by: dict[str, str]) -> tuple[DataFrame, list[tuple[int, Reject]]]:
    """The rows of one table's files checked each on its own, with their rejects; the
    report's rows and ignored columns filled.

    A file is read by Spark's own readers (:func:`_read_native`: splittable, many tasks
    per file, no Python per row) when nothing in it could read differently there; every
    other file, and any the fast path finds a doubt in, by the embedded reader in a task
    (:func:`_check_files`), whose result alone is used for that file."""
    parts = [_Part(path, name, size, order)
             for order, (path, name, size) in enumerate(found)]
    plans = [plan for plan in (_plan(spark, fs, spec, mapping, part) for part in parts)
             if plan is not None]
    native, stats = _read_native(spark, spec, mapping, plans, horizon)
    slow = [part for part in parts if part.order not in stats]
    rejects: list[tuple[int, Reject]] = []
    frames = [] if native is None else [native]
    if slow:
        rows, rejects, more = _checked_rows(_check_files(spark, spec, mapping, slow,
                                                         fs.shown, horizon))
        frames.append(rows)
        stats.update({order: (n, ignored) for order, n, ignored in more})
    ignored: list[str] = []
    for order in sorted(stats):  # in name order, as one file's ignored columns
        n, lines = stats[order]
        report.rows += n
        ignored += [line for line in lines if line not in ignored]
    report.ignored = tuple(ignored)
    for part in parts:
        read_by[part.name] = "line-exact" if part in slow else "native"
    rows = frames[0]
    for frame in frames[1:]:
        rows = rows.unionByName(frame)
    return rows, rejects


#: Bytes of a CSV file read on the driver for its header line; a longer header line
#: sends the file to the embedded reader.
HEAD_BYTES = 64 << 10
#: What pyarrow counts as white space (``utf8_is_space``): a value of these alone is
#: missing, as the embedded reader's ``_string_series`` makes it.
_SPACES = (0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680,
           *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)
_BLANK = "^[" + "".join(f"\\x{{{c:x}}}" for c in _SPACES) + r"]*+\z"
#: One RFC 4180 field on one line: bare (no quote, comma, CR or NUL), or quoted with
#: inner quotes doubled. Every CSV parser splits a line of such fields the same way.
_FIELD = r'(?:[^",\r\n\x00]*+|"[^"\r\n\x00]*+(?:""[^"\r\n\x00]*+)*+")'
#: The timestamps the embedded reader parses with Arrow's cast, exactly the ones
#: converted here; any other form sends the file to the embedded reader.
_TIME = (r"^([0-9]{4})-([0-9]{2})-([0-9]{2})"
         r"(?:[T ]([0-9]{2})(?::([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?)?)?\z")
_NUMBER = r"^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\z"
_CSV_OPTIONS = {"quote": '"', "escape": '"', "ignoreLeadingWhiteSpace": "false",
                "ignoreTrailingWhiteSpace": "false", "mode": "PERMISSIVE"}


def _line_pattern(width: int) -> str:
    """A line of exactly ``width`` well-formed fields."""
    return "^" + _FIELD + ("(?:," + _FIELD + f"){{{width - 1}}}" if width > 1 else "") + r"\z"


def _plan(spark: SparkSession, fs: _FileSystem, spec: TableSpec, mapping: Mapping,
          part: _Part) -> _Native | None:
    """How the fast path reads ``part``, or None when the embedded reader must (an empty
    file, another encoding, a header it would read differently or refuse)."""
    if part.size == 0:
        return None
    if part.name.endswith(".parquet"):
        return _plan_parquet(spark, spec, mapping, part)
    if mapping.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        return None
    try:
        head = fs.head(part.path, min(part.size, HEAD_BYTES))
    except InputError:
        return None
    return _plan_csv(spec, mapping, part, head)


def _plan_csv(spec: TableSpec, mapping: Mapping, part: _Part, head: bytes) -> _Native | None:
    """A CSV file's plan from its first bytes, when its header is one line of
    well-formed UTF-8 fields naming every required column once."""
    import csv

    from graphfraud.loaders.reader import resolve_columns

    if head.startswith((b"\x1f\x8b", b"\xff\xfe", b"\xfe\xff")):  # gzip, UTF-16
        return None
    if b"\r" in head and b"\n" not in head:  # old Mac line ends
        return None
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    end = head.find(b"\n", start)
    if end < 0 and len(head) < part.size:  # a header line longer than what was read
        return None
    try:
        text = head[start:end if end >= 0 else len(head)].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    if not text.strip() or not re.fullmatch(_FIELD + "(?:," + _FIELD + ")*", text):
        return None
    header = next(csv.reader([text]))
    ignored: list[str] = []
    try:
        positions = resolve_columns(spec, header, mapping, Path(part.name), ignored)
    except InputError:  # the embedded reader says it, in its words
        return None
    return _Native(part, True, len(header),
                   {name: pos for name, pos in positions.items() if pos >= 0},
                   tuple(ignored), (True, text))


def _plan_parquet(spark: SparkSession, spec: TableSpec, mapping: Mapping,
                  part: _Part) -> _Native | None:
    """A Parquet file's plan from its schema, when each contract column it has is text,
    a whole number or a boolean (which Spark and Arrow write as the same text)."""
    from pyspark.errors import PySparkException
    from pyspark.sql import types as T

    from graphfraud.loaders.reader import resolve_columns

    try:
        schema = spark.read.parquet(part.path).schema
    except PySparkException:
        return None
    names = [f.name for f in schema.fields]
    if len({n.lower() for n in names}) != len(names):  # Spark resolves names by case
        return None
    ignored: list[str] = []
    try:
        positions = resolve_columns(spec, names, mapping, Path(part.name), ignored)
    except InputError:
        return None
    source = {}
    for name, pos in positions.items():
        if pos < 0:
            continue
        kind = schema.fields[pos].dataType
        if not isinstance(kind, T.StringType | T.ByteType | T.ShortType | T.IntegerType
                          | T.LongType | T.BooleanType):
            return None  # floats, times, binary, nested: the embedded reader's forms
        source[name] = (names[pos], isinstance(kind, T.StringType))
    return _Native(part, False, len(names), source, tuple(ignored), (False, schema.json()))


def _read_native(spark: SparkSession, spec: TableSpec, mapping: Mapping,
                 plans: list[_Native], horizon: pd.Timestamp
                 ) -> tuple[DataFrame | None, dict[int, tuple[int, list[str]]]]:
    """The rows of the planned files Spark reads exactly as the embedded reader would
    (``_file``, ``_order``, ``_line``, the contract's columns as text), and each such
    file's figures (rows, ignored-column lines) by its order; a file with any doubt (a
    row the embedded reader would reject, a line it would parse otherwise) is left out.

    One pass reads every file (CSV through the text source and ``from_csv``, so each
    line keeps its bytes, Parquet with its row index), checks each row by the
    contract, and keeps the converted columns; one small aggregate per file split then
    gives each file's verdict and each split's first line number."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException
    from pyspark.sql import functions as F

    if not plans:
        return None, {}
    columns = list(spec.column_names)
    groups: dict[tuple[Any, ...], list[_Native]] = {}
    for plan in plans:
        groups.setdefault(plan.group, []).append(plan)
    last = (horizon - _one_microsecond()).strftime("%Y-%m-%dT%H:%M:%S.%f")
    try:
        scans = [_scan(spark, spec, mapping, group, last) for group in groups.values()]
        frame = scans[0]
        for other in scans[1:]:
            frame = frame.unionByName(other)
        frame = checkpoint(frame)
        splits = _split_figures(frame, columns).collect()
    except (PySparkException, Py4JError):  # unreadable: the embedded reader says why
        return None, {}
    offsets, stats = _verdicts(spec, mapping, plans, splits)
    if not offsets:
        return None, stats
    where = spark.createDataFrame(offsets, "_path string, _blk long, _base long, "
                                  "_m0 long, _file string, _order int")
    line = "coalesce(_ln, _base + _mid - _m0 + 1)"
    rows = (frame.join(F.broadcast(where), ["_path", "_blk"])
            .where(f"_row AND (_ln IS NOT NULL OR {line} > 1)")
            .selectExpr("_file", "_order", f"{line} AS _line", *map(_name, columns)))
    # cut here: the steps after read the rows several times, each a broadcast otherwise
    return checkpoint(rows), stats


def _one_microsecond() -> Any:
    import pandas as pd

    return pd.Timedelta(microseconds=1)


def _scan(spark: SparkSession, spec: TableSpec, mapping: Mapping, plans: list[_Native],
          last: str) -> DataFrame:
    """One Spark read of a group of files: per line (CSV) or row (Parquet) its file
    split (``_path``, ``_blk``), its place (``_mid``; ``_ln`` the line when the reader
    knows it), whether it is a row (``_row``: a blank CSV line is not), whether it is
    in doubt (``_doubt``), and the contract's columns as the embedded reader writes
    them; a timestamp after ``last`` is in doubt. The expressions go to Spark as SQL
    text, one call each stage (not one per function)."""
    from graphfraud.loaders.reader import FIELD_LIMIT

    plan = plans[0]
    paths = [p.part.path for p in plans]
    meta = ["_metadata.file_path AS _path", "_metadata.file_block_start AS _blk",
            "monotonically_increasing_id() AS _mid"]
    keep = ["_path", "_blk", "_mid"]
    raws = {name: f"_r{i}" for i, name in enumerate(spec.column_names)}
    if plan.csv:
        source = spark.read.text(paths, lineSep="\n").selectExpr("value AS _raw", *meta)
        lines = source.selectExpr(*keep, "_raw",  # a CRLF line end (one \r: see _odd)
                                  "trim(TRAILING '\\r' FROM _raw) AS _line")
        options = ", ".join(f"{_sql(k)}, {_sql(v)}" for k, v in _CSV_OPTIONS.items())
        schema = ", ".join(f"c{i} STRING" for i in range(plan.width))
        frame = lines.selectExpr(
            *keep, "CAST(NULL AS BIGINT) AS _ln", "_line <> '' AS _row",
            f"CASE WHEN octet_length(_raw) > {FIELD_LIMIT} THEN true ELSE NOT "
            "is_valid_utf8(_raw) OR endswith(_raw, '\\r\\r') OR NOT _line RLIKE "
            f"{_sql(_line_pattern(plan.width))} END AS _odd",
            f"from_csv(_line, {_sql(schema)}, map({options})) AS _f")
        found = {name: f"_f.c{pos}" for name, pos in plan.source.items()}
    else:
        frame = spark.read.parquet(*paths).selectExpr(
            "*", *meta, "_metadata.row_index + 1 AS _ln_")
        found, odd = {}, ["false"]
        for name, (source, is_text) in plan.source.items():
            column = _name(source)
            found[name] = column if is_text else f"CAST({column} AS STRING)"
            if is_text:  # bytes Spark would read otherwise
                odd.append(f"({column} IS NOT NULL AND NOT is_valid_utf8({column}))")
        frame = frame.selectExpr(*keep, "_ln_ AS _ln", "true AS _row",
                                 f"{' OR '.join(odd)} AS _odd",
                                 *[f"{found[n]} AS {raws[n]}" for n in found])
        found = {name: raws[name] for name in found}
    values = mapping.values.get(spec.name, {})
    frame = frame.selectExpr(*keep, "_ln", "_row", "_odd", *[
        f"{_value_sql(found.get(col.name, 'CAST(NULL AS STRING)'), values.get(col.name))} "
        f"AS {raws[col.name]}" for col in spec.columns])
    parts = []  # each timestamp in one form, each number's digits before and after "."
    for col in spec.columns:
        v = raws[col.name]
        if col.type == "timestamp":
            parts.append(f"{_canonical_time_sql(v)} AS {v}_t")
        elif col.type in ("count", "amount"):
            plain = f"{v} RLIKE {_sql(_NUMBER)}"
            parts += [f"CASE WHEN {plain} THEN trim(LEADING '0' FROM substring_index({v}, "
                      f"'.', 1)) END AS {v}_w",
                      f"CASE WHEN {plain} AND {v} LIKE '%.%' THEN trim(TRAILING '0' FROM "
                      f"substring_index({v}, '.', -1)) WHEN {plain} THEN '' END AS {v}_f"]
    frame = frame.selectExpr(*keep, "_ln", "_row", "_odd", *raws.values(), *parts)
    out, doubts = [], ["_odd"]
    for col in spec.columns:
        v = raws[col.name]
        written, bad = _time_sql(v, last) if col.type == "timestamp" else _field_sql(col, v)
        out.append(f"{written} AS {_name(col.name)}")
        doubts.append(f"({v} IS NOT NULL AND ({bad}))")
        if col.required:
            doubts.append(f"{v} IS NULL")
    return frame.selectExpr(*keep, "_ln", "_row",
                            f"_row AND coalesce({' OR '.join(doubts)}, true) AS _doubt",
                            *out)


def _sql(text: str) -> str:
    """``text`` as a Spark SQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _name(name: str) -> str:
    """``name`` as a Spark SQL column name."""
    return "`" + name.replace("`", "``") + "`"


def _value_sql(raw: str, value_map: dict[str, str] | None) -> str:
    """A field as the embedded reader holds it before its checks: blank (empty or white
    space only) is missing, then the mapping's values replaced (all at once, as
    pandas' ``replace``)."""
    value = f"CASE WHEN {raw} IS NULL OR {raw} RLIKE {_sql(_BLANK)} THEN NULL ELSE {raw} END"
    if not value_map:
        return value
    cases = " ".join(f"WHEN {_sql(k)} THEN {_sql(v)}" for k, v in value_map.items())
    return f"CASE {value} {cases} ELSE {value} END"


def _field_sql(col: ColumnSpec, v: str) -> tuple[str, str]:
    """One contract column ``v`` (present; not a timestamp) as the embedded reader's
    ``_check_column`` leaves it (text in :func:`graphfraud.spark.common.as_text` form),
    and when the row is in doubt for it: a value that reader rejects, or a form it
    reads another way."""
    from graphfraud.loaders.reader import MAX_ID_LENGTH, MAX_TEXT_LENGTH

    if col.type in ("id", "text"):
        limit = MAX_ID_LENGTH if col.type == "id" else MAX_TEXT_LENGTH
        return v, f"char_length({v}) > {limit}"
    if col.type == "enum":
        allowed = ", ".join(_sql(value) for value in col.values)
        return f"lower({v})", f"NOT ({v} RLIKE '^[A-Za-z_]+\\\\z' AND lower({v}) IN ({allowed}))"
    return _number_sql(v, col.type == "count")


def _canonical_time_sql(v: str) -> str:
    """A timestamp of the forms Arrow's cast reads as ``YYYY-MM-DDTHH:MM:SS.ffffff``
    (the parts it leaves out zero), NULL for any other form."""
    def part(at: int) -> str:
        return f"coalesce(nullif(substr({v}, {at}, 2), ''), '00')"

    return (f"CASE WHEN {v} RLIKE {_sql(_TIME)} THEN concat(substr({v}, 1, 10), 'T', "
            f"{part(12)}, ':', {part(15)}, ':', {part(18)}, '.', rpad(substr({v}, 21), 6, "
            "'0')) END")


def _time_sql(v: str, last: str) -> tuple[str, str]:
    """A timestamp (``v``, and its canonical form ``v_t``) as ISO 8601 in UTC, as the
    embedded reader writes it; in doubt when not a form Arrow's cast reads, not a real
    time (Spark's cast checks the calendar and the clock), before 1900, or after
    ``last``."""
    t = f"{v}_t"
    good = (f"{t} >= '1900' AND {t} <= {_sql(last)} AND "
            f"try_cast({t} AS TIMESTAMP_NTZ) IS NOT NULL")
    out = (f"concat(substr({t}, 1, 19), CASE WHEN endswith({t}, '000000') THEN '' ELSE "
           f"substr({t}, 20) END, '+00:00')")
    return out, f"{t} IS NULL OR NOT ({good})"


def _number_sql(v: str, count: bool) -> tuple[str, str]:
    """A count or amount written as plain decimal digits (``v_w`` its whole digits but
    leading zeros, ``v_f`` its fraction's but trailing zeros; NULL for any other form)
    as the embedded reader writes it back (a count's whole number, an amount's
    ``repr``); in doubt when not such a form (a sign, an exponent, white space),
    not whole (a count), past the contract's limit, or an amount whose ``repr`` this
    cannot spell (over 15 significant digits, or below 1e-4)."""
    from graphfraud.loaders.reader import MAX_AMOUNT, MAX_COUNT

    whole, fraction = f"{v}_w", f"{v}_f"
    units = f"CASE WHEN {whole} = '' THEN '0' ELSE {whole} END"
    if count:
        return units, (f"{whole} IS NULL OR {fraction} <> '' OR length({whole}) > 13 OR "
                       f"({whole} <> '' AND try_cast({whole} AS BIGINT) > {MAX_COUNT})")
    largest = str(MAX_AMOUNT)
    bad = (f"{whole} IS NULL OR length(trim(BOTH '0' FROM concat({whole}, {fraction}))) > 15 "
           f"OR ({whole} = '' AND {fraction} LIKE '0000%') OR length({whole}) > "
           f"{len(largest)} OR (length({whole}) = {len(largest)} AND ({whole} <> '{largest}' "
           f"OR {fraction} <> ''))")
    out = f"concat({units}, '.', CASE WHEN {fraction} = '' THEN '0' ELSE {fraction} END)"
    return out, bad


def _split_figures(frame: DataFrame, columns: list[str]) -> DataFrame:
    """Per file split: its lines, its first place, its rows, rows in doubt, rows with
    each column, and the same for its first line (a CSV file's header, when the split
    starts the file)."""
    from pyspark.sql import functions as F

    has = [f"CAST(_row AND {_name(c)} IS NOT NULL AS BIGINT)" for c in columns]
    first = ", ".join(["'d', CAST(_doubt AS BIGINT)",
                       *[f"'p{i}', {h}" for i, h in enumerate(has)]])
    return frame.groupBy("_path", "_blk").agg(*[F.expr(e) for e in (
        "count(1) AS n", "min(_mid) AS m0", "sum(CAST(_row AS BIGINT)) AS rows",
        "sum(CAST(_doubt AS BIGINT)) AS doubt",
        *[f"sum({h}) AS p{i}" for i, h in enumerate(has)],
        f"min_by(named_struct({first}), _mid) AS first")])


def _verdicts(spec: TableSpec, mapping: Mapping, plans: list[_Native], splits: list[Any]
              ) -> tuple[list[tuple[Any, ...]], dict[int, tuple[int, list[str]]]]:
    """Each clean file's split offsets (path, split start, lines before it, its first
    place, name, order) and figures (rows, ignored-column lines) by order."""
    import pandas as pd

    from graphfraud.loaders.reader import ignored_columns

    by_path = {plan.part.path: plan for plan in plans}
    mine: dict[str, list[Any]] = {}
    for split in splits:
        try:
            path = _same_path(unquote(split["_path"]), by_path)
        except KeyError:  # a path the listing does not name: trust no file of it
            return [], {}
        mine.setdefault(path, []).append(split)
    offsets: list[tuple[Any, ...]] = []
    stats: dict[int, tuple[int, list[str]]] = {}
    columns = list(spec.column_names)
    for path, plan in by_path.items():
        found = sorted(mine.get(path, []), key=lambda s: s["_blk"])
        if not found or (plan.csv and found[0]["_blk"] != 0):
            continue
        header = found[0]["first"] if plan.csv else None
        doubt = sum(s["doubt"] for s in found) - (header["d"] if header else 0)
        if doubt:
            continue
        has = [sum(s[f"p{i}"] for s in found) - (header[f"p{i}"] if header else 0)
               for i in range(len(columns))]
        rows = sum(s["rows"] for s in found) - (1 if header else 0)
        frame = pd.DataFrame({c: ["x" if n else None] for c, n in zip(columns, has,
                                                                      strict=True)})
        stats[plan.part.order] = (rows, list(ignored_columns(spec, list(plan.ignored),
                                                              frame, mapping)))
        base = 0
        for s in found:
            offsets.append((s["_path"], s["_blk"], base, s["m0"], plan.part.name,
                            plan.part.order))
            base += s["n"]
    return offsets, stats


def _check_files(spark: SparkSession, spec: TableSpec, mapping: Mapping,
                 parts: list[_Part], shown: str, horizon: pd.Timestamp) -> DataFrame:
    """A task per file, by the embedded reader: its valid rows, rejects, figures, or the
    error that stops the run (``_kind`` row / reject / stat / error)."""
    columns = list(spec.column_names)
    schema = _META_SCHEMA + "".join(f", `{c}` string" for c in columns)
    for part in parts:
        if part.size == 0:  # Spark's file sources skip empty files: judge them here
            _raise_error(_check_one(spec, mapping, b"", part.name, part.order,
                                    f"{shown}/{part.name}", columns, horizon))
    names = {part.path: (part.name, part.order) for part in parts}

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            for path, content in zip(batch["path"], batch["content"], strict=True):
                name, order = names[_same_path(path, names)]
                yield _check_one(spec, mapping, bytes(content), name, order,
                                 f"{shown}/{name}", columns, horizon)

    where = f"{shown}/{parts[0].name.split('/')[0]}"
    try:
        frame = spark.read.format("binaryFile").load([part.path for part in parts])
        return checkpoint(frame.select("path", "content").mapInPandas(run, schema))
    except Exception as e:  # unreadable (permissions, over 2 GiB, gone since listed)
        raise InputError(f"{where}: cannot read: {_java_message(e)}", file=where) from None


def _raise_error(frame: pd.DataFrame) -> None:
    """Raise the error a file's check reported, if it reported one."""
    errors = frame.loc[frame["_kind"] == "error"]
    if len(errors):
        info = json.loads(errors["_info"].iloc[0])
        raise InputError(str(errors["_reason"].iloc[0]), file=info["file"],
                         column=info["column"])


def _same_path(path: str, names: dict[str, Any]) -> str:
    """``path`` as the listing wrote it (``file:/x`` and ``file:///x`` are one path)."""
    if path in names:
        return path
    bare = re.sub(r"^file:/+", "/", path)
    for known in names:
        if re.sub(r"^file:/+", "/", known) == bare:
            return known
    raise KeyError(path)


def _check_one(spec: TableSpec, mapping: Mapping, content: bytes, name: str, order: int,
               shown: str, columns: list[str], horizon: pd.Timestamp) -> pd.DataFrame:
    import pandas as pd

    from graphfraud.loaders.reader import check_file

    def block(what: str, n: int, values: dict[str, list[Any]]) -> pd.DataFrame:
        data: dict[str, Any] = {k: values.get(k, [None] * n) for k in (*_META, *columns)}
        data["_kind"], data["_file"], data["_order"] = [what] * n, [name] * n, [order] * n
        return pd.DataFrame(data)

    with tempfile.TemporaryDirectory(prefix="graphfraud-part-") as tmp:
        local = Path(tmp) / Path(name).name
        try:
            local.write_bytes(content)
            checked = check_file(local, spec, mapping, horizon)
        except OSError as e:  # the task's own disk
            return _typed_meta(block("error", 1, {
                "_reason": [f"{shown}: cannot read: a Spark task could not copy it "
                            f"({e.strerror})"],
                "_info": [json.dumps({"column": None, "file": shown})]}))
        except InputError as e:
            message = str(e).replace(str(local), shown)
            return _typed_meta(block("error", 1, {
                "_reason": [message],
                "_info": [json.dumps({"column": e.column, "file": shown})]}))
    check = checked.checker
    keep = ~check.bad
    n = int(keep.sum())
    rows = block("row", n, {"_line": check.lines[keep].tolist(),
                            **{c: as_text(check.frame.loc[keep, c]).tolist()
                               for c in columns}})
    bad = checked.rejects()
    rejects = block("reject", len(bad), {
        "_line": [r.line for r in bad], "_field": [r.field for r in bad],
        "_reason": [r.reason for r in bad], "_value": [r.value for r in bad]})
    stat = block("stat", 1, {"_n": [checked.rows],
                             "_info": [json.dumps(list(checked.ignored))]})
    return _typed_meta(pd.concat([rows, rejects, stat], ignore_index=True))


def _typed_meta(frame: pd.DataFrame) -> pd.DataFrame:
    """The figure columns as nullable integers and every other one as Python objects
    (pandas 3 infers Arrow-backed strings, which Spark's conversion does not take)."""
    figures = {"_order": "Int32", "_line": "Int64", "_n": "Int64"}
    return frame.astype({c: figures.get(c, object) for c in frame.columns})


def _checked_rows(parsed: DataFrame) -> tuple[DataFrame, list[tuple[int, Reject]],
                                              list[tuple[int, int, list[str]]]]:
    """The valid rows, the rejects and each file's figures (order, rows, ignored
    columns) of :func:`_check_files`; raises the first file's error."""
    from pyspark.sql import functions as F

    from graphfraud.loaders.dataset import Reject

    small = parsed.where(F.col("_kind") != "row").select(*_META).orderBy(
        "_order", "_line").collect()
    for r in small:  # the first file's error, in name order
        if r["_kind"] == "error":
            info = json.loads(r["_info"])
            raise InputError(r["_reason"], file=info["file"], column=info["column"])
    stats = [(int(r["_order"]), int(r["_n"]), list(json.loads(r["_info"])))
             for r in small if r["_kind"] == "stat"]
    rejects = [(int(r["_order"]), Reject(r["_file"], int(r["_line"]), r["_field"] or "",
                                         r["_reason"], r["_value"] or ""))
               for r in small if r["_kind"] == "reject"]
    rows = parsed.where(F.col("_kind") == "row").drop(
        "_kind", "_field", "_reason", "_value", "_n", "_info")
    return rows, rejects, stats


def _references(spark: SparkSession, spec: TableSpec, rows: DataFrame,
                known: dict[str, DataFrame], file_of: dict[str, str]
                ) -> tuple[DataFrame, list[tuple[int, Reject]]]:
    """Rows naming an unknown merchant (or streamer, or organisation) rejected, the first
    failing field of each row (in the contract's column order) naming it, as the
    embedded reader does."""
    from pyspark.sql import functions as F

    from graphfraud.loaders.dataset import Reject
    from graphfraud.loaders.reader import REJECT_VALUE_PREVIEW, unknown_reference

    failing: list[tuple[str, Column, Column]] = []  # (column, unknown?, entity)
    if not known:
        return rows, []
    for i, col in enumerate(spec.columns):
        if col.ref == "entity_type":
            kinds = [e for e in known if e in spec.column("entity_type").values]
            ids = None
            for entity in kinds:
                frame = known[entity]
                typed = frame.select(F.lit(entity).alias(f"_t{i}"),
                                     F.col(frame.columns[0]).alias(f"_r{i}"))
                ids = typed if ids is None else ids.unionByName(typed)
            if ids is None:
                continue
            rows = rows.join(ids.withColumn(f"_m{i}", F.lit(True)),
                             (rows["entity_type"] == F.col(f"_t{i}"))
                             & (rows[col.name] == F.col(f"_r{i}")), "left")
            unknown = F.col("entity_type").isin(kinds) & F.col(f"_m{i}").isNull()
            failing.append((col.name, unknown, F.col("entity_type")))
        elif col.ref is not None and col.ref in known:
            frame = known[col.ref]
            rows = rows.join(frame.select(F.col(frame.columns[0]).alias(f"_r{i}"),
                                          F.lit(True).alias(f"_m{i}")),
                             rows[col.name] == F.col(f"_r{i}"), "left")
            failing.append((col.name, F.col(f"_m{i}").isNull(), F.lit(col.ref)))
    if not failing:
        return rows, []
    bad_field: Column = F.lit(None).cast("string")
    bad_entity: Column = F.lit(None).cast("string")
    for name, unknown, kind in reversed(failing):  # the first failing one wins
        bad_field = F.when(unknown, F.lit(name)).otherwise(bad_field)
        bad_entity = F.when(unknown, kind).otherwise(bad_entity)
    marked = checkpoint(rows.withColumn("_bad", bad_field).withColumn("_entity", bad_entity))
    bad = marked.where(F.col("_bad").isNotNull())
    rejects = []
    for r in bad.select("_order", "_file", "_line", "_bad", "_entity",
                        *{name for name, _, _ in failing}).collect():
        value = r[r["_bad"]] or ""
        reason = unknown_reference(r["_entity"], file_of[r["_entity"]], value)
        rejects.append((int(r["_order"]), Reject(r["_file"], int(r["_line"]), r["_bad"],
                                                 reason, value[:REJECT_VALUE_PREVIEW])))
    keep = ["_file", "_order", "_line", *spec.column_names]
    return marked.where(F.col("_bad").isNull()).select(*keep), rejects


def _settle(spec: TableSpec, rows: DataFrame, report: FileReport
            ) -> tuple[DataFrame, list[tuple[int, Reject]]]:
    """The rules across rows, for the keys that repeat only, by the embedded code."""
    from pyspark.sql import functions as F

    from graphfraud.loaders.dataset import Reject
    from graphfraud.loaders.reader import clean_dtypes

    columns = list(spec.column_names)
    key = list(spec.key)
    repeated = rows.groupBy(*key).count().where(F.col("count") > 1).drop("count")
    once = rows.join(repeated, key, "left_anti").select(*columns)
    many = checkpoint(rows.join(repeated, key, "left_semi"))
    n_many = many.count()
    if not n_many:
        return once, []
    buckets = max(1, math.ceil(n_many / SETTLE_ROWS))
    bucket = F.pmod(F.xxhash64(*key), F.lit(buckets)).alias("_bucket")
    schema = _META_SCHEMA + "".join(f", `{c}` string" for c in columns)
    dtypes = clean_dtypes(spec)
    settled = checkpoint(many.withColumn("_bucket", bucket).groupBy("_bucket")
                         .applyInPandas(_settle_group(spec, dtypes), schema))
    rejects = []
    for r in settled.where(F.col("_kind") != "row").collect():
        if r["_kind"] == "stat":
            report.merged += int(r["_n"])
        else:
            rejects.append((int(r["_order"]), Reject(r["_file"], int(r["_line"]),
                                                     r["_field"], r["_reason"],
                                                     r["_value"] or "")))
    clean = once.unionByName(settled.where(F.col("_kind") == "row").select(*columns))
    return clean, rejects


def _settle_group(spec: TableSpec, dtypes: dict[str, str]
                  ) -> Callable[[pd.DataFrame], pd.DataFrame]:
    columns = list(spec.column_names)

    def run(group: pd.DataFrame) -> pd.DataFrame:
        import numpy as np
        import pandas as pd

        from graphfraud.loaders.reader import settle_part

        group = group.sort_values(["_order", "_line"], kind="stable").reset_index(drop=True)
        frame = pd.DataFrame({c: typed(group[c], dtypes[c]) for c in columns})
        lines = group["_line"].to_numpy(dtype=np.int64)
        if spec.kind == "labels":  # ties of the standing label go to the later row
            lines = group["_order"].to_numpy(dtype=np.int64) * (1 << 32) + lines
        files = group["_file"].to_numpy(dtype=object)
        order_of = dict(zip(group["_file"], group["_order"], strict=False))
        clean, bad, merged = settle_part(spec, frame, lines, files)
        n = len(clean)
        out: dict[str, list[Any]] = {k: [None] * n for k in _META}
        out["_kind"] = ["row"] * n
        rows = pd.DataFrame({**out, **{c: as_text(clean[c]).to_numpy() for c in columns}})
        rejects = pd.DataFrame({
            "_kind": ["reject"] * len(bad), "_file": [r.file for r in bad],
            "_order": [int(order_of[r.file]) for r in bad], "_line": [r.line for r in bad],
            "_field": [r.field for r in bad], "_reason": [r.reason for r in bad],
            "_value": [r.value for r in bad]})
        stat = pd.DataFrame({"_kind": ["stat"], "_n": [merged]})
        out_frame = pd.concat([rows, rejects, stat], ignore_index=True)
        for k in (*_META, *columns):
            if k not in out_frame:
                out_frame[k] = None
        return _typed_meta(out_frame[[*_META, *columns]])

    return run


def _context(export: SparkExport, rings: list[Ring], hubs: list[Hub]) -> Dataset:
    tables = export.tables
    spark = next(iter(tables.values())).sparkSession
    members = sorted({(m.type, m.id) for ring in rings for m in ring.members})
    hub_keys = sorted({(h.type, h.id) for h in hubs})
    pair = "_t string, _k string"
    member_df = spark.createDataFrame(members, pair)
    hub_df = spark.createDataFrame(hub_keys, pair)
    wanted = _member_rows(tables, member_df)
    wanted.update(_link_and_label_rows(tables, member_df, hub_df))
    wanted.update(_hub_rows(tables, hub_df))
    wanted.update(_measure_rows(tables, member_df))
    return _on_driver(export, wanted)


def _keyed(frame: DataFrame, kind: str, column: str, keys: DataFrame) -> DataFrame:
    """The rows of ``frame`` whose ``column`` is the key of one of ``keys`` of ``kind``
    (``keys``: ``_t`` the entity type, ``_k`` the id)."""
    from pyspark.sql import functions as F

    mine = keys.where(F.col("_t") == kind).select(F.col("_k").alias(column))
    return frame.join(mine.distinct(), column, "left_semi")


def _member_rows(tables: dict[str, DataFrame], member_df: DataFrame) -> dict[str, DataFrame]:
    """The members' own rows of each actor file."""
    from graphfraud.model import ACTOR_KINDS

    return {kind.table: _keyed(tables[kind.table], kind.entity_type, kind.key, member_df)
            for kind in ACTOR_KINDS if kind.table in tables}


def _link_and_label_rows(tables: dict[str, DataFrame], member_df: DataFrame,
                         hub_df: DataFrame) -> dict[str, DataFrame]:
    """The members' links, the links of the fraud-labelled users of an identifier near
    the members or a hub, and the labels of all of them."""
    from pyspark.sql import functions as F

    from graphfraud.model import SHARING_LINKS

    wanted: dict[str, DataFrame] = {}
    fraud = None
    if "labels" in tables:
        fraud = tables["labels"].where(F.col("label") == "fraud").select(
            F.col("entity_type").alias("_t"), F.col("entity_id").alias("_k"))
    own: dict[str, DataFrame] = {}  # each link table's rows of the members
    near = hub_df  # the hubs and every identifier a member uses
    for link in SHARING_LINKS:
        if link.table in tables:
            own[link.table] = _keyed(tables[link.table], link.start.entity_type,
                                     link.start_column, member_df)
            near = near.unionByName(own[link.table].select(
                F.lit(link.end.entity_type).alias("_t"), F.col(link.end_column).alias("_k")))
    near = checkpoint(near.distinct())
    users = []  # fraud-labelled actors using an identifier near the members or a hub
    for link in SHARING_LINKS:
        if link.table not in own:
            continue
        wanted[link.table] = own[link.table]
        if fraud is not None:
            frame = tables[link.table]
            theirs = _keyed(_keyed(frame, link.end.entity_type, link.end_column, near),
                            link.start.entity_type, link.start_column, fraud)
            wanted[link.table] = own[link.table].unionByName(theirs).distinct()
            users.append(theirs.select(F.lit(link.start.entity_type).alias("_t"),
                                       F.col(link.start_column).alias("_k")))
    if "labels" in tables:
        about = member_df.unionByName(near)
        for part in users:
            about = about.unionByName(part)
        labels = tables["labels"]
        wanted["labels"] = labels.join(
            about.distinct(),
            (labels["entity_type"] == F.col("_t")) & (labels["entity_id"] == F.col("_k")),
            "left_semi")
    return wanted


def _hub_rows(tables: dict[str, DataFrame], hub_df: DataFrame) -> dict[str, DataFrame]:
    """The hubs' own rows of each identifier file."""
    from graphfraud.model import IDENTIFIER_KINDS

    return {kind.table: _keyed(tables[kind.table], kind.entity_type, kind.key, hub_df)
            for kind in IDENTIFIER_KINDS if kind.table in tables}


def _measure_rows(tables: dict[str, DataFrame], member_df: DataFrame
                  ) -> dict[str, DataFrame]:
    """The member merchants' behaviour and promotion rows, and for each measure one row
    that has it."""
    from pyspark.sql import functions as F

    wanted: dict[str, DataFrame] = {}
    merchants = member_df.where(F.col("_t") == "merchant").select(
        F.col("_k").alias("merchant_id"))
    for table, measure in (("merchant_signals", "orders"), ("promotions", "gmv")):
        if table in tables:
            frame = tables[table]
            one = frame.where(F.col(measure).isNotNull()).limit(1)
            wanted[table] = frame.join(merchants, "merchant_id", "left_semi").unionByName(
                one).distinct()
    return wanted


def _on_driver(export: SparkExport, wanted: dict[str, DataFrame]) -> Dataset:
    """The ``wanted`` rows collected into a Dataset in the loader's dtypes."""
    import pandas as pd

    from graphfraud.loaders.dataset import Dataset

    out = Dataset(source=export.source)
    for name, frame in wanted.items():
        text = text_frame(frame)
        out.tables[name] = pd.DataFrame({c: typed(text[c], t)
                                         for c, t in export.dtypes[name].items()})
    return out


def text_frame(frame: DataFrame) -> pd.DataFrame:
    """A DataFrame of text columns on the driver, missing values None (through Arrow:
    pyspark's ``toPandas`` warns under pandas 3)."""
    table = frame.toArrow()
    import pandas as pd

    return pd.DataFrame({name: pd.Series(table.column(name).to_pylist(), dtype=object)
                         for name in table.column_names})

