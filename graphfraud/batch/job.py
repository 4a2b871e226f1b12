"""The building blocks of ``graphfraud batch`` (the workflow is
:func:`graphfraud.app.run_batch`): the runs directory's lock, the newest export and its
digest, the load into Neo4j (the difference against the last run's state, or
everything), the graph's current verdicts as the scan's labels, and ``LATEST``, the
name of the newest complete run directory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphfraud.errors import GraphFraudError, InputError
from graphfraud.loaders.dataset import Dataset

if TYPE_CHECKING:
    from neo4j import Driver

    from graphfraud.batch.state import ExportDiff
    from graphfraud.loaders.mapping import Mapping

Say = Callable[[str], None]
LATEST = "LATEST"


class BatchLocked(GraphFraudError):
    """Another batch run holds the lock of the runs directory."""


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
    from graphfraud.locks import exclusive

    path = runs_dir / ".batch.lock"
    with exclusive(path, lambda holder: BatchLocked(
            f"another batch run holds {path} ({holder}); not starting a second one")):
        yield


def load_difference(driver: Driver, diff: ExportDiff, source: str, *, database: str,
                    batch_size: int, say: Say) -> dict[str, Any]:
    """Write the rows that are new or changed since the saved state, remove those that
    left; what was done, for the summary."""
    from graphfraud.store.writer import remove_rows, write_dataset

    say(f"loading the difference: {diff.upserts} new or changed rows, "
        f"{diff.removals} removed, {diff.unchanged} unchanged")
    write_dataset(driver, diff.upsert_dataset(source), database=database,
                  batch_size=batch_size)
    remove_rows(driver, {name: table.removed for name, table in diff.tables.items()},
                database=database, batch_size=batch_size)
    return {"mode": "incremental", "written": diff.upserts, "removed": diff.removals,
            "unchanged": diff.unchanged}


def load_everything(driver: Driver, dataset: Dataset, why: str, *, database: str,
                    batch_size: int, say: Say) -> dict[str, Any]:
    """Write every row of the export (idempotent); what was done, for the summary."""
    from graphfraud.store.writer import write_dataset

    say(f"loading everything ({why})")
    stats = write_dataset(driver, dataset, database=database, batch_size=batch_size)
    return {"mode": "full", "written": sum(stats.rows.values()), "removed": 0,
            "unchanged": 0}


def with_graph_labels(driver: Driver, dataset: Dataset, *, database: str) -> Dataset:
    """``dataset`` with every entity's verdict in the graph (export labels and
    analysts') as its labels table."""
    from graphfraud.store.reader import read_verdicts

    frame = read_verdicts(driver, database=database)
    for col in ("entity_type", "label"):
        frame[col] = frame[col].astype("string")
    return Dataset(source=dataset.source, tables={**dataset.tables, "labels": frame})


def latest_report(runs_dir: Path) -> Path | None:
    """The rings.json of the run ``LATEST`` names; None before the first run."""
    try:
        name = (runs_dir / LATEST).read_text("utf-8").strip()
    except OSError:
        return None
    return runs_dir / name / "rings.json"


def point_latest(runs_dir: Path, run_dir: Path) -> None:
    """Name ``run_dir`` in ``LATEST`` (written new and renamed: never half a name, never
    through a link planted there)."""
    from graphfraud.outputs import write_new

    write_new(runs_dir / LATEST, run_dir.name + "\n")
