"""Regret rates of multitask representation learning in bandits (Lu, Zhao, Du, Huang, NeurIPS 2022), **reconstructed**.

The paper's theorems could not be read (only its abstract): these are the
*shapes* the notes reconstruct, consistent with every verified statement ("comparable to the optimal linear-case
bounds and better than independent learning"), with constants and logarithmic factors dropped. They are rates,
not bounds: a figure draws them scaled (``scale``), labelled as shapes.

* :func:`multitask_regret`: GFUCB over ``M`` tasks, ``O~(M sqrt(d_E k T) + sqrt(M d_E T log N(Phi)))`` total
  (the head part paid per task, the representation's ``log N(Phi)`` once, shared);
* :func:`per_task_rate`: the same divided by ``M``, as a function of ``M`` (what a per-task regret vs ``M``
  figure shows): ``sqrt(d_E k T) + sqrt(d_E T log N(Phi) / M)``;
* :func:`independent_per_task_rate`: ``M`` separate single-task learners: the ``M = 1`` rate, flat in ``M``;
* :func:`linear_per_task_rate` / :func:`linear_independent_per_task_rate`: the linear case ``phi(x) = B^T x``
  (MTLR-OFUL, Hu et al. 2021: ``O~(M sqrt(d k T) + d sqrt(k M T))`` total, against ``O~(M d sqrt(T))``
  independently; these two are stated in Hu et al.'s abstract).

``d_E`` is an eluder dimension (``~k`` for linear heads on a fixed representation), ``log_N_phi`` the log covering
number of the representation class (``log P`` for a finite class of ``P``). All functions are array-valued in
their first argument.
"""

from __future__ import annotations

import math

import numpy as np


def multitask_regret(T, M: int, d_E: float, k: int, log_N_phi: float, scale: float = 1.0) -> np.ndarray:
    """``scale * (M sqrt(d_E k T) + sqrt(M d_E T log N(Phi)))``, total over the ``M`` tasks, in ``T``."""
    T = np.asarray(T, dtype=np.float64)
    return scale * (M * np.sqrt(d_E * k * T) + np.sqrt(M * d_E * T * log_N_phi))


multitask_regret.label = "reconstructed GFUCB rate M sqrt(d_E k T) + sqrt(M d_E T log N)"


def per_task_rate(M, T: int, d_E: float, k: int, log_N_phi: float, scale: float = 1.0) -> np.ndarray:
    """``scale * (sqrt(d_E k T) + sqrt(d_E T log N(Phi) / M))``: :func:`multitask_regret` / ``M``, in ``M``."""
    M = np.asarray(M, dtype=np.float64)
    return scale * (np.sqrt(d_E * k * T) + np.sqrt(d_E * T * log_N_phi / M))


per_task_rate.label = "reconstructed multitask rate sqrt(d_E k T) + sqrt(d_E T log N / M)"


def independent_per_task_rate(M, T: int, d_E: float, k: int, log_N_phi: float, scale: float = 1.0) -> np.ndarray:
    """Per-task rate of ``M`` independent learners: ``per_task_rate(1, ...)`` for every ``M``."""
    M = np.asarray(M, dtype=np.float64)
    return np.broadcast_to(per_task_rate(1.0, T, d_E, k, log_N_phi, scale), M.shape).copy()


independent_per_task_rate.label = "reconstructed independent rate sqrt(d_E k T) + sqrt(d_E T log N)"


def linear_per_task_rate(M, T: int, d: int, k: int, scale: float = 1.0) -> np.ndarray:
    """MTLR-OFUL's rate per task: ``scale * (sqrt(d k T) + d sqrt(k T / M))``."""
    M = np.asarray(M, dtype=np.float64)
    return scale * (np.sqrt(d * k * T) + d * np.sqrt(k * T / M))


linear_per_task_rate.label = "linear multitask rate sqrt(dkT) + d sqrt(kT/M) (Hu et al. 2021)"


def linear_independent_per_task_rate(M, T: int, d: int, scale: float = 1.0) -> np.ndarray:
    """Independent OFUL per task: ``scale * d sqrt(T)`` for every ``M``."""
    M = np.asarray(M, dtype=np.float64)
    return np.full(M.shape, scale * d * np.sqrt(T))


linear_independent_per_task_rate.label = "independent linear rate d sqrt(T)"


def theory_beta(t: int, group_size: int, rep_dim: int, log_N_phi: float, sigma: float, S: float,
                feature_bound: float, delta: float) -> float:
    """``beta_t`` of the multihead class after ``t`` rounds of ``group_size`` tasks (reconstructed, see module)."""
    n = max(group_size * t, 1)
    alpha = 1.0 / n
    C = S * feature_bound
    log_n = log_N_phi + group_size * rep_dim * math.log1p(4.0 * S * feature_bound / alpha)
    return (8.0 * sigma**2 * (log_n + math.log(1.0 / delta))
            + 2.0 * alpha * n * (8.0 * C + math.sqrt(8.0 * sigma**2 * math.log(4.0 * n**2 / delta))))
