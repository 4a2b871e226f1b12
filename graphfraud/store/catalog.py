"""Load Cypher statements from the installed ``graphfraud.cypher`` package by name.

A name is the path below ``cypher/`` without the suffix, e.g. ``"load/merchants"``.
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
    """Every statement name in one group (``schema``, ``load``, ...), sorted."""
    folder = _root().joinpath(group)
    if not folder.is_dir():
        return []
    return sorted(
        f"{group}/{entry.name[: -len('.cypher')]}"
        for entry in folder.iterdir()
        if entry.name.endswith(".cypher")
    )
