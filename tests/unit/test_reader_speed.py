"""The CSV reader in pieces: the same rows and rejects as one parse, never pyarrow's own
threads, and a file with an oversize field still on the fast path."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest

import graphfraud.loaders.reader as reader
from conftest import write_csv
from graphfraud.loaders import read_dataset

BIG = "x" * (reader.FIELD_LIMIT + 10)


def _merchants() -> str:
    rows = [f"m{i},Shop {i},2024-01-{1 + i % 28:02d},food,active" for i in range(80)]
    rows[10] = f"m10,{BIG},2024-01-11,food,active"  # oversize: rejected, never parsed
    rows[20] = "m20,Shop 20,2024-01-21,weapons,active"  # a category of its own: loaded
    rows[30] = "m30,Shop 30,not a date,food,active"
    rows[40] = '"m40","Shop, Inc ""40""",2024-01-13,food,active'  # quotes, comma
    rows[50] = "m1,Other name,2024-01-02,food,active"  # conflicting duplicate of m1
    rows[60] = "m2,Shop 2,2024-01-03,food,active"  # identical duplicate of m2
    rows[70] = f"m70,Shop 70,2024-01-15,food,{BIG}"  # oversize, last field
    return "merchant_id,name,registered_at,category,status\n" + "\n".join(rows) + "\n"


def _links() -> str:
    rows = [f"m{i % 80},d{i},2024-01-01T00:00:00,2024-02-01T00:00:00,{i % 5}"
            for i in range(120)]
    rows[5] = "m999,d5,2024-01-01T00:00:00,2024-02-01T00:00:00,1"  # unknown merchant
    rows[15] = "m15,d15,2024-01-01T00:00:00,2024-02-01T00:00:00,-3"  # negative count
    rows[25] = "m3,d3,2024-01-05T00:00:00,2024-03-01T00:00:00,4"  # repeats m3/d3: merged
    rows[35] = f"m35,{BIG},2024-01-01T00:00:00,2024-02-01T00:00:00,1"
    rows[45] = "m45,d45,2024-01-01T00:00:00,2024-02-01T00:00:00,1.5"  # not whole
    return ("merchant_id,device_id,first_seen,last_seen,logins\n" + "\n".join(rows))


@pytest.fixture
def export(tmp_path: Path) -> Path:
    write_csv(tmp_path, "merchants.csv", _merchants())
    write_csv(tmp_path, "merchant_devices.csv", _links())
    return tmp_path


def _read(data: Path, piece_bytes: int, monkeypatch: pytest.MonkeyPatch
          ) -> tuple[dict[str, pd.DataFrame], list[tuple[str, int, str, str]], list[object]]:
    monkeypatch.setattr(reader, "PIECE_BYTES", piece_bytes)
    result = read_dataset(data)
    return (result.dataset.tables, [(r.file, r.line, r.field, r.reason) for r in result.rejects],
            [(f.file, f.rows, f.loaded, f.rejected, f.merged) for f in result.files])


#: What the reader before the pieces (one serial parse, the line-exact reader for a file
#: with an oversize line) rejected in this export, line for line.
EXPECTED_REJECTS = [
    ("merchants.csv", 12, "name", "field name is longer than the 1,048,576-byte limit on "
     "a field (1,048,613 bytes in the line); the line is not parsed"),
    ("merchants.csv", 32, "registered_at", "unparseable timestamp in field registered_at: "
     "'not a date' (expected ISO 8601)"),
    ("merchants.csv", 52, "merchant_id", "duplicate merchant_id 'm1' with different fields "
     "(the first row, at line 3, stands)"),
    ("merchants.csv", 72, "status", "field status is longer than the 1,048,576-byte limit "
     "on a field (1,048,614 bytes in the line); the line is not parsed"),
    ("merchant_devices.csv", 7, "merchant_id", "unknown merchant 'm999' (not in merchants.csv)"),
    ("merchant_devices.csv", 12, "merchant_id", "unknown merchant 'm10' (not in merchants.csv)"),
    ("merchant_devices.csv", 17, "logins", "negative value in field logins: '-3'"),
    ("merchant_devices.csv", 32, "merchant_id", "unknown merchant 'm30' (not in merchants.csv)"),
    ("merchant_devices.csv", 37, "device_id", "field device_id is longer than the "
     "1,048,576-byte limit on a field (1,048,632 bytes in the line); the line is not parsed"),
    ("merchant_devices.csv", 47, "logins", "field logins must be a whole number, got '1.5'"),
    ("merchant_devices.csv", 52, "merchant_id", "unknown merchant 'm50' (not in merchants.csv)"),
    ("merchant_devices.csv", 62, "merchant_id", "unknown merchant 'm60' (not in merchants.csv)"),
    ("merchant_devices.csv", 72, "merchant_id", "unknown merchant 'm70' (not in merchants.csv)"),
    ("merchant_devices.csv", 92, "merchant_id", "unknown merchant 'm10' (not in merchants.csv)"),
    ("merchant_devices.csv", 112, "merchant_id", "unknown merchant 'm30' (not in merchants.csv)"),
]


