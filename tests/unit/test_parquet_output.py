"""scan --parquet: ring tables for downstream jobs, the same rings as rings.json."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from graphfraud.cli import cli
from graphfraud.report.writer import check_published
from graphfraud.synth import SynthConfig, generate


def test_parquet_ring_tables_match_rings_json(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    generate(data, SynthConfig(scale=0.3, seed=961))
    result = CliRunner().invoke(cli, ["scan", str(data), "--out", str(out), "--quiet",
                                      "--parquet"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "rings.json").read_text("utf-8"))
    rings = pq.read_table(out / "rings.parquet").to_pylist()
    members = pq.read_table(out / "ring_members.parquet").to_pylist()
    assert [(r["ring_id"], r["score"], r["risk"], r["members"]) for r in rings] == \
        [(r["ring_id"], r["score"], r["risk"], len(r["members"])) for r in report["rings"]]
    assert {r["run_id"] for r in rings + members} == {report["run_id"]}
    assert sorted((m["ring_id"], m["member_type"], m["member_id"]) for m in members) == \
        sorted((r["ring_id"], m["type"], m["id"]) for r in report["rings"]
               for m in r["members"])
    check_published(out)  # the manifest covers the new files

    result = CliRunner().invoke(cli, ["scan", str(data), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert not (out / "rings.parquet").exists()  # a stale table would mislead
    assert not (out / "ring_members.parquet").exists()


def test_parquet_tables_of_a_run_without_rings_keep_their_types(tmp_path: Path) -> None:
    from graphfraud.report.writer import ring_tables

    class Empty:
        run_id, rings = "run-1", ()

    tables = ring_tables(Empty())  # type: ignore[arg-type]
    assert str(tables["rings"].schema.field("score").type) == "double"
    assert str(tables["rings"].schema.field("evidence").type) == "list<item: string>"
    assert str(tables["ring_members"].schema.field("member_id").type) == "string"
    assert tables["rings"].num_rows == 0
