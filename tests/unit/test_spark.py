"""The scan on Spark (local mode): the same rings as the embedded scan, connected
components that match a union-find, and clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from graphfraud.cli import cli
from graphfraud.synth import SynthConfig, generate

pytest.importorskip("pyspark", reason="the spark extra is not installed")
pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from graphfraud.spark import SparkEngine, stop_spark

    session = SparkEngine(master="local[2]").spark_session()
    yield session
    stop_spark()  # no JVM left behind when the test process exits


def test_components_match_a_union_find(spark) -> None:  # type: ignore[no-untyped-def]
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components as reference

    from graphfraud.spark.components import connected_components

    rng = np.random.default_rng(4)
    n = 3000
    src, dst = rng.integers(0, n, 2500), rng.integers(0, n, 2500)
    chain = np.arange(200, 700)  # one long path: rounds must not grow with its length
    src, dst = np.concatenate([src, chain]), np.concatenate([dst, chain + 1])
    edges = spark.createDataFrame([(int(a), int(b)) for a, b in zip(src, dst, strict=True)],
                                  "src long, dst long")
    got = {r["vertex"]: r["component"] for r in connected_components(edges).collect()}
    _, labels = reference(sp.coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)),
                          directed=False)
    touched = np.unique(np.concatenate([src[src != dst], dst[src != dst]]))
    assert set(got) == set(touched.tolist())
    by_reference: dict[int, set[int]] = {}
    by_spark: dict[int, set[int]] = {}
    for v in touched.tolist():
        by_reference.setdefault(int(labels[v]), set()).add(v)
        by_spark.setdefault(got[v], set()).add(v)
    assert sorted(map(sorted, by_spark.values())) == sorted(map(sorted, by_reference.values()))
    assert all(c == min(members) for c, members in by_spark.items())


def _rings(out: Path) -> list[dict[str, object]]:
    return json.loads((out / "rings.json").read_text("utf-8"))["rings"]


@pytest.mark.parametrize("config,streamers_file", [
    (SynthConfig(scale=0.5, seed=951), True),
    (SynthConfig(scale=0.5, seed=952, structure_only=True), True),
    # streamers.csv is optional: streamers then exist through links and labels only
    (SynthConfig(scale=0.3, seed=954), False),
], ids=["synthetic", "structure-only", "no-streamers-file"])
def test_spark_engine_writes_the_embedded_scans_rings(
        spark, tmp_path: Path, config: SynthConfig,
        streamers_file: bool) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    generate(data, config)
    if not streamers_file:
        (data / "streamers.csv").unlink()
    runner = CliRunner()
    embedded = runner.invoke(cli, ["scan", str(data), "--out", str(tmp_path / "a"),
                                   "--seed", "7", "--quiet"])
    assert embedded.exit_code == 0, embedded.output
    on_spark = runner.invoke(cli, ["scan", str(data), "--out", str(tmp_path / "b"),
                                   "--seed", "7", "--quiet", "--engine", "spark",
                                   "--spark-master", "local[2]", "--spark-buckets", "3"])
    assert on_spark.exit_code == 0, on_spark.output
    a, b = _rings(tmp_path / "a"), _rings(tmp_path / "b")
    assert sum(r["risk"] == "high" for r in a) >= 3
    assert b == a  # ids, members, scores, risks, evidence: all of it
    summary_a = json.loads((tmp_path / "a" / "rings.json").read_text("utf-8"))["summary"]
    summary_b = json.loads((tmp_path / "b" / "rings.json").read_text("utf-8"))["summary"]
    assert summary_b.pop("seconds").keys() >= {"spark-graph", "spark-pass1", "spark-pass2"}
    summary_a.pop("seconds")
    assert summary_b == summary_a  # counts of actors, identifiers, links, hubs, rings
    assert (tmp_path / "b" / "report.html").stat().st_size > 0


def test_spark_options_need_the_spark_engine(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--out", str(tmp_path / "o"),
                                      "--spark-buckets", "3"])
    assert result.exit_code == 2
    assert "need --engine spark" in result.output


def test_credentials_do_not_go_on_the_command_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [
        "scan", str(tmp_path), "--out", str(tmp_path / "o"), "--engine", "spark",
        "--spark-conf", "spark.hadoop.fs.s3a.secret.key=hunter2"])
    assert result.exit_code == 2
    assert "credentials do not go on a command line" in result.output
    assert "hunter2" not in result.output


def test_a_missing_pyspark_is_a_clear_error(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyspark" else real(name, *a))
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--out", str(tmp_path / "o"),
                                      "--engine", "spark"])
    assert result.exit_code == 2
    assert "pip install 'graphfraud[spark]'" in result.output


def test_the_giant_component_guard_splits_a_component_too_big_for_one_task(
        spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from graphfraud.loaders import read_dataset
    from graphfraud.pipeline import ScanParams
    from graphfraud.spark import SparkEngine

    generate(tmp_path, SynthConfig(scale=0.5, seed=953))
    dataset = read_dataset(tmp_path).dataset
    params = ScanParams.with_seed(7)
    said: list[str] = []
    plain = SparkEngine(master="local[2]", max_component=None).scan(dataset, params,
                                                                    progress=said.append)
    largest = int(next(s for s in said if "largest component holds" in s).split()[-2])
    limit = largest // 3
    said.clear()
    guarded = SparkEngine(master="local[2]", max_component=limit).scan(
        dataset, params, progress=said.append)
    notes = [s for s in said if s.startswith("giant component:")]
    assert notes, said
    after = int(notes[-1].split()[-1])
    assert after < largest
    extra = set(guarded.hubs) - set(plain.hubs)  # newly dropped (some were down-weighted)
    assert extra and all(h.action == "dropped" and h.actors <= params.projection.hub_degree
                         for h in extra)
    assert any(r.risk.value == "high" for r in guarded.rings)


def test_the_spark_submit_entry_point_runs_scan_on_the_given_master(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphfraud.cli import spark_submit
    from graphfraud.spark import engine

    seen: dict[str, object] = {}

    def fake_scan(self, dataset, params, **_):  # type: ignore[no-untyped-def]
        seen["master"] = self.master
        raise SystemExit(0)

    monkeypatch.setattr(engine.SparkEngine, "scan", fake_scan)
    data = tmp_path / "data"
    generate(data, SynthConfig(scale=0.2, seed=955))
    with pytest.raises(SystemExit) as done:
        spark_submit.main([str(data), "--out", str(tmp_path / "out"), "-q"])
    assert done.value.code == 0
    assert seen["master"] == ""  # spark-submit's --master, not ours
