"""The Spark engine: graph-wide stages in Spark, each bucket of whole components scanned
by the project's own pipeline inside ``applyInPandas``.

Stages (each timed, names as in rings.json ``timings``):

spark-graph   actors and links as DataFrames; identifier degrees (a group-by); the
              hubs (degree above ``hub_degree`` and not cohesive: the co-usage of each
              candidate with every other identifier, a join and a group-by); the
              connected components of the actor-identifier graph without the dropped
              hubs, plus promotions; each component's bucket (a hash).
spark-pass1   per bucket: the walk from its blacklisted actors and their embeddings,
              and the figures scoring compares with (degree histogram, label counts,
              dates); the exact medians of the behaviour rates by a distributed sort.
spark-pass2   per bucket: :func:`graphfraud.pipeline.scan` with the whole graph's
              :class:`~graphfraud.pipeline.ScanContext` (broadcast); rings come back
              pickled and are merged, ordered and identified as the embedded scan does.
"""

from __future__ import annotations

import math
import pickle
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from graphfraud.errors import UsageError
from graphfraud.pipeline import ScanResult
from graphfraud.spark.common import as_text, checkpoint, checkpoint_dir, typed

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

    from graphfraud.loaders.dataset import Dataset
    from graphfraud.loaders.mapping import Mapping
    from graphfraud.pipeline import ScanParams
    from graphfraud.score.rings import Ring
    from graphfraud.spark.reader import SparkExport


def spark_available() -> str | None:
    """None when the Spark engine can run here, else why not (one line)."""
    import shutil
    from importlib.util import find_spec

    if find_spec("pyspark") is None:
        return ("the Spark engine needs pyspark: pip install 'graphfraud[spark]' "
                "(or pip install pyspark)")
    if shutil.which("java") is None and not _java_home():
        return "the Spark engine needs Java 17 or later (set JAVA_HOME or put java on PATH)"
    return None


def _java_home() -> str | None:
    import os

    return os.environ.get("JAVA_HOME")


def site_app_name(site: dict[str, str]) -> str | None:
    """The app name the site gave (``spark.app.name`` from spark-submit ``--name`` or
    ``--conf``, spark-defaults.conf), or None where it is only the name spark-submit
    falls back on (its launcher's, or the submitted file's).

    >>> site_app_name({"spark.app.name": "nightly scan"})
    'nightly scan'
    >>> site_app_name({"spark.app.name": "pyspark-shell"}) is None
    True
    """
    named = site.get("spark.app.name")
    if not named or named in _UNNAMED or named == Path(sys.argv[0] if sys.argv else "").name:
        return None
    return named


def _quieter(level: str) -> None:
    """The JVM's root log level lowered to ``level`` before a context starts (when it is
    more verbose: spark-submit's INFO; ``setLogLevel`` needs a context)."""
    from pyspark import SparkContext

    jvm: Any = SparkContext._jvm
    # Spark sets up its logging on first use, loading its defaults (INFO) when nothing
    # else configured log4j: done now, so that the level set below stays
    utils = getattr(getattr(jvm.org.apache.spark.util, "Utils$"), "MODULE$")  # Scala object
    utils.initializeLogIfNecessary(False, True)
    log4j = jvm.org.apache.logging.log4j
    wanted = log4j.Level.toLevel(level.upper())
    if log4j.LogManager.getRootLogger().getLevel().intLevel() > wanted.intLevel():
        log4j.core.config.Configurator.setRootLevel(wanted)


def _python_workers() -> None:
    """Python workers run this interpreter (its packages) unless the user chose one,
    without pyspark 4's warning on every pandas conversion that it prefers pandas < 3
    (the conversions used here are tested: tests/unit/test_spark.py). Workers inherit
    the environment."""
    import os

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    quiet = "ignore:PySpark does not yet fully support pandas:FutureWarning"
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                            category=FutureWarning)
    current = os.environ.get("PYTHONWARNINGS", "")
    if quiet not in current:
        os.environ["PYTHONWARNINGS"] = f"{current},{quiet}" if current else quiet


