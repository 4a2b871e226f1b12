"""Generated blocks of the reference pages in docs/, and the command that keeps them.

A page keeps its hand-written text; the part between two marker comments is rendered
from the code (the commands' help, the contract, the query headers) and rewritten by
the page's generator, ``python -m graphfraud.<package>.reference --write`` run from the
checkout root. ``--check`` exits 1 when the page is out of date; without a flag the block
is printed. A unit test per page fails when the page and the code disagree:

=========================  =====================================  ==============================
page                       generator                              test
=========================  =====================================  ==============================
docs/cli.md                :mod:`graphfraud.cli.reference`        tests/unit/test_cli_reference.py
docs/data-contract.md      :mod:`graphfraud.loaders.reference`    tests/unit/test_doc_references.py
docs/cypher.md             :mod:`graphfraud.cypher.reference`     tests/unit/test_doc_references.py
docs/report.md             :mod:`graphfraud.report.reference`     tests/unit/test_report_fields.py
=========================  =====================================  ==============================

docs/algorithms.md's table of scoring terms is rendered from the evidence registry by
:mod:`graphfraud.score.docs` (tests/unit/test_signals.py).

>>> block = Block(Path("docs/x.md"), "graphfraud.x.reference", "TABLE", "edit x")
>>> block.begin
'<!-- BEGIN GENERATED TABLE: edit x, then run `python -m graphfraud.x.reference --write` -->'
>>> block.update("# X\\n", "body\\n").endswith("body\\n\\n<!-- END GENERATED TABLE -->\\n")
True
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Block:
    """One generated block of a page: where it is and how it is regenerated."""

    #: The page, from the checkout root.
    path: Path
    #: The generator module (``python -m MODULE --write``).
    module: str
    #: What the markers call the block (``REFERENCE``, ``CONTRACT TABLES``...).
    what: str
    #: What to edit instead of the block, as the opening marker says it.
    edit: str

    @property
    def command(self) -> str:
        return f"python -m {self.module} --write"

    @property
    def begin(self) -> str:
        return f"<!-- BEGIN GENERATED {self.what}: {self.edit}, then run `{self.command}` -->"

    @property
    def end(self) -> str:
        return f"<!-- END GENERATED {self.what} -->"

    def update(self, document: str, body: str) -> str:
        """``document`` with ``body`` between the markers (appended with them when
        missing); the text around them is kept."""
        block = f"{self.begin}\n\n{body.strip()}\n\n{self.end}"
        start, end = document.find(self.begin), document.find(self.end)
        if start == -1 or end == -1 or end < start:
            return document.rstrip("\n") + "\n\n" + block + "\n"
        return document[:start] + block + document[end + len(self.end):]

    def drift(self, document: str, body: str, limit: int = 6000) -> str | None:
        """None when ``document`` holds ``body`` between its markers, else why not (the
        missing markers, or a unified diff of at most ``limit`` characters)."""
        if self.begin not in document or self.end not in document:
            return (f"{self.path} lacks the generated-block markers: run `{self.command}` "
                    "from the checkout root")
        wanted = self.update(document, body)
        if wanted == document:
            return None
        diff = "".join(difflib.unified_diff(
            document.splitlines(keepends=True), wanted.splitlines(keepends=True),
            str(self.path), "generated", n=1))
        return f"{self.path} is out of date: run `{self.command}` from the checkout root\n" \
            f"{diff[:limit]}"


def main(block: Block, render: Callable[[], str], description: str,
         argv: list[str] | None = None) -> int:
    """The generator's command line: print the block, ``--write`` it into the page or
    ``--check`` the page (exit 1 when out of date, 2 when the page is missing)."""
    parser = argparse.ArgumentParser(prog=f"python -m {block.module}",
                                     description=description)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="update PATH in place")
    mode.add_argument("--check", action="store_true", help="exit 1 when PATH is out of date")
    parser.add_argument("path", nargs="?", type=Path, default=block.path,
                        help=f"the Markdown file [default: {block.path}]")
    args = parser.parse_args(argv)
    body = render()
    if not (args.write or args.check):
        sys.stdout.write(body)
        return 0
    if not args.path.is_file():
        print(f"error: {args.path} not found (run from the checkout root, or name the file)",
              file=sys.stderr)
        return 2
    current = args.path.read_text(encoding="utf-8")
    wanted = block.update(current, body)
    if args.check:
        if wanted != current:
            print(f"{args.path} is out of date: run `{block.command}`", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        args.path.write_text(wanted, encoding="utf-8")
        print(f"updated {args.path}")
    else:
        print(f"{args.path} is up to date")
    return 0


def cell(text: str) -> str:
    """Text for a Markdown table cell (pipes escaped, lines joined)."""
    return " ".join(text.split()).replace("|", "\\|")
