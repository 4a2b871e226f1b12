"""The application layer: the workflows behind ``graphfraud scan`` and ``graphfraud batch``.

The CLI parses options, builds settings and drivers, and prints what these return;
everything in between (the previous run, reading the input, scanning, the report files,
the write-back, the batch's load, alerts and run directory) happens here.

:mod:`graphfraud.app.common` holds what the workflows share, :mod:`graphfraud.app.scan`
the scans of an export and of the Neo4j graph, :mod:`graphfraud.app.batch` the
scheduled job.
"""

from graphfraud.app.batch import BatchResult, batch_summary, run_batch
from graphfraud.app.common import (
    add_check_index,
    changes_line,
    load_previous,
    mapping_for,
    read_export,
)
from graphfraud.app.scan import ScanOutcome, scan_export, scan_graph, scan_summary

__all__ = [
    "BatchResult",
    "ScanOutcome",
    "add_check_index",
    "batch_summary",
    "changes_line",
    "load_previous",
    "mapping_for",
    "read_export",
    "run_batch",
    "scan_export",
    "scan_graph",
    "scan_summary",
]
