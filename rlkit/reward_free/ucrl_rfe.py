"""UCRL-RFE (Zhang, Zhou, Gu, NeurIPS 2021, "Reward-Free Model-Based Reinforcement Learning with Linear Function
Approximation"), the Hoeffding-type baseline of HF-UCRL-RFE++, batched over runs on finite linear mixture MDPs.

Followed from W. Zhang's UCLA 2024 thesis, Section 2.4 (Alg. 1 PLAN, Alg. 2 UCRL-RFE), as summarised in the
project's paper notes; the exploration loop below is **reconstructed** from those notes (the thesis's text was not
available to us): per episode ``k``, with ``Sigma_{1,k}`` and ``theta_k = Sigma_{1,k}^{-1} b_{1,k}`` frozen at the
episode's start,

    u_h(s, a) = max_{f: S -> [0, H-h]} ||psi_f(s, a)||_{Sigma_{1,k}^{-1}}               (1-based h)
    r^k_h(s, a) = min{1, (2 beta / H) u_h(s, a)}                                        (exploration reward)
    pi_k = PLAN(r^k):  Q_h = [r^k_h + <psi_{V_{h+1}}, theta_k> + beta ||psi_{V_{h+1}}||_{Sigma_{1,k}^{-1}}]_{[0, H]}

and after the episode the regression adds, for every step, the maximiser ``f^k_h`` at the visited pair:
feature ``psi_{f^k_h}(s_h, a_h)``, target ``f^k_h(s_{h+1})`` (unweighted value-targeted regression, ``lam = B^-2``).
The planning phase is ``PLAN(r)`` with the final estimate. ``theory=True``: ``beta = H sqrt(d log(3 (1 + K H^3
B^2) / delta)) + 1`` (times ``beta_scale``); ``theory=False``: a constant ``beta``.

* **The maximisation over f is exact** (:func:`rlkit.reward_free.base.max_uncertainty`): ``f -> ||psi_f||`` is
  convex, so its maximum over the box is at a vertex ``(H-h) 1_T``, ``T`` a subset of the pair's (at most ``N``)
  supported next states; ``u_h = (H-h) u_1`` with one enumeration of ``2^N`` vertices per pair and episode. (The
  thesis uses an l1 surrogate over a symmetric box; we keep the original range ``[0, H-h]``.)
* **Reward scale, aligned with the horizon-free normalisation.** UCRL-RFE's setting has per-step rewards in
  ``[0, 1]`` and values in ``[0, H]``; the planning rewards here have trajectory totals in ``[0, 1]``. PLAN receives
  ``H r`` (per-step entries in ``[0, 1]`` for the sparse rewards ``(1/H) 1{s = x}`` and for rewards ``U[0, 1/H]``)
  and keeps its clip at ``H``: planning ``H r`` with bonus ``beta`` is planning ``r`` with values in ``[0, 1]`` and
  bonus ``beta / H``. Suboptimalities are reported for ``r`` (normalised units), so an ``eps`` of the horizon-free
  setting is UCRL-RFE's ``H eps``: the comparison of Corollary 2.6.6.

Shapes: ``phi: (S, A, S, d)``; ``Sigma: (B, d, d)``; exploration reward ``(B, H, S, A)``; policy ``(B, H, S, A)``
one-hot; ``plan(rewards: (B, R, H, S, A)) -> (B, R, H, S, A)``.
"""

from __future__ import annotations

import math

import torch

from rlkit.core.checks import check_positive
from rlkit.core.registry import AGENTS
from rlkit.reward_free.base import (
    RewardFreeAgent,
    max_uncertainty,
    optimistic_plan,
    pair_tables,
    vertex_table,
)
from rlkit.reward_free.vtr import WeightedVTR


def theory_beta(d: int, H: int, K: int, theta_bound: float = 1.0, delta: float = 0.01) -> float:
    """UCRL-RFE's radius ``H sqrt(d log(3 (1 + K H^3 B^2) / delta)) + 1``."""
    return H * math.sqrt(d * math.log(3 * (1 + K * H**3 * theta_bound**2) / delta)) + 1


