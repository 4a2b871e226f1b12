"""Option decorators shared by several commands, and defaults taken from the code.

An option whose default is a knob of the library (a field of a ``*Params`` dataclass, a
constant, a function's keyword default) does not repeat its value: it names where the
value lives with a :class:`Default`, which imports that module only when a command's
help or run needs the value (so ``graphfraud --help`` answers at once).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class Default:
    """A default kept in the library, looked up on first use.

    A click option takes one as its ``default`` (click calls it for the value; its
    help shows ``str()`` of it, the value's own text), or as the ``knob`` of a
    :class:`KnobOption`.

    >>> seed = scan_default("seed")
    >>> seed() == 42 and str(seed) == "42"
    True
    """

    def __init__(self, where: str, load: Callable[[], Any]):
        self.where = where
        self._load = load

    @cached_property
    def value(self) -> Any:
        return self._load()

    def __call__(self) -> Any:
        return self.value

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return f"Default({self.where})"


def _attribute(module: str, path: str) -> Any:
    found: Any = importlib.import_module(module)
    for name in path.split("."):
        found = getattr(found, name)
    return found


def scan_default(knob: str) -> Default:
    """The default of a scan knob by its flat name (``hub_degree``, ``seed``...), as
    :meth:`graphfraud.pipeline.ScanParams.as_dict` names the fields of the ``*Params``
    dataclasses it gathers."""

    def load() -> Any:
        from graphfraud.pipeline import ScanParams

        return ScanParams().as_dict()[knob]

    return Default(f"graphfraud.pipeline:ScanParams {knob}", load)


def field_default(module: str, dataclass: str, field: str) -> Default:
    """The default of a dataclass field (``SparkEngine.max_task``)."""

    def load() -> Any:
        owner = _attribute(module, dataclass)
        spec = next(f for f in dataclasses.fields(owner) if f.name == field)
        if spec.default_factory is not dataclasses.MISSING:
            return spec.default_factory()
        return spec.default

    return Default(f"{module}:{dataclass}.{field}", load)


def argument_default(module: str, function: str, argument: str) -> Default:
    """The default of a function's argument (``LocalServer.start`` ``timeout``)."""

    def load() -> Any:
        parameter = inspect.signature(_attribute(module, function)).parameters[argument]
        return parameter.default

    return Default(f"{module}:{function}({argument})", load)


def constant(module: str, name: str) -> Default:
    """A module's constant (``DEFAULT_BATCH_SIZE``)."""
    return Default(f"{module}:{name}", lambda: _attribute(module, name))


class KnobOption(click.Option):
    """An option without a default of its own (the library's applies) whose help names
    that default: ``{default}`` in the help text reads ``str(knob)`` when the help is
    shown."""

    def __init__(self, *args: Any, knob: Default, **kwargs: Any):
        self.knob = knob
        super().__init__(*args, **kwargs)

    @property
    def help(self) -> str | None:
        text = self._help_text
        return None if text is None else text.replace("{default}", str(self.knob))

    @help.setter
    def help(self, text: str | None) -> None:
        self._help_text = text


def quiet_option(f: F) -> F:
    return click.option(
        "--quiet", "-q", is_flag=True, help="No progress output on stderr."
    )(f)


def mapping_option(f: F) -> F:
    """``--mapping`` and ``--encoding``: how to read an export that is not in contract form."""
    f = click.option(
        "--encoding",
        metavar="CODEC",
        help="Text encoding of the CSV files, e.g. gb18030 for a GBK export "
        "[utf-8, or the mapping file's].",
    )(f)
    return click.option(
        "--mapping",
        type=click.Path(exists=True, dir_okay=False),
        help="TOML file mapping the export's file and column names onto the contract.",
    )(f)


def rejects_option(default: str) -> Callable[[F], F]:
    def decorate(f: F) -> F:
        return click.option(
            "--rejects",
            type=click.Path(dir_okay=False, writable=True),
            default=default,
            show_default=True,
            callback=_existing_folder,
            help="Where to write the rejected rows (file, line, field, reason, value); "
            "its folder must exist.",
        )(f)

    return decorate


def _existing_folder(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """``--rejects``: a file in a folder that exists (a typo must not create folders)."""
    from pathlib import Path

    from graphfraud.errors import UsageError

    folder = Path(value).parent
    if not folder.is_dir():
        raise UsageError(f"--rejects {value}: the folder {folder} does not exist (create it "
                         "first; graphfraud does not make it)")
    return value
