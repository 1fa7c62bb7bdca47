"""DRPVI: distributionally robust pessimistic value iteration for d-rectangular linear DRMDPs with TV balls
(Liu & Xu, "Distributionally Robust Off-Dynamics RL / Minimax Optimal and Computationally Efficient
Algorithms for Distributionally Robust Offline RL", 2024), the constrained baseline of Tang, Liu & Xu (2025).

``w_{h,i} = theta_{h,i} + nu_{h,i}``, ``nu_{h,i} = max_{a in [0, H]} z_{h,i}(a) - rho_{h,i} a`` with
``z_h(a) = Lambda_h^{-1} sum_tau phi_tau [V_{h+1}(s'_tau)]_a`` (the TV-ball dual, assuming
``min_s V = 0``, a fail state), and the penalty ``beta sum_i phi_i sqrt((Lambda_h^{-1})_ii)``.

``rho``: a radius for every factor and step (scalar), one per factor (``(d,)``), or per step and factor
(``(H, d)``; the simulated-MDP experiment perturbs factor 4 at step 1 only). The piecewise-linear
maximisation is exact over the breakpoints (the authors' code runs Nelder-Mead per coordinate).
Shapes: ``M: (R, d, N)``, ``V: (R, N)`` -> ``(R, d)``.
"""

from __future__ import annotations

import torch

from rlkit.agents.offline import LinearVI
from rlkit.core.checks import RLKitError
from rlkit.core.registry import AGENTS
from rlkit.r2pvi import divergences


def radii(rho, h: int, H: int, d: int, dtype, device) -> torch.Tensor:
    """The radius of every factor at step ``h``: ``(d,)`` from a scalar, ``(d,)`` or ``(H, d)`` ``rho``."""
    r = torch.as_tensor(rho, dtype=dtype, device=device)
    if r.dim() == 0:
        r = r.expand(d)
    elif r.dim() == 2:
        if r.shape[0] < H - 1 or r.shape[1] != d:
            raise RLKitError(f"rho must be a scalar, (d,) = ({d},) or (H, d) with H >= {H - 1}, got {tuple(r.shape)}")
        r = r[h]
    if tuple(r.shape) != (d,) or bool((r < 0).any()):
        raise RLKitError(f"rho must be non-negative with shape (), ({d},) or ({H}, {d}), got {tuple(r.shape)}")
    return r


class BallVI(LinearVI):
    """Shared constructor and target of the constrained (ball) baselines: each subclass names its ``ball``, the
    divergence ball's exact dual of :mod:`rlkit.r2pvi.divergences` (``(M, V, r, H) -> (R, d)``)."""

    ball = None

    def __init__(self, rho=0.1, **kwargs):
        super().__init__(**kwargs)
        self.rho = rho

    def theory_beta(self, d, H, K):
        raise RLKitError(f"{type(self).__name__} has no theory=True constants here; pass beta")

    def target(self, M, V, v_min, h, H):
        r = radii(self.rho, h, H, M.shape[-2], M.dtype, M.device)
        return type(self).ball(M, V, r.expand(M.shape[0], -1), float(H))


@AGENTS.register()
class DRPVI(BallVI):
    """Distributionally robust pessimistic VI with TV balls (Liu & Xu 2024); ``fit(dataset)``.

    ``fit(dataset)`` returns the greedy policy of every replication (``R`` at once); the TV-ball dual is maximised
    exactly over its breakpoints (the module docstring gives the form and the departures).

    The shared parameters ``beta``, ``gamma``, ``penalty``, ``theory``, ``delta``, ``reward``, ``device``,
    ``dtype``, ``validate`` are those of every linear offline agent (:class:`rlkit.agents.offline.LinearVI`).

    Parameters
    ----------
    rho : float or array (d,) or (H, d), default 0.1
        The ball's radius: one for every factor and step, one per factor, or per step and factor (the simulated
        MDP's specs give 0.1 and 0.3, the put option's 0.025, the authors' script's values).
    """

    ball = staticmethod(divergences.tv_ball)
