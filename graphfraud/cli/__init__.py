"""The ``graphfraud`` command: a thin click layer over the library.

Commands only parse options, call the library and print. Heavy libraries are
imported inside the commands, so ``graphfraud --help`` answers at once.
"""

from __future__ import annotations

import os
import sys

import click

from graphfraud import __version__
from graphfraud.cli.batch import batch_cmd
from graphfraud.cli.check import check_cmd
from graphfraud.cli.data import load_cmd, synth_cmd, validate_cmd
from graphfraud.cli.evaluate import evaluate_cmd
from graphfraud.cli.query import query_cmd
from graphfraud.cli.scan import scan_cmd
from graphfraud.cli.serve import serve_cmd
from graphfraud.cli.server import neo4j_group
from graphfraud.cli.users import users_group
from graphfraud.cli.verdict import verdict_cmd
from graphfraud.errors import GraphFraudError
from graphfraud.terminal import shown


class _Group(click.Group):
    """Maps library errors onto the exit-code contract: 2 bad input/usage, 1 failure."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except GraphFraudError as e:
            # Messages quote their input (ids, file and column names): escaped.
            click.echo(f"error: {shown(e, lines=True)}", err=True)
            sys.exit(e.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as e:  # the neo4j driver's and everything unforeseen
            click.echo(f"error: {shown(_describe(e), lines=True)}", err=True)
            sys.exit(1)


def _describe(e: Exception) -> str:
    try:
        from neo4j.exceptions import DriverError, Neo4jError
    except ImportError:  # pragma: no cover
        return f"{type(e).__name__}: {e}"
    if isinstance(e, DriverError | Neo4jError):
        from graphfraud.store.connection import describe_error

        return describe_error(e)
    return f"{type(e).__name__}: {e}"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="graphfraud")
def cli() -> None:
    """Graph-based fraud ring detection for e-commerce risk teams.

    Build a graph of merchants, hosts, devices and payment accounts from an
    export, find coordinated rings, and report them with evidence.

    Example:

    \b
        graphfraud synth demo-data --seed 7
        graphfraud scan demo-data --out demo-out
    """


cli.add_command(synth_cmd)
cli.add_command(validate_cmd)
cli.add_command(load_cmd)
cli.add_command(scan_cmd)
cli.add_command(evaluate_cmd)
cli.add_command(query_cmd)
cli.add_command(batch_cmd)
cli.add_command(check_cmd)
cli.add_command(verdict_cmd)
cli.add_command(neo4j_group)
cli.add_command(serve_cmd)
cli.add_command(users_group)


def main() -> None:
    cli(prog_name="graphfraud")
