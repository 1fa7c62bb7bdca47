"""The figure of the ``bandit`` and ``episodic`` kinds: cumulative regret (or any curve) against rounds or episodes.

A linear panel (the papers' axes) and, optionally, a log-log one; the theory bound is drawn only on the panel where
it can be read against the data: the log-log panel when there is one (on linear axes a bound far above the data
either squeezes it or leaves at once), with the trivial bound ``t x`` the largest per-round gap beside it and the
word "vacuous" when it is above it. Rates of ``[[plot.references]]`` are grey dotted with inline labels; the
paper's and the authors' code's values are hollow markers at their round.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rlkit.figures.plot import (
    band_caption,
    draw_bound,
    draw_curves,
    draw_reported,
    fit_ylim,
    legend,
    panels,
    reported_handles,
    save,
    styled,
    styles_for,
    zero_line,
)
from rlkit.figures.sweep import draw_rates


@styled
def draw(t: np.ndarray, curves: dict[str, np.ndarray], stem: Path, *, title: str, subtitle: str, xlabel: str,
         ylabel: str, runs: int, loglog: bool = True, bound=None, trivial: np.ndarray | None = None, rates=(),
         reported: list | None = None) -> list[Path]:
    """Draw ``curves`` ``{agent: (runs, P)}`` at ``t`` to ``stem.png`` / ``stem.pdf``.

    ``bound``: ``(label, values)`` of a valid bound on this curve; ``trivial``: ``t x`` the largest per-round gap
    (drawn beside the bound; a bound above it is called vacuous); ``rates``: ``(x, y, text)`` shapes
    (:func:`rlkit.figures.sweep.reference_lines`); ``reported``: ``[{"agent", "x", "value", "source"}]``."""
    scales = ("linear", "loglog") if loglog else ("linear",)
    styles = styles_for(curves)
    t = np.asarray(t, dtype=np.float64)
    reported = [r for r in reported or () if t[0] <= r["x"] <= t[-1]]  # values at rounds this run reached
    fig, axes = panels(title, xlabel, ylabel, scales, subtitle=f"{subtitle}; {band_caption(runs)}",
                       width="two", height=2.7)
    shown = {}
    for i, ax in enumerate(axes):
        shown = draw_curves(ax, t, curves, styles=styles, legend=i == 0, markers=True)
        for r in reported or ():
            if r["agent"] in styles:
                draw_reported(ax, r["x"], r["value"], styles[r["agent"]]["color"], source=r["source"])
    lin = axes[0]
    fit_ylim(lin, list(shown.values()) + [np.asarray(Y) for Y in curves.values()]
             + [np.asarray([r["value"] for r in reported or () if r["agent"] in styles])])
    zero_line(lin)
    on = axes[-1]
    if bound is not None:
        draw_bound(on, t, bound[1], bound[0], trivial=trivial, legend=True)
        if on is not lin:  # the bound's entry sits with the agents' (one legend for the figure)
            for line in on.get_lines():
                if line.get_gid() in ("bound", "bound-vacuous", "trivial"):
                    lin.plot([], [], color=line.get_color(), linestyle=line.get_linestyle(), lw=line.get_linewidth(),
                             label=line.get_label(), gid="proxy")
                    line.set_label("_nolegend_")
    if loglog:
        positive = [c[c > 0] for c in shown.values() if np.any(c > 0)]
        if positive:
            lo = min(float(np.min(p)) for p in positive)
            hi = max(float(np.max(p)) for p in positive)
            for extra in (trivial, None if bound is None else bound[1]):
                if extra is not None:
                    hi = max(hi, float(np.max(extra)))
            on.set_ylim(lo / 1.5, hi * 2.0)
    draw_rates(on, rates)
    sources = sorted({r["source"] for r in reported or () if r["agent"] in styles})
    legend(fig, lin, centres=shown, loc="outside lower center", ncol=2, extra=reported_handles(sources))
    return save(fig, stem)
