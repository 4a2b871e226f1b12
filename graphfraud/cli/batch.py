"""``graphfraud batch``: the job a scheduler runs."""

from __future__ import annotations

from pathlib import Path

import click

from graphfraud.cli.data import progress_printer
from graphfraud.cli.options import constant, mapping_option, quiet_option, scan_default


@click.command("batch")
@click.argument("exports", type=click.Path(exists=True, file_okay=False))
@click.option("--runs", "runs_dir", type=click.Path(file_okay=False), required=True,
              help="Directory of dated run directories (and the lock and load state).")
@click.option("--follow-runs-link", is_flag=True,
              help="Write into --runs even when it is a symbolic link (refused otherwise: "
              "whoever can change the link would choose where the files go).")
@click.option("--seed", type=int, default=scan_default("seed"), show_default=True,
              help="Random seed.")
@click.option("--batch-size", type=click.IntRange(min=1),
              default=constant("graphfraud.store.writer", "DEFAULT_BATCH_SIZE"),
              show_default=True,
              help="Rows per write transaction.")
@click.option("--excel", is_flag=True,
              help="Write each run's rings.csv with a UTF-8 byte order mark, for Excel "
              "(see `graphfraud scan --excel`).")
@mapping_option
@quiet_option
def batch_cmd(exports: str, runs_dir: str, follow_runs_link: bool, seed: int,
              batch_size: int, excel: bool, mapping: str | None, encoding: str | None,
              quiet: bool) -> None:
    """Load the newest export into Neo4j, scan, write rings back, report, alert.

    EXPORTS is an export directory, or a directory of dated export directories of
    which the newest (by name) is taken. Each run gets RUNS/<time>_<export>/ with
    rings.json, rings.csv, report.html, rejects.csv, alerts.json and batch.json;
    RUNS/LATEST names the newest complete one. An export already processed changes
    nothing; a newer one is applied as the difference against the last run. Two
    runs never overlap (a lock in RUNS). Exit 0 on success, 1 on any failure, 2 on
    bad input, so a scheduler can alert.

    Example:

        graphfraud batch /data/exports --runs /data/graphfraud-runs
    """
    from graphfraud.app import batch_summary, mapping_for, run_batch
    from graphfraud.batch.job import batch_lock
    from graphfraud.outputs import refuse_linked_folder
    from graphfraud.pipeline import ScanParams
    from graphfraud.server.local import connection_settings
    from graphfraud.store.connection import store_errors
    from graphfraud.workers import worker_count

    worker_count()  # a bad GRAPHFRAUD_WORKERS stops here, before any work
    runs = Path(runs_dir)
    if not follow_runs_link:
        refuse_linked_folder(runs, "--follow-runs-link")
    say = progress_printer(quiet)
    how = mapping_for(mapping, encoding)
    settings = connection_settings()
    with batch_lock(runs), store_errors(settings, "batch", say), \
            settings.driver() as driver:
        driver.verify_connectivity()
        result = run_batch(Path(exports), runs, driver, database=settings.database,
                           params=ScanParams.with_seed(seed),
                           mapping=how, batch_size=batch_size, say=say,
                           browser=settings.browser, excel=excel)
    for line in batch_summary(result):
        if line:
            click.echo(line)
