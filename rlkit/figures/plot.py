"""The figure grammar every kind draws with: agent styles, uncertainty, bounds and rates, legends that hide nothing.

Small reusable pieces on top of :mod:`rlkit.figures.style` (print widths, type sizes, palette); the per-kind
modules of :mod:`rlkit.figures` compose them. The rules:

* **one style per agent within a paper's figures** (:func:`style_for`, :data:`STYLES`): the paper's own method in
  the salient colour (:data:`rlkit.figures.style.METHOD`, heavier lines on top), baselines in the other
  Okabe-Ito hues, thinner; an algorithm's variants share its colour and differ in line style and marker. Unknown
  labels get a stable hashed style that :func:`styles_for` keeps apart from the figure's other curves.
* **honest uncertainty** (:func:`draw_curves`, :func:`draw_sweep`, :func:`band_caption`): with fewer than
  :data:`FEW` runs every run is drawn as a thin line (no band); otherwise the band is the 95% t-interval of the
  mean, ``mean +- t(n-1) s.e.``, the same standard error the summaries' tables report. Timings are medians with
  the interquartile range (``stat="median"``). The figure always says which.
* **no data can disappear**: curves that coincide within a line width are named together in one legend entry
  (:func:`coincident_groups`, :func:`legend`); a point far off the axis is left out of its line and marked with
  an arrow and its value (:func:`mark_off_axis`).
* **one grammar for bounds and rates**: black dashed only for a valid bound, labelled with what it bounds, with
  the trivial bound ``T x`` the largest per-round gap beside it and a bound above it called vacuous
  (:func:`draw_bound`); thin grey dotted lines with an inline label for orders and rates (:func:`draw_rate`),
  never in a bound's or an agent's style; levels (a reference value across the axis) in grey
  (:func:`draw_level`).
* **the paper's numbers on the figure** (:func:`draw_reported`): hollow markers in the agent's colour, circles
  for the paper's reported values, squares for the authors' code.
"""

from __future__ import annotations

import functools
import hashlib
import textwrap
from pathlib import Path

import numpy as np
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullLocator

from rlkit.core.stats import loglog_slope, standard_error
from rlkit.figures.style import (
    LINE_PT,
    METHOD,
    PALETTE,
    WIDTHS,
    canvas,
    style,
    wrap,
)
from rlkit.figures.style import save as _save

LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "X", "P", "<", ">", "*")
FEW = 5
"""With fewer runs (or trials) than this, each run is drawn as a thin line instead of a band."""

