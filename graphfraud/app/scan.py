"""The scan workflows: an export (embedded graph) or the Neo4j graph, into report files.

Both take the previous run (``--previous``, else ``OUT/rings.json`` when there is one),
read, scan, build the run's :class:`~graphfraud.report.RunReport` and write its files;
the Neo4j scan also writes the rings back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from graphfraud.app.common import (
    Say,
    add_check_index,
    changes_line,
    context_of,
    load_previous,
    read_export,
    silent,
)

if TYPE_CHECKING:
    from neo4j import Driver

    from graphfraud.loaders.dataset import Dataset, LoadResult
    from graphfraud.loaders.mapping import Mapping
    from graphfraud.pipeline import ScanParams
    from graphfraud.report.run import RunInfo, RunReport
    from graphfraud.spark import SparkEngine
    from graphfraud.spark.engine import SparkRun
    from graphfraud.spark.reader import SparkExport
    from graphfraud.store.connection import Neo4jSettings


@dataclass(frozen=True)
class ScanOutcome:
    """What one scan made: its report, the files written, and where the time went."""

    report: RunReport
    paths: dict[str, Path]
    #: Seconds per stage, in order: the scan's stages, reading, the write-back.
    timings: dict[str, float]
    #: Seconds for the whole workflow.
    seconds: float

    def timing_line(self) -> str:
        stages = ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in self.timings.items())
        return f"done in {self.seconds:.1f} s ({stages})"


def scan_export(data_dir: str | Path, out_dir: str | Path, *, params: ScanParams,
                mapping: Mapping, previous: Path | None = None, redact: bool = False,
                say: Say = silent, warn: Say = silent,
                engine: SparkEngine | None = None, parquet: bool = False,
                follow_out_link: bool = False, excel: bool = False,
                cluster_out: str | None = None) -> ScanOutcome:
    """Scan the export in ``data_dir`` with the embedded graph (or on Spark with
    ``engine``); report into ``out_dir`` (rings.csv for Excel with ``excel``:
    :func:`graphfraud.report.write_reports`), and with ``cluster_out`` (a Spark run)
    also into that cluster folder (:mod:`graphfraud.spark.publish`).

    Rejected input rows go to ``OUT/rejects.csv``, written with the run's other files
    (a run that fails keeps the last complete run's). ``data_dir`` is the report's
    ``source`` as given. ``OUT`` must not be a symbolic link unless ``follow_out_link``.

    Raises
    ------
    InputError
        If the previous report is not a valid rings.json, or a file of the export is
        unusable.
    """
    from graphfraud.report import write_reports
    from graphfraud.report.run import RunInfo
    from graphfraud.report.writer import REJECTS, out_lock

    out = Path(out_dir)
    prior = load_previous(previous or out / "rings.json", required=previous is not None,
                          warn=warn)
    started = time.perf_counter()
    with out_lock(out, follow_link=follow_out_link):  # one run writes into OUT at a time
        read = None if engine is None else _SparkRead(engine, str(data_dir), mapping)
        loaded = read_export(data_dir, mapping=mapping, rejects=out / REJECTS,
                             say=say, warn=warn, reader=read, deferred=True)
        info = RunInfo(source=str(data_dir), rows=loaded.rows, rejected_rows=loaded.rejected,
                       read_seconds=round(time.perf_counter() - started, 3))
        context = None  # a Spark run's report holds its context already
        if read is None:
            report, timings = _scan(loaded.dataset, info, params=params, previous=prior,
                                    say=say)
            context = context_of(loaded.dataset)
        else:
            assert engine is not None
            report, timings = _scan_on_spark(engine, read.export, info, params=params,
                                             previous=prior, say=say)
        paths = write_reports(report, out, redact=redact, parquet=parquet,
                              rejects=loaded.write_rejects, excel=excel, context=context)
        _publish(engine, report, cluster_out, paths, say)
    return ScanOutcome(report, paths, timings, time.perf_counter() - started)


def _publish(engine: SparkEngine | None, report: RunReport, cluster_out: str | None,
             paths: dict[str, Path], say: Say) -> None:
    """The run's report into the cluster folder, when there is one."""
    if cluster_out is None:
        return
    from graphfraud.spark.publish import publish

    assert engine is not None
    names = publish(engine.spark_session(), report, cluster_out, paths)
    say(f"wrote {', '.join(names)} into {cluster_out}")


def scan_graph(driver: Driver, settings: Neo4jSettings, out_dir: str | Path, *,
               params: ScanParams, previous: Path | None = None, redact: bool = False,
               say: Say = silent, engine: SparkEngine | None = None,
               parquet: bool = False, follow_out_link: bool = False,
               excel: bool = False, cluster_out: str | None = None) -> ScanOutcome:
    """Scan the graph in Neo4j (built by ``graphfraud load``), report into ``out_dir``
    (and ``cluster_out``, as :func:`scan_export` does),
    and write the rings back (one transaction, after the files). ``OUT`` must not be
    a symbolic link unless ``follow_out_link``; ``excel`` as in :func:`scan_export`.

    ``driver`` connects to ``settings``' server; the caller creates and closes it.

    Raises
    ------
    InputError
        If the previous report is not a valid rings.json.
    StoreError
        If reading the graph or writing the rings back fails after the retries.
    """
    from graphfraud.check.index import with_decisions
    from graphfraud.report import write_reports
    from graphfraud.report.run import RunInfo, decisions_of
    from graphfraud.report.writer import out_lock
    from graphfraud.store.connection import store_errors
    from graphfraud.store.reader import read_graph
    from graphfraud.store.rings import write_rings
    from graphfraud.store.verdicts import latest_decisions, ring_verdicts

    if engine is not None:
        from graphfraud.spark.from_neo4j import read_graph_export

    out = Path(out_dir)
    prior = load_previous(previous or out / "rings.json", required=previous is not None,
                          warn=say)
    started = time.perf_counter()
    with out_lock(out, follow_link=follow_out_link):  # one writer into OUT at a time
        say(f"reading the graph from {settings.describe()}")
        with store_errors(settings, "reading the graph", say):
            driver.verify_connectivity()
            if engine is None:
                dataset = read_graph(driver, database=settings.database)
                rows = sum(len(t) for t in dataset.tables.values())
            else:  # paged reads in Spark tasks: the graph never gathers on the driver
                export = read_graph_export(engine.spark_session(), settings)
                rows = sum(f.rows for f in export.files)
        info = RunInfo(source=settings.describe(), rows=rows, rejected_rows=0,
                       read_seconds=round(time.perf_counter() - started, 3))
        if engine is None:
            report, timings = _scan(dataset, info, params=params, previous=prior, say=say)
        else:
            report, timings = _scan_on_spark(engine, export, info, params=params,
                                             previous=prior, say=say)
        with store_errors(settings, "reading the rings' verdicts", say):
            report = replace(report, decisions=decisions_of(
                ring_verdicts(driver, database=settings.database)),
                browser=(settings.browser, settings.database))
            if report.index is not None:  # check --index names decisions, as batch's does
                report = replace(report, index=with_decisions(
                    report.index, latest_decisions(driver, database=settings.database)))
        # The files name a run id: publish them only once Neo4j has committed that run.
        write_started = time.perf_counter()
        with store_errors(settings, "writing the rings back", say):
            write_rings(driver, report, database=settings.database)
        say(f"wrote {len(report.rings)} rings back to Neo4j (run {report.run_id})")
        timings["write-back"] = round(time.perf_counter() - write_started, 3)
        paths = write_reports(report, out, redact=redact, parquet=parquet, excel=excel,
                              context=context_of(dataset) if engine is None else None)
        _publish(engine, report, cluster_out, paths, say)
    return ScanOutcome(report, paths, timings, time.perf_counter() - started)


def _scan(dataset: Dataset, info: RunInfo, *, params: ScanParams,
          previous: RunReport | None, say: Say) -> tuple[RunReport, dict[str, float]]:
    """Scan (embedded) and build the run's report; the report and the stage times
    (reading last). What the export says around the rings is added where rings.csv
    and report.html are made (:func:`context_of`). A Spark run goes through
    :func:`_scan_on_spark`."""
    from graphfraud.pipeline import scan
    from graphfraud.report import build_run_report

    result = add_check_index(
        scan(dataset, params, previous=previous.rings if previous else None,
             progress=lambda s: say(f"stage: {s}")), dataset, say)
    report = build_run_report(result, info)
    timings = dict(result.timings)
    if info.read_seconds is not None:
        timings["read"] = info.read_seconds
    return report, timings


class _SparkRead:
    """Reads the export on Spark (for :func:`read_export`), keeping what it read."""

    def __init__(self, engine: SparkEngine, data: str, mapping: Mapping):
        self.engine, self.data, self.mapping = engine, data, mapping
        self.export: SparkExport | None = None

    def __call__(self, progress: Callable[[str], None]) -> LoadResult:
        from graphfraud.loaders.dataset import Dataset, LoadResult

        self.export = self.engine.read(self.data, self.mapping, progress)
        return LoadResult(dataset=Dataset(source=self.data), files=self.export.files,
                          rejects=self.export.rejects)


def _scan_on_spark(engine: SparkEngine, export: SparkExport | None, info: RunInfo, *,
                   params: ScanParams, previous: RunReport | None, say: Say
                   ) -> tuple[RunReport, dict[str, float]]:
    """:func:`_scan` for an export read on Spark: the report's context comes from the
    rows around the rings, gathered by Spark."""
    from graphfraud.report import build_run_report
    from graphfraud.report.context import MAX_HUBS, with_context

    assert export is not None
    result = engine.scan_export(export, params,
                                previous=previous.rings if previous else None,
                                progress=lambda s: say(f"stage: {s}"))
    report = build_run_report(result, _on_spark(info, result.run))
    report = with_context(report, export.context(list(report.rings),
                                                 list(report.hubs[:MAX_HUBS])))
    timings = dict(result.timings)
    if info.read_seconds is not None:
        timings["read"] = info.read_seconds
    return report, timings


def _on_spark(info: RunInfo, run: SparkRun | None) -> RunInfo:
    """The run info of a scan on Spark: ``summary.engine`` and ``summary.spark``."""
    return replace(info, engine="spark",
                   engine_figures=None if run is None else run.as_summary())


def scan_summary(outcome: ScanOutcome) -> list[str]:
    """What ``graphfraud scan`` prints: rings by risk, hubs, changes, the report's path."""
    from graphfraud.model import Risk

    s = outcome.report.summary
    by_risk = ", ".join(f"{s[risk]} {risk}" for risk in Risk)
    lines = [f"{s['rings']} rings: {by_risk}; "
             f"{s['hubs_dropped']} hubs ignored, {s['hubs_down_weighted']} down-weighted"]
    if outcome.report.changes is not None:
        lines.append(changes_line(outcome.report.changes, "the previous run"))
    lines.append(f"report: {outcome.paths['html']}")
    return lines
