"""``graphfraud verdict``: record, list, export and import analysts' decisions."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click

from graphfraud import spreadsheet
from graphfraud.errors import UsageError
from graphfraud.terminal import shown


def _analyst(given: str | None) -> str:
    if given:
        return given
    if os.environ.get("GRAPHFRAUD_ANALYST"):
        return os.environ["GRAPHFRAUD_ANALYST"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return ""


@click.command("verdict")
@click.argument("target", required=False)
@click.argument("decision", required=False, type=click.Choice(["confirm", "dismiss"]))
@click.option("--note", default="", help="Why (required when recording).")
@click.option("--analyst", help="Who decides [GRAPHFRAUD_ANALYST, else the login name].")
@click.option("--clear-blacklisted", is_flag=True,
              help="Dismiss a ring although some of its members are blacklisted (their "
              "labels become legit; each member's verdict keeps the label it replaced). "
              "Without it, such a dismissal is refused.")
@click.option("--history", "show_history", is_flag=True,
              help="List every verdict about TARGET, oldest first: analysts' decisions "
              "and the label events loaded from labels.csv.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False),
              help="Write every entity's latest analyst verdict as a labels.csv.")
@click.option("--import", "import_path", type=click.Path(exists=True, dir_okay=False),
              help="Record the rows of a labels.csv as verdicts (fraud = confirm, "
              "legit = dismiss).")
def verdict_cmd(target: str | None, decision: str | None, note: str, analyst: str | None,
                clear_blacklisted: bool, show_history: bool, export_path: str | None,
                import_path: str | None) -> None:
    """Record an investigator's decision about a ring or an entity.

    TARGET is a ring id (R-…) or TYPE:ID (merchant:…, streamer:…, device:…,
    payment_account:…). `confirm` makes the target (a ring: each of its current
    members) known fraud for the next scan; `dismiss` makes it legit, and a dismissed
    ring is not alerted again unless it changes materially. Every verdict is kept:
    who, when, why, and for a ring its members at that moment.

    Example:

    \b
        graphfraud verdict R-07f965228d78 confirm --note "same phones as case 2291"
        graphfraud verdict merchant:004512349 dismiss --note "franchise, checked licence"
        graphfraud verdict R-07f965228d78 --history
    """
    from graphfraud.server.local import connection_settings
    from graphfraud.store.connection import store_errors
    from graphfraud.store.verdicts import (
        history,
        latest_entity_verdicts,
        parse_target,
        record_verdict,
    )

    modes = sum([bool(decision), show_history, bool(export_path), bool(import_path)])
    if modes != 1:
        raise UsageError("give TARGET confirm|dismiss --note …, or TARGET --history, "
                         "or --export FILE, or --import FILE")
    if (decision or show_history) and not target:
        raise UsageError("name the ring or entity (TARGET)")
    settings = connection_settings()
    with store_errors(settings, "verdict"), settings.driver() as driver:
        driver.verify_connectivity()
        if decision and target:
            done = record_verdict(driver, parse_target(target), decision, note=note,
                                  analyst=_analyst(analyst), database=settings.database,
                                  clear_blacklisted=clear_blacklisted)
            what = f"{done.members} members" if done.target.type == "ring" else "it"
            click.echo(shown(f"{done.verdict_id}: {done.target} {done.decision}ed by "
                             f"{done.analyst} at {done.at}; {what} now count as {done.label}"))
            if done.overturned:
                was = "fraud (blacklisted)" if done.label == "legit" else "legit (cleared)"
                click.echo(f"warning: {done.overturned} of them were labelled {was} before; "
                           f"this verdict replaces that label (the history keeps both)",
                           err=True)
        elif show_history and target:
            rows = history(driver, parse_target(target), database=settings.database)
            if not rows:
                click.echo(shown(f"no verdicts about {target}"))
            for r in rows:
                when = r["at"] or "(no date)"
                if r["decision"] == "label":  # an event of the export's labels.csv
                    click.echo(shown(f"{when}  {'label':<8} {r['label']} from "
                                     f"{r['source'] or 'labels.csv'} (loaded from the export)"))
                    continue
                via = f" (via ring {r['via_ring']})" if r.get("via_ring") else ""
                members = f" [{len(r['members'])} members]" if r.get("members") else ""
                was = ""
                if r.get("replaced") and r["replaced"] != r["label"]:
                    was = f" [replaced {r['replaced']}" + (
                        f" from {r['replaced_source']}]" if r.get("replaced_source") else "]")
                click.echo(shown(f"{when}  {r['decision']:<8} {r['analyst']}{via}{members}"
                                 f"{was}: {r['note']}"))
        elif export_path:
            _export(latest_entity_verdicts(driver, database=settings.database),
                    Path(export_path))
        elif import_path:
            _import(driver, Path(import_path), _analyst(analyst), settings.database)


def _export(rows: list[dict[str, object]], path: Path) -> None:
    """Write the latest verdicts as a labels.csv, its cells guarded against formulas.

    The last column marks the file as ours: ``--import`` undoes the guard of its cells
    only (:func:`graphfraud.spreadsheet.written_by_graphfraud`).
    """
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = spreadsheet.writer(fh)
        writer.writerow(["entity_type", "entity_id", "label", "source", "labeled_at",
                         spreadsheet.WRITTEN_BY])
        for r in rows:
            writer.writerow([r["entity_type"], r["entity_id"], r["label"], r["source"],
                             r["labeled_at"], spreadsheet.GRAPHFRAUD])
    click.echo(shown(f"{len(rows)} verdicts written to {path}"))


def _import(driver: object, path: Path, analyst: str, database: str) -> None:
    """Record each valid row of a labels.csv; bad rows and unknown targets are listed."""
    import pandas as pd

    from graphfraud.loaders.mapping import Mapping
    from graphfraud.loaders.reader import read_table
    from graphfraud.loaders.spec import contract
    from graphfraud.store.verdicts import Target, record_verdict

    table, report, rejects = read_table(path, contract()["labels"], mapping=Mapping(),
                                        known={}, file_of={})
    recorded = missing = 0
    # Only a file --export wrote has cells we guarded against formulas: undo their
    # quote there; any other file's ids are taken verbatim (an id "'-2+3" is that id).
    ours = spreadsheet.written_by_graphfraud(path)
    unguard = spreadsheet.unquote if ours else str
    for row in table.to_dict("records"):
        source = unguard(row["source"]) if isinstance(row["source"], str) else ""
        who = source.removeprefix("analyst:") if source.startswith("analyst:") else analyst
        stamp = row["labeled_at"]
        when = stamp.to_pydatetime() if isinstance(stamp, pd.Timestamp) else None
        target = Target(str(row["entity_type"]), unguard(str(row["entity_id"])))
        try:
            record_verdict(driver, target,  # type: ignore[arg-type]
                           "confirm" if row["label"] == "fraud" else "dismiss",
                           note=f"imported from {path.name}" + (f" ({source})" if source else ""),
                           analyst=who or analyst, database=database, at=when)
            recorded += 1
        except UsageError as e:
            missing += 1
            click.echo(shown(f"{path.name}: {target}: {e}"), err=True)
    for r in rejects:
        click.echo(shown(f"{r.file}: line {r.line}: {r.field}: {r.reason}"), err=True)
    click.echo(shown(f"{recorded} verdicts recorded from {path}; {missing} not in the graph, "
                     f"{report.rejected} rows rejected"))

