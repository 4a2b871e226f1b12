"""The synthetic worlds stay the worlds they were: the same seed and scale give the same
files, byte for byte, however the generator holds and writes its tables.

Tests, quality figures and benchmarks compare against these exact worlds, so the digests
below were taken from the generator before it wrote tables a slice of rows at a time;
a change that alters one draw, one id or one row order fails here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from graphfraud.synth import SynthConfig, generate
from graphfraud.synth import generator as synth

#: sha256 (first 16 hex digits) of every file of ``SynthConfig(scale=0.3, seed=7)`` as CSV.
CSV_WORLD = {
    "devices.csv": "3b07d255fae06d07", "ground_truth.json": "6ff00bc6ae490a83",
    "labels.csv": "561f611a3a60dc37", "merchant_accounts.csv": "c8453c6bb66593e2",
    "merchant_devices.csv": "a62957c854117baa", "merchant_signals.csv": "d53829e298aceed9",
    "merchants.csv": "e749a6883ca63901", "organization_members.csv": "2d241f8e8c955f3d",
    "organizations.csv": "69f7670f59b877a7", "payment_accounts.csv": "efcc3346d5fcfbcd",
    "promotions.csv": "7621a7ad29fb8f4c", "streamer_accounts.csv": "4ac1bb5f2cc99ce7",
    "streamer_devices.csv": "bbc73642676c2008", "streamers.csv": "3f51b75914bd05e5",
}
#: The same for ``SynthConfig(scale=0.3, seed=8, structure_only=True)``.
STRUCTURE_WORLD = {
    "devices.csv": "2cb14dce525e55ca", "ground_truth.json": "2a89999a297d0cfe",
    "labels.csv": "b91c6aa33d38f5f5", "merchant_accounts.csv": "92f6e0ba43ed36c8",
    "merchant_devices.csv": "a018b4871fe9819b", "merchants.csv": "14cdc4e1ebe6bed8",
    "organization_members.csv": "0eb2b1805fcc12d1", "organizations.csv": "ae3885dfea6d475c",
    "payment_accounts.csv": "c12017837c4db806",
}
#: Digest of each Parquet table's schema and values (not its bytes, which depend on
#: how pyarrow pages a row group) for ``SynthConfig(scale=0.3, seed=7)``.
PARQUET_TABLES = {
    "devices": "f54600062dd4a70a", "labels": "bc6cd98e0a25bd32",
    "merchant_accounts": "b614c98d7c6b91c8", "merchant_devices": "c08217a3ff24ba70",
    "merchant_signals": "36bdbb3a92a92a9b", "merchants": "5a6c2678c74eab66",
    "organization_members": "2041f40ba57d96a7", "organizations": "b2d92cc8c2eff008",
    "payment_accounts": "9d80879f0e96d380", "promotions": "061fdae27b44e7c7",
    "streamer_accounts": "b613a9b58915525d", "streamer_devices": "2b48050a1355f086",
    "streamers": "d302e8a5ebc521c5",
}


def _file_digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16]
            for p in sorted(folder.iterdir())}


def _table_digests(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.glob("*.parquet")):
        table = pq.read_table(path)
        digest = hashlib.sha256(table.schema.to_string(show_schema_metadata=False).encode())
        digest.update(repr(table.to_pydict()).encode())
        out[path.stem] = digest.hexdigest()[:16]
    return out


# Whole tables in one slice, and slices of 997 rows (so every large table is cut, the
# last slice short, as the 10M-merchant world's tables are).
@pytest.mark.parametrize("rows_per_write", [synth.ROWS_PER_WRITE, 997])
def test_the_csv_worlds_are_the_pinned_bytes(tmp_path: Path, rows_per_write: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "ROWS_PER_WRITE", rows_per_write)
    generate(tmp_path / "default", SynthConfig(scale=0.3, seed=7))
    generate(tmp_path / "structure", SynthConfig(scale=0.3, seed=8, structure_only=True))
    assert _file_digests(tmp_path / "default") == CSV_WORLD
    assert _file_digests(tmp_path / "structure") == STRUCTURE_WORLD


def test_the_parquet_world_holds_the_pinned_tables_in_row_groups_of_a_slice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "ROWS_PER_WRITE", 997)
    generate(tmp_path, SynthConfig(scale=0.3, seed=7), file_format="parquet")
    assert _table_digests(tmp_path) == PARQUET_TABLES
    meta = pq.ParquetFile(tmp_path / "promotions.parquet").metadata
    groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert len(groups) > 1 and max(groups) == 997 and sum(groups) == meta.num_rows
    assert _file_digests(tmp_path)["ground_truth.json"] == CSV_WORLD["ground_truth.json"]


@pytest.mark.parametrize("seed", [0, 7, 691])
def test_weighted_draws_from_a_prepared_table_are_generators_choice(seed: int) -> None:
    weights = np.random.default_rng(seed).lognormal(0, 1.4, 5000)
    p = weights / weights.sum()
    cdf = synth._choice_cdf(p)
    ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
    for size in (1, 6, 90, 0, 2000):
        assert np.array_equal(synth._choice(ours, cdf, size),
                              numpys.choice(len(p), size, p=p))
    assert ours.random() == numpys.random()  # the stream is left where choice leaves it


def test_fixed_text_spells_what_printf_does() -> None:
    values = np.array([0, 7, 42, 999_999_999, 123_456_789], dtype=np.int64)
    assert synth._fixed_text(values, "h", 10, 9).tolist() == [
        f"h{v:09d}".encode() for v in values]
    high = np.array([0, 255, 2**62 - 1, 0x0123456789ABCDEF], dtype=np.int64)
    assert synth._fixed_text(high, "", 16, 16).tolist() == [
        f"{v:016x}".encode() for v in high]
    assert synth._fixed_text(np.empty(0, dtype=np.int64), "w", 16, 4).shape == (0,)
    with pytest.raises(ValueError, match="does not fit 2 digits"):
        synth._fixed_text(np.array([100]), "", 10, 2)
    with pytest.raises(ValueError, match="does not fit"):
        synth._fixed_text(np.array([-1]), "", 10, 2)


def test_account_roles_are_codes_of_known_roles_only() -> None:
    codes = synth._role_codes(np.array(["withdrawal", "refund", "settlement"]))
    assert synth.ROLES[codes].tolist() == ["withdrawal", "refund", "settlement"]
    assert synth.ROLES[synth._role_codes("settlement")] == "settlement"
    with pytest.raises(ValueError, match="unknown account role"):
        synth._role_codes(np.array(["settlement", "payout"]))
