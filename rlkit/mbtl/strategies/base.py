"""The source-task selection contract and the loop that plays a strategy against a transfer matrix.

A strategy chooses, one at a time, which source task to train next (``select() -> task``, an index of the
context grid) and is told what the trained policy achieves on every target (``observe(task, performance)``
with ``performance: (N,)``, the row of the normalised transfer matrix). After ``k`` trained sources each
target uses its best one, so the normalised generalised performance after ``k`` steps is
``V_k = (1/N) sum_j max_{l <= k} J(pi_{x_l}, x_j)`` (:func:`rlkit.mbtl.metrics.cumulative_curve`).

Strategies that need knowledge no learner has (the Sequential Oracle, MBTL with the true gap) receive the
matrix in :meth:`TransferStrategy.for_matrix`; everything else sees only what it observed. The matrix a
strategy is played against is read-only.

Reference levels (Independent, Multi-task, Oracle Transfer) are not sequential: each is one number per
matrix (:class:`ReferenceLevel`), drawn as a horizontal line.
"""

from __future__ import annotations

import numpy as np

from rlkit.core.checks import RLKitError, check_int


class TransferStrategy:
    """Base class of source-task selection strategies: ``select() -> task``, ``observe(task, performance)``.

    Subclasses implement :meth:`select` and, when they learn from what they observe, :meth:`observe`.
    ``chosen`` lists the tasks selected so far, in order.

    Parameters
    ----------
    n_tasks : int
        ``N``, the size of the context grid (tasks are the indices ``0 .. N-1``).
    """

    #: True for strategies whose rule may return a task again (the reference's greedy split does once gaps
    #: shrink below two grid steps); :func:`play` refuses a repeat from any other strategy.
    may_repeat = False

    def __init__(self, n_tasks: int):
        self.n_tasks = check_int("n_tasks", n_tasks)
        self.chosen: list[int] = []

    @classmethod
    def for_matrix(cls, matrix: np.ndarray, *, seed=0, **params) -> TransferStrategy:
        """Build the strategy for a normalised ``(N, N)`` matrix. Only oracles may keep ``matrix``."""
        del seed
        return cls(matrix.shape[0], **params)

    def select(self) -> int:
        raise NotImplementedError

    def observe(self, task: int, performance: np.ndarray) -> None:
        """Record that ``task`` was trained; ``performance: (N,)`` is its zero-shot value on every target."""
        self.chosen.append(self._check_observation(task, performance))

    def _check_observation(self, task, performance) -> int:
        """``task`` an integer index in ``[0, N)`` and ``performance`` ``N`` finite numbers, checked before any state
        changes (subclasses call it first); returns the task as an ``int``."""
        if isinstance(task, (bool, np.bool_)) or not isinstance(task, (int, np.integer)) \
                or not 0 <= int(task) < self.n_tasks:
            raise RLKitError(f"task must be a task index in [0, {self.n_tasks}) (an integer), got {task!r}")
        try:
            values = np.asarray(performance, dtype=np.float64)
        except (TypeError, ValueError):
            raise RLKitError(f"performance must be {self.n_tasks} numbers, got {type(performance).__name__}") from None
        if values.shape != (self.n_tasks,):
            raise RLKitError(f"performance must have shape ({self.n_tasks},), got {values.shape}")
        if not np.isfinite(values).all():
            raise RLKitError(f"performance must be finite, got {values[~np.isfinite(values)][0]} at target "
                             f"{int(np.flatnonzero(~np.isfinite(values))[0])}")
        return int(task)

    def run(self, matrix: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Play ``steps`` selections against ``matrix: (N, N)``; return ``picks: (steps,)`` and ``curve: (steps,)``."""
        from rlkit.mbtl.metrics import cumulative_curve

        picks = play(self, matrix, steps)
        return picks, cumulative_curve(matrix, picks[None])[0]


def play(strategy: TransferStrategy, matrix: np.ndarray, steps: int) -> np.ndarray:
    """The select/observe loop: ``steps`` picks of ``strategy`` against the read-only ``matrix: (N, N)``."""
    N = matrix.shape[0]
    steps = check_int("steps", steps)
    if steps > N:
        raise RLKitError(f"steps must be at most the number of tasks N = {N}, got {steps}")
    view = np.asarray(matrix, dtype=np.float64).view()
    view.flags.writeable = False
    picks = []
    for _ in range(steps):
        task = strategy.select()
        if isinstance(task, bool) or not isinstance(task, (int, np.integer)) or not 0 <= task < N:
            raise RLKitError(f"{type(strategy).__name__}.select() must return a task index in [0, {N - 1}], "
                             f"got {task!r}")
        if int(task) in picks and not strategy.may_repeat:
            raise RLKitError(f"{type(strategy).__name__}.select() chose task {int(task)} a second time")
        strategy.observe(int(task), view[int(task)])
        picks.append(int(task))
    return np.asarray(picks, dtype=np.int64)


class ReferenceLevel:
    """Base class of the reference levels: one value per matrix, the same at every number of trained tasks."""

    #: what the level needs from the matrix: "matrix" or "multitask"
    needs = "matrix"

    @staticmethod
    def value(matrix: np.ndarray, multitask: np.ndarray | None) -> float:
        raise NotImplementedError