@AGENTS.register(alias="UCRL-RFE")
class UCRLRFE(RewardFreeAgent):
    """UCRL-RFE (Zhang, Zhou, Gu 2021; thesis Alg. 1-2): Hoeffding-type reward-free exploration, reconstructed.

    The exploration loop is **reconstructed** from the thesis notes (module docstring): an exploration reward from the
    exact maximal uncertainty over value functions, PLAN with an optimistic bonus, an unweighted value-targeted
    regression on the maximisers. Regression ``(B, d)``; policy ``(B, H, S, A)``; ``plan(rewards)`` as the base.

    The shared parameters ``n_runs``, ``n_states``, ``n_actions``, ``horizon``, ``phi``, ``start_state``,
    ``theta_bound``, ``task_shape``, ``seed``, ``device``, ``dtype``, ``validate`` are those of every reward-free
    agent (:class:`rlkit.reward_free.RewardFreeAgent`); ``for_env`` fills them.

    Parameters
    ----------
    episodes : int, default 1000
        ``K``, which enters the theory radius (``for_env``: the budget).
    theory : bool, default True
        ``beta = H sqrt(d log(3 (1 + K H^3 B^2) / delta)) + 1`` times ``beta_scale``; ``False``: the constant ``beta``.
    beta_scale : float, default None
        Multiplies the theory radius; ``None`` is the class's :attr:`default_beta_scale` (0.1 here, 2e-3 for
        UCRL-RFE+), the scale the specs use: unscaled, every bonus saturates and the agent explores uniformly for
        any feasible ``K``.
    beta : float, default None
        The constant radius when ``theory=False`` (refused with ``theory=True``).
    lam : float, default None
        Ridge regularisation (``None``: ``theta_bound^-2``, the thesis's ``B^-2``).
    delta : float, default 0.01
        Confidence level of the theory radius.
    """

    n_regressions = 1  # regressions per run (UCRL-RFE+ adds a second-moment one)
    default_beta_scale = 0.1
    """``beta_scale`` when none is given: the theory radius times 0.1 is about 1 in value units at the specs' sizes
    (unscaled, every bonus saturates and the agent explores uniformly for any feasible ``K``)."""

    def __init__(self, n_runs: int, n_states: int, n_actions: int, horizon: int, *, phi, start_state: int = 0,
                 theta_bound: float = 1.0, episodes: int = 1000, theory: bool = True,
                 beta_scale: float | None = None, beta: float | None = None, lam: float | None = None,
                 delta: float = 0.01, **kwargs):
        super().__init__(n_runs, n_states, n_actions, horizon, phi=phi, start_state=start_state,
                         theta_bound=theta_bound, **kwargs)
        beta_scale = self.default_beta_scale if beta_scale is None else beta_scale
        self._radius_options(episodes, theory, beta, beta_scale, delta)
        self.lam = check_positive("lam", lam if lam is not None else self.theta_bound**-2)
        self._set_radii()
        B, H = self.n_runs, self.horizon
        shape = (B,) if self.n_regressions == 1 else (B, self.n_regressions)
        self.vtr = WeightedVTR(self.dim, shape, self.lam, self.device, self.dtype)
        self._bits, self._allowed = vertex_table(self.features.width, self.features.valid)
        self._bits, self._allowed = self._bits.to(self.device), self._allowed.to(self.device)
        # range of f at 0-based step h is [0, H - h - 1] (the value of the remaining H - h - 1 steps)
        self._ranges = torch.arange(H - 1, -1, -1, device=self.device, dtype=self.dtype)  # (H,)
        self._buf = torch.zeros(3, B, H, dtype=torch.long, device=self.device)
        self._vertex: torch.Tensor | None = None  # (B, S, A, N) maximisers of this episode

    def _set_radii(self) -> None:
        self.beta = self.beta_scale * theory_beta(self.dim, self.horizon, self.episodes, self.theta_bound,
                                                  self.delta) if self.theory else self.beta_const

    # ------------------------------------------------------ exploration
    def _estimate(self):
        """The frozen inverse and estimate that PLAN and the exploration reward use: ``(B, d, d)``, ``(B, d)``."""
        return self.vtr.cov.inverse, self.vtr.estimate()

    def _policy_table(self) -> torch.Tensor:
        inverse, theta = self._estimate()
        G, p = pair_tables(self.features, inverse, theta)  # (B, S, A, N, N), (B, S, A, N)
        u, self._vertex = max_uncertainty(G, self._bits, self._allowed)  # (B, S, A), (B, S, A, N)
        radius = self.beta
        reward = (2 * radius / self.horizon * self._ranges.view(1, -1, 1, 1) * u.unsqueeze(1)).clamp_max(1.0)
        pi, _ = optimistic_plan(self.features, G, p, reward.unsqueeze(1), radius, float(self.horizon))
        return pi[:, 0]

    def observe(self, states, actions, feedback, next_states, h: int) -> None:
        self._check_step(states, actions, feedback, next_states, h)
        self._buf[0, :, h], self._buf[1, :, h], self._buf[2, :, h] = states, actions, next_states

    def _visited(self):
        """Values of the maximisers ``f^k_h`` on the visited pairs' next-state slots ``(B, H, N)``, the slots'
        features ``(B, H, N, d)`` and the observed next state's slot (one-hot ``(B, H, N)``)."""
        B, H, N, d = self.n_runs, self.horizon, self.features.width, self.dim
        st, ac, nx = self._buf
        flat = self.features.pair_index(st, ac)  # (B, H)
        f = torch.gather(self._vertex.reshape(B, -1, N), 1, flat.unsqueeze(-1).expand(B, H, N))
        f = f * self._ranges.view(1, H, 1)
        feats = self.features.next_phi.reshape(-1, N, d)[flat]  # (B, H, N, d)
        slot = (self.features.next_of(st, ac) == nx.unsqueeze(-1)) & self.features.valid.reshape(-1, N)[flat]
        return f, feats, slot.to(self.dtype)

    def end_episode(self) -> None:
        f, feats, slot = self._visited()
        psi = (f.unsqueeze(-1) * feats).sum(-2)  # (B, H, d)
        self.vtr.update(psi, (f * slot).sum(-1))  # rank-H update

    # ---------------------------------------------------------- planning
    def _plan(self, rewards: torch.Tensor) -> torch.Tensor:
        inverse, theta = self._estimate()
        G, p = pair_tables(self.features, inverse, theta)
        return optimistic_plan(self.features, G, p, self.horizon * rewards, self.beta, float(self.horizon))[0]
