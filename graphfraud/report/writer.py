"""Write a run's report as rings.json, rings.csv and a self-contained report.html."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from operator import attrgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from graphfraud import spreadsheet
from graphfraud.collector import collector_paused
from graphfraud.outputs import new_file, new_path, refuse_linked_folder, write_new
from graphfraud.report.fields import (
    CSV_CONTEXT,
    RING,
    Field,
    Record,
    csv_header,
    csv_layout,
    parquet_keys,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from graphfraud.report.context import Around
    from graphfraud.report.redact import Redactor
    from graphfraud.report.run import RunReport

#: What ``--excel`` puts before rings.csv's header: the UTF-8 byte order mark, by which
#: Excel recognises UTF-8 (its bytes EF BB BF).
EXCEL_BOM = "\ufeff"
#: The run's onboarding-check table (``RunReport.index``), written beside the report.
INDEX_FILE = "check-index.parquet"
#: rings.csv's columns (made from the field table): ring_id, ring_score, risk, pattern,
#: member_type, member_id, member_score, ring_known_fraud, ring_known_legit,
#: shared_identifiers, top_evidence, name, status
CSV_HEADER = csv_header()


def write_reports(report: RunReport, out_dir: str | Path, *,
                  redact: bool = False, parquet: bool = False,
                  rejects: Callable[[Path], object] | None = None,
                  excel: bool = False,
                  context: Around | None = None) -> dict[str, Path]:
    """Write rings.json, rings.csv and report.html into ``out_dir``; return their paths.

    ``rejects`` writes the run's rejected input rows, given the (temporary) path to
    write: rejects.csv is then one of the run's files, in its manifest, and replaced
    only when the run's other files are (without it, an old rejects.csv is removed).
    Every file is written new and renamed onto its name (:mod:`graphfraud.outputs`): a
    link planted at a name is replaced, never followed.

    With ``parquet``, also the ring tables for downstream jobs (Spark, Hive):
    rings.parquet (one row per ring) and ring_members.parquet (one row per member),
    with the real ids, like rings.json.

    With ``excel``, rings.csv starts with a UTF-8 byte order mark, so Excel (which
    otherwise reads a CSV in the system's code page, GBK on a Chinese Windows) shows
    names as they are; without it the file is plain UTF-8, as the contract's readers
    expect.

    The run's check index, when it has one, goes beside them (check-index.parquet).
    With ``redact``, rings.csv and report.html carry pseudonyms instead of entity
    ids (see :mod:`graphfraud.report.redact`) and ``redaction-key.csv`` maps them
    back; rings.json, the team's own record, keeps the real ids.

    ``context`` reads what the export says around the rings
    (:class:`graphfraud.report.context.Around`) for rings.csv and report.html (rings.json
    never holds it). report.html, with its context, is made in a forked process beside
    the one that writes the other files, when the run has at least
    :data:`BESIDE_RINGS` rings (:func:`graphfraud.workers.beside`): the same files, in
    less time.
    """
    with collector_paused():
        return _write_reports(report, Path(out_dir), redact=redact, parquet=parquet,
                              rejects=rejects, excel=excel, context=context)


def _write_reports(report: RunReport, out: Path, *, redact: bool, parquet: bool,
                   rejects: Callable[[Path], object] | None, excel: bool,
                   context: Around | None) -> dict[str, Path]:
    """:func:`write_reports`, the collector paused."""
    from graphfraud.workers import beside

    out.mkdir(parents=True, exist_ok=True)
    # Until the manifest is written last, the directory says it holds a run in progress:
    # a crash, Ctrl-C or a full disk half-way leaves that mark, which readers refuse.
    (out / MANIFEST).unlink(missing_ok=True)
    write_new(out / INCOMPLETE, f"{report.run_id}\n")
    shown = _Shown(report, out, redact=redact, excel=excel, context=context)
    # report.html (with the context and pseudonyms it shows) in a forked process,
    # started before any thread here; the check index (Arrow's C++, without the
    # interpreter's lock) in a thread; rings.json, rings.csv and the rest in this one.
    # All are waited for, and the first error raised, before the manifest; an error
    # here stops the others first (leaving the mark above).
    with beside(shown.page, forked=len(report.rings) >= BESIDE_RINGS) as pages, \
            ThreadPoolExecutor(max_workers=1) as side:
        index = None if report.index is None else side.submit(
            _write_index, report.index, out / INDEX_FILE)
        paths = _write_files(report, out, parquet=parquet, rejects=rejects)
        shown.rows()
        if index is None:  # a run without one (the Spark engine): no stale index
            (out / INDEX_FILE).unlink(missing_ok=True)
        else:
            paths["index"] = index.result()
        pages.wait()
    paths.update(shown.paths())
    write_new(out / MANIFEST, json.dumps({
        "run_id": report.run_id,
        "files": {p.name: _sha256(p) for p in sorted(paths.values())},
    }, indent=1) + "\n")
    (out / INCOMPLETE).unlink(missing_ok=True)
    return paths


#: A run with at least this many rings makes rings.csv and report.html in a forked
#: process beside the rest (fewer: forking costs more than it saves).
BESIDE_RINGS = 400


class _Shown:
    """rings.csv, report.html and (``redact``) redaction-key.csv: the files that show
    the rings with their context and, redacted, pseudonyms. The page (:meth:`page`) is
    made beside the rest; rings.csv, which shows only the members' names and statuses,
    is made here (:meth:`rows`) unless it is redacted (then with the page, under one
    set of pseudonyms, which the key lists)."""

    def __init__(self, report: RunReport, out: Path, *, redact: bool, excel: bool,
                 context: Around | None):
        self.report, self.out, self.redact, self.excel = report, out, redact, excel
        self.context = context

    def paths(self) -> dict[str, Path]:
        paths = {"csv": self.out / "rings.csv", "html": self.out / "report.html"}
        if self.redact:
            paths["key"] = self.out / "redaction-key.csv"
        return paths

    def rows(self) -> None:
        """rings.csv, unless redacted (then :meth:`page` makes it)."""
        if not self.redact:
            self._csv(self.report if self.context is None else self.context.rows(self.report))

    def page(self) -> None:
        """report.html, and when redacted rings.csv and the key too."""
        from graphfraud.report.html import render_html

        shown = self.report if self.context is None else self.context.page(self.report)
        redactor = None
        if self.redact:
            from graphfraud.report.redact import Redactor

            redactor = Redactor()
            shown = _redacted(redactor, shown)
            self._csv(shown)
        write_new(self.out / "report.html", render_html(shown))
        if redactor is not None:
            with new_file(self.out / "redaction-key.csv") as fh:
                redactor.write_key(fh)
        else:
            (self.out / "redaction-key.csv").unlink(missing_ok=True)  # a stale key misleads

    def _csv(self, shown: RunReport) -> None:
        with new_file(self.out / "rings.csv") as fh:
            if self.excel:
                fh.write(EXCEL_BOM)
            _write_csv(shown, fh)


def _write_files(report: RunReport, out: Path, *, parquet: bool,
                 rejects: Callable[[Path], object] | None) -> dict[str, Path]:
    """rings.json, rejects.csv and (``parquet``) the ring tables: the run's files but
    the shown ones (:class:`_Shown`), the check index and the manifest."""
    paths = {"json": out / "rings.json"}
    if rejects is None:
        (out / REJECTS).unlink(missing_ok=True)  # not this run's: would mislead
    else:
        paths["rejects"] = out / REJECTS
        with new_path(paths["rejects"]) as tmp:
            rejects(tmp)
    write_new(paths["json"], report.to_json())
    paths.update(_write_parquet(report, out) if parquet else _no_parquet(out))
    return paths


def _write_index(index: pa.Table, path: Path) -> Path:
    """The run's check index as ``path`` (check-index.parquet)."""
    import pyarrow.parquet as pq

    with new_file(path, binary=True) as fh:
        pq.write_table(index, fh)
    return path


def _write_parquet(report: RunReport, out: Path) -> dict[str, Path]:
    """rings.parquet and ring_members.parquet (``scan --parquet``) into ``out``."""
    import pyarrow.parquet as pq

    paths = {}
    for name, table in ring_tables(report).items():
        paths[name] = out / f"{name}.parquet"
        with new_file(paths[name], binary=True) as fh:
            pq.write_table(table, fh)
    return paths


def _no_parquet(out: Path) -> dict[str, Path]:
    """Remove the Parquet tables of an earlier run (not this run's: they would mislead)."""
    for stale in ("rings", "ring_members"):
        (out / f"{stale}.parquet").unlink(missing_ok=True)
    return {}


def ring_tables(report: RunReport) -> dict[str, Any]:
    """rings (one row per ring) and ring_members (one row per member) as Arrow tables,
    with fixed column types (an empty run has the same schema): the Parquet columns of
    :data:`graphfraud.report.fields.RING` and of each listed record with a table."""
    rings = report.rings
    tables = {RING.parquet: _arrow_table(RING, rings, [[report.run_id] * len(rings)])}
    for f in RING:
        record = f.type.record
        if record is None or not record.parquet:
            continue
        owners = [(r.ring_id, x) for r in rings for x in getattr(r, f.name)]
        tables[record.parquet] = _arrow_table(
            record, [x for _, x in owners],
            [[report.run_id] * len(owners), [r for r, _ in owners]])
    return tables


def _arrow_table(record: Record, items: Any, keys: list[list[Any]]) -> pa.Table:
    """The Parquet table of ``record`` over ``items``: its key columns (``keys``, text,
    :func:`graphfraud.report.fields.parquet_keys`), then its fields' columns."""
    import pyarrow as pa

    names = parquet_keys(record)
    schema = [(name, pa.string()) for name in names]
    columns: dict[str, list[Any]] = dict(zip(names, keys, strict=True))
    for f in record:
        column = f.parquet
        if column is None:
            continue
        arrow = column.arrow or f.type.arrow
        schema.append((column.name, _arrow_type(arrow)))
        values: Iterator[Any] = map(attrgetter(f.name), items)
        if column.of is not None:
            values = map(column.of, values)
        if arrow in _CELLS:  # an enum as its text, a tuple as a list
            values = map(_CELLS[arrow], values)
        columns[column.name] = list(values)
    return pa.table(columns, schema=pa.schema(schema))


#: What the values of a column of these Arrow types are made plain with (numbers go in
#: as they are).
_CELLS: dict[str, Callable[[Any], Any]] = {"string": str, "list<string>": list}


def _arrow_type(name: str) -> pa.DataType:
    """``double``, ``int64``, ``string``, ``list<string>`` as an Arrow type."""
    import pyarrow as pa

    if name.startswith("list<") and name.endswith(">"):
        return pa.list_(_arrow_type(name[len("list<"):-1]))
    return pa.type_for_alias(name)


#: Written last: the run id and a SHA-256 of every file of the run.
MANIFEST = "manifest.json"
#: Present while a run's files are being written (holds the run id).
INCOMPLETE = ".incomplete"
#: Held (flock) by the one process writing into OUT.
LOCK = ".graphfraud.lock"
#: The run's rejected input rows (file, line, field, reason, value).
REJECTS = "rejects.csv"


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
def out_lock(out_dir: str | Path, *, follow_link: bool = False) -> Iterator[None]:
    """Hold ``OUT``'s lock while a run writes into it; a second writer fails at once.
    ``OUT`` is created for it, and removed again (with the lock file) when the run
    leaves it empty.

    Raises
    ------
    GraphFraudError
        If another process holds it.
    UsageError
        If ``OUT`` is a symbolic link (unless ``follow_link``), or its lock file is one.
    """
    from graphfraud.errors import GraphFraudError
    from graphfraud.locks import exclusive

    out = Path(out_dir)
    if not follow_link:
        refuse_linked_folder(out, "--follow-out-link")
    with exclusive(out / LOCK, lambda holder: GraphFraudError(
            f"{out}: another graphfraud run is writing here ({holder}); not writing a "
            "second run into it")):
        yield


def _redacted(redactor: Redactor, report: RunReport) -> RunReport:
    """The report with pseudonyms (:meth:`Redactor.run_report`); the members' facts keyed
    by pseudonym and without names (theirs and the blacklisted actors' they are flagged
    via: a name identifies a shop as well as its id) or
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
            "via_name": "",
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


def _write_csv(report: RunReport, fh: IO[str]) -> None:
    """rings.csv: one row per ring member (``name`` and ``status`` "" when unknown).

    Written as the csv module writes it (:func:`graphfraud.spreadsheet.writer`), but a
    ring's own cells are made into text once for all its members' rows (a million-merchant
    run has a hundred thousand rows and more, most of their text the ring's)."""
    text = spreadsheet.csv_text
    fh.write(",".join(map(text, csv_header())) + "\r\n")
    actors = report.actors or {}
    blank: dict[str, str] = {}
    before, rows, after = csv_layout()
    ring_before, ring_after = _cells(before), _cells(after)
    assert rows.type.record is not None
    item = _cells([f for f in rows.type.record if f.csv])
    for ring in report.rings:
        head = [text(v) for v in ring_before(ring)]
        tail = [text(v) for v in ring_after(ring)]
        for m in getattr(ring, rows.name):
            info = actors.get(f"{m.type}:{m.id}", blank)
            fh.write(",".join([*head, *map(text, item(m)), *tail,
                               *[text(info.get(name, "")) for name in CSV_CONTEXT]]) + "\r\n")


def _cells(fields: list[Field]) -> Callable[[Any], list[Any]]:
    """The rings.csv cells of ``fields`` (each with a column) of one record, as they are."""
    if not fields:
        return lambda _: []
    getter = attrgetter(*(f.name for f in fields))
    makers = [f.csv.of if f.csv is not None else None for f in fields]
    if len(fields) == 1:
        one = makers[0]
        return lambda record: [getter(record) if one is None else one(getter(record))]
    if not any(makers):
        return lambda record: list(getter(record))

    def cells(record: Any) -> list[Any]:
        return [v if of is None else of(v) for of, v in zip(makers, getter(record),
                                                              strict=True)]

    return cells
