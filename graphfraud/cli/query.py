"""``graphfraud query``: run a named investigator query from the Cypher library."""

from __future__ import annotations

import io
import json
from typing import Any

import click

from graphfraud import spreadsheet
from graphfraud.errors import UsageError


def _cell(value: Any, width: int = 60) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) or any(
            isinstance(v, list | dict) for v in value) else ", ".join(str(v) for v in value)
    else:
        text = str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(keys: list[str], rows: list[list[Any]]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(k)] + [len(r[i]) for r in cells]) for i, k in enumerate(keys)]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
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
    server. Connection as for `graphfraud load`.

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
            args = " ".join(f"{p.name}=<{p.type}>" if p.required else f"[{p.name}]"
                            for p in q.params)
            click.echo(f"{q.name.ljust(width)}  {q.summary.split('. ')[0].rstrip('.')}")
            click.echo(f"{''.ljust(width)}  params: {args or 'none'}")
        return
    if name not in queries:
        raise UsageError(f"no query named {name!r} (see `graphfraud query --list`)")
    query = queries[name]
    values = bind(query, _parse_params(params))

    from graphfraud.store.connection import Neo4jSettings, store_errors

    settings = Neo4jSettings.from_env()
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
