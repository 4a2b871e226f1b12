"""numpy's median, linear percentiles and means of a small 1-D float64 array, to the
bit, without numpy's per-call machinery: scoring takes several per candidate, thousands
of candidates per scan, and ``np.median`` and ``np.percentile`` cost 25-70 µs each on a
ring's dozen values (``np.nanmean`` 15 µs), most of it in argument handling.

Each function repeats numpy's own arithmetic (numpy 1.26: ``_median``, ``_quantile``
with ``method="linear"``, ``_lerp``, ``_mean``, ``nanmean``): a mean of the middle values
summed from +0.0, the interpolation's two formulas either side of a weight of 0.5, a
mean as ``np.add.reduce`` (numpy's own pairwise sum, NaN replaced by zeros in place for
``nanmean``) over the count. A value other than float64 goes to numpy itself.
``tests/unit/test_score_exact.py`` compares them with numpy on arrays with ties, signed
zeros, infinities and NaN.
"""

from __future__ import annotations

import math

import numpy as np


def median(values: np.ndarray) -> float:
    """``float(np.median(values))`` of a 1-D array (NaN when it holds one or is empty)."""
    if values.dtype != np.float64 or values.ndim != 1:
        return float(np.median(values))
    n = len(values)
    if not n:
        return math.nan
    ordered = np.sort(values)
    if math.isnan(ordered[-1]):  # NaN sorts last
        return math.nan
    k = n // 2
    if n % 2:
        return 0.0 + float(ordered[k])
    return ((0.0 + float(ordered[k - 1])) + float(ordered[k])) / 2.0


def nanmedian(values: np.ndarray) -> float:
    """``float(np.nanmedian(values))`` of a 1-D array, NaN for one of NaN only (without
    numpy's warning)."""
    if values.dtype != np.float64 or values.ndim != 1:
        return float(np.nanmedian(values))
    kept = values[~np.isnan(values)]
    return median(kept) if len(kept) else math.nan


def mean(values: np.ndarray) -> float:
    """``float(np.mean(values))`` of a non-empty 1-D array."""
    if values.dtype != np.float64 or values.ndim != 1 or not len(values):
        return float(np.mean(values))
    return float(np.add.reduce(values)) / len(values)


def nanmean(values: np.ndarray) -> float:
    """``float(np.nanmean(values))`` of a 1-D array, NaN for one of NaN only or an empty
    one (without numpy's warning)."""
    if values.dtype != np.float64 or values.ndim != 1:
        return float(np.nanmean(values))
    missing = np.isnan(values)
    count = len(values) - int(np.count_nonzero(missing))
    if not count:
        return math.nan
    if count == len(values):
        return float(np.add.reduce(values)) / count
    zeroed = values.copy()
    zeroed[missing] = 0.0
    return float(np.add.reduce(zeroed)) / count


def percentile_spread(values: np.ndarray, low: float, high: float) -> float:
    """``float(np.ptp(np.percentile(values, [low, high])))`` of a non-empty 1-D array
    (``low`` <= ``high``, in percent)."""
    if values.dtype != np.float64 or values.ndim != 1 or not len(values):
        return float(np.ptp(np.percentile(values, [low, high])))
    ordered = np.sort(values)
    if math.isnan(ordered[-1]):
        return math.nan
    at = [_linear(ordered, q / 100) for q in (low, high)]
    if math.isnan(at[0]) or math.isnan(at[1]):  # numpy's maximum and minimum pass NaN on
        return math.nan
    return max(at) - min(at)


def _linear(ordered: np.ndarray, quantile: float) -> float:
    """The ``quantile`` of sorted values as numpy's linear method interpolates it."""
    n = len(ordered)
    virtual = (n - 1) * quantile
    previous = math.floor(virtual)
    if virtual >= n - 1:
        before = after = n - 1
    elif virtual < 0:
        before = after = 0
    else:
        before, after = previous, previous + 1
    gamma = virtual - previous
    a, b = float(ordered[before]), float(ordered[after])
    diff = b - a
    if gamma >= 0.5:
        return b - diff * (1 - gamma)
    return a + diff * gamma
