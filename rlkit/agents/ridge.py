"""Batched ridge-regression state shared by the linear bandit agents.

``V = lam I + sum_s x_s x_s^T`` (a :class:`rlkit.core.linalg.Covariance` with ``batch_shape=(B,)``),
``b = sum_s r_s x_s`` and ``theta_hat = V^{-1} b``, all ``(B, d)``; ``t`` counts observations. ``theta_hat`` is
updated recursively (``O(d)`` per run) and re-solved exactly whenever the covariance refreshes. ``n_runs`` may be
a tuple of batch axes (runs x tasks, runs x candidates x tasks): every shape above then has them in front.
``track_logdet=False`` (an agent that never reads ``log det V``) skips its running update.
:meth:`refit` replaces the whole state by the ridge fit of a given data set (features that changed).
"""

from __future__ import annotations

import torch

from rlkit.core.linalg import Covariance


class Ridge:
    """Batched ridge regression ``theta_hat = V^{-1} b`` with ``V = lam I + sum x x^T``: ``theta, b: (*batch, d)``
    (``n_runs``: ``B`` or a batch shape such as ``(B, M)`` for runs x tasks)."""

    def __init__(self, n_runs: int | tuple[int, ...], dim: int, lam: float, device, dtype, track_logdet: bool = True):
        batch = tuple(n_runs) if isinstance(n_runs, tuple) else (n_runs,)
        self.cov = Covariance(dim, batch, lam=lam, device=device, dtype=dtype, track_logdet=track_logdet)
        self.b = torch.zeros(*batch, dim, device=device, dtype=dtype)
        self.theta = torch.zeros(*batch, dim, device=device, dtype=dtype)
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

    def refit(self, x: torch.Tensor, r: torch.Tensor) -> None:
        """Replace the state by the ridge fit of observations ``x: (*b, n, d)``, ``r: (*b, n)`` (exact: ``V`` rebuilt
        from the data, ``theta_hat`` solved)."""
        cov = self.cov
        self.cov = Covariance(cov.dim, cov.batch_shape, lam=cov.lam, device=cov.device, dtype=cov.dtype,
                              track_logdet=cov.track_logdet)
        if x.shape[-2]:
            self.cov.update(x)
        self.b = (x * r.unsqueeze(-1)).sum(-2)
        self.theta = self.cov.solve(self.b)
        self.t = x.shape[-2]
        self._refreshes = self.cov.n_refreshes
