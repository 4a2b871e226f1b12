"""The Spark engine's cluster conventions (local mode): the run summary's engine and
measured figures, checkpoints into ``spark.checkpoint.dir``, the site's app name and
shuffle partitions kept unless graphfraud's flags say otherwise, and the log level.

The module's session is started the way a site starts one: its own app name and
shuffle partitions, set before graphfraud runs (as spark-submit ``--name`` / ``--conf``
or spark-defaults.conf set them: system properties of the JVM).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graphfraud.cli import cli
from graphfraud.synth import SynthConfig, generate

pytest.importorskip("pyspark", reason="the spark extra is not installed")
pytestmark = pytest.mark.spark

SITE_NAME = "nightly fraud scan"
SITE_PARTITIONS = "5"
PARTITIONS = "spark.sql.shuffle.partitions"

Site = Callable[[], Any]


def _site_session() -> Any:
    """The site's session (the running one, its partitions put back to the site's)."""
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master("local[2]").appName(SITE_NAME)
            .config(PARTITIONS, SITE_PARTITIONS).config("spark.ui.enabled", "false")
            .getOrCreate())


def _stop_context() -> None:
    """Stop the running session but keep the JVM (and its system properties)."""
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    assert session is not None
    session.stop()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    from graphfraud.spark import stop_spark

    stop_spark()  # a session left by another module would not be the site's
    _site_session()
    yield _site_session
    stop_spark()  # no JVM left behind when the test process exits


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("export")
    generate(data, SynthConfig(scale=0.1, seed=961))
    return data


def _engine(**knobs: Any) -> Any:
    from graphfraud.spark import SparkEngine

    return SparkEngine(master="local[2]", **knobs)


def _scan(engine: Any, data: Path, said: list[str] | None = None) -> Any:
    from graphfraud.loaders.mapping import Mapping
    from graphfraud.pipeline import ScanParams

    progress = said.append if said is not None else None
    export = engine.read(str(data), Mapping(), progress)
    return engine.scan_export(export, ScanParams.with_seed(7), progress=progress), export


def test_the_summary_names_the_engine_and_what_the_spark_run_measured(
        site: Site, export_dir: Path, tmp_path: Path) -> None:
    site()
    runner = CliRunner()
    embedded = runner.invoke(cli, ["scan", str(export_dir), "--out", str(tmp_path / "a"),
                                   "--seed", "7", "-q"])
    assert embedded.exit_code == 0, embedded.output
    on_spark = runner.invoke(cli, ["scan", str(export_dir), "--out", str(tmp_path / "b"),
                                   "--seed", "7", "-q", "--engine", "spark",
                                   "--spark-master", "local[2]", "--spark-buckets", "1"])
    assert on_spark.exit_code == 0, on_spark.output
    a = json.loads((tmp_path / "a" / "rings.json").read_text("utf-8"))
    b = json.loads((tmp_path / "b" / "rings.json").read_text("utf-8"))
    assert a["summary"]["engine"] == "embedded" and "spark" not in a["summary"]
    assert b["summary"]["engine"] == "spark"
    spark = b["summary"]["spark"]
    # one bucket: its one task held every actor; the partitions are the site's
    actors = a["summary"]["merchants"] + a["summary"]["streamers"]
    assert spark == {"partitions": int(SITE_PARTITIONS), "buckets": 1, "tasks": 1,
                     "largest_task_actors": actors,
                     "largest_component": spark["largest_component"],
                     "checkpoints": "local", "max_task": 1_000_000,
                     "split_components": 0, "cut_promotions": 0}
    assert 1 < spark["largest_component"] < actors
    assert b["rings"] == a["rings"]


@pytest.fixture(scope="module")
def local_run(site: Site, export_dir: Path) -> dict[str, Any]:
    """A scan in 4 buckets with ``--spark-partitions 3`` on the site's session (local
    checkpoints), and the actors of each bucket counted on Spark from the components
    (plain values: later tests stop the session)."""
    from pyspark.sql import functions as F

    from graphfraud.pipeline import ScanParams
    from graphfraud.spark.engine import _graph_figures

    spark = site()
    said: list[str] = []
    try:
        result, export = _scan(_engine(buckets=4, partitions=3), export_dir, said)
        partitions = spark.conf.get(PARTITIONS)
        figures = _graph_figures(spark, export.tables, ScanParams.with_seed(7), None,
                                 lambda _: None)
        sizes = (figures.actor_components
                 .groupBy(F.pmod(F.xxhash64("component"), F.lit(4)).alias("bucket"))
                 .count().collect())
    finally:
        site()  # the site's partitions back
    return {"result": result, "said": said, "partitions": partitions,
            "sizes": [int(r["count"]) for r in sizes],
            "largest_component": figures.largest_component}


def test_the_largest_task_is_the_largest_bucket_of_components(
        local_run: dict[str, Any]) -> None:
    """Measured in the tasks, it equals the actors of the biggest bucket counted on
    Spark from the components; the partitions flag overrides the site's."""
    run, sizes = local_run["result"].run, local_run["sizes"]
    assert run.partitions == 3 and local_run["partitions"] == "3"
    assert run.buckets == 4 and run.tasks == len(sizes) > 1
    assert run.largest_task_actors == max(sizes)
    assert run.largest_component == local_run["largest_component"]
    assert run.largest_component <= run.largest_task_actors < sum(sizes)


