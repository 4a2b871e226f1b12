"""docs/cli.md's reference is the commands' own help, regenerated, never hand-kept.

The test renders the reference from the installed package and compares it with the
checkout's docs/cli.md (found from this file, since the tests import the installed
package, not the checkout).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import click
import pytest

from graphfraud.cli import cli
from graphfraud.cli.reference import BEGIN, COMMAND, END, main, render, update

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_docs_cli_md_is_up_to_date() -> None:
    current = DOC.read_text(encoding="utf-8")
    assert BEGIN in current and END in current, (
        f"docs/cli.md lacks the generated-reference markers: run `{COMMAND}`")
    wanted = update(current, render())
    if wanted != current:
        diff = "".join(difflib.unified_diff(
            current.splitlines(keepends=True), wanted.splitlines(keepends=True),
            "docs/cli.md", "generated", n=1))
        pytest.fail(
            f"docs/cli.md is out of date: run `{COMMAND}` from the checkout root "
            f"(this test renders the installed package: reinstall after editing)\n"
            f"{diff[:6000]}", pytrace=False)


def _commands(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{prefix} {name}"))
    return found


def test_every_command_and_option_is_in_the_reference() -> None:
    reference = render()
    for path, command in _commands(cli, "graphfraud"):
        assert f"## `{path}`\n" in reference, path
        section = reference.split(f"## `{path}`\n", 1)[1].split("\n## ", 1)[0]
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                for opt in param.opts:
                    assert f"`{opt}`" in section, (path, opt)


def test_the_reference_does_not_depend_on_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    before = render()
    for name, value in {"COLUMNS": "20", "HOME": str(tmp_path), "USER": "someone-else",
                        "GRAPHFRAUD_NEO4J_HOME": str(tmp_path / "neo4j"),
                        "GRAPHFRAUD_QUERY_DIR": str(tmp_path), "GRAPHFRAUD_ANALYST": "x",
                        "NEO4J_URI": "bolt://example.invalid:1"}.items():
        monkeypatch.setenv(name, value)
    assert render() == before


def test_check_and_write_modes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "cli.md"
    doc.write_text("# Intro\n\nhand-written\n", encoding="utf-8")
    assert main(["--check", str(doc)]) == 1
    assert "is out of date: run `python -m graphfraud.cli.reference --write`" in (
        capsys.readouterr().err)
    assert main(["--write", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Intro\n\nhand-written\n\n" + BEGIN)
    assert main(["--check", str(doc)]) == 0
    assert main(["--write", str(doc)]) == 0 and doc.read_text(encoding="utf-8") == text
    assert main(["--check", str(tmp_path / "missing.md")]) == 2