STYLES: dict[str, tuple[str, str, str]] = {
    # label: (colour, line style, marker). The paper's method in METHOD; an algorithm's variants share a colour.
    # DynLin-UCB (Mussi et al.)
    "DynLin-UCB(log T)": (METHOD, "-", "o"),
    "DynLin-UCB(1)": (METHOD, "--", "s"),
    "Lin-UCB(log T)": ("blue", "-", "o"),
    "Lin-UCB(1)": ("blue", "--", "s"),
    "LinUCB": ("blue", "-.", "^"),
    "D-Lin-UCB(log T)": ("green", "-", "o"),
    "D-Lin-UCB(1)": ("green", "--", "s"),
    "AR2": ("purple", "-", "v"),
    "EXP3": ("orange", "-", "D"),
    "Batch-EXP3": ("orange", "--", "X"),
    "Clairvoyant": ("black", "-", "*"),
    "Expert": ("darkgrey", "-.", "P"),
    "LinTS": ("skyblue", "-", "D"),
    "EpsilonGreedy": ("purple", "-.", "v"),
    "Uniform": ("grey", "--", "X"),
    # R2PVI (Tang, Liu, Xu): the three divergences are the paper's method
    "R2PVI-TV": (METHOD, "-", "o"),
    "R2PVI-KL": (METHOD, "--", "s"),
    "R2PVI-chi2": (METHOD, "-.", "^"),
    "PEVI": ("blue", "-", "D"),
    "DRPVI": ("green", "--", "v"),
    "DRPVI(rho=0.1)": ("green", "-", "v"),
    "DRPVI(rho=0.3)": ("green", "--", "P"),
    "DRVI-L": ("purple", "-.", "X"),
    "DRVI-L(rho=0.1)": ("purple", "-.", "X"),
    # GFUCB bandits: neural GFUCB shared over 10 / 5 tasks or one task alone; the exact finite-class agent
    "GFUCB 10 tasks": (METHOD, "-", "o"),
    "Neural GFUCB": (METHOD, "-", "o"),
    "GFUCB 5 tasks": (METHOD, "--", "s"),
    "GFUCB 1 task": (METHOD, ":", "^"),
    "Neural GFUCB, independent": (METHOD, ":", "^"),
    "GFUCB exact class": ("blue", "-", "D"),
    "GFUCB exact class, theory radius, 10 tasks (ours)": ("blue", "-", "D"),
    "GFUCB exact class, independent": ("blue", ":", "v"),
    "Epsilon Greedy 1 task": ("purple", "-", "v"),
    "Annealed Epsilon Greedy 1 task": ("purple", "--", "X"),
    "LinUCB per task, raw contexts (ours)": ("skyblue", "-.", "^"),
    "LinUCB per task, raw pixels (ours)": ("skyblue", "-.", "^"),
    # neural GFUCB's refit schedules (gfucb_refit.toml): the default is the method
    "every round, 4 steps": ("blue", "-", "o"),
    "every 5 rounds, 5 steps": ("green", "--", "s"),
    "every 5 rounds, 20 steps (default)": (METHOD, "-", "o"),
    "every 5 rounds, 80 steps": ("purple", "-.", "^"),
    "every 25 rounds, 100 steps": ("orange", ":", "D"),
    "never (random features)": ("darkgrey", "--", "X"),
    # episodic agents
    "LSVI-UCB": ("skyblue", "-", "D"),
    "LSVI-UCB (beta = 3)": ("skyblue", "-", "D"),
    "LSVI-UCB (theory, c = 1)": ("skyblue", "--", "s"),
    "LSVI-UCB, tabular features": ("skyblue", "-", "D"),
    "LSVI-UCB, true features (oracle)": ("blue", "--", "P"),
    "GFUCB-MDP multitask": (METHOD, "-", "o"),
    "GFUCB-MDP multitask (theory constants)": (METHOD, "--", "s"),
    "GFUCB-MDP independent": (METHOD, ":", "^"),
    "log-barrier FTRL (Dai et al.)": (METHOD, "-", "o"),
    "log-barrier FTRL (Dai et al., reconstructed)": (METHOD, "-", "o"),
    "log-barrier FTRL (Alg. 1), Dai schedule, bonus, exact covariance and bonus (oracle)": (METHOD, "-", "o"),
    "log-barrier FTRL (Alg. 1), Dai schedule, bonus, exact covariance": (METHOD, "-", "o"),
    "log-barrier FTRL (Alg. 1), Dai schedule, constant eta 10, bonus, exact covariance and bonus (oracle)":
        (METHOD, ":", "D"),
    "log-barrier FTRL, constant eta/gamma, no bonus, GR": (METHOD, "-", "o"),
    "neg.-entropy FTRL, magnitude-reduced (Alg. 2, reconstructed), Dai schedule, bonus, exact covariance and bonus "
    "(oracle)": (METHOD, "--", "s"),
    "neg.-entropy FTRL, magnitude-reduced (Alg. 2, reconstructed), Dai schedule, bonus, exact covariance":
        (METHOD, "--", "s"),
    "neg.-entropy FTRL, magnitude-reduced (Alg. 2, reconstructed), Dai schedule, constant eta 1, bonus, exact "
    "covariance and bonus (oracle)": (METHOD, "-.", "P"),
    "exp. weights (Luo et al.), Luo schedule, bonus, exact covariance and bonus (oracle)": ("blue", "-", "^"),
    "exp. weights (Luo et al.), Luo schedule, bonus, exact covariance": ("blue", "-", "^"),
    "exp. weights (Luo et al.), Luo schedule, constants eta 1, gamma 3, bonus, exact covariance and bonus (oracle)":
        ("blue", ":", "v"),
    "exp. weights (Luo et al.), Luo schedule, constants eta = gamma = 3, bonus, exact covariance and bonus (oracle)":
        ("blue", "--", "<"),
    "exp. weights, constant eta/gamma, no bonus, GR": ("blue", "-", "^"),
    "exp. weights (Luo et al.)": ("blue", "-", "s"),
    "exp. weights (Luo et al., reconstructed)": ("blue", "-", "s"),
    "Uniform policy": ("grey", "--", "X"),
    "UniformPolicy": ("grey", "--", "X"),
    "HF-UCRL-RFE++": (METHOD, "-", "o"),
    "UCRL-RFE": ("blue", "-", "s"),
    "UCRL-RFE+": ("blue", "--", "^"),
    # transfer strategies (MBTL)
    "MBTL": (METHOD, "-", "o"),
    "Greedy": ("orange", "-", "s"),
    "Equidistant (sweep, B = N)": ("green", "-", "^"),
    "Equidistant (grid, B = k)": ("green", "--", "v"),
    "Random": ("grey", "-", "D"),
    "Sequential Oracle": ("purple", "-", "*"),
    "Independent": ("blue", "--", "X"),
    "Multi-task": ("skyblue", "-.", "P"),
    "Oracle Transfer": ("black", ":", "<"),
}
"""The fixed style of every agent label the project's specs use. Add yours with :func:`register_style`."""

