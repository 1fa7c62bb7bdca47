"""Finite linear mixture MDPs for reward-free exploration, batched over runs: the base class and three instances.

A linear mixture MDP has ``P(s'|s, a) = <phi(s'|s, a), theta*>`` with known features ``phi: (S, A, S, d)`` and an
unknown, **time-homogeneous** ``theta*`` (one for all steps ``h``; Zhang, Zhang, Gu, ICML 2023, Section 3). The
environments here are reward-free during exploration (``objective = "none"``: the feedback is zero) and expose
what the theory assumes known and what an evaluator needs:

    phi: (S, A, S, d)           features; ``features``
    (:class:`rlkit.envs.episodic.linear_mixture_features.MixtureFeatures`) psi(V: (*b, S)) -> (*b, S, A, d)   psi_V(s,
    a) = sum_s' phi(s'|s, a) V(s'), for any batch of V horizon, dim, theta_bound (B with ||theta*|| <= B), start_state
    (the fixed s_1) theta: (B, d)               theta* of each run (evaluators and tests only)
    transitions() -> (B, H, S, A, S), initial_distribution() -> (S,)   the exact model
    task_reward() -> (H, S, A)  the instance's own reward (total <= 1 on every trajectory)
    sparse_rewards() -> (S, H, S, A)   (1/H) 1{s = x} for every state x (total <= 1)
    planning_rewards(n_random) -> (B, R, H, S, A), labels   sparse + task + n_random rewards U[0, 1/H]

Instances (states are 0-based indices; the action index ``i`` of ``A = 2^(d-1)`` actions is the sign vector
``a in {-1, +1}^(d-1)`` whose ``j``-th entry is ``+1`` when bit ``j`` of ``i`` is set):

* :class:`LowerBoundMDP` (``rlkit/LowerBoundMDP-v0``): the three-state instance of the thesis's lower bound
  (W. Zhang, UCLA 2024, Section 2.6.2.2; Theorem 2.6.8). ``x1 = 0`` (start), ``x2 = 1``, ``x3 = 2``;
  ``P(x3 | x1, a) = delta + <mu, a> = 1 - P(x2 | x1, a)``, ``x2`` and ``x3`` absorbing; reward ``1/H`` in ``x3``.
  ``mu in {-Delta, +Delta}^(d-1)`` is drawn per run (uniform signs), ``delta = 1/6``,
  ``Delta = sqrt(delta / K) / (4 sqrt 2)`` for a design size ``K`` (or ``gap`` given directly).
* :class:`HardMixtureMDP` (``rlkit/HardMixtureMDP-v0``): the hard instance of Zhou, Gu, Szepesvari (COLT 2021),
  with **one** ``mu`` for all steps (time-homogeneous; the states encode time) and reward ``1/H`` per step in
  the good absorbing state. States ``x_1 .. x_H`` (indices ``0 .. H-1``, start ``x_1``), ``x_{H+1} = H`` and
  ``x_{H+2} = H + 1`` absorbing; ``P(x_{H+2} | x_h, a) = delta + <mu, a>`` with ``delta = 1/H``, else
  ``x_{h+1}``.
* :class:`MixtureRiverSwim` (``rlkit/MixtureRiverSwim-v0``): a linear-mixture RiverSwim built from its features
  (``d = 3``; the source's simulator disagrees with its features at both ends, ours cannot). "right" moves
  ``s -> (s+1, s, s-1)`` w.p. ``theta_raw = (0.9, 0.05, 0.05)``, ``0 -> (1, 0)`` w.p. ``(0.9, 0.1)``,
  ``S-1 -> (S-1, S-2)`` w.p. ``(0.95, 0.05)``; "left" moves ``s -> max(s-1, 0)``. Rewards ``r(0, left) =
  0.005/H``, ``r(S-1, right) = 1/H`` (the source's rewards scaled by ``1/H``, so totals stay <= 1). Features are
  divided by ``sqrt 3`` and ``theta* = sqrt 3 theta_raw`` so that ``||psi_V|| <= 1`` for ``V`` in ``[0, 1]``.

E1 and E2 share the feature constants ``alpha_f = (1 + Delta (d-1))^(-1/2)``,
``beta_f = (Delta / (1 + Delta (d-1)))^(1/2)`` (not HOME's ``alpha`` nor a confidence radius):
``phi(stay-bad | x, a) = (alpha_f (1 - delta), -beta_f a)``, ``phi(good | x, a) = (alpha_f delta, beta_f a)``,
absorbing ``phi(s | s, a) = (alpha_f, 0)``, ``theta* = (1 / alpha_f, mu / beta_f)``, so ``||theta*|| = 1 +
(d-1) Delta`` and ``||psi_V|| <= 1`` for ``V`` in ``[0, 1]``; valid when ``(d-1) Delta <= delta``.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from rlkit.core.checks import RLKitError, check_int, check_positive
from rlkit.core.seeding import BatchRNG
from rlkit.envs.episodic.base import FiniteEpisodicEnv, SingleEpisodicEnv
from rlkit.envs.episodic.linear_mixture_features import MixtureFeatures


def sign_actions(n: int) -> torch.Tensor:
    """The ``2^n`` sign vectors of ``{-1, +1}^n`` as a ``(2^n, n)`` float64 tensor (row ``i``: bit ``j`` set -> +1)."""
    idx = torch.arange(2**n).unsqueeze(-1)
    bits = (idx >> torch.arange(n)) & 1
    return (2.0 * bits - 1.0).to(torch.float64)


class LinearMixtureMDP(FiniteEpisodicEnv):
    """Base class of finite, time-homogeneous linear mixture MDPs (reward-free: zero feedback), batched over runs."""

    objective = "none"
    theta_bound: float = 1.0
    """An upper bound ``B`` on ``||theta*||_2`` (the theory's ``B``)."""

    def __init__(self, num_envs: int, horizon: int, phi: torch.Tensor, start_state: int = 0, device=None,
                 dtype=None):
        features = MixtureFeatures(phi, device, dtype)
        super().__init__(num_envs, features.n_states, features.n_actions, horizon, device=device, dtype=dtype)
        self.features = features
        self.phi = features.phi
        self.dim = features.dim
        self.start_state = check_int("start_state", start_state, 0)
        if self.start_state >= self.n_states:
            raise RLKitError(f"start_state must be a state in [0, {self.n_states}), got {start_state}")
        self._mu = torch.zeros(self.n_states, device=self.device, dtype=self.dtype)
        self._mu[self.start_state] = 1.0
        self.theta: torch.Tensor | None = None

    # ------------------------------------------------------------- model
    def _sample_instance(self, rng: BatchRNG) -> None:
        theta = self._sample_theta(rng).to(device=self.device, dtype=self.dtype)
        P = self.features.transitions(theta)  # (B, S, A, S)
        tol = 1e-9 if self.dtype == torch.float64 else 1e-5
        if not bool((P >= -tol).all()) or not bool(((P.sum(-1) - 1).abs() <= tol).all()):
            raise RLKitError(f"{type(self).__name__}: <phi, theta*> is not a transition kernel (min probability "
                             f"{float(P.min()):.3g}, largest row-sum error {float((P.sum(-1) - 1).abs().max()):.3g})")
        self.theta = theta
        self._P = P.clamp_min(0).unsqueeze(1).expand(self.num_envs, self.horizon, *P.shape[1:])
        self._zeros = torch.zeros(self.horizon, self.n_states, self.n_actions, device=self.device, dtype=self.dtype)

    def _sample_theta(self, rng: BatchRNG) -> torch.Tensor:  # pragma: no cover - interface
        """``theta*`` of every run, ``(B, d)``."""
        raise NotImplementedError

    def transitions(self) -> torch.Tensor:
        return self._P

    def initial_distribution(self) -> torch.Tensor:
        return self._mu

    def objective_table(self) -> torch.Tensor:
        """Zero: exploration is reward-free (the rewards to plan for are :meth:`planning_rewards`)."""
        return self._zeros

    def _feedback(self, states, actions, h):
        return torch.zeros(self.batch_shape, device=self.device, dtype=self.dtype), {}

    def psi(self, V: torch.Tensor) -> torch.Tensor:
        """``psi_V(s, a) = sum_s' phi(s'|s, a) V(s')``: ``V: (*b, S)`` -> ``(*b, S, A, d)``."""
        return self.features.psi(V)

    # ----------------------------------------------------------- rewards
    def task_reward(self) -> torch.Tensor:  # pragma: no cover - interface
        """The instance's own reward ``(H, S, A)``, total <= 1 on every trajectory."""
        raise NotImplementedError

    def sparse_rewards(self) -> torch.Tensor:
        """``(1/H) 1{s = x}`` for every state ``x`` (every step and action): ``(S, H, S, A)``."""
        H, S, A = self.horizon, self.n_states, self.n_actions
        eye = torch.eye(S, device=self.device, dtype=self.dtype) / H
        return eye[:, None, :, None].expand(S, H, S, A)

    def planning_rewards(self, n_random: int = 0) -> tuple[torch.Tensor, list[str]]:
        """The family to plan for: every sparse reward, the task reward, and ``n_random`` rewards with entries
        ``U[0, 1/H]`` drawn from each run's environment stream (the same for every agent and every call).

        Returns ``rewards: (B, R, H, S, A)`` with ``R = S + 1 + n_random`` and their labels.
        """
        if self.rng is None:
            raise RLKitError("reset(seed=...) must be called before planning_rewards()")
        n_random = check_int("n_random", n_random, 0)
        H, S, A, B = self.horizon, self.n_states, self.n_actions, self.num_envs
        fixed = torch.cat([self.sparse_rewards(), self.task_reward().unsqueeze(0)], 0)
        out = fixed.unsqueeze(0).expand(B, *fixed.shape)
        if n_random:
            draws = np.stack([g.random((n_random, H, S, A)) for g in self.rng.numpy_generators("planning_rewards")])
            random = torch.as_tensor(draws, device=self.device, dtype=self.dtype) / H
            out = torch.cat([out, random], 1)
        labels = [f"sparse x={x}" for x in range(S)] + ["task"] + [f"random {i}" for i in range(n_random)]
        return out, labels

    def theory_params(self) -> dict:
        return {**super().theory_params(), "d": self.dim, "B": self.theta_bound}


class _SignMixture(LinearMixtureMDP):
    """Shared construction of the two sign-action instances (E1 and E2): constants, features, ``theta*``."""

    def __init__(self, num_envs, n_states, horizon, dim, delta, gap, K, mu_signs, device, dtype):
        self.d = check_int("dim", dim, 2)
        self.delta = check_positive("delta", delta)
        if gap is None:
            gap = math.sqrt(self.delta / check_int("K", K)) / (4 * math.sqrt(2))
        self.gap = check_positive("gap", gap)
        if (self.d - 1) * self.gap > self.delta or self.delta + (self.d - 1) * self.gap > 1:
            raise RLKitError(f"gap must satisfy (d - 1) gap <= delta and delta + (d - 1) gap <= 1 so that the "
                             f"probabilities delta + <mu, a> lie in [0, 1]; got d = {self.d}, gap = {self.gap:.4g}, "
                             f"delta = {self.delta:.4g}")
        self.mu_signs = None if mu_signs is None else torch.as_tensor(mu_signs, dtype=torch.float64)
        if self.mu_signs is not None and (self.mu_signs.shape != (self.d - 1,) or
                                          not bool((self.mu_signs.abs() == 1).all())):
            raise RLKitError(f"mu_signs must be {self.d - 1} entries in {{-1, +1}}, got {mu_signs!r}")
        c = 1.0 + self.gap * (self.d - 1)
        self.alpha_f, self.beta_f = 1.0 / math.sqrt(c), math.sqrt(self.gap / c)
        self.theta_bound = 1.0 + (self.d - 1) * self.gap
        self.actions = sign_actions(self.d - 1)  # (A, d - 1)
        super().__init__(num_envs, horizon, self._features(n_states), 0, device, dtype)

    def _features(self, n_states: int) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def _edge(self, phi, s, bad, good):
        """Features of the step ``s -> bad`` w.p. ``1 - delta - <mu, a>`` and ``s -> good`` w.p. ``delta + <mu, a>``."""
        a = self.actions
        phi[s, :, bad, 0] = self.alpha_f * (1 - self.delta)
        phi[s, :, bad, 1:] = -self.beta_f * a
        phi[s, :, good, 0] = self.alpha_f * self.delta
        phi[s, :, good, 1:] = self.beta_f * a

    def _sample_theta(self, rng: BatchRNG) -> torch.Tensor:
        if self.mu_signs is not None:
            signs = self.mu_signs.expand(self.num_envs, self.d - 1)
        else:
            signs = torch.as_tensor(np.stack([2.0 * g.integers(0, 2, self.d - 1) - 1.0
                                              for g in rng.numpy_generators("mu")]))
        mu = self.gap * signs
        first = torch.full((self.num_envs, 1), 1.0 / self.alpha_f, dtype=torch.float64)
        return torch.cat([first, mu / self.beta_f], 1)

    @property
    def mu(self) -> torch.Tensor:
        """``mu`` of every run, ``(B, d - 1)``."""
        return self.theta[:, 1:] * self.beta_f


class LowerBoundMDP(_SignMixture):
    """The three-state lower-bound instance (Zhang 2024 thesis, Section 2.6.2.2), batched over runs."""

    def __init__(self, num_envs: int = 1, dim: int = 4, horizon: int = 10, delta: float = 1 / 6,
                 gap: float | None = None, K: int = 1000, mu_signs=None, device=None, dtype=None):
        super().__init__(num_envs, 3, horizon, dim, delta, gap, K, mu_signs, device, dtype)

    def _features(self, n_states):
        phi = torch.zeros(3, len(self.actions), 3, self.d, dtype=torch.float64)
        self._edge(phi, 0, 1, 2)
        phi[1, :, 1, 0] = self.alpha_f
        phi[2, :, 2, 0] = self.alpha_f
        return phi

    def task_reward(self) -> torch.Tensor:
        r = torch.zeros(self.horizon, 3, self.n_actions, device=self.device, dtype=self.dtype)
        r[:, 2, :] = 1.0 / self.horizon
        return r


class HardMixtureMDP(_SignMixture):
    """The Zhou-Gu-Szepesvari hard instance with one shared ``mu`` (time-homogeneous), reward ``1/H``, batched."""

    def __init__(self, num_envs: int = 1, dim: int = 4, horizon: int = 6, gap: float | None = None, K: int = 1000,
                 mu_signs=None, device=None, dtype=None):
        H = check_int("horizon", horizon)
        super().__init__(num_envs, H + 2, H, dim, 1.0 / H, gap, K, mu_signs, device, dtype)

    def _features(self, n_states):
        H = n_states - 2
        phi = torch.zeros(n_states, len(self.actions), n_states, self.d, dtype=torch.float64)
        for s in range(H):
            self._edge(phi, s, s + 1, H + 1)
        phi[H, :, H, 0] = self.alpha_f
        phi[H + 1, :, H + 1, 0] = self.alpha_f
        return phi

    def task_reward(self) -> torch.Tensor:
        r = torch.zeros(self.horizon, self.n_states, self.n_actions, device=self.device, dtype=self.dtype)
        r[:, -1, :] = 1.0 / self.horizon
        return r


class MixtureRiverSwim(LinearMixtureMDP):
    """RiverSwim as a consistent linear mixture MDP (``d = 3``, features agree with the dynamics), batched."""

    def __init__(self, num_envs: int = 1, n_states: int = 10, horizon: int = 100, p_forward: float = 0.9,
                 p_stay: float = 0.05, device=None, dtype=None):
        S = check_int("n_states", n_states, 3)
        self.p_forward = check_positive("p_forward", p_forward)
        self.p_stay = check_positive("p_stay", p_stay)
        p_back = 1.0 - self.p_forward - self.p_stay
        if p_back <= 0:
            raise RLKitError(f"p_forward + p_stay must be < 1, got {self.p_forward + self.p_stay}")
        self.theta_raw = torch.tensor([self.p_forward, self.p_stay, p_back], dtype=torch.float64)
        self.theta_bound = float(math.sqrt(3) * self.theta_raw.norm())
        e = torch.eye(3, dtype=torch.float64) / math.sqrt(3)
        phi = torch.zeros(S, 2, S, 3, dtype=torch.float64)
        for s in range(S):
            phi[s, 0, max(s - 1, 0)] = e.sum(0)  # left: deterministic
        for s in range(1, S - 1):
            phi[s, 1, s + 1], phi[s, 1, s], phi[s, 1, s - 1] = e[0], e[1], e[2]
        phi[0, 1, 1], phi[0, 1, 0] = e[0], e[1] + e[2]
        phi[S - 1, 1, S - 1], phi[S - 1, 1, S - 2] = e[0] + e[1], e[2]
        super().__init__(num_envs, horizon, phi, 0, device, dtype)

    def _sample_theta(self, rng: BatchRNG) -> torch.Tensor:
        return (math.sqrt(3) * self.theta_raw).expand(self.num_envs, 3)

    def task_reward(self) -> torch.Tensor:
        r = torch.zeros(self.horizon, self.n_states, 2, device=self.device, dtype=self.dtype)
        r[:, 0, 0] = 0.005 / self.horizon
        r[:, -1, 1] = 1.0 / self.horizon
        return r


class LowerBoundMDPEnv(SingleEpisodicEnv):
    """Single-instance ``gymnasium.make("rlkit/LowerBoundMDP-v0")`` (reward-free: reward 0)."""

    batched_class = LowerBoundMDP


class HardMixtureMDPEnv(SingleEpisodicEnv):
    """Single-instance ``gymnasium.make("rlkit/HardMixtureMDP-v0")`` (reward-free: reward 0)."""

    batched_class = HardMixtureMDP


class MixtureRiverSwimEnv(SingleEpisodicEnv):
    """Single-instance ``gymnasium.make("rlkit/MixtureRiverSwim-v0")`` (reward-free: reward 0)."""

    batched_class = MixtureRiverSwim
