"""CartPole-v1 with cart mass, pole half-length and pole mass as per-environment context: ``B`` carts as one
tensor program (:class:`rlkit.envs.contextual.batched.BatchedContextualEnv`).

The dynamics are gymnasium 1.x's ``CartPoleEnv.step`` (Euler integration, ``tau = 0.02``, force 10, gravity
9.8, termination at ``|x| > 2.4`` or ``|theta| > 12 deg``, reward 1 on every step including the terminating
one, a 500-step time limit) with the derived masses recomputed from the context, as
:class:`rlkit.envs.ContextualCartPole` does.
"""

from __future__ import annotations

import math

import torch

from rlkit.envs.contextual.batched import BatchedContextualEnv
from rlkit.envs.contextual.cartpole import ContextualCartPole


class BatchedCartPole(BatchedContextualEnv):
    """``B`` contextual CartPoles (context ``masscart``, ``length``, ``masspole``; state ``(x, x_dot, theta,
    theta_dot)``; actions ``(B,)`` in {0, 1}). Arguments as :class:`BatchedContextualEnv`."""

    CONTEXT = ContextualCartPole.CONTEXT
    STATE_DIM = 4
    OBS_DIM = 4
    MAX_STEPS = 500
    RESET_HIGH = (0.05, 0.05, 0.05, 0.05)
    discrete = True
    n_actions = 2
    GRAVITY, FORCE_MAG, TAU = 9.8, 10.0, 0.02
    THETA_THRESHOLD, X_THRESHOLD = 12 * 2 * math.pi / 360, 2.4

    def _dynamics(self, state, action):
        x, x_dot, theta, theta_dot = state.unbind(-1)
        masscart, length, masspole = self.context["masscart"], self.context["length"], self.context["masspole"]
        total_mass, polemass_length = masspole + masscart, masspole * length
        force = torch.where(action.reshape(-1) == 1, self.FORCE_MAG, -self.FORCE_MAG).to(self.dtype)
        costheta, sintheta = torch.cos(theta), torch.sin(theta)
        temp = (force + polemass_length * theta_dot.square() * sintheta) / total_mass
        thetaacc = (self.GRAVITY * sintheta - costheta * temp) / (
            length * (4.0 / 3.0 - masspole * costheta.square() / total_mass))
        xacc = temp - polemass_length * thetaacc * costheta / total_mass
        x, x_dot = x + self.TAU * x_dot, x_dot + self.TAU * xacc
        theta, theta_dot = theta + self.TAU * theta_dot, theta_dot + self.TAU * thetaacc
        terminated = (x < -self.X_THRESHOLD) | (x > self.X_THRESHOLD) | (theta < -self.THETA_THRESHOLD) | (
            theta > self.THETA_THRESHOLD)
        return torch.stack([x, x_dot, theta, theta_dot], -1), torch.ones_like(x), terminated

    def _observe_state(self, state):
        return state
