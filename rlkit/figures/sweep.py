"""Rates of ``[[plot.references]]`` and the final-value-against-the-swept-parameter figure of the online kinds.

:func:`reference_lines` turns a spec's references (a function of :mod:`rlkit.theory` of the round count or of the
swept value, scaled through one agent's mean) into lines that :func:`rlkit.figures.plot.draw_rate` draws in the
rate grammar (thin grey dotted, labelled inline): a rate's shape, never a bound. :func:`draw` is the figure of a
``[sweep]`` of one parameter over numbers.
"""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import numpy as np

from rlkit.figures.plot import (
    band_caption,
    draw_rate,
    draw_reported,
    draw_sweep,
    fit_ylim,
    legend,
    panels,
    reported_handles,
    save,
    styled,
    styles_for,
    ticks_at,
    zero_line,
)
from rlkit.theory import theory_function


def reference_lines(references: list[dict], x: np.ndarray, means: dict[str, np.ndarray], over: str,
                    available: dict) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """``(x, y, text)`` of each reference of kind ``over``: ``c f(x)`` with ``c`` chosen so that it passes through
    its agent's mean at the anchor (``"last"`` or ``"first"`` point). ``available``: keyword arguments the function
    may take (the environment's constants, the horizon); a reference's ``params`` override them."""
    out = []
    for ref in references:
        if ref.get("over", "curve") != over:
            continue
        fn = theory_function(ref["theory"])
        accepted = inspect.signature(fn).parameters
        first = next(iter(accepted))
        kwargs = {k: v for k, v in {**available, **ref.get("params", {})}.items() if k in accepted and k != first}
        shape = np.asarray(fn(x, **kwargs), dtype=np.float64)
        i = 0 if ref.get("anchor", "last") == "first" else -1
        mean = means.get(ref["agent"])
        if mean is None or not (np.isfinite(mean[i]) and mean[i] > 0 and shape[i] > 0):
            continue  # the agent has no such curve, or nothing to anchor it to (an all-zero curve)
        where = "first" if i == 0 else "last"
        out.append((x, shape * mean[i] / shape[i],
                    f"{getattr(fn, 'label', ref['theory'])} (through {ref['agent']}'s {where} point)"))
    return out


def draw_rates(ax, lines) -> None:
    """Each ``(x, y, text)`` of :func:`reference_lines` as a rate (grey dotted, inline label, own dot spacing)."""
    for i, (x, y, text) in enumerate(lines):
        draw_rate(ax, x, y, text, index=i)


@styled
def draw(x: np.ndarray, finals: dict[str, np.ndarray], stem: Path, *, title: str, subtitle: str, xlabel: str,
         ylabel: str, loglog: bool, rates: list, runs: int, reported: list | None = None,
         slopes: dict[str, tuple[float, float, float]] | None = None) -> list[Path]:
    """Final values ``{agent: (runs, G)}`` against the swept values ``x``: a linear panel and, when ``loglog`` and
    the values are positive, a log-log one; ``rates`` (:func:`reference_lines`) on the log-log panel (else the
    linear one); ``reported``: ``[{"agent", "x", "value", "source"}]`` hollow markers; ``slopes``: ``{agent:
    (slope, low, high)}`` (:func:`rlkit.core.stats.loglog_slope_band`), written after the agent's name in the
    legend as the log-log slope over the whole sweep with its 95% bootstrap interval over runs."""
    x = np.asarray(x, dtype=np.float64)
    reported = [r for r in reported or () if np.any(np.isclose(x, r["x"]))]  # values at swept points this run has
    scales = ("linear", "loglog") if loglog else ("linear",)
    styles = styles_for(finals)
    names = {label: f"{label} (slope {s:.2f} [{lo:.2f}, {hi:.2f}])"
             for label, (s, lo, hi) in (slopes or {}).items() if np.isfinite(s)}
    if names:
        subtitle = f"{subtitle}; slope: log-log over the whole sweep [95% bootstrap interval over runs]"
    shown = {names.get(label, label): Y for label, Y in finals.items()}
    shown_styles = {names.get(label, label): styles[label] for label in finals}
    # the legend sits under the panels: the canvas grows by its rows (about 45 characters a line, 0.15 in a line,
    # two columns beside log-log panels) so long labels never squeeze the data
    ncol = 2 if loglog else 1
    rows = sum(math.ceil(len(name) / 45) for name in shown)
    fig, axes = panels(title, xlabel, ylabel, scales, subtitle=f"{subtitle}; {band_caption(runs)}",
                       width="two" if loglog else "one",
                       height=(2.5 if loglog else 2.6) + (0.15 * math.ceil(rows / ncol) if loglog else 0.0))
    centres = {}
    for i, ax in enumerate(axes):
        centres = draw_sweep(ax, x, shown, shown_styles, legend=i == 0)
        for r in reported or ():
            if r["agent"] in styles:
                draw_reported(ax, r["x"], r["value"], styles[r["agent"]]["color"], source=r["source"])
        ticks_at(ax, x)
    draw_rates(axes[-1], rates)
    fit_ylim(axes[0], list(centres.values()) + [np.asarray(Y) for Y in shown.values()])
    zero_line(axes[0])
    sources = sorted({r["source"] for r in reported or () if r["agent"] in styles})
    legend(fig, axes[0], centres=centres, loc="outside lower center" if loglog else "outside right upper",
           ncol=2 if loglog else 1, extra=reported_handles(sources))
    return save(fig, stem)
