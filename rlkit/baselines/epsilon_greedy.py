"""Epsilon-greedy on a ridge estimate, batched over runs (the standard baseline; cf. Auer, Cesa-Bianchi,
Fischer 2002 for the decaying schedule ``eps_t = min(1, epsilon K / t)``).

With probability ``eps_t`` a run plays a uniformly random arm, otherwise ``argmax_a <x_a, theta_hat>``.
``decay=False`` keeps ``eps_t = epsilon``. Shapes: ``contexts: (B, K, d)``, ``actions: (B,)``.
"""

from __future__ import annotations

import torch

from rlkit.agents.bandit import BanditAgent
from rlkit.agents.ridge import Ridge
from rlkit.core.checks import RLKitError, check_positive
from rlkit.core.registry import AGENTS


@AGENTS.register()
class EpsilonGreedy(BanditAgent):
    """Epsilon-greedy on a batched ridge estimate: a random arm w.p. ``eps_t``, else the greedy one (baseline).

    ``act(contexts: (B, K, d)) -> (B,)``; ``eps_t = epsilon`` or, with ``decay=True``, ``min(1, epsilon K / t)``
    (Auer, Cesa-Bianchi, Fischer 2002).

    The shared parameters ``n_runs``, ``n_arms``, ``dim``, ``seed``, ``device``, ``dtype``, ``validate`` are those
    of every bandit agent (:class:`rlkit.agents.BanditAgent`); ``for_env`` fills the sizes and placement.

    Parameters
    ----------
    epsilon : float, default 0.1
        Exploration probability (with ``decay=True`` the constant of ``min(1, epsilon K / t)``, any ``>= 0``).
    decay : bool, default False
        Anneal the exploration as ``min(1, epsilon K / t)``.
    lam : float, default 1.0
        Ridge regularisation of the greedy estimate.
    """

    def __init__(self, n_runs: int, n_arms: int, dim: int, *, epsilon: float = 0.1, decay: bool = False,
                 lam: float = 1.0, seed=0, device=None, dtype=None, validate: bool = True):
        super().__init__(n_runs, n_arms, dim, seed=seed, device=device, dtype=dtype, validate=validate)
        if not 0.0 <= float(epsilon) <= (float("inf") if decay else 1.0):
            raise RLKitError(f"epsilon must lie in [0, 1] (or be >= 0 with decay=True), got {epsilon!r}")
        self.epsilon = float(epsilon)
        self.decay = bool(decay)
        self.ridge = Ridge(self.n_runs, self.dim, check_positive("lam", lam), self.device, self.dtype,
                           track_logdet=False)

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        self._check_contexts(contexts)
        k = contexts.shape[1]
        eps = min(1.0, self.epsilon * k / (self.ridge.t + 1)) if self.decay else self.epsilon
        u = self.rng.uniform(2)  # (B, 2): explore coin, random arm
        greedy = (contexts @ self.ridge.theta.unsqueeze(-1)).squeeze(-1).argmax(-1)
        random_arm = (u[:, 1] * k).long().clamp_max(k - 1)
        return torch.where(u[:, 0] < eps, random_arm, greedy)

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        self._check_update(contexts, actions, rewards)
        self.ridge.update(self.chosen(contexts, actions), rewards)
