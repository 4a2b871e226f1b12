"""What the Spark engine and the Spark reader share: the text form of a column, and
how a stage is checkpointed.

Tables travel through Spark as text columns: :func:`as_text` writes a loader column
exactly (ISO 8601 for times, ``repr`` for floats), :func:`typed` reads it back in the
loader's dtype, on the driver or inside a task. :func:`checkpoint` materialises a
stage: reliably into the session's checkpoint directory when it has one, else locally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession


def as_text(column: pd.Series) -> pd.Series:
    """A column as exact text (ISO 8601 for times, repr for floats), None for nulls."""
    import pandas as pd

    if isinstance(column.dtype, pd.DatetimeTZDtype) or str(column.dtype).startswith(
            "datetime64"):
        text = column.map(lambda t: None if pd.isna(t) else t.isoformat())
    else:
        text = column.map(lambda v: None if pd.isna(v) else repr(v) if isinstance(v, float)
                          else str(v))
    return text.astype(object)


def typed(text: pd.Series, dtype: str) -> pd.Series:
    """A text column back in the loader's dtype."""
    import pandas as pd

    target: Any = pd.api.types.pandas_dtype(dtype)
    if dtype.startswith("datetime64"):
        return pd.to_datetime(text, utc=True, format="ISO8601").astype(target)
    if dtype in ("Int64", "float64"):
        return pd.to_numeric(text).astype(target)
    return text.astype(target)


def checkpoint_dir(spark: SparkSession) -> str | None:
    """The session's checkpoint directory (``spark.checkpoint.dir``, or one set with
    ``SparkContext.setCheckpointDir``); None when it has none."""
    return spark.sparkContext.getCheckpointDir()


def checkpoint(frame: DataFrame) -> DataFrame:
    """``frame`` computed once and cut from its plan: a reliable ``checkpoint()`` into
    the session's checkpoint directory when it has one (it survives a lost executor),
    else ``localCheckpoint()`` (the executors' own storage: a lost executor fails the
    stage that needs its blocks)."""
    if checkpoint_dir(frame.sparkSession) is not None:
        return frame.checkpoint()
    return frame.localCheckpoint()
