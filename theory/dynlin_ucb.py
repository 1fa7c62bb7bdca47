"""Regret bounds of dynamical linear bandits (Mussi, Metelli, Restelli, ICML 2023).

* :func:`regret_bound`: the order of DynLin-UCB's upper bound, ``d sqrt(T) / (1 - rho_bar)^{3/2}`` (the
  abstract's ``O~`` statement, logarithmic factors and constants dropped; ``scale`` multiplies it).
* :func:`beta_regret_bound`: a beta-based form for plotting, the optimism argument run over epochs:
  ``H_M * 2 beta_M sqrt(2 d M log(1 + M U^2 / (d lam)))`` where ``M = M(T)`` is the number of epochs in ``T``
  rounds, ``H_M`` the longest epoch and ``beta_M`` DynLin-UCB's radius after ``M`` samples (elliptical
  potential lemma over the ``M`` regression samples, each epoch's steady-state regret counted ``H_M`` times).
  A reconstruction, not the paper's theorem (whose statement could not be read: the stored public copies
  give the abstract only, which states the order ``O~(d sqrt(T) / (1 - rho_bar)^{3/2})`` of the *expected*
  regret); it bounds the steady-state regret of the epochs and leaves out the transients, which are ``O(M)``
  smaller, so figures draw it on the steady-state pseudo-regret only (``term``).
* :func:`lower_bound`: ``d sqrt(T) / (1 - rho)^{1/2}`` up to a constant, the lower-bound form the paper
  states (a DLB embeds linear bandits whose rewards are amplified by ``1/(1 - rho)`` while the noise
  accumulates as ``1/sqrt(1 - rho^2)``). A reconstruction: the abstract says the paper derives an expected-regret
  lower bound but not its form, and the paper's statement could not be read; no spec draws it.

All bound functions are array-valued in ``T``. The algorithm's own quantities live here too, so that both the
agent (:class:`rlkit.dynlin_ucb.DynLinUCB`) and the bounds use one copy: :func:`epoch_length` (``H_m``),
:func:`radius_constants` and :func:`confidence_radius` (``beta_t``; formulas in the agent's docstring).
"""

from __future__ import annotations

import math

import numpy as np


def epoch_length(m, rho_bar: float):
    """``H_m = 1 + floor(log m / log(1 / rho_bar))`` for epoch ``m >= 1`` (an int, or an integer array)."""
    if isinstance(m, int):  # the per-epoch call: plain floats, no array round trip
        return 1 + math.floor(math.log(m) / math.log(1.0 / rho_bar) + 1e-9)
    H = 1 + np.floor(np.log(m) / np.log(1.0 / rho_bar) + 1e-9).astype(np.int64)
    return int(H) if np.ndim(H) == 0 else H


def radius_constants(rho_bar: float, *, Theta: float, Omega: float, Bbar: float, phi_bar: float, U: float,
                     sigma: float, sigma_state: float) -> tuple[float, float, float]:
    """``(c1, c2, sbar^2)`` of ``beta_t`` (see the module docstring)."""
    gap = 1.0 - rho_bar
    c1 = Theta + Omega * Bbar * phi_bar / gap
    c2 = U * Omega * phi_bar * (U * Bbar / gap + U / gap)
    sbar2 = sigma**2 + Omega**2 * phi_bar**2 * sigma_state**2 / (1.0 - rho_bar**2)
    return c1, c2, sbar2


def confidence_radius(t, *, d: int, lam: float, delta: float, U: float, c1: float, c2: float, sbar2: float):
    """``beta_t`` for ``t`` regression samples (a number or a numpy array)."""
    if isinstance(t, (int, float)):  # the per-epoch call: plain floats, no array round trip
        return (c1 * math.sqrt(lam) + c2 / math.sqrt(lam) * math.log(math.e * (t + 1))
                + math.sqrt(2.0 * sbar2 * (math.log(1.0 / delta) + 0.5 * d * math.log1p(t * U**2 / (d * lam)))))
    t = np.asarray(t, dtype=np.float64)
    return (c1 * math.sqrt(lam) + c2 / math.sqrt(lam) * np.log(math.e * (t + 1))
            + np.sqrt(2.0 * sbar2 * (math.log(1.0 / delta) + 0.5 * d * np.log1p(t * U**2 / (d * lam)))))


def regret_bound(T, d: int, rho: float, scale: float = 1.0) -> np.ndarray:
    """``scale * d sqrt(T) / (1 - rho)^{3/2}``."""
    return scale * d * np.sqrt(np.asarray(T, dtype=np.float64)) / (1.0 - rho) ** 1.5


regret_bound.label = "d sqrt(T) / (1 - rho)^1.5"
regret_bound.term = "regret"  # expected regret T J* - E sum y_t
regret_bound.algo = "DynLinUCB"


def lower_bound(T, d: int, rho: float, scale: float = 1.0) -> np.ndarray:
    """``scale * d sqrt(T) / (1 - rho)^{1/2}``."""
    return scale * d * np.sqrt(np.asarray(T, dtype=np.float64)) / math.sqrt(1.0 - rho)


lower_bound.label = "lower bound d sqrt(T) / (1 - rho)^0.5"
lower_bound.term = "regret"
lower_bound.algo = None  # a lower bound holds for every algorithm


def epochs_within(T, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Number of epochs ``M(T)`` started within ``T`` rounds and the longest epoch ``H_{M(T)}`` (arrays)."""
    T = np.asarray(T, dtype=np.int64)
    ends, total, m = [], 0, 0
    while total < int(T.max()):
        m += 1
        total += epoch_length(m, rho)
        ends.append(total)
    starts = np.concatenate([[0], ends[:-1]])  # round before each epoch starts
    M = np.searchsorted(starts, T, side="left")  # epochs with start < T
    return M, np.array([epoch_length(max(int(k), 1), rho) for k in np.ravel(M)]).reshape(M.shape)


def beta_regret_bound(T, d: int, rho: float, Theta: float, Omega: float, Bbar: float, phi: float, U: float,
                      sigma_reward: float, sigma_state: float, lam: float = 1.0,
                      delta: float | None = None) -> np.ndarray:
    """``H_M 2 beta_M sqrt(2 d M log(1 + M U^2 / (d lam)))`` with ``M = M(T)``; ``delta`` defaults to ``1/max(T)``."""
    T = np.asarray(T, dtype=np.float64)
    delta = 1.0 / float(T.max()) if delta is None else delta
    M, H = epochs_within(T, rho)
    c1, c2, sbar2 = radius_constants(rho, Theta=Theta, Omega=Omega, Bbar=Bbar, phi_bar=phi, U=U,
                                     sigma=sigma_reward, sigma_state=sigma_state)
    beta = confidence_radius(M, d=d, lam=lam, delta=delta, U=U, c1=c1, c2=c2, sbar2=sbar2)
    return H * 2.0 * beta * np.sqrt(2.0 * d * M * np.log1p(M * U**2 / (d * lam)))


beta_regret_bound.label = "DynLin-UCB beta-based bound"
beta_regret_bound.term = "steady_state_regret"  # epochs' steady-state regret; transients left out
beta_regret_bound.algo = "DynLinUCB"
