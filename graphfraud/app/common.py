"""What the workflows share: how an export is read, the previous run, the check index,
the change line, the report's context."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from graphfraud.errors import UsageError

if TYPE_CHECKING:
    from graphfraud.loaders import LoadResult
    from graphfraud.loaders.dataset import Dataset
    from graphfraud.loaders.mapping import Mapping
    from graphfraud.pipeline import ScanResult
    from graphfraud.report.context import Around
    from graphfraud.report.run import RunReport
    from graphfraud.score.diff import Changes

#: Where a workflow says what it does: one line at a time (progress, or a warning).
Say = Callable[[str], None]


def silent(_: str) -> None:
    """Say nothing (the default for progress and warnings)."""


def mapping_for(mapping_file: str | Path | None, encoding: str | None) -> Mapping:
    """How to read an export: a mapping file's names (else the contract's), and
    ``encoding`` when given (else the mapping file's, else UTF-8).

    Raises
    ------
    UsageError
        If ``encoding`` is not a known text encoding.
    ConfigError
        If the mapping file cannot be read or names unknown tables or columns.
    """
    from graphfraud.loaders.mapping import Mapping

    try:
        how = Mapping.from_file(mapping_file) if mapping_file else Mapping()
        return how.with_encoding(encoding)
    except ValueError as e:
        raise UsageError(f"--encoding: {e}") from e


def read_export(data_dir: str | Path, *, mapping: Mapping, rejects: str | Path,
                say: Say = silent, warn: Say = silent,
                describe: Callable[[LoadResult], None] | None = None,
                reader: Callable[[Callable[[str], None]], LoadResult] | None = None,
                deferred: bool = False) -> LoadResult:
    """Read and validate an export and write its rejects file (with ``deferred``, the
    caller writes it, with the run's other files: a run that fails keeps the last one).

    ``reader`` reads in another way (the Spark engine's reader), given the progress
    callback. ``describe`` shows what was read (default: one progress line of rows and rejects);
    the count of rejected rows is always a warning, as bad input must not go unseen.

    Raises
    ------
    InputError
        If a file cannot be read or lacks a required column.
    """
    from graphfraud.loaders import read_dataset

    started = time.perf_counter()
    if reader is None:
        result = read_dataset(data_dir, mapping=mapping,
                              progress=lambda name: say(f"reading {name}"))
    else:
        result = reader(lambda name: say(f"reading {name}"))
    if not deferred:
        result.write_rejects(rejects)
    if describe is None:
        say(f"read {result.rows} rows, {result.rejected} rejected")
    else:
        describe(result)
    say(f"read in {time.perf_counter() - started:.1f} s")
    if result.rejected:
        warn(f"{result.rejected} rejected rows written to {rejects}")
    for f in result.files:  # a renamed column must not vanish without a word
        for line in f.ignored:
            warn(f"{f.file}: {line}")
    return result


def load_previous(path: Path | None, *, required: bool = False, warn: Say = silent
                  ) -> RunReport | None:
    """The report of an earlier run, whose ring ids carry over and against which
    changes are listed; None when ``path`` is None or, unless ``required``, names
    no file.

    Raises
    ------
    InputError
        If the file is not a valid rings.json (or, when ``required``, is missing).
    """
    if path is None or not (required or path.exists()):
        return None
    from graphfraud.errors import InputError
    from graphfraud.report.run import read_previous_report
    from graphfraud.report.writer import check_published

    try:
        check_published(path.parent)
    except InputError as e:
        if required:
            raise
        # The default previous report (OUT/rings.json) of a run that was interrupted:
        # not a report to carry ids from, and no reason to refuse the new run.
        warn(f"not carrying ring ids over: {e}")
        return None
    return read_previous_report(path)


def add_check_index(result: ScanResult, dataset: Dataset, say: Say = silent) -> ScanResult:
    """``result`` with its onboarding-check index (``graphfraud check --index``; written
    beside the report as check-index.parquet), built from the actor graph and facts the
    scan kept, which are then let go; timed as the ``index`` stage. A result without
    them (a scan on Spark, ``build_index=False``) is returned as it is."""
    if result.graph is None or result.facts is None:
        return result
    from graphfraud.check.index import build_index
    from graphfraud.collector import collector_paused

    say("stage: index")
    started = time.perf_counter()
    with collector_paused():  # millions of objects left by the scan: not walked again
        result.index = build_index(result.graph, result.facts, result.rings, dataset)
    result.timings["index"] = round(time.perf_counter() - started, 3)
    result.graph = result.facts = None
    return result


def changes_line(changes: Changes, since: str) -> str:
    """One line of what changed since ``since`` (a run id, or "the previous run"):
    ``scan`` and ``batch`` print it alike; merges and splits only when there are any.

    >>> from graphfraud.score.diff import Changes
    >>> changes_line(Changes(new=["R-1"], gone=["R-2"]), "the previous run")
    'since the previous run: 1 new, 0 grown, 0 shrunk, 0 changed, 1 gone'
    >>> changes_line(Changes(merged={"R-1": ["R-1", "R-2"]}), "run-7")
    'since run-7: 0 new, 0 grown, 0 shrunk, 0 changed, 0 gone, 1 merged, 0 split'
    """
    line = (f"since {since}: {len(changes.new)} new, {len(changes.grown)} grown, "
            f"{len(changes.shrunk)} shrunk, {len(changes.changed)} changed, "
            f"{len(changes.gone)} gone")
    if changes.merged or changes.split:
        line += f", {len(changes.merged)} merged, {len(changes.split)} split"
    return line


def context_of(dataset: Dataset) -> Around:
    """What ``dataset`` (the export scanned) says around a report's rings, for
    report.html and rings.csv only (``write_reports(context=...)``)."""
    from graphfraud.report.context import Around

    return Around(dataset)
