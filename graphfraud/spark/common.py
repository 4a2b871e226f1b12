"""What the Spark engine and the Spark reader share: the text form of a column.

Tables travel through Spark as text columns: :func:`as_text` writes a loader column
exactly (ISO 8601 for times, ``repr`` for floats), :func:`typed` reads it back in the
loader's dtype, on the driver or inside a task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


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
