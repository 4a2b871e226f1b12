"""A Spark run's report into a cluster folder (``scan --engine spark --out s3a://...``).

The report is made on the driver as for any run, into a local folder (``--report-out``):
rings.json, rings.csv, report.html, rejects.csv, manifest.json. Then the cluster folder
gets the ring tables as Parquet, written by Spark (``rings.parquet/`` and
``ring_members.parquet/``, part files, the columns of ``scan --parquet``), and a copy of
each report file, through the cluster's own Hadoop file system (the connector and its
credentials come from the cluster's configuration, never from the path). manifest.json
is copied last: a folder without it holds a run that did not finish.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from graphfraud.errors import UsageError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from graphfraud.report.run import RunReport

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB = re.compile(r"[*?\[\]{}\\]")


def is_cluster_path(out: str) -> bool:
    """Whether ``out`` names a folder by URI (``s3a://``, ``hdfs://``, ``file://``...)
    rather than a path on this machine.

    >>> is_cluster_path("s3a://reports/2026-12-05"), is_cluster_path("reports/today")
    (True, False)
    """
    return bool(_SCHEME.match(out))


def check_cluster_out(out: str) -> None:
    """Refuse a cluster ``--out`` that holds credentials or a glob pattern (the value is
    not echoed).

    Raises
    ------
    UsageError
        If ``out`` names a password, or holds glob characters.
    """
    if _GLOB.search(out):
        raise UsageError("--out: glob characters (* ? [ ] { } \\) are not accepted; name "
                         "one folder")
    try:
        parts = urlsplit(out)
    except ValueError:
        raise UsageError("--out: not a valid URI") from None
    if parts.password is not None:
        raise UsageError("--out: credentials do not go in a path on the command line; use "
                         "the file system's own configuration (core-site.xml, the "
                         "environment, an instance role)")


def publish(spark: SparkSession, report: RunReport, out: str,
            written: dict[str, Path]) -> list[str]:
    """Write the ring tables as Parquet into ``out`` and copy the report files
    (``written``: the local files of the run, manifest.json last); return what ``out``
    now holds, by name."""
    from graphfraud.report.writer import MANIFEST, ring_tables

    jvm: Any = spark.sparkContext._jvm
    hadoop: Any = spark.sparkContext._jsc.hadoopConfiguration()
    fs_path = jvm.org.apache.hadoop.fs.Path
    root = fs_path(out)
    fs = root.getFileSystem(hadoop)
    fs.delete(fs_path(f"{out.rstrip('/')}/{MANIFEST}"), False)  # a run in progress
    fs.mkdirs(root)
    names = []
    for name, table in ring_tables(report).items():
        target = f"{out.rstrip('/')}/{name}.parquet"
        spark.createDataFrame(table).coalesce(1).write.mode("overwrite").parquet(target)
        names.append(f"{name}.parquet")
    local = sorted((p for p in written.values() if p.suffix != ".parquet"),
                   key=lambda p: p.name)
    manifest = next(iter(written.values())).parent / MANIFEST
    for path in [*local, manifest]:
        fs.copyFromLocalFile(False, True, fs_path(path.resolve().as_uri()),
                             fs_path(f"{out.rstrip('/')}/{path.name}"))
        names.append(path.name)
    return names
