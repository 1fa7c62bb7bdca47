"""The dynamical-linear-bandit authors' constants for three baselines (Mussi, Metelli, Restelli, ICML 2023; their
``scripts/main.py`` and ``dynlinucb/experimental/agents.py``, github marcomussi/DLB at commit 7fb103e), written
out so a comparison with their code can tell a constant from an implementation.

rlkit's agents do not use these by default (each function says what the default is and why); the side-by-side
benchmark (``benchmarks/dlb_reference.py --compare``) and the test against the authors' recorded numbers
(``tests/dynlin_ucb/test_authors_reference.py``) pass them to rlkit's agents as ordinary parameters.
"""

from __future__ import annotations

import math

import numpy as np

from rlkit.core.checks import check_int, check_positive


def exp3_gamma(n_arms: int, decisions: float) -> float:
    """The authors' EXP3 rate ``min(1, sqrt(K ln K / ((e - 1) g)))`` with ``g = 2/3`` of the number of decisions
    (``decisions = T`` for EXP3, ``T / H`` for Batch-EXP3).

    Auer et al.'s Corollary 3.2 asks for ``g >= G_max``; rlkit's :class:`rlkit.dynlin_ucb.EXP3` takes the bound
    that always holds for rewards in ``[0, 1]``, the number of decisions, so its ``gamma`` is ``sqrt(2/3)`` of this.
    """
    K = check_int("n_arms", n_arms, minimum=2)
    g = 2.0 * check_positive("decisions", decisions) / 3.0
    return min(1.0, math.sqrt(K * math.log(K) / ((math.e - 1.0) * g)))


def linucb_logt_radius(theory_params: dict) -> dict:
    """The authors' "Lin-UCB(log T)" radius as OFUL parameters of :class:`rlkit.baselines.LinUCB`:
    ``S = c1 = Theta + Omega Bbar Phi / (1 - rho)`` (DynLin-UCB's constant, not ``||theta||``) and the noise level
    ``sigma = s sqrt(1 + Omega^2 Phi^2 / (1 - rho^2))`` with the state noise ``s`` (DynLin-UCB's ``sbar``).

    Their radius takes ``d log(1 + t U^2 / (d lam))`` where OFUL takes ``log det V_t - d log lam`` (no larger), so
    the two radii agree to the determinant-trace inequality. rlkit's default is OFUL with the environment's
    reward noise and ``S = ||theta||``.
    """
    tp = theory_params
    c1 = tp["Theta"] + tp["Omega"] * tp["Bbar"] * tp["phi"] / (1.0 - tp["rho"])
    sbar = tp["sigma_state"] * math.sqrt(1.0 + tp["Omega"] ** 2 * tp["phi"] ** 2 / (1.0 - tp["rho"] ** 2))
    return {"S": c1, "sigma": sbar}


def linucb_one_alpha(theory_params: dict, actions: np.ndarray, rounds: int) -> float:
    """The authors' "Lin-UCB(1)" radius, a constant (pass it as ``theory=False, alpha=...``):
    ``Theta + sqrt(2 log T + d log((d + T b^2) / d))`` with ``b`` the daily budget (the largest action's 1-norm),
    ``lam = 1`` and no noise level (their ``LinUCBAgent``). rlkit's default is OFUL's radius, which scales with
    the reward noise.
    """
    actions = np.asarray(actions, dtype=float)
    T = check_int("rounds", rounds, minimum=2)
    d, b = actions.shape[1], float(np.abs(actions).sum(1).max())
    return theory_params["Theta"] + math.sqrt(2.0 * math.log(T) + d * math.log((d + T * b**2) / d))


def dlinucb_one_radius(theory_params: dict, actions: np.ndarray) -> dict:
    """The authors' "D-Lin-UCB(1)" radius as parameters of :class:`rlkit.dynlin_ucb.DLinUCB`: the noise level
    ``sigma = s`` (the state noise; the MIMO reward's is ``sqrt(m) s``) and ``L`` the daily budget (the largest
    action's 1-norm) where rlkit takes ``L = max ||u||_2``; ``S = ||theta||`` as rlkit. Their regulariser
    ``gamma^{-t} lam`` differs from ``lam`` by at most ``gamma^{-T} - 1 ~ T (1 - gamma)``, 10^-4 at their
    ``gamma = 1 - 10^-9`` and ``T = 10^5``.
    """
    b = float(np.abs(np.asarray(actions, dtype=float)).sum(1).max())
    return {"sigma": theory_params["sigma_state"], "L": b, "S": theory_params["Theta"]}
