"""The MBTL figure: normalised generalised performance vs the number of trained source tasks.

One curve per strategy (mean over trials and runs, 95% bootstrap band), the reference levels Independent
and Multi-task as lines across all k, Oracle Transfer as the dashed upper bound of every strategy, and each
strategy's N / k* (k* = the first k at which it reaches Independent and Multi-task) in the legend.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rlkit.figures.plot import draw_curves, new_figure, save, styles_for
from rlkit.mbtl.compare import reference_levels, strategy_class
from rlkit.mbtl.matrix import TransferMatrix
from rlkit.mbtl.metrics import sample_efficiency
from rlkit.mbtl.strategies.base import ReferenceLevel


def _ratio_text(ratio: float | None) -> str:
    return "N/k* = n/a: never reaches" if ratio is None else f"N/k* = {ratio:.1f}x"


def draw(matrix: TransferMatrix, agents: list[dict], curves: dict[str, dict[str, np.ndarray]], stem,
         title: str) -> list[Path]:
    """Draw ``curves`` (from :func:`rlkit.mbtl.compare.compare`) to ``stem.png`` / ``stem.pdf``."""
    levels = reference_levels(matrix)
    K = next(iter(curves.values()))["curve"].shape[-1]
    k = np.arange(1, K + 1)
    fig, ax = new_figure(f"{title}: N = {matrix.n} tasks, {matrix.trials} trial(s)",
                         "number of trained source tasks k", "normalised generalised performance")
    fig.set_size_inches(10.0, 5.0)
    shown, bound, styles, is_level = {}, None, {}, {}
    project = styles_for([entry["label"] for entry in agents])  # each strategy's project style, by its label
    for entry in agents:
        Y = curves[entry["label"]]["curve"]  # (T, R, K)
        if entry["algo"] == "OracleTransfer":
            bound = (entry["label"], Y.mean(axis=(0, 1)))
            continue
        label = entry["label"]
        if not issubclass(strategy_class(entry["algo"]), ReferenceLevel):
            label = f"{label} ({_ratio_text(sample_efficiency(Y.mean(axis=(0, 1)), matrix.n, levels))})"
        if Y.shape[1] > 1:
            label += f", {Y.shape[1]} orders"
        shown[label] = Y.reshape(-1, K)
        styles[label] = project[entry["label"]]
        is_level[label] = issubclass(strategy_class(entry["algo"]), ReferenceLevel)
    draw_curves(ax, k, shown, slope=False, styles=styles)
    if bound is not None:
        ax.plot(k, bound[1], "k--", lw=1.3, label=f"{bound[0]} (upper bound)")
    needs = "Independent and Multi-task" if len(levels) > 1 else "Independent"
    off = _cut_axis(ax, k, {label: Y.mean(0) for label, Y in shown.items()}, is_level,
                    None if bound is None else bound[1])
    ax.text(0.99 if off else 0.01, 0.01, f"mean over trials (and orders); band: 95% bootstrap CI of the mean\n"
            f"k* = first k reaching {needs} ({max(levels):.3f}){off}", transform=ax.transAxes, fontsize=7,
            va="bottom", ha="right" if off else "left", color="0.3")  # a cut axis: curves rise from the left
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.set_xlim(1, K)
    return save(fig, stem)


def _cut_axis(ax, k: np.ndarray, means: dict[str, np.ndarray], is_level: dict[str, bool], bound) -> str:
    """Keep the y-axis on the strategies' curves from k = 2 on when a few points lie far below them (an
    unclipped normalised score of a failed policy can be -10 where the curves differ by 0.01): points more
    than twice the curves' spread below them are left off the axis and listed in the returned text."""
    core = [m[1:] for label, m in means.items() if not is_level[label] and len(m) > 1]
    if bound is not None:
        core.append(bound)
    if not core:
        return ""
    core = np.concatenate(core)
    low, high = float(core.min()), float(core.max())
    span = max(high - low, 0.05 * max(1.0, abs(high)))
    floor = low - 2.0 * span
    cut = []
    for label, m in means.items():
        below = np.flatnonzero(m < floor)
        if is_level[label] and below.size:
            cut.append(f"{label.split(' (')[0]} {m[0]:.3f}")
        elif below.size:
            cut.append(f"{label.split(' (')[0]} " + ", ".join(f"k = {k[i]}: {m[i]:.2f}" for i in below))
    if not cut:
        return ""
    kept = np.concatenate([m[m >= floor] for m in means.values()] + [core])
    ax.set_ylim(float(kept.min()) - 0.1 * span, high + 0.1 * span)
    return "\nbelow the axis (means; bands cut at the axis):\n" + "; ".join(cut)


def draw_matrix(matrix: TransferMatrix, stem, title: str) -> list[Path]:
    """Heat map of the normalised transfer matrix, mean over trials (rows: sources, columns: targets)."""
    M = matrix.normalized().mean(0)
    fig, ax = new_figure(f"{title}: normalised J(source, target), mean of {matrix.trials} trial(s)",
                         f"target context ({matrix.meta.get('context', 'index')})",
                         f"source context ({matrix.meta.get('context', 'index')})")
    fig.set_size_inches(7.0, 5.6)
    ax.grid(False)
    # a few failed cells far below the rest (unclipped scores) would take the whole colour scale: the scale
    # then starts at the 10% quantile minus its distance to the top, and lower cells take the arrow's colour
    q, top = float(np.quantile(M, 0.1)), float(M.max())
    vmin = q - max(top - q, 1e-9)
    cut = bool(M.min() < vmin)
    image = ax.imshow(M, origin="lower", cmap="viridis", aspect="auto", vmin=vmin if cut else None)
    if matrix.n <= 10:  # small matrices: every cell's value, so nothing depends on reading colours
        for (i, j), v in np.ndenumerate(M):
            ax.text(j, i, f"{v:.2f}" if abs(v) < 10 else f"{v:.0f}", ha="center", va="center", fontsize=6,
                    color="white" if v < (vmin if cut else M.min()) + 0.5 * (top - (vmin if cut else M.min()))
                    else "black")
    ticks = np.unique(np.linspace(0, matrix.n - 1, min(matrix.n, 6)).round().astype(int))
    labels = [f"{matrix.contexts[i]:.0f}" if abs(matrix.contexts[i]) >= 1000 else f"{matrix.contexts[i]:.3g}"
              for i in ticks]
    ax.set_xticks(ticks, labels)
    ax.set_yticks(ticks, labels)
    lower, upper = matrix.bounds
    fig.colorbar(image, ax=ax, extend="min" if cut else "neither",
                 label=f"(J - lower) / (upper - lower), bounds [{lower:g}, {upper:g}], not clipped"
                 + (f"\nscale from {vmin:.2f}; lower cells (min {M.min():.1f}): the arrow's colour" if cut else ""))
    return save(fig, stem)
