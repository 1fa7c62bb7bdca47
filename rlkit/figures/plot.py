"""Regret and performance curves: mean with a 95% bootstrap confidence band, log-log slope, theory overlay.

Small reusable pieces; the experiment kinds compose them into their figures. Figures are written as PNG
and PDF side by side. What every figure of the project follows (and new kinds should too):

* **one style per agent name**: :func:`style_for` gives the colour, line style and marker of a label, the
  same in every figure. Known labels have a fixed entry in :data:`STYLES` (an algorithm's variants share its
  colour and differ in line style; no two entries share a colour *and* a line style); any other label gets
  a stable hashed style (:func:`register_style` adds a fixed one). :func:`styles_for` gives a figure's
  labels their styles, moving a hashed label off a style another curve of the same figure already has.
* **legends outside the data** (:func:`legend_outside`), so no curve or bound is hidden; a curve that is
  identically zero is drawn on top of the zero line and named so ("identically 0").
* **the band's meaning and the run's size written on the figure** (:func:`band_caption`, :func:`titled`).
* **a bound drawn against what it bounds** (:func:`draw_bound`): labelled with the agent and shown only on
  the regret notion it bounds (the kind decides, from the theory function's ``term`` and ``algo``).
* **slopes only where they mean something**: :func:`loglog_slope` is NaN unless the curve is positive over
  the whole fitted decade.
* **the paper's axes**: linear panels with the log-log view as a second panel (:func:`new_panels`); swept
  values as tick labels (:func:`ticks_at`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullLocator  # noqa: E402

from rlkit.core.stats import bootstrap_band, loglog_slope  # noqa: E402

# ------------------------------------------------------------------ styles
PALETTE = {  # tab10 (no light/dark pairs) and black
    "blue": "#1f77b4", "orange": "#ff7f0e", "green": "#2ca02c", "red": "#d62728", "purple": "#9467bd",
    "brown": "#8c564b", "pink": "#e377c2", "grey": "#7f7f7f", "olive": "#bcbd22", "cyan": "#17becf",
    "black": "#000000",
}
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "X", "P", "<", ">", "*")

STYLES: dict[str, tuple[str, str, str]] = {
    # label: (colour, line style, marker). Variants of one algorithm share its colour.
    "DynLin-UCB(log T)": ("blue", "-", "o"),
    "DynLin-UCB(1)": ("blue", "--", "s"),
    "Lin-UCB(log T)": ("orange", "-", "o"),
    "Lin-UCB(1)": ("orange", "--", "s"),
    "LinUCB": ("orange", "-.", "^"),
    "D-Lin-UCB(log T)": ("green", "-", "o"),
    "D-Lin-UCB(1)": ("green", "--", "s"),
    "AR2": ("purple", "-", "v"),
    "EXP3": ("brown", "-", "D"),
    "Batch-EXP3": ("brown", "--", "X"),
    "Clairvoyant": ("black", "-", "*"),
    "Expert": ("grey", "-.", "P"),
    "LinTS": ("red", "-", "D"),
    "EpsilonGreedy": ("pink", "-", "v"),
    "Uniform": ("grey", "--", "X"),
    "PEVI": ("grey", "-", "D"),
    "R2PVI-TV": ("cyan", "-", "X"),
    "R2PVI-KL": ("olive", "-", "s"),
    "R2PVI-chi2": ("red", "-.", "o"),
    "DRPVI": ("purple", "--", "^"),
    "DRPVI(rho=0.1)": ("purple", "-.", "^"),
    "DRPVI(rho=0.3)": ("purple", ":", "^"),
    "DRVI-L": ("brown", "-.", "v"),
    "DRVI-L(rho=0.1)": ("brown", ":", "v"),
    # GFUCB bandits: neural GFUCB (shared over 10 / 5 tasks, or one task alone), the exact finite-class agent
    "GFUCB 10 tasks": ("blue", "-", "o"),
    "Neural GFUCB": ("blue", "-", "o"),
    "GFUCB 5 tasks": ("blue", "--", "s"),
    "GFUCB 1 task": ("blue", ":", "^"),
    "Neural GFUCB, independent": ("blue", ":", "^"),
    "GFUCB exact class": ("cyan", "-", "D"),
    "GFUCB exact class, theory radius, 10 tasks (ours)": ("cyan", "-", "D"),
    "GFUCB exact class, independent": ("cyan", ":", "v"),
    "Epsilon Greedy 1 task": ("pink", "-", "v"),
    "Annealed Epsilon Greedy 1 task": ("pink", "--", "X"),
    "LinUCB per task, raw contexts (ours)": ("orange", "-.", "^"),
    "LinUCB per task, raw pixels (ours)": ("orange", "-.", "^"),
    # neural GFUCB's refit schedules (gfucb_refit.toml)
    "every round, 4 steps": ("purple", "-", "o"),
    "every 5 rounds, 5 steps": ("green", "--", "s"),
    "every 5 rounds, 20 steps (default)": ("blue", "-", "o"),
    "every 5 rounds, 80 steps": ("red", "-.", "^"),
    "every 25 rounds, 100 steps": ("brown", ":", "D"),
    "never (random features)": ("grey", "--", "X"),
    # episodic agents
    "LSVI-UCB": ("olive", "-", "D"),
    "LSVI-UCB (beta = 3)": ("olive", "-", "D"),
    "LSVI-UCB (theory, c = 1)": ("olive", "--", "s"),
    "LSVI-UCB, tabular features": ("olive", "-", "D"),
    "LSVI-UCB, true features (oracle)": ("olive", "--", "P"),
    "GFUCB-MDP multitask": ("blue", "-", "o"),
    "GFUCB-MDP multitask (theory constants)": ("blue", "--", "s"),
    "GFUCB-MDP independent": ("blue", ":", "^"),
    "log-barrier FTRL (Dai et al.)": ("red", "-", "o"),
    "exp. weights (Luo et al.)": ("green", "-", "s"),
    "Uniform policy": ("grey", "--", "X"),
    "UniformPolicy": ("grey", "--", "X"),
    "HF-UCRL-RFE++": ("red", "-", "o"),
    "UCRL-RFE": ("purple", "-", "s"),
    "UCRL-RFE+": ("purple", "--", "^"),
    # transfer strategies (MBTL)
    "MBTL": ("red", "-", "o"),
    "Greedy": ("orange", "-", "s"),
    "Equidistant (sweep, B = N)": ("green", "-", "^"),
    "Equidistant (grid, B = k)": ("green", "--", "v"),
    "Random": ("grey", "-", "D"),
    "Sequential Oracle": ("pink", "-", "*"),
    "Independent": ("brown", "--", "X"),
    "Multi-task": ("purple", "-.", "P"),
    "Oracle Transfer": ("black", ":", "<"),
}
"""The fixed style of every agent label the project's specs use. Add yours with :func:`register_style`."""


