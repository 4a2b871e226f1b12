"""Ids as integer codes (graphfraud/loaders/codes.py): equal ids, equal codes; a code
collision costs time, never a row; Parquet numbers read as numbers give the rows and
rejects of their text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import graphfraud.loaders.codes as codes
import graphfraud.loaders.reader as reader
from conftest import write_csv
from graphfraud.loaders import read_dataset
from graphfraud.loaders.codes import IdLookup, id_codes, repeat_candidates

VALUES = ["m1", "m2", "m1", None, "", " ", "abcdefgh", "abcdefghi", "中文id", "m1\x1f2",
          "x" * (codes.LONG_ID_BYTES + 5), "x" * (codes.LONG_ID_BYTES + 6), "abcdefgh"]


def test_equal_ids_have_equal_codes_and_distinct_ids_distinct_ones() -> None:
    arr = pa.array(VALUES, type=pa.large_string())
    c = id_codes(arr)
    by_value: dict[object, set[int]] = {}
    for value, code in zip(VALUES, c.tolist(), strict=True):
        by_value.setdefault(value, set()).add(code)
    assert all(len(found) == 1 for found in by_value.values())
    assert len({min(found) for found in by_value.values()}) == len(by_value)
    # A slice, pieces of a chunked array and a narrow string type give the same codes.
    assert id_codes(arr.slice(3)).tolist() == c[3:].tolist()
    chunked = pa.chunked_array([arr.slice(0, 5), arr.slice(5)])
    assert id_codes(chunked).tolist() == c.tolist()
    assert id_codes(pa.array(VALUES, type=pa.string())).tolist() == c.tolist()
    assert id_codes(pa.array(["ab"], type=pa.large_string())).tolist() == \
        id_codes(pa.array(["zzzzzzzzzzzz", "ab"], type=pa.large_string()))[1:].tolist()


def test_repeat_candidates_are_the_rows_whose_code_repeats() -> None:
    assert repeat_candidates(np.asarray([5, 7, 9], dtype=np.uint64)) is None
    found = repeat_candidates(np.asarray([5, 7, 5, 9, 7], dtype=np.uint64))
    assert found is not None and found.tolist() == [True, True, True, False, True]


def test_a_lookup_compares_the_ids_behind_equal_codes() -> None:
    lookup = IdLookup.of(pa.array(["m1", "m2", None], type=pa.large_string()))
    probe = pa.chunked_array([pa.array(["m2", "m3", None, "m1"], type=pa.large_string())])
    assert lookup.contains(probe).tolist() == [True, False, False, True]
    # Codes that claim every probe is m1: only the real m1 is found.
    forged = np.repeat(id_codes(pa.array(["m1"], type=pa.large_string())), 4)
    assert lookup.contains(probe, forged).tolist() == [False, False, False, True]
    # Two ids with one code: the lookup compares strings throughout.
    lookup.index = None
    assert lookup.contains(probe).tolist() == [True, False, False, True]


def _export(directory: Path) -> Path:
    write_csv(directory, "merchants.csv", "merchant_id,name,status\n"
              "m1,A,active\nm2,B,Active\nm1,A,active\nm3,C,banned\nm2,Other,active\n"
              "m4,D,nope\n m5,E,active\n")
    write_csv(directory, "streamers.csv", "streamer_id,name\ns1,X\ns2,Y\ns1,X\n")
    write_csv(directory, "merchant_devices.csv", "merchant_id,device_id,logins\n"
              "m1,d1,1\nm2,d1,2\nm1,d1,3\nm9,d2,1\nm3,d3,-1\nm3,d3,4\n m5,d4,1\n"
              "m1\x1fd,1,1\nm1,d\x1f1,1\n")
    write_csv(directory, "merchant_accounts.csv", "merchant_id,account_id,role\n"
              "m1,a1,settlement\nm1,a1,refund\nm2,a2,withdrawal\nm1,a1,settlement\n")
    write_csv(directory, "promotions.csv", "streamer_id,merchant_id,sessions\n"
              "s1,m1,1\ns1,m1,2\ns3,m2,1\ns2,m4,1\n")
    write_csv(directory, "labels.csv", "entity_type,entity_id,label,labeled_at\n"
              "merchant,m1,fraud,2024-01-01\nMerchant,m1,legit,2024-02-01\n"
              "streamer,s9,fraud,2024-01-01\ndevice,d1,fraud,\nmerchant,m8,legit,\n")
    write_csv(directory, "organization_members.csv", "organization_id,entity_type,entity_id\n"
              "o1,merchant,m1\n")
    return directory


def _outcome(data: Path) -> tuple[dict[str, pd.DataFrame], list[object], list[object]]:
    result = read_dataset(data)
    return (result.dataset.tables,
            [(r.file, r.line, r.field, r.reason, r.value) for r in result.rejects],
            [(f.file, f.rows, f.loaded, f.rejected, f.merged) for f in result.files])


def test_every_code_colliding_gives_the_same_rows_and_rejects(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Codes only ever rule equality out: with every id's code the same, each repeat
    and reference check falls to comparing the ids, and nothing read changes."""
    data = _export(tmp_path)
    honest = _outcome(data)

    def one_code(values: object) -> np.ndarray:
        return np.zeros(len(values), dtype=np.uint64)  # type: ignore[arg-type]

    monkeypatch.setattr(reader, "id_codes", one_code)
    monkeypatch.setattr(codes, "id_codes", one_code)
    colliding = _outcome(data)
    assert colliding[1:] == honest[1:]
    assert honest[2] == [("merchants.csv", 7, 5, 2, 1), ("streamers.csv", 3, 3, 0, 1),
                         ("merchant_devices.csv", 9, 6, 3, 1),
                         ("merchant_accounts.csv", 4, 4, 0, 2),
                         ("promotions.csv", 4, 2, 2, 1), ("labels.csv", 5, 3, 2, 1),
                         ("organization_members.csv", 1, 0, 1, 0)]
    for name, table in honest[0].items():
        pd.testing.assert_frame_equal(colliding[0][name], table)
    links = honest[0]["merchant_devices"]
    assert sorted(zip(links["merchant_id"], links["device_id"], strict=True)) == [
        (" m5", "d4"), ("m1", "d\x1f1"), ("m1", "d1"), ("m2", "d1"), ("m3", "d3")]


