"""``graphfraud verdict``: record, list, export and import analysts' decisions."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from graphfraud import spreadsheet
from graphfraud.errors import UsageError
from graphfraud.terminal import shown

if TYPE_CHECKING:
    from graphfraud.store.verdicts import Target


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
@click.argument("decision", required=False,
                type=click.Choice(["confirm", "dismiss", "needs-info", "assign"]))
@click.option("--note", default="", help="Why (required when recording a decision; "
              "optional for assign).")
@click.option("--analyst", help="Who decides or assigns [GRAPHFRAUD_ANALYST, else the "
              "login name].")
@click.option("--to", "assignee", help="assign: the analyst who takes the ring ('' for no "
              "one).")
@click.option("--clear-blacklisted", is_flag=True,
              help="Dismiss a ring although some of its members are blacklisted (their "
              "labels become legit; each member's verdict keeps the label it replaced). "
              "Without it, such a dismissal is refused.")
@click.option("--history", "show_history", is_flag=True,
              help="List every verdict about TARGET, oldest first: analysts' decisions, "
              "a ring's assignments and the label events loaded from labels.csv.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False),
              help="Write every entity's latest analyst verdict as a labels.csv.")
@click.option("--import", "import_path", type=click.Path(exists=True, dir_okay=False),
              help="Record the rows of a labels.csv as verdicts (fraud = confirm, "
              "legit = dismiss).")
def verdict_cmd(target: str | None, decision: str | None, note: str, analyst: str | None,
                assignee: str | None, clear_blacklisted: bool, show_history: bool,
                export_path: str | None, import_path: str | None) -> None:
    """Record an investigator's decision about a ring or an entity, or assign a ring.

    TARGET is a ring id (R-…) or TYPE:ID (merchant:…, streamer:…, device:…,
    payment_account:…). `confirm` makes the target (a ring: each of its current
    members) known fraud for the next scan; `dismiss` makes it legit, and a dismissed
    ring is not alerted again unless it changes materially. `needs-info` records that
    more information is needed (the note says what): no label changes, and it becomes
    the ring's latest decision in the case queue. `assign --to NAME` gives a ring to an
    analyst. Every verdict and assignment is kept: who, when, why, and for a ring its
    members at that moment.

    Example:

    \b
        graphfraud verdict R-07f965228d78 confirm --note "same phones as case 2291"
        graphfraud verdict merchant:004512349 dismiss --note "franchise, checked licence"
        graphfraud verdict R-07f965228d78 needs-info --note "ask the bank who owns w2c8"
        graphfraud verdict R-07f965228d78 assign --to li --note "she has case 2291"
        graphfraud verdict R-07f965228d78 --history
    """
    from graphfraud.server.local import connection_settings
    from graphfraud.store.connection import store_errors
    from graphfraud.store.verdicts import latest_entity_verdicts, parse_target

    modes = sum([bool(decision), show_history, bool(export_path), bool(import_path)])
    if modes != 1:
        raise UsageError("give TARGET confirm|dismiss|needs-info --note …, TARGET assign "
                         "--to NAME, or TARGET --history, or --export FILE, or --import FILE")
    if (decision or show_history) and not target:
        raise UsageError("name the ring or entity (TARGET)")
    if decision == "assign":
        if assignee is None:
            raise UsageError("assign needs the analyst who takes the ring: --to NAME")
        if parse_target(target or "").type != "ring":
            raise UsageError("only a ring can be assigned: give its id (R-…)")
    elif assignee is not None:
        raise UsageError("--to goes with assign only")
    settings = connection_settings()
    with store_errors(settings, "verdict"), settings.driver() as driver:
        driver.verify_connectivity()
        if decision and target:
            _record(driver, settings.database, parse_target(target), decision, note,
                    _analyst(analyst), assignee or "", clear_blacklisted)
        elif show_history and target:
            _history(driver, settings.database, target)
        elif export_path:
            _export(latest_entity_verdicts(driver, database=settings.database),
                    Path(export_path))
        elif import_path:
            _import(driver, Path(import_path), _analyst(analyst), settings.database)


def _record(driver: Any, database: str, target: Target, decision: str, note: str,
            analyst: str, assignee: str, clear_blacklisted: bool) -> None:
    """Record one decision or assignment and say what it did."""
    from graphfraud.store.verdicts import NEEDS_INFO, record_assignment, record_verdict

    if decision == "assign":
        done = record_assignment(driver, target.id, assignee, by=analyst, note=note,
                                 database=database)
        whom = f"assigned to {done['assignee']}" if done["assignee"] else "unassigned"
        was = f" (was {done['previous']})" if done["previous"] else ""
        click.echo(shown(f"{done['verdict_id']}: {target.id} {whom} by {done['by']} at "
                         f"{done['at']}{was}"))
        return
    recorded = record_verdict(driver, target, decision, note=note, analyst=analyst,
                              database=database, clear_blacklisted=clear_blacklisted)
    if decision == NEEDS_INFO:
        click.echo(shown(f"{recorded.verdict_id}: {recorded.target} needs-info by "
                         f"{recorded.analyst} at {recorded.at}: recorded, no label changes"))
        return
    what = f"{recorded.members} members" if recorded.target.type == "ring" else "it"
    click.echo(shown(f"{recorded.verdict_id}: {recorded.target} {recorded.decision}ed by "
                     f"{recorded.analyst} at {recorded.at}; {what} now count as "
                     f"{recorded.label}"))
    if recorded.overturned:
        was = "fraud (blacklisted)" if recorded.label == "legit" else "legit (cleared)"
        click.echo(f"warning: {recorded.overturned} of them were labelled {was} before; "
                   f"this verdict replaces that label (the history keeps both)", err=True)


def _history(driver: Any, database: str, target: str) -> None:
    """Print every verdict about ``target``, oldest first."""
    from graphfraud.store.verdicts import history, parse_target

    rows = history(driver, parse_target(target), database=database)
    if not rows:
        click.echo(shown(f"no verdicts about {target}"))
    for r in rows:
        when = r["at"] or "(no date)"
        if r["decision"] == "label":  # an event of the export's labels.csv
            click.echo(shown(f"{when}  {'label':<8} {r['label']} from "
                             f"{r['source'] or 'labels.csv'} (loaded from the export)"))
            continue
        if r["decision"] == "assign":
            why = f": {r['note']}" if r.get("note") else ""
            click.echo(shown(f"{when}  {'assign':<8} {r['analyst']} -> "
                             f"{r.get('assignee') or '(no one)'}{why}"))
            continue
        via = f" (via ring {r['via_ring']})" if r.get("via_ring") else ""
        members = f" [{len(r['members'])} members]" if r.get("members") else ""
        was = ""
        if r.get("replaced") and r["replaced"] != r["label"]:
            was = f" [replaced {r['replaced']}" + (
                f" from {r['replaced_source']}]" if r.get("replaced_source") else "]")
        click.echo(shown(f"{when}  {r['decision']:<8} {r['analyst']}{via}{members}"
                         f"{was}: {r['note']}"))


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