def register_style(label: str, color: str, linestyle: str = "-", marker: str = "o") -> None:
    """Give ``label`` a fixed style (``color`` a :data:`PALETTE` name or any matplotlib colour)."""
    STYLES[label] = (color, linestyle, marker)


def _hashed(label: str, shift: int = 0) -> tuple[str, str, str]:
    h = int.from_bytes(hashlib.sha256(label.encode()).digest()[:8], "big") + shift
    names = list(PALETTE)
    return names[h % len(names)], LINESTYLES[(h // len(names)) % len(LINESTYLES)], MARKERS[h % len(MARKERS)]


def _as_style(entry: tuple[str, str, str]) -> dict:
    color, linestyle, marker = entry
    return {"color": PALETTE.get(color, color), "linestyle": linestyle, "marker": marker}


def style_for(label: str) -> dict:
    """``{"color", "linestyle", "marker"}`` of an agent label: its :data:`STYLES` entry, else a stable hash of it."""
    return _as_style(STYLES.get(label) or _hashed(label))


def styles_for(labels) -> dict[str, dict]:
    """The styles of one figure's labels: known labels keep theirs; a hashed label that would repeat a (colour,
    line style) already in the figure moves to the next free hashed one (deterministically)."""
    labels = list(labels)
    taken = {STYLES[lb][:2] for lb in labels if lb in STYLES}
    out = {}
    for lb in labels:
        if lb in STYLES:
            out[lb] = _as_style(STYLES[lb])
            continue
        shift = 0
        entry = _hashed(lb)
        while entry[:2] in taken and shift < len(PALETTE) * len(LINESTYLES):
            shift += 1
            entry = _hashed(lb, shift)
        taken.add(entry[:2])
        out[lb] = _as_style(entry)
    return out


# -------------------------------------------------------------- captions
def band_caption(n: int, unit: str = "runs", level: float = 0.95, what: str = "mean") -> str:
    """What a line and its band show, e.g. ``"lines: mean; bands: 95% bootstrap CI of the mean over 10 runs"``."""
    if n < 2:
        return f"lines: {what} of {n} {unit} (no band)"
    return f"lines: {what}; bands: {level:.0%} bootstrap CI of the mean over {n} {unit}"


# ------------------------------------------------------------------ curves
def draw_curves(ax, t: np.ndarray, curves: dict[str, np.ndarray], slope: bool = True, *, styles=None,
                legend: bool = True, markers: bool = True) -> dict[str, float]:
    """Mean and 95% band of each ``(n_runs, P)`` array in ``curves``; returns the log-log slope per label.

    Each label is drawn in its project style (:func:`styles_for`, or the given ``styles``). ``slope=True``
    writes the slope into the label ("n/a" where it is not defined); ``legend=False`` leaves the lines
    unlabelled (the second panel of a figure whose first panel carries the legend). ``markers`` puts each
    label's marker along its line, evenly spaced on screen and staggered between curves, so curves that
    coincide stay told apart. A curve that is zero everywhere is drawn above the other lines and labelled
    "identically 0" (on log axes it cannot appear).
    """
    slopes = {}
    styles = styles or styles_for(curves)
    for i, (label, Y) in enumerate(curves.items()):
        mean, lo, hi = bootstrap_band(Y)
        slopes[label] = loglog_slope(t, mean)
        style = dict(styles[label])
        if markers:
            style["markevery"] = (0.02 + 0.1 * (i % 10) / 10, 0.1)  # staggered, a tenth of the axes apart
        else:
            style.pop("marker")
        zero = bool(np.all(mean == 0) and np.all(hi == lo))
        text = label
        if zero:
            text = f"{label} (identically 0)"
        elif slope:
            text = f"{label} (slope {'n/a' if np.isnan(slopes[label]) else f'{slopes[label]:.2f}'})"
        ax.plot(t, mean, label=text if legend else "_nolegend_", lw=2.2 if zero else 1.6, zorder=4 if zero else 2,
                ms=4, **style)
        if np.any(hi > lo):  # a zero-width band (e.g. an all-zero curve) draws nothing, and breaks log axes
            ax.fill_between(t, lo, hi, color=style["color"], alpha=0.18, lw=0, zorder=1)
    return slopes


def draw_sweep(ax, x: np.ndarray, curves: dict[str, np.ndarray], styles=None) -> None:
    """Mean and 95% band of each ``(n, P)`` array over the ``P`` swept values ``x``, marked, in project styles."""
    styles = styles or styles_for(curves)
    for label, Y in curves.items():
        mean, lo, hi = bootstrap_band(Y)
        ax.plot(x, mean, ms=4, lw=1.6, label=label, **styles[label])
        ax.fill_between(x, lo, hi, color=styles[label]["color"], alpha=0.18, lw=0)


def draw_bound(ax, t: np.ndarray, values: np.ndarray, label: str, legend: bool = True) -> None:
    """A theory bound: black dashes, above the bands, labelled ``label`` (say which agent and regret it bounds)."""
    ax.plot(t, values, color="black", linestyle=(0, (5, 2)), lw=1.3, zorder=3,
            label=label if legend else "_nolegend_")


def zero_line(ax) -> None:
    """A visible zero baseline on linear axes (under the curves)."""
    ax.axhline(0.0, color="0.35", lw=0.8, zorder=0)


def ticks_at(ax, values, axis: str = "x") -> None:
    """Major ticks exactly at the swept ``values`` (labelled with them), no minor ticks."""
    values = list(values)
    labels = [f"{v:g}" for v in values]
    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xticks if axis == "x" else ax.set_yticks)(values, labels)
    target.set_minor_locator(NullLocator())


# ----------------------------------------------------------------- figures
def save(fig, stem: Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.pdf`` (cropped to everything drawn, legends outside the axes included)."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    fig.tight_layout()
    for p in paths:
        fig.savefig(p, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return paths


def new_figure(title: str, xlabel: str, ylabel: str, loglog: bool = False, *, subtitle: str | None = None,
               figsize=(6.4, 4.4)):
    """One panel: ``(fig, ax)``; ``subtitle`` (the run's size, the band's meaning) goes under the title."""
    fig, ax = plt.subplots(figsize=figsize)
    ax.set_title(titled(title, subtitle), fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if loglog:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")
    return fig, ax


def compact(value, pos=None) -> str:
    """Tick label of a large linear axis: ``250000 -> "250k"``, ``1000000 -> "1M"``, small values as they are."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= 10 * scale or abs(value) >= scale and value % scale == 0:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def new_panels(title: str, xlabel: str, ylabel: str, panels=("linear", "loglog"), *, subtitle: str | None = None,
               panel_size=(5.0, 4.2), legend_width: float = 3.4,
               loglog_title: str = "log-log (slopes over the last decade)"):
    """Side-by-side panels of the same curves: ``"linear"`` (the papers' axes) and/or ``"loglog"`` (slopes);
    returns ``(fig, axes)`` with one axes per panel, titled by scale. ``legend_width`` inches are kept to the
    right for :func:`legend_outside`."""
    fig, axes = plt.subplots(1, len(panels), figsize=(panel_size[0] * len(panels) + legend_width, panel_size[1]),
                             squeeze=False)
    axes = list(axes[0])
    fig.suptitle(titled(title, subtitle), fontsize=10)
    for ax, kind in zip(axes, panels):
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if kind == "loglog":
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(loglog_title, fontsize=9)
        else:
            ax.set_title("linear axes", fontsize=9)
            ax.xaxis.set_major_formatter(FuncFormatter(compact))
            ax.yaxis.set_major_formatter(FuncFormatter(compact))
            zero_line(ax)
        ax.grid(alpha=0.3, which="both")
    return fig, axes


def titled(title: str, subtitle: str | None) -> str:
    return title if not subtitle else f"{title}\n{subtitle}"


def legend_outside(ax, title: str | None = None, fontsize: int = 8, source=None) -> None:
    """The legend of the labelled lines of ``source`` (default ``ax``) to the right of ``ax``, where it hides
    nothing (:func:`save` crops the figure around it)."""
    handles, labels = (source or ax).get_legend_handles_labels()
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=fontsize,
              title=title, title_fontsize=fontsize, frameon=False)


def count(n: int) -> str:
    """``1000000 -> "10^6"``, ``300 -> "300"``, ``25000 -> "25,000"``: sizes as a title writes them."""
    n = int(n)
    if n >= 1000 and 10 ** round(np.log10(n)) == n:
        return f"10^{round(np.log10(n))}"
    return f"{n:,}"


def fit_linear_ylim(ax, curves: dict[str, np.ndarray], margin: float = 0.06) -> None:
    """Linear y-limits from the data's bands (a bound far above them is cut at the top, not the data squeezed)."""
    lo, hi = 0.0, 0.0
    for Y in curves.values():
        _, b_lo, b_hi = bootstrap_band(Y)
        lo, hi = min(lo, float(b_lo.min())), max(hi, float(b_hi.max()))
    span = (hi - lo) or 1.0
    ax.set_ylim(lo - margin * span, hi + margin * span)
