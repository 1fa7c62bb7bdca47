"""Statistics of runs, shared by the summaries (``summary.json``) and the figures.

Plain numpy functions of ``(n_runs, P)`` arrays: the mean with a percentile-bootstrap band, the standard error
of the mean, the least-squares log-log slope over a curve's last decade, and the slope of final values against a
swept parameter with a bootstrap interval over runs. They live in the core (not beside
the figures) so that a summary can be computed without importing matplotlib.
"""

from __future__ import annotations

import math

import numpy as np


def bootstrap_band(Y: np.ndarray, level: float = 0.95, n_boot: int = 2000, seed: int = 0):
    """Mean over runs and a percentile-bootstrap confidence band of the mean.

    ``Y: (n_runs, P)`` -> ``mean, lo, hi`` each ``(P,)``. Resamples runs (rows) with replacement; vectorised
    through multinomial counts so memory is ``O(n_boot * (n_runs + P))``.
    """
    Y = np.asarray(Y, dtype=np.float64)
    n = Y.shape[0]
    mean = Y.mean(0)
    if n < 2:
        return mean, mean.copy(), mean.copy()
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot)  # (n_boot, n)
    boots = counts @ Y / n  # (n_boot, P)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(boots, [alpha, 1.0 - alpha], axis=0)
    return mean, lo, hi


def standard_error(Y: np.ndarray, axis: int = 0) -> np.ndarray:
    """Standard error of the mean over ``axis`` (runs): ``std(ddof=1) / sqrt(n)``, zero for a single run."""
    Y = np.asarray(Y, dtype=np.float64)
    n = Y.shape[axis]
    return Y.std(axis, ddof=1) / math.sqrt(n) if n > 1 else np.zeros_like(Y.mean(axis))


def loglog_slope(t: np.ndarray, y: np.ndarray, start_fraction: float = 0.1) -> float:
    """Least-squares slope of ``log y`` against ``log t`` over the last decade ``t >= start_fraction * t[-1]``.

    NaN unless ``y`` is positive at every point of that decade (a slope of a curve that touches or crosses
    zero there means nothing), and with fewer than two points."""
    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    keep = t >= start_fraction * t[-1]
    if keep.sum() < 2 or not np.all(y[keep] > 0):
        return float("nan")
    return float(np.polyfit(np.log(t[keep]), np.log(y[keep]), 1)[0])


def loglog_slope_band(x: np.ndarray, Y: np.ndarray, level: float = 0.95, n_boot: int = 2000, seed: int = 0):
    """Least-squares slope of ``log mean(Y)`` against ``log x`` over all points, with a percentile-bootstrap interval.

    ``x: (G,)`` positive values, ``Y: (n_runs, G)`` a value per run at each ``x`` (run ``i`` paired across ``x``, as
    in a sweep with common random numbers) -> ``slope, lo, hi``. Runs (rows) are resampled with replacement, jointly
    across ``x``; resamples whose mean is not positive everywhere are dropped. NaNs where the mean is not positive."""
    x = np.log(np.asarray(x, dtype=np.float64))
    Y = np.asarray(Y, dtype=np.float64)
    mean = Y.mean(0)
    if len(x) < 2 or not np.all(mean > 0):
        return float("nan"), float("nan"), float("nan")
    slope = float(np.polyfit(x, np.log(mean), 1)[0])
    n = Y.shape[0]
    if n < 2:
        return slope, slope, slope
    rng = np.random.default_rng(seed)
    boots = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot) @ Y / n  # (n_boot, G)
    boots = boots[np.all(boots > 0, axis=1)]
    xc = x - x.mean()
    slopes = np.log(boots) @ xc / (xc @ xc)  # least-squares slope of every resample at once
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(slopes, [alpha, 1.0 - alpha])
    return slope, float(lo), float(hi)
