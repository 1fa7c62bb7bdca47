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
    """Random source selection: a uniformly random order of the tasks, drawn from a seeded generator.

    The random baseline of MBTL (Cho, Jayawardana, Li, Wu, NeurIPS 2024,
    "Model-Based Transfer Learning for Contextual Reinforcement Learning", arXiv 2408.04498):
    a uniformly random order of the grid without replacement, fixed at
    construction; it never reads what it observes. ``select() -> int`` (a grid index), ``observe(task,
    performance: (N,))``.

    Departure: the authors draw their orders with ``np.random.choice(N, K, replace=False)`` after
    ``np.random.seed(42)`` from the global generator their GP restarts also draw from; here each order has its
    own generator (:mod:`rlkit.core.seeding`), so the orders depend on nothing else: the same distribution, other
    draws.

    Parameters
    ----------
    n_tasks : int
        ``N``, the size of the context grid (tasks are the indices ``0 .. N-1``).
    seed : int or numpy.random.SeedSequence, default 0
        Seed of the order's generator (the experiment kinds give run ``r`` of trial ``t`` its own stream;
        ``for_matrix`` passes it on).
    """

    def __init__(self, n_tasks: int, seed=0):
        super().__init__(n_tasks)
        self._order = np.random.default_rng(as_sequences([seed], 1)[0]).permutation(self.n_tasks).tolist()

    @classmethod
    def for_matrix(cls, matrix, *, seed=0, **params):
        return cls(matrix.shape[0], seed=seed, **params)

    def select(self) -> int:
        return self._order[len(self.chosen)]
