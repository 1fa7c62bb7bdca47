"""HF-UCRL-RFE++ (Zhang, Zhang, Gu, ICML 2023, "Optimal Horizon-Free Reward-Free Exploration for Linear Mixture
MDPs", arXiv 2303.10165), batched over runs, on finite time-homogeneous linear mixture MDPs.

Followed from W. Zhang's UCLA 2024 thesis, Chapter 2 (the algorithm, HOME and every constant; algorithm and
equation numbers below are the thesis's): Alg. 4 (exploration, lines 2-20; planning, line 23) with HOME (Alg. 5),
eqs. 2.6.1-2.6.3, Theorem 2.6.3's parameters. Per episode ``k`` (1-based; code steps ``h`` are 0-based):

* **Line 5 (oracle), our substitute.** ``(pi_k, theta_k, r_k) = argmax V_hat_{k,1}(s_1; theta, pi, r)`` over
  ``theta in U_k``, all deterministic ``pi`` and all rewards with trajectory totals in ``[0, 1]`` is assumed to be an
  oracle (Remark 2.6.2) and is not a DP (the per-step uncertainty depends on the value of the same ``pi`` under
  ``r``). We use: ``theta_k = theta_tilde_{k,0}`` (the latest m = 0 tilde estimate, not maximised over ``U_k``);
  ``r`` over a finite family ``explore_rewards`` (default: the sparse rewards ``(1/H) 1{s = x}`` of every state
  ``x``); ``pi`` over ``{pi^{r,a}}``: any first action ``a`` at ``s_1``, then the ``r``-optimal policy under
  ``theta_k`` (capped DP). The pair ``(r, a)`` with the largest ``V_hat_{k,1}(s_1)`` is played. **Exact** in ``pi``
  for a fixed ``(theta, r)`` whenever only the first step's action changes the transitions and ``r`` depends on
  the state only (the lower-bound instance with sparse rewards: ``x2``, ``x3`` absorbing); a restriction
  elsewhere. Not exact in ``theta`` (a point, not a maximisation over ``U_k``) nor in ``r`` (a finite family).
* **Line 6 / eq. 2.6.2.** ``V_tilde_{k,h} = V_h(.; theta_k, pi_k, r_k)`` with ``V_h = [r_h + <psi_{V_{h+1}},
  theta>]_{[0,1]}`` and ``V_hat_{k,h} = [u_h + 2 beta ||psi_{V_hat_{h+1}}||_{Sigma_hat_dot_0^-1} + <psi_{V_hat_{h+1}},
  theta>]_{[0,1]}``, ``u_h = min{1, beta ||psi_{V_{h+1}}||_{Sigma_tilde_dot_0^-1}}`` (eq. 2.6.1 with ``V_{h+1}``, as
  its proof uses), ``beta = beta_K``. We also clip at 0 (``<psi, theta>`` can be negative when ``theta !=
  theta*``).
* **Lines 8-19.** After the episode, for ``m = 0 .. M-1``: features ``psi_{W^{2^m}}(s_h, a_h)`` and targets
  ``W_{h+1}(s_{h+1})^{2^m}`` for ``W = V_hat`` (hat) and ``W = V_tilde`` (tilde); HOME weights
  (:mod:`rlkit.reward_free.vtr`) step by step, the epistemic term on the running matrices, the rest on the matrices and
  estimates frozen at the previous episode's end; the ``2M`` weighted regressions of all runs are one
  :class:`~rlkit.reward_free.vtr.WeightedVTR` with ``batch_shape = (B, 2, M)``.
* **Line 20.** ``U_{k+1} = U_k cap`` the ``2M`` ellipsoids ``||theta - theta_{k+1,m}||_{Sigma_dot_{k+1,m}} <= beta_k``
  around the estimates just computed (:class:`~rlkit.reward_free.confidence_set.EllipsoidIntersection`; kept for
  diagnostics, ``theta_in_set``, since our line 5 does not maximise over it).
* **Planning (line 23).** ``pi_hat_r = argmax_pi V_1(.; theta_K, pi, r)``: backward DP on ``P_{theta_K}``, values
  capped at 1, no bonus; ``theta_K`` is the ``theta`` of the last episode's line 5.
* **Stopping.** ``K = episodes`` (fixed, Cor. 2.6.4), or with ``stop_eps`` the certificate rule [ours, valid on the
  good event by Lemma 2.8.7]: a run stops before episode ``k`` once ``V_hat_{k,1}(s_1) <= eps / 4``; its data and
  ``theta_k`` are then frozen (masked updates) while the batch goes on.

Parameters: ``theory=True`` takes Theorem 2.6.3's ``M = ceil(log2(7 K H))``, ``alpha = H^{-1/2}``,
``gamma = d^{-1/4}``, ``lam = d / B^2`` and ``beta_k = 12 sqrt(d eta_k tau_k) + 30 tau_k / gamma^2 + sqrt(lam) B``
(``eta_k = log(1 + k H / (alpha^2 d lam))``, ``tau_k = log(32 (log(gamma^2/alpha) + 1) k^2 H^2 / delta)``, with
``log(gamma^2 / alpha)`` floored at 0 [ours]), all multiplied by ``beta_scale`` (they are ~2000 at small ``d``:
unscaled, every uncertainty stays at 1 for any feasible ``K``). ``M``, ``alpha``, ``gamma``, ``lam`` may be given
explicitly (e.g. ``moments = 4``, an engineering choice); ``theory=False`` uses the constant radius ``beta``.

Shapes: ``phi: (S, A, S, d)``; regressions ``(B, 2, M, d)`` (axis 1: 0 = hat, 1 = tilde); candidate values
``(B, C, H + 1, S)``; policy ``(B, H, S, A)`` one-hot; ``plan(rewards: (B, R, H, S, A)) -> (B, R, H, S, A)``.
"""

