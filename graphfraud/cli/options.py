"""Option decorators shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


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
            help="Where to write the rejected rows (file, line, field, reason, value).",
        )(f)

    return decorate
