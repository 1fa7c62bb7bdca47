"""Weighted value-targeted regression (VTR) on the shared :class:`rlkit.core.linalg.Covariance`, and the HOME weights.

**Weighted VTR.** For a linear mixture MDP, ``E[V(s') | s, a] = <psi_V(s, a), theta*>`` for every ``V``, so
``theta*`` is estimated by ridge regression of observed ``V(s_{h+1})`` on ``psi_V(s_h, a_h)``. With weights
``w_j = 1 / sigma_j^2``,

    Sigma = lam I + sum_j w_j phi_j phi_j^T,    b = sum_j w_j y_j phi_j,    theta_hat = Sigma^{-1} b,

the minimiser of ``lam ||theta||^2 + sum_j w_j (phi_j^T theta - y_j)^2`` (eq. 2.6.3 of W. Zhang's thesis, UCLA
2024). :class:`WeightedVTR` keeps any batch of such regressions in one object (``batch_shape = (B, 2, M)`` holds
HF-UCRL-RFE++'s hat and tilde regressions of every moment ``m`` for every run), with rank-1 or rank-k weighted
updates; a zero weight leaves a regression unchanged (masked updates).

**HOME** (high-order moment estimator; Zhou & Gu, NeurIPS 2022, Alg. 2; the thesis's Alg. 5). For the features
``phi_m = psi_{V^{2^m}}(s_h, a_h)``, ``m = 0 .. M-1``, the estimates ``theta_m`` and the covariances frozen at the
end of the previous episode (``Sigma_dot_m``), and the running covariances ``Sigma_{k,h,m}``:

    Vbar_m  = [phi_{m+1}^T theta_{m+1}]_{[0,1]} - ([phi_m^T theta_m]_{[0,1]})^2                 (m < M-1)
    E_m     = [2 beta ||phi_m||_{Sigma_dot_m^-1}]_{[0,1]} + [beta ||phi_{m+1}||_{Sigma_dot_{m+1}^-1}]_{[0,1]}
    sigma^2_m = max{ gamma^2 ||phi_m||_{Sigma_{k,h,m}^-1},  Vbar_m + E_m,  alpha^2 }
    sigma^2_{M-1} = max{ gamma^2 ||phi_{M-1}||_{Sigma_{k,h,M-1}^-1},  1,  alpha^2 }

The epistemic term uses the running matrix and the norm (not its square); ``Vbar`` squares the clipped first
moment. Only that term depends on the running matrix, so :func:`home_aleatoric` computes the rest for a whole
episode at once and :func:`home_variances` takes the maximum step by step.
"""

from __future__ import annotations

import torch

from rlkit.core.checks import RLKitError
from rlkit.core.linalg import Covariance


class WeightedVTR:
    """A batch of weighted ridge regressions ``(Sigma, b)`` on one :class:`~rlkit.core.linalg.Covariance`.

    Shapes (``*b`` = ``batch_shape``): ``update(phi: (*b, d) or (*b, k, d), target: (*b,) or (*b, k),
    weight: same as target or None)``; ``estimate() -> (*b, d)``; ``cov.inverse: (*b, d, d)``.
    """

    def __init__(self, dim: int, batch_shape: tuple[int, ...], lam: float, device=None, dtype=None):
        self.cov = Covariance(dim, batch_shape, lam=lam, device=device, dtype=dtype)
        self.dim, self.batch_shape = self.cov.dim, self.cov.batch_shape
        self.b = torch.zeros(*self.batch_shape, dim, device=self.cov.device, dtype=self.cov.dtype)

    def update(self, phi: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None) -> None:
        """Add ``w phi phi^T`` to ``Sigma`` and ``w y phi`` to ``b`` (rank 1 or rank k)."""
        if tuple(target.shape) != tuple(phi.shape[:-1]):
            raise RLKitError(f"target must have shape {tuple(phi.shape[:-1])} (one per feature vector), "
                             f"got {tuple(target.shape)}")
        self.cov.update(phi, weight)
        wy = target if weight is None else weight * target
        contrib = wy.unsqueeze(-1) * phi
        self.b = self.b + (contrib if phi.dim() == len(self.batch_shape) + 1 else contrib.sum(-2))

    def update_sequential(self, phi: torch.Tensor, target: torch.Tensor, weight_fn) -> torch.Tensor:
        """``k`` rank-1 updates in order, each weight computed from the running matrix (HOME's epistemic term):
        ``phi: (*b, k, d)``, ``target: (*b, k)``, ``weight_fn(j, phi_j: (*b, d)) -> (*b,)`` is called before update
        ``j``. ``b`` is updated once at the end; returns the weights ``(*b, k)``."""
        if tuple(target.shape) != tuple(phi.shape[:-1]) or phi.dim() != len(self.batch_shape) + 2:
            raise RLKitError(f"phi must have shape (*b, k, d) and target (*b, k), got {tuple(phi.shape)} and "
                             f"{tuple(target.shape)}")
        w = torch.empty_like(target)
        for j in range(phi.shape[-2]):
            x = phi[..., j, :]
            wj = weight_fn(j, x)
            self.cov.update(x, wj)
            w[..., j] = wj
        self.b = self.b + ((w * target).unsqueeze(-1) * phi).sum(-2)
        return w

    def estimate(self) -> torch.Tensor:
        """``theta_hat = Sigma^{-1} b``, ``(*b, d)``."""
        return self.cov.solve(self.b)


def inv_norm(x: torch.Tensor, inverse: torch.Tensor) -> torch.Tensor:
    """``||x||_{A^{-1}} = sqrt(x^T A^{-1} x)`` for ``x: (..., d)`` and ``inverse: (..., d, d)`` (broadcast)."""
    return ((x.unsqueeze(-2) @ inverse).squeeze(-2) * x).sum(-1).clamp_min(0).sqrt()


def home_aleatoric(phi: torch.Tensor, theta: torch.Tensor, frozen_inverse: torch.Tensor, beta) -> torch.Tensor:
    """HOME's variance estimate plus its error, ``Vbar_m + E_m`` for ``m < M-1`` and ``1`` for ``m = M-1``.

    ``phi: (..., M, d)``, ``theta: (..., M, d)``, ``frozen_inverse: (..., M, d, d)`` broadcastable; ``beta`` a
    float or a tensor broadcastable to ``(...,)``. Returns ``(..., M)``.
    """
    beta = torch.as_tensor(beta, device=phi.device, dtype=phi.dtype)
    if beta.dim():
        beta = beta.unsqueeze(-1)
    pred = (phi * theta).sum(-1).clamp(0.0, 1.0)  # (..., M)
    width = inv_norm(phi, frozen_inverse)  # (..., M) frozen norms
    vbar = pred[..., 1:] - pred[..., :-1] ** 2
    err = (2.0 * beta * width[..., :-1]).clamp(0.0, 1.0) + (beta * width[..., 1:]).clamp(0.0, 1.0)
    last = torch.ones_like(pred[..., :1])
    return torch.cat([vbar + err, last], -1)


def home_variances(aleatoric: torch.Tensor, running_norm: torch.Tensor, alpha: float, gamma: float) -> torch.Tensor:
    """``sigma^2 = max{gamma^2 ||phi||_{Sigma_{k,h}^-1}, aleatoric, alpha^2}`` (all ``(..., M)``)."""
    return torch.maximum(gamma**2 * running_norm, aleatoric).clamp_min(alpha**2)
