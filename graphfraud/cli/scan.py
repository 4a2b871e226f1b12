"""``graphfraud scan``: find and score rings, write the ring report."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from graphfraud.cli.data import progress_printer, read_export
from graphfraud.cli.options import mapping_option, quiet_option
from graphfraud.errors import InputError, UsageError


@click.command("scan")
@click.argument("data_dir", required=False, type=click.Path(file_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for rings.json, rings.csv, report.html (and rejects.csv).")
@click.option("--neo4j", "from_neo4j", is_flag=True,
              help="Read the graph from Neo4j (built by `graphfraud load`) instead of "
              "DATA_DIR, and write the rings back into it.")
@click.option("--seed", type=int, default=42, show_default=True,
              help="Seed of every random step (Leiden, embeddings).")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False),
              help="An earlier rings.json: ring ids carry over and changes are listed "
              "[default: OUT/rings.json when it exists].")
@click.option("--hub-degree", type=click.IntRange(min=2),
              help="Identifiers shared by more actors are ignored as hubs [100].")
@click.option("--strong-degree", type=click.IntRange(min=2),
              help="Identifiers shared by at most this many actors link them strongly [20].")
@click.option("--min-ring-size", type=click.IntRange(min=2), help="Smallest ring [3].")
@click.option("--max-ring-size", type=click.IntRange(min=3),
              help="Larger groups are split with Leiden [60].")
@click.option("--no-embedding", is_flag=True, help="Score without graph embeddings.")
@click.option("--redact", is_flag=True,
              help="Pseudonyms instead of ids in report.html and rings.csv, for sharing "
              "outside the risk team (redaction-key.csv maps them back).")
@mapping_option
@quiet_option
def scan_cmd(data_dir: str | None, out_dir: str, from_neo4j: bool, seed: int,
             previous: str | None, hub_degree: int | None, strong_degree: int | None,
             min_ring_size: int | None, max_ring_size: int | None, no_embedding: bool,
             redact: bool, mapping: str | None, encoding: str | None, quiet: bool) -> None:
    """Find coordinated rings and write the ring report into OUT.

    Without --neo4j, DATA_DIR is read with the embedded in-memory graph (no server).
    Writes rings.json (the contract), rings.csv (one row per ring member),
    report.html (self-contained), and rejects.csv for bad input rows.

    Example:

        graphfraud scan demo-data --out demo-out

        graphfraud load demo-data && graphfraud scan --neo4j --out demo-out
    """
    from graphfraud.pipeline import ScanParams, scan
    from graphfraud.report import RunInfo, write_reports

    if from_neo4j == bool(data_dir):
        raise UsageError("give either DATA_DIR or --neo4j (not both)")
    say = progress_printer(quiet)
    params = ScanParams.with_seed(
        seed, hub_degree=hub_degree, strong_degree=strong_degree,
        min_ring_size=min_ring_size, max_ring_size=max_ring_size,
        use_embedding=False if no_embedding else None)
    out = Path(out_dir)
    previous_path = Path(previous) if previous else out / "rings.json"
    prior = _previous_rings(previous_path) if previous or previous_path.exists() else None

    started = time.perf_counter()
    settings = None
    if from_neo4j:
        from graphfraud.store.connection import Neo4jSettings, store_errors
        from graphfraud.store.reader import read_graph

        settings = Neo4jSettings.from_env()
        say(f"reading the graph from {settings.describe()}")
        with store_errors(settings, "reading the graph", say), settings.driver() as driver:
            driver.verify_connectivity()
            dataset = read_graph(driver, database=settings.database)
        rows = sum(len(t) for t in dataset.tables.values())
        info = RunInfo(source=settings.describe(), rows=rows, rejected_rows=0)
    else:
        assert data_dir is not None
        out.mkdir(parents=True, exist_ok=True)
        loaded = read_export(data_dir, mapping, str(out / "rejects.csv"), quiet,
                             encoding=encoding, table=False)
        dataset = loaded.dataset
        info = RunInfo(source=str(data_dir), rows=loaded.rows, rejected_rows=loaded.rejected)
    read_s = time.perf_counter() - started
    result = scan(dataset, params, previous=prior, progress=lambda s: say(f"stage: {s}"))
    result.timings["read"] = round(read_s, 3)
    paths = write_reports(result, info, out, redact=redact)
    if settings is not None:
        from graphfraud.store.connection import store_errors
        from graphfraud.store.rings import write_rings

        write_started = time.perf_counter()

        report = json.loads(paths["json"].read_text("utf-8"))
        with store_errors(settings, "writing the rings back", say), settings.driver() as driver:
            write_rings(driver, report, database=settings.database)
        say(f"wrote {len(report['rings'])} rings back to Neo4j (run {report['run_id']})")
        result.timings["write-back"] = round(time.perf_counter() - write_started, 3)
    counts = result.counts
    click.echo(f"{counts['rings']} rings: {counts['high']} high, {counts['medium']} medium, "
               f"{counts['low']} low; {counts['hubs_dropped']} hubs ignored, "
               f"{counts['hubs_down_weighted']} down-weighted")
    if result.changes is not None:
        c = result.changes
        click.echo(f"since the previous run: {len(c.new)} new, {len(c.grown)} grown, "
                   f"{len(c.shrunk)} shrunk, {len(c.changed)} changed, {len(c.gone)} gone"
                   + (f", {len(c.merged)} merged, {len(c.split)} split"
                      if c.merged or c.split else ""))
    click.echo(f"report: {paths['html']}")
    stages = ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in result.timings.items())
    say(f"done in {time.perf_counter() - started:.1f} s ({stages})")


def _previous_rings(path: Path) -> list[dict]:
    try:
        document = json.loads(path.read_text("utf-8"))
        return list(document["rings"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(f"{path}: not a readable rings.json ({e})", file=str(path)) from e
