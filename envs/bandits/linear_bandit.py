"""Stochastic linear bandit (Abbasi-Yadkori, Pal, Szepesvari 2011 setting).

Each run has an unknown ``theta`` with ``||theta|| = S`` and ``K`` arms with ``d``-dimensional contexts of
norm ``L``; playing arm ``a`` returns ``<x_a, theta> + sigma * eta`` with ``eta ~ N(0, 1)``. Contexts are
drawn once per run (``contexts="fixed"``) or afresh every round (``contexts="resample"``), uniformly on the
sphere of radius ``L``; ``theta`` uniformly on the sphere of radius ``S``. ``instance_seed`` makes every run
share one instance (theta and fixed contexts) while noise stays per run.

With fixed contexts the environment is stationary, so it serves held actions in closed form: ``step_held(actions,
n)`` plays ``n`` rounds of the same arms at once and ``peek_held(actions, n)`` returns the rewards they would earn
without moving, so :func:`rlkit.agents.bandit_loop.run_bandit` can let an agent look ahead (LinUCB, D-LinUCB keep
their arm for long stretches once they settle). Both return exactly the numbers the same rounds of :meth:`step` give
(the noise comes from the same stream, in the same order). With ``contexts="resample"`` neither is offered.

Shapes: ``theta: (B, d)``, contexts ``(B, K, d)``, rewards ``(B,)``.
"""

from __future__ import annotations

import numpy as np
import torch

from rlkit.core.checks import RLKitError, check_choice, check_int, check_nonnegative, check_positive
from rlkit.core.seeding import BatchRNG
from rlkit.envs.bandits.base import BatchedBanditEnv, SingleBanditEnv


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
        if self.contexts_mode == "resample":  # contexts change every round: no closed-form held rounds, no peeking
            self.step_held = self.peek_held = None

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

    # ----------------------------------------------------------- held steps
    def step_held(self, actions, n: int):
        """Play ``actions: (B,)`` for ``n`` consecutive rounds (fixed contexts): ``(contexts, rewards: (B, n),
        terminations, truncations, info)`` with ``info`` entries ``(B, n)``, the numbers ``n`` calls of :meth:`step`
        give."""
        mean = self._held_mean(actions, "step_held")
        n = check_int("n", n)
        rewards = mean + self.sigma * self._noise.normal_take(n)
        self.t += n
        info = {"expected_reward": mean.expand(-1, n), "optimal_expected_reward": self._best.unsqueeze(1).expand(-1, n)}
        return self._observe(), rewards, self._false, self._false, info

    def peek_held(self, actions, n: int) -> torch.Tensor:
        """Rewards ``(B, m)`` that holding ``actions`` would earn over the next ``m = min(n, rounds left in the
        current noise block)`` rounds, without moving the environment (what :meth:`step_held` then returns)."""
        mean = self._held_mean(actions, "peek_held")
        return mean + self.sigma * self._noise.normal_ahead(check_int("n", n))

    def _held_mean(self, actions, name: str) -> torch.Tensor:
        """Expected rewards ``(B, 1)`` of the held arms (checked as :meth:`step` checks them)."""
        if self.rng is None:
            raise RLKitError(f"reset() must be called before {name}()")
        actions = self.arm_indices(actions)
        try:
            return self._means.gather(1, actions.unsqueeze(1))
        except (IndexError, RuntimeError) as e:
            raise self.arms_error(actions, e) from None

    def theory_params(self) -> dict:
        return {**super().theory_params(), "S": self.S, "L": self.L, "sigma": self.sigma}


class LinearBanditEnv(SingleBanditEnv):
    """Single-instance ``gymnasium.make("rlkit/LinearBandit-v0")``."""

    batched_class = LinearBandit
