"""The growing intersection of confidence ellipsoids ``U_k = cap_j {theta : ||theta - c_j||_{A_j} <= r_j}``, batched.

HF-UCRL-RFE++ (W. Zhang's thesis, Alg. 4 line 20) adds ``2M`` ellipsoids per episode (one per hat and tilde
moment regression) and never removes any, so ``U_{k+1} = U_k cap {...}`` shrinks. The ellipsoids are stored in
blocks (``(*b, n, d)`` centres, ``(*b, n, d, d)`` matrices, ``(n,)`` radii) and every query is one batched
tensor expression over all of them:

    add(centers: (*b, n, d), matrices: (*b, n, d, d), radius: float or (n,))
    ratios(theta: (*b, d)) -> (*b, N)     ||theta - c_j||_{A_j} / r_j for all N stored ellipsoids
    contains(theta: (*b, d)) -> (*b,)     theta in U (every ratio <= 1, up to a relative tolerance)

Memory grows as ``O(N d^2)`` per run (``N = 2 M k`` after ``k`` episodes).
"""

from __future__ import annotations

import torch

from rlkit.core.checks import RLKitError


class EllipsoidIntersection:
    """An intersection of ellipsoids that only grows (constraints are added, never removed), batched over runs."""

    def __init__(self, dim: int, batch_shape: tuple[int, ...], device=None, dtype=torch.float64):
        self.dim, self.batch_shape = int(dim), tuple(batch_shape)
        self.device, self.dtype = device, dtype
        self._blocks: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
        self._pending: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []

    def __len__(self) -> int:
        return sum(c.shape[-2] for c, _, _ in self._blocks + self._pending)

    def add(self, centers: torch.Tensor, matrices: torch.Tensor, radius) -> None:
        """Intersect with ``n`` more ellipsoids ``{theta : ||theta - c||_A <= r}``."""
        nb = len(self.batch_shape)
        if centers.dim() != nb + 2 or tuple(centers.shape[:nb]) != self.batch_shape or centers.shape[-1] != self.dim:
            raise RLKitError(f"centers must have shape {(*self.batch_shape, 'n', self.dim)}, "
                             f"got {tuple(centers.shape)}")
        n = centers.shape[-2]
        if tuple(matrices.shape) != (*centers.shape, self.dim):
            raise RLKitError(f"matrices must have shape {(*centers.shape, self.dim)}, got {tuple(matrices.shape)}")
        r = torch.as_tensor(radius, device=centers.device, dtype=centers.dtype).expand(n)
        if not bool((r > 0).all()):
            raise RLKitError(f"radius must be > 0, got {r.min().item()}")
        self._pending.append((centers.detach().clone(), matrices.detach().clone(), r.clone()))
        if len(self._pending) >= 64:
            self._consolidate()

    def _consolidate(self) -> None:
        if self._pending:
            parts = list(zip(*self._pending))
            self._blocks.append(tuple(torch.cat(p, dim=-1 if i == 2 else len(self.batch_shape))
                                      for i, p in enumerate(parts)))
            self._pending = []

    def ratios(self, theta: torch.Tensor) -> torch.Tensor:
        """``||theta - c_j||_{A_j} / r_j`` for every stored ellipsoid: ``theta: (*b, d)`` -> ``(*b, N)``."""
        self._consolidate()
        if not self._blocks:
            return torch.zeros(*self.batch_shape, 0, device=theta.device, dtype=theta.dtype)
        out = []
        for c, A, r in self._blocks:
            diff = theta.unsqueeze(-2) - c  # (*b, n, d)
            quad = ((diff.unsqueeze(-2) @ A).squeeze(-2) * diff).sum(-1).clamp_min(0)
            out.append(quad.sqrt() / r)
        return torch.cat(out, -1)

    def contains(self, theta: torch.Tensor, rtol: float = 1e-9) -> torch.Tensor:
        """Whether ``theta`` lies in every stored ellipsoid, ``(*b,)`` bool (an empty intersection is everything)."""
        rat = self.ratios(theta)
        if rat.shape[-1] == 0:
            return torch.ones(self.batch_shape, dtype=torch.bool, device=theta.device)
        return (rat <= 1.0 + rtol).all(-1)
