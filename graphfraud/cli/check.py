"""``graphfraud check``: a new merchant's identifiers against rings and blacklists."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from graphfraud.errors import InputError, UsageError


@click.command("check")
@click.option("--merchant-id", default="(new merchant)", help="Name of the applicant.")
@click.option("--device", "devices", multiple=True, help="A device id (repeatable).")
@click.option("--account", "accounts", multiple=True,
              help="A payment account id (repeatable).")
@click.option("--streamer", "streamers", multiple=True,
              help="A host who will promote the shop (repeatable).")
@click.option("--json", "json_input", type=click.File("rb"),
              help="Applicants as JSON: one object, or one object per line ('-' for stdin), "
              "each line answered as it arrives, a bad one with {\"error\": ...}; at most "
              "64 KiB a line; fields merchant_id, devices, accounts, streamers.")
@click.option("--index", "index_dir", type=click.Path(file_okay=False),
              help="A scan output directory: check against its check-index.parquet.")
@click.option("--neo4j", "use_neo4j", is_flag=True,
              help="Check against the graph in Neo4j (the latest complete run's rings).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def check_cmd(merchant_id: str, devices: tuple[str, ...], accounts: tuple[str, ...],
              streamers: tuple[str, ...], json_input: Any, index_dir: str | None,
              use_neo4j: bool, fmt: str) -> None:
    """Score a new merchant by what its identifiers touch, and recommend.

    Answers: a risk score (0-1), the known rings and blacklisted actors it touches
    and through which device, account or host, and allow / review / block with the
    reasons, each naming the analysts' decisions it rests on (confirmed, dismissed,
    more information requested: who, when, why); a shop the graph already holds is
    also weighed by its own label and rings; and the declared organisations
    (organizations.csv) the merchant and its hosts belong to. With --json, each line of
    input gets one line of JSON output, so an onboarding service can keep one process
    open.

    Example:

    \b
        graphfraud check --index demo-out --device 139d25c56d469538 \\
            --account w2c8e21fb9e7d0102
        echo '{"devices": ["139d25c56d469538"]}' | graphfraud check --neo4j --json -
    """

    if bool(index_dir) == use_neo4j:
        raise UsageError("give either --index OUT_DIR or --neo4j")
    if json_input is not None and (devices or accounts or streamers):
        raise UsageError("give identifiers either as flags or as --json, not both")

    if index_dir:
        from graphfraud.check.index import CheckIndex

        index = CheckIndex.load(index_dir)
        _serve(index.check, json_input, fmt, merchant_id, devices, accounts, streamers)
        return
    from graphfraud.server.local import connection_settings
    from graphfraud.store.check import check
    from graphfraud.store.connection import store_errors

    settings = connection_settings()
    with store_errors(settings, "check"), settings.driver() as driver:
        driver.verify_connectivity()
        _serve(lambda a: check(driver, a, database=settings.database,
                               source=settings.describe()),
               json_input, fmt, merchant_id, devices, accounts, streamers)


def _serve(run: Any, json_input: Any, fmt: str, merchant_id: str, devices: tuple[str, ...],
           accounts: tuple[str, ...], streamers: tuple[str, ...]) -> None:
    from graphfraud.check.assess import Applicant

    if json_input is None:
        try:
            applicant = Applicant.from_dict({"merchant_id": merchant_id,
                                             "devices": list(devices),
                                             "accounts": list(accounts),
                                             "streamers": list(streamers)})
        except ValueError as e:
            raise UsageError(str(e)) from e
        _print(run(applicant), fmt)
        return
    from graphfraud.check.stream import serve, single_document
    from graphfraud.terminal import shown

    name = shown(getattr(json_input, "name", "<stdin>")).replace("<stdin>", "stdin")
    try:
        prefix, applicant = single_document(json_input)
    except ValueError as e:
        raise InputError(f"{name}: {e}") from e
    if applicant is not None:
        _echo(json.dumps(run(applicant).as_dict(), ensure_ascii=False))
        return
    # A stream (one applicant per line) is a service: each line is answered as it
    # arrives, one bad line gets one error line, and the next line is answered.
    try:
        serve(json_input, run, _echo, prefix)
    except InputError as e:
        raise InputError(f"{name}: {e}") from e


def _echo(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


def _print(result: Any, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
        return
    from graphfraud.terminal import shown  # ids and names are escaped for the terminal

    click.echo(shown(f"{result.merchant_id}: {result.recommendation.upper()} (risk "
                     f"{result.score:.2f}, {result.seconds * 1000:.1f} ms, {result.source})"))
    for r in result.reasons:
        click.echo(shown(f"  {r.action:<6} {r.weight:.2f}  {r.text}"))
    for declared in result.organizations:
        click.echo(shown(f"  declared: {declared.text()}"))
    unknown = [t for t in result.touches if not t.known]
    if unknown:
        click.echo(shown("  not in the graph: " + ", ".join(f"{t.type} {t.id}"
                                                            for t in unknown)))
    if not result.reasons:
        click.echo("  nothing known touches these identifiers")
