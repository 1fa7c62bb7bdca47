"""MTLR-OFUL: multitask low-rank OFUL for linear representations (after Hu, Chen, Jin, Li, Wang, ICML 2021).

Paper: "Near-optimal Representation Learning for Linear Bandits and Linear RL" (arXiv 2102.04132). Setting: ``M``
linear bandits in ``R^d`` whose parameters share a ``k``-dimensional subspace, ``theta_i = B w_i`` with ``B in
R^{d x k}`` orthonormal; the stated regret is ``O~(M sqrt(dkT) + d sqrt(kMT))`` against ``O~(M d sqrt(T))`` for
independent OFUL. Its algorithm, as we read it: per round, (1) the rank-``k`` least-squares estimate
``Theta_hat = B_hat W_hat = argmin sum_i sum_s (<x_{s,i}, B w_i> - y_{s,i})^2``; (2) the confidence set
``sum_i ||theta_i - theta_hat_i||^2_{V_i} <= L_t`` with ``V_i = lam I + sum_s x_{s,i} x_{s,i}^T``; (3) joint
optimism ``argmax_{x, Theta in C_t} sum_i <x_i, theta_i>``. The paper's text was not re-read for this baseline:
the steps are from memory, and these parts are ours:

* step (1) by alternating least squares on the sufficient statistics ``G_i = sum x x^T``, ``c_i = sum y x``
  (``w_i`` by ridge given ``B``; ``B`` from the ``dk x dk`` normal equations ``sum_i (w_i w_i^T kron G_i)
  vec(B) = vec(sum_i c_i w_i^T)`` given ``W``; ``B`` re-orthonormalised by QR), ``als_steps`` sweeps per round,
  warm-started, ridge ``lam`` on both factors; a non-convex problem, so a local minimum;
* the rank constraint is dropped inside the set (a block ellipsoid: larger, still optimistic), so step (3) is the
  same joint optimism as GFUCB's (:mod:`rlkit.gfucb.joint_optimism`: exact enumeration when ``K^g <=
  max_joint``, the separable relaxation otherwise);
* ``L_t``: ``theory=True`` takes the multihead radius of :func:`rlkit.gfucb.gfucb.theory_beta` with the
  linear class's ``log N(Phi) = d k log(1 + 4 S / alpha)`` (the order ``Mk + dk`` of Hu et al.'s radius, our
  constants) plus ``lam g S^2``; ``theory=False`` a constant radius ``alpha`` (``L_t = alpha^2``).

Shapes: contexts ``(B, M, K, d)``, ``G: (B, M, d, d)``, ``B_hat: (B, G, d, k)``, ``W_hat: (B, M, k)``, actions
``(B, M)``. ``group_size`` as in :class:`rlkit.agents.multitask.MultitaskBanditAgent`.
"""

from __future__ import annotations

import math

import torch

from rlkit.agents.multitask import MultitaskBanditAgent
from rlkit.agents.ridge import Ridge
from rlkit.core.checks import (
    RLKitError,
    check_int,
    check_nonnegative,
    check_open_unit,
    check_positive,
    check_radius_choice,
)
from rlkit.core.registry import AGENTS
from rlkit.core.seeding import setup_normal
from rlkit.gfucb.joint_optimism import enumerate_joint, relaxed_joint
from rlkit.theory.gfucb import theory_beta