@dataclass(frozen=True)
class SparkRun:
    """What a scan on Spark measured, for rings.json ``summary.spark``."""

    #: ``spark.sql.shuffle.partitions`` of the session during the run: the partitions
    #: (tasks) of every shuffle of the graph-wide stages (adaptive execution may
    #: coalesce a small one).
    partitions: int
    #: Buckets of whole components, and how many held actors: one ``applyInPandas``
    #: group each, scanned whole by one Python worker.
    buckets: int
    tasks: int
    #: Actors in the largest bucket, as its task projected them (the first pass).
    largest_task_actors: int
    #: Actors in the largest component a task scanned whole: a connected component,
    #: or a cell of one above the task bound.
    largest_component: int
    #: ``reliable`` (into ``spark.checkpoint.dir``) or ``local``.
    checkpoints: str
    #: The task bound (``SparkEngine.max_task``; None: none), the components above it
    #: (scanned in cells) and the promotion rows cut between their cells.
    max_task: int | None = None
    split_components: int = 0
    cut_promotions: int = 0

    def as_summary(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SparkScanResult(ScanResult):
    """A scan's result with what its Spark run measured."""

    run: SparkRun | None = None


def checkpoints_line(spark: SparkSession) -> str:
    """The progress line that says where the scan's stages are checkpointed."""
    where = checkpoint_dir(spark)
    if where is not None:
        return f"checkpoints: reliable, in {where} (spark.checkpoint.dir)"
    return ("checkpoints: local, on the executors (set spark.checkpoint.dir for ones "
            "that survive a lost executor)")


#: The app name of a scan the site names no other way (spark-submit --name,
#: spark.app.name in spark-defaults.conf) and ``--spark-app-name`` does not name.
APP_NAME = "graphfraud scan"
#: Shuffle partitions in local mode when neither the site nor a flag sets them: Spark's
#: 200 are sized for clusters and make every round of the components a few hundred tiny
#: tasks on one machine.
LOCAL_PARTITIONS = 8
#: Spark's log levels (``SparkContext.setLogLevel``, ``spark.log.level``).
LOG_LEVELS = ("ALL", "DEBUG", "ERROR", "FATAL", "INFO", "OFF", "TRACE", "WARN")
#: The level graphfraud sets unless ``--spark-log-level`` or the site's
#: ``spark.log.level`` says otherwise: warnings and errors, no INFO flood.
LOG_LEVEL = "WARN"
#: What spark-submit names an app given no name: the launcher pyspark starts, or the
#: submitted file (graphfraud/cli/spark_submit.py).
_UNNAMED = ("pyspark-shell", "spark_submit.py")
_PARTITIONS = "spark.sql.shuffle.partitions"


@dataclass(frozen=True)
class SparkEngine:
    """Where and how to run: the master (``local[*]``, ``yarn``, ``k8s://...``; empty:
    the one spark-submit was given), Spark configuration pairs, the number of buckets
    (default: twice the default parallelism, or more where the actors need more tasks
    of ``max_task``) and the most actors one task scans.

    ``app_name``, ``partitions`` and ``log_level`` are what graphfraud's own flags say;
    None leaves the site's settings (spark-defaults.conf, spark-submit ``--conf``, a
    session already running) as they are, and only where the site sets nothing does the
    scan choose: :data:`APP_NAME`, :data:`LOCAL_PARTITIONS` in local mode (Spark's own
    default elsewhere), :data:`LOG_LEVEL`."""

    master: str = "local[*]"
    conf: tuple[tuple[str, str], ...] = ()
    buckets: int | None = None
    #: The most actors one task scans (None: no bound). A component of more actors is
    #: scanned in cells: its identifier groups (the components of its shared
    #: identifiers, which every structural cut of candidate detection stays inside),
    #: the promotions between them cut; a group still above the bound is split by the
    #: identifier guard (identifiers used by more than half, a quarter... of
    #: ``hub_degree`` of its actors dropped as hubs). The default suits a 4-8 GiB
    #: executor: the embedded scan of 1.3M actors peaks at 3.3 GiB.
    max_task: int | None = 1_000_000
    #: How the connected components are computed: ``dataframes`` (large-star /
    #: small-star rounds, :mod:`graphfraud.spark.components`) or ``graphframes``
    #: (GraphFrames' own, when its jar is on the cluster).
    components: str = "dataframes"
    app_name: str | None = None
    partitions: int | None = None
    log_level: str | None = None

    def __post_init__(self) -> None:
        if self.components not in ("dataframes", "graphframes"):
            raise UsageError(f"unknown way to find components {self.components!r} "
                             "(dataframes or graphframes)")
        if self.log_level is not None and self.log_level.upper() not in LOG_LEVELS:
            raise UsageError(f"unknown Spark log level {self.log_level!r} "
                             f"({', '.join(LOG_LEVELS)})")
        if self.partitions is not None and self.partitions < 1:
            raise UsageError(f"shuffle partitions must be 1 or more, not {self.partitions}")

    def spark_session(self) -> SparkSession:
        """The session the scan runs on: the one already running in this process (its
        static settings stand), else a new one. Flags override the site's settings; the
        site's override the scan's own defaults (see the class)."""
        why = spark_available()
        if why:
            raise UsageError(why)
        from pyspark import SparkContext
        from pyspark.sql import SparkSession

        _python_workers()
        builder = SparkSession.builder.config("spark.sql.execution.arrow.pyspark.enabled",
                                              "true")
        if SparkContext._active_spark_context is None:
            builder = self._new_session(builder)
        for key, value in self.conf:
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        self._settle(spark)
        if self.components == "graphframes":
            _check_graphframes(spark)
        return spark

    def _new_session(self, builder: SparkSession.Builder) -> SparkSession.Builder:
        """The builder of a new session, given what the site set: the JVM is started
        first (or spark-submit's joined), so spark-defaults.conf and spark-submit's
        ``--conf`` are known before the app is named."""
        from pyspark import SparkConf, SparkContext

        given = {key for key, _ in self.conf}
        launch = SparkConf(loadDefaults=False)
        if self.master.startswith("local") and "spark.driver.extraJavaOptions" not in given:
            # local only (on a cluster the site's spark-defaults.conf may set these): the
            # JVM's own start-up lines, before the log level applies, errors only
            logging = Path(__file__).with_name("log4j2.properties")
            launch.set("spark.driver.extraJavaOptions",
                       f"-Dlog4j.configurationFile={logging.as_uri()}")
        for key, value in self.conf:
            if key.startswith("spark.driver."):
                # the driver JVM starts now: its memory (local mode: the executors' too)
                # and options must be given at launch, not to the session afterwards
                launch.set(key, value)
        SparkContext._ensure_initialized(conf=launch)
        site = dict(SparkConf().getAll())  # spark-defaults.conf, spark-submit --conf
        if self.master:  # empty: the master spark-submit was given
            builder = builder.master(self.master)
        builder = builder.appName(self.app_name or site_app_name(site) or APP_NAME)
        # now, before the context's start-up lines (spark-submit's INFO)
        _quieter(self.log_level or site.get("spark.log.level") or LOG_LEVEL)
        if self.log_level and "spark.log.level" in site:
            # Spark applies spark.log.level as the context starts: the flag's, not the site's
            builder = builder.config("spark.log.level", self.log_level.upper())
        # Spark's progress bar (on for the launcher pyspark starts) would break into the
        # scan's own progress lines on stderr; --spark-conf may turn it back on
        return builder.config("spark.ui.showConsoleProgress", "false")

    def _settle(self, spark: SparkSession) -> None:
        """Partitions, log level and checkpoint directory of the session the scan uses."""
        import logging

        sc = spark.sparkContext
        if self.partitions is not None:
            spark.conf.set(_PARTITIONS, str(self.partitions))
        elif spark.conf.get(_PARTITIONS, None) is None and (sc.master or "").startswith(
                "local"):
            spark.conf.set(_PARTITIONS, str(LOCAL_PARTITIONS))  # the site set none
        conf = sc.getConf()
        level = (self.log_level or conf.get("spark.log.level") or LOG_LEVEL).upper()
        sc.setLogLevel(level)
        quiet = level in ("WARN", "ERROR", "FATAL", "OFF")
        # py4j's own lines (connections opened and closed) only when asked for
        logging.getLogger("py4j").setLevel(logging.ERROR if quiet else logging.INFO
                                           if level == "INFO" else logging.DEBUG)
        wanted = conf.get("spark.checkpoint.dir")
        if wanted and sc.getCheckpointDir() is None:  # a context started without it
            sc.setCheckpointDir(wanted)

    def scan(self, dataset: Dataset, params: ScanParams, *,
             previous: Sequence[Ring] | None = None,
             progress: Callable[[str], None] | None = None) -> SparkScanResult:
        """The rings of ``dataset`` (read on the driver), as
        :func:`graphfraud.pipeline.scan` finds them."""
        from graphfraud.spark.reader import SparkExport

        spark = self.spark_session()
        if progress is not None:
            progress(checkpoints_line(spark))
        dtypes = {name: {str(c): str(t) for c, t in frame.dtypes.items()}
                  for name, frame in dataset.tables.items()}
        export = SparkExport(source=dataset.source, tables=_frames(spark, dataset),
                             dtypes=dtypes)
        return self.scan_export(export, params, previous=previous, progress=progress)

    def read(self, data: str, mapping: Mapping,
             progress: Callable[[str], None] | None = None) -> SparkExport:
        """The export in ``data`` (any folder Spark reads), read and validated on Spark
        (:mod:`graphfraud.spark.reader`)."""
        from graphfraud.spark.reader import check_location, read_export

        check_location(data)  # before a JVM starts
        spark = self.spark_session()
        if progress is not None:
            progress(checkpoints_line(spark))
        return read_export(spark, data, mapping, progress)

    def scan_export(self, export: SparkExport, params: ScanParams, *,
                    previous: Sequence[Ring] | None = None,
                    progress: Callable[[str], None] | None = None) -> SparkScanResult:
        """The rings of an export whose tables are Spark DataFrames of text columns,
        with what the run measured (:class:`SparkRun`)."""
        from graphfraud.parts import merged, scan_context

        say = progress or (lambda _: None)
        spark = self.spark_session()
        timings: dict[str, float] = {}
        started = time.perf_counter()
        say("spark-graph")
        tables = export.tables
        dtypes = export.dtypes
        source = export.source
        figures = _graph_figures(spark, tables, params, self.max_task, say,
                                 self.components)
        buckets = self.buckets or default_buckets(
            spark.sparkContext.defaultParallelism, figures.graph.n_actors, self.max_task)
        say(f"{buckets} buckets; the largest component holds {figures.largest_component} "
            "actors")
        owner = checkpoint(_owners(figures.actor_components, buckets, self.max_task))
        rows = checkpoint(_bucket_rows(tables, owner, figures.split_components > 0))
        timings["spark-graph"] = round(time.perf_counter() - started, 3)
        if figures.big is not None:
            started = time.perf_counter()
            say("spark-walks")
            rows = _with_walks(rows, owner, tables, figures, params, dtypes, source)
            timings["spark-walks"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        say("spark-pass1")
        first = _run_parts(rows, _first_pass(dtypes, source, params,
                                             figures.graph))
        context = scan_context(figures.graph, [part["summary"] for part in first],
                               _behaviour_medians(tables))
        timings["spark-pass1"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        say("spark-pass2")
        shared = spark.sparkContext.broadcast(pickle.dumps(context))
        second = _run_parts(rows, _second_pass(dtypes, source, params, shared))
        shared.destroy()
        result = merged([part["result"] for part in second], params, previous)
        timings["spark-pass2"] = round(time.perf_counter() - started, 3)
        result.timings = {**timings, **{f"parts: {k}": v for k, v in result.timings.items()}}
        run = SparkRun(
            partitions=int(spark.conf.get(_PARTITIONS) or 0), buckets=buckets,
            tasks=len(first),
            largest_task_actors=max((p["summary"].actors for p in first), default=0),
            largest_component=figures.largest_component,
            checkpoints="local" if checkpoint_dir(spark) is None else "reliable",
            max_task=self.max_task, split_components=figures.split_components,
            cut_promotions=figures.cut_promotions)
        return SparkScanResult(**{f.name: getattr(result, f.name) for f in fields(ScanResult)},
                               run=run)


def default_buckets(parallelism: int, actors: int, max_task: int | None) -> int:
    """Buckets when ``--spark-buckets`` does not say: twice the default parallelism, or
    enough for the actors to average a quarter of the task bound per bucket, whichever
    is more (the largest cells are then packed, :func:`_owners`).

    >>> default_buckets(2, 10_000, 1_000_000)
    4
    >>> default_buckets(2, 13_000_000, 1_000_000)
    52
    """
    wanted = max(2, 2 * parallelism)
    if max_task is None:
        return wanted
    return max(wanted, math.ceil(4 * actors / max_task))


#: Cells of more than this share of the task bound are packed onto buckets one by one
#: (largest first, onto the least loaded bucket); smaller ones go by a hash of their key.
PACKED_SHARE = 8


def reserved_buckets(large: int, buckets: int) -> int:
    """Buckets kept for the packed cells (:func:`_owners`): one per cell above an
    eighth of the task bound, at most half of them. The small cells are hashed onto the
    others, so a large cell does not share its task with a bucket's worth of small ones
    (on the 10M-merchant world that put 1.22M actors in one task under a 1M bound).

    >>> reserved_buckets(3, 52), reserved_buckets(40, 52), reserved_buckets(0, 4)
    (3, 26, 0)
    """
    return min(large, buckets // 2)


def pack(sizes: Sequence[int], load: list[int]) -> list[int]:
    """The bucket of each large cell (``sizes``, largest first): the bucket holding the
    fewest actors so far (the lowest of equals); ``load`` is updated.

    >>> load = [0, 0, 5]
    >>> pack([9, 4, 3], load), load
    ([0, 1, 1], [9, 7, 5])
    """
    placed = []
    for n in sizes:
        at = min(range(len(load)), key=lambda b: (load[b], b))
        load[at] += n
        placed.append(at)
    return placed


def _owners(cells: DataFrame, buckets: int, max_task: int | None) -> DataFrame:
    """(atype, aid, component, bucket): each actor's cell and the bucket (task) that
    scans it. Cells go to buckets by a hash of their key; with a task bound, the cells
    above an eighth of it are packed instead, largest first, each onto the bucket
    holding the fewest actors so far (:func:`pack`), so that no bucket gets two large
    cells by chance, and the small cells are hashed onto the buckets not kept for them
    (:func:`reserved_buckets`)."""
    from pyspark.sql import functions as F

    if max_task is None:
        return cells.withColumn(
            "bucket", F.pmod(F.xxhash64("component"), F.lit(buckets)).cast("int"))
    sizes = cells.groupBy("component").agg(F.count(F.lit(1)).alias("n"))
    threshold = max(1, max_task // PACKED_SHARE)
    large = sorted(((int(r["n"]), str(r["component"])) for r in
                    sizes.where(F.col("n") > threshold).collect()),
                   key=lambda pair: (-pair[0], pair[1]))
    kept = reserved_buckets(len(large), buckets)
    hashed = (F.pmod(F.xxhash64("component"), F.lit(buckets - kept)) + F.lit(kept)).cast("int")
    if not large:
        return cells.withColumn("bucket", hashed)
    load = [0] * buckets
    for r in (sizes.where(F.col("n") <= threshold).withColumn("bucket", hashed)
              .groupBy("bucket").agg(F.sum("n").alias("n")).collect()):
        load[int(r["bucket"])] = int(r["n"])
    at = pack([n for n, _ in large], load)
    packed = cells.sparkSession.createDataFrame(
        [(key, b) for (_, key), b in zip(large, at, strict=True)], "component string, _packed int")
    return (cells.join(F.broadcast(packed), "component", "left")
            .withColumn("bucket", F.coalesce(F.col("_packed"), hashed)).drop("_packed"))


def _check_graphframes(spark: SparkSession) -> None:
    """Refuse, before any work, a GraphFrames run without GraphFrames' jar."""
    from graphfraud.spark.components import GRAPHFRAMES_NEEDS

    jvm: Any = spark.sparkContext._jvm
    try:
        jvm.Thread.currentThread().getContextClassLoader().loadClass(
            "org.graphframes.GraphFramePythonAPI")
    except Exception:  # Py4J: ClassNotFoundException
        raise UsageError(GRAPHFRAMES_NEEDS) from None


def stop_spark() -> None:
    """Stop the active Spark session and its JVM (the JVM exits when its standard input
    closes), so no process is left behind by a long-lived Python process."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()
    gateway = SparkContext._gateway
    if gateway is None:
        return
    gateway.shutdown()
    proc = getattr(gateway, "proc", None)
    if proc is not None:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=60)
    SparkContext._gateway = None
    SparkContext._jvm = None


@dataclass
class _Figures:
    graph: Any  # GraphContext
    #: atype, aid, component: the cell each actor is scanned in (a text key; a whole
    #: component, or an identifier group of a component above the task bound)
    actor_components: DataFrame
    largest_component: int  # actors of the largest cell
    #: Components above the task bound, scanned in cells, and the promotion rows
    #: between their cells (not given to any task).
    split_components: int = 0
    cut_promotions: int = 0
    #: For the walks over the components above the bound: their actors (atype, aid),
    #: the links, the identifier degrees and the dropped hubs.
    big: DataFrame | None = None
    links: DataFrame | None = None
    degree: DataFrame | None = None
    hubs: tuple[tuple[str, str, int], ...] = ()


def _frames(spark: SparkSession, dataset: Dataset) -> dict[str, DataFrame]:
    """Every table of the dataset as a Spark DataFrame."""
    import pandas as pd

    out = {}
    for name, frame in dataset.tables.items():
        schema = ", ".join(f"`{c}` string" for c in frame.columns)
        if not len(frame):
            out[name] = spark.createDataFrame([], schema=schema)
            continue
        text = pd.DataFrame({c: as_text(frame[c]) for c in frame.columns})
        out[name] = spark.createDataFrame(text, schema=schema)
    return out


def _actors(tables: dict[str, DataFrame]) -> DataFrame:
    """Every actor the projection makes (graph/projection.py ``_id_columns``): the rows
    of the actor files, the actor ends of links and promotions, and for a kind whose
    file is optional (streamers) its labels."""
    from pyspark.sql import functions as F

    from graphfraud.loaders.spec import contract
    from graphfraud.model import ACTOR_KINDS, PROMOTION, SHARING_LINKS

    parts = [tables[k.table].select(F.lit(k.entity_type).alias("atype"),
                                    F.col(k.key).alias("aid"))
             for k in ACTOR_KINDS if k.table in tables]
    parts += [tables[k.table].select(F.lit(k.start.entity_type).alias("atype"),
                                     F.col(k.start_column).alias("aid"))
              for k in SHARING_LINKS if k.table in tables]
    if PROMOTION.table in tables:
        for end, column in ((PROMOTION.start, PROMOTION.start_column),
                            (PROMOTION.end, PROMOTION.end_column)):
            parts.append(tables[PROMOTION.table].select(F.lit(end.entity_type).alias("atype"),
                                                        F.col(column).alias("aid")))
    if "labels" in tables:
        specs = contract()
        optional = [k.entity_type for k in ACTOR_KINDS if not specs[k.table].required]
        parts.append(tables["labels"].where(F.col("entity_type").isin(optional)).select(
            F.col("entity_type").alias("atype"), F.col("entity_id").alias("aid")))
    return _union(parts).distinct()


def _links(tables: dict[str, DataFrame]) -> DataFrame:
    from pyspark.sql import functions as F

    from graphfraud.model import SHARING_LINKS

    parts = [tables[k.table].select(F.lit(k.start.entity_type).alias("atype"),
                                    F.col(k.start_column).alias("aid"),
                                    F.lit(k.end.entity_type).alias("itype"),
                                    F.col(k.end_column).alias("iid"))
             for k in SHARING_LINKS if k.table in tables]
    if not parts:
        return tables["merchants"].sparkSession.createDataFrame(
            [], "atype string, aid string, itype string, iid string")
    return _union(parts).distinct()


def _union(parts: list[DataFrame]) -> DataFrame:
    out = parts[0]
    for p in parts[1:]:
        out = out.unionByName(p)
    return out


def _graph_figures(spark: SparkSession, tables: dict[str, DataFrame], params: ScanParams,
                   max_task: int | None, say: Callable[[str], None],
                   method: str = "dataframes") -> _Figures:
    from pyspark.sql import functions as F

    from graphfraud.graph.projection import GraphContext

    actors = checkpoint(_actors(tables))
    links = checkpoint(_links(tables))
    n_actors = actors.count()
    degree = checkpoint(links.groupBy("itype", "iid").agg(F.count(F.lit(1)).alias("k")))
    hubs = _hubs(links, degree, n_actors, params)
    components, largest = _components(spark, tables, actors, links, hubs, method)
    cells = _keyed(components, "c")
    split = cut_promotions = 0
    big = None
    if max_task is not None and largest > max_task:
        # The task bound: a component above it is scanned in cells, its identifier
        # groups; the promotions between them are cut (parts.task_cells in-process).
        sizes = cells.groupBy("component").agg(F.count(F.lit(1)).alias("n"))
        over = sizes.where(F.col("n") > max_task)
        split = over.count()
        big = checkpoint(cells.join(over, "component").select("atype", "aid"))
        say(f"{split} component(s) above the task bound of {max_task} actors (the "
            f"largest holds {largest}): scanned in cells, their identifier groups, with "
            "the promotions between the groups cut")
        cells, largest = _split_cells(spark, tables, cells, big, links, hubs, method)
        p, cut = params.projection, params.projection.hub_degree
        while largest > max_task and cut > p.strong_degree + 1:
            # The identifier guard: inside a group still above the bound, identifiers
            # used by more than `cut` actors are dropped as hubs, halving `cut` until the
            # largest group fits (or `cut` reaches strong_degree + 1).
            cut = max(p.strong_degree + 1, cut // 2)
            sizes = cells.groupBy("component").agg(F.count(F.lit(1)).alias("n"))
            giant = cells.join(sizes.where(F.col("n") > max_task), "component")
            inside = (links.join(giant.select("atype", "aid"), ["atype", "aid"])
                      .select("itype", "iid").distinct().join(degree, ["itype", "iid"])
                      .where(F.col("k") > cut))
            extra = inside.join(spark.createDataFrame(hubs, "itype string, iid string, k long"),
                                ["itype", "iid"], "left_anti").collect()
            if not extra:
                continue
            before = largest
            hubs = hubs + [(r["itype"], r["iid"], int(r["k"])) for r in extra]
            cells, largest = _split_cells(spark, tables, cells, big, links, hubs, method)
            say(f"giant component: {before} actors above the limit of {max_task}; "
                f"{len(extra)} identifiers used by more than {cut} of its actors dropped "
                f"as hubs; the largest component now holds {largest}")
        cut_promotions = _cut_promotions(tables, cells)
    graph = GraphContext(n_actors=n_actors, hub_types=tuple(h[0] for h in hubs),
                         hub_ids=tuple(h[1] for h in hubs),
                         hub_degrees=tuple(h[2] for h in hubs))
    return _Figures(graph, cells, largest, split, cut_promotions, big, links, degree,
                    tuple(hubs))


def _keyed(components: DataFrame, prefix: str) -> DataFrame:
    """(atype, aid, component) with the component as a text key of its own kind."""
    from pyspark.sql import functions as F

    return components.withColumn("component", F.concat_ws(":", F.lit(prefix),
                                                          F.col("component").cast("string")))


def _split_cells(spark: SparkSession, tables: dict[str, DataFrame], cells: DataFrame,
                 big: DataFrame, links: DataFrame, hubs: list[tuple[str, str, int]],
                 method: str) -> tuple[DataFrame, int]:
    """The cells with each actor of ``big`` (the components above the bound) in its
    identifier group instead, and the largest cell's size."""
    from pyspark.sql import functions as F

    groups, _ = _components(spark, tables, big, links.join(big, ["atype", "aid"]), hubs,
                            method, promotions=False)
    out = checkpoint(cells.join(big, ["atype", "aid"], "left_anti")
                     .unionByName(_keyed(groups, "g")))
    largest = out.groupBy("component").count().agg(F.max("count")).first()
    return out, int(largest[0]) if largest and largest[0] is not None else 0


def _cut_promotions(tables: dict[str, DataFrame], cells: DataFrame) -> int:
    """Promotion rows whose two actors are in different cells."""
    from graphfraud.model import PROMOTION

    if PROMOTION.table not in tables:
        return 0
    return _promotion_cells(tables[PROMOTION.table], cells).where("_start <> _end").count()


def _promotion_cells(frame: DataFrame, cells: DataFrame) -> DataFrame:
    """The promotion rows with the cells of their two actors (``_start``, ``_end``)."""
    from pyspark.sql import functions as F

    from graphfraud.model import PROMOTION

    def end(kind: str, column: str, name: str) -> DataFrame:
        return cells.where(F.col("atype") == kind).select(
            F.col("aid").alias(f"{name}_id"), F.col("component").alias(name))

    start = end(PROMOTION.start.entity_type, PROMOTION.start_column, "_start")
    stop = end(PROMOTION.end.entity_type, PROMOTION.end_column, "_end")
    return (frame.join(start, frame[PROMOTION.start_column] == start["_start_id"])
            .join(stop, frame[PROMOTION.end_column] == stop["_end_id"])
            .drop("_start_id", "_end_id"))


def _hubs(links: DataFrame, degree: DataFrame, n_actors: int, params: ScanParams
          ) -> list[tuple[str, str, int]]:
    """The dropped hubs: above ``hub_degree`` and not cohesive (identifier_cohesion's
    rule: the co-users of a pair against the larger degree, beyond chance), as a join of
    each candidate's users with their other identifiers and a group-by."""
    from pyspark.sql import functions as F

    p = params.projection
    cand = degree.where(F.col("k") > p.hub_degree)
    users = links.join(cand, ["itype", "iid"]).select(
        "atype", "aid", F.col("itype").alias("ctype"), F.col("iid").alias("cid"),
        F.col("k").alias("k_a"))
    co = (users.join(links, ["atype", "aid"])
          .where((F.col("itype") != F.col("ctype")) | (F.col("iid") != F.col("cid")))
          .groupBy("ctype", "cid", "k_a", "itype", "iid").agg(F.count(F.lit(1)).alias("co"))
          .join(degree.withColumnRenamed("k", "k_b"), ["itype", "iid"]))
    beyond = F.col("co") >= F.lit(float(p.cohesion_lift)) * F.col("k_a").cast("double") \
        * F.col("k_b") / F.lit(float(max(n_actors, 1)))
    ratio = F.when(beyond, F.col("co") / F.greatest("k_a", "k_b")).otherwise(F.lit(0.0))
    cohesion = co.groupBy("ctype", "cid").agg(F.max(ratio).alias("cohesion"))
    rows = (cand.join(cohesion.withColumnRenamed("ctype", "itype")
                      .withColumnRenamed("cid", "iid"), ["itype", "iid"], "left")
            .where(F.coalesce(F.col("cohesion"), F.lit(0.0)) < p.cohesion)
            .select("itype", "iid", "k").collect())
    return [(r["itype"], r["iid"], int(r["k"])) for r in rows]


def _components(spark: SparkSession, tables: dict[str, DataFrame], actors: DataFrame,
                links: DataFrame, hubs: list[tuple[str, str, int]],
                method: str = "dataframes", *, promotions: bool = True
                ) -> tuple[DataFrame, int]:
    """Each actor's component over the links without ``hubs`` (and, unless told
    otherwise, promotions), by vertex number; and the largest component's size."""
    from pyspark.sql import functions as F

    from graphfraud.model import PROMOTION
    from graphfraud.spark.components import connected_components, graphframes_components

    dropped = spark.createDataFrame([(h[0], h[1]) for h in hubs], "itype string, iid string")
    kept_links = links.join(dropped, ["itype", "iid"], "left_anti")
    # checkpointed at once: monotonically_increasing_id is not the same if recomputed
    vertices = checkpoint(
        actors.select(F.concat_ws("|", F.lit("a"), "atype", "aid").alias("key"))
        .unionByName(kept_links.select(F.concat_ws("|", F.lit("i"), "itype", "iid")
                                       .alias("key")))
        .distinct().withColumn("vid", F.monotonically_increasing_id()))
    kept = kept_links.select(F.concat_ws("|", F.lit("a"), "atype", "aid").alias("a"),
                             F.concat_ws("|", F.lit("i"), "itype", "iid").alias("b"))
    if promotions and PROMOTION.table in tables:
        kept = kept.unionByName(tables[PROMOTION.table].select(
            F.concat_ws("|", F.lit("a"), F.lit(PROMOTION.start.entity_type),
                        PROMOTION.start_column).alias("a"),
            F.concat_ws("|", F.lit("a"), F.lit(PROMOTION.end.entity_type),
                        PROMOTION.end_column).alias("b")))
    va, vb = vertices.withColumnRenamed("key", "a"), vertices.withColumnRenamed("key", "b")
    edges = (kept.join(va.withColumnRenamed("vid", "src"), "a")
             .join(vb.withColumnRenamed("vid", "dst"), "b").select("src", "dst"))
    comp = graphframes_components(edges) if method == "graphframes" \
        else connected_components(edges)
    actor_components = checkpoint(
        actors.withColumn("key", F.concat_ws("|", F.lit("a"), "atype", "aid"))
        .join(vertices, "key").join(comp.withColumnRenamed("vertex", "vid"), "vid", "left")
        .select("atype", "aid", F.coalesce("component", "vid").alias("component")))
    largest = actor_components.groupBy("component").count().agg(F.max("count")).first()
    return actor_components, int(largest[0]) if largest and largest[0] is not None else 0


def _bucket_rows(tables: dict[str, DataFrame], owners: DataFrame, cut: bool = False
                 ) -> DataFrame:
    """(bucket, table, the table's columns) for every row of every table, one wide
    frame of text columns (a column another table lacks is null): an actor's rows (its
    memberships of declared organisations included) with its cell's bucket; a device's
    or account's rows and labels with every bucket one of its users is in; an
    organisation's row with every bucket one of its members is in. With ``cut`` (a
    component above the task bound), a promotion between two cells goes to no task.

    ``owners``: (atype, aid, component, bucket), :func:`_owners`."""
    from pyspark.sql import functions as F

    from graphfraud.model import (
        ACTOR_KINDS,
        IDENTIFIER_KINDS,
        LINK_KINDS,
        PROMOTION,
        SHARING_LINKS,
    )

    owner = owners.select("atype", "aid", "bucket")

    def rows(name: str, frame: DataFrame) -> DataFrame:
        return frame.select("bucket", F.lit(name).alias("table"),
                            *[c for c in frame.columns if c != "bucket"])

    def by_actor(name: str, atype: str, column: str) -> DataFrame:
        frame = tables[name]
        if cut and name == PROMOTION.table:
            frame = _promotion_cells(frame, owners).where("_start = _end").drop(
                "_start", "_end")
        keyed = owner.where(F.col("atype") == atype).select(
            F.col("aid").alias("_key"), "bucket")
        return rows(name, frame.join(keyed, frame[column] == keyed["_key"]).drop("_key"))

    out = []
    for kind in ACTOR_KINDS:
        if kind.table in tables:
            out.append(by_actor(kind.table, kind.entity_type, kind.key))
    for link in LINK_KINDS:
        if link.table in tables:
            out.append(by_actor(link.table, link.start.entity_type, link.start_column))
    if "merchant_signals" in tables:
        out.append(by_actor("merchant_signals", "merchant", "merchant_id"))
    used = [tables[k.table].select(F.lit(k.start.entity_type).alias("atype"),
                                   F.col(k.start_column).alias("aid"),
                                   F.lit(k.end.entity_type).alias("itype"),
                                   F.col(k.end_column).alias("iid"))
            for k in SHARING_LINKS if k.table in tables]
    where = _union(used).join(owner, ["atype", "aid"]).select(
        "itype", "iid", "bucket").distinct() if used else None
    for kind in IDENTIFIER_KINDS:
        if kind.table in tables and where is not None:
            frame = tables[kind.table]
            mine = where.where(F.col("itype") == kind.entity_type).select(
                F.col("iid").alias("_key"), "bucket")
            out.append(rows(kind.table, frame.join(mine, frame[kind.key] == mine["_key"])
                            .drop("_key")))
    if "labels" in tables:
        labels = tables["labels"]
        keyed = owner.select(F.col("atype").alias("_t"), F.col("aid").alias("_k"), "bucket")
        if where is not None:
            keyed = keyed.unionByName(where.select(F.col("itype").alias("_t"),
                                                   F.col("iid").alias("_k"), "bucket"))
        out.append(rows("labels", labels.join(
            keyed, (labels["entity_type"] == keyed["_t"]) & (labels["entity_id"] == keyed["_k"]))
            .drop("_t", "_k")))
    out += [rows(name, frame) for name, frame in _membership_rows(tables, owner)]
    return _wide(out)


def _membership_rows(tables: dict[str, DataFrame], owner: DataFrame
                     ) -> list[tuple[str, DataFrame]]:
    """A membership with its member's bucket (a member the graph does not hold goes
    nowhere), a declared organisation's row with every bucket one of its members is in;
    each (table, rows with their bucket)."""
    from pyspark.sql import functions as F

    from graphfraud.model import MEMBERSHIP, ORGANIZATION

    if MEMBERSHIP.table not in tables:
        return []
    members = tables[MEMBERSHIP.table]
    keyed = owner.select(F.col("atype").alias("_t"), F.col("aid").alias("_k"), "bucket")
    mine = members.join(keyed, (members[MEMBERSHIP.type_column] == keyed["_t"])
                        & (members[MEMBERSHIP.id_column] == keyed["_k"])).drop("_t", "_k")
    out = [(MEMBERSHIP.table, mine)]
    if ORGANIZATION.table in tables:
        orgs = tables[ORGANIZATION.table]
        needed = mine.select(F.col(MEMBERSHIP.organization_column).alias("_o"),
                             "bucket").distinct()
        out.append((ORGANIZATION.table,
                    orgs.join(needed, orgs[ORGANIZATION.key] == needed["_o"]).drop("_o")))
    return out


def _wide(frames: list[DataFrame]) -> DataFrame:
    """The frames one under another, by column name; a column a frame lacks is null."""
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame, allowMissingColumns=True)
    return out


_PART_SCHEMA = "bucket int, payload binary"


def _run_parts(rows: DataFrame, function: Callable[[pd.DataFrame], pd.DataFrame]
               ) -> list[dict[str, Any]]:
    return [pickle.loads(r["payload"]) for r in  # our own tasks' output
            rows.groupBy("bucket").applyInPandas(function, _PART_SCHEMA).collect()]


def _dataset_of(group: pd.DataFrame, dtypes: dict[str, dict[str, str]],
                source: str) -> Dataset:
    """The part's Dataset, with the dtypes the loader gave the whole one."""
    import pandas as pd

    from graphfraud.loaders.dataset import Dataset

    part = Dataset(source=source)
    for name, columns in dtypes.items():
        mine = group.loc[group["table"] == name]
        part.tables[name] = pd.DataFrame(
            {c: typed(_texts(mine, c), t) for c, t in columns.items()})
    return part


def _texts(rows: pd.DataFrame, column: str) -> pd.Series:
    """One text column of a table's rows in a bucket (None for nulls), indexed 0..n-1;
    all nulls where no row of any table had the column."""
    import pandas as pd

    if column not in rows.columns:
        return pd.Series([None] * len(rows), dtype=object)
    values = rows[column].reset_index(drop=True)
    return values.astype(object).where(values.notna(), None)


def _with_walks(rows: DataFrame, owner: DataFrame, tables: dict[str, DataFrame],
                figures: _Figures, params: ScanParams, dtypes: dict[str, dict[str, str]],
                source: str) -> DataFrame:
    """The bucket rows and, as table ``_walks``, the walk and embedding of every actor
    of the components above the task bound (:mod:`graphfraud.spark.walks`), from the
    seeds each bucket finds (a pass that only projects and draws the facts)."""
    import numpy as np
    from pyspark.sql import functions as F

    from graphfraud.model import PROMOTION
    from graphfraud.spark.walks import graph_walks

    assert figures.big is not None and figures.links is not None \
        and figures.degree is not None
    spark = rows.sparkSession
    found = _run_parts(rows, _seed_pass(dtypes, source, params, figures.graph))
    seeds = np.concatenate([p["seeds"] for p in found]) if found else np.zeros(0, np.uint64)
    seed_frame = spark.createDataFrame([(int(h),) for h in seeds.view(np.int64)], "h long")
    promotions = None
    if PROMOTION.table in tables:
        promotions = tables[PROMOTION.table].select(
            F.lit(PROMOTION.start.entity_type).alias("satype"),
            F.col(PROMOTION.start_column).alias("said"),
            F.lit(PROMOTION.end.entity_type).alias("eatype"),
            F.col(PROMOTION.end_column).alias("eaid"))
    links = figures.links.join(figures.big, ["atype", "aid"])
    walks = graph_walks(figures.big, links, figures.degree, promotions, list(figures.hubs),
                        seed_frame, params)
    given = walks.join(owner.select("atype", "aid", "bucket"), ["atype", "aid"]).select(
        # the hash as text: a long column with nulls (the other tables' rows) reaches
        # pandas as float64, which cannot hold 64 bits
        "bucket", F.lit(_WALKS).alias("table"), F.col("h").cast("string").alias("_h"),
        F.col("walk").alias("_walk"), F.col("vector").alias("_vector"))
    return checkpoint(_wide([rows, given]))


#: The table of the bucket rows that carries given walks (no contract table's name).
_WALKS = "_walks"


def _given_of(group: pd.DataFrame) -> Any:
    """The walks given to a bucket (:class:`~graphfraud.pipeline.GivenWalks`), or None
    when its rows have none."""
    import numpy as np

    from graphfraud.pipeline import GivenWalks

    if "_h" not in group.columns:
        return None
    mine = group.loc[group["table"] == _WALKS]
    if not len(mine):
        return None
    keys = mine["_h"].astype(np.int64).to_numpy().view(np.uint64)
    order = np.argsort(keys, kind="stable")
    vectors = None
    if mine["_vector"].notna().all():
        vectors = np.stack(list(mine["_vector"]))[order].astype(np.float32)
    return GivenWalks(keys=keys[order],
                      walk=mine["_walk"].to_numpy(dtype=np.float64)[order], vectors=vectors)


def _seed_pass(dtypes: dict[str, dict[str, str]], source: str, params: ScanParams,
               graph_context: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def run(group: pd.DataFrame) -> pd.DataFrame:
        import pandas as pd

        from graphfraud.pipeline import part_seeds

        seeds = part_seeds(_dataset_of(group, dtypes, source), params, graph_context)
        return pd.DataFrame({"bucket": [int(group["bucket"].iloc[0])],
                             "payload": [pickle.dumps({"seeds": seeds})]})

    return run


def _first_pass(dtypes: dict[str, dict[str, str]], source: str, params: ScanParams,
                graph_context: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def run(group: pd.DataFrame) -> pd.DataFrame:
        import pandas as pd

        from graphfraud.pipeline import summarise_part

        summary = summarise_part(_dataset_of(group, dtypes, source), params, graph_context,
                                 _given_of(group))
        return pd.DataFrame({"bucket": [int(group["bucket"].iloc[0])],
                             "payload": [pickle.dumps({"summary": summary})]})

    return run


def _second_pass(dtypes: dict[str, dict[str, str]], source: str, params: ScanParams,
                 shared: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def run(group: pd.DataFrame) -> pd.DataFrame:
        import pandas as pd

        from graphfraud.pipeline import scan

        context = pickle.loads(shared.value)  # the driver's own broadcast
        dataset = _dataset_of(group, dtypes, source)
        result = scan(dataset, params, context=context, build_index=False,
                      given=_given_of(group))
        payload = {"result": result}
        return pd.DataFrame({"bucket": [int(group["bucket"].iloc[0])],
                             "payload": [pickle.dumps(payload)]})

    return run


def _behaviour_medians(tables: dict[str, DataFrame]) -> tuple[float, float]:
    """The medians of refunds and complaints per order over active merchants (the
    scorer's ``ACTIVE_MIN_ORDERS`` orders or more): the two middle values of a
    distributed sort, averaged as numpy does."""
    from pyspark.sql import functions as F

    from graphfraud.score.rings import ACTIVE_MIN_ORDERS

    if "merchant_signals" not in tables:
        return math.nan, math.nan
    signals = tables["merchant_signals"].join(
        tables["merchants"].select("merchant_id"), "merchant_id").select(
        F.col("orders").cast("double").alias("orders"),
        F.col("refunds").cast("double").alias("refunds"),
        F.col("complaints").cast("double").alias("complaints"))
    active = signals.where(F.col("orders") >= ACTIVE_MIN_ORDERS)
    # try_divide: the optimiser may divide before it filters (orders of zero are not
    # active, and ANSI mode would reject their division)
    return (_median(active.select(F.try_divide("refunds", "orders").alias("x"))),
            _median(active.select(F.try_divide("complaints", "orders").alias("x"))))


def _median(values: DataFrame) -> float:
    from pyspark.sql import functions as F

    finite = values.where(F.col("x").isNotNull() & ~F.isnan("x"))
    n = finite.count()
    if not n:
        return math.nan
    middle = {(n - 1) // 2, n // 2}
    picked = (finite.orderBy("x").rdd.zipWithIndex()
              .filter(lambda pair: pair[1] in middle).map(lambda pair: pair[0]["x"]).collect())
    return float(np.median(np.array(picked, dtype=np.float64)))
