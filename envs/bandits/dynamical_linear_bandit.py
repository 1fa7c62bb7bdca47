"""Dynamical linear bandit (Mussi, Metelli, Restelli, ICML 2023, "Dynamical Linear Bandits", Sec. 2).

A hidden state ``x_t in R^n`` (``x_0 = 0``) evolves under the played action ``u_t in U subset R^d``::

    y_t     = <omega, x_t> + <theta, u_t> + eta_t       (reward, produced before the state moves)
    x_{t+1} = A x_t + B u_t + eps_t

``U`` is a finite action set (``K`` rows); the learner only sees ``y_t``. The authors' MIMO form
``y_t = 1^T (C x_t + D u_t + eta_t)`` is the same system with ``omega = C^T 1`` and ``theta = D^T 1``; its
scalar reward noise is the sum of ``m`` independent ``N(0, s^2)`` terms. Noise here: ``eps_t ~ N(0, s^2 I_n)``
and ``eta_t ~ N(0, m s^2)`` (``m = 1`` in the ``omega, theta`` form), ``s = noise``.

Steady state: a constant action ``u`` earns ``J(u) = <h, u>`` per round in the long run, with the cumulative
Markov parameter ``h = theta + B^T (I - A)^{-T} omega``; the optimal policy plays ``u* = argmax_U <h, u>``
forever and ``J* = <h, u*>``.

``info`` per round (each ``(B,)``):

* ``expected_reward``: ``E[y_t | x_t, u_t] = <omega, x_t> + <theta, u_t>``, the transient-aware mean given the
  realised hidden state;
* ``steady_state_reward``: ``J(u_t) = <h, u_t>``, the steady-state value of the action played;
* ``optimal_expected_reward``: ``J*``.

Three regret curves are declared (``regret_terms``): ``regret = sum (J* - E[y_t | x_t, u_t])``,
``realised_regret = T J* - sum y_t`` (the paper's regret before expectation) and
``steady_state_regret = sum (J* - <h, u_t>)`` (the pseudo-regret the authors plot: no transients, no noise).

Observations are the action set as contexts ``(B, K, d)``, so every linear bandit agent plugs in unchanged.
Noise comes from the runs' environment streams in fixed blocks indexed by round, so run ``i`` sees the same
noise at round ``t`` whatever agent plays it and however its rounds are stepped (one at a time or held, see
:meth:`DynamicalLinearBandit.step_held`): common random numbers.

Shapes: ``A: (n, n)``, ``B: (n, d)``, ``omega: (n,)``, ``theta: (d,)``, ``actions: (K, d)``, state ``(B, n)``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from rlkit.core.checks import RLKitError, check_choice, check_int, check_nonnegative
from rlkit.core.seeding import BatchRNG
from rlkit.envs.bandits.base import BatchedBanditEnv, SingleBanditEnv

_NOISE_BLOCK = 256  # rounds of noise drawn at a time (fixed, so the draws are indexed by round)
_PHI_HORIZON = 2000  # powers of A scanned for Phi(A) = sup_tau ||A^tau||_2 / rho(A)^tau

# The experiments' systems (authors' configuration files, Sec. 6 of the paper).
SYNTHETIC = {
    "A": [[0.2, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.1]],
    "B": [[0.45, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.1]],
    "C": [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.1]],
    "D": [[0.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 0.1]],
}
ADVERTISING = {
    "A": [[0.38, 0.33, 0.6], [0.07, 0.76, -0.54], [0.18, 0.34, 0.05]],
    "B": [[0.14, 0.34, -0.05], [-0.17, 0.03, -0.01], [0.04, -0.09, 0.17]],
    "C": [[0.25, -0.14, 0.01], [-0.55, 0.2, -0.13], [-0.31, -0.1, -0.01]],
    "D": [[0.11, 0.1, 0.01], [0.01, 0.36, 0.01], [0.01, -0.05, 0.0]],
}
ADVERTISING_EXPERT_SPEND = (1641952.0, 259591273.0, 716354611.0)
"""Real spend of the advertising campaigns the expert allocation is built from (see :func:`budget_allocation`)."""


def permutation_actions(values=(1.0, 0.5, 0.0)) -> np.ndarray:
    """The distinct permutations of ``values`` as a ``(K, d)`` action set (the experiments' 6 allocations)."""
    perms = sorted(set(itertools.permutations(float(v) for v in values)), reverse=True)
    return np.asarray(perms, dtype=np.float64)


def budget_allocation(spend, total: float = 1.5, cap: float = 1.0) -> np.ndarray:
    """An expert's allocation from observed spend: shares of ``spend``, each share capped at ``cap / total``
    with the excess spread over the uncapped ones in proportion, times ``total`` (one redistribution pass, as
    in the paper's experiment). For the advertising data this is ``(0.003, 0.497, 1.0)``."""
    p = np.asarray(spend, dtype=np.float64)
    if p.ndim != 1 or not np.all(p >= 0) or p.sum() <= 0:
        raise RLKitError(f"spend must be a non-negative 1-d array with a positive sum, got {p!r}")
    p = p / p.sum()
    clipped = p > cap / total
    p[clipped] = cap / total
    p[~clipped] *= (1.0 - p[clipped].sum()) / p[~clipped].sum()
    return p * total


def spectral_radius(A: np.ndarray) -> float:
    """``rho(A)``: the largest eigenvalue modulus (not the largest signed or complex eigenvalue)."""
    return float(np.max(np.abs(np.linalg.eigvals(A)))) if A.size else 0.0


def phi_constant(A: np.ndarray, rho: float | None = None, horizon: int = _PHI_HORIZON) -> float:
    """``Phi(A) = sup_{tau >= 0} ||A^tau||_2 / rho^tau`` (``rho`` defaults to ``rho(A)``; scanned up to ``horizon``).

    Computed on the powers of ``A / rho``. It is infinite for ``rho < rho(A)``; for ``rho = 0`` (nilpotent
    ``A``) it is 1 when ``A = 0`` and infinite otherwise; pass a bound ``rho > rho(A)`` for a finite constant.
    """
    rho_A = spectral_radius(A)
    rho = rho_A if rho is None else float(rho)
    if rho <= 0.0:
        return 1.0 if not np.any(A) else math.inf
    if rho < rho_A * (1 - 1e-12):
        return math.inf  # ||A^tau|| / rho^tau grows without bound
    M = A / rho
    P = [np.eye(A.shape[0])]
    for _ in range(horizon):
        P.append(P[-1] @ M)
    return max(1.0, float(np.linalg.norm(np.stack(P[1:]), 2, axis=(1, 2)).max()))  # one batched SVD call


def _matrix(name: str, value, shape: tuple) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise RLKitError(f"{name} must be a numeric array of shape {shape}, got {value!r}") from None
    if arr.shape != shape:
        raise RLKitError(f"{name} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise RLKitError(f"{name} must be finite, got {arr.tolist()}")
    return arr


class DynamicalLinearBandit(BatchedBanditEnv):
    """Batched dynamical linear bandit (Mussi, Metelli, Restelli 2023): a hidden linear state the actions drive.

    ``gymnasium.make_vec("rlkit/DynamicalLinearBandit-v0", num_envs=B, vectorization_mode="vector_entry_point")``;
    contexts ``(B, K, d)`` are the action set, state ``(B, n)``, rewards ``(B,)``.

    Args:
        config: ``"synthetic"`` or ``"advertising"`` for the paper's systems (``C, D`` form), or ``None`` to
            give the matrices: ``A, B`` and either ``omega, theta`` or ``C, D``.
        actions: ``(K, d)`` action set; default the 6 permutations of ``(1, 0.5, 0)``.
        noise: the noise level ``s >= 0`` (see the module docstring).

    Raises :class:`rlkit.core.checks.RLKitError` for an unstable ``A`` (``rho(A) >= 1``) or mismatched shapes.
    """

    regret_terms = {
        "regret": ("optimal_expected_reward", "expected_reward"),
        "realised_regret": ("optimal_expected_reward", "reward"),
        "steady_state_regret": ("optimal_expected_reward", "steady_state_reward"),
    }

    def __init__(self, num_envs: int = 1, config: str | None = "synthetic", *, A=None, B=None, omega=None,
                 theta=None, C=None, D=None, actions=None, noise: float = 0.01, device=None, dtype=None,
                 max_episode_steps=None):
        if config is not None:
            check_choice("config", config, ("synthetic", "advertising"))
            if any(v is not None for v in (A, B, omega, theta, C, D)):
                raise RLKitError(f"config={config!r} fixes the matrices; pass config=None to give A, B, C, D "
                                 "or A, B, omega, theta")
            A, B, C, D = ((SYNTHETIC if config == "synthetic" else ADVERTISING)[k] for k in "ABCD")
        if A is None or B is None:
            raise RLKitError("A and B must be given (or a config name)")
        A_np = np.asarray(A, dtype=np.float64)
        if A_np.ndim != 2 or A_np.shape[0] != A_np.shape[1]:
            raise RLKitError(f"A must be a square (n, n) matrix, got shape {A_np.shape}")
        n = A_np.shape[0]
        A_np = _matrix("A", A_np, (n, n))
        U = permutation_actions() if actions is None else np.asarray(actions, dtype=np.float64)
        if U.ndim != 2:
            raise RLKitError(f"actions must have shape (K, d), got {U.shape}")
        K, d = U.shape
        U = _matrix("actions", U, (K, d))
        B_np = _matrix("B", B, (n, d))
        if (omega is None) == (C is None) or (theta is None) == (D is None) or (omega is None) != (theta is None):
            raise RLKitError("give either omega and theta (reward <omega, x> + <theta, u>) or C and D "
                             "(reward 1^T (C x + D u)), not a mix")
        if C is not None:
            C_np = np.asarray(C, dtype=np.float64)
            if C_np.ndim != 2:
                raise RLKitError(f"C must have shape (m, {n}), got {C_np.shape}")
            m = C_np.shape[0]
            C_np = _matrix("C", C_np, (m, n))
            D_np = _matrix("D", D, (m, d))
            omega_np, theta_np = C_np.sum(0), D_np.sum(0)
        else:
            m = 1
            omega_np, theta_np = _matrix("omega", omega, (n,)), _matrix("theta", theta, (d,))
        rho = spectral_radius(A_np)
        if rho >= 1.0:
            raise RLKitError(f"A must be stable (spectral radius rho(A) < 1), got rho(A) = {rho:.6g}")
        super().__init__(num_envs, K, d, device, dtype, obs_bound=float(np.abs(U).max()))  # contexts = U
        self.config = config
        self.noise = check_nonnegative("noise", noise)
        self.n_state, self.n_outputs = n, m
        self.A_np, self.B_np, self.omega_np, self.theta_np, self.actions_np = A_np, B_np, omega_np, theta_np, U
        self._rho = rho
        h = theta_np + B_np.T @ np.linalg.solve((np.eye(n) - A_np).T, omega_np)
        self.h_np = h
        values = U @ h
        self._best = int(np.argmax(values))
        self._jstar = float(values[self._best])
        self._phi = None
        self._build_tensors()

    # ---------------------------------------------------------- properties
    @property
    def markov_parameter(self) -> torch.Tensor:
        """``h = theta + B^T (I - A)^{-T} omega``, ``(d,)``."""
        return torch.as_tensor(self.h_np, device=self.device, dtype=self.dtype)

    @property
    def action_set(self) -> torch.Tensor:
        """``U``, ``(K, d)``."""
        return self._U

    @property
    def optimal_arm(self) -> int:
        return self._best

    @property
    def optimal_action(self) -> torch.Tensor:
        """``u* = argmax_{u in U} <h, u>``, ``(d,)``."""
        return self._U[self._best]

    @property
    def optimal_value(self) -> float:
        """``J* = <h, u*>``."""
        return self._jstar

    def value(self, u) -> torch.Tensor:
        """Steady-state value ``J(u) = <h, u>`` of a constant action ``u: (..., d)`` (not necessarily in ``U``)."""
        return torch.as_tensor(u, device=self.device, dtype=self.dtype) @ self.markov_parameter

    @property
    def spectral_radius(self) -> float:
        """``rho(A)`` (largest eigenvalue modulus)."""
        return self._rho

    @property
    def phi_constant(self) -> float:
        """``Phi(A) = sup_tau ||A^tau||_2 / rho(A)^tau``."""
        if self._phi is None:
            self._phi = phi_constant(self.A_np, self._rho)
        return self._phi

    @property
    def reward_noise(self) -> float:
        """Standard deviation of ``eta_t``: ``s sqrt(m)``."""
        return self.noise * math.sqrt(self.n_outputs)

    def theory_params(self) -> dict:
        """Constants of the paper's bounds: ``Theta = ||theta||``, ``Omega = ||omega||``, ``Bbar = ||B||_2``,
        ``U = max ||u||``, ``rho = rho(A)``, ``phi = Phi(A)``, the noise levels ``sigma_state = s`` and
        ``sigma_reward = s sqrt(m)``; ``reward_bound = U (Theta + Omega Phi Bbar / (1 - rho))`` bounds the
        noiseless reward ``|<omega, x> + <theta, u>|``; ``S = Theta``, ``L = U``, ``sigma = sigma_reward`` for
        agents that model the reward as a plain linear bandit in ``u``."""
        Theta = float(np.linalg.norm(self.theta_np))
        Omega = float(np.linalg.norm(self.omega_np))
        Bbar = float(np.linalg.norm(self.B_np, 2))
        U = float(np.linalg.norm(self.actions_np, axis=1).max())
        return {**super().theory_params(), "Theta": Theta, "Omega": Omega, "Bbar": Bbar, "U": U,
                "rho": self._rho, "phi": self.phi_constant, "sigma_state": self.noise,
                "sigma_reward": self.reward_noise,
                "reward_bound": U * (Theta + Omega * self.phi_constant * Bbar / (1 - self._rho)),
                "S": Theta, "L": U, "sigma": self.reward_noise}

    # ------------------------------------------------------------- internals
    def _build_tensors(self) -> None:
        kw = {"device": self.device, "dtype": self.dtype}
        n = self.n_state
        self._U = torch.as_tensor(self.actions_np, **kw)
        # Per round: s = [<omega, x>, (A x)^T, 0] + [<theta, u>, (B u)^T, <h, u>] is one addmm; adding the noise
        # [eta, eps^T, 0] gives [reward, next state, <h, u>]. Action vectors use the (d, 1 + n) map and h,
        # arm indices the rows of their products with U.
        Gm = np.concatenate([self.theta_np[:, None], self.B_np.T], axis=1)  # (d, 1 + n)
        self._Gm = torch.as_tensor(Gm, **kw)
        self._h = torch.as_tensor(self.h_np, **kw)
        self._H = torch.as_tensor(self.actions_np @ self.h_np, **kw)  # (K,): <h, u>
        self._G = torch.as_tensor(self.actions_np @ Gm, **kw)  # (K, 1 + n)
        self._G_step = torch.cat([self._G, self._H.unsqueeze(1)], 1)  # (K, 2 + n)
        self._W = torch.as_tensor(np.concatenate([self.omega_np[:, None], self.A_np.T, np.zeros((n, 1))], axis=1),
                                  **kw)  # (n, 2 + n)
        self._scale = torch.full((n + 1,), self.noise, **kw)
        self._scale[0] = self.reward_noise
        self._jstar_b = torch.full((self.num_envs,), self._jstar, **kw)
        self._jstar_col = self._jstar_b.unsqueeze(1)
        self._index_shape = torch.Size([self.num_envs])
        self._build_held_tables()

    def _build_held_tables(self) -> None:
        """Linear maps of ``L <= _NOISE_BLOCK`` held rounds of an action ``u`` from state ``x_t``, for every ``L``
        at once (slices of fixed tables, so any hold length costs the same few products)::

            <omega, x_{t+k}> + <theta, u> = omega^T A^k x_t + sum_{i<k} omega^T A^{k-1-i} eps_{t+i} + c_k(u)
            x_{t+L} = A^L x_t + sum_{i<L} A^{L-1-i} eps_{t+i} + S_L B u,      S_L = sum_{m<L} A^m

        with ``c_k(u) = <theta, u> + omega^T S_k B u``. Tables (row-vector convention, ``n`` state dims,
        ``Lmax = _NOISE_BLOCK``): ``Pw: (n, Lmax)`` columns ``(A^k)^T omega``; the Toeplitz noise map
        ``Tn: (Lmax n, Lmax)`` (its top-left ``(L n, L)`` block serves ``L`` rounds); ``Cu: (d, Lmax)`` columns
        ``theta + B^T S_k^T omega`` (and per arm ``(K, Lmax)``); ``Apow: (Lmax + 1, n, n)`` holding
        ``(A^L)^T``; ``Rrev: (Lmax n, n)`` whose last ``L`` row blocks are ``(A^{L-1-i})^T``, ``i < L``;
        ``SB: (Lmax + 1, d, n)`` holding ``(S_L B)^T`` (and per arm ``(Lmax + 1, K, n)``)."""
        n, Lmax = self.n_state, _NOISE_BLOCK
        A, w = self.A_np, self.omega_np
        P = [np.eye(n)]
        for _ in range(Lmax):
            P.append(A @ P[-1])
        P = np.stack(P)  # (Lmax + 1, n, n): A^k
        wP = P[:Lmax].transpose(0, 2, 1) @ w  # (Lmax, n): (A^k)^T omega
        Tn = np.zeros((Lmax, n, Lmax))
        for i in range(Lmax):
            Tn[i, :, i + 1:] = wP[: Lmax - 1 - i].T  # column k > i: (A^{k-1-i})^T omega
        S = np.concatenate([np.zeros((1, n, n)), np.cumsum(P[:Lmax], 0)])  # (Lmax + 1, n, n): S_L
        Cu = self.theta_np[:, None] + self.B_np.T @ (S[:Lmax].transpose(0, 2, 1) @ w).T  # (d, Lmax)
        SB = (S @ self.B_np).transpose(0, 2, 1)  # (Lmax + 1, d, n): (S_L B)^T
        kw = {"device": self.device, "dtype": self.dtype}
        self._Pw = torch.as_tensor(wP.T.copy(), **kw)
        self._Tn = torch.as_tensor(Tn.reshape(Lmax * n, Lmax), **kw)
        self._Cu = torch.as_tensor(Cu, **kw)
        self._CK = torch.as_tensor(self.actions_np @ Cu, **kw)
        self._Apow = torch.as_tensor(P.transpose(0, 2, 1).copy(), **kw)
        self._Rrev = torch.as_tensor(P[:Lmax][::-1].transpose(0, 2, 1).reshape(Lmax * n, n).copy(), **kw)
        self._SB = torch.as_tensor(SB, **kw)
        self._SBK = torch.as_tensor(self.actions_np @ SB, **kw)  # (Lmax + 1, K, n)
        self._H_col = self._H.unsqueeze(1)  # (K, 1): <h, u> per arm
        self._slices: dict[int, tuple] = {}  # L -> the tables' views serving L held rounds (see _tables)
        self._optimal_held: dict[int, torch.Tensor] = {}  # n -> J* as a (B, n) view

    def _tables(self, L: int) -> tuple:
        """Views of the held tables for ``L`` rounds, made once per ``L`` (a hold length takes few values):
        ``(CK, Cu, Pw, Tn, SBK, SB, Apow, Rrev)`` sliced as :meth:`_held_block` and :meth:`_held_state` use them."""
        views = self._slices.get(L)
        if views is None:
            ns = self.n_state
            views = (self._CK[:, :L], self._Cu[:, :L], self._Pw[:, :L], self._Tn[: L * ns, :L], self._SBK[L],
                     self._SB[L], self._Apow[L], self._Rrev[(_NOISE_BLOCK - L) * ns :])
            self._slices[L] = views
        return views

    def _sample_instance(self, rng: BatchRNG) -> None:
        self._noise_rng = self.rng.stream("noise")
        self._x = torch.zeros(self.num_envs, self.n_state, device=self.device, dtype=self.dtype)
        self._buf, self._buf_block, self._round_noise = None, -1, None
        self._contexts = self._U.expand(self.num_envs, -1, -1)

    def _noise_block(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Noise of the block holding round ``t``: ``eta: (B, block)`` and ``eps: (B, block * n)`` (round-major).

        Each block is drawn once, when round ``t`` first enters it, so looking ahead inside the current block
        (:meth:`peek_held`) never changes the noise. The same draws laid out per round, ``[eta, eps^T, 0]``
        ``(B, block, 2 + n)``, serve :meth:`step` in one addition (``_round_noise``)."""
        block = self.t // _NOISE_BLOCK
        if block != self._buf_block:
            buf = self._noise_rng.normal(_NOISE_BLOCK, self.n_state + 1) * self._scale  # [eta, eps] per round
            self._buf = (buf[:, :, 0].contiguous(), buf[:, :, 1:].reshape(self.num_envs, -1))
            self._round_noise = torch.cat([buf, buf.new_zeros(self.num_envs, _NOISE_BLOCK, 1)], 2)
            self._buf_block = block
        return self._buf

    def _observe(self) -> torch.Tensor:
        return self._contexts

    def _as_actions(self, actions) -> torch.Tensor:
        """:meth:`step` plays arm indices ``(B,)``, or action vectors ``u: (B, d)`` (any ``u in R^d``, e.g. an
        expert's allocation outside the finite menu ``U``)."""
        if type(actions) is torch.Tensor and actions.dtype == torch.long and actions.device == self.device \
                and actions.shape == self._index_shape:
            return actions  # the common case, checked without a tensor operation
        actions = torch.as_tensor(actions, device=self.device)
        if actions.is_floating_point():
            if tuple(actions.shape) != (self.num_envs, self.dim):
                raise RLKitError(f"action vectors must have shape ({self.num_envs}, {self.dim}), "
                                 f"got {tuple(actions.shape)}")
            return actions.to(self.dtype)
        if tuple(actions.shape) != (self.num_envs,):
            raise RLKitError(f"actions must have shape ({self.num_envs},) (arm indices) or ({self.num_envs}, "
                             f"{self.dim}) (action vectors), got {tuple(actions.shape)}")
        return self.arm_indices(actions)

    def _step(self, actions: torch.Tensor):
        self._noise_block()
        n = self.n_state
        if actions.is_floating_point():
            g = torch.cat([actions @ self._Gm, (actions @ self._h).unsqueeze(1)], 1)
        else:
            g = self._G_step.index_select(0, actions)
        s = torch.addmm(g, self._x, self._W)  # [E[y_t | x_t, u_t], (A x_t + B u_t)^T, <h, u_t>]
        z = s + self._round_noise.select(1, self.t % _NOISE_BLOCK)  # [y_t, x_{t+1}^T, <h, u_t>]
        self._x = z.narrow(1, 1, n)  # select / narrow: the same views as indexing, at less cost per call
        info = {"expected_reward": s.select(1, 0), "optimal_expected_reward": self._jstar_b,
                "steady_state_reward": z.select(1, n + 1)}
        return z.select(1, 0), info

    # ----------------------------------------------------------- held steps
    def step_held(self, actions, n: int):
        """Play ``actions`` (``(B,)`` indices or ``(B, d)`` vectors) for ``n`` consecutive rounds in closed form.

        Returns ``(contexts, rewards: (B, n), terminations, truncations, info)`` with every ``info`` entry
        ``(B, n)`` (one column per round), equal up to rounding to ``n`` calls of :meth:`step` with the same
        noise. Each noise block costs a handful of products with slices of the tables of
        :meth:`_build_held_tables`, whatever the hold length.
        """
        if self.rng is None:
            raise RLKitError("reset() must be called before step_held()")
        n = check_int("n", n)
        actions = self._as_actions(actions)
        means, rewards = [], []
        left = n
        while left:
            L = min(left, _NOISE_BLOCK - self.t % _NOISE_BLOCK)
            try:
                mean, eta, eps = self._held_block(actions, L)
            except (IndexError, RuntimeError) as e:  # out-of-range arms fail in the first block, before any move
                raise self.arms_error(actions, e) from None
            means.append(mean)
            rewards.append(mean + eta)
            self._x = self._held_state(actions, L, eps)
            self.t += L
            left -= L
        mean = means[0] if len(means) == 1 else torch.cat(means, 1)
        rew = rewards[0] if len(rewards) == 1 else torch.cat(rewards, 1)
        if actions.is_floating_point():
            steady = (actions @ self._h).unsqueeze(1)
        else:
            steady = self._H_col.index_select(0, actions)
        optimal = self._optimal_held.get(n)
        if optimal is None:
            optimal = self._optimal_held[n] = self._jstar_col.expand(-1, n)
        info = {"expected_reward": mean, "optimal_expected_reward": optimal,
                "steady_state_reward": steady.expand(-1, n)}
        return self._observe(), rew, self._false, self._false, info

    def peek_held(self, actions, n: int) -> torch.Tensor:
        """Rewards ``(B, m)`` that holding ``actions`` would earn over the next ``m = min(n, rounds left in the
        current noise block)`` rounds, without moving the environment: the same numbers :meth:`step_held`
        (or :meth:`step`) then produces for those rounds. A rollout uses it to let an agent look ahead
        (see :mod:`rlkit.agents.bandit_loop`)."""
        if self.rng is None:
            raise RLKitError("reset() must be called before peek_held()")
        n = check_int("n", n)
        actions = self._as_actions(actions)
        try:
            mean, eta, _ = self._held_block(actions, min(n, _NOISE_BLOCK - self.t % _NOISE_BLOCK))
        except (IndexError, RuntimeError) as e:
            raise self.arms_error(actions, e) from None
        return mean + eta

    def _held_block(self, actions: torch.Tensor, L: int):
        """Means ``(B, L)``, reward noise ``(B, L)`` and flattened state noise ``(B, L n)`` of ``L`` held rounds
        from round ``t`` (``L`` within the current noise block)."""
        eta, eps = self._noise_block()
        pos, ns = self.t % _NOISE_BLOCK, self.n_state
        eps = eps.narrow(1, pos * ns, L * ns)
        CK, Cu, Pw, Tn = self._tables(L)[:4]
        c = actions @ Cu if actions.is_floating_point() else CK.index_select(0, actions)
        mean = torch.addmm(c, self._x, Pw).addmm_(eps, Tn)
        return mean, eta.narrow(1, pos, L), eps

    def _held_state(self, actions: torch.Tensor, L: int, eps: torch.Tensor) -> torch.Tensor:
        """``x_{t+L}`` ``(B, n)`` after ``L`` held rounds whose flattened state noise is ``eps: (B, L n)``."""
        SBK, SB, Apow, Rrev = self._tables(L)[4:]
        c = actions @ SB if actions.is_floating_point() else SBK.index_select(0, actions)
        return torch.addmm(c, self._x, Apow).addmm_(eps, Rrev)

    # ------------------------------------------------------ constructors
    @classmethod
    def synthetic(cls, noise: float = 0.01, **kwargs) -> DynamicalLinearBandit:
        """The paper's synthetic system: ``A = diag(.2, 0, .1)``, ``B = diag(.45, 0, .1)``, ``C = diag(1, 0, .1)``,
        ``D = diag(0, .5, .1)``; ``h = (0.5625, 0.5, 0.1111)``, ``u* = (1, .5, 0)``, ``J* = 0.8125``."""
        return cls(config="synthetic", noise=noise, **kwargs)

    @classmethod
    def advertising(cls, noise: float = 0.01, **kwargs) -> DynamicalLinearBandit:
        """The advertising model identified from real data (``rho = 0.667``); ``u* = (1, 0, .5)``, ``J* ~ 0.3046``."""
        return cls(config="advertising", noise=noise, **kwargs)


class DynamicalLinearBanditEnv(SingleBanditEnv):
    """Single-instance ``gymnasium.make("rlkit/DynamicalLinearBandit-v0")``."""

    batched_class = DynamicalLinearBandit
