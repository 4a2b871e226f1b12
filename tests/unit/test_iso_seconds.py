"""The one spelling of timestamps sent to Neo4j (online load and bulk import alike)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphfraud.store.writer import iso_seconds


def _utc(values: list[str | None], unit: str = "us") -> pd.Series:
    return pd.Series(np.array(values, dtype=f"datetime64[{unit}]")).dt.tz_localize("UTC")


def test_whole_seconds_floored_with_nulls_kept() -> None:
    values = _utc(["2024-01-01T00:00:00.999", "1969-12-31T23:59:59.700", None,
                   "0001-01-01T00:00:00", "9999-12-31T23:59:59.5", "0099-05-01T08:30:15"])
    assert iso_seconds(values).to_pylist() == [
        "2024-01-01T00:00:00Z", "1969-12-31T23:59:59Z", None, "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "0099-05-01T08:30:15Z"]


def test_five_digit_years_and_other_zones_and_all_null() -> None:
    assert iso_seconds(_utc(["12000-01-01T00:00:00", None], unit="s")).to_pylist() == [
        "12000-01-01T00:00:00Z", None]
    shanghai = pd.Series(pd.to_datetime(["2024-05-01T08:30:15"])).dt.tz_localize(
        "Asia/Shanghai")
    assert iso_seconds(shanghai).to_pylist() == ["2024-05-01T00:30:15Z"]
    assert iso_seconds(pd.Series([None, None], dtype="datetime64[us, UTC]")).to_pylist() == [
        None, None]
