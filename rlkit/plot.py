"""Regret and performance curves: mean with a 95% bootstrap confidence band, log-log slope, theory overlay.

Small reusable pieces; the experiment kinds compose them into their figures. Figures are written as PNG
and PDF side by side.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from rlkit.checks import SpecError  # noqa: E402


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


def loglog_slope(t: np.ndarray, y: np.ndarray, start_fraction: float = 0.1) -> float:
    """Least-squares slope of ``log y`` against ``log t`` over the last decade ``t >= start_fraction * t[-1]``."""
    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    keep = (t >= start_fraction * t[-1]) & (y > 0)
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(t[keep]), np.log(y[keep]), 1)[0])


def draw_curves(ax, t: np.ndarray, curves: dict[str, np.ndarray], slope: bool = True) -> dict[str, float]:
    """Mean and 95% band of each ``(n_runs, P)`` array in ``curves``; returns the log-log slope per label."""
    slopes = {}
    palette = plt.get_cmap("tab10" if len(curves) <= 10 else "tab20").colors  # distinct colour per curve
    for i, (label, Y) in enumerate(curves.items()):
        mean, lo, hi = bootstrap_band(Y)
        slopes[label] = loglog_slope(t, mean)
        shown = "n/a" if np.isnan(slopes[label]) else f"{slopes[label]:.2f}"  # e.g. an all-zero curve
        text = f"{label} (slope {shown})" if slope else label
        color = palette[i % len(palette)]
        ax.plot(t, mean, label=text, lw=1.6, color=color)
        if np.any(hi > lo):  # a zero-width band (e.g. an all-zero curve) draws nothing, and breaks log axes
            ax.fill_between(t, lo, hi, color=color, alpha=0.2, lw=0)
    return slopes


def theory_function(name: str):
    """``"oful.regret_bound"`` -> :func:`rlkit.theory.oful.regret_bound`."""
    module, _, func = name.rpartition(".")
    try:
        return getattr(importlib.import_module(f"rlkit.theory.{module}"), func)
    except (ImportError, AttributeError, ValueError):
        raise SpecError(f"plot.theory must name a function of rlkit.theory as 'module.function', "
                        f"got {name!r}") from None


def theory_curve(name: str, t: np.ndarray, available: dict, overrides: dict | None = None) -> tuple[str, np.ndarray]:
    """Evaluate a theory function at ``t`` with the keyword arguments it accepts from ``available``
    (environment constants) updated by ``overrides`` (the spec's ``plot.theory_params``)."""
    fn = theory_function(name)
    params = inspect.signature(fn).parameters
    kwargs = {k: v for k, v in {**available, **(overrides or {})}.items() if k in params}
    return getattr(fn, "label", name), np.asarray(fn(t, **kwargs), dtype=np.float64)


def save(fig, stem: Path) -> list[Path]:
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    fig.tight_layout()
    for p in paths:
        fig.savefig(p, dpi=150)
    plt.close(fig)
    return paths


def new_figure(title: str, xlabel: str, ylabel: str, loglog: bool = False):
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if loglog:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")
    return fig, ax


def legend_outside(fig, ax, fontsize: int = 8) -> None:
    """The legend to the right of the axes, so that it covers no data (the figure widens to keep the axes' size)."""
    ax.legend(fontsize=fontsize, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    width, height = fig.get_size_inches()
    fig.set_size_inches(width * 1.6, height)
