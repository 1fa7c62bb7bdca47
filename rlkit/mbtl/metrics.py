"""Metrics of source-task selection: generalised performance vs the number of trained tasks, N / k*.

All functions take the *normalised* matrix ``M: (N, N)`` [source, target] (values are not clipped).
"""

from __future__ import annotations

import numpy as np

from rlkit.core.checks import RLKitError


def cumulative_curve(M: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """Normalised generalised performance after each step: ``picks: (R, K)`` -> ``(R, K)``.

    ``curve[r, k-1] = (1/N) sum_j max_{l < k} M[picks[r, l], j]``: every target uses the best of the first
    ``k`` trained sources (MBTL's ``J_transfer.mean(axis=0)``). Non-decreasing in ``k`` by construction.
    """
    M = np.asarray(M, dtype=np.float64)
    picks = np.asarray(picks)
    if picks.ndim != 2:
        raise RLKitError(f"picks must have shape (R, K), got {picks.shape}")
    rows = M[picks]  # (R, K, N)
    return np.maximum.accumulate(rows, axis=1).mean(-1)


def set_value(M: np.ndarray, tasks) -> float:
    """Generalised performance of a set of trained sources: ``(1/N) sum_j max_{s in tasks} M[s, j]``."""
    return float(np.asarray(M, dtype=np.float64)[np.asarray(list(tasks))].max(0).mean())


def independent(M: np.ndarray) -> float:
    """Independent training (one policy per target, N models): mean of the diagonal."""
    return float(np.diag(M).mean())


def oracle_transfer(M: np.ndarray) -> float:
    """Oracle Transfer: every target uses its best source, mean of the column maxima; bounds every strategy."""
    return float(np.asarray(M).max(0).mean())


def multitask(row: np.ndarray) -> float:
    """Multi-task training (one policy for all contexts): mean over targets of its performance."""
    return float(np.mean(row))


def k_star(curve: np.ndarray, level: float, atol: float = 1e-12) -> int | None:
    """The first ``k`` (1-based) with ``curve[k-1] >= level``; ``None`` when the curve never gets there."""
    reached = np.flatnonzero(np.asarray(curve, dtype=np.float64) >= level - atol)
    return int(reached[0]) + 1 if reached.size else None


def sample_efficiency(curve: np.ndarray, n_tasks: int, levels: list[float]) -> float | None:
    """The paper's ratio ``N / k*``, ``k*`` the first k at which ``curve`` reaches every level in ``levels``
    (Independent and, where there is one, Multi-task); ``None`` when it never does."""
    if not levels:
        raise RLKitError("levels must hold at least one reference level (Independent, Multi-task)")
    k = k_star(curve, max(levels))
    return None if k is None else n_tasks / k
