"""Theory constants and rates of R2PVI (Tang, Liu & Xu, ICML 2025) and PEVI (Jin, Yang & Wang, 2021).

``beta`` is the penalty multiplier of the papers' high-probability analysis, with
``xi = log(2 d H K / delta)``. The constants below are those of the project's notes on the paper; they could
not be verified (the stored public copies of arXiv 2411.18612 give its abstract only, and the authors' code
uses a fixed ``beta``: 1 on the linear MDP, 0.1 on the put option), so they are reconstructions:

* R2PVI-TV     ``16 H d sqrt(xi)``
* R2PVI-KL     ``16 d lam exp(H / lam) sqrt(H / lam + xi)``
* R2PVI-chi^2  ``8 d H^2 (1 + 1 / lam) sqrt(xi)``
* PEVI         ``c d H sqrt(xi)`` with the absolute constant ``c = 1`` (Jin et al., Thm. 4.4 leave it open)

The suboptimality rate used for plots is ``O~(d^2 H^2 / sqrt(K))`` (TV) and
``O~(d^2 H^3 (1 + 1/lam) / sqrt(K))`` (chi^2), i.e. ``K^{-1/2}`` in the number of trajectories.
"""

from __future__ import annotations

import math

from rlkit.core.checks import check_choice, check_int, check_open_unit, check_positive


def xi(d: int, H: int, K: int, delta: float) -> float:
    return math.log(2.0 * check_int("d", d) * check_int("H", H) * check_int("K", K) / check_open_unit("delta", delta))


def beta_r2pvi(divergence: str, d: int, H: int, K: int, lam: float, delta: float = 0.05) -> float:
    check_choice("divergence", divergence, ("tv", "kl", "chi2"))
    lam = check_positive("lam", lam)
    x = xi(d, H, K, delta)
    if divergence == "tv":
        return 16.0 * H * d * math.sqrt(x)
    if divergence == "kl":
        return 16.0 * d * lam * math.exp(H / lam) * math.sqrt(H / lam + x)
    return 8.0 * d * H * H * (1.0 + 1.0 / lam) * math.sqrt(x)


def beta_pevi(d: int, H: int, K: int, delta: float = 0.05, c: float = 1.0) -> float:
    return c * d * H * math.sqrt(xi(d, H, K, delta))


def suboptimality_rate(K, d: int, H: int, divergence: str = "tv", lam: float = 1.0):
    """The bound's order (constants dropped) as a function of the number of trajectories ``K``."""
    check_choice("divergence", divergence, ("tv", "kl", "chi2"))
    scale = d * d * H * H * (H * (1.0 + 1.0 / lam) if divergence == "chi2" else 1.0)
    return scale / (K ** 0.5)
