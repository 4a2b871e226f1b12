"""Typed results of reading an export."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from graphfraud import spreadsheet
from graphfraud.errors import InputError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Reject:
    """One input row that broke the contract."""

    file: str
    line: int
    field: str
    reason: str
    value: str = ""


@dataclass
class FileReport:
    """What happened to the rows of one input file.

    ``loaded + rejected == rows`` always holds; ``merged`` counts the loaded rows
    that were folded into an earlier row (an identical duplicate of a node, or a
    further row for the same link pair).
    """

    table: str
    file: str
    rows: int = 0
    loaded: int = 0
    rejected: int = 0
    merged: int = 0
    #: One line per export column that no contract column reads (a renamed column the
    #: contract would have used, or extra data), with a mapping hint.
    ignored: tuple[str, ...] = ()


@dataclass
class Dataset:
    """The clean tables of one export, keyed by contract table name.

    Every table present has exactly the contract's columns (missing optional columns
    are all-null). Ids are strings; timestamps are ISO 8601 strings in UTC; counts
    are nullable integers; link tables hold one row per pair.
    """

    source: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: Every valid row of labels.csv, in file order: the audit trail of label events
    #: (``tables["labels"]`` holds each entity's standing label).
    label_history: pd.DataFrame | None = None

    def table(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def label_events(self) -> pd.DataFrame:
        """Every label event as the graph keeps it for the audit trail: one row per
        distinct event (identical rows are one event), in file order, with a
        ``verdict_id`` derived from its content (``L-`` and 16 hex digits), so loading
        the same export again adds nothing. Without a history (a dataset read back from
        the graph, or one built in code) each standing label is one event."""
        import hashlib

        import pandas as pd

        columns = ["entity_type", "entity_id", "label", "source", "labeled_at"]
        events = self.label_history if self.label_history is not None \
            else self.tables.get("labels")
        if events is None or events.empty:
            return pd.DataFrame({c: pd.Series(dtype=object)
                                 for c in ["verdict_id", *columns]})
        events = events[columns].reset_index(drop=True)
        stamps = events["labeled_at"]
        when = (stamps.dt.strftime("%Y-%m-%dT%H:%M:%S").where(stamps.notna(), "")
                if isinstance(stamps.dtype, pd.DatetimeTZDtype)
                else stamps.astype(object).where(stamps.notna(), "").astype(str))
        parts = zip(events["entity_type"].astype(str), events["entity_id"].astype(str),
                    events["label"].astype(str),
                    events["source"].astype(object).where(events["source"].notna(), ""),
                    when, strict=True)
        ids = ["L-" + hashlib.sha256("\x1f".join(map(str, p)).encode("utf-8")).hexdigest()[:16]
               for p in parts]
        events.insert(0, "verdict_id", ids)
        return events.drop_duplicates("verdict_id", ignore_index=True)

    def has(self, name: str) -> bool:
        return name in self.tables

    def entity_ids(self, entity: str) -> set[str]:
        """Every id of one entity kind the graph will hold, implied ones included."""
        from graphfraud.loaders.spec import contract

        ids: set[str] = set()
        for spec in contract().values():
            df = self.tables.get(spec.name)
            if df is None:
                continue
            if spec.kind == "node" and spec.entity == entity:
                ids.update(df[spec.key[0]])
            for col in spec.columns:
                if col.ref == entity:
                    ids.update(df[col.name])
            if spec.kind == "labels":
                ids.update(df.loc[df["entity_type"] == entity, "entity_id"])
        return ids


@dataclass
class LoadResult:
    """A dataset, the per-file report and every rejected row."""

    dataset: Dataset
    files: list[FileReport]
    rejects: list[Reject]

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    def write_rejects(self, path: str | Path) -> Path:
        """Write every rejected row as CSV (file, line, field, reason, value), into a
        folder that exists (one is never created)."""
        path = Path(path)
        if not path.parent.is_dir():
            raise InputError(f"{path}: the folder {path.parent} does not exist", file=str(path))
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = spreadsheet.writer(fh)
            writer.writerow(["file", "line", "field", "reason", "value"])
            for r in self.rejects:
                writer.writerow([r.file, r.line, r.field, r.reason, r.value])
        return path