@AGENTS.register(alias="MTLR-OFUL")
class MTLROFUL(MultitaskBanditAgent):
    """MTLR-OFUL for shared linear representations (our reading of Hu et al. 2021; see the module docstring).

    A rank-``k`` alternating-least-squares estimate ``Theta_hat = B_hat W_hat`` and GFUCB's joint optimism over the
    block ellipsoid around it. ``act(contexts: (B, M, K, d)) -> (B, M)``.

    The shared parameters ``n_runs``, ``n_tasks``, ``n_arms``, ``dim``, ``group_size``, ``seed``, ``device``,
    ``dtype``, ``validate`` are those of every multitask agent
    (:class:`rlkit.agents.multitask.MultitaskBanditAgent`); ``group_size = g`` shares the representation within
    groups of ``g`` tasks (``1``: independent learning).

    Parameters
    ----------
    rep_dim : int
        ``k``, the rank of the shared subspace.
    lam : float, default 1.0
        Ridge regularisation on both factors and in the ellipsoids.
    theory : bool, default True
        The multihead radius with the linear class's ``log N(Phi) = d k log(1 + 4 S / alpha)``; ``False``: ``alpha``.
    alpha : float, default None
        Constant radius when ``theory=False``.
    beta_scale : float, default 1.0
        Multiplies the theory radius.
    sigma : float, default 1.0
        Reward noise level in the theory radius (``for_env``: the environment's).
    S : float, default 1.0
        Bound on the heads' norms ``||theta_i||`` (``for_env``: the environment's).
    delta : float, default 0.01
        Confidence level of the theory radius.
    als_steps : int, default 2
        Alternating-least-squares sweeps per round (warm-started).
    max_joint : int, default 4096
        The largest ``K^g`` enumerated exactly by the joint optimism.
    n_eta : int, default 16
        Grid points of the separable relaxation's minimisation.
    """

    def __init__(self, n_runs: int, n_tasks: int, n_arms: int, dim: int, *, rep_dim: int,
                 group_size: int | None = None, lam: float = 1.0, theory: bool = True, alpha: float | None = None,
                 beta_scale: float = 1.0, sigma: float = 1.0, S: float = 1.0, delta: float = 0.01, als_steps: int = 2,
                 max_joint: int = 4096, n_eta: int = 16, seed=0, device=None, dtype=None, validate: bool = True):
        super().__init__(n_runs, n_tasks, n_arms, dim, group_size=group_size, seed=seed, device=device, dtype=dtype,
                         validate=validate)
        self.rep_dim = check_int("rep_dim", rep_dim)
        if self.rep_dim > self.dim:
            raise RLKitError(f"rep_dim must be <= dim = {self.dim}, got {rep_dim}")
        self.lam = check_positive("lam", lam)
        self.theory, self.alpha = check_radius_choice(theory, alpha)
        self.beta_scale = check_positive("beta_scale", beta_scale)
        self.sigma = check_nonnegative("sigma", sigma)
        self.S = check_nonnegative("S", S)
        self.delta = check_open_unit("delta", delta)
        self.als_steps = check_int("als_steps", als_steps)
        self.joint = self.n_arms ** self.group_size <= check_int("max_joint", max_joint)
        self.n_eta = check_int("n_eta", n_eta, 2)
        self.ridge = Ridge((self.n_runs, self.n_tasks), self.dim, self.lam, self.device, self.dtype)
        init = setup_normal(self.rng, "init")(self.n_groups, self.dim, self.rep_dim).to(self.device, self.dtype)
        self.B_hat = torch.linalg.qr(init).Q  # (B, G, d, k)
        self.W_hat = torch.zeros(self.n_runs, self.n_tasks, self.rep_dim, device=self.device, dtype=self.dtype)

    env_constants = ("sigma", "S")

    @classmethod
    def for_env(cls, env, *, rounds, seed, device=None, dtype=None, **params):
        params.setdefault("rep_dim", env.theory_params()["k"])
        return super().for_env(env, rounds=rounds, seed=seed, device=device, dtype=dtype, **params)

    def beta(self) -> float:
        """``L_t`` of the current round."""
        if not self.theory:
            return self.alpha**2
        n = max(self.group_size * self.ridge.t, 1)
        log_n_phi = self.dim * self.rep_dim * math.log1p(4.0 * self.S * n)
        raw = theory_beta(self.ridge.t, self.group_size, self.rep_dim, log_n_phi, self.sigma, self.S, 1.0,
                          self.delta)
        return self.beta_scale * raw + self.lam * self.group_size * self.S**2

    def thetas(self) -> torch.Tensor:
        """The low-rank estimate ``theta_hat_i = B_hat w_i``, ``(B, M, d)``."""
        B_rep = self.B_hat.repeat_interleave(self.group_size, dim=1)  # (B, M, d, k)
        return (B_rep @ self.W_hat.unsqueeze(-1)).squeeze(-1)

    def _als(self) -> None:
        Bn, G, g, d, k = self.n_runs, self.n_groups, self.group_size, self.dim, self.rep_dim
        gram = (self.ridge.cov.matrix - self.lam * torch.eye(d, device=self.device, dtype=self.dtype))
        gram = gram.reshape(Bn, G, g, d, d)
        c = self.ridge.b.reshape(Bn, G, g, d)
        eye_k = torch.eye(k, device=self.device, dtype=self.dtype)
        eye_dk = torch.eye(d * k, device=self.device, dtype=self.dtype)
        Bh = self.B_hat
        for _ in range(self.als_steps):
            W = self._heads(Bh, gram, c, eye_k)
            H = torch.einsum("bgia,bgic,bgipq->bgapcq", W, W, gram).reshape(Bn, G, k * d, k * d)  # rows (a, p)
            rhs = torch.einsum("bgip,bgia->bgap", c, W).reshape(Bn, G, k * d)
            vec = torch.linalg.solve(H + self.lam * eye_dk, rhs.unsqueeze(-1)).squeeze(-1)
            Bh = torch.linalg.qr(vec.reshape(Bn, G, k, d).transpose(-1, -2)).Q
        self.B_hat, self.W_hat = Bh, self._heads(Bh, gram, c, eye_k).reshape(Bn, self.n_tasks, k)

    def _heads(self, Bh, gram, c, eye_k) -> torch.Tensor:
        """Ridge heads given the map: ``w_i = (B^T G_i B + lam I)^{-1} B^T c_i``, ``(Bn, G, g, k)``."""
        Bt = Bh.unsqueeze(2).transpose(-1, -2)  # (Bn, G, 1, k, d)
        return torch.linalg.solve(Bt @ gram @ Bh.unsqueeze(2) + self.lam * eye_k, Bt @ c.unsqueeze(-1)).squeeze(-1)

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        self._check_contexts(contexts)
        Bn, G, g, K = self.n_runs, self.n_groups, self.group_size, contexts.shape[2]
        a = (contexts @ self.thetas().unsqueeze(-1)).squeeze(-1).reshape(Bn, G, g, K)
        b = self.ridge.cov.inv_quad(contexts).reshape(Bn, G, g, K)
        rho = torch.full((Bn, G), self.beta(), device=self.device, dtype=self.dtype)
        _, actions = enumerate_joint(a, b, rho) if self.joint else relaxed_joint(a, b, rho, self.n_eta)
        return actions.reshape(Bn, self.n_tasks)

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        self._check_update(contexts, actions, rewards)
        self.ridge.update(self.chosen(contexts, actions), rewards.to(self.dtype))
        self._als()
