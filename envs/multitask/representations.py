"""Finite classes of representations ``Phi = {phi_1, ..., phi_P}``, ``phi_j: R^p -> R^k``, batched over runs.

The multitask representation bandits draw their true ``phi*`` from such a class (one per run) and give the
class to learners that assume it is known (exact finite-class GFUCB): the environment knows ``phi*``'s
index, the learner only the class. Every class maps contexts ``x: (B, M, K, p)`` (runs, tasks, actions,
context dimension) to the features of every candidate, ``(B, P, M, K, k)``; :meth:`select` gives one
candidate per run, ``(B, M, K, k)``.

* :class:`RandomMLPClass`: ``phi_j(x) = tanh(W2_j relu(W1_j x + b1_j)) / sqrt(k)`` (``||phi_j(x)|| <= 1``),
  Gaussian weights ``W1 ~ N(0, 1)`` (contexts have unit norm), ``b1 ~ N(0, 1/4)``, ``W2 ~ N(0, 2/h)``;
  weights ``(B, P, p, h)``, ``(B, P, h)``, ``(B, P, h, k)``.
* :class:`LinearMapClass`: ``phi_j(x) = B_j^T x`` with ``B_j in R^{p x k}`` orthonormal columns (Haar,
  from the QR of a Gaussian matrix); ``B: (B, P, p, k)``. The MTLR-OFUL setting.
* :class:`IdentityClass`: ``Phi = {x -> x}`` (``P = 1``, ``k = p``): with ``M = 1`` exact GFUCB is LinUCB.
"""

from __future__ import annotations

import math

import torch

from rlkit.core.checks import RLKitError, check_int


class RepresentationClass:
    """Base class: sizes, shape checks and per-run selection; subclasses implement :meth:`features`."""

    def __init__(self, n_runs: int, n_candidates: int, dim: int, rep_dim: int):
        self.n_runs = check_int("n_runs", n_runs)
        self.n_candidates = check_int("n_candidates", n_candidates)
        self.dim = check_int("dim", dim)
        self.rep_dim = check_int("rep_dim", rep_dim)

    def __call__(self, contexts: torch.Tensor) -> torch.Tensor:
        """Features of every candidate: ``(B, M, K, p) -> (B, P, M, K, k)``."""
        if contexts.dim() != 4 or contexts.shape[0] != self.n_runs or contexts.shape[-1] != self.dim:
            raise RLKitError(f"contexts must have shape ({self.n_runs}, M, K, {self.dim}), got {tuple(contexts.shape)}")
        return self.features(contexts)

    def features(self, contexts: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def select(self, contexts: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Features of candidate ``index[b]`` in run ``b``: ``(B, M, K, p), (B,) -> (B, M, K, k)``."""
        full = self(contexts)
        return full[torch.arange(self.n_runs, device=full.device), index]


class RandomMLPClass(RepresentationClass):
    """``P`` random one-hidden-layer tanh/relu networks per run (weights drawn from ``normal(shape)``, a
    function returning standard normal ``(B, *shape)`` draws, e.g. :meth:`rlkit.core.seeding.BatchRNG.normal`)."""

    def __init__(self, normal, n_runs: int, n_candidates: int, dim: int, rep_dim: int, hidden: int = 32,
                 device=None, dtype=torch.float64):
        super().__init__(n_runs, n_candidates, dim, rep_dim)
        self.hidden = check_int("hidden", hidden)
        P, p, h, k = self.n_candidates, self.dim, self.hidden, self.rep_dim
        self.W1 = normal(P, p, h).to(device, dtype)
        self.b1 = 0.5 * normal(P, h).to(device, dtype)
        self.W2 = math.sqrt(2.0 / h) * normal(P, h, k).to(device, dtype)
        self._W1_flat = self.W1.permute(0, 2, 1, 3).reshape(n_runs, p, P * h)  # every candidate in one matmul
        self._b1_flat = self.b1.reshape(n_runs, 1, P * h)

    def features(self, contexts: torch.Tensor) -> torch.Tensor:
        B, M, K, p = contexts.shape
        P, h = self.n_candidates, self.hidden
        pre = torch.baddbmm(self._b1_flat, contexts.reshape(B, M * K, p), self._W1_flat)  # (B, MK, P h)
        hidden = torch.relu(pre).reshape(B, M * K, P, h).transpose(1, 2)  # (B, P, MK, h)
        out = torch.tanh(hidden @ self.W2) / math.sqrt(self.rep_dim)  # (B, P, MK, k)
        return out.reshape(B, P, M, K, self.rep_dim)

    def select(self, contexts: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        B, M, K, p = contexts.shape
        runs = torch.arange(B, device=contexts.device)
        x = contexts.reshape(B, M * K, p)
        hidden = torch.relu(x @ self.W1[runs, index] + self.b1[runs, index].unsqueeze(-2))
        out = torch.tanh(hidden @ self.W2[runs, index]) / math.sqrt(self.rep_dim)
        return out.reshape(B, M, K, self.rep_dim)


class LinearMapClass(RepresentationClass):
    """``P`` random orthonormal ``p x k`` maps per run, ``phi_j(x) = B_j^T x``."""

    def __init__(self, normal, n_runs: int, n_candidates: int, dim: int, rep_dim: int, device=None,
                 dtype=torch.float64):
        super().__init__(n_runs, n_candidates, dim, rep_dim)
        if self.rep_dim > self.dim:
            raise RLKitError(f"rep_dim must be <= dim for a linear representation, got {rep_dim} > {dim}")
        q, r = torch.linalg.qr(normal(self.n_candidates, self.dim, self.rep_dim).to(device, torch.float64))
        self.maps = (q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)).to(dtype)  # Haar

    def features(self, contexts: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bmkp,bjpr->bjmkr", contexts, self.maps)


class IdentityClass(RepresentationClass):
    """The one-element class ``{x -> x}`` (``P = 1``, ``k = p``)."""

    def __init__(self, n_runs: int, dim: int):
        super().__init__(n_runs, 1, dim, dim)

    def features(self, contexts: torch.Tensor) -> torch.Tensor:
        return contexts.unsqueeze(1)