def test_the_sites_app_name_and_partitions_stand_unless_a_flag_says_otherwise(
        site: Site) -> None:
    session = site()
    assert _engine().spark_session() is not None
    assert session.sparkContext.appName == SITE_NAME
    assert session.conf.get(PARTITIONS) == SITE_PARTITIONS  # not the local default 8
    _engine(conf=(("spark.sql.shuffle.partitions", "6"),)).spark_session()
    assert session.conf.get(PARTITIONS) == "6"  # --spark-conf is a flag too
    _engine(partitions=4).spark_session()
    assert session.conf.get(PARTITIONS) == "4"
    # A new session in a JVM that spark-submit started with --name and --conf (system
    # properties): the site's name and partitions, unless the flags name others.
    _stop_context()
    try:
        fresh = _engine().spark_session()
        assert fresh.sparkContext.appName == SITE_NAME
        assert fresh.conf.get(PARTITIONS) == SITE_PARTITIONS
        _stop_context()
        flagged = _engine(app_name="graphfraud nightly", partitions=3).spark_session()
        assert flagged.sparkContext.appName == "graphfraud nightly"
        assert flagged.conf.get(PARTITIONS) == "3"
    finally:
        _stop_context()
        site()


def test_stages_checkpoint_into_the_checkpoint_dir_when_the_session_has_one(
        site: Site, local_run: dict[str, Any], export_dir: Path, tmp_path: Path) -> None:
    local, said = local_run["result"], list(local_run["said"])
    assert local.run.checkpoints == "local"
    assert [s for s in said if s.startswith("checkpoints:")] == [
        "checkpoints: local, on the executors (set spark.checkpoint.dir for ones that "
        "survive a lost executor)"]
    where = tmp_path / "checkpoints"
    _stop_context()
    try:
        said.clear()
        engine = _engine(buckets=4, conf=(("spark.checkpoint.dir", where.as_uri()),))
        reliable, _ = _scan(engine, export_dir, said)
        lines = [s for s in said if s.startswith("checkpoints:")]
        assert len(lines) == 1 and lines[0].startswith("checkpoints: reliable, in file:")
        assert str(where) in lines[0]
        assert reliable.run.checkpoints == "reliable"
        written = [p for p in where.rglob("part-*") if p.is_file()]
        assert len(written) > 10  # every stage's partitions, the components' rounds too
        assert reliable.rings == local.rings
    finally:
        _stop_context()
        site()


def test_the_log_level_is_warn_unless_a_flag_says_otherwise(site: Site) -> None:
    session = site()
    jvm = session.sparkContext._jvm
    root = jvm.org.apache.logging.log4j.LogManager.getRootLogger

    _engine(log_level="error").spark_session()
    assert root().getLevel().toString() == "ERROR"
    _engine().spark_session()
    assert root().getLevel().toString() == "WARN"
    assert logging.getLogger("py4j").level == logging.ERROR
    _engine(log_level="INFO").spark_session()
    assert root().getLevel().toString() == "INFO"
    _engine(log_level="WARN").spark_session()


def test_spark_flags_need_the_spark_engine_and_valid_values(tmp_path: Path) -> None:
    runner = CliRunner()
    for flag, value in (("--spark-app-name", "x"), ("--spark-partitions", "4"),
                        ("--spark-log-level", "warn")):
        result = runner.invoke(cli, ["scan", str(tmp_path), "--out", str(tmp_path / "o"),
                                     flag, value])
        assert result.exit_code == 2, flag
        assert result.output.strip().endswith(
            "--spark-app-name, --spark-partitions and --spark-log-level need --engine "
            "spark"), result.output
    result = runner.invoke(cli, ["scan", str(tmp_path), "--out", str(tmp_path / "o"),
                                 "--engine", "spark", "--spark-partitions", "0"])
    assert result.exit_code == 2 and "--spark-partitions" in result.output


def test_the_site_app_name_is_not_spark_submits_fallback() -> None:
    from graphfraud.spark.engine import site_app_name

    assert site_app_name({"spark.app.name": "fraud nightly"}) == "fraud nightly"
    for fallback in ("pyspark-shell", "spark_submit.py", ""):
        assert site_app_name({"spark.app.name": fallback}) is None
    assert site_app_name({}) is None


def test_a_credentials_provider_class_may_go_on_the_command_line() -> None:
    """Where the credentials come from is a class name, not a credential; the keys
    themselves stay refused (tests/unit/test_spark.py)."""
    from graphfraud.cli.scan import _spark_engine
    from graphfraud.errors import UsageError

    provider = ("spark.hadoop.fs.s3a.aws.credentials.provider",
                "software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider")
    engine = _spark_engine("spark", "local[2]", ("=".join(provider),), None, None,
                           "dataframes")
    assert engine is not None and engine.conf == (provider,)
    with pytest.raises(UsageError, match="credentials do not go on a command line"):
        _spark_engine("spark", "local[2]", ("spark.hadoop.fs.s3a.secret.key=x",), None,
                      None, "dataframes")