_HASHED = ("blue", "orange", "green", "purple", "skyblue", "darkgrey", "black")  # never METHOD: it is assigned


def register_style(label: str, color: str, linestyle: str = "-", marker: str = "o") -> None:
    """Give ``label`` a fixed style (``color`` a :data:`rlkit.figures.style.PALETTE` name or a matplotlib colour)."""
    STYLES[label] = (color, linestyle, marker)


def _hashed(label: str, shift: int = 0) -> tuple[str, str, str]:
    h = int.from_bytes(hashlib.sha256(label.encode()).digest()[:8], "big") + shift
    return _HASHED[h % len(_HASHED)], LINESTYLES[(h // len(_HASHED)) % len(LINESTYLES)], MARKERS[h % len(MARKERS)]


def _as_style(entry: tuple[str, str, str]) -> dict:
    color, linestyle, marker = entry
    method = color == METHOD
    return {"color": PALETTE.get(color, color), "linestyle": linestyle, "marker": marker,
            "lw": LINE_PT["method" if method else "baseline"], "zorder": 3 if method else 2}


def style_for(label: str) -> dict:
    """``{"color", "linestyle", "marker", "lw", "zorder"}`` of an agent label: its :data:`STYLES` entry, else a
    stable hash of it. The paper's method (colour :data:`rlkit.figures.style.METHOD`) is heavier and on top."""
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
        while entry[:2] in taken and shift < len(_HASHED) * len(LINESTYLES):
            shift += 1
            entry = _hashed(lb, shift)
        taken.add(entry[:2])
        out[lb] = _as_style(entry)
    return out


def styled(fn):
    """Run a drawing function inside the project style (:func:`rlkit.figures.style.style`)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with style():
            return fn(*args, **kwargs)

    return wrapper


# ------------------------------------------------------------- statistics
def t_band(Y: np.ndarray, level: float = 0.95):
    """``mean, lo, hi`` over the runs (rows) of ``Y: (n, P)``: the ``level`` t-interval ``mean +- t s.e.``."""
    from scipy.stats import t as student

    Y = np.asarray(Y, dtype=np.float64)
    mean = Y.mean(0)
    n = Y.shape[0]
    if n < 2:
        return mean, mean.copy(), mean.copy()
    half = student.ppf(0.5 + level / 2, n - 1) * standard_error(Y)
    return mean, mean - half, mean + half


def median_iqr(Y: np.ndarray):
    """``median, q25, q75`` over the rows of ``Y: (n, P)`` (repeated timings)."""
    q25, med, q75 = np.quantile(np.asarray(Y, dtype=np.float64), [0.25, 0.5, 0.75], axis=0)
    return med, q25, q75


def band_caption(n: int, unit: str = "runs", what: str = "mean", stat: str = "mean") -> str:
    """What the lines and bands of a figure show, e.g. ``"lines: mean over 10 runs; bands: 95% t-interval of the
    mean"`` (``mean +- t s.e.``, the summaries' standard error); with fewer than :data:`FEW` runs the runs
    themselves are drawn (thin lines)."""
    if stat == "median":
        return f"points: median of {n} {unit}; bars: interquartile range"
    if n < 2:
        return f"lines: {what} of {n} {unit[:-1] if unit.endswith('s') else unit} (no band)"
    if n < FEW:
        return f"lines: {what} over {n} {unit}; thin lines: each of the {n} {unit} (too few for a band)"
    return f"lines: {what} over {n} {unit}; bands: 95% t-interval of the mean"


# ------------------------------------------------------------------ curves
def _band(ax, x, Y, st: dict, stat: str = "mean"):
    """Draw the uncertainty of ``Y: (n, P)`` (band, or each run when ``n <`` :data:`FEW`); return the centre line."""
    Y = np.asarray(Y, dtype=np.float64)
    if stat == "median":
        mid, lo, hi = median_iqr(Y)
        ax.errorbar(x, mid, yerr=[mid - lo, hi - mid], fmt="none", ecolor=st["color"], elinewidth=0.8, capsize=2,
                    zorder=st["zorder"])
        return mid
    n = Y.shape[0]
    mean, lo, hi = t_band(Y)
    if ax.get_yscale() == "log" and np.any(Y > 0):  # a band cannot go below zero there: cut at the least value seen
        lo = np.maximum(lo, float(Y[Y > 0].min()))
    if 2 <= n < FEW:
        for row in Y:
            ax.plot(x, row, color=st["color"], lw=0.5, alpha=0.45, zorder=1, label="_nolegend_")
    elif np.any(hi > lo):  # a zero-width band (an all-zero curve) draws nothing, and breaks log axes
        ax.fill_between(x, lo, hi, color=st["color"], alpha=0.15, lw=0, zorder=1)
    return mean


def draw_curves(ax, t: np.ndarray, curves: dict[str, np.ndarray], *, styles=None, legend: bool = True,
                markers: bool = True, slope: bool = False, stat: str = "mean") -> dict[str, np.ndarray]:
    """Centre line and uncertainty of each ``(n_runs, P)`` array in ``curves``; returns the centre lines.

    Each label is drawn in its project style. ``markers`` puts each label's marker along its line, evenly spaced
    and staggered between curves. ``slope=True`` appends the log-log slope over the last decade to the label
    (only for a log-log panel). A curve that is zero everywhere is drawn on top and labelled "identically 0" (the
    returned centres are keyed by these legend texts).
    ``legend=False`` leaves the lines unlabelled (a second panel of a figure whose first panel has the legend).
    """
    styles = styles or styles_for(curves)
    centres = {}
    for i, (label, Y) in enumerate(curves.items()):
        st = dict(styles[label])
        centre = _band(ax, t, Y, st, stat)
        zero = bool(np.all(np.asarray(Y) == 0))
        text = f"{label} (identically 0)" if zero else label
        if slope and not zero:
            s = loglog_slope(t, centre)
            text = f"{label} (slope {'n/a' if np.isnan(s) else f'{s:.2f}'})"
        if markers and len(t) > 12:
            st["markevery"] = (0.02 + 0.1 * (i % 10) / 10, 0.1)
        if not markers:
            st.pop("marker")
        if zero:
            st.update(zorder=4, lw=2.0)
        ax.plot(t, centre, label=text if legend else "_nolegend_", ms=3.5, **st)
        centres[text] = centre  # keyed as the legend names it
    return centres


def draw_sweep(ax, x: np.ndarray, curves: dict[str, np.ndarray], styles=None, *, legend: bool = True,
               stat: str = "mean") -> dict[str, np.ndarray]:
    """Centre and uncertainty of each ``(n, P)`` array over the ``P`` swept values ``x``, marked, in project
    styles (``stat="median"``: median with interquartile bars, for timings). Returns the centres."""
    return draw_curves(ax, x, curves, styles=styles, legend=legend, markers=True, stat=stat)


# ----------------------------------------------------- bounds, rates, levels
def draw_bound(ax, t: np.ndarray, values: np.ndarray, label: str, *, trivial: np.ndarray | None = None,
               legend: bool = True) -> bool:
    """A valid theory bound: black dashes above the bands, labelled ``label`` (say what it bounds). With
    ``trivial`` (``t x`` the largest per-round gap) the trivial bound is drawn beside it (thin dark grey) and a bound
    above it at the last point is labelled vacuous. Returns whether it is vacuous."""
    values = np.asarray(values, dtype=np.float64)
    vacuous = trivial is not None and bool(values[-1] > np.asarray(trivial)[-1])
    text = f"{label}; vacuous: above the trivial bound" if vacuous else label
    (line,) = ax.plot(t, values, color="black", linestyle=(0, (5, 2)), lw=1.2, zorder=3,
                      label=text if legend else "_nolegend_")
    line.set_gid("bound-vacuous" if vacuous else "bound")
    if trivial is not None:
        (tl,) = ax.plot(t, trivial, color=PALETTE["darkgrey"], lw=0.8, zorder=3,
                        label="trivial bound: T x largest per-round gap" if legend else "_nolegend_")
        tl.set_gid("trivial")
    return vacuous


def short_label(text: str, limit: int = 32) -> str:
    """The words of a rate's label before its formula or parenthesis, at most ``limit`` characters."""
    words = []
    for w in text.split():
        if any(c in w for c in "()=^_/*") or (words and len(" ".join(words + [w])) > limit):
            break
        words.append(w)
    return " ".join(words) or text.split(" (")[0][:limit]  # a label that starts with its formula: up to its note


def draw_rate(ax, x: np.ndarray, y: np.ndarray, text: str, *, index: int = 0, where: float = 0.97,
              shorten: bool = True, below: bool = False) -> None:
    """An order or rate (a shape, not a bound): thin grey dotted, with the words of ``text`` before its formula
    written beside its line (not in the legend). ``index`` varies the dot spacing so that two rates on one axes
    differ."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    (line,) = ax.plot(x, y, color=PALETTE["grey"], lw=0.9, linestyle=(0, (1, 1.5 + 1.5 * index)), zorder=1,
                      label="_nolegend_")
    line.set_gid("rate")
    j = min(len(x) - 1, max(0, int(round(where * (len(x) - 1)))))
    note = ax.annotate(short_label(text) if shorten else text, (x[j], y[j]),
                       xytext=(0, -(3 + 9 * index) if below else 3 + 9 * index), textcoords="offset points",
                       ha="right", va="top" if below else "bottom", color=PALETTE["darkgrey"], fontsize=7.5)
    note.set_in_layout(False)


def draw_level(ax, value: float, label: str, *, color: str = "grey", linestyle: str = "--",
               legend: bool = True) -> None:
    """A reference level across the axes (a baseline's value that does not change with x), in grey tones."""
    ax.axhline(value, color=PALETTE.get(color, color), lw=1.0, linestyle=linestyle, zorder=1,
               label=label if legend else "_nolegend_")


def zero_line(ax) -> None:
    """A visible zero baseline on linear axes (under the curves)."""
    ax.axhline(0.0, color="0.35", lw=0.6, zorder=0)


def draw_reported(ax, x, y, color: str, *, source: str = "paper", legend: bool = False) -> None:
    """Reported values as hollow markers in ``color``: circles for the paper's values, squares for the authors'
    code (:func:`reported_handles` gives their legend entries)."""
    marker = {"paper": "o", "authors": "s"}[source]
    ax.plot(np.atleast_1d(x), np.atleast_1d(y), linestyle="none", marker=marker, ms=6, mfc="none", mew=1.2,
            color=color, zorder=5, label=_REPORTED[source] if legend else "_nolegend_")


_REPORTED = {"paper": "paper's reported value", "authors": "authors' code"}


def draw_reported_within(ax, x, y, color: str, *, source: str = "paper") -> None:
    """:func:`draw_reported` for the points inside ``ax``'s y-limits (set them first); a value outside them is
    written at the edge it leaves by, with an arrow, so a far reported value does not rescale the data."""
    x, y = np.atleast_1d(np.asarray(x, dtype=np.float64)), np.atleast_1d(np.asarray(y, dtype=np.float64))
    lo, hi = ax.get_ylim()
    inside = (y >= lo) & (y <= hi)
    if inside.any():
        draw_reported(ax, x[inside], y[inside], color, source=source)
    x0, x1 = ax.get_xlim()
    for xi, yi in zip(x[~inside], y[~inside]):
        up = yi > hi
        left = source == "paper" or xi > x0 + 0.8 * (x1 - x0)  # text on the side that stays inside the axes
        left = left and xi > x0 + 0.2 * (x1 - x0)
        ax.annotate(f"{yi:.3g}", xy=(xi, 1.0 if up else 0.0), xycoords=("data", "axes fraction"),
                    xytext=(-7 if left else 7, (-1 if up else 1) * (16 if source == "paper" else 27)),
                    textcoords="offset points",
                    ha="right" if left else "left",
                    va="top" if up else "bottom", color=color, fontsize=7.5,
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 0.8, "linestyle": "--"})


def reported_handles(sources) -> list[tuple[Line2D, str]]:
    """Legend entries for the kinds of reported values drawn (grey hollow markers)."""
    return [(Line2D([], [], linestyle="none", marker={"paper": "o", "authors": "s"}[s], ms=6, mfc="none", mew=1.2,
                    color="0.2"), _REPORTED[s]) for s in sources]


def mark_off_axis(ax, x: np.ndarray, y: np.ndarray, low: float, color: str, fmt: str = "{:.2f}") -> np.ndarray:
    """Points of ``y`` below ``low`` replaced by NaN (so no segment runs to them) and each marked at the bottom of
    the axes by a downward arrow with its value. Returns the clipped ``y``."""
    y = np.asarray(y, dtype=np.float64).copy()
    for xi, yi in zip(np.asarray(x)[y < low], y[y < low]):
        ax.annotate(fmt.format(yi), xy=(xi, 0.0), xycoords=("data", "axes fraction"), xytext=(0, 14),
                    textcoords="offset points", ha="center", va="bottom", color=color, fontsize=7.5,
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 0.8})
    y[y < low] = np.nan
    return y


# ------------------------------------------------------------------ legends
def coincident_groups(centres: dict[str, np.ndarray], span: float, log: bool = False,
                      tol: float = 0.012) -> list[list[str]]:
    """Labels whose centre lines are within ``tol`` of the axes' height of each other at every point (they would be
    drawn as one line), grouped; ``span`` is the y-axis extent (in decades on a log axis, ``log=True``)."""
    labels = list(centres)
    out, used = [], set()
    for i, a in enumerate(labels):
        if a in used:
            continue
        group = [a]
        for b in labels[i + 1:]:
            if b in used:
                continue
            ya, yb = np.asarray(centres[a], float), np.asarray(centres[b], float)
            if ya.shape != yb.shape:
                continue
            if log:
                ok = np.all(ya > 0) and np.all(yb > 0)
                diff = np.abs(np.log10(np.maximum(ya, 1e-300)) - np.log10(np.maximum(yb, 1e-300))) if ok else np.inf
            else:
                diff = np.abs(ya - yb)
            if np.all(np.nan_to_num(diff, nan=0.0) <= tol * max(span, 1e-300)):
                group.append(b)
        if len(group) > 1:
            used.update(group)
            out.append(group)
    return out


def axis_span(ax) -> tuple[float, bool]:
    """The y extent of ``ax`` (in decades on a log axis) and whether it is logarithmic."""
    lo, hi = ax.get_ylim()
    if ax.get_yscale() == "log":
        return float(np.log10(hi) - np.log10(max(lo, 1e-300))), True
    return float(hi - lo), False


def legend(target, ax, *, centres: dict[str, np.ndarray] | None = None, title: str | None = None,
           loc: str = "outside right upper", ncol: int = 1, extra=(), why: dict[str, str] | None = None) -> None:
    """The legend of ``ax``'s labelled artists on ``target`` (a figure: placed outside the axes, ``loc`` as
    :meth:`matplotlib.figure.Figure.legend`; an axes: inside it, ``loc`` as :meth:`~matplotlib.axes.Axes.legend`).

    Labels whose ``centres`` coincide (:func:`coincident_groups`, at ``ax``'s final limits) become one entry
    showing all their styles, "A = B (coincide)", or ``why[A]`` when given. ``extra``: more ``(handle, text)``."""
    handles, labels = ax.get_legend_handles_labels()
    by_label = dict(zip(labels, handles))
    groups = []
    if centres:
        span, log = axis_span(ax)
        groups = coincident_groups(centres, span, log)
    merged = {}
    for group in groups:
        names = [n for n in group if n in by_label]
        if len(names) < 2:
            continue
        text = " = ".join(names) + " (" + (why or {}).get(names[0], _why(ax, [centres[n] for n in names])) + ")"
        merged[names[0]] = (tuple(by_label[n] for n in names), text)
        for n in names[1:]:
            merged[n] = None
    H, L = [], []
    for lb, h in by_label.items():
        if lb in merged:
            if merged[lb] is None:
                continue
            h, lb = merged[lb]
        H.append(h)
        L.append(lb)
    for h, text in extra:
        H.append(h)
        L.append(text)
    if hasattr(target, "legends"):  # a figure legend: outside the axes, to the right or below
        inches = target.get_size_inches()[0] * (0.45 if "right" in loc else 1.0) / ncol
    else:  # inside an axes: at most about 60% of its width
        inches = 0.6 * target.get_position().width * target.figure.get_size_inches()[0] / ncol
    chars = max(24, int(inches * 72 / (0.52 * 8)) - 8)  # the handle and padding take about 8 characters
    L = [textwrap.fill(text, chars, subsequent_indent="  ", break_on_hyphens=False) for text in L]
    if title:
        title = "\n".join(textwrap.fill(part, chars * ncol) for part in title.split("\n"))
    kw = {"handler_map": {tuple: HandlerTuple(ndivide=None, pad=0.2)}, "title": title, "ncol": ncol}
    target.legend(H, L, loc=loc, **kw)


def _why(ax, curves: list[np.ndarray]) -> str:
    """What coinciding curves have in common, said in the legend: ``"coincide: each about 0.215 x t"`` when they grow
    linearly at one rate (every agent earning the same per-round loss, e.g. playing the same action), else
    ``"coincide"``."""
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) == len(curves[0])]
    if not lines or ax.get_xscale() != "linear":
        return "coincide"
    x = np.asarray(lines[0].get_xdata(), dtype=np.float64)
    rates = []
    for y in curves:
        y = np.asarray(y, dtype=np.float64)
        keep = x > 0.1 * x[-1]
        if keep.sum() < 2 or not np.all(y[keep] > 0):
            return "coincide"
        r = y[keep] / x[keep]
        if np.ptp(r) > 0.02 * abs(r.mean()):
            return "coincide"
        rates.append(r.mean())
    var = (ax.get_xlabel().split() or ["t"])[-1]
    return f"coincide: each about {np.mean(rates):.3g} x {var}, linear"


