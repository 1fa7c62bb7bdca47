"""American put option (Tang, Liu & Xu, ICML 2025, Sec. 6; after Ma et al. 2022 and Liu & Xu 2024).

The price starts at ``s0 ~ U[strike - 5, strike + 5]`` and moves ``s' = 1.02 s`` with probability ``p``
(the up-probability, nominal ``p0 = 0.5``; the test perturbation) and ``s' = 0.98 s`` otherwise, for
``H = 20`` steps. Action 0 holds (reward 0), action 1 exercises: it pays ``max(0, strike - s)`` and ends
the episode (the state becomes the absorbing ``s = inf``, where every feature and payoff is 0).

Features of holding are ``d`` hat functions ``phi_i(s) = max(0, 1 - |s - s_i| / D)`` with anchors
``s_i = 80 + i D`` (``i = 0..d-1``) and ``D = 100 / d``: non-negative, and summing to one for
``s in [s_0, s_{d-1}]``; below ``80`` or above the last anchor they sum to less than one (a defective
distribution: the missing mass behaves as a move to the zero-value absorbing state). Exercising is a
*stopping* action whose value is known (the payoff), so ``phi(s, exercise) = 0`` and ``stop_reward`` gives
it. Holding pays nothing, so ``theta = 0``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch

from rlkit.core.checks import RLKitError, check_int, check_positive
from rlkit.envs.offline.feature_mdp import FeatureMDP

HOLD, EXERCISE = 0, 1


class AmericanPutOption(FeatureMDP):
    """American put option with hat-function features (Tang, Liu & Xu 2025, Sec. 6): an offline feature MDP.

    States are prices ``(R, *e)`` (float), actions hold (0) / exercise (1); ``phi(s, hold): (..., d)``,
    ``param`` = the up-probability ``p``. See the module docstring.
    """

    n_actions = 2
    learned_actions = [HOLD]
    state_dtype = torch.float64

    def __init__(self, param: float | None = None, d: int = 30, horizon: int = 20, strike: float = 100.0,
                 p0: float = 0.5, device=None, dtype=None):
        for name, v in (("param", param), ("p0", p0)):
            if v is not None and not 0.0 <= float(v) <= 1.0:
                raise RLKitError(f"{name} (an up-probability) must lie in [0, 1], got {v!r}")
        super().__init__(None if param is None else float(param), device, dtype)
        self.dim = check_int("d", d, minimum=2)
        self.horizon = check_int("horizon", horizon)
        self.strike = check_positive("strike", strike)
        self.p0 = float(p0)
        self.state_dtype = self.dtype
        self.spacing = 100.0 / self.dim
        self.anchors = 80.0 + self.spacing * torch.arange(self.dim, dtype=self.dtype, device=self.device)
        self.observation_space = gym.spaces.Box(low=0.0, high=np.inf, shape=(1,), dtype=np.float64)
        self._theta = torch.zeros(self.horizon, self.dim, dtype=self.dtype, device=self.device)

    @property
    def theta(self) -> torch.Tensor:
        return self._theta

    def payoff(self, states: torch.Tensor) -> torch.Tensor:
        return torch.where(torch.isfinite(states), (self.strike - states).clamp_min(0.0), torch.zeros_like(states))

    def hat(self, states: torch.Tensor) -> torch.Tensor:
        """Hat features of holding, ``(..., d)`` (zero at the absorbing state ``inf``).

        At most two neighbouring anchors are non-zero, so the features are written by a scatter of the two
        interpolation weights rather than by evaluating all ``d`` hats (``O(d)`` fewer passes over memory).
        """
        finite = torch.isfinite(states)
        x = (torch.where(finite, states, torch.full_like(states, -1e9)) - self.anchors[0]) / self.spacing
        i0 = torch.floor(x)
        frac = x - i0
        out = torch.zeros(*states.shape, self.dim, dtype=self.dtype, device=self.device)
        for offset, weight in ((0, 1.0 - frac), (1, frac)):
            idx = i0 + offset
            ok = (idx >= 0) & (idx < self.dim) & finite
            out.scatter_add_(-1, idx.clamp(0, self.dim - 1).long().unsqueeze(-1),
                             torch.where(ok, weight, torch.zeros_like(weight)).to(self.dtype).unsqueeze(-1))
        return out

    def phi(self, states: torch.Tensor) -> torch.Tensor:
        out = torch.zeros(*states.shape, 2, self.dim, dtype=self.dtype, device=self.device)
        out[..., HOLD, :] = self.hat(states)
        return out

    def phi_of(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return self.hat(states) * (actions == HOLD).unsqueeze(-1)

    def phi_learned(self, states: torch.Tensor) -> torch.Tensor:
        return self.hat(states).unsqueeze(-2)

    def stop_reward(self, states: torch.Tensor) -> torch.Tensor:
        pay = self.payoff(states)
        return torch.stack([torch.full_like(pay, float("nan")), pay], -1)

    def probe_states(self) -> torch.Tensor:
        return torch.tensor([float("inf")], dtype=self.dtype, device=self.device)

    def initial_states(self, u: torch.Tensor) -> torch.Tensor:
        return self.strike - 5.0 + 10.0 * u.to(self.dtype)

    def reward(self, states, actions, h: int) -> torch.Tensor:
        return torch.where(actions == EXERCISE, self.payoff(states), torch.zeros_like(states))

    def next_states(self, states, actions, h: int, u, param=None) -> torch.Tensor:
        p = self.p0 if param is None else float(param)
        moved = states * torch.where(u < p, 1.02, 0.98).to(states.dtype)
        return torch.where(actions == EXERCISE, torch.full_like(states, float("inf")), moved)

    def _obs(self, state: torch.Tensor):
        return np.array([float(state)], dtype=np.float64)

    @staticmethod
    def state_name(s) -> str:
        return f"s={float(s):.4g}"
