"""Final value against compute cost, one labelled point per agent: the figure of a trade-off (e.g. neural GFUCB's
refit schedules: regret per task against the compute seconds each schedule took).

Each agent is a point at (its compute seconds, its mean final value) with the 95% t-interval of the mean as a
vertical bar (each run as a small dot with fewer than five runs), labelled beside it; the paper's (or the default)
method in its salient colour. A point far above the others (an agent that does not learn) is left off the axis and
marked with an arrow and its value, so it does not compress the comparison that matters.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rlkit.figures.plot import (
    FEW,
    PALETTE,
    band_caption,
    panels,
    plain_ticks,
    save,
    styled,
    styles_for,
    t_band,
)


@styled
def draw(finals: dict[str, np.ndarray], seconds: dict[str, float], stem: Path, *, title: str, subtitle: str,
         ylabel: str) -> list[Path]:
    """``finals``: ``{agent: (runs,)}`` final values; ``seconds``: ``{agent: compute seconds}``."""
    styles = styles_for(finals)
    runs = min(len(v) for v in finals.values())
    fig, axes = panels(title, "compute seconds (log scale)", ylabel, ("logx",), width="one", height=3.0,
                       subtitle=f"{subtitle}; {band_caption(runs).replace('lines', 'points').replace('bands', 'bars')}")
    ax = axes[0]
    stats = {lb: t_band(np.asarray(v, dtype=np.float64)[:, None]) for lb, v in finals.items()}
    means = np.array([float(m[0]) for m, _, _ in stats.values()])
    core = np.sort(means)[: max(1, len(means) - 1)]
    spread = float(core.max() - core.min()) or 1.0
    top = float(core.max()) + 3.0 * spread  # a point above this is an outlier: marked, not plotted
    for i, (lb, (m, lo, hi)) in enumerate(stats.items()):
        st = styles[lb]
        x, y = seconds[lb], float(m[0])
        if y > top:
            ax.annotate(f"{lb}: {y:.1f}", xy=(x, 1.0), xycoords=("data", "axes fraction"), xytext=(0, -22),
                        textcoords="offset points", ha="center", va="top", color=st["color"], fontsize=7.5,
                        arrowprops={"arrowstyle": "-|>", "color": st["color"], "lw": 0.8})
            continue
        if runs < FEW:
            ax.plot([x] * len(finals[lb]), finals[lb], linestyle="none", marker=".", ms=3, color=st["color"], alpha=0.6)
        else:
            ax.errorbar([x], [y], yerr=[[y - float(lo[0])], [float(hi[0]) - y]], fmt="none", ecolor=st["color"],
                        elinewidth=1.0, capsize=2)
        ax.plot([x], [y], linestyle="none", marker=st["marker"], ms=6 if st["color"] == PALETTE["vermillion"] else 4.5,
                color=st["color"], zorder=st["zorder"] + 1, label="_nolegend_")
        ax.annotate(lb, (x, y), xytext=(5, 4 if i % 2 == 0 else -9), textcoords="offset points", fontsize=7.5,
                    color=st["color"] if st["color"] != PALETTE["vermillion"] else "black",
                    fontweight="bold" if st["color"] == PALETTE["vermillion"] else "normal")
    kept = [float(m[0]) for m, _, _ in stats.values() if float(m[0]) <= top]
    lows = [float(lo[0]) for (m, lo, _) in stats.values() if float(m[0]) <= top]
    highs = [float(hi[0]) for (m, _, hi) in stats.values() if float(m[0]) <= top]
    pad = 0.15 * ((max(highs) - min(lows)) or 1.0)
    ax.set_ylim(min(lows + kept) - pad, max(highs + kept) + 2.5 * pad)
    xs = np.array(list(seconds.values()), dtype=np.float64)
    ax.set_xlim(xs.min() / 1.6, xs.max() * 3.0)
    plain_ticks(ax, "x")
    return save(fig, stem)
