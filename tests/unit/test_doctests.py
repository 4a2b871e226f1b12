"""Every module of the installed package imports, and its doctests pass.

Why a test and not pytest's ``--doctest-modules``: that option collects the files under
the paths pytest is given, and the tests deliberately run against the installed package
(in site-packages), which only ``--pyargs graphfraud`` would reach; put into ``addopts``
it would add the whole package to every run, even ``pytest tests/unit/test_x.py``, and
would need the same arguments in every way the tests are started. This test runs
wherever the unit tests run, imports modules the normal way, and names the module that
fails.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import graphfraud


def _skip(name: str) -> None:
    """A package that fails to import is still listed: its own test shows the error."""


MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(graphfraud.__path__, "graphfraud.", onerror=_skip)
)


def _doctests(name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(name)
    return [t for t in doctest.DocTestFinder().find(module, name) if t.examples]


@pytest.mark.parametrize("name", ["graphfraud", *MODULES])
def test_doctests_pass(name: str) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    for test in _doctests(name):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def test_the_doctests_are_found() -> None:
    assert len(MODULES) > 30
    with_examples = {name for name in MODULES if _doctests(name)}
    assert {"graphfraud.report.redact", "graphfraud.cli.reference"} <= with_examples
