"""Exact batched FTRL policy steps on the simplex: the log-barrier step (safeguarded Newton) and the
negative-entropy step (softmax). Every policy-optimisation agent of :mod:`rlkit.ftrl.linear_q_po` uses these.

Both solve, for every row of a batch of cumulative loss vectors ``L: (..., A)`` at once,

    log-barrier:     p = argmin_{p in simplex} <p, L> + (1/eta) sum_a ln(1/p_a)
    negative entropy: p = argmin_{p in simplex} <p, L> + (1/eta) sum_a p_a ln p_a  =  softmax(-eta L)

**Log-barrier step** [I: our derivation; Dai, Luo, Wei, Zimmert 2023 use this regulariser, the solver is
ours]. The KKT conditions give ``p_a = 1 / (eta (L_a + lam))`` with the multiplier ``lam`` the unique root of
``g(lam) = sum_a 1/(eta (L_a + lam)) - 1`` on ``lam > -min_a L_a``. In the dimensionless variables
``x_a = eta (L_a - min L) >= 0`` and ``mu = eta (lam + min L)`` this is ``p_a = 1/(x_a + mu)`` with
``mu in [1, A]`` (at ``mu = 1`` the argmin coordinate alone has ``p = 1``; at ``mu = A`` every ``p_a <= 1/A``).
``g`` is convex and decreasing, so Newton's method started at any point with ``g >= 0`` increases
monotonically to the root without overshooting. The start ``mu_0 = max(1, A - mean_a x_a)`` has ``g >= 0``
(Jensen: ``sum_a 1/(x_a + mu) >= A^2 / (sum_a x_a + A mu)``) and is the root itself when all ``L_a`` tie.
Shifting by ``min L`` makes the step exact for arbitrarily negative (or large) ``L``: only differences
``L_a - min L`` enter, so the step is invariant to ``L + c 1``. A final normalisation removes the residual
(below ``tol``). Convergence is checked every ``check_every`` iterations (one host read each; typically one
check per call).

Shapes: ``L: (..., A)`` (any batch: runs, layers, states), ``eta``: a positive number or a tensor
broadcastable to ``L.shape[:-1]``; the result has the shape of ``L``.
"""

from __future__ import annotations

import torch

from rlkit.core.checks import RLKitError, check_positive


def _check_losses(L) -> torch.Tensor:
    if not isinstance(L, torch.Tensor) or not L.is_floating_point() or L.dim() < 1 or L.shape[-1] < 1:
        given = f"{L.dtype} tensor of shape {tuple(L.shape)}" if isinstance(L, torch.Tensor) else type(L).__name__
        raise RLKitError(f"L must be a floating-point tensor of shape (..., A) with A >= 1, got {given}")
    if not bool(torch.isfinite(L).all()):
        raise RLKitError("L must be finite (cumulative loss estimates), got NaN or inf entries")
    return L


def _check_eta(eta, L: torch.Tensor) -> torch.Tensor:
    if isinstance(eta, torch.Tensor):
        if not bool(((eta > 0) & torch.isfinite(eta)).all()):
            raise RLKitError(f"eta must be > 0 and finite, got a tensor with min {float(eta.min()):.3g}")
        return eta.to(dtype=L.dtype, device=L.device).unsqueeze(-1)
    return torch.tensor(check_positive("eta", eta), dtype=L.dtype, device=L.device)


def log_barrier_step(L: torch.Tensor, eta, *, tol: float | None = None, max_iter: int = 100, check_every: int = 4,
                     return_multiplier: bool = False):
    """``argmin_p <p, L> + (1/eta) sum_a ln(1/p_a)`` over the simplex for every row of ``L: (..., A)``.

    Returns ``p`` of the shape of ``L`` (strictly positive rows summing to one) and, with
    ``return_multiplier=True``, also the KKT multiplier ``lam: (...)`` with ``L_a - 1/(eta p_a) + lam = 0``.
    ``tol`` bounds ``|sum_a p_a - 1|`` before the final normalisation (default ``64 eps`` of the dtype).
    """
    L = _check_losses(L)
    eta_t = _check_eta(eta, L)
    tol = 64 * torch.finfo(L.dtype).eps if tol is None else float(tol)
    A = L.shape[-1]
    low = L.amin(-1, keepdim=True)
    x = eta_t * (L - low)  # (..., A), >= 0 with a zero in every row
    mu = (A - x.mean(-1, keepdim=True)).clamp_min(1.0)  # g(mu_0) >= 0: Newton increases monotonically
    for it in range(1, max_iter + 1):
        r = 1.0 / (x + mu)
        g = r.sum(-1, keepdim=True) - 1.0
        mu = mu + g / (r * r).sum(-1, keepdim=True)  # Newton: g' = -sum r^2
        if it % check_every == 0 and bool((g.abs() <= tol).all()):
            break
    else:
        r = 1.0 / (x + mu)
        residual = float((r.sum(-1) - 1.0).abs().max())
        if residual > 1e3 * tol:
            raise RLKitError(f"log_barrier_step did not converge in max_iter={max_iter} Newton iterations "
                             f"(largest |sum p - 1| = {residual:.3g}); raise max_iter")
    p = 1.0 / (x + mu)
    p = p / p.sum(-1, keepdim=True)
    if return_multiplier:
        return p, (mu / eta_t - low).squeeze(-1)
    return p


def softmax_step(L: torch.Tensor, eta) -> torch.Tensor:
    """``argmin_p <p, L> + (1/eta) sum_a p_a ln p_a`` = ``softmax(-eta L)`` for every row of ``L: (..., A)``."""
    L = _check_losses(L)
    return torch.softmax(-_check_eta(eta, L) * L, dim=-1)


STEPS = {"log_barrier": log_barrier_step, "negentropy": softmax_step}
"""The regularisers by name: the FTRL step each one gives."""