from __future__ import annotations

import math

import torch

from rlkit.core.checks import RLKitError, check_int, check_positive
from rlkit.core.registry import AGENTS
from rlkit.reward_free.base import RewardFreeAgent, at_pairs, capped_plan, pair_tables, quad
from rlkit.reward_free.confidence_set import EllipsoidIntersection
from rlkit.reward_free.vtr import WeightedVTR, home_aleatoric, home_variances
from rlkit.theory.reward_free import theory_beta, theory_constants


@AGENTS.register(alias="HF-UCRL-RFE++")
class HFUCRLRFE(RewardFreeAgent):
    """HF-UCRL-RFE++ (Zhang, Zhang, Gu 2023; thesis Alg. 4 + HOME): horizon-free reward-free exploration.

    Explores without rewards with the episodic protocol, then ``plan(rewards: (B, R, H, S, A))`` plans under the last
    estimate with values capped at 1; ``certificate()`` is ``4 V_hat_{k,1}(s_1)`` ``(B,)``. Line 5's oracle is
    replaced by a documented substitute (module docstring, with every equation and departure). Regressions
    ``(B, 2, M, d)``; policy ``(B, H, S, A)``.

    The shared parameters ``n_runs``, ``n_states``, ``n_actions``, ``horizon``, ``phi``, ``start_state``,
    ``theta_bound``, ``task_shape``, ``seed``, ``device``, ``dtype``, ``validate`` are those of every reward-free
    agent (:class:`rlkit.reward_free.RewardFreeAgent`); ``for_env`` fills them.

    Parameters
    ----------
    episodes : int, default 1000
        ``K``, which enters ``beta_k`` and the theorem's ``M`` (``for_env``: the budget).
    theory : bool, default True
        Theorem 2.6.3's ``beta_k`` (times ``beta_scale``) and constants; ``False``: the constant ``beta``.
    beta_scale : float, default 5e-4
        Multiplies the theory radius, which is about 2000 at small ``d`` (unscaled, every uncertainty stays at 1 for
        any feasible ``K``); 5e-4 makes it about 1 in value units at H = 5, K = 2000, d = 4, the specs' scale.
    beta : float, default None
        The constant radius when ``theory=False``.
    moments : int, default None
        HOME's number of moments ``M`` (``None``: the theorem's ``ceil(log2(7 K H))``; the horizon spec uses 4).
    alpha : float, default None
        HOME's variance floor (``None``: the theorem's ``H^{-1/2}``).
    gamma : float, default None
        HOME's weight on the uncertainty term of the variance bound (``None``: the theorem's ``d^{-1/4}``).
    lam : float, default None
        Ridge regularisation (``None``: the theorem's ``d / B^2``).
    delta : float, default 0.01
        Confidence level.
    explore_rewards : tensor, default None
        The finite family of rewards line 5's substitute maximises over (``None``: the sparse rewards
        ``(1/H) 1{s = x}`` of every state).
    stop_eps : float, default None
        Stop a run once ``V_hat_{k,1}(s_1) <= eps / 4`` (the certificate rule, ours); ``None``: explore all ``K``.
    confidence_set : bool, default True
        Keep the intersection of the ``2M`` ellipsoids per episode (diagnostics ``theta_in_set``; it does not
        drive decisions); ``False`` saves its memory.
    """

    def __init__(self, n_runs: int, n_states: int, n_actions: int, horizon: int, *, phi, start_state: int = 0,
                 theta_bound: float = 1.0, episodes: int = 1000, theory: bool = True, beta_scale: float = 5e-4,
                 beta: float | None = None, moments: int | None = None, alpha: float | None = None,
                 gamma: float | None = None, lam: float | None = None, delta: float = 0.01, explore_rewards=None,
                 stop_eps: float | None = None, confidence_set: bool = True, **kwargs):
        super().__init__(n_runs, n_states, n_actions, horizon, phi=phi, start_state=start_state,
                         theta_bound=theta_bound, **kwargs)
        B, H, S, A, d = self.n_runs, self.horizon, self.n_states, self.n_actions, self.dim
        self._radius_options(episodes, theory, beta, beta_scale, delta)
        c = theory_constants(d, H, self.episodes, self.theta_bound)
        self.moments = check_int("moments", moments if moments is not None else c["moments"])
        self.alpha = check_positive("alpha", alpha if alpha is not None else c["alpha"])
        self.gamma = float(c["gamma"] if gamma is None else gamma)
        if not 0 <= self.gamma < math.inf:
            raise RLKitError(f"gamma must be >= 0 and finite, got {gamma!r}")
        self.lam = check_positive("lam", lam if lam is not None else c["lam"])
        self.stop_eps = None if stop_eps is None else float(stop_eps)
        if self.stop_eps is not None and not 0 < self.stop_eps <= 1:
            raise RLKitError(f"stop_eps must lie in (0, 1] (a suboptimality of a reward with total <= 1), "
                             f"got {stop_eps!r}")
        if explore_rewards is None:
            eye = torch.eye(S, device=self.device, dtype=self.dtype) / H
            explore_rewards = eye[:, None, :, None].expand(S, H, S, A)
        self.explore_rewards = self.check_rewards(explore_rewards)[0]  # (C, H, S, A), shared by every run
        self.beta_K = self.radius(self.episodes)

        M = self.moments
        self.vtr = WeightedVTR(d, (B, 2, M), self.lam, self.device, self.dtype)
        self.frozen_inv = self.vtr.cov.inverse.clone()  # Sigma_dot^{-1}: (B, 2, M, d, d)
        self.theta_dot = torch.zeros(B, 2, M, d, device=self.device, dtype=self.dtype)
        self.confidence = EllipsoidIntersection(d, (B,), self.device, self.dtype) if confidence_set else None
        self._exponents = (2.0 ** torch.arange(M, device=self.device, dtype=self.dtype)).view(1, 1, M, 1, 1)
        self._buf = torch.zeros(3, B, H, dtype=torch.long, device=self.device)  # states, actions, next states
        self._targets = torch.zeros(B, 2, H, S, device=self.device, dtype=self.dtype)
        self.theta_plan = torch.zeros(B, d, device=self.device, dtype=self.dtype)
        self.uncertainty = torch.ones(B, device=self.device, dtype=self.dtype)  # V_hat_{k,1}(s_1) of line 5
        self.active = torch.ones(B, dtype=torch.bool, device=self.device)
        self.stopped_at = torch.zeros(B, dtype=torch.long, device=self.device)  # episodes used by stopped runs

    def radius(self, k: int) -> float:
        """``beta_k`` (1-based episode count): Theorem 2.6.3's times ``beta_scale``, or the constant ``beta``."""
        if not self.theory:
            return self.beta_const
        return self.beta_scale * theory_beta(max(int(k), 1), self.dim, self.horizon, self.theta_bound, self.delta,
                                             self.alpha, self.gamma, self.lam)

    # ----------------------------------------------------------- line 5
    def _tables(self, theta: torch.Tensor):
        """Gram tables of the frozen m = 0 hat and tilde matrices, and ``P_theta`` on next-state slots."""
        G_tilde, p = pair_tables(self.features, self.frozen_inv[:, 1, 0], theta)
        G_hat, _ = pair_tables(self.features, self.frozen_inv[:, 0, 0])
        return G_tilde, G_hat, p

    def trajectory_uncertainty(self, theta: torch.Tensor, actions: torch.Tensor, V: torch.Tensor,
                               tables=None) -> torch.Tensor:
        """``V_hat_{k,h}(s; theta, pi, r)`` of eq. 2.6.2 for deterministic policies given with their values.

        ``theta: (B, d)``, ``actions: (B, C, H, S)`` (``pi_h(s)``), ``V: (B, C, H + 1, S)`` the values
        ``V_h(.; theta, pi, r)`` -> ``V_hat: (B, C, H + 1, S)`` under the frozen matrices, radius ``beta_K``.
        """
        G_t, G_h, p = self._tables(theta) if tables is None else tables
        B, C, H, S = actions.shape
        s = torch.arange(S, device=self.device)
        idx = self.features.next_of(s, actions)  # (B, C, H, S, N)
        Gt, Gh, pp = (at_pairs(t, s, actions) for t in (G_t, G_h, p))
        v = torch.gather(V[:, :, 1:].unsqueeze(-2).expand(B, C, H, S, S), -1, idx)
        u = (self.beta_K * quad(v, Gt).sqrt()).clamp_max(1.0)  # (B, C, H, S)
        Vhat = torch.zeros_like(V)
        for h in range(H - 1, -1, -1):
            w = torch.gather(Vhat[:, :, h + 1].unsqueeze(-2).expand(B, C, S, S), -1, idx[:, :, h])
            Vhat[:, :, h] = (u[:, :, h] + 2 * self.beta_K * quad(w, Gh[:, :, h]).sqrt()
                             + (w * pp[:, :, h]).sum(-1)).clamp(0.0, 1.0)
        return Vhat

    def _policy_table(self) -> torch.Tensor:
        k = self.episode + 1
        B, A = self.n_runs, self.n_actions
        theta = self.theta_dot[:, 1, 0]  # theta_tilde_{k,0}
        C = self.explore_rewards.shape[0]
        _, Q, V = capped_plan(self.features.transitions(theta), self.explore_rewards.expand(B, -1, -1, -1, -1))
        act = Q.argmax(-1)  # (B, C, H, S): the r-optimal policy under theta
        tables = self._tables(theta)
        Vhat = self.trajectory_uncertainty(theta, act, V, tables)
        # every first action at s_1 (steps >= 2 keep the r-optimal policy)
        G_t, G_h, p = (t[:, self.start_state].unsqueeze(1) for t in tables)  # (B, 1, A, ...)
        idx = self.features.next_states[self.start_state]  # (A, N)
        v, w = V[:, :, 1][..., idx], Vhat[:, :, 1][..., idx]  # (B, C, A, N)
        u = (self.beta_K * quad(v, G_t).sqrt()).clamp_max(1.0)
        first = (u + 2 * self.beta_K * quad(w, G_h).sqrt() + (w * p).sum(-1)).clamp(0.0, 1.0)  # (B, C, A)
        first = first.reshape(B, C * A)
        flat = first.argmax(-1)  # (Tensor.max(dim) is ~1000x slower than argmax on CPU torch 2.13)
        best = first.gather(-1, flat.unsqueeze(-1)).squeeze(-1)
        c, a0 = flat // A, flat % A
        bi = torch.arange(B, device=self.device)
        self._targets = torch.stack([Vhat[bi, c, 1:], V[bi, c, 1:]], 1)  # (B, 2, H, S): hat, tilde
        pol = act[bi, c].clone()  # (B, H, S)
        pol[:, 0, self.start_state] = a0
        self.theta_plan = torch.where(self.active.unsqueeze(-1), theta, self.theta_plan)
        self.uncertainty = torch.where(self.active, best, self.uncertainty)
        if self.stop_eps is not None:
            stop = self.active & (self.uncertainty <= self.stop_eps / 4)
            self.stopped_at = torch.where(stop, torch.full_like(self.stopped_at, k - 1), self.stopped_at)
            self.active = self.active & ~stop
        return torch.nn.functional.one_hot(pol, A).to(self.dtype)

    # ------------------------------------------------------- lines 8-20
    def observe(self, states, actions, feedback, next_states, h: int) -> None:
        self._check_step(states, actions, feedback, next_states, h)
        self._buf[0, :, h], self._buf[1, :, h], self._buf[2, :, h] = states, actions, next_states

    def end_episode(self) -> None:
        k = self.episode + 1
        B, H, M = self.n_runs, self.horizon, self.moments
        beta_k = self.radius(k)
        W = self._targets.unsqueeze(2) ** self._exponents  # (B, 2, M, H, S): powers 2^m
        st, ac, nx = (x.view(B, 1, 1, H) for x in self._buf)
        phi = self.features.psi_at(W, st, ac)  # (B, 2, M, H, d)
        y = torch.gather(W, -1, nx.unsqueeze(-1).expand(B, 2, M, H, 1)).squeeze(-1)  # (B, 2, M, H)
        aleatoric = home_aleatoric(phi.transpose(2, 3), self.theta_dot.unsqueeze(2), self.frozen_inv.unsqueeze(2),
                                   beta_k).transpose(2, 3)  # (B, 2, M, H): Vbar + E on the frozen matrices
        mask = self.active.to(self.dtype).view(B, 1, 1)

        def weight(h, x):  # 1 / sigma^2 with the epistemic term on the running matrices; 0 for stopped runs
            return mask / home_variances(aleatoric[..., h], self.vtr.cov.inv_norm(x), self.alpha, self.gamma)

        self.vtr.update_sequential(phi, y, weight)
        self.theta_dot = self.vtr.estimate()
        self.frozen_inv = self.vtr.cov.inverse.clone()
        if self.confidence is not None:
            d = self.dim
            self.confidence.add(self.theta_dot.reshape(B, 2 * M, d), self.vtr.cov.matrix.reshape(B, 2 * M, d, d),
                                beta_k)

    # ---------------------------------------------------------- planning
    def _plan(self, rewards: torch.Tensor) -> torch.Tensor:
        return capped_plan(self.features.transitions(self.theta_plan), rewards)[0]

    def certificate(self) -> torch.Tensor:
        """``4 V_hat_{K,1}(s_1; theta_K, pi_K, r_K)`` (Lemma 2.8.7), with the line-5 substitute's maximiser."""
        return 4.0 * self.uncertainty

    def diagnostics(self) -> dict[str, torch.Tensor]:
        """Per-run curves besides the suboptimality: the certificate, episodes used, and ``theta_K in U_K``."""
        out = {"certificate": self.certificate(),
               "episodes_used": torch.where(self.active, torch.full_like(self.stopped_at, self.episode + 1),
                                            self.stopped_at).to(self.dtype)}
        if self.confidence is not None:
            out["theta_in_set"] = self.confidence.contains(self.theta_plan).to(self.dtype)
        return out
