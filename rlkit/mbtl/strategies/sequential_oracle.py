"""Sequential Oracle: greedy selection on the true transfer matrix (knows every row before training it).

As the authors compute it (``collect_result.py``): the first task is the best row mean
``argmax_i mean_j M[i, j]``; each next task maximises the generalised performance of the chosen set plus
it, ``mean_j max(V(j), M[i, j])``; ties go to the lowest index. At ``k = 1`` it is the best single source;
later steps are greedy and carry no optimality guarantee.
"""

from __future__ import annotations

import numpy as np

from rlkit.core.checks import RLKitError
from rlkit.core.registry import AGENTS
from rlkit.mbtl.strategies.base import TransferStrategy


@AGENTS.register()
class SequentialOracle(TransferStrategy):
    """Sequential Oracle: greedy on the true matrix (an oracle: it reads rows it has not trained).

    The oracle baseline of MBTL (Cho, Jayawardana, Li, Wu, NeurIPS 2024,
    "Model-Based Transfer Learning for Contextual Reinforcement Learning", arXiv 2408.04498),
    as the authors compute it (``collect_result.py``): the first task is the
    best row mean ``argmax_i mean_j M[i, j]``; each next task maximises the generalised performance of the chosen
    set plus it, ``mean_j max(V(j), M[i, j])``, with ``V`` the best value so far on each target; ties go to the
    lowest index. At ``k = 1`` it is the best single source; later steps are greedy, with no optimality guarantee.

    ``select() -> int`` (a grid index), ``observe(task, performance: (N,))``; built by ``for_matrix`` from the
    normalised matrix it is played against.

    Parameters
    ----------
    matrix : numpy.ndarray of shape (N, N)
        The true normalised transfer matrix, ``M[i, j] = J(pi_{x_i}, x_j)``: row ``i`` is source ``i``'s
        zero-shot performance on every target; must be square.
    """

    def __init__(self, matrix: np.ndarray):
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise RLKitError(f"matrix must be a square (N, N) matrix, got shape {matrix.shape}")
        super().__init__(matrix.shape[0])
        self._M = matrix
        self._best = np.full(self.n_tasks, -np.inf)

    @classmethod
    def for_matrix(cls, matrix, *, seed=0, **params):
        return cls(matrix, **params)

    def select(self) -> int:
        gain = np.maximum(self._M, self._best[None]).mean(1)  # value of chosen set + i, for every i
        gain[self.chosen] = -np.inf
        return int(np.argmax(gain))  # first maximum: ties to the lowest index

    def observe(self, task: int, performance: np.ndarray) -> None:
        super().observe(task, performance)
        self._best = np.maximum(self._best, performance)
