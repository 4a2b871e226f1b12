"""Generated references stay what the code says: docs/data-contract.md's tables are the
contract's, docs/cypher.md's query table is the query headers', and the command line's
help defaults are the library's own (docs/cli.md: tests/unit/test_cli_reference.py).

Each page is compared with what its generator renders from the installed package; the
page is the checkout's (found from this file).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest

import graphfraud
from graphfraud.cypher import reference as cypher_reference
from graphfraud.docgen import Block
from graphfraud.loaders import reference as contract_reference

CHECKOUT = Path(__file__).resolve().parents[2]
GENERATED: list[tuple[Block, Callable[[], str]]] = [
    (contract_reference.BLOCK, contract_reference.render),
    (cypher_reference.BLOCK, cypher_reference.render),
]


@pytest.mark.parametrize(("block", "render"), GENERATED, ids=lambda x: getattr(x, "module", ""))
def test_the_page_holds_what_its_generator_renders(block: Block,
                                                   render: Callable[[], str]) -> None:
    page = (CHECKOUT / block.path).read_text(encoding="utf-8")
    drift = block.drift(page, render())
    if drift:
        pytest.fail(f"{drift}\n(this test renders the installed package: reinstall after "
                    "editing)", pytrace=False)


def test_every_file_and_column_of_the_contract_is_in_the_tables() -> None:
    from graphfraud.loaders.spec import contract

    text = contract_reference.render()
    for spec in contract().values():
        assert f"### `{spec.name}.csv`\n" in text, spec.name
        section = text.split(f"### `{spec.name}.csv`\n", 1)[1].split("\n### ", 1)[0]
        for col in spec.columns:
            row = next(line for line in section.splitlines()
                       if line.startswith(f"| `{col.name}` |"))
            assert f"| {col.type} | {'yes' if col.required else ''} |" in row, row
            assert all(f"`{v}`" in row for v in col.values), row


def test_a_contract_file_without_a_description_stops_the_generator(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(contract_reference.ROW_IS, "labels")
    with pytest.raises(ValueError, match=r"contract file.* labels have no line"):
        contract_reference.render()


def test_every_query_and_parameter_is_in_the_table() -> None:
    from graphfraud.store.queries import library

    text = cypher_reference.render()
    for query in library().values():
        row = next(line for line in text.splitlines()
                   if line.startswith(f"| `{query.name}` |"))
        assert query.question in row
        for p in query.params:
            assert (f"`{p.name}`" if p.required else f"`{p.name}`=") in row


def test_check_and_write_modes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "contract.md"
    doc.write_text("# Intro\n\nhand-written\n", encoding="utf-8")
    main = contract_reference.main
    assert main(["--check", str(doc)]) == 1
    assert "is out of date: run `python -m graphfraud.loaders.reference --write`" in (
        capsys.readouterr().err)
    assert main(["--write", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Intro\n\nhand-written\n\n" + contract_reference.BLOCK.begin)
    doc.write_text(text + "\nafter\n", encoding="utf-8")
    assert main(["--check", str(doc)]) == 0
    assert main(["--write", str(doc)]) == 0
    assert doc.read_text(encoding="utf-8") == text + "\nafter\n"
    assert main(["--check", str(tmp_path / "missing.md")]) == 2
    assert contract_reference.BLOCK.drift("no markers", "x") is not None


# -- command-line defaults: taken from the library, never typed again -------------------

_KNOBS = {  # scan option: the ScanParams knob whose default its help names
    "--hub-degree": "hub_degree", "--strong-degree": "strong_degree",
    "--min-ring-size": "min_ring_size", "--max-ring-size": "max_ring_size",
}


def test_scan_help_names_the_knob_defaults_of_the_parameter_dataclasses() -> None:
    from graphfraud.cli import cli
    from graphfraud.pipeline import ScanParams
    from graphfraud.spark import SparkEngine

    knobs = ScanParams().as_dict()
    scan = cli.commands["scan"]
    options = {o.opts[0]: o for o in scan.params if isinstance(o, click.Option)}
    for name, knob in _KNOBS.items():
        assert (options[name].help or "").endswith(f"[{knobs[knob]}].")
    ctx = click.Context(scan)
    assert options["--seed"].get_default(ctx) == knobs["seed"]
    assert options["--spark-master"].get_default(ctx) == SparkEngine.master
    assert options["--spark-components"].get_default(ctx) == SparkEngine.components
    assert (options["--spark-max-task"].help or "").endswith(f"[{SparkEngine.max_task}].")


def test_other_defaults_come_from_the_library() -> None:
    from graphfraud.cli import cli
    from graphfraud.store.writer import DEFAULT_BATCH_SIZE
    from graphfraud.synth import SynthConfig

    def default(command: click.Command, option: str) -> object:
        found = next(p for p in command.params if option in p.opts)
        return found.get_default(click.Context(command))

    assert default(cli.commands["batch"], "--seed") == default(cli.commands["scan"], "--seed")
    assert default(cli.commands["batch"], "--batch-size") == DEFAULT_BATCH_SIZE
    assert default(cli.commands["load"], "--batch-size") == DEFAULT_BATCH_SIZE
    assert default(cli.commands["synth"], "--seed") == SynthConfig().seed
    assert default(cli.commands["synth"], "--scale") == SynthConfig().scale


def _knob_names() -> set[str]:
    """The knobs of the parameter dataclasses, by the names options give them."""
    import dataclasses

    from graphfraud.pipeline import ScanParams
    from graphfraud.spark import SparkEngine
    from graphfraud.synth import SynthConfig

    names = set(ScanParams().as_dict())
    names |= {f"spark_{f.name}" for f in dataclasses.fields(SparkEngine)}
    names |= {f.name for f in dataclasses.fields(SynthConfig)}
    return names


def test_no_knob_option_types_its_default_by_hand() -> None:
    """An option for a knob of a parameter dataclass (``--hub-degree``, ``--seed``,
    ``--spark-max-task``...) with a literal number as its default, or ``[123]`` in
    its help, repeats the dataclass's value: name it with graphfraud.cli.options'
    defaults instead."""
    knobs = _knob_names()
    cli_dir = Path(graphfraud.__file__).parent / "cli"
    typed = []
    for path in sorted(cli_dir.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "option"):
                continue
            names = {a.value.lstrip("-").replace("-", "_") for a in node.args
                     if isinstance(a, ast.Constant) and isinstance(a.value, str)
                     and a.value.startswith("--")}
            if not names & knobs:
                continue
            for kw in node.keywords:
                literal = kw.value
                if kw.arg == "default" and isinstance(literal, ast.Constant) and isinstance(
                        literal.value, int | float | str) and not isinstance(literal.value, bool):
                    typed.append(f"{path.name}:{node.lineno} default={literal.value!r}")
                help_text = "".join(c.value for c in ast.walk(literal) if isinstance(
                    c, ast.Constant) and isinstance(c.value, str)) if kw.arg == "help" else ""
                if re.search(r"\[\d[\d_.]*\]", help_text):
                    typed.append(f"{path.name}:{node.lineno} help {help_text!r}")
    assert typed == []


def test_the_top_level_help_imports_no_library_module() -> None:
    """Defaults are looked up when a command needs them, so `graphfraud --help` stays
    fast."""
    code = ("import sys; from click.testing import CliRunner; from graphfraud.cli import cli; "
            "CliRunner().invoke(cli, ['--help']); "
            "print(sorted(m for m in sys.modules if m.startswith(('graphfraud.pipeline', "
            "'graphfraud.spark', 'graphfraud.synth', 'graphfraud.server', 'graphfraud.store.', "
            "'numpy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
