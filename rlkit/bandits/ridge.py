"""Batched ridge-regression state shared by the linear bandit agents.

``V = lam I + sum_s x_s x_s^T`` (a :class:`rlkit.linalg.Covariance` with ``batch_shape=(B,)``),
``b = sum_s r_s x_s`` and ``theta_hat = V^{-1} b``, all ``(B, d)``; ``t`` counts updates.
"""

from __future__ import annotations

import torch

from rlkit.linalg import Covariance


class Ridge:
    def __init__(self, n_runs: int, dim: int, lam: float, device, dtype):
        self.cov = Covariance(dim, (n_runs,), lam=lam, device=device, dtype=dtype)
        self.b = torch.zeros(n_runs, dim, device=device, dtype=dtype)
        self.theta = torch.zeros(n_runs, dim, device=device, dtype=dtype)
        self.t = 0

    def update(self, x: torch.Tensor, r: torch.Tensor, weight: torch.Tensor | None = None) -> None:
        """Add observations ``x: (B, d)``, ``r: (B,)`` (optionally weighted ``(B,)``; zero weight = no update)."""
        w = 1.0 if weight is None else weight.unsqueeze(-1)
        self.cov.update(x, weight)
        self.b = self.b + w * r.unsqueeze(-1) * x
        self.theta = self.cov.solve(self.b)
        self.t += 1
