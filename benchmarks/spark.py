"""The scan on Spark against the embedded scan, in the same run, on the same exports.

    python benchmarks/spark.py                        # scales 1 and 5, local[1] and local[2]
    python benchmarks/spark.py --scales 1,10 --masters "local[1],local[2],local[4]"
    python benchmarks/spark.py --data /tmp/synth-130 --max-task 200000   # an export as is
    python benchmarks/spark.py --graph-stage --data /tmp/synth-1300 --no-embedded \
        --masters "local[2]" --spark-conf spark.driver.memory=16g     # 10M: graph stage only

    python benchmarks/spark.py --cells-in-process --data /tmp/synth-130 --max-task 100000 \
        --check-whole                    # the lean cells against the whole projection's
    python benchmarks/spark.py --cells-in-process --data /tmp/synth-1300   # 10M: ~11 GiB

With ``--graph-stage`` only the Spark graph stage runs (degrees, hubs, components, the
cells of components above the task bound, the buckets), on the tables as Spark's own
readers read them (every column as text, no validation): what it prints as the largest
task is the actors the largest bucket is given, counted on Spark. For exports too big
for a whole scan on this machine.

Each run is `graphfraud scan` end to end in its own process (Spark runs start a JVM;
that start is part of what a user waits for), on a synthetic export (about 10,000
actors per unit of scale). Printed per run: input rows, wall time, rows per second,
the ratio to the embedded scan, the stage times from rings.json, and whether the rings
equal the embedded scan's (they must: the same code scores each bucket).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

from graphfraud.synth import SynthConfig, generate


def run(data: Path, out: Path, extra: list[str]) -> tuple[float, dict]:  # type: ignore[type-arg]
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "graphfraud", "scan", str(data), "--out", str(out),
                    "--seed", "7", "--quiet", *extra], check=True, capture_output=True)
    return time.perf_counter() - started, json.loads((out / "rings.json").read_text("utf-8"))


def cores(master: str) -> int:
    """Cores of a local master (local[N]; local[*]: this machine's); 1 otherwise."""
    import os
    import re

    found = re.fullmatch(r"local\[(\d+|\*)\]", master)
    if not found:
        return 1
    return os.cpu_count() or 1 if found.group(1) == "*" else int(found.group(1))


def line(first: tuple, engine: str, seconds: float, report: dict) -> None:  # type: ignore[type-arg]
    scale, actors, rows, base_seconds, base = first
    stages = ", ".join(f"{k} {v:.1f}" for k, v in report["summary"]["seconds"].items()
                       if not k.startswith("parts: "))
    same = "yes" if base is None or report["rings"] == base["rings"] else "NO"
    spark = report["summary"].get("spark")
    task = "" if spark is None else \
        f"{spark['largest_task_actors']:,} ({spark['largest_task_actors'] / actors:.1%})"
    n = cores(engine.split()[-1]) if engine.startswith("spark") else 2
    ratio = f"{seconds / base_seconds:.1f}x" if base_seconds else "-"
    print(f"| {scale} | {actors:,} | {rows:,} | {engine} | {seconds:.1f} s | "
          f"{rows / seconds / n:,.0f} | {ratio} | {task} | {stages} | {same} |",
          flush=True)


def graph_stage(data: Path, master: str, max_task: int | None, conf: list[str]
                ) -> dict:  # type: ignore[type-arg]
    """The Spark graph stage of ``data`` in a process of its own (a JVM per master)."""
    child = [sys.executable, __file__, "--child-graph-stage", str(data), "--masters", master]
    if max_task is not None:
        child += ["--max-task", str(max_task)]
    for pair in conf:
        child += ["--spark-conf", pair]
    done = subprocess.run(child, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_graph_stage(data: Path, master: str, max_task: int | None, conf: list[str]
                      ) -> None:
    from pyspark.sql import functions as F

    from graphfraud.pipeline import ScanParams
    from graphfraud.spark.common import checkpoint
    from graphfraud.spark.engine import (
        SparkEngine,
        _graph_figures,
        _owners,
        default_buckets,
    )

    pairs = tuple(tuple(p.split("=", 1)) for p in conf)
    engine = SparkEngine(master=master, conf=pairs, max_task=max_task)  # type: ignore[arg-type]
    spark = engine.spark_session()
    tables = {}
    for path in sorted(data.iterdir()):
        if path.suffix == ".parquet":
            frame = spark.read.parquet(str(path))
        elif path.suffix == ".csv":
            frame = spark.read.csv(str(path), header=True, inferSchema=False)
        else:
            continue
        tables[path.stem] = frame.select(*[F.col(c).cast("string") for c in frame.columns])
    rows = sum(frame.count() for frame in tables.values())
    said: list[str] = []
    started = time.perf_counter()
    figures = _graph_figures(spark, tables, ScanParams.with_seed(7), max_task, said.append)
    buckets = default_buckets(spark.sparkContext.defaultParallelism,
                              figures.graph.n_actors, max_task)
    owner = checkpoint(_owners(figures.actor_components, buckets, max_task))
    loads = [int(r["count"]) for r in owner.groupBy("bucket").count().collect()]
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": rows, "actors": figures.graph.n_actors, "seconds": seconds,
                      "buckets": buckets, "largest_task": max(loads),
                      "largest_component": figures.largest_component,
                      "split_components": figures.split_components,
                      "cut_promotions": figures.cut_promotions, "said": said}))


