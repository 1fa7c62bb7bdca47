"""Stochastic linear bandit (Abbasi-Yadkori, Pal, Szepesvari 2011 setting).

Each run has an unknown ``theta`` with ``||theta|| = S`` and ``K`` arms with ``d``-dimensional contexts of
norm ``L``; playing arm ``a`` returns ``<x_a, theta> + sigma * eta`` with ``eta ~ N(0, 1)``. Contexts are
drawn once per run (``contexts="fixed"``) or afresh every round (``contexts="resample"``), uniformly on the
sphere of radius ``L``; ``theta`` uniformly on the sphere of radius ``S``. ``instance_seed`` makes every run
share one instance (theta and fixed contexts) while noise stays per run.

Shapes: ``theta: (B, d)``, contexts ``(B, K, d)``, rewards ``(B,)``.
"""

from __future__ import annotations

import numpy as np
import torch

from rlkit.checks import check_choice, check_nonnegative, check_positive
from rlkit.envs.bandit_base import BatchedBanditEnv, SingleBanditEnv
from rlkit.seeding import BatchRNG


def _sphere(x: torch.Tensor, radius: float) -> torch.Tensor:
    return radius * x / x.norm(dim=-1, keepdim=True).clamp_min(1e-300)


class LinearBandit(BatchedBanditEnv):
    """Batched stochastic linear bandit (Abbasi-Yadkori et al. 2011 setting): ``B`` runs of ``K`` arms in ``R^d``.

    ``gymnasium.make_vec("rlkit/LinearBandit-v0", num_envs=B, vectorization_mode="vector_entry_point")``;
    contexts ``(B, K, d)``, ``theta: (B, d)``, rewards ``(B,)``.
    """

    def __init__(
        self,
        num_envs: int = 1,
        n_arms: int = 20,
        dim: int = 10,
        S: float = 1.0,
        L: float = 1.0,
        sigma: float = 0.1,
        contexts: str = "fixed",
        instance_seed: int | None = None,
        device=None,
        dtype=None,
        max_episode_steps=None,
    ):
        self.S = check_positive("S", S)
        self.L = check_positive("L", L)
        super().__init__(num_envs, n_arms, dim, device, dtype, obs_bound=self.L)
        self.sigma = check_nonnegative("sigma", sigma)
        self.contexts_mode = check_choice("contexts", contexts, ("fixed", "resample"))
        self.instance_seed = instance_seed

    def _sample_instance(self, rng: BatchRNG) -> None:
        if self.instance_seed is not None:
            g = np.random.default_rng(np.random.SeedSequence(int(self.instance_seed)))
            theta = torch.as_tensor(g.standard_normal(self.dim)).expand(self.num_envs, -1)
            ctx = torch.as_tensor(g.standard_normal((self.n_arms, self.dim))).expand(self.num_envs, -1, -1)
        else:
            theta = rng.stream("theta").normal(self.dim)
            ctx = rng.stream("contexts").normal(self.n_arms, self.dim)
        self.theta = _sphere(theta.to(self.device, self.dtype), self.S).contiguous()
        self._contexts = _sphere(ctx.to(self.device, self.dtype), self.L).contiguous()
        self._noise = self.rng.stream("noise")
        self._ctx_rng = self.rng.stream("round_contexts")
        self._means = (self._contexts @ self.theta.unsqueeze(-1)).squeeze(-1)  # (B, K)
        self._best = self._means.max(-1).values

    def _observe(self) -> torch.Tensor:
        return self._contexts

    def _step(self, actions: torch.Tensor):
        mean = self._means.gather(1, actions.unsqueeze(1)).squeeze(1)  # gather rejects negative arms
        rewards = mean + self.sigma * self._noise.normal()
        info = {"expected_reward": mean, "optimal_expected_reward": self._best}
        if self.contexts_mode == "resample":
            self._contexts = _sphere(self._ctx_rng.normal(self.n_arms, self.dim), self.L)
            self._means = (self._contexts @ self.theta.unsqueeze(-1)).squeeze(-1)
            self._best = self._means.max(-1).values
        return rewards, info

    def theory_params(self) -> dict:
        return {**super().theory_params(), "S": self.S, "L": self.L, "sigma": self.sigma}


class LinearBanditEnv(SingleBanditEnv):
    """Single-instance ``gymnasium.make("rlkit/LinearBandit-v0")``."""

    batched_class = LinearBandit
