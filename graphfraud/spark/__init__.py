"""The scan on Apache Spark (``graphfraud scan --engine spark``).

Spark computes the graph-wide figures (identifier degrees, hubs, the actor count) with
group-bys and the connected components of the hub-pruned actor-identifier graph with
DataFrames (:mod:`graphfraud.spark.components`); each bucket of whole components is
then scanned inside ``applyInPandas`` by the project's own pipeline
(:func:`graphfraud.pipeline.scan` with a :class:`~graphfraud.pipeline.ScanContext`),
so the rings are those of the embedded scan. Needs the ``spark`` extra
(``pip install graphfraud[spark]``) and Java 17.
"""

from graphfraud.spark.engine import SparkEngine, spark_available, stop_spark

__all__ = ["SparkEngine", "spark_available", "stop_spark"]