class CellFigures(NamedTuple):
    """What the task-bound rule makes of an export: per actor, its component, its
    identifier group and its cell; and the promotions whose two actors the cells part."""

    components: Any  # np.ndarray
    groups: Any
    cells: Any
    cut: int


def cells_whole(data: Path, max_task: int) -> CellFigures:
    """The rule on the whole export as a scan reads it: ``read_dataset`` (every table,
    validated), ``project`` (the whole actor graph), then ``parts``' functions."""
    from graphfraud.graph.projection import project
    from graphfraud.loaders import read_dataset
    from graphfraud.parts import (
        actor_components,
        identifier_groups,
        task_cells,
        without_cut_promotions,
    )
    from graphfraud.pipeline import ScanParams

    dataset = read_dataset(data).dataset
    graph = project(dataset, ScanParams().projection)
    cells = task_cells(graph, max_task)
    _, cut = without_cut_promotions(dataset, graph, cells)
    return CellFigures(actor_components(graph), identifier_groups(graph), cells, cut)


class CellGraph(NamedTuple):
    """What ``parts.actor_components``, ``identifier_groups`` and ``task_cells`` read of
    an ``ActorGraph``: the actor x identifier incidence, the identifiers dropped as hubs
    and the promotion matrix (whose weights a component does not look at)."""

    incidence: Any  # sp.csr_matrix
    identifier_dropped: Any  # np.ndarray
    promotions: Any  # sp.csr_matrix


def _id_column(data: Path, table: str, column: str) -> Any:
    """One column of ids of an export's table as Arrow text (Parquet or CSV), or None
    when the export has no such table."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if (data / f"{table}.parquet").exists():
        values = pq.read_table(data / f"{table}.parquet", columns=[column]).column(0)
    elif (data / f"{table}.csv").exists():
        values = pacsv.read_csv(data / f"{table}.csv", convert_options=pacsv.ConvertOptions(
            include_columns=[column], column_types={column: pa.string()})).column(0)
    else:
        return None
    return values.cast(pa.large_string())


def _encoded(columns: list[Any]) -> tuple[int, list[Any]]:
    """The distinct ids of ``columns`` and each column's codes in them, the ids sorted
    as the projection sorts a kind's universe (UTF-8 byte order), so that actors come
    in the projection's order and components get the projection's numbers."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not columns:
        return 0, []
    encoded = pc.dictionary_encode(pa.chunked_array(
        [c for col in columns for c in col.chunks], type=pa.large_string()))
    if not encoded.num_chunks:  # no ids at all (a kind the export does not have)
        return 0, [np.zeros(0, np.int32) for _ in columns]
    dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
    order = np.asarray(pc.sort_indices(dictionary).to_numpy())
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    codes = [rank[c.indices.to_numpy()] for c in encoded.chunks]
    out, at = [], 0
    for col in columns:
        out.append(np.concatenate(codes[at:at + col.num_chunks]) if col.num_chunks
                   else np.zeros(0, np.int32))
        at += col.num_chunks
    return len(dictionary), out


