"""Finite-horizon MDPs with a known feature map: the model interface offline linear RL learns from.

A :class:`FeatureMDP` is a ``gymnasium.Env`` (one episode at a time, for ``check_env`` and interactive use)
whose *model* methods are natively batched torch functions over any leading shape of states. Offline
algorithms (:mod:`rlkit.agents.offline`) read only what the theory assumes known: the horizon ``H``, the feature map
``phi(s, a)`` for every action, the reward parameters ``theta_h`` when rewards are linear and known, and the
*stopping* actions whose value is known in closed form (exercising an option ends the episode with a known
payoff). Data collection (:mod:`rlkit.envs.offline.dataset`) and policy evaluation
(:mod:`rlkit.agents.offline_evaluation`) use the transition model, nominal or perturbed (``param``).

Batched model methods (``...`` = any leading shape; ``A`` actions, ``d`` features, ``H`` steps):
    initial_states(u: (...)) -> states (...)              u uniform on [0, 1)
    phi(states: (...)) -> (..., A, d)
    stop_reward(states) -> (..., A)                        NaN where the action does not stop the episode
    reward(states, actions: (...), h) -> (...)
    next_states(states, actions, h, u: (...), param) -> states (...)
    probe_states() -> (P,)                                 states over which min_s V(s) is also taken
``learned_actions`` lists the actions whose value is learned (default: all); every other action must be a
stopping action, so learners skip its features.
Finite instances also give ``n_states``, ``kernel(param) -> (H, S, A, S)``, ``reward_table() -> (H, S, A)``
and ``initial_distribution() -> (S,)`` for exact dynamic programming.
"""

from __future__ import annotations

import gymnasium as gym
import torch

from rlkit.core.checks import resolve_device_dtype


class FeatureMDP(gym.Env):
    """Base class: the single-episode gymnasium loop written once on top of the batched model."""

    metadata = {"render_modes": []}
    horizon: int
    dim: int
    n_actions: int
    state_dtype: torch.dtype
    learned_actions: list[int] | None = None  # actions whose Q is learned; the others must be stopping actions

    def __init__(self, param=None, device=None, dtype=None):
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        self.param = param
        self.action_space = gym.spaces.Discrete(self.n_actions)
        self._state = None
        self._h = 0

    # ----------------------------------------------------------- model (batched)
    @property
    def theta(self) -> torch.Tensor | None:
        """Known reward parameters ``(H, d)`` (``r_h(s, a) = <phi(s, a), theta_h>``), or ``None``."""
        return None

    def phi_of(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """``phi(s, a)`` of given actions: ``(...), (...) -> (..., d)``."""
        phi = self.phi(states)
        return torch.gather(phi, -2, actions[..., None, None].expand(*actions.shape, 1, phi.shape[-1])).squeeze(-2)

    def phi_learned(self, states: torch.Tensor) -> torch.Tensor:
        """Features of the learned actions only, ``(..., L, d)`` (environments may override it to save copies)."""
        phi = self.phi(states)
        return phi if self.learned_actions is None else phi[..., self.learned_actions, :]

    def stop_reward(self, states: torch.Tensor) -> torch.Tensor:
        return torch.full((*states.shape, self.n_actions), float("nan"), dtype=self.dtype, device=self.device)

    def probe_states(self) -> torch.Tensor:
        return torch.zeros(0, dtype=self.state_dtype, device=self.device)

    def initial_states(self, u: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def phi(self, states: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def reward(self, states: torch.Tensor, actions: torch.Tensor, h: int) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def next_states(self, states, actions, h: int, u, param=None):  # pragma: no cover - interface
        raise NotImplementedError

    # ------------------------------------------------------- gymnasium (single)
    def _obs(self, state: torch.Tensor):  # pragma: no cover - interface
        raise NotImplementedError

    def _draw(self) -> torch.Tensor:
        return torch.tensor(self.np_random.random(), dtype=self.dtype, device=self.device)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._state = self.initial_states(self._draw())
        self._h = 0
        return self._obs(self._state), {"h": 0}

    def step(self, action):
        if self._state is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        a = torch.tensor(int(action), device=self.device)
        reward = float(self.reward(self._state, a, self._h))
        stops = bool(torch.isfinite(self.stop_reward(self._state)[int(action)]))
        self._state = self.next_states(self._state, a, self._h, self._draw(), self.param)
        self._h += 1
        terminated = stops or self._h >= self.horizon
        return self._obs(self._state), reward, terminated, False, {"h": self._h}

