"""Batched covariance state ``V = lam I + sum_s w_s x_s x_s^T``: the hot kernel of every linear algorithm.

One object serves runs, tasks and arms alike through ``batch_shape`` (a per-arm "disjoint" model over
``B`` runs and ``K`` arms is ``batch_shape=(B, K)``). It keeps

* ``V`` itself, accumulated in float64 whatever ``dtype`` is (the source of truth for refreshes: a float32
  sum of 10^5 rank-1 terms of a bandit's concentrated contexts loses positive definiteness),
* ``V^{-1}``, updated in ``O(d^2)`` per rank-1 update by Sherman-Morrison and in ``O(d^2 k)`` per rank-k
  update by Woodbury (rank ``k >= d`` is added to ``V`` and refreshed exactly instead),
* ``log det V``, updated by the matrix-determinant lemma
  ``log det(V + w x x^T) = log det V + log(1 + w ||x||^2_{V^-1})``,

and restores ``V^{-1}`` and ``log det V`` exactly from a Cholesky factorisation of ``V`` every
``refresh_every`` updates, and earlier when a probe of the drift ``||V (V^{-1} z) - z|| / ||z||`` (checked
every ``check_every`` updates, one host read each time) exceeds both ``drift_tol`` and four times its value
right after the last refresh (the floor an exact inverse of an ill-conditioned ``V`` already has). That keeps
float32 accurate over millions of updates (see ``tests/core/test_linalg.py``, which also shows the drift without
refreshes).

Shapes (``*b`` = ``batch_shape``, ``d`` = ``dim``):
    update(x: (*b, d) or (*b, k, d), weight: (*b,) or (*b, k) or scalar)
    solve(rhs: (*b, d) or (*b, d, m)) -> same shape
    inv_norm(x: (*b, K, d)) -> (*b, K);  inv_norm(x: (*b, d)) -> (*b,)
    logdet() -> (*b,);  matrix, inverse -> (*b, d, d)
"""

from __future__ import annotations

import math

import torch

from rlkit.core.checks import RLKitError, check_int, check_positive, resolve_device_dtype


