"""The uniform random policy: every action with probability 1/A at every state and step (a baseline)."""

from __future__ import annotations

import torch

from rlkit.agents.episodic import EpisodicAgent
from rlkit.core.registry import AGENTS


@AGENTS.register()
class UniformPolicy(EpisodicAgent):
    """Uniform random policy on a finite episodic MDP (baseline); policy table ``(B, *t, H, S, A)`` = 1/A."""

    def __init__(self, n_runs: int, n_states: int, n_actions: int, horizon: int, **kwargs):
        super().__init__(n_runs, n_states, n_actions, horizon, **kwargs)
        self._table = torch.full((*self.batch_shape, self.horizon, self.n_states, self.n_actions),
                                 1.0 / self.n_actions, device=self.device, dtype=self.dtype)

    def _policy_table(self) -> torch.Tensor:
        return self._table
