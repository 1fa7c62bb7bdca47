"""LSVI-UCB (Jin, Yang, Wang, Jordan, COLT 2020, "Provably Efficient Reinforcement Learning with Linear Function
Approximation", Algorithm 1), batched over runs and tasks, on finite linear MDPs.

At the start of episode ``k``, for ``h = H .. 1`` (0-based ``H-1 .. 0`` here)::

    Lambda_h = lam I + sum_{tau < k} phi(s^tau_h, a^tau_h) phi(s^tau_h, a^tau_h)^T
    w_h      = Lambda_h^{-1} sum_{tau < k} phi(s^tau_h, a^tau_h) [r^tau_h + max_a Q_{h+1}(s^tau_{h+1}, a)]
    Q_h(s, a) = min{ <w_h, phi(s, a)> + beta ||phi(s, a)||_{Lambda_h^{-1}}, H }

and the episode is played greedily, ``a_h = argmax_a Q_h(s_h, a)`` (ties to the lowest action).

``theory=True`` uses Theorem 3.1's ``lam = 1`` and ``beta = c d H sqrt(iota)``, ``iota = log(2 d T / delta)``,
``T = K H``; the paper leaves the absolute constant ``c`` unspecified, so ``c`` is a keyword (default 1).
``theory=False`` takes a tuned constant ``beta``.

Departures, all exact reformulations or documented choices:

* **Sufficient statistics instead of the history.** On a finite instance the sums over past episodes are
  written with counts: ``N_h(s, a, s')`` and the summed observed rewards ``R_h(s, a)`` give
  ``sum_tau phi [r + V_{h+1}(s')] = sum_{s, a} phi(s, a) [R_h(s, a) + sum_s' N_h(s, a, s') V_{h+1}(s')]``, the
  same vector as the paper's sum for any ``V``, at ``O(S^2 A)`` per step instead of ``O(k)``. ``Lambda_h``
  is the shared :class:`rlkit.core.linalg.Covariance` with batch shape ``(B, *t, H)`` (one rank-1 update per
  run, task and step at the end of each episode).
* **Rewards are regressed.** The paper assumes the reward functions known; here the learner sees only the
  reward feedback along its trajectory, so ``r^tau_h`` is the observed reward (a common variant; the
  ``min{., H}`` truncation is kept).

Shapes: ``phi: (S, A, d)`` or broadcastable ``(B, *t, S, A, d)``; ``Q: (B, *t, H, S, A)``;
``N: (B, *t, H, S, A, S)``; policy ``(B, *t, H, S, A)`` one-hot.
"""

from __future__ import annotations

import math

import torch

from rlkit.agents.episodic import EpisodicAgent
from rlkit.core.checks import RLKitError, check_int, check_open_unit, check_positive, check_radius_choice
from rlkit.core.dp import backup
from rlkit.core.linalg import Covariance
from rlkit.core.registry import AGENTS


