"""Checks a drawn figure must pass before it is saved for print (the figure tests run them on every spec's figure).

:func:`check_figure` returns the problems it finds (an empty list: none):

* **size and type**: the canvas is at most the two-column width (:data:`rlkit.figures.style.WIDTHS`) and no visible
  text is smaller than :data:`rlkit.figures.style.MIN_PT` at that size;
* **series told apart**: no two labelled lines share colour, line style and marker, and no two labelled lines run
  together (within a line width) unless one legend entry names them together;
* **legends hide nothing**: every labelled line has a point inside its axes' limits;
* **bounds**: a line drawn as a bound (gid ``"bound"``) is not above the trivial bound (gid ``"trivial"``) on the
  same axes unless it is labelled vacuous (gid ``"bound-vacuous"``);
* **plain words in titles and axis labels**: no code identifiers (``n_tasks=10``, ``rlkit/...-v0``, ``trial(s)``,
  quoted spec values).
"""

from __future__ import annotations

import re

import numpy as np

from rlkit.figures.plot import axis_span, coincident_groups
from rlkit.figures.style import MIN_PT, WIDTHS

CODE = [
    (re.compile(r"\b[a-z]+_[a-z_]+\b"), "a snake_case identifier"),
    (re.compile(r"\b\w+=\S"), "a key=value pair"),
    (re.compile(r"rlkit/|-v\d\b"), "an environment id"),
    (re.compile(r"\w\(s\)"), "a (s) plural"),
    (re.compile(r"'[^']*:[^']*'"), "a quoted spec value"),
]


def _texts(fig):
    yield from fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))


def _labelled_lines(ax):
    for line in ax.get_lines():
        label = line.get_label()
        if label.startswith("_") or line.get_gid() == "proxy" or not line.get_visible():
            continue
        yield line


def _legend_texts(fig) -> list[str]:
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return [re.sub(r"\s*\n\s*", " ", t.get_text()) for lg in legends for t in lg.get_texts()]  # unwrapped


def check_figure(fig, merged_marker: str = " = ") -> list[str]:
    """The problems of a drawn figure (see the module docstring); ``fig`` is drawn first."""
    fig.canvas.draw()
    problems = []
    width = fig.get_size_inches()[0]
    drawn = fig.get_tightbbox(fig.canvas.get_renderer()).width  # what the saved file holds (cropped to the artists)
    if max(width, drawn) > WIDTHS["two"] + 0.1:
        problems.append(f"figure {max(width, drawn):.2f} in wide as saved, above the two-column width "
                        f"{WIDTHS['two']} in")
    for text in _texts(fig):
        if text.get_visible() and text.get_text().strip() and text.get_fontsize() < MIN_PT - 1e-9:
            problems.append(f"text {text.get_text()[:40]!r} at {text.get_fontsize():.1f} pt (< {MIN_PT} pt)")
    heads = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    for ax in fig.axes:
        heads += [ax.get_title(loc) for loc in ("left", "center", "right")]
        heads += [ax.get_xlabel(), ax.get_ylabel()]
    for head in heads:
        plain = re.sub(r"\$[^$]*\$", "", head)
        for pattern, what in CODE:
            m = pattern.search(plain)
            if m:
                problems.append(f"title or axis label {head[:60]!r} carries {what} ({m.group(0)!r})")
    legend_texts = _legend_texts(fig)
    for ax in fig.axes:
        lines = list(_labelled_lines(ax))
        seen = {}
        for line in lines:
            key = (str(line.get_color()).lower(), str(line.get_linestyle()), str(line.get_marker()))
            if key in seen and line.get_gid() not in ("bound", "bound-vacuous", "trivial"):
                problems.append(f"{line.get_label()!r} and {seen[key]!r} share colour, line style and marker")
            seen.setdefault(key, line.get_label())
        x0, x1 = sorted(ax.get_xlim())
        y0, y1 = sorted(ax.get_ylim())
        for line in lines:
            x = np.asarray(line.get_xdata(), dtype=float)
            y = np.asarray(line.get_ydata(), dtype=float)
            inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
            if not inside.any():
                problems.append(f"legend entry {line.get_label()!r} has no point inside its axes")
        span, log = axis_span(ax)
        by_x = {}
        for line in lines:
            by_x.setdefault(tuple(np.asarray(line.get_xdata(), dtype=float)), {})[line.get_label()] = np.asarray(
                line.get_ydata(), dtype=float)
        for centres in by_x.values():
            for group in coincident_groups(centres, span, log):
                named = any(all(lb in t for lb in group) and merged_marker in t for t in legend_texts)
                if not named:
                    problems.append(f"{' and '.join(map(repr, group))} run together but no legend entry names "
                                    "them together")
        trivial = [line for line in ax.get_lines() if line.get_gid() == "trivial"]
        for line in ax.get_lines():
            if line.get_gid() != "bound" or not trivial:
                continue
            if float(np.asarray(line.get_ydata())[-1]) > float(np.asarray(trivial[0].get_ydata())[-1]):
                problems.append(f"bound {line.get_label()!r} is above the trivial bound and not called vacuous")
    return problems
