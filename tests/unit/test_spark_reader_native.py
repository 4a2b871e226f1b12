"""The Spark reader's fast path (Spark's own readers, no Python per row): the embedded
reader's tables, rejects and figures on clean and damaged exports, every file it has a
doubt about read again line-exactly, and a file or folder read in several tasks."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphfraud.synth import SynthConfig, generate

pytest.importorskip("pyspark", reason="the spark extra is not installed")
pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from graphfraud.spark import SparkEngine, stop_spark

    session = SparkEngine(master="local[2]").spark_session()
    yield session
    stop_spark()


def _same_as_embedded(export: Any, data: Path) -> None:
    """``export`` (read on Spark) has the embedded reader's rejects, figures and tables."""
    import pandas as pd

    from graphfraud.loaders import read_dataset
    from graphfraud.spark.common import as_text
    from graphfraud.spark.reader import text_frame

    embedded = read_dataset(data)
    assert export.rejects == embedded.rejects  # file, line, field, reason, value
    assert export.files == embedded.files  # rows, loaded, rejected, merged, ignored
    for name, frame in embedded.dataset.tables.items():
        mine = pd.DataFrame({c: as_text(frame[c]) for c in frame.columns}).astype(str)
        theirs = text_frame(export.tables[name]).astype(str)
        key = list(frame.columns)
        assert mine.sort_values(key).reset_index(drop=True).equals(
            theirs.sort_values(key).reset_index(drop=True)), name


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text("utf-8"), newline="")))


def _write(path: Path, rows: list[list[str]], end: str = "\n") -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator=end, quoting=csv.QUOTE_NONNUMERIC).writerows(rows)
    path.write_text(out.getvalue(), "utf-8", newline="")


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8", newline="") as fh:
        fh.write(text)


def test_clean_and_damaged_files_give_the_embedded_readers_tables_and_rejects(
        spark: Any, tmp_path: Path) -> None:
    """Files the fast path reads (quoted commas and quotes, CRLF, blank lines, a
    missing optional column and an extra one, repeated rows, unknown references, label
    ties) and files it must leave to the line-exact reader (a quoted line break, a bad
    date, a line over 1 MiB, a row of the wrong width, a time with a zone, an amount
    past the limit, a lone carriage return): the same result as the embedded reader."""
    from graphfraud.loaders.mapping import Mapping
    from graphfraud.spark import SparkEngine

    generate(tmp_path, SynthConfig(scale=0.1, seed=971))
    merchants = [r[0] for r in _rows(tmp_path / "merchants.csv")[1:4]]
    # read natively, however unusual
    devices = _rows(tmp_path / "devices.csv")
    _write(tmp_path / "devices.csv", [*devices, ["d-q", 'Model, "Pro"', ""]], end="\r\n")
    links = (tmp_path / "merchant_devices.csv").read_text("utf-8").splitlines(keepends=True)
    links[3:3] = ["\n", "\r\n"]  # blank lines: the later lines keep their numbers
    links += [f'"{merchants[0]}","{links[1].split(",")[1].strip(chr(34))}",'
              '"2024-01-01","2024-01-02",3\n', '"NOPE","d1","2024-01-01","2024-01-02",1\n']
    (tmp_path / "merchant_devices.csv").write_text("".join(links), "utf-8")
    promotions = _rows(tmp_path / "promotions.csv")
    _write(tmp_path / "promotions.csv", [[*r[:4], *r[5:], "x" if i else "note"]
                                         for i, r in enumerate(promotions)])  # no gmv
    first = (tmp_path / "merchants.csv").read_text("utf-8").splitlines(keepends=True)[1]
    _append(tmp_path / "merchants.csv", first + first.replace('","', '","Other ', 1))
    _append(tmp_path / "labels.csv", f'"merchant","{merchants[1]}","fraud","a","2024-01-01"'
            f'\n"merchant","{merchants[1]}","legit","b","2024-01-01"\n')
    # left to the line-exact reader
    _append(tmp_path / "streamers.csv", '"s-bad","x","2024-02-30",3\n')
    _append(tmp_path / "payment_accounts.csv", '"p-q","bank","line one\nline two"\n'
            '"p-w","bank"\n')
    _append(tmp_path / "merchant_accounts.csv",
            f'"{merchants[0]}","p-z","settlement","2024-01-01T00:00:00Z"\n')
    _append(tmp_path / "merchant_signals.csv", f'"{merchants[2]}",1,2,3,"{"9" * 1_100_000}"\n')
    _append(tmp_path / "streamer_devices.csv", '"s1","d\rx","2024-01-01","2024-01-02",1\n')
    _append(tmp_path / "streamer_accounts.csv",
            '"s1","p-f","refund","2024-01-01T10:00:00.1234567"\n')

    export = SparkEngine(master="local[2]").read(str(tmp_path), Mapping())
    _same_as_embedded(export, tmp_path)
    line_exact = {"streamers.csv", "payment_accounts.csv", "merchant_accounts.csv",
                  "merchant_signals.csv", "streamer_devices.csv", "streamer_accounts.csv"}
    assert {f for f, how in export.read_by.items() if how == "line-exact"} == line_exact
    assert {f for f, how in export.read_by.items() if how == "native"} == {
        f.file for f in export.files} - line_exact
    [unknown] = [r for r in export.rejects if r.file == "merchant_devices.csv"]
    assert (unknown.line, unknown.value) == (len(links), "NOPE")  # past the blank lines
    report = {f.table: f for f in export.files}
    assert report["merchants"].merged == 1 and report["merchants"].rejected == 1
    assert report["promotions"].ignored  # the extra column, named as the embedded reader


