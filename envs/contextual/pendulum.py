"""Pendulum with time step, length and mass as context (the MBTL paper's Pendulum family).

Gymnasium's ``PendulumEnv`` reads ``dt``, ``l`` and ``m`` at every step, so setting them changes the
dynamics (CARL's ``gravity`` context is the no-op one: the environment reads ``g``). ``context_in_obs=True``
appends ``(dt, length, mass)`` to the observation (the authors' setting); the default shows the standard
3-dimensional observation. Episodes last 200 steps whatever ``dt`` (as in the paper's setting), so ``dt``
also changes how much simulated time an episode covers.

Ranges are x0.1 .. x10 of the defaults: dt 0.05 in [0.005, 0.5], length 1.0 in [0.1, 10], mass 1.0 in [0.1, 10].
"""

from __future__ import annotations

from gymnasium.envs.classic_control.pendulum import PendulumEnv

from rlkit.envs.contextual.base import ContextualEnv


class ContextualPendulum(ContextualEnv, PendulumEnv):
    """Pendulum-v1 whose time step ``dt``, ``length`` and ``mass`` are context parameters."""

    CONTEXT = {"dt": (0.05, 0.005, 0.5), "length": (1.0, 0.1, 10.0), "mass": (1.0, 0.1, 10.0)}

    def __init__(self, dt: float = 0.05, length: float = 1.0, mass: float = 1.0, context_in_obs: bool = False,
                 render_mode: str | None = None):
        super().__init__(render_mode=render_mode)
        self._set_context({"dt": dt, "length": length, "mass": mass}, context_in_obs)
        self.observation_space = self._context_space(self.observation_space)

    def _attribute(self, name: str) -> str:
        return {"dt": "dt", "length": "l", "mass": "m"}[name]

    def _get_obs(self):
        return self._observe(super()._get_obs())
