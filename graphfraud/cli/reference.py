"""docs/cli.md's command reference, generated from the commands' own help.

Walks the ``graphfraud`` click group recursively and writes, for every command and
subcommand, its usage line, help text and options (names, value, default, help) as
Markdown between two markers in docs/cli.md; the hand-written text around the markers
is kept. Nothing is parsed or invoked, so this runs without a database.

Regenerate after changing a command's options or help text (from the checkout root)::

    python -m graphfraud.cli.reference --write

``--check`` exits 1 when the file is out of date; without a flag the reference is
printed. The unit test ``tests/unit/test_cli_reference.py`` fails when docs/cli.md and
the installed commands disagree.

>>> "## `graphfraud neo4j start`" in render()
True
"""

from __future__ import annotations

import inspect
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import click
from click.formatting import join_options

from graphfraud.docgen import Block
from graphfraud.docgen import main as generator_main

BLOCK = Block(Path("docs/cli.md"), "graphfraud.cli.reference", "REFERENCE",
              "edit the commands' help")
COMMAND = BLOCK.command
BEGIN = BLOCK.begin
END = BLOCK.end
DEFAULT_PATH = BLOCK.path


def walk(
    command: click.Command, name: str = "graphfraud", parent: click.Context | None = None
) -> Iterator[click.Context]:
    """A context for ``command`` and, depth-first, for each of its visible subcommands.

    The contexts are built as click builds them (the command's ``context_settings``
    apply) but nothing is parsed or run.

    >>> from graphfraud.cli import cli
    >>> [ctx.command_path for ctx in walk(cli)][:2]
    ['graphfraud', 'graphfraud batch']
    """
    ctx = click.Context(command, info_name=name, parent=parent, **command.context_settings)
    yield ctx
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, sub_name, ctx)


def render(group: click.Command | None = None) -> str:
    """The generated reference (the text between the markers), for ``graphfraud`` by default."""
    if group is None:
        from graphfraud.cli import cli

        group = cli
    parts = [
        "Generated from the commands' own `--help`; every command also takes "
        "`-h` / `--help`."
    ]
    parts += [_section(ctx) for ctx in walk(group)]
    return "\n\n".join(parts) + "\n"


def update(document: str, body: str) -> str:
    """``document`` with ``body`` between the markers (appended with them when missing).

    >>> doc = update("# Intro\\n", "new\\n")
    >>> doc.startswith("# Intro\\n\\n<!-- BEGIN") and doc.endswith(f"new\\n\\n{END}\\n")
    True
    >>> update(doc.replace("new", "old") + "kept\\n", "new\\n") == doc + "kept\\n"
    True
    """
    return BLOCK.update(document, body)


def _section(ctx: click.Context) -> str:
    command = ctx.command
    path = ctx.command_path
    lines = [f"## `{path}`", "", "```", " ".join([path, *command.collect_usage_pieces(ctx)]),
             "```"]
    if command.deprecated:
        lines += ["", "**Deprecated.**"]
    help_text = _help_markdown(command.help or "")
    if help_text:
        lines += ["", help_text]
    options = [_option_row(p, ctx) for p in command.get_params(ctx)
               if isinstance(p, click.Option) and not p.hidden
               and p is not command.get_help_option(ctx)]
    if options:
        lines += ["", "| option | value | default | meaning |", "| --- | --- | --- | --- |",
                  *options]
    if isinstance(command, click.Group):
        rows = []
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                summary = _escape(sub.get_short_help_str(limit=1000))
                rows.append(f"| [`{name}`](#{_anchor(f'{path} {name}')}) | {_cell(summary)} |")
        lines += ["", "| command | what it does |", "| --- | --- |", *rows]
    return "\n".join(lines)


def _option_row(option: click.Option, ctx: click.Context) -> str:
    names = ", ".join(f"`{o}`" for o in join_options(option.opts)[0].split(", "))
    if option.secondary_opts:
        names += " / " + ", ".join(
            f"`{o}`" for o in join_options(option.secondary_opts)[0].split(", "))
    extra: dict[str, str] = {}
    get_extra = getattr(option, "get_help_extra", None)  # click >= 8.2
    if get_extra is not None:
        extra = dict(get_extra(ctx))
    if option.is_flag and not option.count:
        value = "flag"
    elif isinstance(option.type, click.Choice):
        value = "one of " + ", ".join(f"`{c}`" for c in option.type.choices)
    else:
        value = f"`{_metavar(option, ctx)}`"
    if extra.get("range"):
        value += f", `{extra['range']}`"
    if option.multiple:
        value += ", repeatable"
    default = f"`{extra['default']}`" if extra.get("default") else ""
    if option.required:
        default = "required"
    meaning = _escape(" ".join((option.help or "").split()))
    for var in _envvars(option):
        if var not in meaning:
            meaning += f" Environment: `{var}`."
    return f"| {names} | {_cell(value)} | {_cell(default)} | {_cell(meaning)} |"


def _metavar(option: click.Option, ctx: click.Context) -> str:
    try:
        return option.make_metavar(ctx)  # click >= 8.2
    except TypeError:  # pragma: no cover - click 8.1
        return option.make_metavar()  # type: ignore[call-arg]


def _envvars(option: click.Option) -> list[str]:
    if not option.envvar:
        return []
    return [option.envvar] if isinstance(option.envvar, str) else list(option.envvar)


def _help_markdown(text: str) -> str:
    """A click help text as Markdown: prose paragraphs, indented blocks as code."""
    text = inspect.cleandoc(text).split("\f", 1)[0]
    blocks: list[tuple[bool, list[str]]] = []  # (verbatim, lines)
    verbatim = False
    for paragraph in re.split(r"\n\s*\n", text):
        lines = paragraph.split("\n")
        if lines and lines[0].strip() == "\b":
            verbatim, lines = True, lines[1:]
        if not any(line.strip() for line in lines):
            continue
        blocks.append((verbatim, lines))
        verbatim = False
    out: list[str] = []
    code: list[str] = []

    def flush() -> None:
        if code:
            out.append("```\n" + textwrap.dedent("\n".join(code)).strip("\n") + "\n```")
            code.clear()

    for is_verbatim, lines in blocks:
        if all(line[:1].isspace() for line in lines if line.strip()):
            if code:
                code.append("")
            code.extend(lines)
            continue
        flush()
        if is_verbatim:
            out.append("\\\n".join(_escape(line.strip()) for line in lines))
        else:
            out.append(_escape(" ".join(" ".join(lines).split())))
    flush()
    return "\n\n".join(out)


def _escape(text: str) -> str:
    r"""Markdown-escape prose, leaving `code spans` as they are.

    >>> print(_escape("RUNS/<time>_<export>/ and `a_*b`, *x*, OUT_DIR"))
    RUNS/\<time\>\_\<export\>/ and `a_*b`, \*x\*, OUT_DIR
    """
    pieces = re.split(r"(`[^`]*`)", text)
    for i in range(0, len(pieces), 2):
        piece = re.sub(r"([\\*<>])", r"\\\1", pieces[i])
        # `_` only emphasises next to a non-word character: escape just those.
        piece = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", piece)
        if piece.startswith(("#", "+ ", "- ")):
            piece = "\\" + piece
        pieces[i] = piece
    return "".join(pieces)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _anchor(heading: str) -> str:
    """GitHub's anchor of a ``## `heading` `` line."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def main(argv: list[str] | None = None) -> int:
    return generator_main(
        BLOCK, render, "Generate docs/cli.md's command reference from the commands' help.",
        argv)


if __name__ == "__main__":
    sys.exit(main())
