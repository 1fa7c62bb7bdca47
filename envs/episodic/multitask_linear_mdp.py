"""M episodic linear MDPs sharing one low-dimensional feature map: the multitask MDP setting of GFUCB's MDP part.

Lu, Zhao, Du, Huang (NeurIPS 2022, arXiv 2205.15701) extend GFUCB to ``M`` episodic MDPs whose value functions
share a representation. This environment is the exactly-realisable instance of that setting, small enough for
exact dynamic programming (finite ``S``, ``A``, ``H``); its construction is ours.

The environment holds one **shared feature map** (drawn from ``feature_seed``, the same for every run: the
representation is a fixed property of the family) and each run draws ``M`` tasks on top of it:

* ``phi*(s, a) ~ Dirichlet(feature_alpha 1_k)`` for every ``(s, a)``: a row on the simplex of ``R^k`` (a soft
  aggregation of the ``S A`` pairs into ``k`` latent factors; ``k << S A``), the same for every task and step;
* per run, task ``i``, step ``h``: ``k`` next-state distributions ``mu^i_{h, j} ~ Dirichlet(transition_alpha 1_S)``
  and a reward head ``theta^i_h ~ U[0, 1]^k``;
* ``P^i_h(s' | s, a) = sum_j phi*_j(s, a) mu^i_{h, j}(s')`` (a distribution because ``phi*`` is on the simplex),
  ``r^i_h(s, a) = <phi*(s, a), theta^i_h> in [0, 1]``, feedback ``Bernoulli(r)`` (or the mean), start state uniform
  (``start="uniform"``, default) or 0 (``"fixed"``).

So every task is a **linear MDP** (Jin, Yang, Wang, Jordan 2020) in the *same* ``phi*``, and for every task,
policy and step ``Q^{pi, i}_h(s, a) = <phi*(s, a), theta^i_h + sum_s' mu^i_h(s') V^{pi, i}_{h+1}(s')>``: the
Q-functions of all ``M`` tasks are exactly linear in the shared representation with per-task heads, and the
Bellman backup of *any* ``V`` is too (inherent Bellman error zero, Zanette et al. 2020). Tasks differ in their
dynamics and rewards, not in the representation.

What a learner may be given (it never reads the model):

* ``phi``: the true shared features ``(S, A, k)`` (the oracle baseline, :class:`rlkit.baselines.LSVIUCB`);
* ``candidates``: a finite candidate class ``(P, S, A, k)``: ``P - 1`` feature maps drawn like ``phi*`` (from
  ``feature_seed`` too) and, with ``include_true`` (default), ``phi*`` itself at a random position ``true_index``;
* ``raw_phi``: tabular one-hot features ``(S, A, S A)`` (every finite MDP is linear in them; no shared structure).

``instance_seed`` makes every run share one instance while the transition and feedback noise stays per run.
Shapes: ``transitions() (B, M, H, S, A, S)``, ``objective_table() (B, M, H, S, A)``, batch shape ``(B, M)``.
"""

from __future__ import annotations

import numpy as np
import torch

from rlkit.core.checks import check_choice, check_int, check_positive
from rlkit.core.seeding import BatchRNG
from rlkit.core.tables import sa_values
from rlkit.envs.episodic.base import FiniteEpisodicEnv, SingleEpisodicEnv


