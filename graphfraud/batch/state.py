"""What the last batch loaded, row by row, so a newer export is applied as a difference.

After a batch run completes, every clean table of its export is kept as the key
columns of each row plus a 64-bit digest of the whole row (``STATE_DIR/TABLE.parquet``)
under a state id that the run's ``Run`` node in Neo4j records too. The next batch
compares the newer export with it: rows that are new or changed are written, rows that
left the export are removed, everything else is untouched. When the state on disk does
not belong to the latest complete run in Neo4j (someone loaded by hand, the state was
lost), the batch falls back to a full load.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from graphfraud.loaders.dataset import Dataset
from graphfraud.loaders.spec import contract

if TYPE_CHECKING:
    import pandas as pd

_DIGEST = "_row_digest"


def _keyed(spec_name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Key columns (as strings) and the digest of each row."""
    import pandas as pd

    key = list(contract()[spec_name].key)
    digest = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    out = frame[key].astype("string").reset_index(drop=True)
    out[_DIGEST] = digest
    return out


@dataclass
class TableDiff:
    """The rows of one table that are new or changed, and the keys that left."""

    upsert: pd.DataFrame
    removed: pd.DataFrame  # key columns only
    unchanged: int = 0


@dataclass
class ExportDiff:
    """Per-table differences between the loaded state and a newer export."""

    tables: dict[str, TableDiff] = field(default_factory=dict)
    #: The label events of every entity whose standing label is new or changed (its
    #: whole history in the newer export: the audit trail gains what led to the change).
    label_history: pd.DataFrame | None = None

    @property
    def upserts(self) -> int:
        return sum(len(t.upsert) for t in self.tables.values())

    @property
    def removals(self) -> int:
        return sum(len(t.removed) for t in self.tables.values())

    @property
    def unchanged(self) -> int:
        return sum(t.unchanged for t in self.tables.values())

    def upsert_dataset(self, source: str) -> Dataset:
        return Dataset(source=source, tables={name: t.upsert for name, t in self.tables.items()
                                              if len(t.upsert)},
                       label_history=self.label_history)


def _remove(path: Path) -> None:
    """Remove a folder left by an earlier run (a link there: the link, not its target)."""
    if path.is_symlink():
        path.unlink()
    shutil.rmtree(path, ignore_errors=True)


class LoadState:
    """The per-row digests of the export the graph holds, in one directory."""

    def __init__(self, directory: Path):
        self.directory = directory

    @property
    def state_id(self) -> str | None:
        try:
            return str(json.loads((self.directory / "state.json").read_text("utf-8"))["state_id"])
        except (OSError, ValueError, KeyError):
            return None

    def diff(self, dataset: Dataset) -> ExportDiff:
        """What differs between the stored state and ``dataset``."""
        import pandas as pd

        result = ExportDiff()
        for name, spec in contract().items():
            frame = dataset.table(name)
            if frame is None:
                frame = pd.DataFrame({c: pd.Series(dtype="string") for c in spec.column_names})
            new = _keyed(name, frame)
            old_path = self.directory / f"{name}.parquet"
            if old_path.exists():
                old = pd.read_parquet(old_path).astype({k: "string" for k in spec.key})
            else:
                old = new.iloc[0:0]
            key = list(spec.key)
            joined = new.merge(old, on=key, how="left", suffixes=("", "_old"), indicator=True)
            fresh = (joined["_merge"] == "left_only") | (
                joined[_DIGEST] != joined[f"{_DIGEST}_old"])
            fresh_mask = fresh.to_numpy()
            gone = old.merge(new[key], on=key, how="left", indicator=True)
            removed = gone.loc[gone["_merge"] == "left_only", key].reset_index(drop=True)
            result.tables[name] = TableDiff(
                upsert=frame.reset_index(drop=True).loc[fresh_mask].reset_index(drop=True),
                removed=removed, unchanged=int((~fresh_mask).sum()))
        labels = result.tables.get("labels")
        if dataset.label_history is not None and labels is not None:
            key = ["entity_type", "entity_id"]
            changed = labels.upsert[key].astype("string").drop_duplicates()
            history = dataset.label_history
            picked = history[key].astype("string").merge(changed, on=key, how="left",
                                                         indicator=True)
            result.label_history = history.loc[
                (picked["_merge"] == "both").to_numpy()].reset_index(drop=True)
        return result

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def save(self, dataset: Dataset, state_id: str) -> None:
        """Replace the stored state with ``dataset``'s, under ``state_id``.

        Written into a sibling directory first and swapped in, so a crash leaves the
        old state or the new one, never a mixture.
        """
        staging = self.directory.with_name(self.directory.name + ".new")
        _remove(staging)
        staging.mkdir(parents=True)  # made here (never a link's target), or it stops
        for name in contract():
            frame = dataset.table(name)
            if frame is not None:
                _keyed(name, frame).to_parquet(staging / f"{name}.parquet", index=False)
        (staging / "state.json").write_text(json.dumps({"state_id": state_id}), "utf-8")
        old = self.directory.with_name(self.directory.name + ".old")
        _remove(old)
        if self.directory.exists():
            self.directory.rename(old)
        staging.rename(self.directory)
        shutil.rmtree(old, ignore_errors=True)
