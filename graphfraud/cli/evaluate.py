"""``graphfraud evaluate``: the detector measured on the export's own labels."""

from __future__ import annotations

import json

import click

from graphfraud.cli.data import print_warning, progress_printer
from graphfraud.cli.options import mapping_option, quiet_option, scan_default


@click.command("evaluate")
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--mask", type=click.FloatRange(min=0.0, max=1.0, min_open=True, max_open=True),
              default=0.3, show_default=True,
              help="Share of the blacklisted and of the cleared merchants and streamers "
              "whose labels are hidden before the scan.")
@click.option("--seed", type=int, default=scan_default("seed"), show_default=True,
              help="Seed of the draw of hidden labels and of the scan.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (masked_fraud, recovered_high, recall_high, "
              "masked_legit, flagged_legit, baselines, ...) instead of a table.")
@mapping_option
@quiet_option
def evaluate_cmd(data_dir: str, mask: float, seed: int, as_json: bool,
                 mapping: str | None, encoding: str | None, quiet: bool) -> None:
    """Measure the detector on DATA_DIR's own labels.

    Hides a share of the blacklisted and cleared actors' labels, scans, and counts how
    many hidden blacklisted actors come back in high (and medium) rings and how many
    hidden cleared actors do, with 95% intervals; the baselines (walk from the
    blacklist, pruned components, Louvain) get the same blacklist in the same run.

    Example:

    \b
        graphfraud evaluate my-export --mask 0.3 --seed 7
        graphfraud evaluate my-export --json > evaluation.json
    """
    from graphfraud.app.common import mapping_for
    from graphfraud.app.evaluate import evaluate_export, evaluation_lines
    from graphfraud.pipeline import ScanParams

    result = evaluate_export(data_dir, mask=mask, seed=seed,
                             params=ScanParams.with_seed(seed),
                             mapping=mapping_for(mapping, encoding),
                             say=progress_printer(quiet), warn=print_warning)
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        for line in evaluation_lines(result):
            click.echo(line)
