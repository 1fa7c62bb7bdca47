"""The MBTL figure: normalised generalised performance vs the number of trained source tasks.

One curve per strategy (mean over trials and runs; each trial a thin line with fewer than five trials), the
reference levels Independent and Multi-task as lines across all k, Oracle Transfer as the black dashed upper bound
of every strategy, each strategy's N / k* (k* = the first k at which it reaches Independent and Multi-task) in the
legend, and points far off the axis as arrows with their value. The heat map's axes carry the context's unit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rlkit.figures.plot import (
    band_caption,
    draw_bound,
    draw_curves,
    legend,
    mark_off_axis,
    new_figure,
    plain,
    save,
    styled,
    styles_for,
    ticks_at,
)
from rlkit.figures.style import CELL_PT
from rlkit.mbtl.compare import reference_levels, strategy_class
from rlkit.mbtl.matrix import TransferMatrix
from rlkit.mbtl.metrics import sample_efficiency
from rlkit.mbtl.strategies.base import ReferenceLevel


def _ratio_text(ratio: float | None) -> str:
    return "N/k* = n/a: never reaches" if ratio is None else f"N/k* = {ratio:.1f}x"


CONTEXT_UNITS = {"masscart": "cart mass (kg)", "dt": "time step dt (s)", "inflow": "inflow (veh/h)",
                 "grid index": "context (grid index)"}
"""Axis labels of the families' context parameters, with their units."""


def context_label(matrix: TransferMatrix) -> str:
    """The context axis's label, with its unit where known."""
    name = str(matrix.meta.get("context", "index"))
    return CONTEXT_UNITS.get(name, name)


@styled
def draw(matrix: TransferMatrix, agents: list[dict], curves: dict[str, dict[str, np.ndarray]], stem,
         title: str) -> list[Path]:
    """Draw ``curves`` (from :func:`rlkit.mbtl.compare.compare`) to ``stem.png`` / ``stem.pdf``.

    Strategies as lines (each trial a thin line when there are fewer than five trials, else a 95% t-band); the
    reference levels Independent and Multi-task as lines across all k; Oracle Transfer as the black dashed upper
    bound of every strategy; points far below the strategies' curves (an unclipped failed policy) marked with an
    arrow and their value instead of a line running to them."""
    levels = reference_levels(matrix)
    K = next(iter(curves.values()))["curve"].shape[-1]
    k = np.arange(1, K + 1)
    trials = matrix.trials
    needs = "Independent and Multi-task" if len(levels) > 1 else "Independent"
    fig, ax = new_figure(title, "number of trained source tasks k", "normalised generalised performance",
                         subtitle=f"N = {matrix.n} tasks, {trials} trial{'s' if trials != 1 else ''}; "
                                  f"{band_caption(trials, 'trials', what='mean (over orders too)')}; "
                                  f"k* = first k reaching {needs} ({max(levels):.3f})", height=3.6)
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
    floor = _floor({label: Y.mean(0) for label, Y in shown.items()}, is_level, None if bound is None else bound[1])
    clipped = {}
    for label, Y in shown.items():
        Yc = np.where(Y < floor, np.nan, Y) if floor is not None else Y
        clipped[label] = Yc
    for label in clipped:
        if floor is not None:
            mark_off_axis(ax, k, shown[label].mean(0), floor, styles[label]["color"])
    centres = draw_curves(ax, k, clipped, styles=styles, markers=True)
    if bound is not None:
        text = f"{bound[0]} (upper bound of every strategy)"
        draw_bound(ax, k, bound[1], text)
        centres[text] = bound[1]
    if floor is not None:
        ax.set_ylim(bottom=floor)
    ax.set_xlim(1, K)
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500) if s >= K / 8 or s == 500)
    ticks_at(ax, sorted({1, K} | set(range(step, K, step))))
    legend(fig, ax, centres=centres, loc="outside lower center", ncol=2)
    return save(fig, stem)


def _floor(means: dict[str, np.ndarray], is_level: dict[str, bool], bound) -> float | None:
    """The bottom of the axis when a few points lie far below the strategies' curves from k = 2 on (an unclipped
    normalised score of a failed policy can be -10 where the curves differ by 0.01), else ``None``: points more than
    twice the curves' spread below them are left off the axis and marked (:func:`rlkit.figures.plot.mark_off_axis`)."""
    core = [m[1:] for label, m in means.items() if not is_level[label] and len(m) > 1]
    if bound is not None:
        core.append(bound)
    if not core:
        return None
    core = np.concatenate(core)
    low, high = float(core.min()), float(core.max())
    span = max(high - low, 0.05 * max(1.0, abs(high)))
    floor = low - 2.0 * span
    if not any(np.any(m < floor) for m in means.values()):
        return None
    kept = np.concatenate([m[m >= floor] for m in means.values()] + [core])
    return float(kept.min()) - 0.15 * span


@styled
def draw_matrix(matrix: TransferMatrix, stem, title: str) -> list[Path]:
    """Heat map of the normalised transfer matrix, mean over trials (rows: sources, columns: targets)."""
    M = matrix.normalized().mean(0)
    trials = matrix.trials
    label = context_label(matrix)
    small = matrix.n <= 10  # every cell's value is written: cells wide enough for 7-pt text
    fig, ax = new_figure(title, f"target: {label}", f"source: {label}", width="two" if small else "one",
                         height=4.2 if small else 3.2,
                         subtitle=f"normalised J(source, target), mean of {trials} trial{'s' if trials != 1 else ''}")
    ax.grid(False)
    # a few failed cells far below the rest (unclipped scores) would take the whole colour scale: the scale
    # then starts at the 10% quantile minus its distance to the top, and lower cells take the arrow's colour
    q, top = float(np.quantile(M, 0.1)), float(M.max())
    vmin = q - max(top - q, 1e-9)
    cut = bool(M.min() < vmin)
    image = ax.imshow(M, origin="lower", cmap="viridis", aspect="auto", vmin=vmin if cut else None)
    if matrix.n <= 10:  # small matrices: every cell's value, so nothing depends on reading colours
        for (i, j), v in np.ndenumerate(M):
            ax.text(j, i, f"{v:.2f}" if abs(v) < 10 else f"{v:.0f}", ha="center", va="center", fontsize=CELL_PT,
                    color="white" if v < (vmin if cut else M.min()) + 0.5 * (top - (vmin if cut else M.min()))
                    else "black")
    step = 1 if matrix.n <= 10 else int(np.ceil(matrix.n / 6))
    ticks = np.arange(0, matrix.n, step)
    labels = [plain(float(f"{matrix.contexts[i]:.2g}")) for i in ticks]
    ax.set_xticks(ticks, labels, rotation=90 if matrix.n <= 10 else 0)
    ax.set_yticks(ticks, labels)
    lower, upper = matrix.bounds
    bar = fig.colorbar(image, ax=ax, extend="min" if cut else "neither")
    bar.set_label(f"(J - lower) / (upper - lower)\nbounds [{lower:g}, {upper:g}], not clipped"
                  + (f"; min {M.min():.1f}" if cut else ""), fontsize=7.5)
    return save(fig, stem)
