"""The ``transfer`` kind: source-task selection strategies played against a given transfer matrix.

The matrix is a file (the ``.npz`` of :class:`rlkit.mbtl.TransferMatrix`, e.g. one shipped in
``data/transfer/`` or written by a ``transfer_build``) or a synthetic family of
:mod:`rlkit.mbtl.synthetic`. Units are (agent, chunk of trials); each stores ``picks: (n, R, K)`` and
``curve: (n, R, K)`` for its ``n`` trials, ``R`` runs of the agent and ``K`` steps.

Spec (TOML)::

    name = "mbtl_synthetic"
    kind = "transfer"
    seed = 0
    steps = 50                   # K, at most N (default N)
    chunk_size = 1               # trials per unit

    [matrix]
    synthetic = "sd_mbtl"        # or: file = "data/transfer/mbtl_cartpole.npz"
    n = 50                       # the synthetic family's parameters
    trials = 3
    w_left = 0.01
    w_right = 0.01
    noise = 0.01

    [[agents]]                   # label, algo (a transfer strategy or level), runs, parameters
    label = "MBTL"               # (default: the standard set with plot.slope)
    algo = "MBTL"
    slope = 0.01

    [plot]
    title = "SD-MBTL synthetic"
    slope = 0.01
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from rlkit.core.checks import RLKitError, SpecError, check_int, check_keys
from rlkit.core.registry import KINDS
from rlkit.kinds.base import ExperimentKind, Unit, figure_title
from rlkit.mbtl.compare import compare, run_agent, selection_agents, summarize
from rlkit.mbtl.matrix import TransferMatrix
from rlkit.mbtl.synthetic import synthetic

TOP_KEYS = {"name", "kind", "description", "seed", "steps", "chunk_size", "matrix", "agents", "plot"}
PLOT_KEYS = {"title", "slope"}


def load_matrix(matrix_spec: dict) -> TransferMatrix:
    """The matrix a spec's ``[matrix]`` table names (a ``file`` or a ``synthetic`` family and its parameters)."""
    if "file" in matrix_spec:
        return TransferMatrix.load(matrix_spec["file"])
    params = {k: v for k, v in matrix_spec.items() if k != "synthetic"}
    return synthetic(matrix_spec["synthetic"], **params)


def selection(matrix: TransferMatrix, agents: list[dict], seed: int = 0, steps: int | None = None, *,
              curves: dict | None = None, stem=None, title: str = "", heatmap: bool = False
              ) -> tuple[dict[str, dict[str, np.ndarray]], dict, list[Path]]:
    """Source-task selection on ``matrix``, what ``rlkit transfer select`` and the spec kinds ``transfer`` and
    ``transfer_build`` share: the resolved ``agents`` (:func:`rlkit.mbtl.compare.selection_agents`) played on
    every trial for ``steps`` steps (:func:`rlkit.mbtl.compare.compare`; or their ``curves`` as given, e.g.
    gathered from a run's units), summarised (:func:`rlkit.mbtl.compare.summarize`) and, with ``stem``, drawn
    (``stem.png`` / ``.pdf``; with ``heatmap`` also the matrix's heat map, ``<stem>_heatmap``).

    Returns ``(curves, summary, figures)``.
    """
    if curves is None:
        curves = compare(matrix, agents, seed, steps)
    summary = summarize(matrix, agents, curves)
    figures = []
    if stem is not None:
        from rlkit.figures.mbtl import draw, draw_matrix

        stem = Path(stem)
        figures = draw(matrix, agents, curves, stem, title)
        if heatmap:
            figures += draw_matrix(matrix, stem.with_name(f"{stem.name}_heatmap"), title)
    return curves, summary, figures


@KINDS.register("transfer")
class TransferSelectKind(ExperimentKind):
    """Experiment kind ``transfer``: strategies played against a given transfer matrix (module docstring)."""

    name = "transfer"

    def resolve(self, spec: dict) -> dict:
        check_keys("top-level", spec, TOP_KEYS, " for kind 'transfer'")
        mspec = spec.get("matrix")
        if not isinstance(mspec, dict) or ("file" in mspec) == ("synthetic" in mspec):
            raise SpecError("[matrix] must give exactly one of file = \"PATH.npz\" or synthetic = \"NAME\" "
                            f"(with its parameters), got {mspec!r}")
        mspec = dict(mspec)
        if "file" in mspec:
            extra = sorted(set(mspec) - {"file", "sha256"})
            if extra:
                raise SpecError(f"[matrix] with a file takes no other keys, got {extra}")
            path = Path(mspec["file"])
            if not path.is_file():
                raise SpecError(f"matrix.file {str(path)!r} does not exist")
            mspec["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()  # a changed file is a different spec
        plot = dict(spec.get("plot", {}))
        check_keys("plot", plot, PLOT_KEYS)
        try:
            matrix = load_matrix(mspec)
            seed = check_int("seed", spec.get("seed", 0), 0)
            steps = check_int("steps", spec.get("steps", matrix.n))
            if steps > matrix.n:
                raise SpecError(f"steps must be at most the number of tasks N = {matrix.n}, got {steps}")
            chunk = min(check_int("chunk_size", spec.get("chunk_size", 1)), matrix.trials)
        except RLKitError as e:
            raise SpecError(str(e)) from None
        agents = selection_agents(matrix, spec.get("agents"), slope=plot.get("slope", 0.005))
        return {"name": str(spec["name"]), "kind": self.name, "description": spec.get("description", ""),
                "seed": seed, "steps": steps, "chunk_size": chunk, "trials": matrix.trials, "matrix": mspec,
                "agents": agents, "plot": plot}

    def units(self, spec: dict) -> list[Unit]:
        T, chunk = spec["trials"], spec["chunk_size"]
        return [Unit(a["label"], s, min(s + chunk, T)) for a in spec["agents"] for s in range(0, T, chunk)]

    def schedule(self, spec: dict, units: list[Unit]) -> list[Unit]:
        """MBTL first (its GP fits are the slow units)."""
        slow = {a["label"] for a in spec["agents"] if a["algo"] == "MBTL"}
        return sorted(units, key=lambda u: u.agent not in slow)

    def run_unit(self, spec: dict, unit: Unit, device: str) -> dict[str, np.ndarray]:
        matrix = load_matrix(spec["matrix"])
        entry = next(a for a in spec["agents"] if a["label"] == unit.agent)
        parts = [run_agent(matrix, entry, t, spec["seed"], spec["steps"]) for t in range(unit.start, unit.stop)]
        return {k: np.stack([p[k] for p in parts]) for k in ("picks", "curve")}

    def summarize(self, spec: dict, results: dict[str, dict[str, np.ndarray]]) -> dict:
        _, summary, _ = selection(load_matrix(spec["matrix"]), spec["agents"], curves=results)
        return {"name": spec["name"], **summary}

    def plot(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem) -> list[Path]:
        return selection(load_matrix(spec["matrix"]), spec["agents"], curves=results, stem=stem,
                         title=figure_title(spec))[2]

