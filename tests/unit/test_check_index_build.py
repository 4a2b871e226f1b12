"""The check index's lists and the ring members' rows are made on integers and by hashing
the fewer ids: the same lists and rows as the plain way of making them; and the index is
written beside the run's other files, its failure still failing the run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from graphfraud.check.index import _lists, _positions
from graphfraud.report import RunReport, write_reports
from graphfraud.report.writer import INCOMPLETE, INDEX_FILE, MANIFEST


def _plain_lists(cols: np.ndarray, values: np.ndarray, size: int) -> list[Any]:
    """Each position's distinct values, sorted; None where it has none."""
    frame = pd.DataFrame({"c": cols, "v": pd.Series(values, dtype=object)})
    out: list[Any] = [None] * size
    for c, group in frame.drop_duplicates().groupby("c"):
        out[int(c)] = sorted(group["v"])
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lists_are_each_positions_distinct_values_sorted(seed: int) -> None:
    rng = np.random.default_rng(seed)
    words = np.asarray(["R-b", "R-a", "merchant:z", "merchant:10", "merchant:9", "é", "R-aa"],
                       dtype=object)
    cols = rng.integers(0, 40, 300)
    values = words[rng.integers(0, len(words), 300)]
    assert _lists(cols, values, 50).to_pylist() == _plain_lists(cols, values, 50)


def test_lists_without_values_are_all_null() -> None:
    column = _lists(np.zeros(0, np.int64), np.zeros(0, object), 3)
    assert column.type == pa.list_(pa.string()) and column.to_pylist() == [None] * 3


def test_positions_are_the_universes_rows_after_its_offset() -> None:
    universe = pa.array(["a", "b", "c", "d"], type=pa.large_string())
    graph = SimpleNamespace(universes={"merchant": (universe, 10)})
    ids = np.asarray(["d", "x", "a", "d", "b"], dtype=object)
    rows = _positions(graph, "merchant", ids)  # type: ignore[arg-type]
    none = _positions(graph, "merchant", np.zeros(0, object))  # type: ignore[arg-type]
    assert rows.tolist() == [13, -1, 10, 13, 11] and none.tolist() == []


def _report(index: Any) -> RunReport:
    return RunReport(run_id="20260101T000000Z-abcdef12",
                     generated_at=datetime(2026, 1, 1, tzinfo=UTC), source="x", params={},
                     summary={}, rings=(), index=index)


def test_the_index_is_written_and_listed_in_the_manifest(tmp_path: Path) -> None:
    paths = write_reports(_report(pa.table({"type": ["device"], "id": ["d1"]})), tmp_path)
    assert paths["index"] == tmp_path / INDEX_FILE and (tmp_path / MANIFEST).exists()
    assert INDEX_FILE in (tmp_path / MANIFEST).read_text("utf-8")
    assert not (tmp_path / INCOMPLETE).exists()


def test_a_failed_index_write_fails_the_run_and_leaves_it_marked(tmp_path: Path) -> None:
    with pytest.raises((TypeError, AttributeError)):
        write_reports(_report("not a table"), tmp_path)
    assert (tmp_path / INCOMPLETE).exists() and not (tmp_path / MANIFEST).exists()
    assert not list(tmp_path.glob(".*.partial"))  # no half-written file left


def test_a_failure_beside_the_index_waits_for_it_and_is_raised(tmp_path: Path) -> None:
    def broken(_: Path) -> None:
        raise OSError("disk full")

    report = _report(pa.table({"type": ["device"], "id": ["d1"]}))
    with pytest.raises(OSError, match="disk full"):
        write_reports(report, tmp_path, rejects=broken)
    assert (tmp_path / INCOMPLETE).exists() and not (tmp_path / MANIFEST).exists()
    assert not list(tmp_path.glob(".*.partial"))
