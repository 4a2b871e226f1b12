"""docs/cypher.md's table of investigator queries, generated from the query files.

Each built-in query of ``graphfraud/cypher/queries/`` declares itself in its header
(:mod:`graphfraud.store.queries`): what it answers, its ``@param`` lines (name, type,
default) and what one row holds. The table lists, per query, its name, its question
(the summary's first sentence, as ``graphfraud query --list`` shows it) and its
parameters with their defaults (and an ``enum``'s values); a parameter without a default
is required.

Regenerate after adding a query or changing a header (from the checkout root)::

    python -m graphfraud.cypher.reference --write

``--check`` exits 1 when the page is out of date; ``tests/unit/test_doc_references.py``
fails until it is regenerated.

>>> "| `ring_detail` |" in render()
True
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from graphfraud.docgen import Block, cell
from graphfraud.docgen import main as generator_main

BLOCK = Block(Path("docs/cypher.md"), "graphfraud.cypher.reference", "QUERY TABLE",
              "edit the query files' headers")


def render() -> str:
    """The generated block: one row per built-in query, by name."""
    from graphfraud.store.queries import library

    rows = ["| query | question | parameters |", "| --- | --- | --- |"]
    for query in sorted(library().values(), key=lambda q: q.name):
        params = ", ".join((f"`{p.name}`" if p.required else f"`{p.name}`={_value(p.default)}")
                           + (f" (one of {', '.join(f'`{c}`' for c in p.choices)})"
                              if p.choices else "")
                           for p in query.params)
        rows.append(f"| `{query.name}` | {cell(query.question)} | {params} |")
    return "\n".join(rows) + "\n"


def _value(default: Any) -> str:
    """A parameter's default as the header spells it (strings quoted).

    >>> [_value(v) for v in (100, 0.5, "", True)]
    ['100', '0.5', '""', 'true']
    """
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, str):
        return json.dumps(default, ensure_ascii=False)
    return str(default)


def main(argv: list[str] | None = None) -> int:
    return generator_main(
        BLOCK, render,
        "Generate docs/cypher.md's query table from the query files' headers.", argv)


if __name__ == "__main__":
    sys.exit(main())
