"""The project's figure style: print widths, type sizes, the colour-blind-safe palette, PNG + PDF output.

Every figure of every kind is drawn inside :func:`style` (a :func:`matplotlib.rc_context`) on a canvas made by
:func:`canvas`, whose width is one of the two print widths of a two-column paper (:data:`WIDTHS`: 3.25 in for
one column, 6.75 in for the full text width), so the sizes below are the sizes on the page:

* text 8 pt (titles 9 pt, heat-map cell values 7 pt), 1.3 pt lines, 3.5 pt markers;
* the Okabe-Ito palette (Okabe and Ito, "Color Universal Design", 2008: distinguishable under the common colour
  vision deficiencies), the paper's own method always in :data:`METHOD` (vermillion) with thicker lines drawn on
  top, baselines in the other hues, thinner; greys for reference levels and uniform policies;
* no minor ticks or minor grid, a light major grid; tick labels plain (``20, 30, 40``, never ``2 x 10^1``) and
  exponents as mathtext (``$10^{6}$``);
* PNG at 300 dpi beside a PDF with embedded TrueType fonts (:func:`save`).
"""

from __future__ import annotations

import contextlib
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

WIDTHS = {"one": 3.25, "two": 6.75}
"""Print widths in inches: one column and the full text width of a two-column paper (ICML, NeurIPS, AISTATS)."""

TEXT_PT = 8.0
TITLE_PT = 9.0
CELL_PT = 7.0
"""Type sizes at print width: body text (labels, ticks, legends, notes), titles, heat-map cell values."""

MIN_PT = 7.0
"""The smallest type any figure may use (checked by :func:`rlkit.figures.checks.check_figure`)."""

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "skyblue": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
GREYS = {"grey": "#7F7F7F", "darkgrey": "#4D4D4D", "lightgrey": "#B3B3B3"}
PALETTE = {**OKABE_ITO, **GREYS}
"""Colour names a style may use: the eight Okabe-Ito colours and three greys."""

METHOD = "vermillion"
"""The colour of the paper's own method (and only of it) in every figure."""

LINE_PT = {"method": 1.7, "baseline": 1.1}
"""Line widths: the paper's method is drawn heavier (and on top) than the baselines it is compared with."""

RC = {
    "font.size": TEXT_PT, "axes.titlesize": TITLE_PT, "axes.labelsize": TEXT_PT, "xtick.labelsize": TEXT_PT,
    "ytick.labelsize": TEXT_PT, "legend.fontsize": TEXT_PT, "legend.title_fontsize": TEXT_PT,
    "figure.titlesize": TITLE_PT, "font.family": "DejaVu Sans", "mathtext.fontset": "dejavusans",
    "lines.linewidth": 1.3, "lines.markersize": 3.5, "axes.linewidth": 0.6, "patch.linewidth": 0.6,
    "xtick.major.width": 0.6, "ytick.major.width": 0.6, "xtick.major.size": 3, "ytick.major.size": 3,
    "xtick.minor.visible": False, "ytick.minor.visible": False, "xtick.minor.size": 0, "ytick.minor.size": 0,
    "axes.grid": True, "axes.grid.which": "major", "grid.linewidth": 0.4, "grid.alpha": 0.5, "grid.color": "#B3B3B3",
    "axes.spines.top": False, "axes.spines.right": False, "axes.formatter.use_mathtext": True,
    "axes.formatter.limits": (-3, 5), "axes.formatter.useoffset": False,
    "axes.prop_cycle": matplotlib.cycler(color=[OKABE_ITO[c] for c in ("blue", "orange", "green", "purple",
                                                                       "skyblue", "black")]),
    "legend.frameon": False, "legend.handlelength": 2.6, "legend.borderaxespad": 0.3, "legend.columnspacing": 1.2,
    "figure.dpi": 100, "savefig.dpi": 300, "savefig.bbox": "tight", "savefig.pad_inches": 0.02,
    "pdf.fonttype": 42, "ps.fonttype": 42, "image.cmap": "viridis",
    "figure.constrained_layout.use": True, "figure.constrained_layout.h_pad": 0.02,
    "figure.constrained_layout.w_pad": 0.02,
}
"""The rc parameters of :func:`style`."""


@contextlib.contextmanager
def style():
    """The project's rc parameters for the figures drawn inside the ``with`` block."""
    with matplotlib.rc_context(RC):
        yield


def canvas(width: str = "two", height: float | None = None, nrows: int = 1, ncols: int = 1, **kwargs):
    """``(fig, axes)`` at a print width (``"one"`` or ``"two"`` column, :data:`WIDTHS`); ``axes`` is a flat list.
    ``height`` in inches (default: 0.62 of the width for one panel per row, 2.6 in per row otherwise)."""
    if width not in WIDTHS:
        from rlkit.core.checks import RLKitError

        raise RLKitError(f"width must be one of {sorted(WIDTHS)}, got {width!r}")
    w = WIDTHS[width]
    if height is None:
        height = 0.62 * w if (ncols == 1 and width == "one") else 2.6 * nrows
    with style():
        fig, axes = plt.subplots(nrows, ncols, figsize=(w, height), squeeze=False, **kwargs)
    fig._rlkit_width = width  # read by the figure checks
    return fig, list(axes.ravel())


def wrap(text: str, width: str = "two", pt: float = TEXT_PT) -> str:
    """``text`` broken into lines that fit the print width at ``pt`` (about 0.5 em per character)."""
    chars = max(20, int(WIDTHS[width] * 72 / (0.55 * pt)))
    return "\n".join(textwrap.fill(part, chars) for part in text.split("\n"))


def save(fig, stem: Path) -> list[Path]:
    """Write ``stem.png`` (300 dpi) and ``stem.pdf``, cropped to everything drawn; close the figure."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    with style():
        for p in paths:
            fig.savefig(p)
    plt.close(fig)
    return paths
