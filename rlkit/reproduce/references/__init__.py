"""The per-paper reference files: what each paper reports and what its authors' code gave, with provenance.

One TOML file per paper (``<paper>.toml`` beside this module)::

    paper = "r2pvi"
    title = "Tang, Liu & Xu, Robust offline RL with linear function approximation (ICML 2025)"

    [[specs]]                       # the paper's specs, in the order they run
    spec = "r2pvi_linear_mdp"       # experiments/<spec>.toml
    quick = { runs = 4 }            # the command-line overrides of the quick scale
    cost = { quick = 10, paper = 60 }   # expected wall seconds on 2 cores at each scale

    [[values]]                      # one number the paper (or the authors' code) reports
    spec = "r2pvi_linear_mdp"
    term = "return"                 # the stored curve it compares with
    agent = "R2PVI-TV"              # the agent label in the spec
    x = 0.0                         # where on the curve: round / episode count, swept value, grid value
    paper = 1.38                    # the paper's value (omit when the paper gives none)
    paper_source = "Fig. 1(a), p. 8: read off the plot (+-0.03)"
    authors = 1.40                  # the authors' code's value, when it was run (omit otherwise)
    authors_source = "the authors' code, 20 replications (docs/papers/r2pvi.md)"
    reason = "why ours may differ"  # the departure, stated once per value

This module only reads them (no runner, no matplotlib): the figures place the values as markers
(:func:`markers`), :mod:`rlkit.runner.reproduce` writes them into REPORT.md.
"""

from __future__ import annotations

import functools
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent


def papers() -> list[str]:
    """The papers that have a reference file."""
    return sorted(p.stem for p in HERE.glob("*.toml"))


@functools.cache
def load(paper: str) -> dict:
    """The reference file of ``paper`` (``specs`` and ``values`` lists default to empty)."""
    from rlkit.core.checks import RLKitError

    path = HERE / f"{paper}.toml"
    if not path.exists():
        raise RLKitError(f"paper must be one of {papers()}, got {paper!r}")
    data = tomllib.loads(path.read_text())
    data.setdefault("specs", [])
    data.setdefault("values", [])
    return data


def markers(spec: str, term: str) -> list[dict]:
    """``[{"agent", "x", "value", "source"}]``: the reported values of ``spec``'s figure of ``term``, ``source``
    ``"paper"`` or ``"authors"``."""
    out = []
    for paper in papers():
        for v in load(paper)["values"]:
            if v.get("spec") != spec or v.get("term") != term or "x" not in v:
                continue
            for source in ("paper", "authors"):
                if isinstance(v.get(source), (int, float)):
                    out.append({"agent": v["agent"], "x": v["x"], "value": float(v[source]), "source": source})
    return out