def test_a_file_cut_into_splits_keeps_each_rows_line(
        spark: Any, tmp_path: Path) -> None:
    """A CSV file read in several tasks (one per split) keeps each row's true line:
    rejects past the first split name it as the embedded reader does."""
    from graphfraud.loaders.mapping import Mapping
    from graphfraud.loaders.spec import contract
    from graphfraud.spark import SparkEngine
    from graphfraud.spark import reader as spark_reader

    generate(tmp_path, SynthConfig(scale=0.3, seed=972))
    links = tmp_path / "merchant_devices.csv"
    lines = links.read_text("utf-8").splitlines(keepends=True)
    at = len(lines) // 2  # the first split ends long before this line
    lines.insert(at, '"NOPE","d1","2024-01-01","2024-01-02",1\n')
    links.write_text("".join(lines) + '"NOPE2","d1","2024-01-01","2024-01-02",1\n', "utf-8")
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(32 << 10))
    try:
        export = SparkEngine(master="local[2]").read(str(tmp_path), Mapping())
        spec = contract()["merchant_devices"]
        part = spark_reader._Part(links.absolute().as_uri(), links.name,
                                  links.stat().st_size, 0)
        plan = spark_reader._plan_csv(spec, Mapping(), part, links.read_bytes()[:65536])
        assert plan is not None
        scan = spark_reader._scan(spark, spec, Mapping(), [plan], "2100-01-01")
        assert scan.rdd.getNumPartitions() >= 4  # several tasks for one file
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert set(export.read_by.values()) == {"native"}
    _same_as_embedded(export, tmp_path)
    assert [r.line for r in export.rejects if r.file == links.name] == [
        at + 1, len(lines) + 1]


def test_a_folder_of_parts_is_read_natively_in_several_tasks(
        spark: Any, tmp_path: Path) -> None:
    """A folder of CSV parts (a header each, as Spark writes them) or Parquet parts is
    read natively, spread over several tasks, into the tables of the same rows in one
    file as the embedded reader reads them."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from graphfraud.loaders import read_dataset
    from graphfraud.loaders.mapping import Mapping
    from graphfraud.loaders.spec import contract
    from graphfraud.spark import SparkEngine
    from graphfraud.spark import reader as spark_reader
    from graphfraud.spark.common import as_text
    from graphfraud.spark.reader import text_frame

    generate(tmp_path / "one", SynthConfig(scale=0.3, seed=973))
    embedded = read_dataset(tmp_path / "one")
    parts = tmp_path / "parts"
    generate(parts, SynthConfig(scale=0.3, seed=973))
    rows = _rows(parts / "merchant_devices.csv")
    (parts / "merchant_devices.csv").unlink()
    (parts / "merchant_devices").mkdir()
    step = len(rows) // 8 + 1
    for i in range(8):
        _write(parts / "merchant_devices" / f"part-{i:05d}.csv",
               [rows[0], *rows[1 + i * step:1 + (i + 1) * step]])
    (parts / "merchant_devices" / "_SUCCESS").write_text("")
    labels = _rows(parts / "labels.csv")
    (parts / "labels.csv").unlink()
    (parts / "labels.parquet").mkdir()
    for i, chunk in enumerate((labels[1:len(labels) // 2], labels[len(labels) // 2:])):
        pq.write_table(pa.table({name: [r[j] for r in chunk]
                                 for j, name in enumerate(labels[0])}),
                       parts / "labels.parquet" / f"part-{i}.parquet")
    folder = SparkEngine(master="local[2]").read(str(parts), Mapping())
    assert set(folder.read_by.values()) == {"native"}
    assert sum(name.startswith("merchant_devices/") for name in folder.read_by) == 8
    assert folder.rejects == embedded.rejects
    for name, frame in embedded.dataset.tables.items():
        mine = pd.DataFrame({c: as_text(frame[c]) for c in frame.columns}).astype(str)
        theirs = text_frame(folder.tables[name]).astype(str)
        key = list(frame.columns)
        assert mine.sort_values(key).reset_index(drop=True).equals(
            theirs.sort_values(key).reset_index(drop=True)), name
    spec = contract()["merchant_devices"]
    found = spark_reader._FileSystem(spark, str(parts)).find("merchant_devices")
    assert found is not None
    plans = [spark_reader._plan_csv(spec, Mapping(),
                                    spark_reader._Part(path, name, size, order),
                                    Path(path.removeprefix("file:")).read_bytes()[:65536])
             for order, (path, name, size) in enumerate(found[1])]
    scan = spark_reader._scan(spark, spec, Mapping(), [p for p in plans if p is not None],
                              "2100-01-01")
    assert len(plans) == 8 and None not in plans
    assert scan.rdd.getNumPartitions() >= 2