def _numbers_export(directory: Path, as_text: bool) -> Path:
    directory.mkdir()
    n = 60  # floats odd in rows, ints' odd values in even rows: every one is rejected
    rng = np.random.default_rng(3)
    special = [-1.0, 1.5, 1e16, 1e13, 1e12 + 1, np.inf, -np.inf, np.nan, -0.0, 0.1, 1e-5,
               2.0**53 + 1, 1e300, 3.0]
    floats = pa.array([special[(i // 2) % len(special)] if i % 2 else float(rng.integers(100))
                       for i in range(n)], type=pa.float64())
    ints = pa.array([[-1, 2**63 - 1, 10**12 + 1, None, 2**53 + 1][i % 5] if i % 6 == 0
                     else int(rng.integers(100)) for i in range(n)], type=pa.int64())
    if as_text:  # what the reader made of them before: Arrow's text, NaN missing
        floats = pa.compute.cast(pa.compute.if_else(pa.compute.is_nan(floats), None, floats),
                                 pa.string())
        ints = pa.compute.cast(ints, pa.string())
    pq.write_table(pa.table({"merchant_id": [f"m{i}" for i in range(n)]}),
                   directory / "merchants.parquet")
    pq.write_table(pa.table({"streamer_id": ["s1"] * n,
                             "merchant_id": [f"m{i}" for i in range(n)],
                             "sessions": ints, "orders": floats, "gmv": floats}),
                   directory / "promotions.parquet")
    return directory


def test_parquet_numbers_read_as_numbers_give_the_rejects_of_their_text(
        tmp_path: Path) -> None:
    typed = _outcome(_numbers_export(tmp_path / "typed", as_text=False))
    text = _outcome(_numbers_export(tmp_path / "text", as_text=True))
    assert typed[1:] == text[1:]
    values = {r[4] for r in typed[1]}  # type: ignore[index]
    assert {"inf", "-1", "9223372036854775807", "1.5", "0.1", "1e+16", "0.00001"} <= values
    for name, table in text[0].items():
        pd.testing.assert_frame_equal(typed[0][name], table)


def test_a_parquet_string_column_keeps_only_its_own_bytes(tmp_path: Path) -> None:
    """Each chunk of a Parquet column is a slice of one larger array; cast chunk by
    chunk, the clean table held about three times the column's bytes."""
    n = 400_000
    pq.write_table(pa.table({"merchant_id": [f"merchant-{i:08d}" for i in range(n)]}),
                   tmp_path / "merchants.parquet")
    assert pq.read_table(tmp_path / "merchants.parquet").column(0).num_chunks > 1
    ids = pa.chunked_array(read_dataset(tmp_path).dataset.tables["merchants"]["merchant_id"]
                           .array)
    assert ids.get_total_buffer_size() <= 1.05 * ids.nbytes


def test_enum_values_already_normal_are_kept_and_others_normalised(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", "merchant_id,status\nm1,active\nm2,banned\nm3,\n")
    assert read_dataset(tmp_path).dataset.tables["merchants"]["status"].tolist() == [
        "active", "banned", pd.NA]
    write_csv(tmp_path, "merchants.csv", "merchant_id,status\nm1,active\nm2, Banned\n")
    assert read_dataset(tmp_path).dataset.tables["merchants"]["status"].tolist() == [
        "active", "banned"]


@pytest.mark.parametrize("join_as_string", [1 << 30, 0])
def test_a_parquet_column_is_one_fresh_large_string_array_either_way(
        monkeypatch: pytest.MonkeyPatch, join_as_string: int) -> None:
    """Joined as 32-bit text then cast (a column under the bound) or cast then joined
    (above it): the same values, one large_string array that holds none of the
    chunks' buffers."""
    monkeypatch.setattr(reader, "_JOIN_AS_STRING", join_as_string)
    whole = pa.array([f"id-{i}" if i % 7 else None for i in range(1000)] + ["", "中文"])
    chunks = [whole.slice(0, 300), whole.slice(300, 500), whole.slice(800)]
    out = reader._one_large_string(pa.chunked_array(chunks))
    assert isinstance(out, pa.LargeStringArray)
    assert out.to_pylist() == whole.to_pylist()
    theirs = [(b.address, b.address + b.size) for c in chunks for b in c.buffers()
              if b is not None]
    for buffer in (b for b in out.buffers() if b is not None):  # none inside a chunk's
        assert not any(lo <= buffer.address < hi for lo, hi in theirs)
    single = reader._one_large_string(whole.slice(10, 5))
    assert single.type == pa.large_string() and single.to_pylist() == whole[10:15].to_pylist()
