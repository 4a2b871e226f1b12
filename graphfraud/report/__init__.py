"""The ring report: one run's :class:`RunReport`, written as rings.json (the contract),
rings.csv and report.html."""

from graphfraud.report.run import RunInfo, RunReport, build_run_report, read_run_report
from graphfraud.report.writer import write_reports

__all__ = ["RunInfo", "RunReport", "build_run_report", "read_run_report", "write_reports"]