class Covariance:
    """Batched Gram matrix ``V = lam I + sum w x x^T`` with its inverse and log-determinant, kept up to date.

    Rank-1 and rank-k updates (Sherman-Morrison, Woodbury), ``solve``, ``inv_norm(x: (*b, K, d)) -> (*b, K)``,
    ``logdet() -> (*b,)``, exact Cholesky refreshes; ``batch_shape`` gives the leading axes ``*b``. See the
    module docstring for the shapes and the refresh rule.
    """

    def __init__(
        self,
        dim: int,
        batch_shape: tuple[int, ...] | int = (),
        lam: float = 1.0,
        device=None,
        dtype=None,
        refresh_every: int | None = None,
        drift_tol: float | None = None,
        check_every: int = 64,
        track_logdet: bool = True,
    ):
        self.dim = check_int("dim", dim)
        if isinstance(batch_shape, int):
            batch_shape = (batch_shape,)
        self.batch_shape = tuple(int(b) for b in batch_shape)
        self.lam = check_positive("lam", lam)
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        single = self.dtype == torch.float32
        self.refresh_every = check_int("refresh_every", refresh_every or (2048 if single else 1 << 16))
        default_tol = 3e-5 if single else 1e-10
        self.drift_tol = check_positive("drift_tol", drift_tol if drift_tol is not None else default_tol)
        self.check_every = check_int("check_every", check_every)
        eye = torch.eye(self.dim, device=self.device, dtype=self.dtype)
        self._V = (self.lam * eye.double()).expand(*self.batch_shape, self.dim, self.dim).clone()
        self._V_inv = (eye / self.lam).expand(*self.batch_shape, self.dim, self.dim).clone()
        self.track_logdet = bool(track_logdet)  # False: no running log det (two operations fewer per update)
        self._logdet = torch.full(self.batch_shape, self.dim * math.log(self.lam), device=self.device, dtype=self.dtype)
        self.n_updates = 0
        self.n_refreshes = 0
        self._baseline = 0.0  # drift right after the last refresh: the floor set by the condition number
        self._tracked = None  # (x, x._version, x^T V^-1 x) of a tracked set of vectors, see inv_quad
        self.last_gain: torch.Tensor | None = None  # (*b, d) gain of the last rank-1 update, w V^-1 x
        self._last_seen, self._last_version = None, -1
        self._since_refresh = 0
        self._since_check = 0

    # ------------------------------------------------------------------ views
    @property
    def matrix(self) -> torch.Tensor:
        """A copy of ``V``, ``(*b, d, d)`` in ``dtype`` (kept internally in float64)."""
        return self._V.to(self.dtype, copy=True)

    @property
    def inverse(self) -> torch.Tensor:
        """``V^{-1}``, ``(*b, d, d)``."""
        return self._V_inv

    def logdet(self) -> torch.Tensor:
        """``log det V``, ``(*b,)`` (``track_logdet=False``: from a Cholesky factorisation of ``V`` on each call)."""
        if not self.track_logdet:
            L = torch.linalg.cholesky(self._V)
            return (2.0 * torch.log(torch.diagonal(L, dim1=-2, dim2=-1)).sum(-1)).to(self.dtype)
        return self._logdet

    def solve(self, rhs: torch.Tensor) -> torch.Tensor:
        """``V^{-1} rhs`` for ``rhs`` of shape ``(*b, d)`` or ``(*b, d, m)``."""
        nb = len(self.batch_shape)
        if tuple(rhs.shape[:nb]) != self.batch_shape or rhs.dim() not in (nb + 1, nb + 2) or rhs.shape[nb] != self.dim:
            raise RLKitError(f"rhs must have shape {(*self.batch_shape, self.dim)} or "
                             f"{(*self.batch_shape, self.dim, '*')}, got {tuple(rhs.shape)}")
        if rhs.dim() == len(self.batch_shape) + 1:
            return (self._V_inv @ rhs.unsqueeze(-1)).squeeze(-1)
        return self._V_inv @ rhs

    def inv_norm(self, x: torch.Tensor) -> torch.Tensor:
        """``||x||_{V^{-1}} = sqrt(x^T V^{-1} x)`` for ``x`` of shape ``(*b, K, d)`` (-> ``(*b, K)``) or ``(*b, d)``."""
        return self.inv_quad(x).clamp_min(0).sqrt()

    def inv_quad(self, x: torch.Tensor) -> torch.Tensor:
        """``x^T V^{-1} x`` (no square root), same shapes as :meth:`inv_norm`.

        A set of vectors ``(*b, K, d)`` asked for twice in a row (the same, unmodified tensor: a bandit's
        fixed arms) is *tracked*: its quadratic forms are then kept up to date by each rank-1 update in
        ``O(K d)`` (``q_a -= w (x_a . u)^2 / (1 + w x . u)``, ``u = V^{-1} x``) instead of ``O(K d^2)``, and
        recomputed exactly at every refresh or rank-k update. Inference tensors (made under
        ``torch.inference_mode``) carry no version counter and are never tracked.
        """
        version = None if x.is_inference() else x._version  # inference tensors keep no version: never tracked
        if self._tracked is not None and x is self._tracked[0] and version is not None and version == self._tracked[1]:
            return self._tracked[2]
        single = x.dim() == len(self.batch_shape) + 1
        xs = x.unsqueeze(-2) if single else x
        self._check_x(xs, "x")
        q = torch.linalg.vecdot(xs @ self._V_inv, xs)
        if single:
            return q.squeeze(-1)
        if x is self._last_seen and version is not None and version == self._last_version:
            self._tracked = (x, version, q)
        self._last_seen, self._last_version = x, version
        return q

    # ---------------------------------------------------------------- updates
    def update(self, x: torch.Tensor, weight=None) -> None:
        """Add ``sum_j w_j x_j x_j^T`` to ``V``.

        ``x`` is ``(*b, d)`` (rank 1) or ``(*b, k, d)`` (rank k); ``weight`` is ``None`` (ones), a
        non-negative scalar, or a tensor ``(*b,)`` / ``(*b, k)``. Zero weights leave a batch entry unchanged,
        which is how masked (per-run or per-arm) updates are written.
        """
        rank1 = x.dim() == len(self.batch_shape) + 1
        if rank1 and x.shape[:-1] == self.batch_shape and x.shape[-1] == self.dim:
            k = 1  # the hot path: one small matrix-vector product and two rank-1 corrections
            x_col = x.unsqueeze(-1)
            u_col = self._V_inv @ x_col  # V^-1 x, (*b, d, 1)
            u = u_col.squeeze(-1)
            q = torch.linalg.vecdot(x_col, u_col, dim=-2)  # x^T V^-1 x, (*b, 1): the scalars kept as columns
            xd_col = x_col if x.dtype == torch.float64 else x_col.double()
            if weight is None:
                denom = q + 1.0
                coef_col = denom.reciprocal()
                self._V.addcmul_(xd_col, xd_col.mT)
            else:
                w1 = self._weights(weight, x.shape[:-1] + (1,), True)
                if isinstance(w1, float):
                    denom = q * w1 + 1.0
                    coef_col = denom.reciprocal().mul_(w1)
                    self._V.addcmul_(xd_col, xd_col.mT, value=w1)
                else:
                    denom = w1 * q + 1.0
                    coef_col = w1 / denom
                    self._V.addcmul_(xd_col, (xd_col * w1.double().unsqueeze(-1)).mT)
            gain = u * coef_col  # w V_old^-1 x / (1 + w x^T V_old^-1 x) = w V_new^-1 x
            self._V_inv = torch.addcmul(self._V_inv, u_col, gain.unsqueeze(-2), value=-1.0)
            if self.track_logdet:
                self._logdet = self._logdet + denom.squeeze(-1).log()
            self.last_gain = gain
            if self._tracked is not None:
                X, version, q_X = self._tracked
                s = (X @ u_col).squeeze(-1)
                self._tracked = (X, version, torch.addcmul(q_X, coef_col * s, s, value=-1.0))
        else:
            xs = x.unsqueeze(-2) if rank1 else x
            self._check_x(xs, "x")
            k = xs.shape[-2]
            self._tracked = None
            w = self._weights(weight, xs.shape[:-1], rank1)
            if isinstance(w, float):
                w = torch.full(xs.shape[:-1], w, device=self.device, dtype=self.dtype)
            wx = xs * w.unsqueeze(-1)
            self._V = self._V + wx.double().transpose(-1, -2) @ xs.double()
            self.last_gain = None
            if k >= self.dim:  # as costly as a refresh: add to V and refresh exactly
                self.n_updates += k
                self.refresh()
                return
            # Woodbury with the symmetric form: C = I + W^{1/2} X V^-1 X^T W^{1/2} (SPD for w >= 0).
            sw = w.clamp_min(0).sqrt()
            U = self._V_inv @ xs.transpose(-1, -2)  # (*b, d, k)
            C = torch.eye(k, device=self.device, dtype=self.dtype) + sw.unsqueeze(-1) * (xs @ U) * sw.unsqueeze(-2)
            L = torch.linalg.cholesky(C)
            G = torch.linalg.solve_triangular(L, (U * sw.unsqueeze(-2)).transpose(-1, -2), upper=False)  # (*b, k, d)
            self._V_inv = self._V_inv - G.transpose(-1, -2) @ G
            if self.track_logdet:
                self._logdet = self._logdet + 2.0 * torch.log(torch.diagonal(L, dim1=-2, dim2=-1)).sum(-1)
        self.n_updates += k
        self._since_refresh += k
        self._since_check += k
        if self._since_refresh >= self.refresh_every:
            self.refresh()
        elif self._since_check >= self.check_every:
            self._since_check = 0
            if float(self.drift()) > max(self.drift_tol, 4.0 * self._baseline):
                self.refresh()

    def refresh(self) -> None:
        """Recompute ``V^{-1}`` and ``log det V`` from a float64 Cholesky factorisation of ``V``."""
        L = torch.linalg.cholesky(self._V)
        self._V_inv = torch.cholesky_inverse(L).to(self.dtype)
        self._logdet = (2.0 * torch.log(torch.diagonal(L, dim1=-2, dim2=-1)).sum(-1)).to(self.dtype)
        self._since_refresh = 0
        self._since_check = 0
        self.n_refreshes += 1
        self._tracked = None
        self._baseline = float(self.drift())

    def drift(self) -> torch.Tensor:
        """Largest relative residual ``||V (V^{-1} z) - z|| / ||z||`` over the batch for a fixed probe ``z``."""
        z = torch.linspace(1.0, 2.0, self.dim, device=self.device, dtype=torch.float64)
        r = (self._V @ (self._V_inv.double() @ z.unsqueeze(-1))).squeeze(-1) - z
        return (r.norm(dim=-1) / z.norm()).max()

    # ---------------------------------------------------------------- helpers
    def _check_x(self, xs: torch.Tensor, name: str) -> None:
        nb = len(self.batch_shape)
        if xs.dim() != nb + 2 or tuple(xs.shape[:nb]) != self.batch_shape or xs.shape[-1] != self.dim:
            given = tuple(xs.shape)
            if xs.dim() >= 2 and xs.shape[-2] == 1:
                given = given[:-2] + given[-1:]
            raise RLKitError(f"{name} must have shape {(*self.batch_shape, self.dim)} or "
                             f"{(*self.batch_shape, 'k', self.dim)}, got {given}")

    def _weights(self, weight, shape, rank1: bool):
        """Weights as a ``(*b, k)`` tensor, or a float for a plain number (checked on the host, no tensor operation);
        they must be finite and non-negative (``V`` stays positive definite)."""
        if weight is None:
            return torch.ones(shape, device=self.device, dtype=self.dtype)
        if isinstance(weight, (int, float)) and not isinstance(weight, bool):
            w = float(weight)
            if not (w >= 0 and math.isfinite(w)):
                raise RLKitError(f"weight must be finite and >= 0 (V must stay positive definite), got min {w}")
            return w
        w = torch.as_tensor(weight, device=self.device, dtype=self.dtype)
        if w.dim() == 0:
            w = w.expand(shape)
        elif rank1 and tuple(w.shape) == tuple(shape[:-1]):
            w = w.unsqueeze(-1)
        if tuple(w.shape) != tuple(shape):
            raise RLKitError(f"weight must be a scalar or have shape {tuple(shape[:-1]) if rank1 else tuple(shape)}, "
                             f"got {tuple(w.shape)}")
        if w.device.type == "cpu" and not bool(((w >= 0) & torch.isfinite(w)).all()):
            raise RLKitError("weight must be finite and >= 0 (V must stay positive definite), "
                             f"got min {w.min().item()}")
        return w

    def __repr__(self) -> str:
        return (f"Covariance(dim={self.dim}, batch_shape={self.batch_shape}, lam={self.lam}, "
                f"dtype={self.dtype}, device={self.device}, n_updates={self.n_updates})")

