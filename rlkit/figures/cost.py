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
    fig, axes = panels(title, "compute seconds (log scale)", ylabel, ("logx",), width="two", height=2.9,
                       subtitle=f"{subtitle}; {band_caption(runs).replace('lines', 'points').replace('bands', 'bars')}")
    ax = axes[0]
    stats = {lb: t_band(np.asarray(v, dtype=np.float64)[:, None]) for lb, v in finals.items()}
    means = np.array([float(m[0]) for m, _, _ in stats.values()])
    core = np.sort(means)[: max(1, len(means) - 1)]
    spread = float(core.max() - core.min()) or 1.0
    top = float(core.max()) + 3.0 * spread  # a point above this is an outlier: marked, not plotted
    kept = {lb: s for lb, s in stats.items() if float(s[0][0]) <= top}
    lows = [float(lo[0]) for (_, lo, _) in kept.values()]
    highs = [float(hi[0]) for (_, _, hi) in kept.values()]
    pad = 0.12 * ((max(highs) - min(lows)) or 1.0)
    y0, y1 = min(lows) - pad, max(highs) + 2.5 * pad
    ax.set_ylim(y0, y1)
    xs = np.array(list(seconds.values()), dtype=np.float64)
    x_text = xs.max() * 2.0  # the labels in a column right of the points, spread so that none overlaps
    decades = np.log10(xs.max() / xs.min()) + 0.5
    ax.set_xlim(xs.min() / 1.8, xs.max() * 10 ** (0.8 * decades + 0.4))  # about 45% of the width for the labels
    order = sorted(kept, key=lambda lb: float(kept[lb][0][0]))
    gap = 0.085 * (y1 - y0)
    placed = []
    for lb in order:
        y = float(kept[lb][0][0])
        placed.append(max(y, placed[-1] + gap) if placed else y)
    shift = max(0.0, placed[-1] - (y1 - 0.5 * gap)) if placed else 0.0
    placed = [p - shift for p in placed]
    for lb, y_label in zip(order, placed):
        m, lo, hi = kept[lb]
        st = styles[lb]
        x, y = seconds[lb], float(m[0])
        method = st["color"] == PALETTE["vermillion"]
        if runs < FEW:
            ax.plot([x] * len(finals[lb]), finals[lb], linestyle="none", marker=".", ms=3, color=st["color"], alpha=0.6)
        else:
            ax.errorbar([x], [y], yerr=[[y - float(lo[0])], [float(hi[0]) - y]], fmt="none", ecolor=st["color"],
                        elinewidth=1.0, capsize=2)
        ax.plot([x], [y], linestyle="none", marker=st["marker"], ms=6 if method else 4.5, color=st["color"],
                zorder=st["zorder"] + 1, label="_nolegend_")
        ax.annotate(f"{lb}: {y:.1f}", (x, y), xytext=(x_text, y_label), textcoords="data", fontsize=7.5, va="center",
                    color="black" if method else st["color"], fontweight="bold" if method else "normal",
                    arrowprops={"arrowstyle": "-", "color": st["color"], "lw": 0.5, "alpha": 0.6})
    for lb, (m, _, _) in stats.items():
        if lb not in kept:
            st = styles[lb]
            ax.annotate(f"{lb}: {float(m[0]):.1f} (off the axis)", xy=(seconds[lb], 1.0),
                        xycoords=("data", "axes fraction"), xytext=(4, -14), textcoords="offset points", ha="left",
                        va="top", color=st["color"], fontsize=7.5,
                        arrowprops={"arrowstyle": "-|>", "color": st["color"], "lw": 0.8})
    ax.set_xticks([10.0**e for e in range(int(np.floor(np.log10(xs.min() / 1.8))) + 1,
                                         int(np.ceil(np.log10(xs.max() * 2.0))))])  # ticks where the points are
    plain_ticks(ax, "x")
    return save(fig, stem)
