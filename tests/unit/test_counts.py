"""Counts past the contract's limit (10^12, exact in a float64) are that row's error;
sums saturate at 2^53 - 1."""

from __future__ import annotations

from pathlib import Path

from conftest import write_csv
from graphfraud.loaders import read_dataset
from graphfraud.loaders.reader import MAX_COUNT, MAX_SUM


def _load(tmp_path: Path, rows: str):  # type: ignore[no-untyped-def]
    d = tmp_path / "d"
    write_csv(d, "merchants.csv", "merchant_id\nm1\nm2\n")
    write_csv(d, "merchant_devices.csv", "merchant_id,device_id,logins\n" + rows)
    return read_dataset(d)


def test_a_count_past_two_to_the_53_is_rejected_with_its_row(tmp_path: Path) -> None:
    loaded = _load(tmp_path, "m1,d1,9223372036854775807\nm2,d1,3\nm2,d2,99999999999999999999\n")
    assert [(r.line, r.field) for r in loaded.rejects] == [(2, "logins"), (4, "logins")]
    assert "above the largest count" in loaded.rejects[0].reason
    links = loaded.dataset.tables["merchant_devices"]
    assert links["logins"].tolist() == [3]


def test_a_count_past_the_contracts_limit_is_rejected_and_the_limit_loads(
        tmp_path: Path) -> None:
    loaded = _load(tmp_path, f"m1,d1,{MAX_COUNT}\nm2,d1,{MAX_COUNT + 1}\n")
    assert [(r.line, r.field) for r in loaded.rejects] == [(3, "logins")]
    assert loaded.dataset.tables["merchant_devices"]["logins"].tolist() == [MAX_COUNT]


def test_sums_of_repeated_rows_saturate_instead_of_wrapping(tmp_path: Path) -> None:
    rows = MAX_SUM // MAX_COUNT + 1  # this many rows at the limit exceed 2^53 - 1
    loaded = _load(tmp_path, f"m1,d1,{MAX_COUNT}\n" * rows + "m2,d1,4\nm2,d1,5\n")
    assert loaded.rejects == []
    links = loaded.dataset.tables["merchant_devices"].set_index("merchant_id")
    assert int(links.loc["m1", "logins"]) == MAX_SUM
    assert int(links.loc["m2", "logins"]) == 9
