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


def _add_bad_rows(data: Path) -> None:
    """Rows breaking every rule the reader applies, appended to a generated export: an
    identical and a conflicting duplicate, a row of the wrong width, an unparseable date,
    an unknown enum value, a repeated link pair, unknown merchants and streamers, a
    negative count, a label history with an unknown entity; an organisation verified
    neither true nor false, a repeated membership, memberships of an undeclared
    organisation and of an unknown merchant; values past the contract's limits: a line
    over 1 MiB, a count over 10^12, a GMV of 1e308, a label dated 9999-12-31."""
    def append(name: str, text: str) -> None:
        with (data / name).open("a", encoding="utf-8") as fh:
            fh.write(text)

    append("merchants.csv", "M_DUP,x,2024-01-01,food,active\nM_DUP,x,2024-01-01,food,"
           "active\nM_DUP,y,2024-01-01,food,active\nbad,row,with,too,many,fields\n"
           "M_T,z,notadate,food,active\nM_E,z,2024-01-01,food,weird\n"
           f"M_BIG,{'x' * 1_100_000},2024-01-01,food,active\n")
    pairs = (data / "merchant_devices.csv").read_text("utf-8").splitlines()[1:3]
    append("merchant_devices.csv", "\n".join(pairs) + "\nNOPE,D1,2024-01-01,2024-01-02,3"
           "\nM_DUP,D1,2024-01-01,2024-01-02,-3\nM_DUP,D2,,,10000000000000\n")
    append("promotions.csv", "NOS,NOM,1,1,1,2024-01-01,2024-01-02\n"
           "NOS2,NOM,1,1,1e308,2024-01-01,2024-01-02\n")
    append("labels.csv", "merchant,M_DUP,fraud,platform,2024-01-01\nmerchant,M_DUP,legit,"
           "analyst,2024-06-01\nmerchant,NOPE,fraud,platform,\n"
           "merchant,M_DUP,legit,appeal,9999-12-31\n")
    append("organizations.csv", "ORG_X,enterprise,X,maybe\n")
    member = (data / "organization_members.csv").read_text("utf-8").splitlines()[1]
    append("organization_members.csv", f"{member}\nORG_NONE,merchant,M_DUP,2024-01-01\n"
           f"{member.split(',')[0]},merchant,NOPE,\n")


@pytest.mark.parametrize("config,streamers_file", [
    (SynthConfig(scale=0.5, seed=951), True),
    (SynthConfig(scale=0.5, seed=952, structure_only=True), True),
    # streamers.csv is optional: streamers then exist through links and labels only
    (SynthConfig(scale=0.3, seed=954), False),
], ids=["synthetic-with-bad-rows", "structure-only", "no-streamers-file"])
def test_spark_engine_writes_the_embedded_scans_rings(
        spark, tmp_path: Path, config: SynthConfig,
        streamers_file: bool) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    generate(data, config)
    if not streamers_file:
        (data / "streamers.csv").unlink()
    if config.seed == 951:
        _add_bad_rows(data)
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
    assert any(r["pattern"] == "organization" for r in a)  # declared organisations, too
    assert b == a  # ids, members, scores, risks, evidence: all of it
    summary_a = json.loads((tmp_path / "a" / "rings.json").read_text("utf-8"))["summary"]
    summary_b = json.loads((tmp_path / "b" / "rings.json").read_text("utf-8"))["summary"]
    assert summary_b.pop("seconds").keys() >= {"spark-graph", "spark-pass1", "spark-pass2"}
    summary_a.pop("seconds")
    # the engine and what it measured (tests/unit/test_spark_conventions.py) differ
    assert summary_a.pop("engine") == "embedded" and summary_b.pop("engine") == "spark"
    assert summary_b.pop("spark")["buckets"] == 3 and "spark" not in summary_a
    assert summary_b == summary_a  # counts of actors, identifiers, links, hubs, rings
    # the export was read and validated on Spark: the same rejects, and the same facts
    # around the rings (names, labels, flagged via, exposure) in rings.csv
    for name in ("rejects.csv", "rings.csv"):
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "a" / name).read_bytes()
    if config.seed == 951:
        assert len((tmp_path / "b" / "rejects.csv").read_text("utf-8").splitlines()) == 16
    # and report.html's context (members' facts, exposure, hubs): the same page but for
    # the run's id and time
    pages = []
    for out in ("a", "b"):
        report = json.loads((tmp_path / out / "rings.json").read_text("utf-8"))
        page = (tmp_path / out / "report.html").read_text("utf-8")
        page = page.replace(report["run_id"], "RUN").replace(report["generated_at"], "AT")
        pages.append(page)
    assert pages[0] == pages[1]


