"""LinUCB / OFUL (Abbasi-Yadkori, Pal, Szepesvari, NeurIPS 2011, "Improved Algorithms for Linear Stochastic Bandits").

Per round, every run ``b`` plays ``argmax_a <x_{b,a}, theta_hat_b> + beta_b ||x_{b,a}||_{V_b^{-1}}`` (Alg. 1,
written with the ellipsoid's support function) and adds the played context to its ridge estimate.

``theory=True`` uses the radius of Theorem 2::

    beta_t = sigma sqrt(2 log(1/delta) + log det V_t - d log lam) + sqrt(lam) S

(``log det V_t`` maintained by :class:`rlkit.core.linalg.Covariance`; ``sigma`` the sub-Gaussian noise level and
``S >= ||theta||``, read from the environment by :meth:`for_env` when not given). ``theory=False`` uses a
constant radius ``alpha`` (the common tuned variant).

Shapes: ``contexts: (B, K, d)``, ``actions: (B,)``, ``rewards: (B,)``, ``theta_hat: (B, d)``.
Ties in the index are broken towards the lowest arm index.

Look-ahead (:meth:`keeps`, used by :func:`rlkit.agents.bandit_loop.run_bandit` on environments that can peek): the
index of every arm at each of the next ``m`` rounds of the arm just chosen comes in closed form
(:mod:`rlkit.agents.lookahead`), so the first round at which some run would switch is found at once. The
rounds kept enter the ridge state as one weighted update (``w = j``, the mean reward): the same ``V`` and
``b`` as ``j`` unit updates.
"""

from __future__ import annotations

import math

import torch

from rlkit.agents.bandit import BanditAgent
from rlkit.agents.lookahead import first_switch, repeated_arm
from rlkit.agents.ridge import Ridge
from rlkit.core.checks import check_nonnegative, check_open_unit, check_positive, check_radius_choice
from rlkit.core.registry import AGENTS


@AGENTS.register()
class LinUCB(BanditAgent):
    """LinUCB / OFUL: optimistic ridge regression over arms (Abbasi-Yadkori, Pal, Szepesvari 2011, Alg. 1, Thm 2).

    Batched over ``B`` runs: ``act(contexts: (B, K, d)) -> (B,)``, ``update(contexts, actions: (B,), rewards: (B,))``.
    ``theory=True`` (default) uses the radius of Theorem 2 with the environment's ``sigma`` and ``S``; ``alpha``
    with ``theory=False`` a constant radius. ``theta_hat``: ``ridge.theta (B, d)``. See the module docstring.

    The shared parameters ``n_runs``, ``n_arms``, ``dim``, ``seed``, ``device``, ``dtype``, ``validate`` are those
    of every bandit agent (:class:`rlkit.agents.BanditAgent`); ``for_env`` fills the sizes and placement.

    Parameters
    ----------
    lam : float, default 1.0
        Ridge regularisation ``lambda`` of ``V = lambda I + sum x x^T``.
    theory : bool, default True
        Use Theorem 2's radius ``beta_t`` (needs ``sigma``, ``S``, ``delta``); ``False`` uses ``alpha``.
    alpha : float, default None
        Constant radius when ``theory=False`` (required then; refused with ``theory=True``).
    sigma : float, default 1.0
        Sub-Gaussian noise level of the rewards (``for_env``: the environment's).
    S : float, default 1.0
        Bound on ``||theta||_2`` (``for_env``: the environment's).
    delta : float, default 0.01
        Confidence level of ``beta_t`` (the DynLin-UCB specs use ``1 / T``).
    """

    def __init__(self, n_runs: int, n_arms: int, dim: int, *, lam: float = 1.0, theory: bool = True,
                 alpha: float | None = None, sigma: float = 1.0, S: float = 1.0, delta: float = 0.01,
                 seed=0, device=None, dtype=None, validate: bool = True):
        super().__init__(n_runs, n_arms, dim, seed=seed, device=device, dtype=dtype, validate=validate)
        self.lam = check_positive("lam", lam)
        self.theory, self.alpha = check_radius_choice(theory, alpha)
        self.sigma = check_nonnegative("sigma", sigma)
        self.S = check_nonnegative("S", S)
        self.delta = check_open_unit("delta", delta)
        self.ridge = Ridge(self.n_runs, self.dim, self.lam, self.device, self.dtype)
        self._log_term = 2.0 * math.log(1.0 / self.delta) - self.dim * math.log(self.lam)
        self._radius0 = math.sqrt(self.lam) * self.S
        self._alpha_b = torch.full((self.n_runs,), self.alpha, device=self.device, dtype=self.dtype)

    @classmethod
    def for_env(cls, env, *, rounds, seed, device=None, dtype=None, **params):
        tp = env.theory_params()
        for key in ("sigma", "S"):
            if key in tp:
                params.setdefault(key, tp[key])
        return super().for_env(env, rounds=rounds, seed=seed, device=device, dtype=dtype, **params)

    def beta(self) -> torch.Tensor:
        """Confidence radius ``(B,)`` for the current round."""
        if not self.theory:
            return self._alpha_b
        inner = (self.ridge.cov.logdet() + self._log_term).clamp_min_(0)
        return inner.sqrt_().mul_(self.sigma).add_(self._radius0)

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        self._check_contexts(contexts)
        mean = (contexts @ self.ridge.theta.unsqueeze(-1)).squeeze(-1)  # (B, K)
        width = self.ridge.cov.inv_norm(contexts)  # (B, K)
        return (mean + self.beta().unsqueeze(-1) * width).argmax(-1)

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        self._check_update(contexts, actions, rewards)
        self.ridge.update(self.chosen(contexts, actions), rewards)

    def keeps(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> int:
        """Leading rounds ``j in [1, m]`` in which every run keeps ``actions`` (just chosen by :meth:`act`), given
        the rewards ``(B, m)`` holding them would earn (:mod:`rlkit.agents.lookahead`)."""
        self._check_held(contexts, actions, rewards)
        m = rewards.shape[1]
        j = torch.arange(1, m, device=self.device, dtype=self.dtype)  # updates since act, at rounds 1..m-1
        mean, quad, dlogdet = repeated_arm(self.ridge, contexts, self.chosen(contexts, actions), j,
                                           rewards[:, :-1].cumsum(1))
        if self.theory:
            inner = (self._log_term + self.ridge.cov.logdet().unsqueeze(-1) + dlogdet).clamp_min(0)
            beta = (self.sigma * inner.sqrt() + math.sqrt(self.lam) * self.S).unsqueeze(-1)
        else:
            beta = self.alpha
        return first_switch(mean + beta * quad.sqrt(), actions) + 1

    def update_held(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        """``n`` rounds of the same arm with rewards ``(B, n)``: one ridge update of weight ``n``."""
        self._check_held(contexts, actions, rewards)
        n = rewards.shape[1]
        self.ridge.update(self.chosen(contexts, actions), rewards.mean(1), float(n), samples=n)
