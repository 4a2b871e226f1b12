"""Load Cypher statements from the installed ``graphfraud.cypher`` package by name.

A name is the path below ``graphfraud/cypher/`` without the suffix, e.g.
``"writer/load/merchants"``. Each top-level folder is named after the module that reads
it: ``writer/`` (schema, load, remove, upgrade) for :mod:`graphfraud.store.writer`,
``reader/`` for :mod:`graphfraud.store.reader`, ``queries/`` for the investigator queries
of :mod:`graphfraud.store.queries`, and so on.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.abc import Traversable

from graphfraud.errors import GraphFraudError

_ROOT = "graphfraud.cypher"


def _root() -> Traversable:
    return resources.files(_ROOT)


@cache
def statement(name: str) -> str:
    """The text of one statement.

    Raises
    ------
    GraphFraudError
        If no file of that name ships with the package.
    """
    *folders, leaf = name.split("/")
    node = _root().joinpath(*folders, f"{leaf}.cypher")
    if not node.is_file():
        raise GraphFraudError(f"no Cypher statement named {name!r}")
    return node.read_text("utf-8")


def names(group: str) -> list[str]:
    """Every statement name in one folder (``writer/schema``, ``queries``, ...), sorted;
    only the folder's own files, not those of its subfolders."""
    folder = _root().joinpath(*group.split("/"))
    if not folder.is_dir():
        return []
    return sorted(
        f"{group}/{entry.name[: -len('.cypher')]}"
        for entry in folder.iterdir()
        if entry.name.endswith(".cypher")
    )


def all_names() -> list[str]:
    """Every statement that ships with the package, sorted."""
    found: list[str] = []

    def walk(node: Traversable, prefix: str) -> None:
        for entry in node.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".cypher"):
                found.append(prefix + entry.name[: -len(".cypher")])

    walk(_root(), "")
    return sorted(found)
