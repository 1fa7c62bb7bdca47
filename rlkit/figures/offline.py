"""The figures of the offline kinds: average return across a perturbation grid, and seconds per fit against a size.

Return figure (:func:`draw_returns`): with many agents, panel (a) holds the paper's own method (the agents in the
method colour) and the first agent of the spec (the baseline of the paper's figure), panel (b) that baseline
again and every other baseline, on a shared y-axis; curves that coincide are named together, also across the
two panels ("= R2PVI-TV"); the paper's and the authors' code's values are hollow markers.

Timing figure (:func:`draw_timing`): medians of repeated fits with interquartile bars on log-log axes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rlkit.figures.plot import (
    PALETTE,
    axis_span,
    band_caption,
    coincident_groups,
    draw_reported,
    draw_reported_within,
    draw_sweep,
    fit_ylim,
    legend,
    panels,
    reported_handles,
    save,
    styled,
    styles_for,
    t_band,
    ticks_at,
)
from rlkit.figures.style import METHOD

SPLIT_AT = 6
"""With at least this many agents the return figure splits into the method's panel and the baselines' panel."""


def behaviour_text(behaviour: str) -> str:
    """``"uniform" -> "uniformly random actions"``, ``"constant:0" -> "always action 0"``."""
    if behaviour == "uniform":
        return "uniformly random actions"
    if behaviour.startswith("constant:"):
        return f"always action {behaviour.split(':', 1)[1]}"
    return behaviour


def _panels_of(labels: list[str], styles: dict) -> list[list[str]]:
    method = [lb for lb in labels if styles[lb]["color"] == PALETTE[METHOD]]
    if len(labels) < SPLIT_AT or not method or len(method) == len(labels):
        return [labels]
    base = next(lb for lb in labels if lb not in method)
    return [[base] + method, [base] + [lb for lb in labels if lb not in method and lb != base]]


@styled
def draw_returns(grid: np.ndarray, returns: dict[str, np.ndarray], stem: Path, *, title: str, subtitle: str,
                 xlabel: str, ylabel: str, runs: int, what: str, reported: list | None = None) -> list[Path]:
    """``returns``: ``{agent: (runs, G)}`` over the perturbation ``grid``."""
    grid = np.asarray(grid, dtype=np.float64)
    reported = [r for r in reported or () if np.any(np.isclose(grid, r["x"]))]  # values at grid points this run has
    styles = styles_for(returns)
    groups = _panels_of(list(returns), styles)
    fig, axes = panels(title, xlabel, ylabel, ("linear",) * len(groups), sharey=len(groups) > 1,
                       subtitle=f"{subtitle}\n{band_caption(runs, 'replications', what=what)}",
                       width="two", height=2.9 if len(groups) > 1 else 2.6)
    centres_all = {lb: np.asarray(Y, dtype=np.float64).mean(0) for lb, Y in returns.items()}
    fit_ylim(axes[0], [t_band(np.asarray(Y))[i] for Y in returns.values() for i in (1, 2)], floor=None)
    span, log = axis_span(axes[0])
    same = {}
    for group in coincident_groups(centres_all, span, log):
        for lb in group:
            same[lb] = [o for o in group if o != lb]
    for p, (ax, labels) in enumerate(zip(axes, groups)):
        shown = {lb: returns[lb] for lb in labels}
        centres = draw_sweep(ax, grid, shown, styles)
        for r in reported or ():
            if r["agent"] in labels:
                draw_reported_within(ax, r["x"], r["value"], styles[r["agent"]]["color"], source=r["source"])
        if len(grid) <= 12:
            ticks_at(ax, grid[:: 2 if len(grid) > 6 else 1])
        if len(groups) > 1:
            ax.set_title([f"(a) the paper's method, with {labels[0]}", "(b) other baselines"][p], fontsize=8,
                         loc="left")
        # a curve coinciding with one in the other panel says so in its own label
        for line in ax.get_lines():
            lb = line.get_label()
            others = [o for o in same.get(lb, []) if o not in labels]
            if others:
                line.set_label(f"{lb} (= {', '.join(others)})")
        centres = {(f"{lb} (= {', '.join(o for o in same[lb] if o not in labels)})"
                    if any(o not in labels for o in same.get(lb, [])) else lb): c for lb, c in centres.items()}
        sources = sorted({r["source"] for r in reported or () if r["agent"] in labels})
        legend(ax, ax, centres=centres, loc="best", extra=reported_handles(sources))
    return save(fig, stem)


@styled
def draw_timing(x: np.ndarray, seconds: dict[str, np.ndarray], stem: Path, *, title: str, subtitle: str, xlabel: str,
                repeats: int, reported: list | None = None) -> list[Path]:
    """``seconds``: ``{agent: (repeats, P)}`` at the swept values ``x``: medians with interquartile bars."""
    x = np.asarray(x, dtype=np.float64)
    reported = [r for r in reported or () if np.any(np.isclose(x, r["x"]))]
    styles = styles_for(seconds)
    fig, axes = panels(title, xlabel, "seconds per fit", ("loglog",), width="one", height=3.3,
                       subtitle=f"{subtitle}; {band_caption(repeats, 'timed fits', stat='median')}")
    ax = axes[0]
    centres = draw_sweep(ax, x, seconds, styles, stat="median")
    for r in reported or ():
        if r["agent"] in styles:
            draw_reported(ax, r["x"], r["value"], styles[r["agent"]]["color"], source=r["source"])
    ticks_at(ax, x)
    sources = sorted({r["source"] for r in reported or () if r["agent"] in styles})
    legend(fig, ax, centres=centres, loc="outside lower center", ncol=2, extra=reported_handles(sources))
    return save(fig, stem)