# ------------------------------------------------------------------ axes
def plain(value, pos=None) -> str:
    """A tick label as a plain number (``20``, ``1,500``, ``0.05``); powers of ten from ``10^5`` on as mathtext."""
    if value == 0:
        return "0"
    a = abs(value)
    if a >= 1e5:
        e = int(np.floor(np.log10(a) + 1e-9))
        m = value / 10**e
        return f"$10^{{{e}}}$" if abs(m - 1) < 1e-9 else f"${m:g}\\times10^{{{e}}}$"
    if a >= 1000 and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}"


def plain_ticks(ax, axes: str = "xy") -> None:
    """Plain tick labels (:func:`plain`) on the given axes of ``ax``, no minor ticks."""
    for name in axes:
        axis = ax.xaxis if name == "x" else ax.yaxis
        axis.set_major_formatter(FuncFormatter(plain))
        axis.set_minor_locator(NullLocator())


def ticks_at(ax, values, axis: str = "x") -> None:
    """Major ticks exactly at the swept ``values`` (labelled plainly; on a linear axis a value closer than 7% of the
    range to the previous labelled one keeps its tick but not its label), no minor ticks."""
    values = list(values)
    scale = ax.get_xscale() if axis == "x" else ax.get_yscale()
    labels, last = [], None
    span = (max(values) - min(values)) or 1.0
    for v in sorted(values):
        crowded = scale == "linear" and last is not None and (v - last) < 0.07 * span
        labels.append((v, "" if crowded else plain(v)))
        if not crowded:
            last = v
    ticks = dict(labels)
    (ax.set_xticks if axis == "x" else ax.set_yticks)(values, [ticks[v] for v in values])
    (ax.xaxis if axis == "x" else ax.yaxis).set_minor_locator(NullLocator())


