"""Neural GFUCB: a learnt shared representation with per-task ellipsoid bonuses (ours; after Lu, Zhao, Du, Huang 2022).

Paper: "Provable General Function Class Representation Learning in Multitask Bandits and MDPs" (NeurIPS 2022,
arXiv 2205.15701). What is the paper's: the problem (``M`` concurrent contextual bandits whose rewards are
linear heads on one shared representation from a general class, here a neural network), the principle (optimism
over a confidence set of multihead functions, with the confidence radius ``beta_t`` of the multihead class), and
an experiment that runs GFUCB with a neural representation for ``M = 1, 5, 10`` tasks against epsilon-greedy
baselines. The paper's body could not be read, so how its experiment approximated the intractable confidence
set over network weights is unknown. **What is ours** (a heuristic, not the paper's algorithm):

1. the representation: one MLP trunk per (run, group of ``group_size`` tasks) with one linear head per task
   (:class:`rlkit.gfucb.multihead_net.MultiheadNets`), trained on the pooled squared loss of the group's tasks,
   warm-started, ``refit_steps`` Adam steps every ``refit_every`` rounds;
2. optimism on frozen features: ``x_{t,i} = argmax_x <phi_hat(x), theta_hat_i> + sqrt(beta_t)
   ||phi_hat(x)||_{V_{t,i}^{-1}}``, ``V_{t,i} = lam I + sum_s phi_hat(x_{s,i}) phi_hat(x_{s,i})^T`` and ridge heads
   ``theta_hat_i`` on the current features (one :class:`rlkit.core.linalg.Covariance` over ``(B, M)``, rebuilt
   exactly from the buffer after every refit, rank-1 updated in between). This is per-task optimism over the
   multihead ellipsoid at the learnt ``phi_hat`` (the representation's own uncertainty is not in the bonus);
3. the radius: ``theory=True`` takes the reconstructed multihead ``beta_t`` of
   :func:`rlkit.gfucb.gfucb.theory_beta` (notes Sec. 3) with ``log N(Phi) = log_N_phi`` as a hyper-parameter,
   ``feature_bound = sqrt(k)`` (tanh features), plus ``lam g S^2``, times ``beta_scale``; ``theory=False`` (the
   default) a constant radius ``alpha`` (0.3 unless given).

``group_size = 1`` is independent per-task neural UCB (one network per task: "GFUCB, 1 task" of the figure);
``group_size = M`` shares one representation across all tasks. Shapes: contexts ``(B, M, K, p)``, features
``(B, M, K, k)``, ``theta_hat: (B, M, k)``, actions ``(B, M)``.
"""

from __future__ import annotations

import math

import torch

from rlkit.agents.ridge import Ridge
from rlkit.core.checks import check_nonnegative, check_open_unit, check_positive, check_radius_choice
from rlkit.core.registry import AGENTS
from rlkit.gfucb.multihead_net import NeuralMultitaskAgent
from rlkit.theory.gfucb import theory_beta

DEFAULT_ALPHA = 0.3
"""The tuned radius of ``theory=False`` (the figure-style experiment's; not tuned per environment)."""


@AGENTS.register()
class NeuralGFUCB(NeuralMultitaskAgent):
    """Neural GFUCB: learnt shared MLP representation, per-task ellipsoid bonuses (ours; see the module docstring).

    A heuristic of ours for the paper's neural experiment (whose approximation could not be read): one MLP trunk
    per run and task group with a head per task, refitted on the pooled loss, and per-task optimism on its frozen
    features. ``act(contexts: (B, M, K, p)) -> (B, M)``. The defaults are the values of the figure's spec.

    The shared parameters ``hidden``, ``rep_dim``, ``lr``, ``weight_decay``, ``refit_every``, ``refit_steps``,
    ``batch_size``, ``capacity`` are the network and its refits
    (:class:`rlkit.gfucb.multihead_net.NeuralMultitaskAgent`).

    Parameters
    ----------
    lam : float, default 1.0
        Ridge regularisation of the heads on the learnt features.
    theory : bool, default False
        The reconstructed multihead radius with ``log N(Phi) = log_N_phi`` (times ``beta_scale``); ``False``: the
        constant ``alpha``.
    alpha : float, default None
        The radius when ``theory=False`` (``None``: 0.3, the figure's value).
    beta_scale : float, default 1.0
        Multiplies the theory radius.
    log_N_phi : float, default 10.0
        ``log N(Phi)`` of the network class, a hyper-parameter (no finite class to count).
    sigma : float, default 1.0
        Reward noise level in the theory radius (``for_env``: the environment's).
    S : float, default 1.0
        Bound on the heads' norms ``||theta_i||`` (``for_env``: the environment's).
    delta : float, default 0.01
        Confidence level of the theory radius.
    """

    def __init__(self, n_runs: int, n_tasks: int, n_arms: int, dim: int, *, group_size: int | None = None,
                 lam: float = 1.0, theory: bool = False, alpha: float | None = None, beta_scale: float = 1.0,
                 log_N_phi: float = 10.0, sigma: float = 1.0, S: float = 1.0, delta: float = 0.01, hidden: int = 64,
                 rep_dim: int = 8, lr: float = 0.01, weight_decay: float = 0.0,
                 refit_every: int = 5, refit_steps: int = 20, batch_size: int = 128, capacity: int = 1024, seed=0,
                 device=None, dtype=None, validate: bool = True):
        super().__init__(n_runs, n_tasks, n_arms, dim, group_size=group_size, hidden=hidden, rep_dim=rep_dim, lr=lr,
                         weight_decay=weight_decay, refit_every=refit_every,
                         refit_steps=refit_steps, batch_size=batch_size, capacity=capacity, seed=seed, device=device,
                         dtype=dtype, validate=validate)
        self.lam = check_positive("lam", lam)
        self.theory, self.alpha = check_radius_choice(theory, DEFAULT_ALPHA if alpha is None and not theory else alpha)
        self.beta_scale = check_positive("beta_scale", beta_scale)
        self.log_N_phi = check_nonnegative("log_N_phi", log_N_phi)
        self.sigma = check_nonnegative("sigma", sigma)
        self.S = check_nonnegative("S", S)
        self.delta = check_open_unit("delta", delta)
        self.ridge = Ridge((self.n_runs, self.n_tasks), self.rep_dim, self.lam, self.device, self.dtype)

    env_constants = ("sigma", "S")

    def radius(self) -> float:
        """``sqrt(beta_t)`` (theory) or ``alpha``."""
        if not self.theory:
            return self.alpha
        beta = theory_beta(self.t, self.group_size, self.rep_dim, self.log_N_phi, self.sigma, self.S,
                           math.sqrt(self.rep_dim), self.delta)
        return math.sqrt(self.beta_scale * beta + self.lam * self.group_size * self.S**2)

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        self._check_contexts(contexts)
        phi = self.task_features(contexts)  # (B, M, K, k)
        mean = (phi @ self.ridge.theta.unsqueeze(-1)).squeeze(-1)
        return (mean + self.radius() * self.ridge.cov.inv_norm(phi)).argmax(-1)

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        x, refitted = self._store(contexts, actions, rewards)
        if refitted:  # features changed: rebuild every task's ellipsoid from the buffer
            t = self.t
            feats = self.task_features(self.X[:, :, :t])  # (B, M, t, k)
            self.ridge.refit(feats, self.Y[:, :, :t])
        else:
            self.ridge.update(self.task_features(x.unsqueeze(2)).squeeze(2), rewards.to(self.dtype))
