"""Sample complexities of reward-free exploration in linear mixture MDPs (Zhang, Zhang, Gu, ICML 2023; W. Zhang's
UCLA 2024 thesis, Chapter 2, whose numbering is used here).

* :func:`reference_episodes`: ``scale d^2 / eps^2``, the order shared by HF-UCRL-RFE++'s upper bound
  (Cor. 2.6.4, ``O~(d^2 eps^-2)``, logarithmic factors dropped) and the lower bound ``Omega(d^2 eps^-2)``
  (Thm 2.6.8, on the three-state instance): constant in ``H``, the horizon-free reference.
* :func:`hf_episodes_bound`: Cor. 2.6.4's ``m(eps, delta')`` with every constant of Theorem 2.6.3 (the radius
  ``beta_K``, ``iota = log(1 + K H / (d lam alpha^2))``, ``zeta = 4 log(4 log(K H) / delta)``, ``M``), solved for
  the fixed point ``K = m(eps)`` (the constants grow with ``K``); :func:`hf_bound_at` evaluates it with the
  constants at a given ``K``. At ``d = 5, H = 20, eps = 0.1``: ``3e17`` with the constants at ``K = 10^4``,
  ``1.2e19`` at the fixed point: why the experiments scale the radius.
* :func:`ucrl_rfe_order`, :func:`ucrl_rfe_plus_order`: the baselines' orders ``H^5 d^2 / eps^2`` and
  ``H^4 d (H + d) / eps^2`` (rewards per step in ``[0, 1]``; constants and logarithms dropped).

* :func:`theory_constants`, :func:`theory_beta`: Theorem 2.6.3's constants and radius ``beta_k``, which the agent
  (:class:`rlkit.reward_free.HFUCRLRFE`) uses too: one copy for the algorithm and its bound.

All functions are array-valued in their first argument.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def theory_constants(d: int, H: int, K: int, theta_bound: float = 1.0) -> dict:
    """Theorem 2.6.3's ``M``, ``alpha``, ``gamma``, ``lam``."""
    return {"moments": max(1, math.ceil(math.log(7 * K * H) / math.log(2))), "alpha": H**-0.5, "gamma": d**-0.25,
            "lam": d / theta_bound**2}


def theory_beta(k, d: int, H: int, theta_bound: float = 1.0, delta: float = 0.01, alpha: float | None = None,
                gamma: float | None = None, lam: float | None = None):
    """Theorem 2.6.3's radius ``beta_k`` (``k`` a number or an array of episode counts >= 1)."""
    alpha = H**-0.5 if alpha is None else alpha
    gamma = d**-0.25 if gamma is None else gamma
    lam = d / theta_bound**2 if lam is None else lam
    k = torch.as_tensor(k, dtype=torch.float64)
    eta = torch.log1p(k * H / (alpha**2 * d * lam))
    tau = torch.log(32 * (max(math.log(gamma**2 / alpha), 0.0) + 1) * k**2 * H**2 / delta)
    beta = 12 * torch.sqrt(d * eta * tau) + 30 * tau / gamma**2 + math.sqrt(lam) * theta_bound
    return float(beta) if beta.dim() == 0 else beta.numpy()


def reference_episodes(x, d: int, eps: float, scale: float = 1.0) -> np.ndarray:
    """``scale d^2 / eps^2`` at every point ``x`` of a sweep (e.g. horizons ``H``; independent of them)."""
    return np.full(np.shape(x), scale * d**2 / eps**2, dtype=np.float64)


reference_episodes.label = "d^2 / eps^2 (order of Cor. 2.6.4 and Thm 2.6.8)"


def hf_bound_at(K: float, eps: float, d: int, H: int, B: float = 1.0, delta: float = 0.01) -> float:
    """Cor. 2.6.4's right-hand side ``m(eps, delta')`` with the constants evaluated at ``K`` episodes."""
    c = theory_constants(d, H, max(int(K), 1), B)
    alpha, gamma, lam, M = c["alpha"], c["gamma"], c["lam"], c["moments"]
    beta = theory_beta(K, d, H, B, delta, alpha, gamma, lam)
    iota = math.log1p(K * H / (d * lam * alpha**2))
    zeta = 4 * math.log(4 * math.log(K * H) / delta)
    root = math.sqrt(d * iota)
    first = 64 * max(8 * beta * root, math.sqrt(2 * zeta)) + 120 * beta * root * H * alpha**2
    second = (2752 * max(64 * beta**2 * d * iota, 2 * zeta) + 24 * zeta + 240 * d * iota
              + 240 * beta * gamma**2 * d * iota + 120 * beta * d * iota * math.sqrt(M))
    return 16 / eps**2 * first**2 + 8 / eps * second


def hf_episodes_bound(eps, d: int, H: int, B: float = 1.0, delta: float = 0.01) -> np.ndarray:
    """The fixed point ``K = m(eps; K)`` of Cor. 2.6.4 (episodes HF-UCRL-RFE++ needs with the paper's constants)."""
    out = []
    for e in np.ravel(np.asarray(eps, dtype=np.float64)):
        K = 10.0
        for _ in range(200):
            nxt = hf_bound_at(K, float(e), d, H, B, delta)
            if abs(nxt - K) <= 1e-9 * K:
                break
            K = nxt
        out.append(K)
    return np.asarray(out).reshape(np.shape(eps))


def ucrl_rfe_order(H, d: int, eps: float) -> np.ndarray:
    """UCRL-RFE: ``H^5 d^2 / eps^2``."""
    return np.asarray(H, dtype=np.float64) ** 5 * d**2 / eps**2


def ucrl_rfe_plus_order(H, d: int, eps: float) -> np.ndarray:
    """UCRL-RFE+: ``H^4 d (H + d) / eps^2``."""
    H = np.asarray(H, dtype=np.float64)
    return H**4 * d * (H + d) / eps**2