def count(n: int) -> str:
    """``1000000 -> "$10^{6}$"``, ``300 -> "300"``, ``25000 -> "25,000"``: sizes as a title writes them."""
    n = int(n)
    if n >= 1000 and 10 ** round(np.log10(n)) == n:
        return f"$10^{{{round(np.log10(n))}}}$"
    return f"{n:,}"


def fit_ylim(ax, centres_and_bands: list[np.ndarray], margin: float = 0.06, floor: float | None = 0.0) -> None:
    """Linear y-limits from the data drawn (a bound far above them is cut at the top, the data not squeezed)."""
    vals = np.concatenate([np.ravel(v) for v in centres_and_bands if np.size(v)])
    vals = vals[np.isfinite(vals)]
    if not vals.size:
        return
    lo, hi = float(vals.min()), float(vals.max())
    if floor is not None:
        lo = min(lo, floor)
    span = (hi - lo) or 1.0
    ax.set_ylim(lo - margin * span, hi + margin * span)


# ----------------------------------------------------------------- figures
def panels(title: str | None, xlabel: str, ylabel: str | list, scales=("linear",), *, width: str = "two",
           subtitle: str | None = None, height: float | None = None, sharey: bool = False):
    """``(fig, axes)``: one panel per entry of ``scales`` (``"linear"``, ``"loglog"``, ``"logx"``) side by side at a
    print width, titled (``title``, then ``subtitle`` wrapped to the width) in the project style."""
    n = len(scales)
    if height is None:
        height = 2.4 if width == "two" else 2.1
    fig, axes = canvas(width, height, 1, n, sharey=sharey)
    with style():
        head = "\n".join(wrap(s, width, pt=8.5) for s in (title, subtitle) if s)
        if head:
            fig.suptitle(head, fontsize=8.5)
        ylabels = ylabel if isinstance(ylabel, list) else [ylabel] * n
        fit = max(16, int((height - 1.1) * 72 / (0.52 * 8)))  # characters of a y-label along the axes' height
        for ax, kind, yl in zip(axes, scales, ylabels):
            ax.set_xlabel(xlabel)
            if yl and not (sharey and ax is not axes[0]):
                ax.set_ylabel(yl if "\n" in yl else textwrap.fill(yl, fit))
            if kind in ("loglog", "logx"):
                ax.set_xscale("log")
            if kind == "loglog":
                ax.set_yscale("log")
            plain_ticks(ax, "x" if kind == "logx" else "xy")
    return fig, axes


