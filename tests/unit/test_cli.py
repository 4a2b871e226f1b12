"""The CLI's exit-code contract and messages (0 ok, 2 bad input or usage, 1 failure)."""

from __future__ import annotations

import csv
import inspect
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import write_csv
from graphfraud.cli import cli


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("synth", "validate", "load", "neo4j"):
        assert command in result.output


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The argument path of ``group`` and of every command and subcommand below it."""
    found = [path]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*path, name)))
        else:
            found.append((*path, name))
    return found


COMMANDS = _commands(cli)


def _id(path: tuple[str, ...]) -> str:
    return " ".join(("graphfraud", *path))


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def test_the_walk_finds_every_command() -> None:
    assert len(COMMANDS) >= 14
    assert {("scan",), ("neo4j",), ("neo4j", "start"), ("neo4j", "import")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=_id)
def test_every_command_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output, (
        f"`{_id(path)} --help` has no 'Example:' block: add one to its help text")


def _example_lines(help_text: str) -> list[str]:
    """The command lines of a help text's Example block, as written in the source."""
    after = inspect.cleandoc(help_text).partition("Example:")[2]
    return [line.strip() for line in after.splitlines()
            if line[:1].isspace() and line.strip() not in ("", "\b")]


@pytest.mark.parametrize("path", COMMANDS, ids=_id)
def test_examples_are_not_rewrapped(path: tuple[str, ...]) -> None:
    """click rewraps indented paragraphs at 80 columns unless a ``\\b`` line precedes
    them; a wrapped example cannot be copied into a shell."""
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=80)
    shown = {line.strip() for line in result.output.splitlines()}
    for line in _example_lines(_command(path).help or ""):
        assert line in shown, (
            f"`{_id(path)} --help` wraps the example {line!r}: put a line with \\b "
            "before each example paragraph")


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
    listed = [(_id(path), _command(path)) for path in COMMANDS]
    assert len(listed) >= 8
    for name, command in listed:
        for param in command.params:
            if getattr(param, "is_flag", False) and param.name == "password_stdin":
                continue  # a switch: the password itself comes on standard input
            words = " ".join([*getattr(param, "opts", []), param.name or ""]).lower()
            assert not any(w in words for w in ("password", "secret", "token", "auth")), name


def test_settings_never_show_the_password() -> None:
    from graphfraud.store.connection import Neo4jSettings

    settings = Neo4jSettings.from_env({"NEO4J_URI": "neo4j+s://db.example.com",
                                       "NEO4J_PASSWORD": "s3cret-value-xyz"})
    assert "s3cret-value-xyz" not in repr(settings) + settings.describe()
    assert settings.describe() == "neo4j+s://db.example.com (database neo4j, user neo4j)"


@pytest.mark.parametrize("command", [["query", "top_rings"], ["scan", "--neo4j", "--out", "o"]])
def test_a_uri_carrying_a_password_is_refused_without_echoing_it(
        command: list[str], tmp_path: Path) -> None:
    env = {"NEO4J_URI": "bolt://neo4j:SECRET-in-uri@127.0.0.1:1", "NEO4J_PASSWORD": "x"}
    result = CliRunner().invoke(cli, command, env=env)
    assert result.exit_code == 2
    assert "must not carry a user name or password" in result.stderr
    assert "SECRET-in-uri" not in result.output + result.stderr
