"""Connected components in plain Spark DataFrames (no GraphFrames jar needed).

The alternating large-star / small-star rounds of Kiveris et al. ("Connected Components
in MapReduce and Beyond", 2014): each round makes every vertex point closer to the
smallest vertex of its component, and the number of rounds grows with the logarithm of
the component's size, not with its diameter. Each round's edges are checkpointed
(:func:`graphfraud.spark.common.checkpoint`: into the session's checkpoint directory
when it has one, else ``localCheckpoint()``), so the plan does not grow with the
rounds. Convergence is checked on a count and an XOR of edge hashes (XOR
cannot overflow, which Spark's ANSI mode would reject for a sum).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def connected_components(edges: DataFrame, *, max_rounds: int = 60) -> DataFrame:
    """``(src, dst)`` long vertex ids, undirected -> ``(vertex, component)``, the
    component named by its smallest vertex id; vertices without an edge are absent.

    Raises
    ------
    RuntimeError
        If the rounds have not converged after ``max_rounds`` (a bug, not a data case:
        the rounds converge in O(log n)).
    """
    from pyspark.sql import functions as F

    from graphfraud.spark.common import checkpoint

    e = checkpoint(edges.select(F.least("src", "dst").alias("u"),
                                F.greatest("src", "dst").alias("v"))
                   .where(F.col("u") != F.col("v")).distinct())
    signature = _signature(e)
    for _ in range(max_rounds):
        e = checkpoint(_small_star(_large_star(e)))
        now = _signature(e)
        if now == signature:
            # every edge is (root, vertex): the root is the component's smallest vertex
            roots = e.select(F.col("u").alias("vertex"), F.col("u").alias("component"))
            return (e.select(F.col("v").alias("vertex"), F.col("u").alias("component"))
                    .unionByName(roots).distinct())
        signature = now
    raise RuntimeError(f"connected components did not converge in {max_rounds} rounds")


def _signature(e: DataFrame) -> tuple[int, int]:
    from pyspark.sql import functions as F

    row = e.agg(F.count(F.lit(1)).alias("n"),
                F.bit_xor(F.xxhash64("u", "v")).alias("x")).first()
    assert row is not None
    return int(row["n"]), int(row["x"] or 0)


def _large_star(e: DataFrame) -> DataFrame:
    """Each vertex's larger neighbours are linked to the smallest vertex of its
    neighbourhood (itself included)."""
    from pyspark.sql import functions as F

    both = e.unionByName(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
    low = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    return (both.join(low, "u").where(F.col("v") > F.col("u"))
            .select(F.least("v", "m").alias("u"), F.greatest("v", "m").alias("v"))
            .where(F.col("u") != F.col("v")).distinct())


def _small_star(e: DataFrame) -> DataFrame:
    """Each vertex and its smaller neighbours are linked to the smallest of them."""
    from pyspark.sql import functions as F

    down = e.select(F.col("v").alias("u"), F.col("u").alias("v"))  # u > v
    low = down.groupBy("u").agg(F.min("v").alias("m"))
    linked = down.join(low, "u").select(F.col("v").alias("a"), "m")
    selves = low.select(F.col("u").alias("a"), "m")
    return (linked.unionByName(selves).where(F.col("a") != F.col("m"))
            .select(F.least("a", "m").alias("u"), F.greatest("a", "m").alias("v"))
            .distinct())


#: What ``--spark-components graphframes`` needs, in one line.
GRAPHFRAMES_NEEDS = (
    "--spark-components graphframes needs the graphframes-py package (pip install "
    "'graphfraud[graphframes]') and the GraphFrames jar on Spark's classpath "
    "(--spark-conf spark.jars.packages=io.graphframes:graphframes-spark4_2.13:VERSION, "
    "or the cluster's own jars)")


def graphframes_components(edges: DataFrame) -> DataFrame:
    """:func:`connected_components` by GraphFrames, for clusters that have its jar:
    ``(src, dst)`` -> ``(vertex, component)``, vertices of the edges only. GraphFrames
    names components its own way; the scan only groups by them, so the rings are the
    same. Checkpoints as in the DataFrame rounds: reliable ones into the session's
    checkpoint directory when it has one, else local ones.

    Raises
    ------
    UsageError
        If the graphframes package or its jar is missing.
    """
    from pyspark.sql import functions as F

    from graphfraud.errors import UsageError

    try:
        from graphframes import GraphFrame
    except ImportError:
        raise UsageError(GRAPHFRAMES_NEEDS) from None
    vertices = (edges.select(F.col("src").alias("id"))
                .unionByName(edges.select(F.col("dst").alias("id"))).distinct())
    try:
        graph = GraphFrame(vertices, edges.select("src", "dst"))
    except Exception:  # Py4J: the jar's class is not on the classpath
        raise UsageError(GRAPHFRAMES_NEEDS) from None
    from graphfraud.spark.common import checkpoint_dir

    local = checkpoint_dir(edges.sparkSession) is None
    found = graph.connectedComponents(use_local_checkpoints=local)
    return found.select(F.col("id").alias("vertex"), F.col("component"))
