"""Uniformly random arm each round, batched over runs: the no-learning floor every regret plot needs."""

from __future__ import annotations

import torch

from rlkit.agents.bandit import BanditAgent
from rlkit.core.registry import AGENTS


@AGENTS.register()
class Uniform(BanditAgent):
    """Uniformly random arm every round, batched over runs: the no-learning floor of a regret plot.

    ``act(contexts: (B, K, d)) -> (B,)``; ``update`` only checks its inputs.
    """

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        self._check_contexts(contexts)
        k = contexts.shape[1]
        return (self.rng.uniform() * k).long().clamp_max(k - 1)

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        self._check_update(contexts, actions, rewards)
