"""The graph-wide numbers of the components above the task bound, computed graph-wide.

A component above ``SparkEngine.max_task`` is scanned in cells (its identifier groups,
:func:`graphfraud.parts.task_cells`), the promotions between them cut. Candidate
detection never crosses an identifier group, but two numbers of the scan are graph-wide:
the walk from the blacklisted actors (:func:`graphfraud.detect.seeds.personalized_pagerank`,
raw values, one unit of restart per seed) and the embedding
(:func:`graphfraud.detect.embedding.fastrp`). Both are computed here over the whole of
those components, as DataFrames (no task holds a component), and handed to the cells'
tasks (:class:`graphfraud.pipeline.GivenWalks`), which use them instead of their own.

Both walk the actor graph ``linked`` = ``shared`` + ``promotions`` of the projection
(:func:`graphfraud.graph.projection.project`), built here as one row per actor pair:
``linked(v, u)`` is the sum of ``w_i = 1 / (k_i - 1)`` over the identifiers ``i`` the
two share (``k_i`` its users; dropped hubs and identifiers of one user do not count)
plus ``promotion_weight / sqrt(promotions of the host)`` for a promotion between them.
An identifier of ``k`` users makes ``k (k - 1)`` rows; identifiers above the hub degree
are dropped unless cohesive, so the rows are at most ``hub_degree`` times the links of
the common case. The results equal the in-process ones up to the order of
floating-point sums (the embedding is float32 there, double here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from graphfraud.pipeline import ScanParams

#: The walk's restart share and steps (personalized_pagerank's defaults).
RESTART = 0.25
STEPS = 30


def node_keys(actors: DataFrame, params: ScanParams) -> DataFrame:
    """(atype, aid, h, proj): each actor's node hash (:func:`node_hashes`, as a signed
    long) and its random projection row (FastRP's draws, before degree scaling)."""
    import numpy as np
    import pandas as pd

    from graphfraud.detect.embedding import node_hashes, random_projection
    from graphfraud.graph.projection import ACTOR_TYPES

    embedding = params.embedding
    code = {t: i for i, t in enumerate(ACTOR_TYPES)}

    def keyed(frames: Any) -> Any:
        for frame in frames:
            types = frame["atype"].map(code).to_numpy(dtype=np.int64)
            h = node_hashes(types, frame["aid"].to_numpy(dtype=object))
            proj = random_projection(h, embedding).astype(np.float64)
            yield pd.DataFrame({"atype": frame["atype"], "aid": frame["aid"],
                                "h": h.view(np.int64), "proj": list(proj)})

    return actors.select("atype", "aid").mapInPandas(
        keyed, "atype string, aid string, h long, proj array<double>")


def graph_walks(actors: DataFrame, links: DataFrame, degree: DataFrame,
                promotions: DataFrame | None, hubs: list[tuple[str, str, int]],
                seeds: DataFrame, params: ScanParams) -> DataFrame:
    """(atype, aid, h, walk, vector) for ``actors`` (whole components): the raw walk from
    ``seeds`` (h) and, when the scan uses embeddings, the FastRP vector (else null).

    ``links``: (atype, aid, itype, iid) of these actors; ``degree``: (itype, iid, k) over
    the whole graph; ``promotions``: (promoter, promoted) actor pairs as (satype, said,
    eatype, eaid), or None; ``hubs``: the dropped identifiers."""
    from pyspark.sql import functions as F

    from graphfraud.spark.common import checkpoint

    spark = actors.sparkSession
    nodes = checkpoint(node_keys(actors, params))
    h_of = nodes.select("atype", "aid", "h")
    dropped = spark.createDataFrame([(t, i) for t, i, _ in hubs], "itype string, iid string")
    usable = (links.join(dropped, ["itype", "iid"], "left_anti")
              .join(degree, ["itype", "iid"]).where(F.col("k") >= 2)
              .join(h_of, ["atype", "aid"])
              .select("h", "itype", "iid", (F.lit(1.0) / (F.col("k") - 1)).alias("w")))
    other = usable.select(F.col("h").alias("u"), "itype", "iid")
    edges = usable.join(other, ["itype", "iid"]).where(F.col("h") != F.col("u")) \
        .select("h", "u", F.col("w").alias("a"))
    pairs = _promotion_edges(promotions, h_of, params)
    if pairs is not None:
        edges = edges.unionByName(pairs.withColumnRenamed("p", "a"))
    # linked, one row per actor pair (u -> h), and its row sums
    linked = checkpoint(edges.groupBy("h", "u").agg(F.sum("a").alias("a")))
    deg = linked.groupBy("h").agg(F.sum("a").alias("d"))
    base = checkpoint(nodes.join(deg, "h", "left").select(
        "atype", "aid", "h", "proj", F.coalesce("d", F.lit(0.0)).alias("d")))
    walk = _walk(base, linked, seeds)
    if not params.score.use_embedding:
        return walk.withColumn("vector", F.lit(None).cast("array<double>"))
    return walk.join(_fastrp(base, linked, params), "h")


def _promotion_edges(promotions: DataFrame | None, h_of: DataFrame, params: ScanParams
                     ) -> DataFrame | None:
    """(h, u, p): both directions of each promotion between the actors, weighted as the
    projection weighs them (a host who promotes many shops says little of each)."""
    from pyspark.sql import functions as F

    if promotions is None:
        return None
    start = h_of.select(F.col("atype").alias("satype"), F.col("aid").alias("said"),
                        F.col("h").alias("a"))
    end = h_of.select(F.col("atype").alias("eatype"), F.col("aid").alias("eaid"),
                      F.col("h").alias("b"))
    pairs = promotions.join(start, ["satype", "said"]).join(end, ["eatype", "eaid"]) \
        .select("a", "b").distinct()
    hosts = pairs.groupBy("a").agg(F.count(F.lit(1)).alias("n"))
    weighted = pairs.join(hosts, "a").select(
        "a", "b", (F.lit(float(params.projection.promotion_weight)) / F.sqrt("n")).alias("p"))
    return (weighted.select(F.col("a").alias("h"), F.col("b").alias("u"), "p")
            .unionByName(weighted.select(F.col("b").alias("h"), F.col("a").alias("u"), "p")))


def _walk(base: DataFrame, linked: DataFrame, seeds: DataFrame) -> DataFrame:
    """(atype, aid, h, walk): STEPS rounds of p = (1 - RESTART) linked (p / d) + RESTART
    start, from p = start (1 at each seed); each round one join and one sum."""
    from pyspark.sql import functions as F

    from graphfraud.spark.common import checkpoint

    start = checkpoint(base.join(seeds.select("h", F.lit(1.0).alias("s0")), "h", "left")
                       .select("atype", "aid", "h", "d",
                               F.coalesce("s0", F.lit(0.0)).alias("start")))
    inverse = start.select(F.col("h").alias("u"), F.when(F.col("d") > 0, 1 / F.col("d"))
                           .otherwise(F.lit(0.0)).alias("inv"))
    # the walk's steps: (1 - RESTART) linked(h, u) / d(u), and the restart at each seed
    step = checkpoint(linked.join(inverse, "u").select(
        "h", "u", (F.lit(1 - RESTART) * F.col("a") * F.col("inv")).alias("t")))
    restart = start.where(F.col("start") > 0).select(
        "h", (F.lit(RESTART) * F.col("start")).alias("v"))
    p = start.where(F.col("start") > 0).select("h", F.col("start").alias("p"))
    for _ in range(STEPS):
        moved = step.join(p.withColumnRenamed("h", "u"), "u").select(
            "h", (F.col("t") * F.col("p")).alias("v"))
        p = checkpoint(moved.unionByName(restart).groupBy("h").agg(F.sum("v").alias("p")))
    return start.join(p, "h", "left").select(
        "atype", "aid", "h", F.coalesce("p", F.lit(0.0)).alias("walk"))


def _fastrp(base: DataFrame, linked: DataFrame, params: ScanParams) -> DataFrame:
    """(h, vector): FastRP as :func:`graphfraud.detect.embedding.fastrp` computes it."""
    from pyspark.sql import functions as F

    from graphfraud.spark.common import checkpoint

    dims = params.embedding.dimensions
    zero = F.array_repeat(F.lit(0.0), dims)

    def add(a: Column, b: Column) -> Column:
        return F.zip_with(a, b, lambda u, v: u + v)

    def scale(a: Column, by: Column) -> Column:
        return F.transform(a, lambda u: u * by)

    def unit(a: Column) -> Column:
        norm = F.sqrt(F.aggregate(a, F.lit(0.0), lambda s, u: s + u * u))
        return F.when(norm > 0, F.transform(a, lambda u: u / norm)).otherwise(a)

    strength = float(params.embedding.normalization_strength)
    # the transition matrix: linked(h, u) / d(h)
    step = checkpoint(linked.join(base.select("h", "d"), "h").select(
        "h", "u", (F.col("a") / F.col("d")).alias("t")))
    current = checkpoint(base.select(
        "h", F.when(F.col("d") > 0, scale(F.col("proj"), F.pow("d", strength)))
        .otherwise(zero).alias("c")))
    total = None
    for weight in params.embedding.iteration_weights:
        moved = (step.join(current.withColumnRenamed("h", "u"), "u")
                 .groupBy("h").agg(F.aggregate(F.collect_list(scale(F.col("c"), F.col("t"))),
                                               zero, add).alias("y")))
        current = checkpoint(base.select("h").join(moved, "h", "left").select(
            "h", unit(F.coalesce(F.col("y"), zero)).alias("c")))
        if not weight:
            continue
        weighted = current.select("h", scale(F.col("c"), F.lit(float(weight))).alias("e"))
        total = weighted if total is None else checkpoint(
            total.join(weighted.withColumnRenamed("e", "f"), "h")
            .select("h", add(F.col("e"), F.col("f")).alias("e")))
    if total is None:
        return base.select("h", zero.alias("vector"))
    return total.select("h", unit(F.col("e")).alias("vector"))
