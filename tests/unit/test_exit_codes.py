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