class MultitaskLinearMDP(FiniteEpisodicEnv):
    """Batched family of M episodic linear MDPs sharing one feature map phi*(s, a) in R^k, with per-task heads."""

    objective = "reward"

    def __init__(self, num_envs: int = 1, n_states: int = 8, n_actions: int = 3, horizon: int = 4, n_tasks: int = 5,
                 dim: int = 3, n_candidates: int = 16, include_true: bool = True, feature_seed: int = 0,
                 feature_alpha: float = 0.1, transition_alpha: float = 0.5, reward_noise: str = "bernoulli",
                 start: str = "uniform", instance_seed: int | None = None, device=None, dtype=None):
        self.n_tasks = check_int("n_tasks", n_tasks)
        super().__init__(num_envs, n_states, n_actions, horizon, task_shape=(self.n_tasks,), device=device,
                         dtype=dtype)
        self.dim = check_int("dim", dim)
        self.n_candidates = check_int("n_candidates", n_candidates)
        self.include_true = bool(include_true)
        self.feature_seed = check_int("feature_seed", feature_seed, 0)
        self.feature_alpha = check_positive("feature_alpha", feature_alpha)
        self.transition_alpha = check_positive("transition_alpha", transition_alpha)
        self.reward_noise = check_choice("reward_noise", reward_noise, ("bernoulli", "none"))
        self.start = check_choice("start", start, ("fixed", "uniform"))
        self.instance_seed = instance_seed
        S, A, k, P = self.n_states, self.n_actions, self.dim, self.n_candidates
        g = np.random.default_rng(np.random.SeedSequence(self.feature_seed))
        phi = g.dirichlet(np.full(k, self.feature_alpha), size=(S, A))  # (S, A, k)
        cands = g.dirichlet(np.full(k, self.feature_alpha), size=(P, S, A))  # (P, S, A, k)
        self.true_index = int(g.integers(P)) if self.include_true else None
        if self.include_true:
            cands[self.true_index] = phi
        self.phi = torch.as_tensor(phi, device=self.device, dtype=self.dtype)
        self.candidates = torch.as_tensor(cands, device=self.device, dtype=self.dtype)
        self.raw_phi = torch.eye(S * A, device=self.device, dtype=self.dtype).reshape(S, A, S * A)

    def _sample_instance(self, rng: BatchRNG) -> None:
        H, S, A, M, k = self.horizon, self.n_states, self.n_actions, self.n_tasks, self.dim
        if self.instance_seed is not None:
            gens = [np.random.default_rng(np.random.SeedSequence(int(self.instance_seed)))]
        else:
            gens = rng.numpy_generators("mdp")
        as_t = lambda x: torch.as_tensor(np.stack(x), device=self.device, dtype=self.dtype)  # noqa: E731
        mu = as_t([g.dirichlet(np.full(S, self.transition_alpha), size=(M, H, k)) for g in gens])  # (b, M, H, k, S)
        theta = as_t([g.random((M, H, k)) for g in gens])  # (b, M, H, k)
        B = self.num_envs
        self._P = torch.einsum("xyj,bmhjz->bmhxyz", self.phi, mu).expand(B, M, H, S, A, S)
        self._r = torch.einsum("xyj,bmhj->bmhxy", self.phi, theta).expand(B, M, H, S, A)
        self._heads = (theta.expand(B, M, H, k), mu.expand(B, M, H, k, S))
        self._mu0 = torch.full((S,), 1.0 / S, device=self.device, dtype=self.dtype)
        if self.start == "fixed":
            self._mu0 = torch.zeros_like(self._mu0)
            self._mu0[0] = 1.0
        self._noise = self.rng.stream("reward_noise")

    def transitions(self) -> torch.Tensor:
        return self._P

    def initial_distribution(self) -> torch.Tensor:
        return self._mu0

    def objective_table(self) -> torch.Tensor:
        return self._r

    def q_heads(self, V_next: torch.Tensor, h: int) -> torch.Tensor:
        """The exact per-task heads of ``Q_h = r_h + P_h V_next`` in ``phi*``: ``V_next (B, M, S) -> (B, M, k)``.

        ``Q_h(s, a) = <phi*(s, a), theta^i_h + sum_s' mu^i_{h, j}(s') V_next(s')>`` (the linear-MDP identity).
        """
        theta, mu = self._heads
        return theta[:, :, h] + (mu[:, :, h] @ V_next.unsqueeze(-1)).squeeze(-1)

    def _feedback(self, states, actions, h):
        mean = sa_values(self._r[:, :, h], states, actions)
        if self.reward_noise == "none":
            return mean, {"expected_reward": mean}
        return (self._noise.uniform(self.n_tasks) < mean).to(self.dtype), {"expected_reward": mean}

    def theory_params(self) -> dict:
        return {**super().theory_params(), "d": self.dim, "M": self.n_tasks, "n_candidates": self.n_candidates}


class MultitaskLinearMDPEnv(SingleEpisodicEnv):
    """Single-instance ``gymnasium.make("rlkit/MultitaskLinearMDP-v0")`` (observations: one state per task)."""

    batched_class = MultitaskLinearMDP

    def step(self, action):
        obs, reward, terminated, truncated, info = super().step(action)
        info = {k: v[0].cpu().numpy() if isinstance(v, torch.Tensor) else v for k, v in info.items()}  # per task
        return obs, reward, terminated, truncated, info