def _kind_codes(data: Path, kind: Any) -> tuple[int, dict[tuple[str, str], Any]]:
    """One entity kind's universe size and the codes of every id column naming it,
    from the columns the projection takes its universe from (its own table for an
    actor, the sharing links, the promotions; labels for an actor whose file is
    optional)."""
    from graphfraud.loaders.spec import contract
    from graphfraud.model import PROMOTION, SHARING_LINKS, Role

    named = [(kind.table, kind.key)] if kind.role is Role.ACTOR else []
    for link in (*SHARING_LINKS, PROMOTION):
        named += [(link.table, c) for end, c in ((link.start, link.start_column),
                                                  (link.end, link.end_column)) if end is kind]
    columns = {key: _id_column(data, *key) for key in named}
    columns = {key: c for key, c in columns.items() if c is not None}
    if kind.role is Role.ACTOR and not contract()[kind.table].required:
        labels = _id_column(data, "labels", "entity_id")
        if labels is not None:
            import pyarrow.compute as pc

            types = _id_column(data, "labels", "entity_type")
            columns[("labels", "entity_id")] = labels.filter(pc.equal(types, kind.entity_type))
    n, codes = _encoded(list(columns.values()))
    return n, dict(zip(columns, codes, strict=True))


def cells_lean(data: Path, max_task: int) -> CellFigures:
    """The same rule on only what it reads: the id columns of the link tables, actors
    and promotions as int32 codes, the incidence and promotion matrices, the hubs
    dropped as ``project`` drops them; then the same ``parts`` functions. For exports
    whose whole projection does not fit in memory (a 10M-merchant world);
    ``--check-whole`` holds it to :func:`cells_whole` on a smaller one."""
    import numpy as np
    import scipy.sparse as sp

    from graphfraud.graph.projection import identifier_cohesion
    from graphfraud.model import ACTOR_KINDS, IDENTIFIER_KINDS, PROMOTION, SHARING_LINKS
    from graphfraud.parts import actor_components, identifier_groups, task_cells
    from graphfraud.pipeline import ScanParams

    codes, totals = {}, []
    for kinds in (ACTOR_KINDS, IDENTIFIER_KINDS):  # each kind's rows after the one before
        at = 0
        for kind in kinds:
            n, named = _kind_codes(data, kind)
            codes.update({key: c + np.int32(at) for key, c in named.items()})
            at += n
        totals.append(at)
    n_actors, size = totals
    links = [link for link in SHARING_LINKS if (link.table, link.start_column) in codes]
    rows = np.concatenate([codes.pop((k.table, k.start_column)) for k in links])
    cols = np.concatenate([codes.pop((k.table, k.end_column)) for k in links])
    incidence = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_actors, size))
    incidence.data[:] = 1.0  # duplicates summed by the constructor count once
    del rows, cols
    params = ScanParams().projection
    degree = np.asarray(incidence.sum(axis=0)).ravel().astype(np.int64)
    cohesion = identifier_cohesion(incidence, degree, params.strong_degree,
                                   params.cohesion_lift)
    dropped = (degree > params.hub_degree) & ~(cohesion >= params.cohesion)
    start = codes.get((PROMOTION.table, PROMOTION.start_column), np.zeros(0, np.int32))
    end = codes.get((PROMOTION.table, PROMOTION.end_column), np.zeros(0, np.int32))
    promoted = sp.csr_matrix((np.ones(len(start)), (start, end)), shape=(n_actors, n_actors))
    graph = CellGraph(incidence, dropped, (promoted + promoted.T).tocsr())
    cells = task_cells(graph, max_task)  # type: ignore[arg-type]
    cut = int((cells[start] != cells[end]).sum())
    return CellFigures(actor_components(graph), identifier_groups(graph),  # type: ignore[arg-type]
                       cells, cut)