def new_figure(title: str | None, xlabel: str, ylabel: str, loglog: bool = False, *, subtitle: str | None = None,
               width: str = "two", height: float | None = None):
    """One panel at a print width: ``(fig, ax)``."""
    fig, axes = panels(title, xlabel, ylabel, ("loglog" if loglog else "linear",), width=width, subtitle=subtitle,
                       height=height)
    return fig, axes[0]


def _enough_log_ticks(fig) -> None:
    """A log axis spanning less than two decades gets ticks at 1, 2 and 5 times the powers of ten (plainly
    labelled), so it shows more than one number."""
    from matplotlib.ticker import LogLocator

    for ax in fig.axes:
        for name in ("x", "y"):
            axis = ax.xaxis if name == "x" else ax.yaxis
            if (ax.get_xscale() if name == "x" else ax.get_yscale()) != "log" or axis.get_ticklocs().size == 0:
                continue
            lo, hi = ax.get_xlim() if name == "x" else ax.get_ylim()
            if isinstance(axis.get_major_formatter(), FuncFormatter) and lo > 0 and np.log10(hi / lo) < 2:
                if not isinstance(axis.get_major_locator(), LogLocator):
                    continue  # ticks placed on purpose (swept values)
                axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))


def save(fig, stem: Path) -> list[Path]:
    """Write ``stem.png`` (300 dpi) and ``stem.pdf`` (:func:`rlkit.figures.style.save`)."""
    _enough_log_ticks(fig)
    return _save(fig, stem)


__all__ = ["WIDTHS", "STYLES", "FEW", "style_for", "styles_for", "register_style", "styled", "t_band", "median_iqr",
           "band_caption", "draw_curves", "draw_sweep", "draw_bound", "draw_rate", "draw_level", "draw_reported",
           "reported_handles", "mark_off_axis", "coincident_groups", "legend", "plain", "plain_ticks", "ticks_at",
           "count", "fit_ylim", "panels", "new_figure", "save", "zero_line", "axis_span"]
