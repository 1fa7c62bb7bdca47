"""Regret rates of policy optimisation for adversarial linear-Q MDPs with a simulator, as reference curves.

Verified [V, the abstracts of the papers]: Dai, Luo, Wei, Zimmert (ICML 2023, arXiv 2301.12942) give two
algorithms with ``Otilde(sqrt(K))`` regret over ``K`` episodes (the first, log-barrier FTRL, with a polynomial
dependence on the number of actions ``A``; the second, with a magnitude-reduced estimator, without it), and the
previous best in the same setting, Luo, Wei, Lee (NeurIPS 2021, arXiv 2107.08346), is ``Otilde(K^{2/3})``. The
authors' ICML 2023 talk [S: slides 6-8] gives the exponents of ``H``, ``d`` and ``A``: ``Otilde(sqrt(A d H^6 K))``
for Algorithm 1 (log-barrier FTRL), ``Otilde(sqrt(d H^6 K))`` for Algorithm 2 (magnitude-reduced estimator) and
``Otilde(d^{2/3} H^2 K^{2/3})`` for Luo et al. (:func:`dai_log_barrier_order`, :func:`dai_magnitude_reduced_order`,
:func:`luo_order`); the constants and logarithmic factors are on no slide, so every function here is an **order
with unit constant**. :func:`sqrt_rate` and :func:`two_thirds_rate` are the same orders in ``K`` alone. A figure draws
each through the final mean regret of the algorithm it describes (``[[plot.references]]`` of the ``episodic`` kind):
the slope is the claim, the height is fitted, and the label says so. Neither is a bound on the plotted curves.
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


def dai_log_barrier_order(K, A: int, d: int, H: int) -> np.ndarray:
    """``sqrt(A d H^6 K)``: the order of Dai et al.'s Algorithm 1 (log-barrier FTRL) [S: the authors' talk]."""
    return np.sqrt(A * d * float(H) ** 6 * np.asarray(K, dtype=np.float64))


dai_log_barrier_order.label = "sqrt(A d H^6 K) (Dai et al. 2023, Alg. 1; order, unit constant)"


def dai_magnitude_reduced_order(K, d: int, H: int) -> np.ndarray:
    """``sqrt(d H^6 K)``: the order of Dai et al.'s Algorithm 2 (magnitude-reduced estimator) [S]."""
    return np.sqrt(d * float(H) ** 6 * np.asarray(K, dtype=np.float64))


dai_magnitude_reduced_order.label = "sqrt(d H^6 K) (Dai et al. 2023, Alg. 2; order, unit constant)"


def luo_order(K, d: int, H: int) -> np.ndarray:
    """``d^{2/3} H^2 K^{2/3}``: the order of Luo, Wei, Lee (2021) with a simulator [S: Dai et al.'s talk]."""
    return d ** (2.0 / 3.0) * float(H) ** 2 * np.asarray(K, dtype=np.float64) ** (2.0 / 3.0)


luo_order.label = "d^(2/3) H^2 K^(2/3) (Luo et al. 2021; order, unit constant)"


def sqrt_actions(A) -> np.ndarray:
    """``sqrt(A)``: the factor of the number of actions in the order of Dai et al.'s Algorithm 1 [S], an upper
    bound's shape (Algorithm 2's order has no ``A``); for final regret against ``A`` at fixed ``K``."""
    return np.sqrt(np.asarray(A, dtype=np.float64))


sqrt_actions.label = "sqrt(A) (the A factor of Dai et al.'s Alg. 1 bound)"
