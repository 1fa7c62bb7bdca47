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

Held rounds (:meth:`update_held`, and the look-ahead :meth:`keeps` of :func:`rlkit.agents.bandit_loop.run_bandit`):
``j`` rounds of the same arm ``x`` with rewards ``r_0..r_{j-1}`` unroll to::

    V_j  = gamma^j V + (1 - gamma^j) / (1 - gamma) x x^T + (1 - gamma^j) lam I      (gamma^2 for Vt)
    b_j  = gamma^j b + x sum_{i<j} gamma^{j-1-i} r_i

so the index of every arm at each of the next ``m`` rounds comes from ``(B, m, d, d)`` batched inverses.

Compared with the dynamical-bandit authors' code (github marcomussi/DLB at 7fb103e), kept ours in both variants:
their "D-Lin-UCB(log T)" (``LinearAgent(dlinucb=True)``) never discounts (plain ridge regression) and takes
DynLin-UCB's ``c1`` and ``sbar`` in its radius; their "D-Lin-UCB(1)" (``DLinUCBAgent``) discounts as here but
takes the noise level ``s`` (the reward's is ``sqrt(m) s``), ``L`` the daily budget (1.5) instead of
``max ||u||``, and the regulariser ``gamma^{-t} lam`` (within ``T (1 - gamma) = 10^-4`` of ``lam`` at their
``gamma``). rlkit's radius is Russac et al.'s with the environment's constants. Given the authors' constants
(:mod:`rlkit.dynlin_ucb.authors_constants`), rlkit's D-LinUCB gives their numbers within the confidence intervals
(``tests/dynlin_ucb/test_authors_reference.py``; numbers on docs/papers/dynlin_ucb.md).

Shapes: ``contexts: (B, K, d)``, ``actions: (B,)``, ``rewards: (B,)``, ``V, Vt: (B, d, d)``, ``b: (B, d)``.
"""

from __future__ import annotations

import math

import torch

from rlkit.agents.bandit import BanditAgent
from rlkit.agents.lookahead import first_switch
from rlkit.core.checks import (
    check_int,
    check_nonnegative,
    check_open_unit,
    check_positive,
    check_radius_choice,
    env_placement,
)
from rlkit.core.registry import AGENTS
from rlkit.dynlin_ucb.dynlin_ucb import resolve_lam


@AGENTS.register(alias="D-LinUCB")
class DLinUCB(BanditAgent):
    """D-LinUCB: LinUCB on exponentially discounted least squares (Russac, Vernade, Cappe 2019, Alg. 1).

    Russac, Vernade, Cappe (NeurIPS 2019), "Weighted Linear Bandits for Non-Stationary Environments", Algorithm 1
    in the normalised form of Sec. 3: per run, the discounted ``V_t = gamma V_{t-1} + x x^T + (1 - gamma) lam I``,
    ``Vt_t`` with ``gamma^2``, ``b_t = gamma b_{t-1} + r x``, and the play
    ``argmax_a <x_a, theta_hat> + beta_{t-1} ||x_a||_{V^{-1} Vt V^{-1}}``; a DLB baseline (Mussi, Metelli,
    Restelli, ICML 2023, Sec. 6).

    Batched over ``B`` runs: ``act(contexts: (B, K, d)) -> (B,)``, ``update(contexts, actions: (B,), rewards:
    (B,))``; state ``V, Vt: (B, d, d)``, ``b, theta: (B, d)``. Ties in the index go to the lowest arm index.

    Departures from the dynamical-bandit authors' code (github marcomussi/DLB), kept ours (details in the module
    docstring): the discounting is real for every ``gamma`` (their "log T" variant never discounts); the radius
    is Russac et al.'s with the environment's constants (theirs take the noise level ``s``, ``L`` the daily budget
    and the regulariser ``gamma^{-t} lam``).

    The shared parameters ``n_runs``, ``n_arms``, ``dim``, ``seed``, ``device``, ``dtype``, ``validate`` are those
    of every bandit agent (:class:`rlkit.agents.BanditAgent`); ``for_env`` fills the sizes and placement.

    Parameters
    ----------
    gamma : float
        The discount factor, in ``(0, 1)``.
    lam : float or "logT", default 1.0
        Regularisation ``lambda``; ``"logT"`` means ``log(rounds)``.
    rounds : int, default None
        The horizon ``T``, needed only by ``lam="logT"`` (``for_env``: the run's rounds).
    theory : bool, default True
        Use the paper's radius ``beta_t = sqrt(lam) S + sigma sqrt(2 log(1/delta) + d log(1 + L^2 (1 - gamma^{2t}) /
        (lam d (1 - gamma^2))))``; ``False`` uses the constant ``alpha``.
    alpha : float, default None
        Constant radius with ``theory=False`` (``None``: 1); refused with ``theory=True``.
    sigma : float, default 1.0
        Sub-Gaussian noise level of the rewards (``for_env``: the environment's).
    S : float, default 1.0
        Bound on ``||theta||_2`` (``for_env``: the environment's).
    L : float, default 1.0
        Bound on the actions' norm ``||x||_2`` (``for_env``: the environment's).
    delta : float, default 0.01
        Confidence level of ``beta_t``.
    """

    def __init__(self, n_runs: int, n_arms: int, dim: int, *, gamma: float, lam=1.0, rounds: int | None = None,
                 theory: bool = True, alpha: float | None = None, sigma: float = 1.0, S: float = 1.0,
                 L: float = 1.0, delta: float = 0.01, seed=0, device=None, dtype=None, validate: bool = True):
        super().__init__(n_runs, n_arms, dim, seed=seed, device=device, dtype=dtype, validate=validate)
        self.gamma = check_open_unit("gamma", gamma)
        self.rounds = None if rounds is None else check_int("rounds", rounds)
        self.lam = resolve_lam(lam, self.rounds)
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
    def for_env(cls, env, *, rounds, seed, device=None, dtype=None, **params):
        tp = env.theory_params()
        for key in ("sigma", "S", "L"):
            if key in tp:
                params.setdefault(key, tp[key])
        params.setdefault("rounds", rounds)
        return cls(env.num_envs, env.n_arms, env.dim, seed=seed, **env_placement(env, device, dtype), **params)

    def beta(self) -> float:
        """``beta_{t}`` after ``t`` updates (Alg. 1 uses ``beta_{t-1}`` in round ``t``)."""
        return self._beta_at(self.t) if self.theory else self.alpha

    def _beta_at(self, t):
        """``beta_t`` (``theory=True``) for an update count ``t``: an int, or a tensor of them."""
        lib = torch if isinstance(t, torch.Tensor) else math
        g2 = self.gamma**2
        inner = 2 * math.log(1 / self.delta) + self.dim * lib.log1p(
            self.L**2 * (1 - g2**t) / (self.lam * self.dim * (1 - g2)))
        return math.sqrt(self.lam) * self.S + self.sigma * lib.sqrt(inner)

    def _unrolled(self, x: torch.Tensor, rewards: torch.Tensor, j: torch.Tensor):
        """``(V_j, Vt_j)`` stacked ``(B, J, 2, d, d)`` and ``b_j`` ``(B, J, d)`` after ``j: (J,)`` rounds of the arm
        ``x: (B, d)`` with rewards ``rewards: (B, >= max j)`` (see the module docstring)."""
        dj = self._disc.squeeze(-1).squeeze(-1) ** j.unsqueeze(-1)  # (J, 2): gamma^j, gamma^2j
        xx = (x.unsqueeze(-1) * x.unsqueeze(-2))[:, None, None]  # (B, 1, 1, d, d)
        eye = torch.eye(self.dim, device=self.device, dtype=self.dtype)
        scale = ((1 - dj) / (1 - self._disc.view(1, 2)))[..., None, None]  # (J, 2, 1, 1)
        VV = dj[..., None, None] * self._VV.unsqueeze(1) + scale * xx + ((1 - dj) * self.lam)[..., None, None] * eye
        i = torch.arange(rewards.shape[1], device=self.device, dtype=self.dtype)
        lag = j.unsqueeze(-1) - 1 - i  # (J, n): j - 1 - i
        decay = torch.where(lag >= 0, self.gamma ** lag.clamp_min(0), torch.zeros_like(lag))
        b = dj[:, :1] * self.b.unsqueeze(1) + (rewards @ decay.T).unsqueeze(-1) * x.unsqueeze(1)
        return VV, b

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        self._check_contexts(contexts)
        mean = (contexts @ self.theta.unsqueeze(-1)).squeeze(-1)  # (B, K)
        width = torch.linalg.vecdot(contexts @ self._Q, contexts).clamp_min_(0).sqrt_()
        return (mean + self.beta() * width).argmax(-1)

    def keeps(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> int:
        """Leading rounds ``j in [1, m]`` in which every run keeps ``actions`` (just chosen by :meth:`act`), given
        the rewards ``(B, m)`` holding them would earn."""
        self._check_held(contexts, actions, rewards)
        m = rewards.shape[1]
        j = torch.arange(1, m, device=self.device, dtype=self.dtype)
        VV, b = self._unrolled(self.chosen(contexts, actions), rewards[:, :-1], j)
        V_inv = torch.linalg.inv(VV[:, :, 0])  # (B, m - 1, d, d)
        theta = (V_inv @ b.unsqueeze(-1)).squeeze(-1)
        ctx = contexts.unsqueeze(1)  # (B, 1, K, d)
        mean = (ctx @ theta.unsqueeze(-1)).squeeze(-1)  # (B, m - 1, K)
        width = ((ctx @ (V_inv @ VV[:, :, 1] @ V_inv)) * ctx).sum(-1).clamp_min(0).sqrt()
        beta = self._beta_at(self.t + j).unsqueeze(-1) if self.theory else self.alpha
        return first_switch(mean + beta * width, actions) + 1

    def update_held(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        """``n`` rounds of the same arm with rewards ``(B, n)``, in closed form."""
        self._check_held(contexts, actions, rewards)
        n = rewards.shape[1]
        j = torch.tensor([float(n)], device=self.device, dtype=self.dtype)
        VV, b = self._unrolled(self.chosen(contexts, actions), rewards, j)
        self._set(VV[:, 0], b[:, 0])
        self.t += n

    def _set(self, VV: torch.Tensor, b: torch.Tensor) -> None:
        self._VV, self.b = VV, b
        V_inv = torch.linalg.inv(VV[:, 0])
        self.theta = (V_inv @ b.unsqueeze(-1)).squeeze(-1)
        self._Q = V_inv @ VV[:, 1] @ V_inv

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        self._check_update(contexts, actions, rewards)
        x = self.chosen(contexts, actions)
        xx = (x.unsqueeze(-1) * x.unsqueeze(-2)).unsqueeze(1)  # (B, 1, d, d)
        self._set(torch.addcmul(self._reg + xx, self._VV, self._disc),
                  torch.addcmul(self.gamma * self.b, rewards.unsqueeze(-1), x))
        self.t += 1
