"""Equidistant ("coarse-to-fine") source selection for a total budget of ``B`` trained tasks.

The authors' rule (``coarse_to_fine_temporal_transfer_learning`` in ``MBTL/utils.py``):
``x_k = max - D / (2B) - D k / B`` for ``k = 0 .. B-1``, ``D = max - min``, each rounded to the nearest grid
index (ties to the lower): the centres of ``B`` equal cells, from the top of the grid down.

Two uses, named apart:

* **sweep** (``budget = N``, what the authors plot): one order over the whole grid. With ``B = N`` the
  cells are one grid step wide, so the order is a descending sweep ``N-1, N-2, ...``, not a coarse grid.
* **grid** (``budget = "k"``): after ``k`` trained tasks, the ``B = k`` grid. The sets are not nested
  (each ``k`` trains a fresh grid), so this curve need not be monotone in ``k``; it answers "what would an
  equidistant grid of ``k`` tasks give".
"""

from __future__ import annotations

import numpy as np

from rlkit.core.checks import RLKitError, check_int
from rlkit.core.registry import AGENTS
from rlkit.mbtl.metrics import set_value
from rlkit.mbtl.strategies.base import TransferStrategy
from rlkit.mbtl.strategies.greedy import nearest_index


def equidistant_sequence(n: int, budget: int) -> list[int]:
    """The ``budget`` tasks of the equidistant rule on the grid ``0 .. n-1``, in the reference's order."""
    budget = check_int("budget", budget)
    if budget > n:
        raise RLKitError(f"budget must be at most the number of tasks N = {n}, got {budget}")
    lo, hi = 0.0, float(n - 1)
    D = hi - lo
    return [nearest_index(n, hi - D / (2 * budget) - D * k / budget) for k in range(budget)]


@AGENTS.register()
class Equidistant(TransferStrategy):
    """Equidistant (coarse-to-fine) source selection: ``budget = N`` is the authors' sweep, ``"k"`` the grid.

    Args:
        n_tasks: ``N``.
        budget: the total budget ``B`` (an integer <= N; default N, the sweep), or ``"k"``: after ``k``
            steps, the value of the ``B = k`` grid (see the module docstring).
    """

    def __init__(self, n_tasks: int, budget="N"):
        super().__init__(n_tasks)
        if budget == "N":
            budget = self.n_tasks
        if budget != "k":
            budget = check_int("budget", budget)
            if budget > self.n_tasks:
                raise RLKitError(f"budget must be at most the number of tasks N = {self.n_tasks}, got {budget}")
        self.budget = budget

    def select(self) -> int:
        if self.budget == "k":
            raise RLKitError("Equidistant(budget='k') has no single order (each k trains its own grid); use run()")
        if len(self.chosen) >= self.budget:
            raise RLKitError(f"Equidistant(budget={self.budget}) has no task left to select")
        return equidistant_sequence(self.n_tasks, self.budget)[len(self.chosen)]

    def run(self, matrix: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        if self.budget != "k":
            return super().run(matrix, steps)
        steps = check_int("steps", steps)
        grids = [equidistant_sequence(self.n_tasks, k) for k in range(1, steps + 1)]
        curve = np.array([set_value(matrix, g) for g in grids])
        return np.asarray(grids[-1], dtype=np.int64), curve
