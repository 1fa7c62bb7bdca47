"""Greedy ("Pseudogreedy") source selection: split the largest gap of the context grid.

From the authors' earlier temporal-transfer work, as MBTL's code runs it (``greedy_temporal_transfer_learning``
in ``MBTL/utils.py``): the first task is the midpoint of the grid; then, with ``{min, max}`` and every chosen
task sorted, the largest gap ``[a, b]`` (the leftmost of equal gaps) is split: the first gap at
``(2a + b) / 3``, the last gap at ``(a + 2b) / 3``, any other at its midpoint, each rounded to the nearest
grid index (ties to the lower). Tasks are grid indices ``0 .. N-1`` as in the reference.

Once gaps shrink below two grid steps the rule can return a task already chosen (the reference trains it
again, which adds nothing); this strategy does the same (``may_repeat``).
"""

from __future__ import annotations

import numpy as np

from rlkit.core.registry import AGENTS
from rlkit.mbtl.strategies.base import TransferStrategy


def nearest_index(n: int, x: float) -> int:
    """The grid index ``0 .. n-1`` nearest to ``x``, ties to the lower (``np.argmin`` of the distances)."""
    return int(np.abs(np.arange(n) - x).argmin())


def greedy_sequence(n: int, steps: int) -> list[int]:
    """The first ``steps`` tasks of the greedy gap-splitting rule on the grid ``0 .. n-1``."""
    lo, hi = 0.0, float(n - 1)
    edges = [lo, hi]
    out = []
    for k in range(steps):
        if k == 0:
            x = (lo + hi) / 2
        else:
            gaps = np.diff(edges)
            g = int(gaps.argmax())
            a, b = edges[g], edges[g + 1]
            x = (2 * a + b) / 3 if g == 0 else (a + 2 * b) / 3 if g == len(gaps) - 1 else (a + b) / 2
        task = nearest_index(n, x)
        out.append(task)
        edges = sorted(edges + [float(task)])
    return out


@AGENTS.register()
class Greedy(TransferStrategy):
    """Greedy gap-splitting source selection ("Pseudogreedy" in the MBTL code): a fixed, data-blind order.

    A baseline of MBTL (Cho, Jayawardana, Li, Wu, NeurIPS 2024,
    "Model-Based Transfer Learning for Contextual Reinforcement Learning", arXiv 2408.04498),
    from the authors' earlier temporal-transfer work, as their code runs it
    (``greedy_temporal_transfer_learning`` in ``MBTL/utils.py``): the first task is the grid's midpoint; then the
    largest gap ``[a, b]`` between ``{min, max}`` and the chosen tasks (the leftmost of equal gaps) is split, the
    first gap at ``(2a + b) / 3``, the last at ``(a + 2b) / 3``, any other at its midpoint, rounded to the nearest
    grid index (ties to the lower). The order is fixed at construction; it never reads what it observes.

    ``select() -> int`` (a grid index), ``observe(task, performance: (N,))``. Once gaps shrink below two grid
    steps the rule can return a task already chosen; the reference trains it again (adding nothing) and so does
    this strategy (``may_repeat = True``).

    Parameters
    ----------
    n_tasks : int
        ``N``, the size of the context grid (tasks are the indices ``0 .. N-1``, as in the reference).
    """

    may_repeat = True

    def __init__(self, n_tasks: int):
        super().__init__(n_tasks)
        self._order = greedy_sequence(self.n_tasks, self.n_tasks)

    def select(self) -> int:
        return self._order[len(self.chosen)]
