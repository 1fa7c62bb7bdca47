"""Joint optimism over a block-ellipsoid confidence set: the action-selection step of multitask UCB algorithms.

Given, for one candidate representation, per-task centres ``c_i`` and matrices ``A_i`` of the set
``{theta_{1:g} : sum_i (theta_i - c_i)^T A_i (theta_i - c_i) <= rho}``, the optimistic value of a joint action
``x_{1:g}`` (one action per task) is, by Cauchy-Schwarz over the stacked blocks,

    U(x) = max_theta sum_i <phi(x_i), theta_i> = sum_i a_i(x_i) + sqrt(rho * sum_i b_i(x_i)),
    a_i(x) = <phi(x), c_i>,   b_i(x) = ||phi(x)||^2_{A_i^{-1}}.

The square root couples the tasks, so ``max_x U(x)`` is a search over ``K^g`` joint actions:

* :func:`enumerate_joint`: the exact joint argmax by enumeration (small ``K^g``);
* :func:`relaxed_joint`: the separable upper bound ``min_{eta > 0} [eta / 2 + sum_i max_x (a_i(x) + rho b_i(x) /
  (2 eta))]`` (from ``sqrt(z) <= eta / 2 + z / (2 eta)``, equality at ``eta = sqrt(z)``): for every ``eta`` the
  bracket is ``>= max_x U(x)``, so the bound is valid optimism whatever ``eta`` grid is searched; the actions are
  the per-task maximisers at the best ``eta`` of a geometric grid over ``[sqrt(rho sum_i min_x b_i),
  sqrt(rho sum_i max_x b_i)]`` (the interval that holds the exact minimiser). It relaxes the joint argmax: its
  actions maximise the bound, not ``U``;
* :func:`per_task_index`: per-task optimism ``a_i(x) + sqrt(rho b_i(x))``, each task spending the whole radius
  (also optimistic for each task, larger than the joint set's share).

Shapes: ``a, b: (*s, g, K)``, ``rho: (*s,)`` (``>= 0``); values ``(*s,)``, actions ``(*s, g)`` (long). The joint
value is written :func:`joint_value` once and used by all three.
"""

from __future__ import annotations

import torch

_TINY = 1e-12


def joint_value(a_sum: torch.Tensor, b_sum: torch.Tensor, rho: torch.Tensor) -> torch.Tensor:
    """``sum_i a_i + sqrt(rho sum_i b_i)``: the block ellipsoid's maximum of ``sum_i <phi(x_i), theta_i>``."""
    return a_sum + (rho * b_sum).clamp_min(0).sqrt()


def joint_actions(g: int, K: int, device=None) -> torch.Tensor:
    """Every joint action of ``g`` tasks with ``K`` actions each, ``(K^g, g)`` (task 0 varies slowest)."""
    grids = torch.meshgrid(*[torch.arange(K, device=device)] * g, indexing="ij")
    return torch.stack([x.reshape(-1) for x in grids], -1)


def enumerate_joint(a: torch.Tensor, b: torch.Tensor, rho: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact ``max_x U(x)`` and its argmax (first in :func:`joint_actions` order on ties)."""
    g, K = a.shape[-2:]
    grid = joint_actions(g, K, a.device)  # (K^g, g)
    tasks = torch.arange(g, device=a.device)
    values = joint_value(a[..., tasks, grid].sum(-1), b[..., tasks, grid].sum(-1), rho.unsqueeze(-1))  # (*s, K^g)
    best = values.max(-1)
    return best.values, grid[best.indices]


def relaxed_joint(a: torch.Tensor, b: torch.Tensor, rho: torch.Tensor, n_eta: int = 16
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """The separable upper bound on ``max_x U(x)`` and the per-task maximisers at its best ``eta``."""
    rb = rho[..., None, None] * b  # (*s, g, K)
    lo = rb.min(-1).values.sum(-1).clamp_min(_TINY).sqrt()
    hi = rb.max(-1).values.sum(-1).clamp_min(_TINY).sqrt()
    steps = torch.linspace(0.0, 1.0, n_eta, device=a.device, dtype=a.dtype)
    eta = lo.unsqueeze(-1) * (hi / lo).unsqueeze(-1) ** steps  # (*s, E), geometric from lo to hi
    inner = (a.unsqueeze(-3) + rb.unsqueeze(-3) / (2.0 * eta[..., None, None])).max(-1)  # (*s, E, g)
    bound = eta / 2.0 + inner.values.sum(-1)  # (*s, E)
    best = bound.min(-1)
    idx = best.indices[..., None, None].expand(*best.indices.shape, 1, a.shape[-2])
    return best.values, inner.indices.gather(-2, idx).squeeze(-2)


def per_task_index(a: torch.Tensor, b: torch.Tensor, rho: torch.Tensor) -> torch.Tensor:
    """Per-task optimistic index ``a_i(x) + sqrt(rho b_i(x))``, ``(*s, g, K)``."""
    return joint_value(a, b, rho[..., None, None])
