"""``graphfraud batch``: the scheduled job, as stages.

lock -> find the newest export -> already processed? -> read and validate -> load
into Neo4j (the difference against the last run's state, or everything) -> read the
current verdicts -> scan -> write the report files into a new dated run directory ->
write the rings back (one transaction, run marked complete last) -> save the load
state -> point ``LATEST`` at the run -> summary.

Every stage that fails raises; nothing after it happens, and the next run starts
again from the last complete run (loads are idempotent, the run directory is only
published once complete, the state only saved after the write-back).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphfraud.errors import GraphFraudError, InputError
from graphfraud.loaders.dataset import Dataset

if TYPE_CHECKING:
    from neo4j import Driver

    from graphfraud.loaders.mapping import Mapping
    from graphfraud.pipeline import ScanParams

Say = Callable[[str], None]
LATEST = "LATEST"


class BatchLocked(GraphFraudError):
    """Another batch run holds the lock of the runs directory."""


@dataclass
class BatchResult:
    """What one batch run did (printed as the summary)."""

    export: Path
    status: str  # "done" or "unchanged"
    run_id: str = ""
    run_dir: Path | None = None
    load: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    changes: dict[str, Any] | None = None
    alerts: list[dict[str, Any]] = field(default_factory=list)
    suppressed: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    rejected: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    previous_run: str = ""


def find_export(path: Path) -> Path:
    """``path`` itself when it is an export, else its newest export subdirectory.

    Exports are compared by directory name, so dated names (``2024-06-30``,
    ``20240630T0200``) sort by date.

    Raises
    ------
    InputError
        If ``path`` holds no export.
    """
    def is_export(p: Path) -> bool:
        return any((p / f"merchants{s}").is_file() for s in (".csv", ".parquet"))

    if not path.is_dir():
        raise InputError(f"{path}: not a directory", file=str(path))
    if is_export(path):
        return path
    candidates = sorted((p for p in path.iterdir() if p.is_dir() and is_export(p)),
                        key=lambda p: p.name)
    if not candidates:
        raise InputError(f"{path}: no export here (no merchants.csv in it or in any "
                         "subdirectory)", file=str(path))
    return candidates[-1]


def export_digest(export: Path, mapping: Mapping | None) -> str:
    """SHA-256 over the export's files (names and contents) and how they are read."""
    digest = hashlib.sha256()
    for path in sorted(p for p in export.iterdir() if p.is_file()
                       and p.suffix in (".csv", ".parquet") and not p.name.startswith(".")):
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    if mapping is not None:
        digest.update(repr(mapping).encode())
    return digest.hexdigest()


@contextmanager
def batch_lock(runs_dir: Path) -> Iterator[None]:
    """Hold the runs directory's lock; a second batch run fails at once.

    Raises
    ------
    BatchLocked
        If another process holds it.
    """
    runs_dir.mkdir(parents=True, exist_ok=True)
    path = runs_dir / ".batch.lock"
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise BatchLocked(f"another batch run holds {path} ({holder}); not starting a "
                              "second one") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


def _current_labels(driver: Driver, database: str) -> Any:
    """Every entity's verdict in the graph (export labels and analysts'), as a labels table."""
    from graphfraud.store.reader import read_verdicts

    frame = read_verdicts(driver, database=database)
    for col in ("entity_type", "label"):
        frame[col] = frame[col].astype("string")
    return frame


