"""The CLI's exit-code contract and messages (0 ok, 2 bad input or usage, 1 failure)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from conftest import write_csv
from graphfraud.cli import cli


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("synth", "validate", "load", "neo4j"):
        assert command in result.output


def test_every_command_help_has_an_example() -> None:
    runner = CliRunner()
    for args in (["synth"], ["validate"], ["load"], ["neo4j", "start"], ["neo4j", "stop"],
                 ["neo4j", "status"]):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output, args


def test_synth_then_validate_round_trip(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "export"
    result = runner.invoke(cli, ["synth", str(out), "--seed", "5", "--scale", "0.1", "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "merchants.csv").exists() and (out / "ground_truth.json").exists()
    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(cli, ["validate", str(out), "--rejects", str(rejects), "-q"])
    assert result.exit_code == 0, result.output
    total = next(line for line in result.output.splitlines() if line.startswith("total"))
    rows, loaded, rejected = (int(x) for x in total.split()[1:4])
    assert rows == loaded > 0 and rejected == 0
    assert rejects.read_text().splitlines() == ["file,line,field,reason,value"]


def test_bad_rows_exit_zero_and_land_in_rejects(tmp_path: Path) -> None:
    write_csv(tmp_path / "d", "merchants.csv", "merchant_id,status\nm1,active\nm2,gone\n")
    rejects = tmp_path / "rejects.csv"
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "d"), "--rejects",
                                      str(rejects), "-q"])
    assert result.exit_code == 0
    with rejects.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["file", "line", "field", "reason", "value"],
        ["merchants.csv", "3", "status",
         "unknown value 'gone' in field status (expected one of active, suspended, banned)",
         "gone"],
    ]


def test_missing_required_column_exits_2_with_one_line(tmp_path: Path) -> None:
    write_csv(tmp_path / "d", "merchants.csv", "shop_id,status\nm1,active\n")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "d"), "-q",
                                      "--rejects", str(tmp_path / "r.csv")])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'd' / 'merchants.csv'}: line 1: missing required column 'merchant_id'")


def test_missing_directory_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope"), "-q"])
    assert result.exit_code == 2
    assert "not a directory" in result.stderr


def test_unknown_option_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["synth", "x", "--bogus"])
    assert result.exit_code == 2


def test_load_without_any_server_is_a_config_error(tmp_path: Path) -> None:
    write_csv(tmp_path / "d", "merchants.csv", "merchant_id\nm1\n")
    env = {"NEO4J_URI": "", "GRAPHFRAUD_NEO4J_HOME": str(tmp_path / "none")}
    result = CliRunner().invoke(cli, ["load", str(tmp_path / "d"), "-q"], env=env)
    assert result.exit_code == 2
    assert "NEO4J_URI is not set and no local server exists" in result.stderr


def test_load_against_unreachable_server_exits_1_without_leaking_password(
    tmp_path: Path,
) -> None:
    write_csv(tmp_path / "d", "merchants.csv", "merchant_id\nm1\n")
    env = {"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "s3cret-value-xyz"}
    result = CliRunner().invoke(cli, ["load", str(tmp_path / "d"), "-q",
                                      "--rejects", str(tmp_path / "r.csv")], env=env)
    assert result.exit_code == 1
    assert "not reachable" in result.stderr
    assert "s3cret-value-xyz" not in result.output + result.stderr


def test_module_entry_point_answers() -> None:
    done = subprocess.run([sys.executable, "-m", "graphfraud", "--version"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.startswith("graphfraud, version ")


def test_no_command_takes_a_secret_on_the_command_line() -> None:
    import click

    def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
        found = []
        for name, command in group.commands.items():
            found.append((prefix + name, command))
            if isinstance(command, click.Group):
                found.extend(commands(command, f"{prefix}{name} "))
        return found

    listed = commands(cli)
    assert len(listed) >= 8
    for name, command in listed:
        for param in command.params:
            words = " ".join([*getattr(param, "opts", []), param.name or ""]).lower()
            assert not any(w in words for w in ("password", "secret", "token", "auth")), name


def test_settings_never_show_the_password() -> None:
    from graphfraud.store.connection import Neo4jSettings

    settings = Neo4jSettings.from_env({"NEO4J_URI": "neo4j+s://db.example.com",
                                       "NEO4J_PASSWORD": "s3cret-value-xyz"})
    assert "s3cret-value-xyz" not in repr(settings) + settings.describe()
    assert settings.describe() == "neo4j+s://db.example.com (database neo4j, user neo4j)"