def test_pieces_give_the_rows_and_rejects_of_one_parse(
        export: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _read(export, 1 << 40, monkeypatch)
    pieces = _read(export, 200, monkeypatch)  # dozens of pieces, cuts beside blanked lines
    assert pieces[1] == whole[1] == EXPECTED_REJECTS
    assert pieces[2] == whole[2] == [("merchants.csv", 80, 76, 4, 1),
                                     ("merchant_devices.csv", 120, 109, 11, 1)]
    for name, table in whole[0].items():
        pd.testing.assert_frame_equal(pieces[0][name], table)
    merchants = whole[0]["merchants"].set_index("merchant_id")
    assert merchants.loc["m40", "name"] == 'Shop, Inc "40"'
    assert merchants.loc["m1", "name"] == "Shop 1"
    assert "m10" not in merchants.index and "m70" not in merchants.index


def test_pieces_are_parsed_side_by_side_each_by_a_serial_parse(
        export: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pyarrow's threaded reader can deadlock its pool tearing down after a failure: it
    is never asked for; the pieces run in threads of ours, one serial parse each. A
    file with an oversize line stays on the fast path (no line-exact reader)."""
    import pyarrow.csv as pacsv

    calls: list[tuple[bool, str]] = []
    real = pacsv.read_csv

    def spy(*args: object, **kwargs: object) -> object:
        options = kwargs.get("read_options")
        calls.append((bool(getattr(options, "use_threads", True)),
                      threading.current_thread().name))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    def no_records(*args: object, **kwargs: object) -> object:
        raise AssertionError("the line-exact reader ran")

    monkeypatch.setattr(pacsv, "read_csv", spy)
    monkeypatch.setattr(reader, "_read_csv_records", no_records)
    _, rejects, _ = _read(export, 200, monkeypatch)
    assert rejects == EXPECTED_REJECTS
    assert len(calls) > 10 and not any(threaded for threaded, _ in calls)
    assert any(name.startswith("graphfraud-parse") for _, name in calls)


@pytest.mark.parametrize("cell", ['"two\nlines"', '"open quote'])
def test_a_quote_open_at_a_cut_sends_the_file_to_the_line_exact_reader(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cell: str) -> None:
    rows = [f"m{i},Shop {i}" for i in range(60)]
    for at in range(5, 60, 7):  # some of them fall on a cut
        rows[at] = f"m{at},{cell}" if "open" not in cell or at == 54 else rows[at]
    write_csv(tmp_path, "merchants.csv", "merchant_id,name\n" + "\n".join(rows) + "\n")
    whole = _read(tmp_path, 1 << 40, monkeypatch)
    for piece_bytes in (40, 64, 100):
        pieces = _read(tmp_path, piece_bytes, monkeypatch)
        assert pieces[1:] == whole[1:]
        pd.testing.assert_frame_equal(pieces[0]["merchants"], whole[0]["merchants"])
    if "open" in cell:
        assert whole[1][0][1:3] == (56, "")
        assert whole[1][0][3].startswith("unterminated quote from line 56")
    else:
        assert whole[0]["merchants"].set_index("merchant_id").loc["m5", "name"] == "two\nlines"


def test_row_lines_skip_the_blanked_lines() -> None:
    import numpy as np

    assert reader._row_lines(3, np.asarray([2])).tolist() == [3, 4, 5]
    assert reader._row_lines(3, np.asarray([3, 5])).tolist() == [2, 4, 6]
    assert reader._row_lines(2, np.zeros(0, dtype=np.int64)).tolist() == [2, 3]


def test_blank_values_in_a_large_parquet_column_read_as_missing(tmp_path: Path) -> None:
    """pyarrow reads a large column as slices of one array, and its if_else misread
    such slices (invalid UTF-8 where blank names were nulled: a 1M-merchant Parquet
    export could not be read)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 300_000
    names = [" " if i % 1000 == 999 else f"Shop {i}" for i in range(n)]
    pq.write_table(pa.table({"merchant_id": [f"m{i}" for i in range(n)], "name": names}),
                   tmp_path / "merchants.parquet")
    assert pq.read_table(tmp_path / "merchants.parquet").column("name").chunks[-1].offset
    result = read_dataset(tmp_path)
    table = result.dataset.tables["merchants"]
    assert result.rejects == [] and len(table) == n
    pa.array(table["name"].array).validate(full=True)
    assert int(table["name"].isna().sum()) == n // 1000
    assert table["name"].iloc[n - 2] == f"Shop {n - 2}"
