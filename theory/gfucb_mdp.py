"""Confidence radii of GFUCB's multitask MDP extension (Lu, Zhao, Du, Huang, NeurIPS 2022, arXiv 2205.15701, §4).

**Reconstructed.** The paper's MDP section could not be read (only its abstract and third-party summaries:
"multitask episodic RL with general value approximation under low inherent Bellman error"). These are the
radii :class:`rlkit.gfucb.GFUCBMDP` uses, built from the bandit part's reconstructed ``beta_t``
(the Russo & Van Roy 2013 form) and LSVI-UCB's bonus (Jin et al. 2020, Thm 3.1):

* :func:`selection_radius`: the pooled Bellman-residual radius of one step's regression (theory constants);
* :func:`chi2_radius`: a tuned radius of the same test, a chi-square tail (ours, not the paper's);
* :func:`bonus_radius`: the within-candidate ellipsoid bonus, LSVI-UCB's ``c k H sqrt(iota)`` with a union over
  the ``P`` candidates.
"""

from __future__ import annotations

import math


def log_covering(n_candidates: int, n_tasks: int, dim: int, alpha: float, head_bound: float,
                 feature_bound: float = 1.0) -> float:
    """``log N(F^{(x)M}, alpha) <= log P + M k log(1 + 4 S B / alpha)`` for ``P`` candidates ``phi: -> R^k`` with
    ``||phi|| <= B`` and ``M`` heads ``||theta_i|| <= S`` (notes §3; a finite ``Phi`` is its own cover) [inf]."""
    return math.log(n_candidates) + n_tasks * dim * math.log(1.0 + 4.0 * head_bound * feature_bound / alpha)


def selection_radius(t: int, *, n_candidates: int, n_tasks: int, dim: int, horizon: int, delta: float) -> float:
    """Radius ``beta_t`` of the pooled (``M`` tasks) excess Bellman residual of one step after ``t`` episodes.

    The notes' ``beta_t = 8 sigma^2 log(N / delta') + 2 alpha M t (8 C + sqrt(8 sigma^2 log(4 M^2 t^2 / delta')))``
    (Russo & Van Roy 2013, Prop. 6, with the ``M t`` pooled samples) instantiated for Bellman targets
    ``r + V_{h+1}(s') in [0, H + 1]``: ``C = H + 1``, ``sigma = C / 2`` (Hoeffding), ``alpha = 1 / (M t)``, head
    bound ``S = (H + 1) sqrt(k)`` (``theta_h + mu_h V`` of a linear MDP with features on the simplex, ``B = 1``),
    ``delta' = delta / H`` (a union over the steps), and the covering counted twice, once for the regression class
    and once for the class the targets' ``V_{h+1}`` comes from (the GOLF construction of Jin, Liu, Miryoosefi
    2021, which ELEANOR-style global optimism needs) [inf]. Far too large to eliminate anything at feasible
    horizons; :class:`~rlkit.gfucb.GFUCBMDP` keeps it under ``theory=True`` with a documented ``sel_scale``.
    """
    t = max(int(t), 1)
    C = horizon + 1.0
    sigma2 = (C / 2.0) ** 2
    alpha = 1.0 / (n_tasks * t)
    log_n = 2.0 * log_covering(n_candidates, n_tasks, dim, alpha, head_bound=C * math.sqrt(dim))
    dp = delta / horizon
    return (8.0 * sigma2 * (log_n + math.log(1.0 / dp))
            + 2.0 * alpha * n_tasks * t * (8.0 * C + math.sqrt(8.0 * sigma2 * math.log(4.0 * (n_tasks * t) ** 2 / dp))))


def chi2_radius(*, n_candidates: int, n_tasks: int, dim: int, horizon: int, delta: float, sigma: float = 1.0) -> float:
    """Tuned radius (ours): ``sigma^2 (D + 2 sqrt(D l) + 2 l)``, ``D = M k``, ``l = log(P H / delta)``.

    The Laurent & Massart (2000, Lemma 1) tail of a chi-square with ``D`` degrees of freedom: for fixed
    targets with ``sigma``-Gaussian noise whose mean is linear in the true features, the excess residual of
    the true candidate over a fixed one of dimension ``k`` per task is at most such a chi-square, and ``l``
    takes a union over the ``P`` comparators and ``H`` steps. It ignores the adaptivity of the data and the
    data-dependence of the targets, so it is a heuristic radius, with ``sigma`` the tuning knob.
    """
    D = n_tasks * dim
    ell = math.log(n_candidates * horizon / delta)
    return sigma ** 2 * (D + 2.0 * math.sqrt(D * ell) + 2.0 * ell)


def bonus_radius(episodes: int, *, dim: int, horizon: int, n_candidates: int, delta: float, c: float = 1.0) -> float:
    """LSVI-UCB's bonus ``beta = c k H sqrt(iota)``, ``iota = log(2 k T P / delta)``, ``T = K H`` (Jin et al. 2020,
    Thm 3.1, with a union over the ``P`` candidates; ``P = 1`` gives LSVI-UCB's radius exactly)."""
    T = episodes * horizon
    return c * dim * horizon * math.sqrt(math.log(2.0 * dim * T * n_candidates / delta))
