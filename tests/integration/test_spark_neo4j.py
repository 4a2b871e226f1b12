"""Reading the graph in Neo4j on Spark, a page per task, gives read_graph's tables and
the embedded scan's rings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from graphfraud.cli import cli
from graphfraud.synth import SynthConfig, generate

pytest.importorskip("pyspark", reason="the spark extra is not installed")
pytestmark = [pytest.mark.neo4j, pytest.mark.spark]


def _rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """A table's rows, sorted, nulls as None."""
    values = frame.astype(object).where(frame.notna(), None)
    return sorted(map(tuple, values.itertuples(index=False)), key=repr)


def test_spark_reads_the_graph_page_by_page_as_read_graph_does(
    empty_db: Any, neo4j_settings: Any, tmp_path: Path
) -> None:
    from graphfraud.model import ENTITY_KINDS
    from graphfraud.pipeline import ScanParams, scan
    from graphfraud.spark import SparkEngine, stop_spark
    from graphfraud.spark.common import as_text
    from graphfraud.spark.from_neo4j import read_graph_export
    from graphfraud.spark.reader import text_frame
    from graphfraud.store.reader import read_graph

    data = tmp_path / "export"
    generate(data, SynthConfig(scale=0.3, seed=5))
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
           "NEO4J_PASSWORD": neo4j_settings.password}
    loaded = CliRunner().invoke(cli, ["load", str(data), "-q", "--rejects",
                                      str(tmp_path / "r.csv")], env=env)
    assert loaded.exit_code == 0, loaded.output
    dataset = read_graph(empty_db, database=neo4j_settings.database)
    engine = SparkEngine(master="local[2]")
    try:
        export = read_graph_export(engine.spark_session(), neo4j_settings, pages=3)
        assert list(export.tables) == list(dataset.tables)
        for name, frame in dataset.tables.items():
            assert export.dtypes[name] == {c: str(t) for c, t in frame.dtypes.items()}, name
            text = pd.DataFrame({c: as_text(frame[c]) for c in frame.columns})
            got = text_frame(export.tables[name])
            assert list(got.columns) == list(frame.columns), name
            assert _rows(got) == _rows(text), name
        # every table's statements were read page by page, by several tasks
        statements = {"merchant_signals": ["merchants"],
                      "labels": [f"verdicts_{entity}" for entity in ENTITY_KINDS]}
        for name in dataset.tables:
            read = [f"neo4j:reader/{s}" for s in statements.get(name, [name])]
            tasks = {task for page, task in export.read_by.items()
                     if page.split("#")[0] in read}
            assert len(tasks) > 1, name
        assert {f.table: f.rows for f in export.files} == {
            name: len(frame) for name, frame in dataset.tables.items()}

        params = ScanParams.with_seed(5)
        on_spark = engine.scan_export(export, params)
        embedded = scan(dataset, params)
        assert on_spark.rings and on_spark.rings == embedded.rings
        context = export.context(list(on_spark.rings), [])
        assert set(context.tables) <= set(dataset.tables) and len(context.tables["merchants"])
    finally:
        stop_spark()
