"""The MBTL figure: normalised generalised performance vs the number of trained source tasks.

One curve per strategy (mean over trials and runs, 95% bootstrap band), the reference levels Independent
and Multi-task as lines across all k, Oracle Transfer as the dashed upper bound of every strategy, and each
strategy's N / k* (k* = the first k at which it reaches Independent and Multi-task) in the legend.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rlkit.plot import draw_curves, new_figure, save, styles_for
from rlkit.transfer.base import ReferenceLevel
from rlkit.transfer.compare import reference_levels, strategy_class
from rlkit.transfer.matrix import TransferMatrix
from rlkit.transfer.metrics import sample_efficiency


def _ratio_text(ratio: float | None) -> str:
    return "N/k* = n/a: never reaches" if ratio is None else f"N/k* = {ratio:.1f}x"


def draw(matrix: TransferMatrix, agents: list[dict], curves: dict[str, dict[str, np.ndarray]], stem,
         title: str) -> list[Path]:
    """Draw ``curves`` (from :func:`rlkit.transfer.compare.compare`) to ``stem.png`` / ``stem.pdf``."""
    levels = reference_levels(matrix)
    K = next(iter(curves.values()))["curve"].shape[-1]
    k = np.arange(1, K + 1)
    fig, ax = new_figure(f"{title}: N = {matrix.n} tasks, {matrix.trials} trial(s)",
                         "number of trained source tasks k", "normalised generalised performance")
    fig.set_size_inches(10.0, 5.0)
    shown, bound, styles = {}, None, {}
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
    draw_curves(ax, k, shown, slope=False, styles=styles)
    if bound is not None:
        ax.plot(k, bound[1], "k--", lw=1.3, label=f"{bound[0]} (upper bound)")
    needs = "Independent and Multi-task" if len(levels) > 1 else "Independent"
    ax.text(0.01, 0.01, f"mean over trials (and orders); band: 95% bootstrap CI of the mean\n"
            f"k* = first k reaching {needs} ({max(levels):.3f})", transform=ax.transAxes, fontsize=7,
            va="bottom", ha="left", color="0.3")
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.set_xlim(1, K)
    return save(fig, stem)


def draw_matrix(matrix: TransferMatrix, stem, title: str) -> list[Path]:
    """Heat map of the normalised transfer matrix, mean over trials (rows: sources, columns: targets)."""
    M = matrix.normalized().mean(0)
    fig, ax = new_figure(f"{title}: normalised J(source, target), mean of {matrix.trials} trial(s)",
                         f"target context ({matrix.meta.get('context', 'index')})",
                         f"source context ({matrix.meta.get('context', 'index')})")
    fig.set_size_inches(6.4, 5.4)
    ax.grid(False)
    image = ax.imshow(M, origin="lower", cmap="viridis", aspect="auto")
    ticks = np.unique(np.linspace(0, matrix.n - 1, min(matrix.n, 6)).round().astype(int))
    labels = [f"{matrix.contexts[i]:.3g}" for i in ticks]
    ax.set_xticks(ticks, labels)
    ax.set_yticks(ticks, labels)
    lower, upper = matrix.bounds
    fig.colorbar(image, ax=ax, label=f"(J - lower) / (upper - lower), bounds [{lower:g}, {upper:g}], not clipped")
    return save(fig, stem)
