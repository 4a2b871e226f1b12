"""Write a run's report as rings.json, rings.csv and a self-contained report.html."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from graphfraud import spreadsheet

if TYPE_CHECKING:
    from graphfraud.report.run import RunReport

CSV_HEADER = ("ring_id", "ring_score", "risk", "pattern", "member_type", "member_id",
              "member_score", "ring_known_fraud", "ring_known_legit", "shared_identifiers",
              "top_evidence")


def write_reports(report: RunReport, out_dir: str | Path, *,
                  redact: bool = False) -> dict[str, Path]:
    """Write rings.json, rings.csv and report.html into ``out_dir``; return their paths.

    The run's check index, when it has one, goes beside them (check-index.parquet).
    With ``redact``, rings.csv and report.html carry pseudonyms instead of entity
    ids (see :mod:`graphfraud.report.redact`) and ``redaction-key.csv`` maps them
    back; rings.json, the team's own record, keeps the real ids.
    """
    from graphfraud.report.html import render_html

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "rings.json", "csv": out / "rings.csv", "html": out / "report.html"}
    _atomic_write(paths["json"], report.to_json())
    shown = report
    redactor = None
    if redact:
        from graphfraud.report.redact import Redactor

        redactor = Redactor()
        shown = redactor.run_report(report)
    with _atomic(paths["csv"]) as tmp:
        _write_csv(shown, tmp)
    _atomic_write(paths["html"], render_html(shown))
    if redactor is not None:
        paths["key"] = out / "redaction-key.csv"
        with _atomic(paths["key"]) as tmp:
            redactor.write_key(tmp)
    else:
        (out / "redaction-key.csv").unlink(missing_ok=True)  # a stale key would mislead
    if report.index is not None:
        from graphfraud.check.index import INDEX_FILE, save_index

        paths["index"] = out / INDEX_FILE
        with _atomic(paths["index"]) as tmp:
            save_index(report.index, tmp)
    return paths


def _write_csv(report: RunReport, path: Path) -> None:
    """rings.csv: one row per ring member."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = spreadsheet.writer(fh)
        writer.writerow(CSV_HEADER)
        for ring in report.rings:
            top = ring.evidence[0] if ring.evidence else ""
            for m in ring.members:
                writer.writerow([ring.ring_id, ring.score, ring.risk, ring.pattern, m.type,
                                 m.id, m.score, ring.known_fraud, ring.known_legit,
                                 len(ring.shared), top])


class _atomic:
    """Write to a temporary sibling, then rename: readers never see half a file."""

    def __init__(self, path: Path):
        self.path = path
        self.tmp = path.with_name(f".{path.name}.partial")

    def __enter__(self) -> Path:
        return self.tmp

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.tmp.replace(self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def _atomic_write(path: Path, text: str) -> None:
    with _atomic(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
