"""D-LinUCB (Russac, Vernade, Cappe, NeurIPS 2019, "Weighted Linear Bandits for Non-Stationary
Environments", Algorithm 1): LinUCB on exponentially discounted least squares.

With discount ``gamma in (0, 1)`` every run keeps (Alg. 1, in the normalised form of Sec. 3)::

    V_t  = gamma V_{t-1}    + x x^T + (1 - gamma)   lam I     (= lam I + sum_s gamma^{t-s} x_s x_s^T)
    Vt_t = gamma^2 Vt_{t-1} + x x^T + (1 - gamma^2) lam I     (= lam I + sum_s gamma^{2(t-s)} x_s x_s^T)
    b_t  = gamma b_{t-1} + r x,     theta_hat = V_t^{-1} b_t

and plays ``argmax_a <x_a, theta_hat> + beta_{t-1} ||x_a||_{V^{-1} Vt V^{-1}}`` with (``theory=True``)::

    beta_t = sqrt(lam) S + sigma sqrt(2 log(1/delta) + d log(1 + L^2 (1 - gamma^{2t}) / (lam d (1 - gamma^2))))

The discounted matrices are not of the form ``lam I + sum w x x^T`` with a fixed ``lam`` once normalised, so
they are kept explicitly and ``V^{-1}`` is recomputed each round (``d x d``, batched).
The discounting is real for every ``gamma`` (the dynamical-bandit authors' "log T" variant did not discount).
``theory=False`` uses a constant radius ``alpha``.

Shapes: ``contexts: (B, K, d)``, ``actions: (B,)``, ``rewards: (B,)``, ``V, Vt: (B, d, d)``, ``b: (B, d)``.
"""

from __future__ import annotations

import math

import torch

from rlkit.bandits.base import BanditAgent
from rlkit.bandits.dynlin_ucb import resolve_lam
from rlkit.bandits.hold import check_radius_choice
from rlkit.checks import check_int, check_nonnegative, check_open_unit, check_positive
from rlkit.registry import AGENTS


@AGENTS.register("DLinUCB")
class DLinUCB(BanditAgent):
    def __init__(self, n_runs: int, n_arms: int, dim: int, *, gamma: float, lam=1.0, horizon: int | None = None,
                 theory: bool = True, alpha: float | None = None, sigma: float = 1.0, S: float = 1.0,
                 L: float = 1.0, delta: float = 0.01, seed=0, device=None, dtype=None, validate: bool = True):
        super().__init__(n_runs, n_arms, dim, seed=seed, device=device, dtype=dtype, validate=validate)
        self.gamma = check_open_unit("gamma", gamma)
        self.horizon = None if horizon is None else check_int("horizon", horizon)
        self.lam = resolve_lam(lam, self.horizon)
        self.theory, self.alpha = check_radius_choice(theory, alpha)
        self.sigma, self.S = check_nonnegative("sigma", sigma), check_nonnegative("S", S)
        self.L, self.delta = check_positive("L", L), check_open_unit("delta", delta)
        eye = torch.eye(self.dim, device=self.device, dtype=self.dtype)
        # V and Vt stacked, (B, 2, d, d): one discounting step updates both.
        self._VV = (self.lam * eye).expand(self.n_runs, 2, -1, -1).clone()
        self._disc = torch.tensor([self.gamma, self.gamma**2], device=self.device, dtype=self.dtype)[:, None, None]
        self._reg = ((1.0 - self._disc) * self.lam) * eye  # (2, d, d)
        self.b = torch.zeros(self.n_runs, self.dim, device=self.device, dtype=self.dtype)
        self.theta = torch.zeros_like(self.b)
        self._Q = (eye / self.lam).expand(self.n_runs, -1, -1).clone()  # V^-1 Vt V^-1
        self.t = 0

    @property
    def V(self) -> torch.Tensor:
        """``V_t``, ``(B, d, d)``."""
        return self._VV[:, 0]

    @property
    def Vt(self) -> torch.Tensor:
        """``Vt_t`` (squared discounts), ``(B, d, d)``."""
        return self._VV[:, 1]

    @classmethod
    def for_env(cls, env, *, horizon, seed, device=None, dtype=None, **params):
        tp = env.theory_params()
        for key in ("sigma", "S", "L"):
            if key in tp:
                params.setdefault(key, tp[key])
        params.setdefault("horizon", horizon)
        return cls(env.num_envs, env.n_arms, env.dim, seed=seed, device=device, dtype=dtype, **params)

    def beta(self) -> float:
        """``beta_{t}`` after ``t`` updates (Alg. 1 uses ``beta_{t-1}`` in round ``t``)."""
        if not self.theory:
            return self.alpha
        g2 = self.gamma**2
        inner = 2 * math.log(1 / self.delta) + self.dim * math.log(
            1 + self.L**2 * (1 - g2**self.t) / (self.lam * self.dim * (1 - g2)))
        return math.sqrt(self.lam) * self.S + self.sigma * math.sqrt(inner)

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        self._check_contexts(contexts)
        mean = (contexts @ self.theta.unsqueeze(-1)).squeeze(-1)  # (B, K)
        width = ((contexts @ self._Q) * contexts).sum(-1).clamp_min(0).sqrt()
        return (mean + self.beta() * width).argmax(-1)

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        self._check_update(contexts, actions, rewards)
        x = self.chosen(contexts, actions)
        xx = (x.unsqueeze(-1) * x.unsqueeze(-2)).unsqueeze(1)  # (B, 1, d, d)
        self._VV = torch.addcmul(self._reg + xx, self._VV, self._disc)
        self.b = torch.addcmul(self.gamma * self.b, rewards.unsqueeze(-1), x)
        V_inv = torch.linalg.inv(self._VV[:, 0])
        self.theta = (V_inv @ self.b.unsqueeze(-1)).squeeze(-1)
        self._Q = V_inv @ self._VV[:, 1] @ V_inv
        self.t += 1
