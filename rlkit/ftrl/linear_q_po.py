"""Policy optimisation for adversarial linear-Q MDPs with a simulator: the shared pipeline of
:class:`~rlkit.ftrl.ftrl_logbarrier.FTRLLogBarrier` and :class:`~rlkit.ftrl.dilated_bonus_po.DilatedBonusPO`.

Both follow the linear-Q recipe of Luo, Wei, Lee (2021, arXiv 2107.08346, "Policy optimization in adversarial
MDPs: improved exploration via dilated bonuses", the linear-Q algorithm with a simulator) and differ only in the
per-state FTRL regulariser (:mod:`rlkit.ftrl.policy_steps`). **Neither paper's algorithm box could be read**
(only the abstracts: Dai et al., arXiv:2301.12942; Luo et al., arXiv:2107.08346); every line below carries a
label: [V] verified in the abstract, [S] read on the authors' talk slides, [R] reconstructed from Luo et al. as
recalled, [I] our implementation choice. Per episode ``k`` (0-based layers ``h``)::

    1. pi_k(.|s) = argmin_p <p, sum_{tau<k} (Qhat_tau - B_tau)(s, .)> + R(p) / eta  at every state   [R; R: V]
    2. play pi_k; observe l_k(s_h, a_h); L_{k,h} = sum_{h' >= h} l_k(s_{h'}, a_{h'})                   [R]
    3. Sigma_plus_{k,h} ~ (gamma I + Sigma_{k,h})^{-1}, Sigma_{k,h} = E_{pi_k}[phi(s_h,a_h) phi(s_h,a_h)^T],
       from fresh simulator roll-outs of pi_k (Geometric Resampling, :mod:`.covariance_estimators`)    [R]
    4. Qhat_k(s, a) = phi(s, a)^T w_{k,h},  w_{k,h} = Sigma_plus_{k,h} phi(s_{k,h}, a_{k,h}) L_{k,h}         [R]
    5. b_k, B_k: the dilated bonus of :mod:`.dilated_bonus` (simulator Monte Carlo at every (h, s, a))  [R; I]

Implementation [I]: ``sum_tau Qhat_tau(s, a) = phi(s, a)^T W_h`` with ``W_h = sum_tau w_{tau,h}`` (one
``d``-vector per run and layer) and ``C = sum_tau B_tau: (B, H, S, A)``, so step 1 is one batched FTRL step over
every (run, layer, state) row. The whole policy table is computed (the evaluator needs it), where Luo et al.
compute the policy lazily at visited states; the two agree wherever the lazy one is defined.

Options (plain keywords; the papers' parameter values could not be read, so ``theory=True`` is refused):

* ``estimator``: ``"gr"`` (gamma-regularised Geometric Resampling: ``n_copies`` copies of ``n_samples``
  roll-outs, step ``c``) [R], ``"mgr"`` (Neu & Olkhovskaya's MGR, ``gamma = 0``) [R], ``"empirical"`` (the
  regularised empirical covariance of ``W = 4 d log(d/delta) / gamma^2`` roll-outs, inverted: Dai et al.'s
  Algorithm 3 estimator as their talk states it, with a relative guarantee) [S], ``"exact"`` (the true
  ``(gamma I + Sigma)^{-1}`` from the simulator's exact model: an oracle for small instances) [I].
* ``eta``, ``gamma``, ``beta``, ``schedule``: each subclass has its defaults (``defaults``: its paper's schedule
  and constants tuned at K = 1000, see its docstring); an argument left ``None`` takes the subclass's value.
* ``schedule``: how ``eta`` (learning rate), ``gamma`` (covariance ridge) and ``beta`` (bonus coefficient) follow
  the number of episodes ``K``; the given values are the constants: ``"constant"`` (as given), ``"dai2023"``
  (``eta, gamma, beta = eta K^{-1/2}, gamma K^{-1}, beta K^{-1/2}``) and ``"luo2021"`` (``eta K^{-2/3},
  gamma K^{-2/3}, beta K^{-1/3}``) [S: the exponents are on the authors' slides, the constants on none. For Dai
  et al.'s gamma, slide 10 says "set beta = K^{-1/2} and eta = K^{-1/2} => we need gamma = K^{-1}", while slides 11
  and 14 print ``gamma = K^{-1/2}``, with which the slides' own bound ``beta K + 1/eta + (gamma/beta) K +
  beta/gamma`` is linear in ``K``; ``K^{-1}`` is used].
* ``bonus``: ``"mc"`` (``bonus_samples`` simulator roll-outs from every ``(h, s, a)``) [R/I], ``"dp"`` (exact
  dynamic programming on the simulator's exact model: an oracle) [I], ``"none"`` (no exploration bonus).
* ``c`` (Geometric Resampling's step) default ``1 / (1 + gamma)``, the largest that contracts for features of norm
  at most 1 [I].
* ``n_samples`` default ``ceil(ln(1 / (epsilon gamma)) / (c gamma))``: the truncation ``(1 - c gamma)^N`` of
  the Geometric Resampling mean below ``epsilon gamma`` [R: the form of Luo et al.'s ``N``, recalled].

Simulator cost per episode (per run): one call of ``n_copies * n_samples`` trajectories from ``s_1`` (``"gr"``,
``"mgr"``) and one call of ``H S A bonus_samples`` trajectories from the start points (``bonus = "mc"``).

Shapes: ``phi: (S, A, d)``; ``W: (B, H, d)``; ``C``, policy: ``(B, H, S, A)``; ``Sigma_plus: (B, H, d, d)``.
"""

