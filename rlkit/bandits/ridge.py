"""Batched ridge-regression state shared by the linear bandit agents.

``V = lam I + sum_s x_s x_s^T`` (a :class:`rlkit.linalg.Covariance` with ``batch_shape=(B,)``),
``b = sum_s r_s x_s`` and ``theta_hat = V^{-1} b``, all ``(B, d)``; ``t`` counts observations. ``theta_hat`` is
updated recursively (``O(d)`` per run) and re-solved exactly whenever the covariance refreshes.
"""

from __future__ import annotations

import torch

from rlkit.linalg import Covariance


class Ridge:
    """Batched ridge regression ``theta_hat = V^{-1} b`` with ``V = lam I + sum x x^T``: ``theta, b: (B, d)``."""

    def __init__(self, n_runs: int, dim: int, lam: float, device, dtype):
        self.cov = Covariance(dim, (n_runs,), lam=lam, device=device, dtype=dtype)
        self.b = torch.zeros(n_runs, dim, device=device, dtype=dtype)
        self.theta = torch.zeros(n_runs, dim, device=device, dtype=dtype)
        self.t = 0
        self._refreshes = 0

    def update(self, x: torch.Tensor, r: torch.Tensor, weight: torch.Tensor | float | None = None,
               samples: int = 1) -> None:
        """Add observations ``x: (B, d)``, ``r: (B,)`` (optionally weighted: ``(B,)`` or one number for every run;
        zero weight = no update).

        ``samples``: how many observations the update stands for (``n`` repeats of ``x`` are one update of
        weight ``n`` with their mean reward); ``t`` advances by it."""
        residual = r - torch.linalg.vecdot(x, self.theta)  # prediction error of the old estimate
        self.cov.update(x, weight)
        if weight is None:
            self.b = torch.addcmul(self.b, r.unsqueeze(-1), x)
        else:
            w = weight if isinstance(weight, float) else weight.unsqueeze(-1)
            self.b = torch.addcmul(self.b, w * r.unsqueeze(-1), x)
        if self.cov.last_gain is not None and self.cov.n_refreshes == self._refreshes:
            # recursive least squares: theta_new = theta + w V_new^-1 x (r - x . theta), O(d) per run
            self.theta = torch.addcmul(self.theta, self.cov.last_gain, residual.unsqueeze(-1))
        else:  # after a refresh or a rank-k update: exact solve
            self.theta = self.cov.solve(self.b)
            self._refreshes = self.cov.n_refreshes
        self.t += samples
