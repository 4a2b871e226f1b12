"""Commands that read or make datasets: synth, validate, load."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from graphfraud.cli.options import (
    constant,
    field_default,
    mapping_option,
    quiet_option,
    rejects_option,
)
from graphfraud.terminal import shown

if TYPE_CHECKING:
    from graphfraud.loaders import LoadResult
    from graphfraud.store.writer import WriteStats


def progress_printer(quiet: bool) -> Callable[[str], None]:
    """A callable that prints one progress line on stderr, or nothing when quiet."""

    def say(message: str) -> None:
        if not quiet:
            click.echo(shown(message, lines=True), err=True)

    return say


def print_warning(message: str) -> None:
    """One line on stderr that ``--quiet`` does not silence."""
    click.echo(shown(message, lines=True), err=True)


def read_export(data_dir: str, mapping: str | None, rejects: str, quiet: bool, *,
                encoding: str | None = None) -> LoadResult:
    """Read and validate an export, write its rejects file, print the per-file summary."""
    from graphfraud.app import mapping_for
    from graphfraud.app import read_export as read

    return read(data_dir, mapping=mapping_for(mapping, encoding), rejects=rejects,
                say=progress_printer(quiet), warn=print_warning, describe=_print_table)


def _print_table(result: LoadResult) -> None:
    click.echo(f"{'file':<24}{'rows':>10}{'loaded':>10}{'rejected':>10}{'merged':>10}")
    for f in result.files:
        click.echo(f"{shown(f.file):<24}{f.rows:>10}{f.loaded:>10}{f.rejected:>10}{f.merged:>10}")
    click.echo(
        f"{'total':<24}{result.rows:>10}{result.loaded:>10}{result.rejected:>10}"
        f"{sum(f.merged for f in result.files):>10}"
    )


@click.command("synth")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--seed", type=int, default=field_default(
    "graphfraud.synth.generator", "SynthConfig", "seed"), show_default=True,
    help="Random seed.")
@click.option(
    "--scale", type=click.FloatRange(min=0.01),
    default=field_default("graphfraud.synth.generator", "SynthConfig", "scale"),
    show_default=True,
    help="1 is about 10,000 actors; 130 is about 1,000,000 merchants.",
)
@click.option(
    "--structure-only", is_flag=True,
    help="Merchants, devices, payment accounts, their links and a sparse blacklist only: "
         "no streamers, timestamps or behaviour signals; rings of 5 to 400 members.",
)
@click.option(
    "--format", "file_format", type=click.Choice(["csv", "parquet"]), default="csv",
    show_default=True,
    help="File format of the tables: merchants.csv, ... or merchants.parquet, ... (the "
         "same tables, columns and rows).",
)
@quiet_option
def synth_cmd(out_dir: str, seed: int, scale: float, structure_only: bool,
              file_format: str, quiet: bool) -> None:
    """Write a synthetic export with planted rings to OUT_DIR.

    The ground truth goes to OUT_DIR/ground_truth.json, which the loaders never read.

    Example:

    \b
        graphfraud synth demo-data --seed 7 --scale 1
        graphfraud synth struct-data --seed 7 --structure-only
        graphfraud synth parquet-data --seed 7 --format parquet
    """
    from graphfraud.synth import SynthConfig, generate

    started = time.perf_counter()
    counts = generate(out_dir, SynthConfig(scale=scale, seed=seed,
                                           structure_only=structure_only),
                      file_format=file_format)
    width = max([24, *(len(name) + len(file_format) + 1 for name in counts)])
    for name, n in counts.items():
        click.echo(f"{name + '.' + file_format:<{width}}{n:>10}")
    progress_printer(quiet)(f"written to {out_dir} in {time.perf_counter() - started:.1f} s")


@click.command("validate")
@click.argument("data_dir", type=click.Path(file_okay=False))
@mapping_option
@rejects_option("rejects.csv")
@quiet_option
def validate_cmd(data_dir: str, mapping: str | None, encoding: str | None, rejects: str,
                 quiet: bool) -> None:
    """Check an export against the data contract without loading it anywhere.

    Prints rows read, loaded and rejected per file, writes the rejected rows with
    file, line, field and reason, and exits 0 (2 when a file cannot be read at all).

    Example:

        graphfraud validate exports/2024-06-30 --rejects /tmp/rejects.csv
    """
    read_export(data_dir, mapping, rejects, quiet, encoding=encoding)


@click.command("load")
@click.argument("data_dir", type=click.Path(file_okay=False))
@mapping_option
@rejects_option("rejects.csv")
@click.option("--batch-size", type=click.IntRange(min=1),
              default=constant("graphfraud.store.writer", "DEFAULT_BATCH_SIZE"),
              show_default=True,
              help="Rows per write transaction.")
@quiet_option
def load_cmd(data_dir: str, mapping: str | None, encoding: str | None, rejects: str,
             batch_size: int, quiet: bool) -> None:
    """Validate an export and build (or update) the graph in Neo4j.

    Connection: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE; without
    NEO4J_URI the local server of `graphfraud neo4j start` is used. Loading the same
    export again changes nothing; a newer export updates properties and adds links.

    Example:

        graphfraud neo4j start && graphfraud load demo-data
    """
    from graphfraud.server.local import connection_settings
    from graphfraud.store.connection import store_errors
    from graphfraud.store.writer import write_dataset

    settings = connection_settings()
    say = progress_printer(quiet)
    # A wrong password or a stopped server is found before a long export is read.
    with store_errors(settings, "connecting", say), settings.driver() as driver:
        driver.verify_connectivity()
    result = read_export(data_dir, mapping, rejects, quiet, encoding=encoding)
    say(f"writing to {settings.describe()}")
    started = time.perf_counter()
    bars: dict[str, object] = {}

    def on_batch(table: str, done: int, total: int) -> None:
        if quiet:
            return
        bar = bars.get(table)
        if bar is None:
            bar = click.progressbar(length=total, label=f"{table:<22}", file=sys.stderr,
                                    show_pos=True)
            bar.__enter__()
            bars[table] = bar
        bar.update(done - bar.pos)  # type: ignore[attr-defined]
        if done >= total:
            bar.__exit__(None, None, None)  # type: ignore[attr-defined]

    with store_errors(settings, "loading", say), settings.driver() as driver:
        driver.verify_connectivity()  # fail fast when the server is not there at all
        stats = write_dataset(driver, result.dataset, database=settings.database,
                              batch_size=batch_size, progress=on_batch,
                              retry_seconds=settings.retry_seconds)
    click.echo(written_summary(result, stats, time.perf_counter() - started))


def written_summary(result: LoadResult, stats: WriteStats, seconds: float) -> str:
    """What ``load`` wrote, reconciled with the table's totals: the rows loaded less
    those merged into an earlier row (``merged``), and the label events kept for the
    audit history (each distinct labels.csv row, beside the label that stands)."""
    sent = sum(stats.rows.values())
    events = sum(n for table, n in stats.rows.items() if table.startswith("label history"))
    records = sent - events
    merged = sum(f.merged for f in result.files)
    if records == result.loaded - merged:
        what = (f"{records:,} rows (the {result.loaded:,} loaded above less the {merged:,} "
                "merged into an earlier row of the same link or label")
        what += f"; the {result.rejected:,} rejected are in the rejects file)" \
            if result.rejected else ")"
    else:  # not expected: say what was sent without a reconciliation that does not hold
        what = f"{records:,} rows"
    if events:
        what += (f" and {events:,} label events (the label history: each distinct "
                 "labels.csv row, the superseded ones included)")
    return (f"loaded into Neo4j in {seconds:.1f} s ({sent / max(seconds, 1e-9):,.0f} "
            f"rows/s): {what}; {stats.nodes_created:,} nodes and "
            f"{stats.relationships_created:,} relationships created")
