"""``graphfraud batch``: the scheduled job, as stages.

lock (the caller) -> find the newest export -> already processed? -> read and validate,
and the previous run's report -> load into Neo4j (the difference against the last run's
state, or everything) -> scan with the graph's current verdicts -> write the report files
and the alerts into a staging directory -> write the rings back (one transaction, run
marked complete last) -> publish the run directory, save the load state, point
``LATEST`` at the run -> summary.

Every stage that fails raises; nothing after it happens, and the next run starts
again from the last complete run (loads are idempotent, the run directory is only
published once complete, the state only saved after the write-back). The stages'
building blocks (lock, export discovery, load, ``LATEST``) are in
:mod:`graphfraud.batch.job`.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphfraud.app.common import (
    Say,
    add_check_index,
    changes_line,
    context_of,
    load_previous,
    silent,
)
from graphfraud.outputs import write_new

if TYPE_CHECKING:
    from neo4j import Driver

    from graphfraud.batch.alerts import Alert, AlertList
    from graphfraud.batch.state import LoadState
    from graphfraud.loaders import LoadResult
    from graphfraud.loaders.dataset import Dataset
    from graphfraud.loaders.mapping import Mapping
    from graphfraud.pipeline import ScanParams, ScanResult
    from graphfraud.report.run import RunReport
    from graphfraud.score.diff import Changes


@dataclass
class BatchResult:
    """What one batch run did (printed as the summary, saved as batch.json)."""

    export: Path
    status: str  # "done" or "unchanged"
    run_id: str = ""
    run_dir: Path | None = None
    load: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    changes: Changes | None = None
    alerts: list[Alert] = field(default_factory=list)
    suppressed: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    rejected: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    previous_run: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The batch.json document."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(export=str(self.export),
                    run_dir=str(self.run_dir) if self.run_dir else None,
                    changes=self.changes.as_dict() if self.changes is not None else None,
                    alerts=[asdict(a) for a in self.alerts])
        return data


@dataclass(frozen=True)
class _Staged:
    """A run's files, complete in their staging directory, not yet published."""

    report: RunReport
    alerts: AlertList
    staging: Path
    run_dir: Path


