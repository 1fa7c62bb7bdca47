"""The simulated 5-state linear MDP of Tang, Liu & Xu (ICML 2025, Sec. 6), after Liu & Xu (2024).

States ``x1..x5`` (indices 0..4; ``x4`` fails, ``x5`` is the goal), ``d = 4``, ``H = 3``, actions
``{-1, 1}^4`` (16, in ``itertools.product`` order). With ``xi = xi_norm * 1 / ||1||_1`` and ``delta``:

    phi(x_j, a) = (1 - delta - <xi, a>) e_j + (delta + <xi, a>) e_4   (j = 1, 2, 3),
    phi(x4, a) = e_3,   phi(x5, a) = e_4,   r_h = <phi, theta_h>, theta_1 = 0, theta_2 = theta_3 = e_4.

Nominal kernel ``P_h(s'|s, a) = sum_i phi_i(s, a) mu_i(s')`` with factor distributions
``mu_1 = .999 x2 + .001 x4``, ``mu_2 = .999 x3 + .001 x4``, ``mu_3 = x4``, ``mu_4 = x5`` (the reachable
transitions of the authors' simulator written as one linear MDP). Test perturbation ``q`` (step 1 only):
``mu_1 -> x2`` and ``mu_4 -> q x4 + (1 - q) x5``: the goal mass drifts to the fail state as ``q`` grows.
``param=None`` is the nominal environment, ``param=q`` the perturbed one.
"""

from __future__ import annotations

import itertools

import gymnasium as gym
import torch

from rlkit.core.checks import RLKitError, check_nonnegative
from rlkit.envs.offline.feature_mdp import FeatureMDP

N_STATES = 5


class RobustLinearMDP(FeatureMDP):
    """The simulated 5-state linear MDP of Tang, Liu & Xu (2025, Sec. 6): d = 4, H = 3, 16 actions.

    States are indices ``(R, *e)`` (long); ``param`` = the test perturbation ``q`` of step 1; the exact model
    gives dynamic-programming returns. See the module docstring.
    """

    horizon = 3
    dim = 4
    n_actions = 16
    state_dtype = torch.long
    exact_simplex = True

    def __init__(self, param: float | None = None, delta: float = 0.3, xi_norm: float = 0.2, device=None, dtype=None):
        if param is not None and not 0.0 <= float(param) <= 1.0:
            raise RLKitError(f"param (the perturbation q) must lie in [0, 1] or be None (nominal), got {param!r}")
        super().__init__(None if param is None else float(param), device, dtype)
        self.delta = check_nonnegative("delta", delta)
        self.xi_norm = check_nonnegative("xi_norm", xi_norm)
        if self.delta + self.xi_norm > 1.0 or self.delta - self.xi_norm < 0.0:
            raise RLKitError(f"delta +- xi_norm must stay in [0, 1] (features on the simplex), got delta={delta}, "
                             f"xi_norm={xi_norm}")
        self.observation_space = gym.spaces.Discrete(N_STATES)
        acts = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=4)), dtype=self.dtype, device=self.device)
        self.action_vectors = acts  # (16, 4)
        xi = torch.full((4,), self.xi_norm / 4.0, dtype=self.dtype, device=self.device)
        g = self.delta + acts @ xi  # (16,) goal weight delta + <xi, a>
        table = torch.zeros(N_STATES, self.n_actions, self.dim, dtype=self.dtype, device=self.device)
        for j in range(3):
            table[j, :, j] = 1.0 - g
            table[j, :, 3] = g
        table[3, :, 2] = 1.0
        table[4, :, 3] = 1.0
        self._phi = table  # (S, A, d)
        mu = torch.zeros(self.dim, N_STATES, dtype=self.dtype, device=self.device)
        mu[0, 1], mu[0, 3] = 0.999, 0.001
        mu[1, 2], mu[1, 3] = 0.999, 0.001
        mu[2, 3] = 1.0
        mu[3, 4] = 1.0
        self.mu = mu  # (d, S) nominal factors, the same at every step
        th = torch.zeros(self.horizon, self.dim, dtype=self.dtype, device=self.device)
        th[1:, 3] = 1.0
        self._theta = th

    # ----------------------------------------------------------- model (batched)
    @property
    def theta(self) -> torch.Tensor:
        return self._theta

    def factors(self, param=None) -> torch.Tensor:
        """Factor distributions ``mu_h: (H, d, S)`` of the nominal (``None``) or perturbed (``q``) kernel."""
        mu = self.mu.expand(self.horizon, -1, -1).clone()
        if param is not None:
            q = float(param)
            mu[0, 0] = 0.0
            mu[0, 0, 1] = 1.0
            mu[0, 3] = 0.0
            mu[0, 3, 3], mu[0, 3, 4] = q, 1.0 - q
        return mu

    def kernel(self, param=None) -> torch.Tensor:
        """``P_h(s'|s, a) = sum_i phi_i(s, a) mu_{h,i}(s')``: ``(H, S, A, S)``."""
        return torch.einsum("sad,hdt->hsat", self._phi, self.factors(param))

    def reward_table(self) -> torch.Tensor:
        """``r_h(s, a)``: ``(H, S, A)``."""
        return torch.einsum("sad,hd->hsa", self._phi, self._theta)

    def initial_distribution(self) -> torch.Tensor:
        p = torch.zeros(N_STATES, dtype=self.dtype, device=self.device)
        p[0] = 1.0
        return p

    @property
    def n_states(self) -> int:
        return N_STATES

    def all_states(self) -> torch.Tensor:
        return torch.arange(N_STATES, device=self.device)

    def probe_states(self) -> torch.Tensor:
        return self.all_states()

    def initial_states(self, u: torch.Tensor) -> torch.Tensor:
        return torch.zeros(u.shape, dtype=torch.long, device=self.device)

    def phi(self, states: torch.Tensor) -> torch.Tensor:
        return self._phi[states]

    def reward(self, states, actions, h: int) -> torch.Tensor:
        return (self._phi[states, actions] * self._theta[h]).sum(-1)

    def next_states(self, states, actions, h: int, u, param=None) -> torch.Tensor:
        P = self.kernel(param)[h][states, actions]  # (..., S)
        cdf = P.cumsum(-1)
        nxt = (u.unsqueeze(-1) >= cdf).sum(-1)
        return nxt.clamp_max(N_STATES - 1)

    # ------------------------------------------------------- gymnasium (single)
    def _obs(self, state: torch.Tensor):
        return int(state)

    @staticmethod
    def state_name(s: int) -> str:
        return f"x{int(s) + 1}"


__all__ = ["RobustLinearMDP", "N_STATES"]
