"""No import cycle in the package: the module graph, read from the source, is acyclic.

Every ``import`` and ``from ... import`` of a ``graphfraud`` module counts, at module
level and inside functions (a lazy import runs too, only later); ``from package import
name`` where ``name`` is a submodule imports that submodule. Imports under ``if
TYPE_CHECKING:`` are left out: they never run. A package's ``__init__`` is its own node,
reached only by importing the package itself (``from graphfraud.spark import
SparkEngine``), not by importing one of its submodules.
"""

from __future__ import annotations

import ast
from itertools import pairwise
from pathlib import Path

import pytest

import graphfraud

PACKAGE = Path(graphfraud.__file__).parent
ROOT = "graphfraud"

#: module -> {imported module: where (file:line)}
Graph = dict[str, dict[str, str]]


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """``graphfraud.spark.engine`` for ``.../graphfraud/spark/engine.py``; a package's
    ``__init__.py`` is the package."""
    parts = [ROOT, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement of the tree outside ``if TYPE_CHECKING:`` bodies."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)  # the `else:` branch does run
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


def _targets(node: ast.Import | ast.ImportFrom, here: str, is_package: bool,
             modules: set[str]) -> list[str]:
    """The package's modules one import statement loads by name."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in modules]
    base = node.module or ""
    if node.level:  # relative: from the module's package, one level up per extra dot
        anchor = here.split(".") if is_package else here.split(".")[:-1]
        anchor = anchor[:len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    out = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        if sub in modules:
            out.append(sub)
        elif base in modules:
            out.append(base)
    return out


def import_graph(package: Path = PACKAGE) -> Graph:
    """Each module of the package and the package modules it imports at run time."""
    paths = sorted(package.rglob("*.py"))
    modules = {module_name(p, package): p for p in paths}
    graph: Graph = {name: {} for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text("utf-8"), str(path))
        is_package = path.name == "__init__.py"
        for node in _runtime_imports(tree):
            for target in _targets(node, name, is_package, set(modules)):
                if target != name:
                    where = f"{path.relative_to(package.parent)}:{node.lineno}"
                    graph[name].setdefault(target, where)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) through each strongly connected group of modules
    that has one, by Tarjan's algorithm (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return [_cycle_in(graph, set(group)) for group in sorted(groups)]


def _cycle_in(graph: Graph, group: set[str]) -> list[str]:
    """A shortest cycle through the group's first module (breadth-first)."""
    start = min(group)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child not in group:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle in {sorted(group)}")  # pragma: no cover


def describe(graph: Graph, cycle: list[str]) -> str:
    """``a -> b (graphfraud/a.py:12) -> a (graphfraud/b.py:40)``."""
    steps = [cycle[0]]
    for a, b in pairwise(cycle):
        steps.append(f"{b} ({graph[a][b]})")
    return " -> ".join(steps)


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    found = [describe(graph, c) for c in cycles(graph)]
    if found:
        pytest.fail("import cycles (runtime imports, lazy ones included):\n  "
                    + "\n  ".join(found), pytrace=False)


def test_the_store_never_imports_the_server() -> None:
    """The local server uses the store for its Neo4j I/O, never the other way round."""
    graph = import_graph()
    bad = [f"{module} imports {target} ({where})"
           for module, targets in graph.items() if module.startswith(f"{ROOT}.store")
           for target, where in targets.items() if target.startswith(f"{ROOT}.server")]
    assert bad == []


def test_the_graph_sees_lazy_submodule_and_relative_imports(tmp_path: Path) -> None:
    package = tmp_path / ROOT
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from graphfraud.sub.b import thing\n")
    (package / "sub" / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from graphfraud import c\n"
        "else:\n    import graphfraud.c\n"
        "def f():\n    from graphfraud.sub import b\n")
    (package / "sub" / "b.py").write_text("from . import a\nthing = 1\n")
    (package / "c.py").write_text("from .sub import b as _\n")
    graph = import_graph(package)
    assert {k: sorted(v) for k, v in graph.items()} == {
        "graphfraud": [], "graphfraud.c": ["graphfraud.sub.b"],
        "graphfraud.sub": ["graphfraud.sub.b"],
        "graphfraud.sub.a": ["graphfraud.c", "graphfraud.sub.b"],
        "graphfraud.sub.b": ["graphfraud.sub.a"]}
    assert cycles(graph) == [["graphfraud.c", "graphfraud.sub.b", "graphfraud.sub.a",
                              "graphfraud.c"]]
    assert describe(graph, cycles(graph)[0]).startswith(
        "graphfraud.c -> graphfraud.sub.b (graphfraud/c.py:1) -> ")