class _Laps:
    """Seconds per stage, each from the end of the one before."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._clock, 2)
        self._clock = now


def run_batch(
    export_root: Path, runs_dir: Path, driver: Driver, *, database: str,
    params: ScanParams, mapping: Mapping | None = None, batch_size: int = 5000,
    say: Say = silent, browser: str = "", excel: bool = False,
) -> BatchResult:
    """One batch run (see the module docstring). The caller holds the lock.
    ``browser``: Neo4j Browser's address, for report.html's links ("" for none);
    ``excel``: rings.csv for Excel (:func:`graphfraud.report.write_reports`).

    Raises
    ------
    InputError
        If there is no export, a file of it is unusable, or the previous run's
        rings.json is not valid.
    StoreError, neo4j errors
        If Neo4j fails after its retries; nothing is published.
    """
    from graphfraud.batch.job import export_digest, find_export, latest_report
    from graphfraud.batch.state import LoadState
    from graphfraud.loaders import read_dataset
    from graphfraud.store.runs import latest_run

    laps = _Laps()
    export = find_export(export_root)
    digest = export_digest(export, mapping)
    latest = latest_run(driver, database=database)
    if latest is not None and latest["export_digest"] == digest:
        say(f"{export} was already processed by run {latest['run_id']}")
        return BatchResult(export=export, status="unchanged", run_id=latest["run_id"],
                           run_dir=Path(latest["run_dir"]) if latest["run_dir"] else None)

    say(f"reading {export}")
    loaded = read_dataset(export, mapping=mapping)
    previous = load_previous(latest_report(runs_dir))
    laps.lap("read")
    state = LoadState(runs_dir / ".state")
    load = _load(driver, loaded, export, state, latest, database=database,
                 batch_size=batch_size, say=say)
    laps.lap("load")
    result, scanned = _scan(driver, loaded, previous, database=database, params=params,
                            say=say)
    laps.lap("scan")
    staged = _stage(runs_dir, export, loaded, result, previous, driver, database=database,
                    scanned=scanned, browser=browser, excel=excel)
    laps.lap("report")
    _publish(staged, driver, runs_dir, database=database, digest=digest, state=state,
             loaded=loaded)
    laps.lap("write-back")

    out = BatchResult(
        export=export, status="done", run_id=staged.report.run_id, run_dir=staged.run_dir,
        load=load, counts=dict(result.counts), changes=staged.report.changes,
        alerts=staged.alerts.alerts, suppressed=staged.alerts.suppressed,
        rows=loaded.rows, rejected=loaded.rejected, seconds=laps.seconds,
        previous_run=latest["run_id"] if latest else "")
    write_new(staged.run_dir / "batch.json", json.dumps(out.as_dict(), indent=1) + "\n")
    return out


def _load(driver: Driver, loaded: LoadResult, export: Path, state: LoadState,
          latest: dict[str, Any] | None, *, database: str, batch_size: int,
          say: Say) -> dict[str, Any]:
    """Load stage: the difference against the saved state when it belongs to the
    latest run, else everything."""
    from graphfraud.batch.job import load_difference, load_everything

    if latest is not None and state.state_id is not None and (
            state.state_id == latest["state_id"]):
        return load_difference(driver, state.diff(loaded.dataset), str(export),
                               database=database, batch_size=batch_size, say=say)
    why = "no earlier batch run" if latest is None else "the saved state does not match"
    return load_everything(driver, loaded.dataset, why, database=database,
                           batch_size=batch_size, say=say)


def _scan(driver: Driver, loaded: LoadResult, previous: RunReport | None, *,
          database: str, params: ScanParams, say: Say) -> tuple[ScanResult, Dataset]:
    """Scan stage: the export with the graph's verdicts (export labels and analysts')
    as its labels; the export itself is kept as it is, for the load state. Returns the
    result (its check index naming the analysts' latest decisions) and the dataset
    scanned (for the members' names and verdicts)."""
    from graphfraud.batch.job import with_graph_labels
    from graphfraud.check.index import with_decisions
    from graphfraud.pipeline import scan
    from graphfraud.store.verdicts import latest_decisions

    dataset = with_graph_labels(driver, loaded.dataset, database=database)
    result = scan(dataset, params, previous=previous.rings if previous else None,
                  progress=lambda s: say(f"stage: {s}"))
    result = add_check_index(result, dataset, say)
    result.index = with_decisions(result.index, latest_decisions(driver, database=database))
    return result, dataset


def _stage(runs_dir: Path, export: Path, loaded: LoadResult, result: ScanResult,
           previous: RunReport | None, driver: Driver, *, database: str,
           scanned: Dataset | None = None, browser: str = "", excel: bool = False
           ) -> _Staged:
    """Report stage: the report files, rejects and alerts in a staging directory."""
    from dataclasses import replace

    from graphfraud.batch.alerts import decide_alerts
    from graphfraud.report import RunInfo, build_run_report, write_reports
    from graphfraud.report.run import alerts_of, decisions_of
    from graphfraud.store.verdicts import ring_verdicts

    started = datetime.now(UTC).replace(microsecond=0)
    staging = runs_dir / f".incomplete-{os.getpid()}"
    if staging.is_symlink():  # never written through: the files would land elsewhere
        staging.unlink()
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()  # made here, or the run stops
    report = build_run_report(result, RunInfo(
        source=str(export), rows=loaded.rows, rejected_rows=loaded.rejected,
        generated_at=started))
    verdicts = ring_verdicts(driver, database=database)
    report = replace(report, decisions=decisions_of(verdicts),
                     browser=(browser, database) if browser else None)
    alerts = decide_alerts(report, previous=previous, verdicts=verdicts)
    report = replace(report, alerts=alerts_of(alerts.alerts))  # on the page too
    write_reports(report, staging, rejects=loaded.write_rejects, excel=excel,
                  context=context_of(scanned or loaded.dataset))
    write_new(staging / "alerts.json", json.dumps(
        {"run_id": report.run_id, **alerts.as_dict()}, ensure_ascii=False, indent=1) + "\n")
    return _Staged(report, alerts, staging,
                   runs_dir / f"{started:%Y-%m-%dT%H%M%SZ}_{export.name}")


def _publish(staged: _Staged, driver: Driver, runs_dir: Path, *, database: str,
             digest: str, state: LoadState, loaded: LoadResult) -> None:
    """Write-back stage: the rings into Neo4j (the run marked complete last), then the
    run directory, the load state and ``LATEST``."""
    from graphfraud.batch.job import point_latest
    from graphfraud.batch.state import LoadState
    from graphfraud.store.rings import write_rings

    state_id = LoadState.new_id()
    write_rings(driver, staged.report, database=database, batch={
        "export_digest": digest, "state_id": state_id,
        "run_dir": str(staged.run_dir.resolve())},
        alerts={a.ring_id: a.reason for a in staged.alerts.alerts})
    staged.staging.rename(staged.run_dir)
    state.save(loaded.dataset, state_id)
    point_latest(runs_dir, staged.run_dir)


def batch_summary(result: BatchResult) -> list[str]:
    """The one-screen summary a scheduler's log shows."""
    from graphfraud.model import Risk

    if result.status == "unchanged":
        return [f"export {result.export} unchanged since run {result.run_id}: nothing to do",
                f"report: {result.run_dir}" if result.run_dir else ""]
    c = result.counts
    by_risk = ", ".join(f"{c.get(risk, 0)} {risk}" for risk in Risk)
    lines = [
        f"run {result.run_id} from {result.export}",
        f"input: {result.rows:,} rows, {result.rejected:,} rejected",
        f"load ({result.load.get('mode')}): {result.load.get('written', 0):,} rows written, "
        f"{result.load.get('removed', 0):,} removed, {result.load.get('unchanged', 0):,} "
        "unchanged",
        f"rings: {c.get('rings', 0)} ({by_risk})",
    ]
    if result.changes is not None:
        lines.append(changes_line(result.changes, result.previous_run or "the previous run"))
    quiet = ", ".join(f"{n} {why}" for why, n in sorted(result.suppressed.items()))
    lines.append(f"alerts: {len(result.alerts)}" + (f" (not alerted: {quiet})" if quiet else ""))
    for a in result.alerts[:10]:
        extra = f", +{len(a.new_members)} members" if a.new_members else ""
        lines.append(f"  {a.ring_id}  {a.score:.2f}  {a.pattern:<17} {a.reason}{extra}")
    if len(result.alerts) > 10:
        lines.append(f"  … {len(result.alerts) - 10} more in alerts.json")
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    lines.append(f"time: {stages}")
    lines.append(f"report: {result.run_dir}")
    return lines
