"""Write a run's report as rings.json, rings.csv and a self-contained report.html."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphfraud import spreadsheet

if TYPE_CHECKING:
    from graphfraud.report.redact import Redactor
    from graphfraud.report.run import RunReport

CSV_HEADER = ("ring_id", "ring_score", "risk", "pattern", "member_type", "member_id",
              "member_score", "ring_known_fraud", "ring_known_legit", "shared_identifiers",
              "top_evidence", "name", "status")


def write_reports(report: RunReport, out_dir: str | Path, *,
                  redact: bool = False, parquet: bool = False) -> dict[str, Path]:
    """Write rings.json, rings.csv and report.html into ``out_dir``; return their paths.

    With ``parquet``, also the ring tables for downstream jobs (Spark, Hive):
    rings.parquet (one row per ring) and ring_members.parquet (one row per member),
    with the real ids, like rings.json.

    The run's check index, when it has one, goes beside them (check-index.parquet).
    With ``redact``, rings.csv and report.html carry pseudonyms instead of entity
    ids (see :mod:`graphfraud.report.redact`) and ``redaction-key.csv`` maps them
    back; rings.json, the team's own record, keeps the real ids.
    """
    from graphfraud.report.html import render_html

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Until the manifest is written last, the directory says it holds a run in progress:
    # a crash, Ctrl-C or a full disk half-way leaves that mark, which readers refuse.
    (out / MANIFEST).unlink(missing_ok=True)
    _atomic_write(out / INCOMPLETE, f"{report.run_id}\n")
    paths = {"json": out / "rings.json", "csv": out / "rings.csv", "html": out / "report.html"}
    _atomic_write(paths["json"], report.to_json())
    shown = report
    redactor = None
    if redact:
        from graphfraud.report.redact import Redactor

        redactor = Redactor()
        shown = _redacted(redactor, report)
    with _atomic(paths["csv"]) as tmp:
        _write_csv(shown, tmp)
    _atomic_write(paths["html"], render_html(shown))
    if redactor is not None:
        paths["key"] = out / "redaction-key.csv"
        with _atomic(paths["key"]) as tmp:
            redactor.write_key(tmp)
    else:
        (out / "redaction-key.csv").unlink(missing_ok=True)  # a stale key would mislead
    if parquet:
        for name, table in _parquet_tables(report).items():
            paths[name] = out / f"{name}.parquet"
            with _atomic(paths[name]) as tmp:
                import pyarrow.parquet as pq

                pq.write_table(table, tmp)
    else:
        for stale in ("rings", "ring_members"):  # not this run's: would mislead
            (out / f"{stale}.parquet").unlink(missing_ok=True)
    if report.index is None:  # a run without one (the Spark engine): no stale index
        from graphfraud.check.index import INDEX_FILE

        (out / INDEX_FILE).unlink(missing_ok=True)
    else:
        from graphfraud.check.index import INDEX_FILE, save_index

        paths["index"] = out / INDEX_FILE
        with _atomic(paths["index"]) as tmp:
            save_index(report.index, tmp)
    _atomic_write(out / MANIFEST, json.dumps({
        "run_id": report.run_id,
        "files": {p.name: _sha256(p) for p in sorted(paths.values())},
    }, indent=1) + "\n")
    (out / INCOMPLETE).unlink(missing_ok=True)
    return paths


def _parquet_tables(report: RunReport) -> dict[str, Any]:
    """rings (one row per ring) and ring_members (one row per member) as Arrow tables,
    with fixed column types (an empty run has the same schema)."""
    import pyarrow as pa

    def text(value: Any) -> str:
        return str(getattr(value, "value", value))

    rings = report.rings
    members = [(r, m) for r in rings for m in r.members]
    ring_schema = pa.schema([
        ("run_id", pa.string()), ("ring_id", pa.string()), ("score", pa.float64()),
        ("risk", pa.string()), ("pattern", pa.string()), ("members", pa.int64()),
        ("known_fraud", pa.int64()), ("known_legit", pa.int64()),
        ("evidence", pa.list_(pa.string()))])
    member_schema = pa.schema([
        ("run_id", pa.string()), ("ring_id", pa.string()), ("member_type", pa.string()),
        ("member_id", pa.string()), ("member_score", pa.float64())])
    return {
        "rings": pa.table({
            "run_id": [report.run_id] * len(rings),
            "ring_id": [r.ring_id for r in rings],
            "score": [float(r.score) for r in rings],
            "risk": [text(r.risk) for r in rings],
            "pattern": [text(r.pattern) for r in rings],
            "members": [len(r.members) for r in rings],
            "known_fraud": [int(r.known_fraud) for r in rings],
            "known_legit": [int(r.known_legit) for r in rings],
            "evidence": [list(r.evidence) for r in rings],
        }, schema=ring_schema),
        "ring_members": pa.table({
            "run_id": [report.run_id] * len(members),
            "ring_id": [r.ring_id for r, _ in members],
            "member_type": [m.type for _, m in members],
            "member_id": [m.id for _, m in members],
            "member_score": [float(m.score) for _, m in members],
        }, schema=member_schema),
    }


#: Written last: the run id and a SHA-256 of every file of the run.
MANIFEST = "manifest.json"
#: Present while a run's files are being written (holds the run id).
INCOMPLETE = ".incomplete"
#: Held (flock) by the one process writing into OUT.
LOCK = ".graphfraud.lock"


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_published(out_dir: str | Path) -> None:
    """Refuse a report directory whose last run did not finish writing.

    Raises
    ------
    InputError
        If ``OUT/.incomplete`` is there (an interrupted run), or the manifest names a
        run other than rings.json's or a file whose content changed.
    """
    from graphfraud.errors import InputError

    out = Path(out_dir)
    marker = out / INCOMPLETE
    if marker.exists():
        run = marker.read_text("utf-8").strip()
        raise InputError(f"{out}: run {run} was interrupted while writing its files, so "
                         "they may mix two runs; scan again into it (or remove "
                         f"{marker.name})", file=str(marker))
    manifest = out / MANIFEST
    if not manifest.exists():
        return  # written before manifests existed
    try:
        listed = json.loads(manifest.read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(f"{manifest}: not a readable manifest ({e})",
                         file=str(manifest)) from e
    for name, digest in listed.items():
        path = out / name
        if not path.exists() or _sha256(path) != digest:
            raise InputError(f"{path}: not the file its run wrote (the manifest's "
                             "checksum differs); scan again into this directory",
                             file=str(path))


@contextmanager
def out_lock(out_dir: str | Path) -> Iterator[None]:
    """Hold ``OUT``'s lock while a run writes into it; a second writer fails at once.

    Raises
    ------
    GraphFraudError
        If another process holds it.
    """
    from graphfraud.errors import GraphFraudError
    from graphfraud.locks import exclusive

    out = Path(out_dir)
    with exclusive(out / LOCK, lambda holder: GraphFraudError(
            f"{out}: another graphfraud run is writing here ({holder}); not writing a "
            "second run into it")):
        yield


def _redacted(redactor: Redactor, report: RunReport) -> RunReport:
    """The report with pseudonyms (:meth:`Redactor.run_report`); the members' facts keyed
    by pseudonym and without names (a name identifies a shop as well as its id) or
    analysts' names, their "flagged via" ids and the hubs' context renamed alike, and
    the changes' joined members renamed alike (removed ones, not on the page, dropped)."""
    from dataclasses import replace

    shown = redactor.run_report(report)
    actors = None
    if report.actors is not None:
        actors = {redactor.key(key): {
            **info, "name": "",
            "via": redactor.key(info["via"]) if info.get("via") else "",
            "via_actor": redactor.key(info["via_actor"]) if info.get("via_actor") else "",
            "source": "analyst" if info.get("source", "").startswith("analyst:")
            else info.get("source", "")}
            for key, info in report.actors.items()}
    hub_info = None
    if report.hub_info is not None:
        hub_info = {redactor.key(key): info for key, info in report.hub_info.items()}
    changes = report.changes
    if changes is not None:
        changes = replace(
            changes,
            grown={r: [redactor.key(k) for k in keys] for r, keys in changes.grown.items()},
            shrunk={r: [] for r in changes.shrunk},
            changed={r: {"added": [redactor.key(k) for k in both.get("added", [])],
                         "removed": []} for r, both in changes.changed.items()})
    # The Browser address names an internal host: a shared page does not link it.
    return replace(shown, actors=actors, changes=changes, hub_info=hub_info, browser=None)


def _write_csv(report: RunReport, path: Path) -> None:
    """rings.csv: one row per ring member (``name`` and ``status`` "" when unknown)."""
    actors = report.actors or {}
    blank: dict[str, str] = {}
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = spreadsheet.writer(fh)
        writer.writerow(CSV_HEADER)
        for ring in report.rings:
            top = ring.evidence[0] if ring.evidence else ""
            for m in ring.members:
                info = actors.get(f"{m.type}:{m.id}", blank)
                writer.writerow([ring.ring_id, ring.score, ring.risk, ring.pattern, m.type,
                                 m.id, m.score, ring.known_fraud, ring.known_legit,
                                 len(ring.shared), top, info.get("name", ""),
                                 info.get("status", "")])


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
