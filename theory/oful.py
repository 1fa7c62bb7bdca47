"""OFUL / LinUCB regret bound (Abbasi-Yadkori, Pal, Szepesvari, NeurIPS 2011, Theorem 3).

With probability at least ``1 - delta``, for all ``n >= 0`` (contexts with ``||x|| <= L``, ``||theta|| <= S``,
``R``-sub-Gaussian noise, mean rewards in ``[-1, 1]``)::

    R_n <= 4 sqrt(n d log(lam + n L / d)) * (sqrt(lam) S + R sqrt(2 log(1/delta) + d log(1 + n L / (lam d))))

(the paper writes ``L`` where ``L^2`` would make the bound scale-free; we keep its statement).
"""

from __future__ import annotations

import numpy as np


def regret_bound(T, d: int, S: float = 1.0, L: float = 1.0, sigma: float = 1.0, lam: float = 1.0,
                 delta: float = 0.01) -> np.ndarray:
    """Theorem 3's high-probability bound on cumulative pseudo-regret after ``T`` rounds (array-valued in ``T``)."""
    n = np.asarray(T, dtype=np.float64)
    radius = np.sqrt(lam) * S + sigma * np.sqrt(2 * np.log(1 / delta) + d * np.log(1 + n * L / (lam * d)))
    return 4.0 * np.sqrt(n * d * np.log(lam + n * L / d)) * radius


regret_bound.label = "OFUL bound (Thm 3)"
regret_bound.term = "regret"  # the regret notion it bounds: pseudo-regret sum (best mean - mean played)
regret_bound.algo = "LinUCB"  # with the theory radius (Thm 2) and the same delta and lam