def test_a_cluster_out_gets_the_ring_tables_as_parquet_and_the_report(
        spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--out as a cluster folder (here file://, through the same Hadoop FileSystem API
    as hdfs:// and s3a://): Spark writes rings.parquet/ and ring_members.parquet/ as
    part files, the report files are copied from --report-out, manifest.json last."""
    import pyarrow.parquet as pq

    data = tmp_path / "data"
    generate(data, SynthConfig(scale=0.3, seed=957))
    cluster = tmp_path / "cluster" / "2026-12-05"
    local = tmp_path / "report"
    done = CliRunner().invoke(cli, [
        "scan", str(data), "--out", cluster.as_uri(), "--report-out", str(local),
        "--seed", "7", "--engine", "spark", "--spark-master", "local[2]", "--parquet"])
    assert done.exit_code == 0, done.output
    for name in ("rings.json", "rings.csv", "report.html", "rejects.csv", "manifest.json"):
        assert (cluster / name).read_bytes() == (local / name).read_bytes(), name
    assert not (local / "cluster").exists() and not Path("file:").exists()
    for table in ("rings", "ring_members"):
        parts = list((cluster / f"{table}.parquet").glob("part-*.parquet"))
        assert parts, table
        on_cluster = pq.read_table(cluster / f"{table}.parquet").to_pandas()
        here = pq.read_table(local / f"{table}.parquet").to_pandas()  # --parquet's own
        key = list(here.columns)
        assert list(on_cluster.columns) == key
        assert on_cluster.sort_values(key[:3]).reset_index(drop=True).equals(
            here.sort_values(key[:3]).reset_index(drop=True))
    report = json.loads((cluster / "rings.json").read_text("utf-8"))
    assert len(pq.read_table(cluster / "rings.parquet")) == len(report["rings"]) > 0


def test_the_spark_reader_gives_the_embedded_readers_tables_and_rejects(
        spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    from graphfraud.loaders import read_dataset
    from graphfraud.loaders.mapping import Mapping
    from graphfraud.spark import SparkEngine
    from graphfraud.spark.common import as_text
    from graphfraud.spark.reader import text_frame

    generate(tmp_path, SynthConfig(scale=0.2, seed=956))
    _add_bad_rows(tmp_path)
    embedded = read_dataset(tmp_path)
    export = SparkEngine(master="local[2]").read(str(tmp_path), Mapping())
    assert export.rejects == embedded.rejects  # file, line, field, reason, value
    assert len(export.rejects) == 15
    assert export.files == embedded.files  # rows, loaded, rejected, merged, ignored
    assert sum(f.merged for f in export.files) >= 3
    for name, frame in embedded.dataset.tables.items():
        assert export.dtypes[name] == {c: str(t) for c, t in frame.dtypes.items()}
        mine = pd.DataFrame({c: as_text(frame[c]) for c in frame.columns})
        theirs = text_frame(export.tables[name])
        key = list(frame.columns)
        assert (mine.astype(str).sort_values(key).reset_index(drop=True).equals(
            theirs.astype(str).sort_values(key).reset_index(drop=True))), name


def test_the_spark_reader_reads_folders_of_part_files(
        spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pyarrow as pa
    import pyarrow.parquet as pq

    from graphfraud.loaders.mapping import Mapping
    from graphfraud.spark import SparkEngine
    from graphfraud.spark.reader import text_frame

    header = "merchant_id,name,registered_at,category,status\n"
    tmp_path = tmp_path / "my export 导出"  # a local folder Hadoop must not misread
    parts = tmp_path / "merchants"  # as Spark writes a table: parts, _SUCCESS, .crc
    parts.mkdir(parents=True)
    (parts / "part-0.csv").write_text(header + "m1,A,2024-01-01,food,active\n"
                                      "m2,B,2024-01-02,,\n", "utf-8")
    (parts / "part-1.csv").write_text(header + "m1,A2,2024-01-01,food,active\n"
                                      "m3,C,2024-01-03,food,banned\n", "utf-8")
    pq.write_table(pa.table({"merchant_id": ["m4", "m2"], "name": ["D", "B"],
                             "registered_at": ["2024-01-04", "2024-01-02"]}),
                   parts / "part-2.parquet")
    (parts / "_SUCCESS").write_text("")
    (parts / ".part-0.csv.crc").write_bytes(b"\0")
    labels = tmp_path / "labels.parquet"  # a folder named like a file, as Spark does
    labels.mkdir()
    (labels / "part-0.csv").write_text("entity_type,entity_id,label,labeled_at\n"
                                       "merchant,m1,fraud,2024-02-01\n", "utf-8")
    (labels / "part-1.csv").write_text("entity_type,entity_id,label,labeled_at\n"
                                       "merchant,m1,legit,2024-02-01\n"
                                       "merchant,m9,fraud,2024-02-01\n", "utf-8")
    export = SparkEngine(master="local[2]").read(str(tmp_path), Mapping())
    assert export.source == str(tmp_path)
    merchants = text_frame(export.tables["merchants"]).set_index("merchant_id")
    assert sorted(merchants.index) == ["m1", "m2", "m3", "m4"]
    assert merchants.loc["m1", "name"] == "A"  # the first row (part-0) stands
    [conflict, unknown] = export.rejects
    assert (conflict.file, conflict.line, conflict.field) == ("merchants/part-1.csv", 2,
                                                              "merchant_id")
    assert "the first row, at line 2 of merchants/part-0.csv, stands" in conflict.reason
    assert (unknown.file, unknown.line, unknown.field) == ("labels.parquet/part-1.csv", 3,
                                                           "entity_id")
    assert unknown.reason == "unknown merchant 'm9' (not in merchants/)"
    report = {f.table: f for f in export.files}
    assert (report["merchants"].file, report["merchants"].rows, report["merchants"].merged,
            report["merchants"].rejected) == ("merchants/", 6, 1, 1)  # m2 twice
    # equal dates: the later row (part-1) is the standing label, as in one file
    label = text_frame(export.tables["labels"])
    assert label.set_index("entity_id").loc["m1", "label"] == "legit"


def test_bad_data_locations_and_files_are_one_line_errors(
        spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    parts = tmp_path / "data" / "merchants"
    parts.mkdir(parents=True)
    (parts / "part-0.csv").write_text("merchant_id,name\nm1,A\n", "utf-8")
    (parts / "part-1.csv").write_text("id,name\nm2,B\n", "utf-8")
    runner = CliRunner()

    def scan(data: str) -> tuple[int, str]:
        result = runner.invoke(cli, ["scan", data, "--out", str(tmp_path / "out"), "-q",
                                     "--engine", "spark", "--spark-master", "local[2]"])
        return result.exit_code, result.output

    code, said = scan(str(tmp_path / "data"))
    assert code == 2
    assert f"{tmp_path}/data/merchants/part-1.csv: line 1: missing required column " \
        "'merchant_id'" in said
    assert "graphfraud-part-" not in said  # the task's own copy is not named
    code, said = scan(str(tmp_path / "nowhere"))
    assert (code, said.strip().endswith("nowhere: not a directory")) == (2, True)
    code, said = scan("s3a://AKIAEXAMPLE:hunter2@bucket/export")
    assert code == 2 and "credentials do not go in a path" in said
    assert "hunter2" not in said and "AKIAEXAMPLE" not in said
    code, said = scan(str(tmp_path / "data*"))
    assert code == 2 and "glob characters" in said
    # the embedded reader's own words for an empty file and a dangling link (Spark's
    # file sources would skip both)
    other = tmp_path / "other"
    generate(other, SynthConfig(scale=0.1, seed=958))
    for broken in ("empty", "link"):
        (other / "labels.csv").unlink()
        if broken == "empty":
            (other / "labels.csv").write_bytes(b"")
        else:
            (other / "labels.csv").symlink_to(tmp_path / "nowhere.csv")
        embedded = runner.invoke(cli, ["scan", str(other), "--out", str(tmp_path / "e"),
                                       "-q"])
        code, said = scan(str(other))
        assert (code, embedded.exit_code) == (2, 2)
        assert said.strip().splitlines()[-1] == embedded.output.strip().splitlines()[-1]
        assert "labels.csv" in said
    (parts / "part-1.csv").unlink()
    (parts / "part-1.csv.gz").write_bytes(b"\x1f\x8b")
    code, said = scan(str(tmp_path / "data"))
    assert code == 2 and "merchants/part-1.csv.gz: not a part file" in said


def test_a_table_given_twice_or_a_named_pipe_is_the_same_error_on_both_engines(
        spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A table as both CSV and Parquet (or as a file and a part folder) is never chosen
    silently, and a named pipe is never read (it would wait for a writer for ever): one
    line naming the files, exit 2, the same on the embedded and the Spark engine. A part
    folder alone, which only the Spark engine reads, is a clear error on the embedded one."""
    import os

    data = tmp_path / "data"
    data.mkdir()
    (data / "merchants.csv").write_text("merchant_id\nm1\n", "utf-8")
    runner = CliRunner()

    def last_lines(*engine: str) -> tuple[int, str]:
        result = runner.invoke(cli, ["scan", str(data), "--out", str(tmp_path / "out"), "-q",
                                     *engine])
        return result.exit_code, result.output.strip().splitlines()[-1]

    def both() -> str:
        embedded = last_lines()
        assert last_lines("--engine", "spark", "--spark-master", "local[2]") == embedded
        assert embedded[0] == 2
        return embedded[1]

    (data / "labels.csv").write_text("entity_type,entity_id,label\nmerchant,m1,fraud\n")
    (data / "labels.parquet").write_bytes(b"PAR1")
    assert both() == (f"error: {data}/labels.csv and {data}/labels.parquet: the table labels "
                      "is in the export twice (which one to read is not guessed); keep one")
    (data / "labels.parquet").unlink()
    (data / "labels").mkdir()
    (data / "labels" / "part-0.csv").write_text("entity_type,entity_id,label\n")
    assert "labels.csv and " in both()
    (data / "labels.csv").unlink()
    embedded = last_lines()
    assert embedded == (2, f"error: {data}/labels/: a folder of part files, which only "
                        "`scan --engine spark` reads; join the parts into one labels.csv, "
                        "or scan with --engine spark")
    (data / "labels" / "part-0.csv").unlink()
    (data / "labels").rmdir()
    os.mkfifo(data / "labels.csv")
    assert both() == (f"error: {data}/labels.csv: a named pipe, not a regular file; an "
                      "export holds files (copy the data into a file first)")


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


def test_a_component_above_the_task_bound_is_scanned_in_cells_as_in_process(
        spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With a task bound below the giant component, Spark scans it in cells with the
    walk and embedding computed over the whole component (spark-walks), and gives the
    embedded scan's rings; rings.json's summary says what was cut."""
    from test_parts import _bounded, _rings

    from graphfraud.loaders import read_dataset
    from graphfraud.pipeline import ScanParams, scan
    from graphfraud.spark import SparkEngine

    generate(tmp_path, SynthConfig(scale=0.5, seed=953))
    dataset = read_dataset(tmp_path).dataset
    params = ScanParams.with_seed(7)
    _, cells, cut = _bounded(dataset, params, 1000, buckets=3)
    said: list[str] = []
    result = SparkEngine(master="local[2]", max_task=1000).scan(dataset, params,
                                                                 progress=said.append)
    assert any("above the task bound of 1000 actors" in s for s in said), said
    assert "spark-walks" in said and "spark-walks" in result.timings
    assert _rings(result) == _rings(scan(dataset, params, build_index=False))
    run = result.run
    assert run is not None
    assert (run.max_task, run.split_components, run.cut_promotions) == (1000, 1, cut)
    sizes = np.bincount(np.unique(cells, return_inverse=True)[1])
    assert run.largest_component == sizes.max()
    assert run.largest_task_actors <= 1000 < len(cells) // 2
    assert any(r.risk.value == "high" for r in result.rings)


def test_the_identifier_guard_splits_a_cell_still_above_the_bound(
        spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from test_parts import _bounded

    from graphfraud.loaders import read_dataset
    from graphfraud.pipeline import ScanParams
    from graphfraud.spark import SparkEngine

    generate(tmp_path, SynthConfig(scale=0.5, seed=953))
    dataset = read_dataset(tmp_path).dataset
    params = ScanParams.with_seed(7)
    _, cells, _ = _bounded(dataset, params, 1000, buckets=3)
    groups = int(np.bincount(np.unique(cells, return_inverse=True)[1]).max())
    limit = groups * 2 // 3
    said: list[str] = []
    guarded = SparkEngine(master="local[2]", max_task=limit).scan(dataset, params,
                                                                  progress=said.append)
    notes = [s for s in said if s.startswith("giant component:")]
    assert notes, said
    assert int(notes[0].split()[2]) == groups
    assert guarded.run is not None and guarded.run.largest_component < groups
    plain_hubs = set(_bounded(dataset, params, 1000, buckets=3)[0].hubs)
    extra = set(guarded.hubs) - plain_hubs  # newly dropped (some were down-weighted)
    assert extra and all(h.action == "dropped" and h.actors <= params.projection.hub_degree
                         for h in extra)
    assert any(r.risk.value == "high" for r in guarded.rings)


def test_spark_submit_runs_the_scan_with_its_own_master(tmp_path: Path) -> None:
    """``spark-submit graphfraud/cli/spark_submit.py DATA --out OUT``, as on a cluster
    (here with pyspark's own spark-submit and --master local[2])."""
    import os
    import shutil
    import subprocess
    import sys

    from graphfraud.cli import spark_submit

    submit = Path(sys.executable).with_name("spark-submit")
    if not submit.exists():
        found = shutil.which("spark-submit")
        if found is None:
            pytest.skip("no spark-submit next to this interpreter or on PATH")
        submit = Path(found)
    data = tmp_path / "data"
    generate(data, SynthConfig(scale=0.2, seed=955))
    embedded = CliRunner().invoke(cli, ["scan", str(data), "--out", str(tmp_path / "a"),
                                        "--seed", "7", "-q"])
    assert embedded.exit_code == 0, embedded.output
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable,
           "PYSPARK_DRIVER_PYTHON": sys.executable}
    done = subprocess.run(
        [str(submit), "--master", "local[2]", "--conf", "spark.ui.enabled=false",
         spark_submit.__file__, str(data), "--out", str(tmp_path / "b"), "--seed", "7",
         "-q"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "report:" in done.stdout
    # quiet by default under spark-submit too: no INFO lines from Spark's JVM
    assert " INFO " not in done.stderr, done.stderr[:2000]
    assert _rings(tmp_path / "b") == _rings(tmp_path / "a")


def test_graphframes_components_without_the_jar_are_a_clear_error_before_any_work(
        spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("graphframes", reason="the graphframes extra is not installed")
    data = tmp_path / "data"
    generate(data, SynthConfig(scale=0.1, seed=957))
    result = CliRunner().invoke(cli, ["scan", str(data), "--out", str(tmp_path / "o"), "-q",
                                      "--engine", "spark", "--spark-master", "local[2]",
                                      "--spark-components", "graphframes"])
    assert result.exit_code == 2
    assert "needs the graphframes-py package" in result.output
    assert "GraphFrames jar on Spark's classpath" in result.output
    assert not (tmp_path / "o" / "rings.json").exists()
    assert not (tmp_path / "o" / "rejects.csv").exists()  # refused before reading


def test_graphframes_components_need_the_package_and_the_spark_engine(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    runner = CliRunner()
    result = runner.invoke(cli, ["scan", str(tmp_path), "--out", str(tmp_path / "o"),
                                 "--spark-components", "graphframes"])
    assert result.exit_code == 2 and "need --engine spark" in result.output
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "graphframes" else real(name, *a))
    result = runner.invoke(cli, ["scan", str(tmp_path), "--out", str(tmp_path / "o"),
                                 "--engine", "spark", "--spark-components", "graphframes"])
    assert result.exit_code == 2
    assert "pip install 'graphfraud[graphframes]'" in result.output


def test_data_locations_with_an_address_are_accepted_and_credentials_refused() -> None:
    from graphfraud.errors import UsageError
    from graphfraud.spark.reader import check_location

    check_location("abfss://container@account.dfs.core.windows.net/exports")  # an address
    check_location("hdfs://namenode:8020/exports/2026-11-30")
    for bad in ("s3a://KEY:SECRET@bucket/x", "s3a://b/x*", "s3a://[b/x", "http://[::1"):
        with pytest.raises(UsageError) as refused:
            check_location(bad)
        assert "SECRET" not in str(refused.value)


def test_tables_written_by_spark_itself_scan_to_the_embedded_rings(
        spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An export as a Spark job writes it: a folder of CSV parts per table (header,
    RFC 4180 quotes), or of Parquet parts with typed columns (counts as longs, amounts
    as doubles, times as timestamps)."""
    from pyspark.sql import functions as F

    source = tmp_path / "source"
    generate(source, SynthConfig(scale=0.3, seed=959))
    counts = {"logins", "sessions", "orders", "refunds", "complaints", "violations",
              "followers"}
    zone = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    try:
        for path in sorted(source.glob("*.csv")):
            frame = spark.read.option("header", True).csv(str(path)).repartition(2)
            frame.write.option("header", True).option("escape", '"').csv(
                str(tmp_path / "csv" / path.stem))
            for column in frame.columns:
                if column in counts:
                    frame = frame.withColumn(column, F.col(column).cast("long"))
                elif column == "gmv":
                    frame = frame.withColumn(column, F.col(column).cast("double"))
                elif column.endswith("_at") or column in ("first_seen", "last_seen"):
                    frame = frame.withColumn(column, F.col(column).cast("timestamp"))
            frame.write.parquet(str(tmp_path / "parquet" / f"{path.stem}.parquet"))
    finally:
        spark.conf.set("spark.sql.session.timeZone", zone)
    runner = CliRunner()
    embedded = runner.invoke(cli, ["scan", str(source), "--out", str(tmp_path / "a"),
                                   "--seed", "7", "-q"])
    assert embedded.exit_code == 0, embedded.output
    expected = _rings(tmp_path / "a")
    assert sum(r["risk"] == "high" for r in expected) >= 3
    for layout in ("csv", "parquet"):
        out = tmp_path / f"out-{layout}"
        result = runner.invoke(cli, ["scan", str(tmp_path / layout), "--out", str(out),
                                     "--seed", "7", "-q", "--engine", "spark",
                                     "--spark-master", "local[2]"])
        assert result.exit_code == 0, result.output
        assert _rings(out) == expected, layout
        assert (out / "rejects.csv").read_text("utf-8").strip() == \
            "file,line,field,reason,value"