def run_batch(
    export_root: Path, runs_dir: Path, driver: Driver, *, database: str,
    params: ScanParams, mapping: Mapping | None = None, batch_size: int = 5000,
    say: Say = lambda _: None,
) -> BatchResult:
    """One batch run (see the module docstring). The caller holds the lock.

    Raises
    ------
    InputError
        If there is no export or a file of it is unusable.
    StoreError, neo4j errors
        If Neo4j fails after its retries; nothing is published.
    """
    from graphfraud.batch.alerts import decide_alerts
    from graphfraud.batch.state import LoadState
    from graphfraud.loaders import read_dataset
    from graphfraud.pipeline import scan
    from graphfraud.report import RunInfo, write_reports
    from graphfraud.store.rings import write_rings
    from graphfraud.store.runs import latest_run
    from graphfraud.store.verdicts import ring_verdicts
    from graphfraud.store.writer import remove_rows, write_dataset

    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 2)
        clock = now

    export = find_export(export_root)
    digest = export_digest(export, mapping)
    latest = latest_run(driver, database=database)
    if latest is not None and latest["export_digest"] == digest:
        say(f"{export} was already processed by run {latest['run_id']}")
        return BatchResult(export=export, status="unchanged", run_id=latest["run_id"],
                           run_dir=Path(latest["run_dir"]) if latest["run_dir"] else None)

    say(f"reading {export}")
    loaded = read_dataset(export, mapping=mapping)
    lap("read")

    state = LoadState(runs_dir / ".state")
    incremental = latest is not None and state.state_id is not None and (
        state.state_id == latest["state_id"])
    load: dict[str, Any] = {"mode": "incremental" if incremental else "full"}
    if incremental:
        diff = state.diff(loaded.dataset)
        say(f"loading the difference: {diff.upserts} new or changed rows, "
            f"{diff.removals} removed, {diff.unchanged} unchanged")
        write_dataset(driver, diff.upsert_dataset(str(export)), database=database,
                      batch_size=batch_size)
        remove_rows(driver, {name: table.removed for name, table in diff.tables.items()},
                    database=database, batch_size=batch_size)
        load.update(written=diff.upserts, removed=diff.removals, unchanged=diff.unchanged)
    else:
        why = "no earlier batch run" if latest is None else "the saved state does not match"
        say(f"loading everything ({why})")
        stats = write_dataset(driver, loaded.dataset, database=database, batch_size=batch_size)
        load.update(written=sum(stats.rows.values()), removed=0, unchanged=0)
    lap("load")

    # The scan sees the graph's verdicts (export labels and analysts'), not the file's;
    # the export itself is kept as it is, for the load state.
    dataset = Dataset(source=loaded.dataset.source, tables={
        **loaded.dataset.tables, "labels": _current_labels(driver, database)})
    previous_rings = _previous_rings(runs_dir)
    result = scan(dataset, params, previous=previous_rings,
                  progress=lambda s: say(f"stage: {s}"))
    lap("scan")

    started = datetime.now(UTC).replace(microsecond=0)
    staging = runs_dir / f".incomplete-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    info = RunInfo(source=str(export), rows=loaded.rows, rejected_rows=loaded.rejected,
                   generated_at=started)
    paths = write_reports(result, info, staging)
    loaded.write_rejects(staging / "rejects.csv")
    report = json.loads(paths["json"].read_text("utf-8"))
    verdicts = ring_verdicts(driver, database=database)
    alerts = decide_alerts(report["rings"], changes=result.changes, previous=previous_rings,
                           verdicts=verdicts)
    (staging / "alerts.json").write_text(
        json.dumps({"run_id": report["run_id"], **alerts.as_dict()}, ensure_ascii=False,
                   indent=1) + "\n", "utf-8")
    run_dir = runs_dir / f"{started:%Y-%m-%dT%H%M%SZ}_{export.name}"
    state_id = LoadState.new_id()
    lap("report")

    write_rings(driver, report, database=database, batch={
        "export_digest": digest, "state_id": state_id, "run_dir": str(run_dir.resolve())})
    staging.rename(run_dir)
    state.save(loaded.dataset, state_id)
    _point_latest(runs_dir, run_dir)
    lap("write-back")

    out = BatchResult(
        export=export, status="done", run_id=report["run_id"], run_dir=run_dir, load=load,
        counts=dict(result.counts), changes=report.get("changes"),
        alerts=alerts.as_dict()["alerts"], suppressed=alerts.suppressed,
        rows=loaded.rows, rejected=loaded.rejected, seconds=timings,
        previous_run=latest["run_id"] if latest else "")
    (run_dir / "batch.json").write_text(json.dumps(_jsonable(out), indent=1) + "\n", "utf-8")
    return out


def _previous_rings(runs_dir: Path) -> list[dict[str, Any]] | None:
    try:
        name = (runs_dir / LATEST).read_text("utf-8").strip()
        document = json.loads((runs_dir / name / "rings.json").read_text("utf-8"))
        return list(document["rings"])
    except (OSError, ValueError, KeyError):
        return None


def _point_latest(runs_dir: Path, run_dir: Path) -> None:
    tmp = runs_dir / f".{LATEST}.partial"
    tmp.write_text(run_dir.name + "\n", "utf-8")
    tmp.replace(runs_dir / LATEST)


def _jsonable(result: BatchResult) -> dict[str, Any]:
    data = dict(result.__dict__)
    data["export"] = str(result.export)
    data["run_dir"] = str(result.run_dir) if result.run_dir else None
    return data


def summary_lines(result: BatchResult) -> list[str]:
    """The one-screen summary a scheduler's log shows."""
    if result.status == "unchanged":
        return [f"export {result.export} unchanged since run {result.run_id}: nothing to do",
                f"report: {result.run_dir}" if result.run_dir else ""]
    c = result.counts
    lines = [
        f"run {result.run_id} from {result.export}",
        f"input: {result.rows:,} rows, {result.rejected:,} rejected",
        f"load ({result.load.get('mode')}): {result.load.get('written', 0):,} rows written, "
        f"{result.load.get('removed', 0):,} removed, {result.load.get('unchanged', 0):,} "
        "unchanged",
        f"rings: {c.get('rings', 0)} ({c.get('high', 0)} high, {c.get('medium', 0)} medium, "
        f"{c.get('low', 0)} low)",
    ]
    if result.changes is not None:
        ch = result.changes
        lines.append(
            f"since {result.previous_run or 'the previous run'}: {len(ch['new'])} new, "
            f"{len(ch['grown'])} grown, {len(ch['shrunk'])} shrunk, {len(ch['changed'])} "
            f"changed, {len(ch['merged'])} merged, {len(ch['split'])} split, "
            f"{len(ch['gone'])} gone")
    quiet = ", ".join(f"{n} {why}" for why, n in sorted(result.suppressed.items()))
    lines.append(f"alerts: {len(result.alerts)}" + (f" (not alerted: {quiet})" if quiet else ""))
    for a in result.alerts[:10]:
        extra = f", +{len(a['new_members'])} members" if a["new_members"] else ""
        lines.append(f"  {a['ring_id']}  {a['score']:.2f}  {a['pattern']:<17} "
                     f"{a['reason']}{extra}")
    if len(result.alerts) > 10:
        lines.append(f"  … {len(result.alerts) - 10} more in alerts.json")
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    lines.append(f"time: {stages}")
    lines.append(f"report: {result.run_dir}")
    return lines
