"""Reading and validating an export on Spark, by the contract the embedded reader
applies, with the same rejects (file, line, field, reason, value).

DATA is any folder Spark's Hadoop file systems reach: a local path, ``file:``,
``hdfs://``, ``s3a://``... Each contract file is ``STEM.csv`` or ``STEM.parquet``, or a
folder of part files as Spark writes them (``STEM/``, ``STEM.csv/``,
``STEM.parquet/``: every file not starting with ``_`` or ``.``, each a ``.csv`` with its
own header line or a ``.parquet``).

Stages, per contract file, in the contract's order:

1. **Each file's own rows**, a Spark task per file (the ``binaryFile`` source and
   ``mapInPandas``): the embedded reader's :func:`~graphfraud.loaders.reader.check_file`
   parses the file and checks each row's fields; a file that cannot be read or lacks a
   required column stops the run as the embedded reader does (exit 2, one line naming
   it).
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
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from graphfraud.errors import InputError, UsageError
from graphfraud.spark.common import as_text, checkpoint, typed

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import Column, DataFrame, SparkSession

    from graphfraud.graph.projection import Hub
    from graphfraud.loaders.dataset import Dataset, FileReport, Reject
    from graphfraud.loaders.mapping import Mapping
    from graphfraud.loaders.spec import TableSpec
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
        parsed = _check_files(spark, spec, mapping, parts, shown, horizon)
        rows, rejects = _checked_rows(parsed, report)
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


def _check_files(spark: SparkSession, spec: TableSpec, mapping: Mapping,
                 parts: list[tuple[str, str, int]], shown: str,
                 horizon: pd.Timestamp) -> DataFrame:
    """A task per file: its valid rows, rejects, figures, or the error that stops the
    run (``_kind`` row / reject / stat / error)."""
    columns = list(spec.column_names)
    schema = _META_SCHEMA + "".join(f", `{c}` string" for c in columns)
    for order, (_, name, size) in enumerate(parts):
        if size == 0:  # Spark's file sources skip empty files: judge them here
            _raise_error(_check_one(spec, mapping, b"", name, order, f"{shown}/{name}",
                                    columns, horizon))
    names = {path: (name, order) for order, (path, name, _) in enumerate(parts)}

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            for path, content in zip(batch["path"], batch["content"], strict=True):
                name, order = names[_same_path(path, names)]
                yield _check_one(spec, mapping, bytes(content), name, order,
                                 f"{shown}/{name}", columns, horizon)

    where = f"{shown}/{parts[0][1].split('/')[0]}"
    try:
        frame = spark.read.format("binaryFile").load([p for p, _, _ in parts])
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


def _checked_rows(parsed: DataFrame, report: FileReport
                  ) -> tuple[DataFrame, list[tuple[int, Reject]]]:
    """The valid rows; raises the first file's error; fills the report's figures."""
    from pyspark.sql import functions as F

    from graphfraud.loaders.dataset import Reject

    small = parsed.where(F.col("_kind") != "row").select(*_META).orderBy(
        "_order", "_line").collect()
    for r in small:  # the first file's error, in name order
        if r["_kind"] == "error":
            info = json.loads(r["_info"])
            raise InputError(r["_reason"], file=info["file"], column=info["column"])
    ignored: list[str] = []
    for r in small:
        if r["_kind"] == "stat":
            report.rows += int(r["_n"])
            ignored += [line for line in json.loads(r["_info"]) if line not in ignored]
    report.ignored = tuple(ignored)
    rejects = [(int(r["_order"]), Reject(r["_file"], int(r["_line"]), r["_field"] or "",
                                         r["_reason"], r["_value"] or ""))
               for r in small if r["_kind"] == "reject"]
    rows = parsed.where(F.col("_kind") == "row").drop(
        "_kind", "_field", "_reason", "_value", "_n", "_info")
    return rows, rejects


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