def cells_in_process(data: Path, max_task: int, *, check_whole: bool = False) -> None:
    """The cells of ``data`` under the task bound, in-process (parts.task_cells, the
    Spark engine's rule), and the largest bucket when they are packed as
    ``engine._owners`` packs them (the hash replaced by a seeded draw): for exports
    whose Spark graph stage is too slow on this machine. Computed by
    :func:`cells_lean`; with ``check_whole`` also by :func:`cells_whole`, which must
    give the same arrays."""
    import resource

    import numpy as np

    from graphfraud.spark.engine import PACKED_SHARE, default_buckets, pack, reserved_buckets

    started = time.perf_counter()
    figures = cells_lean(data, max_task)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    if check_whole:
        whole = cells_whole(data, max_task)
        same = all(np.array_equal(a, b) for a, b in zip(figures[:3], whole[:3], strict=True))
        if not same or figures.cut != whole.cut:
            raise SystemExit(f"{data}: the lean cells differ from the whole scan's")
        print(f"{data}: the lean cells equal the whole projection's")
    n = len(figures.cells)
    components = np.bincount(figures.components)
    groups = np.bincount(figures.groups)
    sizes = np.bincount(np.unique(figures.cells, return_inverse=True)[1])
    buckets = default_buckets(2, n, max_task)
    threshold = max(1, max_task // PACKED_SHARE)
    small = sizes <= threshold
    kept = reserved_buckets(int((~small).sum()), buckets)
    at = kept + np.random.default_rng(0).integers(0, buckets - kept, len(sizes))
    load = np.bincount(at[small], weights=sizes[small], minlength=buckets).astype(int).tolist()
    pack(sorted(sizes[~small].tolist(), reverse=True), load)
    load = np.asarray(load)
    print(f"actors {n:,}; largest component {components.max():,} "
          f"({components.max() / n:.1%}); identifier groups {int((groups > 0).sum()):,}, "
          f"the largest {groups.max():,} ({groups.max() / n:.2%}); bound {max_task:,}: "
          f"{len(sizes):,} cells, the largest {sizes.max():,}; {buckets} buckets, the "
          f"largest {int(load.max()):,} ({load.max() / n:.2%}); {figures.cut:,} "
          f"promotions cut; {seconds:.1f} s, peak RSS {peak:.2f} GiB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,5")
    parser.add_argument("--masters", default="local[1],local[2]")
    parser.add_argument("--data", type=Path, action="append", default=[],
                        help="an export to scan as it is (repeatable; --scales is then "
                        "ignored)")
    parser.add_argument("--max-task", type=int, default=None,
                        help="--spark-max-task for the Spark runs [the scan's default]")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--graph-stage", action="store_true",
                        help="only the Spark graph stage (see the module's docstring)")
    parser.add_argument("--no-embedded", action="store_true",
                        help="no embedded scan (an export too big for this machine)")
    parser.add_argument("--cells-in-process", action="store_true",
                        help="the cells and buckets of each --data export under "
                        "--max-task, computed in-process (no Spark)")
    parser.add_argument("--check-whole", action="store_true",
                        help="with --cells-in-process: also read and project the whole "
                        "export, and check that it gives the same cells")
    parser.add_argument("--child-graph-stage", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cells_in_process:
        for data in args.data:
            cells_in_process(data, args.max_task or 1_000_000,
                             check_whole=args.check_whole)
        return
    if args.child_graph_stage:
        child_graph_stage(args.child_graph_stage, args.masters, args.max_task,
                          args.spark_conf)
        return
    extra = [] if args.max_task is None else ["--spark-max-task", str(args.max_task)]
    for pair in args.spark_conf:
        extra += ["--spark-conf", pair]
    if args.graph_stage:
        print("| export | actors | input rows | master | graph stage | rows/s per core | "
              "buckets | largest task | largest unit | split components | cut promotions |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for data in args.data:
            for master in args.masters.split(","):
                f = graph_stage(data, master, args.max_task, args.spark_conf)
                print(f"| {data.name} | {f['actors']:,} | {f['rows']:,} | {master} | "
                      f"{f['seconds']:.1f} s | {f['rows'] / f['seconds'] / cores(master):,.0f} | "
                      f"{f['buckets']} | {f['largest_task']:,} "
                      f"({f['largest_task'] / f['actors']:.1%}) | {f['largest_component']:,} | "
                      f"{f['split_components']} | {f['cut_promotions']:,} |", flush=True)
        return
    print("| scale | actors | input rows | engine | wall | rows/s per core | vs embedded | "
          "largest task | stages | same rings |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="graphfraud-spark-") as tmp:
        exports = [(d.name, d) for d in args.data]
        if not exports:
            for scale in (float(s) for s in args.scales.split(",")):
                data = Path(tmp) / f"data-{scale:g}"
                generate(data, SynthConfig(scale=scale, seed=17))
                exports.append((f"{scale:g}", data))
        for label, data in exports:
            base_seconds, base = 0.0, None
            if not args.no_embedded:
                base_seconds, base = run(data, Path(tmp) / f"e-{label}", [])
            for master in args.masters.split(","):
                seconds, report = run(data, Path(tmp) / f"s-{label}-{master}",
                                      ["--engine", "spark", "--spark-master", master,
                                       *extra])
                summary = report["summary"]
                rows = summary["rows"]
                actors = summary["merchants"] + summary["streamers"]
                first = (label, actors, rows, base_seconds, base)
                if base is not None and master == args.masters.split(",")[0]:
                    line(first, "embedded", base_seconds, base)
                line(first, f"spark {master}", seconds, report)


if __name__ == "__main__":
    main()
