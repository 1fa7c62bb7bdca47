"""CartPole with cart mass, pole length and pole mass as context (the MBTL paper's CartPole family).

Gymnasium's ``CartPoleEnv`` computes ``total_mass`` and ``polemass_length`` once in its constructor, so
setting ``masscart`` afterwards (what CARL 0.1 and carl-bench 1.1.1 do) leaves the dynamics unchanged: in
the MBTL paper's CartPole "mass of cart" family only the observation changed (the context is appended to
it). Here the derived masses are recomputed from the context, so every context changes the physics.
``context_in_obs=True`` also appends ``(masscart, length, masspole)`` to the observation (the authors'
setting); the default shows the standard 4-dimensional observation.

Ranges are x0.1 .. x10 of the defaults (the paper's grids): masscart 1.0 in [0.1, 10], length (half the
pole's length) 0.5 in [0.05, 5], masspole 0.1 in [0.01, 1].
"""

from __future__ import annotations

from gymnasium.envs.classic_control.cartpole import CartPoleEnv

from rlkit.envs.contextual.base import ContextualEnv


class ContextualCartPole(ContextualEnv, CartPoleEnv):
    """CartPole-v1 whose cart mass, pole (half-)length and pole mass are context parameters."""

    CONTEXT = {"masscart": (1.0, 0.1, 10.0), "length": (0.5, 0.05, 5.0), "masspole": (0.1, 0.01, 1.0)}

    def __init__(self, masscart: float = 1.0, length: float = 0.5, masspole: float = 0.1,
                 context_in_obs: bool = False, render_mode: str | None = None):
        super().__init__(render_mode=render_mode)
        self._set_context({"masscart": masscart, "length": length, "masspole": masspole}, context_in_obs)
        self.total_mass = self.masspole + self.masscart  # the derived masses CartPoleEnv caches
        self.polemass_length = self.masspole * self.length
        self.observation_space = self._context_space(self.observation_space)

    def step(self, action):
        obs, reward, terminated, truncated, info = super().step(action)
        return self._observe(obs), reward, terminated, truncated, info

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        obs, info = super().reset(seed=seed, options=options)
        return self._observe(obs), info
