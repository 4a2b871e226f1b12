"""Scoring's median, percentiles and means are numpy's, to the bit."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from graphfraud.score import exact

SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, -1e300, np.inf, -np.inf, 3.0, 3.0])


def _same(a: float, b: float) -> bool:
    """Equal to the bit (NaN equal to NaN; +0.0 and -0.0 apart)."""
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a)
                                                  == math.copysign(1, b))


def _arrays(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for n in range(1, 40):
        out.append(rng.standard_normal(n) * 10.0 ** int(rng.integers(-3, 6)))
        out.append(rng.integers(0, 5, n).astype(np.float64) / 3)  # ties
        out.append(rng.choice(SPECIAL, n))  # signed zeros, infinities
        mixed = rng.standard_normal(n)
        mixed[rng.random(n) < 0.2] = np.nan
        out.append(mixed)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_median_and_nanmedian_are_numpys(seed: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for values in _arrays(seed):
            assert _same(exact.median(values), float(np.median(values))), values
            assert _same(exact.nanmedian(values), float(np.nanmedian(values))), values


@pytest.mark.parametrize("seed", range(4))
def test_the_percentile_spread_is_numpys(seed: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for values in _arrays(seed):
            for low, high in ((10, 90), (0, 100), (25, 75), (50, 50), (33, 67)):
                want = float(np.ptp(np.percentile(values, [low, high])))
                assert _same(exact.percentile_spread(values, low, high), want), values


@pytest.mark.parametrize("seed", range(4))
def test_mean_and_nanmean_are_numpys(seed: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        arrays = _arrays(seed)
        # long ones too: numpy sums in blocks of eight from nine values on
        rng = np.random.default_rng(seed)
        arrays += [rng.standard_normal(n) * 1e8 + rng.standard_normal(n) for n in (64, 200)]
        for values in arrays:
            assert _same(exact.mean(values), float(np.mean(values))), values
            assert _same(exact.nanmean(values), float(np.nanmean(values))), values
    assert math.isnan(exact.nanmean(np.zeros(0)))
    assert math.isnan(exact.nanmean(np.array([np.nan, np.nan])))


def test_other_types_go_to_numpy() -> None:
    values = np.array([1.5, 2.25, 7.0], dtype=np.float32)
    assert exact.median(values) == float(np.median(values))
    assert exact.nanmedian(values) == float(np.nanmedian(values))
    assert exact.mean(values) == float(np.mean(values))
    assert exact.nanmean(values) == float(np.nanmean(values))
    assert math.isnan(exact.nanmedian(np.array([np.nan, np.nan])))
