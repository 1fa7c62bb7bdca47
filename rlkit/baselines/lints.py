"""Linear Thompson sampling (Agrawal & Goyal, ICML 2013, "Thompson Sampling for Contextual Bandits with
Linear Payoffs", Algorithm 1), batched over runs.

Each round every run samples ``theta_tilde = theta_hat + v L z`` with ``L L^T = V^{-1}`` (a batched
Cholesky factor of the inverse Gram matrix) and ``z ~ N(0, I_d)`` from the run's agent stream, and plays
``argmax_a <x_a, theta_tilde>``.

``theory=True`` uses the paper's scale ``v = sigma sqrt(24 / eps * d * log(1 / delta))`` with
``eps = 1 / log T`` (the choice the paper suggests for its ``O(d^2 sqrt(T))`` bound; ``T`` = rounds) and
``lam = 1`` (the paper's ``B = I_d + sum x x^T``). ``theory=False`` (default) uses a tuned ``v``
(default ``sigma``), as practitioners do: the theory scale over-explores by orders of magnitude.

Shapes: ``contexts: (B, K, d)``, ``actions: (B,)``, ``rewards: (B,)``.
"""

from __future__ import annotations

import math

import torch

from rlkit.agents.bandit import BanditAgent
from rlkit.agents.ridge import Ridge
from rlkit.core.checks import check_int, check_nonnegative, check_open_unit, check_positive, env_placement
from rlkit.core.registry import AGENTS


@AGENTS.register()
class LinTS(BanditAgent):
    """Linear Thompson sampling: play the best arm of a posterior sample (Agrawal & Goyal 2013, Alg. 1).

    ``act(contexts: (B, K, d)) -> (B,)`` samples ``theta_hat + v L z`` per run (``L L^T = V^{-1}``); ``theory=True``
    uses the paper's scale ``v``, else a tuned ``v`` (default ``sigma``).

    The shared parameters ``n_runs``, ``n_arms``, ``dim``, ``seed``, ``device``, ``dtype``, ``validate`` are those
    of every bandit agent (:class:`rlkit.agents.BanditAgent`); ``for_env`` fills the sizes and placement.

    Parameters
    ----------
    lam : float, default 1.0
        Ridge regularisation (``theory=True`` sets it to 1, the paper's ``B = I + sum x x^T``).
    theory : bool, default False
        Use the paper's scale ``v = sigma sqrt(24 / eps d log(1 / delta))``, ``eps = 1 / log T`` (over-explores by
        orders of magnitude; the tuned ``v`` is the common practice).
    v : float, default None
        The posterior scale when ``theory=False`` (``None``: ``sigma``).
    sigma : float, default 1.0
        Reward noise level (``for_env``: the environment's).
    delta : float, default 0.01
        Confidence level of the theory scale.
    rounds : int, default 10000
        ``T`` of the theory scale (``for_env``: the budget).
    """

    def __init__(self, n_runs: int, n_arms: int, dim: int, *, lam: float = 1.0, theory: bool = False,
                 v: float | None = None, sigma: float = 1.0, delta: float = 0.01, rounds: int = 10_000,
                 seed=0, device=None, dtype=None, validate: bool = True):
        super().__init__(n_runs, n_arms, dim, seed=seed, device=device, dtype=dtype, validate=validate)
        self.sigma = check_nonnegative("sigma", sigma)
        self.theory = bool(theory)
        if self.theory:
            eps = 1.0 / math.log(max(check_int("rounds", rounds, 3), 3))
            self.v = self.sigma * math.sqrt(24.0 / eps * self.dim * math.log(1.0 / check_open_unit("delta", delta)))
            lam = 1.0
        else:
            self.v = check_nonnegative("v", self.sigma if v is None else v)
        self.lam = check_positive("lam", lam)
        self.ridge = Ridge(self.n_runs, self.dim, self.lam, self.device, self.dtype, track_logdet=False)

    @classmethod
    def for_env(cls, env, *, rounds, seed, device=None, dtype=None, **params):
        params.setdefault("sigma", env.theory_params().get("sigma", 1.0))
        return cls(n_runs=env.num_envs, n_arms=env.n_arms, dim=env.dim, rounds=rounds, seed=seed,
                   **env_placement(env, device, dtype), **params)

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        self._check_contexts(contexts)
        chol = torch.linalg.cholesky(self.ridge.cov.inverse)  # (B, d, d)
        z = self.rng.normal(self.dim)  # (B, d)
        theta = self.ridge.theta + self.v * (chol @ z.unsqueeze(-1)).squeeze(-1)
        return (contexts @ theta.unsqueeze(-1)).squeeze(-1).argmax(-1)

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        self._check_update(contexts, actions, rewards)
        self.ridge.update(self.chosen(contexts, actions), rewards)
