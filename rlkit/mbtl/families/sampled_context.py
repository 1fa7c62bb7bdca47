"""The multi-task training environment: a context drawn from the grid at every episode.

The Multi-task baseline trains one policy on all contexts; for control tasks that means sampling a
context per episode (the authors' multi-task data for control tasks is not in their repository; this is
our reconstruction). :class:`SampledContextEnv` builds the environment for a uniformly drawn context value
at each ``reset`` from its own seeded generator, so a training run is reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gymnasium as gym
import numpy as np

from rlkit.core.checks import RLKitError


class SampledContextEnv(gym.Env):
    """A gymnasium environment whose context is drawn uniformly from ``values`` at every ``reset``.

    Args:
        make_env: ``value -> gymnasium.Env`` for one context value.
        values: the context values to draw from (the grid).
        seed: an int or ``numpy.random.SeedSequence`` for the draws (and the episodes' reset seeds).
    """

    def __init__(self, make_env: Callable[[float], gym.Env], values: Sequence[float], seed=0):
        if len(values) == 0:
            raise RLKitError("values must hold at least one context value")
        self._make = make_env
        self._values = [float(v) for v in values]
        self._rng = np.random.default_rng(seed)
        self._env = make_env(self._values[0])
        self.observation_space = self._env.observation_space
        self.action_space = self._env.action_space
        self.context_value = self._values[0]

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self.context_value = self._values[int(self._rng.integers(len(self._values)))]
        self._env.close()
        self._env = self._make(self.context_value)
        if self._env.observation_space != self.observation_space:
            raise RLKitError(f"context {self.context_value} changes the observation space "
                             f"({self._env.observation_space} vs {self.observation_space})")
        obs, info = self._env.reset(seed=int(self._rng.integers(2**31 - 1)), options=options)
        return obs, {**info, "context_value": self.context_value}

    def step(self, action):
        return self._env.step(action)

    def close(self):
        self._env.close()
