"""Loaders: read an export (CSV or Parquet) and validate it against the data contract.

The contract itself is data (``contract.toml`` beside this module); a platform whose
export names columns differently maps them with a mapping file (see
:mod:`graphfraud.loaders.mapping`), without writing Python. The result is a
:class:`~graphfraud.loaders.dataset.Dataset` of clean tables plus a per-file report
and the rejected rows; nothing here talks to Neo4j.
"""

from graphfraud.loaders.dataset import Dataset, FileReport, LoadResult, Reject
from graphfraud.loaders.reader import read_dataset

__all__ = ["Dataset", "FileReport", "LoadResult", "Reject", "read_dataset"]
