"""Bad input and bad usage exit 2 with one line naming what is wrong, never 1."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphfraud.cli import cli


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args, env={"NEO4J_URI": "", "GRAPHFRAUD_NEO4J_HOME":
                                                "/nonexistent-graphfraud-home"})
    return result.exit_code, result.stderr.strip()


def test_a_cr_only_csv_is_named(tmp_path: Path) -> None:
    (tmp_path / "merchants.csv").write_bytes(b"merchant_id\rm1\rm2\r")
    code, err = _run(["validate", str(tmp_path), "--rejects", str(tmp_path / "r.csv")])
    last = err.splitlines()[-1]  # progress lines come before; the error is one line
    assert code == 2 and last.startswith("error: ")
    assert "merchants.csv: line 1: the lines end in a carriage return" in last


def test_a_gzip_csv_is_named(tmp_path: Path) -> None:
    (tmp_path / "merchants.csv").write_bytes(gzip.compress(b"merchant_id\nm1\n"))
    code, err = _run(["validate", str(tmp_path), "--rejects", str(tmp_path / "r.csv")])
    assert code == 2 and "merchants.csv: line 1: the file is gzip-compressed" in err


def test_an_encoding_that_is_not_text_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "merchants.csv").write_text("merchant_id\nm1\n")
    code, err = _run(["validate", str(tmp_path), "--encoding", "rot13"])
    assert code == 2 and "'rot13' is not a text encoding" in err


@pytest.mark.parametrize("value", ["-1", "99999999999999999999"])
def test_an_out_of_range_integer_parameter_exits_2_before_connecting(value: str) -> None:
    code, err = _run(["query", "top_rings", "-p", f"limit={value}"])
    assert code == 2 and f"expected a whole number from 0 to {2**63 - 1}" in err


def test_relative_dates_are_not_timestamps(tmp_path: Path) -> None:
    from graphfraud.loaders import read_dataset

    (tmp_path / "merchants.csv").write_text(
        "merchant_id,registered_at\nm1,now\nm2,Today\nm3,2024-01-01\n")
    loaded = read_dataset(tmp_path)
    assert [(r.line, r.field) for r in loaded.rejects] == [(2, "registered_at"),
                                                          (3, "registered_at")]


def test_a_trusted_certificate_file_that_is_not_pem_is_a_config_error(tmp_path: Path) -> None:
    from graphfraud.errors import ConfigError
    from graphfraud.store.connection import Neo4jSettings

    junk = tmp_path / "ca.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ConfigError, match="holds no PEM certificate"):
        Neo4jSettings.from_env({"NEO4J_URI": "bolt+s://db.example.com", "NEO4J_PASSWORD": "x",
                                "NEO4J_TRUSTED_CERTIFICATES": str(junk)})


def test_nested_and_non_text_binary_parquet_columns_exit_2_naming_them(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    nested, binary = tmp_path / "nested", tmp_path / "binary"
    nested.mkdir()
    binary.mkdir()
    pq.write_table(pa.table({"merchant_id": ["m1"], "name": [[1, 2]]}),
                   nested / "merchants.parquet")
    pq.write_table(pa.table({"merchant_id": pa.array([b"m1", b"\xff"], type=pa.binary())}),
                   binary / "merchants.parquet")
    code, err = _run(["validate", str(nested), "--rejects", str(tmp_path / "r.csv")])
    assert code == 2 and "merchants.parquet: column name: a Parquet list" in err
    code, err = _run(["validate", str(binary), "--rejects", str(tmp_path / "r.csv")])
    assert code == 2 and "row 2, field merchant_id: bytes that are not UTF-8 text" in err


def test_a_parquet_nan_id_is_missing_not_the_id_nan(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from graphfraud.loaders import read_dataset

    pq.write_table(pa.table({"merchant_id": pa.array([1.0, float("nan")])}),
                   tmp_path / "merchants.parquet")
    loaded = read_dataset(tmp_path)
    assert loaded.dataset.tables["merchants"]["merchant_id"].tolist() == ["1"]
    assert [(r.line, r.reason) for r in loaded.rejects] == [
        (2, "missing required field merchant_id")]
