"""Regret rates of policy optimisation for adversarial linear-Q MDPs with a simulator, as reference curves.

Verified [V, the abstracts of the papers]: Dai, Luo, Wei, Zimmert (ICML 2023, arXiv 2301.12942) give two
algorithms with ``Otilde(sqrt(K))`` regret over ``K`` episodes (the first, log-barrier FTRL, with a polynomial
dependence on the number of actions ``A``; the second, with a magnitude-reduced estimator, without it), and the
previous best in the same setting, Luo, Wei, Lee (NeurIPS 2021, arXiv 2107.08346), is ``Otilde(K^{2/3})``. The
theorems' constants and their ``H``, ``d``, ``A`` exponents could not be read, so these functions are the
**rates only**: ``sqrt(K)`` and ``K^{2/3}`` with unit constant. A figure draws each through the final mean regret
of the algorithm it describes (``[[plot.references]]`` of the ``episodic`` kind): the slope is the claim, the
height is fitted, and the label says so. Neither is a bound on the plotted curves.
"""

from __future__ import annotations

import numpy as np


def sqrt_rate(K) -> np.ndarray:
    """``sqrt(K)``: the rate of Dai et al. (2023), both algorithms (constants unread)."""
    return np.sqrt(np.asarray(K, dtype=np.float64))


sqrt_rate.label = "sqrt(K) rate (Dai et al. 2023)"


def two_thirds_rate(K) -> np.ndarray:
    """``K^{2/3}``: the rate of Luo, Wei, Lee (2021) with a simulator (constants unread)."""
    return np.asarray(K, dtype=np.float64) ** (2.0 / 3.0)


two_thirds_rate.label = "K^(2/3) rate (Luo et al. 2021)"
