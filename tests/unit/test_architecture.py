"""Structure the architecture page promises, checked on the installed package."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import graphfraud

PACKAGE = Path(graphfraud.__file__).parent
SOURCES = sorted(PACKAGE.rglob("*.py"))
DRIVER_CALLS = re.compile(r"\.execute_query\(|\.session\(|GraphDatabase|\btx\.run\(")


def test_only_the_store_talks_to_the_neo4j_driver() -> None:
    offenders = [str(p.relative_to(PACKAGE)) for p in SOURCES
                 if p.relative_to(PACKAGE).parts[0] != "store"
                 and DRIVER_CALLS.search(p.read_text("utf-8"))]
    assert offenders == []


def test_no_function_is_longer_than_eighty_lines() -> None:
    # (ruff's complexity and statement limits, pyproject.toml, catch growth earlier)
    long = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > 80:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.name} ({lines})")
    assert long == []


def test_no_module_imports_a_private_name_of_another_package() -> None:
    bad = []
    for path in SOURCES:
        here = ".".join(path.relative_to(PACKAGE).parts[:-1])
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "graphfraud."):
                other = ".".join(node.module.split(".")[1:-1])  # type: ignore[union-attr]
                private = [a.name for a in node.names if a.name.startswith("_")]
                if private and other != here:
                    bad.append(f"{path.relative_to(PACKAGE)} imports {private} from "
                               f"{node.module}")
    assert bad == []
