"""The figures of the ``reward_free`` kind.

Curve figure (:func:`draw_curves_figure`): the worst suboptimality over the reward family against exploration
episodes ``k``, one log-log panel per instance, on ``[floor, 1]`` (the quantity is bounded by 1; exact zeros are drawn
at the floor, which is said); the HF agent's certificate is a valid bound on its own suboptimality, so black
dashed, clipped at 1; ``eps`` is a grey level with each agent's median episodes-to-eps marked on it.

Sweep figure (:func:`draw_sweep_figure`): episodes until the worst suboptimality stays below ``eps`` against the
swept parameter, with the order ``d^2 / eps^2`` as a rate (grey dotted, labelled inline: its constant is
arbitrary, only its flatness in ``H`` means something) and the episodes run as a grey level.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rlkit.figures.plot import (
    PALETTE,
    draw_curves,
    draw_level,
    draw_rate,
    legend,
    panels,
    save,
    styled,
    styles_for,
    ticks_at,
)

FLOOR = 1e-3


def instance_name(env: dict) -> str:
    """``{"id": "rlkit/LowerBoundMDP-v0", ...} -> "LowerBoundMDP"``."""
    return env["id"].removeprefix("rlkit/").rsplit("-v", 1)[0]


@styled
def draw_curves_figure(at: np.ndarray, parts: list[dict], names: list[str], stem: Path, *, title: str, runs: int,
                       episodes: int, eps: float, first: list[dict]) -> list[Path]:
    """``parts[g]``: ``{agent: {"suboptimality": (runs, P), "certificate": (runs, P)?}}`` at checkpoints ``at``;
    ``first[g]``: ``{agent: (runs,)}`` episodes to ``eps`` (``inf``: not reached)."""
    G = len(parts)
    styles = styles_for(parts[0])
    ylabels = ["worst suboptimality\nover the reward family"] + [""] * (G - 1)
    fig, axes = panels(title, "exploration episodes k", ylabels,
                       ("loglog",) * G, width="two", height=2.7, sharey=True,
                       subtitle=f"K = {episodes:,} episodes, {runs} runs; values below {FLOOR:g} (exact zeros "
                                f"included) drawn at {FLOOR:g}")
    centres = {}
    for g, (ax, part) in enumerate(zip(axes, parts)):
        curves = {lb: np.clip(a["suboptimality"], FLOOR, 1.0) for lb, a in part.items()}
        c = draw_curves(ax, at, curves, styles=styles, legend=g == 0)
        if g == 0:
            centres = c
        for lb, a in part.items():
            if "certificate" in a:
                (line,) = ax.plot(at, np.minimum(a["certificate"].mean(0), 1.0), color="black",
                                  linestyle=(0, (5, 2)), lw=1.0, zorder=3,
                                  label=f"bound: {lb}'s certificate (mean, clipped at 1)" if g == 0 else "_nolegend_")
                line.set_gid("bound")
        draw_level(ax, eps, "_nolegend_", color="grey", linestyle=":")
        ax.annotate(f"$\\epsilon$ = {eps:g}", (at[-1], eps), xytext=(0, 2), textcoords="offset points", fontsize=7.5,
                    color=PALETTE["darkgrey"], ha="right")
        for lb, f in first[g].items():
            med = float(np.median(f))
            if np.isfinite(med):
                ax.plot([med], [eps], marker="|", ms=9, mew=1.6, color=styles[lb]["color"], zorder=5,
                        label="_nolegend_")
        ax.set_ylim(FLOOR / 1.3, 1.3)
        ax.set_title(names[g], fontsize=8)
    extra = [(ax.plot([], [], marker="|", ms=8, mew=1.6, color="0.2", linestyle="none")[0],
              "median episodes to $\\epsilon$ (tick on the $\\epsilon$ line)")]
    legend(fig, axes[0], centres=centres, loc="outside lower center", ncol=2, extra=extra)
    return save(fig, stem)


@styled
def draw_sweep_figure(x: np.ndarray, first: dict[str, np.ndarray], stem: Path, *, title: str, xlabel: str, runs: int,
                      episodes: int, eps: float, order: tuple[str, np.ndarray], fixed: str) -> list[Path]:
    """``first``: ``{agent: (runs, G)}`` episodes to ``eps`` at the swept values ``x`` (``inf``: not by ``K``, counted
    as ``K`` and marked); ``order``: ``(name, values)`` of the order ``d^2 / eps^2`` (a rate)."""
    x = np.asarray(x, dtype=np.float64)
    styles = styles_for(first)
    fig, axes = panels(title, xlabel, "exploration episodes", ("loglog",), width="one", height=3.4,
                       subtitle=f"episodes until the worst suboptimality stays $\\leq$ {eps:g}; "
                                + (f"{fixed}, " if fixed else "") + f"K = {episodes:,}")
    ax = axes[0]
    capped = {lb: np.minimum(v, episodes) for lb, v in first.items()}
    centres = draw_curves(ax, x, capped, styles=styles, markers=True)
    any_censored = False
    for lb, v in first.items():
        censored = np.isinf(v).any(0)
        if censored.any():
            any_censored = True
            ax.plot(x[censored], capped[lb].mean(0)[censored], "^", color=styles[lb]["color"], ms=7, mfc="none",
                    label="_nolegend_")
    _, ref = order
    draw_rate(ax, x, ref, f"order $d^2/\\epsilon^2$ (Cor. 2.6.4), constant 1:\nonly its flatness in "
              f"{xlabel.split()[-1]} is meant", where=1.0, shorten=False, below=True)
    draw_level(ax, episodes, "_nolegend_", color="grey", linestyle=":")
    ax.annotate(f"K = {episodes:,} episodes run", (x[0], episodes), xytext=(2, -9), textcoords="offset points",
                fontsize=7.5, color=PALETTE["darkgrey"])
    ticks_at(ax, x)
    from rlkit.figures.plot import band_caption

    extra = [(ax.plot([], [], "^", color="0.2", ms=7, mfc="none")[0],
              "some runs not below $\\epsilon$ by K (counted as K)")] if any_censored else []
    legend(fig, ax, centres=centres, loc="outside lower center", ncol=1, title=band_caption(runs), extra=extra)
    return save(fig, stem)