@AGENTS.register(alias="LSVI-UCB")
class LSVIUCB(EpisodicAgent):
    """LSVI-UCB (Jin et al. 2020, Alg. 1): optimistic least-squares value iteration on linear MDP features.

    Batched over runs (and tasks): policy ``(B, *t, H, S, A)``; rewards are regressed from the observed feedback
    (the paper assumes them known; see the module docstring for this and the sufficient-statistics form).

    The shared parameters ``n_runs``, ``n_states``, ``n_actions``, ``horizon``, ``task_shape``, ``seed``,
    ``device``, ``dtype``, ``validate`` are those of every episodic agent (:class:`rlkit.agents.EpisodicAgent`).

    Parameters
    ----------
    phi : tensor (S, A, d) or (B, *t, S, A, d)
        The linear MDP's features (``for_env``: the environment's).
    episodes : int, default 1000
        ``K``, for the theory radius's ``T = K H`` (``for_env``: the budget).
    theory : bool, default True
        Theorem 3.1's ``beta = c d H sqrt(log(2 d T / delta))``; ``False`` uses the constant ``beta``.
    beta : float, default None
        Constant bonus radius when ``theory=False`` (the episodic quickstart's tuned value: 3).
    c : float, default 1.0
        The absolute constant the theorem leaves unspecified.
    lam : float, default 1.0
        Ridge regularisation of ``Lambda_h``.
    delta : float, default 0.01
        Confidence level of the theory radius.
    """

    def __init__(self, n_runs: int, n_states: int, n_actions: int, horizon: int, *, phi: torch.Tensor,
                 episodes: int = 1000, theory: bool = True, beta: float | None = None, c: float = 1.0,
                 lam: float = 1.0, delta: float = 0.01, **kwargs):
        super().__init__(n_runs, n_states, n_actions, horizon, **kwargs)
        phi = torch.as_tensor(phi, device=self.device, dtype=self.dtype)
        if phi.dim() < 3 or tuple(phi.shape[-3:-1]) != (self.n_states, self.n_actions):
            raise RLKitError(f"phi must have shape (S, A, d) = ({self.n_states}, {self.n_actions}, d) or a batch of "
                             f"them, got {tuple(phi.shape)}")
        self.phi = phi
        self.dim = phi.shape[-1]
        self.episodes = check_int("episodes", episodes)
        self.theory, self.beta_const = check_radius_choice(theory, beta)
        self.c = check_positive("c", c)
        self.lam = check_positive("lam", lam)
        self.delta = check_open_unit("delta", delta)
        if self.theory:
            T = self.episodes * self.horizon
            iota = math.log(2 * self.dim * T / self.delta)
            self.beta = self.c * self.dim * self.horizon * math.sqrt(iota)
        else:
            self.beta = self.beta_const
        H, S, A = self.horizon, self.n_states, self.n_actions
        self.cov = Covariance(self.dim, (*self.batch_shape, H), lam=self.lam, device=self.device, dtype=self.dtype)
        self.counts = torch.zeros(*self.batch_shape, H, S, A, S, device=self.device, dtype=self.dtype)
        self.reward_sums = torch.zeros(*self.batch_shape, H, S, A, device=self.device, dtype=self.dtype)
        self._phi_flat = phi.reshape(*phi.shape[:-3], S * A, self.dim)
        self._phi_all = self._phi_flat.unsqueeze(-3).expand(*self.batch_shape, H, S * A, self.dim)
        self._episode_phi = torch.zeros(*self.batch_shape, H, self.dim, device=self.device, dtype=self.dtype)
        self.Q: torch.Tensor | None = None

    @classmethod
    def for_env(cls, env, *, episodes: int, seed, device=None, dtype=None, features: str = "phi", **params):
        """``features`` names the environment attribute that holds the features (default ``phi``; e.g.
        ``raw_phi`` for tabular features where an environment offers both)."""
        if "phi" not in params:
            if getattr(env, features, None) is None:
                raise RLKitError(f"LSVI-UCB needs linear-MDP features phi(s, a); {type(env).__name__} has no "
                                 f"`{features}`")
            params["phi"] = getattr(env, features)
        return super().for_env(env, episodes=episodes, seed=seed, device=device, dtype=dtype, **params)

    def _policy_table(self) -> torch.Tensor:
        H, S, A = self.horizon, self.n_states, self.n_actions
        width = self.cov.inv_norm(self._phi_all).reshape(*self.batch_shape, H, S, A)
        Q = torch.empty(*self.batch_shape, H, S, A, device=self.device, dtype=self.dtype)
        V_next = torch.zeros(*self.batch_shape, S, device=self.device, dtype=self.dtype)
        for h in range(H - 1, -1, -1):
            target = self.reward_sums[..., h, :, :] + backup(self.counts[..., h, :, :, :], V_next)  # (B, *t, S, A)
            b = (target.unsqueeze(-1) * self.phi).sum((-3, -2))  # (B, *t, d)
            w = (self.cov.inverse[..., h, :, :] @ b.unsqueeze(-1)).squeeze(-1)
            mean = (self.phi @ w[..., None, :, None]).squeeze(-1)  # (B, *t, S, A)
            Q[..., h, :, :] = (mean + self.beta * width[..., h, :, :]).clamp_max(float(H))
            V_next = Q[..., h, :, :].amax(-1)
        self.Q = Q
        return torch.nn.functional.one_hot(Q.argmax(-1), A).to(self.dtype)

    def observe(self, states, actions, feedback, next_states, h: int) -> None:
        self._check_step(states, actions, feedback, next_states, h)
        S, A = self.n_states, self.n_actions
        flat = (states * A + actions) * S + next_states  # index into (S, A, S)
        self.counts[..., h, :, :, :].view(*self.batch_shape, S * A * S).scatter_add_(
            -1, flat.unsqueeze(-1), torch.ones_like(feedback).unsqueeze(-1))
        self.reward_sums[..., h, :, :].view(*self.batch_shape, S * A).scatter_add_(
            -1, (states * A + actions).unsqueeze(-1), feedback.to(self.dtype).unsqueeze(-1))
        phi = self._phi_flat.expand(*self.batch_shape, S * A, self.dim)
        idx = (states * A + actions)[..., None, None].expand(*self.batch_shape, 1, self.dim)
        self._episode_phi[..., h, :] = torch.gather(phi, -2, idx).squeeze(-2)

    def end_episode(self) -> None:
        self.cov.update(self._episode_phi)
