"""Pendulum-v1 with time step, length and mass as per-environment context: ``B`` pendulums as one tensor
program (:class:`rlkit.envs.contextual.batched.BatchedContextualEnv`).

The dynamics are gymnasium 1.x's ``PendulumEnv.step``: the torque clipped to [-2, 2], cost
``angle_normalize(th)^2 + 0.1 thdot^2 + 0.001 u^2`` with ``angle_normalize(x) = ((x + pi) mod 2 pi) - pi``
(the state's angle itself is never wrapped), ``thdot += (3 g / (2 l) sin th + 3 / (m l^2) u) dt`` clipped to
[-8, 8], ``th += thdot dt``, gravity 10, never terminating, a 200-step time limit whatever ``dt``; the
observation ``(cos th, sin th, thdot)``. The torque is float32 as gymnasium receives it, and its terms are
float32 products as NumPy 2 computes them.
"""

from __future__ import annotations

import math

import torch

from rlkit.envs.contextual.batched import BatchedContextualEnv
from rlkit.envs.contextual.pendulum import ContextualPendulum


def angle_normalize(x: torch.Tensor) -> torch.Tensor:
    """``((x + pi) mod 2 pi) - pi`` with the floored modulo of NumPy's ``%`` (``torch.remainder``)."""
    return torch.remainder(x + math.pi, 2 * math.pi) - math.pi


class BatchedPendulum(BatchedContextualEnv):
    """``B`` contextual pendulums (context ``dt``, ``length``, ``mass``; state ``(th, thdot)``; actions ``(B, 1)``
    torques). Arguments as :class:`BatchedContextualEnv`."""

    CONTEXT = ContextualPendulum.CONTEXT
    STATE_DIM = 2
    OBS_DIM = 3
    MAX_STEPS = 200
    RESET_HIGH = (math.pi, 1.0)
    discrete = False
    action_dim = 1
    action_low, action_high = -2.0, 2.0
    GRAVITY, MAX_SPEED, MAX_TORQUE = 10.0, 8.0, 2.0

    def _dynamics(self, state, action):
        th, thdot = state.unbind(-1)
        dt, length, mass = self.context["dt"], self.context["length"], self.context["mass"]
        u = action.reshape(self.batch, -1)[:, 0].to(torch.float32).clamp(-self.MAX_TORQUE, self.MAX_TORQUE)
        # gymnasium's u is a float32 scalar and NumPy 2 keeps Python-float products with it in float32
        # (NEP 50): the torque terms are float32 products, added to the float64 ones
        torque = ((3.0 / (mass * length**2)).to(torch.float32) * u).to(self.dtype)
        costs = angle_normalize(th).square() + 0.1 * thdot.square() + (0.001 * u.square()).to(self.dtype)
        newthdot = thdot + (3 * self.GRAVITY / (2 * length) * torch.sin(th) + torque) * dt
        newthdot = newthdot.clamp(-self.MAX_SPEED, self.MAX_SPEED)
        newth = th + newthdot * dt
        return torch.stack([newth, newthdot], -1), -costs, torch.zeros_like(th, dtype=torch.bool)

    def _observe_state(self, state):
        th, thdot = state.unbind(-1)
        return torch.stack([torch.cos(th), torch.sin(th), thdot], -1)