from __future__ import annotations

import math

import torch

from rlkit.agents.episodic import EpisodicAgent
from rlkit.core import dp
from rlkit.core.checks import RLKitError, check_choice, check_int, check_nonnegative, check_positive
from rlkit.ftrl.covariance_estimators import (
    empirical_inverse,
    empirical_sample_size,
    exact_inverse,
    feature_covariance,
    geometric_resampling,
)
from rlkit.ftrl.dilated_bonus import bonus_table, dilated_bonus_dp, dilated_bonus_mc
from rlkit.ftrl.policy_steps import STEPS
from rlkit.ftrl.simulator import Simulator

SCHEDULES = {"constant": (0.0, 0.0, 0.0), "dai2023": (-0.5, -1.0, -0.5),
             "luo2021": (-2.0 / 3.0, -2.0 / 3.0, -1.0 / 3.0)}
"""Exponents of ``K`` (episodes) in ``(eta, gamma, beta)``: the given ``eta``, ``gamma``, ``beta`` are the constants."""


class LinearQPolicyOptimization(EpisodicAgent):
    """Base class: FTRL per state over linear-Q loss estimates minus dilated bonuses (subclasses: ``regulariser``).

    The shared pipeline of :class:`~rlkit.ftrl.ftrl_logbarrier.FTRLLogBarrier`,
    :class:`~rlkit.ftrl.dilated_bonus_po.DilatedBonusPO` and
    :class:`~rlkit.ftrl.magnitude_reduced_po.MagnitudeReducedFTRL`: the linear-Q recipe of Luo, Wei, Lee (2021)
    **as reconstructed** (the module docstring labels each line [V], [S], [R] or [I]). A subclass sets the per-state
    regulariser (``regulariser``), the paper it follows (``paper``) and the defaults of the arguments left ``None``
    (``defaults``: its schedule and the constants of ``eta``, ``gamma``, ``beta``).

    Shapes: ``phi: (S, A, d)``; ``W: (B, H, d)``; ``C`` and ``policy()``: ``(B, H, S, A)``;
    ``covariance_inverse(pi)``: ``(B, H, d, d)``. Runs without tasks (``task_shape = ()``).

    The shared parameters ``n_runs``, ``n_states``, ``n_actions``, ``horizon``, ``task_shape``, ``seed``,
    ``device``, ``dtype``, ``validate`` are those of every episodic agent (:class:`rlkit.agents.EpisodicAgent`);
    ``for_env`` fills the sizes and placement, ``phi`` and ``simulator``.

    Parameters
    ----------
    phi : torch.Tensor
        Linear-Q features ``phi(s, a)``, shape ``(S, A, d)`` (``for_env``: the environment's ``phi``).
    simulator : rlkit.ftrl.simulator.Simulator
        Simulator of the same environment, policies of shape ``(B, H, S, A)`` (``for_env``: one with its own
        random streams); used for the covariance estimate, the bonus and the exact oracles.
    episodes : int, default 1000
        ``K``, the number of episodes: the schedule scales ``eta``, ``gamma``, ``beta`` by powers of it.
    theory : bool, default False
        ``True`` is refused: the papers' parameter values could not be read.
    eta : float, default None
        Constant of the learning rate (``None``: the subclass's tuned constant); the rate used is
        ``eta K^e`` with the schedule's exponent ``e``.
    gamma : float, default None
        Constant of the covariance ridge of ``(gamma I + Sigma)^{-1}`` (``None``: the subclass's tuned constant),
        scaled by the schedule.
    beta : float, default None
        Constant of the bonus coefficient (``None``: the subclass's tuned constant), scaled by the schedule.
    estimator : {"gr", "mgr", "empirical", "exact"}, default "gr"
        Covariance-inverse estimate: gamma-regularised Geometric Resampling, Neu & Olkhovskaya's MGR (``gamma =
        0``), the inverted regularised empirical covariance, or the exact inverse from the simulator's model (an
        oracle for small instances).
    c : float, default None
        Geometric Resampling's step (``None``: ``1 / (1 + gamma)``, the largest that contracts for features of
        norm at most 1).
    n_copies : int, default 1
        Independent Geometric Resampling copies averaged (``"gr"``, ``"mgr"``).
    n_samples : int, default None
        Roll-outs per copy (``None``: ``ceil(ln(1 / (epsilon gamma)) / (c gamma))`` for ``"gr"``,
        ``4 d log(d / delta) / gamma^2`` for ``"empirical"``, none for ``"exact"``; required for ``"mgr"`` or
        ``gamma = 0``).
    epsilon : float, default 0.1
        Truncation target of the default ``n_samples``: ``(1 - c gamma)^N <= epsilon gamma``.
    bonus : {"mc", "dp", "none"}, default "mc"
        Dilated bonus by simulator Monte Carlo from every ``(h, s, a)``, by exact dynamic programming on the
        simulator's model (an oracle), or no exploration bonus.
    bonus_samples : int, default 1
        Simulator roll-outs per ``(h, s, a)`` for ``bonus = "mc"``.
    dilation : float, default None
        Dilation factor of the bonus recursion (``None``: ``1 + 1 / H``).
    delta : float, default 0.01
        Confidence level of the empirical estimator's sample size (``estimator = "empirical"``).
    schedule : {"constant", "dai2023", "luo2021"}, default None
        How ``eta``, ``gamma``, ``beta`` follow ``K`` (``None``: the subclass's own schedule): as given,
        ``(K^{-1/2}, K^{-1}, K^{-1/2})`` or ``(K^{-2/3}, K^{-2/3}, K^{-1/3})`` times the constants.
    """

    regulariser: str = ""
    paper: str = ""
    defaults: dict = {"schedule": "constant", "eta": 0.1, "gamma": 0.1, "beta": 0.01}
    """A subclass's defaults of the arguments given as ``None``: its schedule and the constants of eta, gamma, beta."""

    def __init__(self, n_runs: int, n_states: int, n_actions: int, horizon: int, *, phi: torch.Tensor,
                 simulator: Simulator, episodes: int = 1000, theory: bool = False, eta: float | None = None,
                 gamma: float | None = None, beta: float | None = None, estimator: str = "gr", c: float | None = None,
                 n_copies: int = 1, n_samples: int | None = None, epsilon: float = 0.1, bonus: str = "mc",
                 bonus_samples: int = 1, dilation: float | None = None, delta: float = 0.01,
                 schedule: str | None = None, **kwargs):
        super().__init__(n_runs, n_states, n_actions, horizon, **kwargs)
        if self.task_shape:
            raise RLKitError(f"{type(self).__name__} runs without tasks (task_shape = ()), got {self.task_shape}")
        if theory:
            raise RLKitError(f"theory=True is not available for {type(self).__name__}: the parameter values of "
                             f"{self.paper} could not be read (see the class docstring); pass theory=False "
                             "with eta, gamma, beta and the sample sizes")
        phi = torch.as_tensor(phi, device=self.device, dtype=self.dtype)
        if phi.dim() != 3 or tuple(phi.shape[:2]) != (self.n_states, self.n_actions):
            raise RLKitError(f"phi must have shape (S, A, d) = ({self.n_states}, {self.n_actions}, d), "
                             f"got {tuple(phi.shape)}")
        if not isinstance(simulator, Simulator) or simulator.policy_shape != (n_runs, horizon, n_states, n_actions):
            shape = simulator.policy_shape if isinstance(simulator, Simulator) else type(simulator).__name__
            raise RLKitError(f"simulator must be a rlkit.ftrl.simulator.Simulator of the same environment "
                             f"(policies of shape {(n_runs, horizon, n_states, n_actions)}), got {shape}")
        self.phi, self.dim, self.simulator = phi, phi.shape[-1], simulator
        self.episodes = check_int("episodes", episodes)
        given = {"schedule": schedule, "eta": eta, "gamma": gamma, "beta": beta}
        schedule, eta, gamma, beta = (self.defaults[k] if v is None else v for k, v in given.items())
        self.schedule = check_choice("schedule", schedule, tuple(SCHEDULES))
        e_eta, e_gamma, e_beta = SCHEDULES[self.schedule]  # eta, gamma, beta = constant * K^exponent
        K = self.episodes
        self.eta = check_positive("eta", eta) * K**e_eta
        self.gamma = check_nonnegative("gamma", gamma) * K**e_gamma
        self.beta = check_nonnegative("beta", beta) * K**e_beta
        self.estimator = check_choice("estimator", estimator, ("gr", "mgr", "empirical", "exact"))
        self.c = 1.0 / (1.0 + self.gamma) if c is None else check_positive("c", c)  # c (gamma + ||phi||^2) <= 1
        self.n_copies = check_int("n_copies", n_copies)
        self.epsilon = check_positive("epsilon", epsilon)
        if n_samples is not None:
            self.n_samples = check_int("n_samples", n_samples)
        elif self.estimator == "gr" and self.gamma > 0:
            self.n_samples = max(1, math.ceil(math.log(max(1.0 / (self.epsilon * self.gamma), 1.0))
                                              / (self.c * self.gamma)))
        elif self.estimator == "empirical" and self.gamma > 0:
            self.n_samples = empirical_sample_size(phi.shape[-1], self.gamma, delta)
        elif self.estimator == "exact":
            self.n_samples = 0  # no samples drawn
        else:
            raise RLKitError(f"n_samples must be given for estimator={self.estimator!r} with gamma = {self.gamma} "
                             "(the default ln(1/(epsilon gamma))/(c gamma) needs gamma > 0)")
        self.bonus = check_choice("bonus", bonus, ("mc", "dp", "none"))
        self.bonus_samples = check_int("bonus_samples", bonus_samples)
        self.dilation = 1.0 + 1.0 / self.horizon if dilation is None else check_positive("dilation", dilation)
        self._step = STEPS[self.regulariser]
        B, H, S, A = self.n_runs, self.horizon, self.n_states, self.n_actions
        to = dict(device=self.device, dtype=self.dtype)
        self.W = torch.zeros(B, H, self.dim, **to)
        self.C = torch.zeros(B, H, S, A, **to)
        self._phi_taken = torch.zeros(B, H, self.dim, **to)
        self._losses = torch.zeros(B, H, **to)

    @classmethod
    def for_env(cls, env, *, episodes: int, seed, device=None, dtype=None, **params):
        """Read ``phi`` from the environment and hand the agent a :class:`Simulator` of it (own random streams)."""
        if "phi" not in params:
            if not hasattr(env, "phi"):
                raise RLKitError(f"{cls.__name__} needs linear-Q features phi(s, a); {type(env).__name__} has no `phi`")
            params["phi"] = env.phi
        params.setdefault("simulator", Simulator(env, seed=seed, validate=params.get("validate", True)))
        return super().for_env(env, episodes=episodes, seed=seed, device=device, dtype=dtype, **params)

    # ------------------------------------------------------------ protocol
    def cumulative_losses(self) -> torch.Tensor:
        """``sum_{tau < k} (Qhat_tau - B_tau): (B, H, S, A)``, the FTRL input of the coming episode."""
        return torch.einsum("sai,bhi->bhsa", self.phi, self.W) - self.C

    def _policy_table(self) -> torch.Tensor:
        return self._step(self.cumulative_losses(), self.eta)

    def observe(self, states, actions, feedback, next_states, h: int) -> None:
        self._check_step(states, actions, feedback, next_states, h)
        if self.validate and not bool(((feedback >= 0) & (feedback <= 1)).all()):
            raise RLKitError(f"feedback must be losses in [0, 1], got values in [{float(feedback.min()):.3g}, "
                             f"{float(feedback.max()):.3g}]")
        self._phi_taken[:, h] = self.phi[states, actions]
        self._losses[:, h] = feedback

    def end_episode(self) -> None:
        pi = self.policy()
        to_go = self._losses.flip(-1).cumsum(-1).flip(-1)  # L_{k,h} (B, H)
        Sp = self.covariance_inverse(pi)  # (B, H, d, d)
        self.W += (Sp @ self._phi_taken.unsqueeze(-1)).squeeze(-1) * to_go.unsqueeze(-1)
        self.add_bonus(pi, Sp)

    def add_bonus(self, pi: torch.Tensor, Sigma_plus: torch.Tensor) -> None:
        """``C += B_k``, the dilated bonus of the episode (nothing with ``bonus = "none"``)."""
        if self.bonus != "none":
            self.C += self.dilated_bonus(pi, bonus_table(self.phi, Sigma_plus, pi, self.beta))

    # ------------------------------------------------------------ pieces
    def covariance_inverse(self, pi: torch.Tensor) -> torch.Tensor:
        """``Sigma_plus: (B, H, d, d)``, the chosen estimate of ``(gamma I + Sigma_{pi, h})^{-1}``."""
        if self.estimator == "exact":
            P, mu = self.simulator.exact_model()
            return exact_inverse(feature_covariance(dp.occupancy(P, pi, mu), self.phi), self.gamma)
        if self.estimator == "empirical":
            states, actions = self.simulator.rollout(pi, self.n_samples)  # (B, W, H)
            return empirical_inverse(self.phi[states, actions].transpose(1, 2), self.gamma)  # over (B, H, W, d)
        M, N = self.n_copies, self.n_samples
        states, actions = self.simulator.rollout(pi, M * N)  # (B, M N, H)
        feats = self.phi[states, actions].reshape(self.n_runs, M, N, self.horizon, self.dim)
        gamma = 0.0 if self.estimator == "mgr" else self.gamma
        return geometric_resampling(feats.permute(0, 3, 1, 2, 4), gamma, self.c)  # over (B, H, M, N, d)

    def dilated_bonus(self, pi: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """``B_k: (B, H, S, A)`` from the per-step bonus ``b`` (simulator Monte Carlo, or exact DP)."""
        if self.bonus == "dp":
            P, _ = self.simulator.exact_model()
            return dilated_bonus_dp(P, b, pi, self.dilation)
        return dilated_bonus_mc(self.simulator, pi, b, self.bonus_samples, self.dilation)
