"""Multitask representation bandit: ``M`` contextual bandits sharing one representation ``phi*`` (GFUCB setting).

The setting of Lu, Zhao, Du, Huang (NeurIPS 2022, "Provable General Function Class Representation Learning in
Multitask Bandits and MDPs"), as far as the readable sources state it: an agent plays ``M`` contextual bandits
concurrently; task ``i``'s mean reward is ``f_i(x) = <phi*(x), theta_i>`` with a representation ``phi*`` shared by
all tasks and a linear head ``theta_i`` per task. The paper's environment is unknown (its body could not be read):
the instances here are ours.

Per run: a finite class ``Phi`` of ``n_candidates`` representations ``R^p -> R^k``
(:mod:`rlkit.envs.multitask.representations`: random MLPs, ``representation="mlp"``, or orthonormal linear maps ``B^T
x``, ``"linear"``), ``phi*`` one of them at a uniformly random index (``true_index``), heads ``theta_i`` uniform on
the sphere of radius ``S``. Every round every task gets ``K`` fresh contexts, uniform on the unit sphere of ``R^p``;
playing ``a`` in task ``i`` returns ``<phi*(x_{i,a}), theta_i> + sigma * eta``, ``eta ~ N(0, 1)``. ``||phi(x)|| <= 1``
for every candidate. Learners that assume the class is known (exact finite-class GFUCB) read
:attr:`representation_class`; no one reads ``true_index`` or the heads.

Presets (``preset=...``; explicit arguments override them):

* ``"finite"``: ``M = 5``, ``K = 10``, ``p = 10``, ``k = 4``, 16 random MLPs: the finite-class tests (coverage,
  multitask gain);
* ``"linear"``: ``M = 5``, ``K = 10``, ``p = 20``, ``k = 3``, 16 orthonormal maps: the linear (MTLR-OFUL) case;
* ``"figure"``: ``M = 10``, ``K = 10``, ``p = 10``, ``k = 4``, 16 random MLPs, ``sigma = 0.1``: the
  figure-style experiment (every task shares one random-MLP ``phi*``).

Shapes: contexts ``(B, M, K, p)``, ``theta: (B, M, k)``, means ``(B, M, K)``, rewards ``(B, M)``.
"""

from __future__ import annotations

import math

import torch

from rlkit.core.checks import RLKitError, check_choice, check_int, check_nonnegative, check_positive
from rlkit.core.seeding import BatchRNG, setup_normal
from rlkit.envs.multitask.base import BatchedMultitaskBanditEnv, SingleMultitaskBanditEnv
from rlkit.envs.multitask.representations import LinearMapClass, RandomMLPClass

DEFAULTS = {"n_tasks": 5, "n_arms": 10, "dim": 10, "rep_dim": 4, "representation": "mlp", "n_candidates": 16,
            "hidden": 32, "S": 1.0, "sigma": 0.1}
PRESETS = {
    "finite": {},
    "linear": {"dim": 20, "rep_dim": 3, "representation": "linear"},
    "figure": {"n_tasks": 10},
}


class MultitaskRepresentationBandit(BatchedMultitaskBanditEnv):
    """Batched multitask bandit whose tasks share one representation ``phi*``: ``B`` runs by ``M`` tasks, ``K`` arms.

    Made by ``gymnasium.make_vec("rlkit/MultitaskRepresentationBandit-v0", num_envs=B,
    vectorization_mode="vector_entry_point", preset="figure")``."""

    def __init__(self, num_envs: int = 1, n_tasks: int | None = None, n_arms: int | None = None,
                 dim: int | None = None, rep_dim: int | None = None, representation: str | None = None,
                 n_candidates: int | None = None, hidden: int | None = None, S: float | None = None,
                 sigma: float | None = None, preset: str | None = None, device=None, dtype=None,
                 max_episode_steps=None):
        given = {"n_tasks": n_tasks, "n_arms": n_arms, "dim": dim, "rep_dim": rep_dim, "representation": representation,
                 "n_candidates": n_candidates, "hidden": hidden, "S": S, "sigma": sigma}
        base = {**DEFAULTS, **PRESETS[check_choice("preset", preset, [None, *PRESETS])]} if preset else dict(DEFAULTS)
        cfg = {**base, **{k: v for k, v in given.items() if v is not None}}
        super().__init__(num_envs, cfg["n_tasks"], cfg["n_arms"], cfg["dim"], device, dtype, obs_bound=1.0)
        self.preset = preset
        self.rep_dim = check_int("rep_dim", cfg["rep_dim"])
        self.representation = check_choice("representation", cfg["representation"], ("mlp", "linear"))
        if self.representation == "linear" and self.rep_dim > self.dim:
            raise RLKitError(f"rep_dim must be <= dim for a linear representation, got {self.rep_dim} > {self.dim}")
        self.n_candidates = check_int("n_candidates", cfg["n_candidates"])
        self.hidden = check_int("hidden", cfg["hidden"])
        self.S = check_positive("S", cfg["S"])
        self.sigma = check_nonnegative("sigma", cfg["sigma"])
        self.representation_class = None

    def _sample_instance(self, rng: BatchRNG) -> None:
        normal = setup_normal(rng, "instance")
        B, P = self.num_envs, self.n_candidates
        if self.representation == "mlp":
            self.representation_class = RandomMLPClass(normal, B, P, self.dim, self.rep_dim, self.hidden,
                                                       self.device, self.dtype)
        else:
            self.representation_class = LinearMapClass(normal, B, P, self.dim, self.rep_dim, self.device, self.dtype)
        gens = rng.numpy_generators("true_index")
        self.true_index = torch.as_tensor([int(g.integers(P)) for g in gens], device=self.device)
        theta = normal(self.n_tasks, self.rep_dim).to(self.device, self.dtype)
        self.theta = self.S * theta / theta.norm(dim=-1, keepdim=True)  # (B, M, k)
        self._ctx_rng = self.rng.stream("contexts")
        self._noise = self.rng.stream("noise")
        self._draw_contexts()

    def _draw_contexts(self) -> None:
        x = self._ctx_rng.normal(self.n_tasks, self.n_arms, self.dim)
        self._contexts = x / x.norm(dim=-1, keepdim=True)
        phi = self.representation_class.select(self._contexts, self.true_index)  # (B, M, K, k)
        self._means = (phi @ self.theta.unsqueeze(-1)).squeeze(-1)  # (B, M, K)

    def theory_params(self) -> dict:
        return {**super().theory_params(), "k": self.rep_dim, "P": self.n_candidates, "S": self.S, "L": 1.0,
                "sigma": self.sigma, "log_N_phi": math.log(self.n_candidates)}


class MultitaskRepresentationBanditEnv(SingleMultitaskBanditEnv):
    """Single-instance ``gymnasium.make("rlkit/MultitaskRepresentationBandit-v0")``."""

    batched_class = MultitaskRepresentationBandit
