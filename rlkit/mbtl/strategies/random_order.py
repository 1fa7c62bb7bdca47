"""Random source selection: a seeded random order without replacement (the authors draw 100 of them).

The authors draw the orders with ``np.random.choice(N, K, replace=False)`` after ``np.random.seed(42)``,
from the global generator that their GP restarts also draw from, so their orders depend on the GP's draws.
Here each order has its own generator from :mod:`rlkit.core.seeding` (the experiment kinds give run ``r`` of
trial ``t`` its own stream), so the orders do not depend on anything else: the same distribution, other draws.
"""

from __future__ import annotations

import numpy as np

from rlkit.core.registry import AGENTS
from rlkit.core.seeding import as_sequences
from rlkit.mbtl.strategies.base import TransferStrategy


@AGENTS.register()
class RandomOrder(TransferStrategy):
    """Random source selection: a uniformly random order of the tasks, drawn from a seeded generator."""

    def __init__(self, n_tasks: int, seed=0):
        super().__init__(n_tasks)
        self._order = np.random.default_rng(as_sequences([seed], 1)[0]).permutation(self.n_tasks).tolist()

    @classmethod
    def for_matrix(cls, matrix, *, seed=0, **params):
        return cls(matrix.shape[0], seed=seed, **params)

    def select(self) -> int:
        return self._order[len(self.chosen)]
