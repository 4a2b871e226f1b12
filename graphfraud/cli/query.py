"""``graphfraud query``: run a named investigator query from the Cypher library."""

from __future__ import annotations

import io
import json
from typing import Any

import click

from graphfraud import spreadsheet
from graphfraud.errors import UsageError
from graphfraud.terminal import shown


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) or any(
            isinstance(v, list | dict) for v in value) else ", ".join(str(v) for v in value)
    else:
        text = str(value)
    return shown(text)  # control characters escaped, line breaks included


def display_width(text: str) -> int:
    """Terminal columns of ``text``: East Asian wide and full-width characters take two.

    >>> display_width("乡村直营"), display_width("abc")
    (8, 3)
    """
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


#: A table wider than this (terminal columns) is printed one record at a time instead.
TABLE_WIDTH = 160


def _table(keys: list[str], rows: list[list[Any]]) -> str:
    """Rows as aligned columns, nothing cut; a result too wide for that, or a single
    row, is printed vertically (one ``key: value`` line per column)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([display_width(k)] + [display_width(r[i]) for r in cells])
              for i, k in enumerate(keys)]
    count = f"({len(rows)} row{'s' if len(rows) != 1 else ''})"
    if len(rows) == 1 or sum(widths) + 2 * len(widths) > TABLE_WIDTH:
        label = max(display_width(k) for k in keys) if keys else 0
        blocks = []
        for i, row in enumerate(cells, start=1):
            head = [f"-- record {i}"] if len(rows) > 1 else []
            blocks.append("\n".join(head + [f"{_pad(k, label)}  {v}"
                                             for k, v in zip(keys, row, strict=True)]))
        return "\n".join([*blocks, count])
    lines = ["  ".join(_pad(k, w) for k, w in zip(keys, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in cells]
    lines.append(count)
    return "\n".join(lines)


def _csv(keys: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    writer.writerow(keys)
    for row in rows:
        writer.writerow([json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict)
                         else ("" if v is None else v) for v in row])
    return out.getvalue().rstrip("\n")


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"parameter {pair!r} must look like name=value")
        values[name.strip()] = value
    return values


@click.command("query")
@click.argument("name", required=False)
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter (repeatable); values are typed by the query.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output format.")
@click.option("--list", "list_only", is_flag=True, help="List the queries and exit.")
@click.option("--dir", "query_dir", type=click.Path(file_okay=False), envvar="GRAPHFRAUD_QUERY_DIR",
              help="A directory of your own .cypher queries (same header format) "
              "[env: GRAPHFRAUD_QUERY_DIR].")
def query_cmd(name: str | None, params: tuple[str, ...], fmt: str, list_only: bool,
              query_dir: str | None) -> None:
    """Run a named, parameterised, read-only investigator query.

    Queries run in a READ session: a query that tries to write is refused by the
    server. Connection as for `graphfraud load`; the server asked is named on
    stderr (never a password). A parameter with a closed set of values (`--list`
    shows them) is checked before connecting.

    Example:

        graphfraud query --list

        graphfraud query merchant_profile -p merchant_id=004512349

        graphfraud query top_rings -p limit=10 --format json
    """
    from graphfraud.store.queries import bind, library, run_query

    queries = library(query_dir)
    if list_only or not name:
        if not list_only:
            raise UsageError("name a query (see `graphfraud query --list`)")
        width = max(len(n) for n in queries)
        for q in sorted(queries.values(), key=lambda q: q.name):
            args = " ".join(f"{p.name}=<{p.shape}>" if p.required
                            else f"[{p.name}={p.shape}]" if p.choices
                            else f"[{p.name}={p.default}]" for p in q.params)
            click.echo(shown(f"{q.name.ljust(width)}  {q.question}"))
            click.echo(shown(f"{''.ljust(width)}  params: {args or 'none'}"))
        return
    if name not in queries:
        raise UsageError(f"no query named {name!r} (see `graphfraud query --list`)")
    query = queries[name]
    values = bind(query, _parse_params(params))

    from graphfraud.server.local import connection_settings
    from graphfraud.store.connection import store_errors

    settings = connection_settings()
    # Which server answers: another one on the default port must not pass unnoticed.
    click.echo(shown(f"asking {settings.describe()}"), err=True)
    with store_errors(settings, f"query {name}"), settings.driver() as driver:
        driver.verify_connectivity()
        keys, rows = run_query(driver, query, values, database=settings.database)
    if fmt == "json":
        click.echo(json.dumps([dict(zip(keys, row, strict=True)) for row in rows],
                              ensure_ascii=False, indent=1))
    elif fmt == "csv":
        click.echo(_csv(keys, rows))
    else:
        click.echo(_table(keys, rows))
    if not rows and values:
        required = {p.name for p in query.params if p.required}
        given = ", ".join(f"{k}={v}" for k, v in values.items() if k in required)
        if given:
            click.echo(shown(f"nothing found for {given}: check the id (ids are exact, "
                             "case-sensitive strings)"), err=True)
