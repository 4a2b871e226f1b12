"""``graphfraud scan``: find and score rings, write the ring report."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from graphfraud.cli.data import print_warning, progress_printer
from graphfraud.cli.options import (
    KnobOption,
    field_default,
    mapping_option,
    quiet_option,
    scan_default,
)
from graphfraud.errors import UsageError

if TYPE_CHECKING:
    from graphfraud.spark import SparkEngine

_SPARK_MASTER = field_default("graphfraud.spark.engine", "SparkEngine", "master")
_SPARK_COMPONENTS = field_default("graphfraud.spark.engine", "SparkEngine", "components")
#: Spark's log levels (graphfraud.spark.engine.LOG_LEVELS; not imported: --help stays
#: quick without pyspark).
_SPARK_LOG_LEVELS = ("ALL", "DEBUG", "ERROR", "FATAL", "INFO", "OFF", "TRACE", "WARN")
_SECRET = re.compile(r"secret|password|passwd|token|credential|access\.key|account\.key|"
                     r"\.sas\.|sas\.token|oauth|keytab|\.key$", re.IGNORECASE)
#: Keys that name where credentials come from (a class), never a credential itself.
_PROVIDER = re.compile(r"\.credentials\.provider$", re.IGNORECASE)


@click.command("scan")
@click.argument("data_dir", required=False, type=click.Path(file_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for rings.json, rings.csv, report.html (and rejects.csv); "
              "with --engine spark also a cluster folder (hdfs://..., s3a://...), which "
              "gets the ring tables as Parquet and a copy of the report (needs "
              "--report-out).")
@click.option("--report-out", type=click.Path(file_okay=False),
              help="With a cluster --out: the folder on this machine where the report "
              "files are written first.")
@click.option("--follow-out-link", is_flag=True,
              help="Write into --out even when it is a symbolic link (refused otherwise: "
              "whoever can change the link would choose where the files go).")
@click.option("--neo4j", "from_neo4j", is_flag=True,
              help="Read the graph from Neo4j (built by `graphfraud load`) instead of "
              "DATA_DIR, and write the rings back into it.")
@click.option("--seed", type=int, default=scan_default("seed"), show_default=True,
              help="Seed of every random step (Leiden, embeddings).")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False),
              help="An earlier rings.json: ring ids carry over and changes are listed "
              "[default: OUT/rings.json when it exists].")
@click.option("--hub-degree", type=click.IntRange(min=2), cls=KnobOption,
              knob=scan_default("hub_degree"),
              help="Identifiers shared by more actors are ignored as hubs [{default}].")
@click.option("--strong-degree", type=click.IntRange(min=2), cls=KnobOption,
              knob=scan_default("strong_degree"),
              help="Identifiers shared by at most this many actors link them strongly "
              "[{default}].")
@click.option("--min-ring-size", type=click.IntRange(min=2), cls=KnobOption,
              knob=scan_default("min_ring_size"), help="Smallest ring [{default}].")
@click.option("--max-ring-size", type=click.IntRange(min=3), cls=KnobOption,
              knob=scan_default("max_ring_size"),
              help="The giant-component guard: larger loose groups are split with "
              "Leiden [{default}].")
@click.option("--no-embedding", is_flag=True, help="Score without graph embeddings.")
@click.option("--engine", type=click.Choice(["embedded", "spark"]), default="embedded",
              show_default=True,
              help="Where the graph stages run: in this process, or on Apache Spark "
              "(needs the spark extra and Java 17; same rings, docs/scale-out.md).")
@click.option("--spark-master", type=str, default=_SPARK_MASTER, show_default=True,
              help="Spark master for --engine spark (local[N], yarn, k8s://...).")
@click.option("--spark-conf", "spark_conf", multiple=True, metavar="KEY=VALUE",
              help="A Spark configuration pair for --engine spark (repeatable).")
@click.option("--spark-buckets", type=click.IntRange(min=1),
              help="Buckets of components scanned as one task [2 x default parallelism].")
@click.option("--spark-max-task", "--spark-max-component", "spark_max_task",
              type=click.IntRange(min=2), cls=KnobOption,
              knob=field_default("graphfraud.spark.engine", "SparkEngine", "max_task"),
              help="The most actors one task of --engine spark scans: a larger component "
              "is scanned in cells, its identifier groups, the promotions between them "
              "cut (docs/scale-out.md) [{default}].")
@click.option("--spark-components", type=click.Choice(["dataframes", "graphframes"]),
              default=_SPARK_COMPONENTS, show_default=True,
              help="How --engine spark finds connected components: large-star / "
              "small-star rounds in plain DataFrames, or GraphFrames (needs its package "
              "and jar; same rings).")
@click.option("--spark-app-name", type=str,
              help="Spark app name for --engine spark [the site's (spark-submit --name, "
              "spark-defaults.conf), else 'graphfraud scan'].")
@click.option("--spark-partitions", type=click.IntRange(min=1),
              help="spark.sql.shuffle.partitions for --engine spark [the site's, else 8 "
              "in local mode and Spark's own on a cluster].")
@click.option("--spark-log-level", type=click.Choice(_SPARK_LOG_LEVELS, case_sensitive=False),
              help="Spark's log level for --engine spark [the site's spark.log.level, "
              "else WARN].")
@click.option("--parquet", is_flag=True,
              help="Also write rings.parquet and ring_members.parquet (real ids, like "
              "rings.json) for downstream Spark or Hive jobs.")
@click.option("--redact", is_flag=True,
              help="Pseudonyms instead of ids in report.html and rings.csv, for sharing "
              "outside the risk team (redaction-key.csv maps them back).")
@click.option("--excel", is_flag=True,
              help="Write rings.csv with a UTF-8 byte order mark, so that Excel (on a "
              "Chinese Windows too) shows names as they are; without it rings.csv is "
              "plain UTF-8, as its readers expect.")
@mapping_option
@quiet_option
def scan_cmd(data_dir: str | None, out_dir: str, report_out: str | None,
             from_neo4j: bool, seed: int,
             previous: str | None, hub_degree: int | None, strong_degree: int | None,
             min_ring_size: int | None, max_ring_size: int | None, no_embedding: bool,
             engine: str, spark_master: str, spark_conf: tuple[str, ...],
             spark_buckets: int | None, spark_max_task: int | None,
             spark_components: str, spark_app_name: str | None,
             spark_partitions: int | None, spark_log_level: str | None, parquet: bool,
             redact: bool, excel: bool, follow_out_link: bool,
             mapping: str | None, encoding: str | None, quiet: bool) -> None:
    """Find coordinated rings and write the ring report into OUT.

    Without --neo4j, DATA_DIR is read with the embedded in-memory graph (no server).
    With --engine spark, DATA_DIR is read and validated on Spark, and may be any folder
    Spark reads (hdfs://..., s3a://...), its files also folders of part files.
    Writes rings.json (the contract), rings.csv (one row per ring member),
    report.html (self-contained), and rejects.csv for bad input rows.

    Example:

        graphfraud scan demo-data --out demo-out

        graphfraud load demo-data && graphfraud scan --neo4j --out demo-out
    """
    from graphfraud.app import mapping_for, scan_export, scan_graph, scan_summary
    from graphfraud.pipeline import ScanParams

    if from_neo4j == bool(data_dir):
        raise UsageError("give either DATA_DIR or --neo4j (not both)")
    cluster_out, out_dir = _outputs(out_dir, report_out, engine)
    from graphfraud.workers import worker_count

    worker_count()  # a bad GRAPHFRAUD_WORKERS stops here, before any work
    say = progress_printer(quiet)
    params = ScanParams.with_seed(
        seed, hub_degree=hub_degree, strong_degree=strong_degree,
        min_ring_size=min_ring_size, max_ring_size=max_ring_size,
        use_embedding=False if no_embedding else None)
    earlier = Path(previous) if previous else None
    spark = _spark_engine(engine, spark_master, spark_conf, spark_buckets,
                          spark_max_task, spark_components)
    if spark is not None:
        spark = replace(spark, app_name=spark_app_name, partitions=spark_partitions,
                        log_level=spark_log_level.upper() if spark_log_level else None)
    elif spark_app_name or spark_partitions or spark_log_level:
        raise UsageError("--spark-app-name, --spark-partitions and --spark-log-level need "
                         "--engine spark")
    if from_neo4j:
        from graphfraud.server.local import connection_settings

        settings = connection_settings()
        with settings.driver() as driver:
            outcome = scan_graph(driver, settings, out_dir, params=params, previous=earlier,
                                 redact=redact, say=say, engine=spark, parquet=parquet,
                                 follow_out_link=follow_out_link, excel=excel,
                                 cluster_out=cluster_out)
    else:
        assert data_dir is not None
        outcome = scan_export(data_dir, out_dir, params=params,
                              mapping=mapping_for(mapping, encoding), previous=earlier,
                              redact=redact, say=say, warn=print_warning, engine=spark,
                              parquet=parquet, follow_out_link=follow_out_link,
                              excel=excel, cluster_out=cluster_out)
    for line in scan_summary(outcome):
        click.echo(line)
    say(outcome.timing_line())


def _outputs(out: str, report_out: str | None, engine: str) -> tuple[str | None, str]:
    """The cluster folder (None: none) and the local report folder of ``--out`` and
    ``--report-out``, checked before any work."""
    from graphfraud.spark.publish import check_cluster_out, is_cluster_path

    if not is_cluster_path(out):
        if report_out is not None:
            raise UsageError("--report-out goes with a cluster --out (hdfs://, s3a://...); "
                             "here --out is the report folder")
        return None, out
    if engine != "spark":
        raise UsageError("--out as a cluster folder (hdfs://, s3a://...) needs --engine "
                         "spark; without it the report goes to a folder on this machine")
    check_cluster_out(out)
    if report_out is None:
        raise UsageError("--out as a cluster folder needs --report-out DIR: the report "
                         "files are written on this machine first, then copied")
    return out, report_out


def _spark_engine(engine: str, master: str, conf: tuple[str, ...], buckets: int | None,
                  max_task: int | None, components: str) -> SparkEngine | None:
    """The Spark engine the options ask for (None: embedded), checked before any work."""
    if engine != "spark":
        if conf or buckets or max_task or master != _SPARK_MASTER() \
                or components != _SPARK_COMPONENTS():
            raise UsageError("--spark-master, --spark-conf, --spark-buckets, "
                             "--spark-max-task and --spark-components need "
                             "--engine spark")
        return None
    from importlib.util import find_spec

    from graphfraud.spark import SparkEngine, spark_available
    from graphfraud.spark.components import GRAPHFRAMES_NEEDS

    why = spark_available()
    if why:
        raise UsageError(why)
    if components == "graphframes" and find_spec("graphframes") is None:
        raise UsageError(GRAPHFRAMES_NEEDS)
    pairs: list[tuple[str, str]] = []
    for item in conf:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not key.startswith("spark."):
            # not echoed: an argument without "=" may be a pasted secret
            raise UsageError(f"--spark-conf (number {len(pairs) + 1}): expected "
                             "spark.KEY=VALUE")
        if _SECRET.search(key) and not _PROVIDER.search(key.strip()):
            # a value on the command line shows in the process list and shell history
            raise UsageError(f"--spark-conf {key!r}: credentials do not go on a command "
                             "line; put them in spark-defaults.conf or the environment")
        pairs.append((key.strip(), value))
    engine_ = SparkEngine(master=master, conf=tuple(pairs), buckets=buckets,
                          components=components)
    return engine_ if max_task is None else replace(engine_, max_task=max_task)
