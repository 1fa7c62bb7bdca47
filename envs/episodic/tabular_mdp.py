"""Random tabular episodic MDP with stochastic rewards: the reference instance of the episodic protocol.

Each run draws a time-inhomogeneous MDP: ``P_h(. | s, a) ~ Dirichlet(alpha 1_S)``, mean rewards
``r_h(s, a) ~ U[0, 1]``, start state 0. Feedback is ``Bernoulli(r_h(s, a))`` (``reward_noise="bernoulli"``) or
the mean itself (``"none"``). Its one-hot features ``phi(s, a) = e_{(s, a)}`` (``d = S A``) make it a linear
MDP in the sense of Jin, Yang, Wang, Jordan (2020), so every linear episodic algorithm runs on it.
``instance_seed`` makes every run share one MDP while the noise stays per run.

Shapes: ``P: (B, H, S, A, S)``, rewards ``(B, H, S, A)``, ``phi: (S, A, S A)``.
"""

from __future__ import annotations

import numpy as np
import torch

from rlkit.core.checks import check_choice, check_positive
from rlkit.core.seeding import BatchRNG
from rlkit.core.tables import sa_values
from rlkit.envs.episodic.base import FiniteEpisodicEnv, SingleEpisodicEnv


class RandomTabularMDP(FiniteEpisodicEnv):
    """Batched random tabular MDP (Dirichlet transitions, uniform mean rewards, Bernoulli feedback)."""

    objective = "reward"

    def __init__(self, num_envs: int = 1, n_states: int = 5, n_actions: int = 3, horizon: int = 5, alpha: float = 1.0,
                 reward_noise: str = "bernoulli", instance_seed: int | None = None, device=None, dtype=None):
        super().__init__(num_envs, n_states, n_actions, horizon, device=device, dtype=dtype)
        self.alpha = check_positive("alpha", alpha)
        self.reward_noise = check_choice("reward_noise", reward_noise, ("bernoulli", "none"))
        self.instance_seed = instance_seed
        S, A = self.n_states, self.n_actions
        self.dim = S * A
        self.phi = torch.eye(S * A, device=self.device, dtype=self.dtype).reshape(S, A, S * A)

    def _sample_instance(self, rng: BatchRNG) -> None:
        H, S, A = self.horizon, self.n_states, self.n_actions
        if self.instance_seed is not None:
            g = np.random.default_rng(np.random.SeedSequence(int(self.instance_seed)))
            gens = [g]
        else:
            gens = rng.numpy_generators("mdp")
        P = np.stack([g.dirichlet(np.full(S, self.alpha), size=(H, S, A)) for g in gens])
        r = np.stack([g.random((H, S, A)) for g in gens])
        shape = (self.num_envs, H, S, A)
        self._P = torch.as_tensor(P, device=self.device, dtype=self.dtype).expand(*shape, S)
        self._r = torch.as_tensor(r, device=self.device, dtype=self.dtype).expand(*shape)
        self._mu = torch.zeros(S, device=self.device, dtype=self.dtype)
        self._mu[0] = 1.0
        self._noise = self.rng.stream("reward_noise")

    def transitions(self) -> torch.Tensor:
        return self._P

    def initial_distribution(self) -> torch.Tensor:
        return self._mu

    def objective_table(self) -> torch.Tensor:
        return self._r

    def _feedback(self, states, actions, h):
        mean = sa_values(self._r[:, h], states, actions)
        if self.reward_noise == "none":
            return mean, {"expected_reward": mean}
        return (self._noise.uniform() < mean).to(self.dtype), {"expected_reward": mean}

    def theory_params(self) -> dict:
        return {**super().theory_params(), "d": self.dim}


class RandomTabularMDPEnv(SingleEpisodicEnv):
    """Single-instance ``gymnasium.make("rlkit/RandomTabularMDP-v0")``."""

    batched_class = RandomTabularMDP
