"""The ring report: rings.json (the contract), rings.csv, report.html."""

from graphfraud.report.writer import RunInfo, build_report, write_reports

__all__ = ["RunInfo", "build_report", "write_reports"]
