"""UCRL-RFE+ (Zhang, Zhou, Gu, NeurIPS 2021), the Bernstein-type baseline of HF-UCRL-RFE++, batched over runs.

Followed from W. Zhang's UCLA 2024 thesis, Section 2.5 (Alg. 3) as summarised in the project's paper notes, with the
weighted regression of UCRL-VTR+ (Zhou, Gu, Szepesvari, COLT 2021); **reconstructed** where the notes are silent.
UCRL-RFE's exploration (:class:`rlkit.reward_free.ucrl_rfe.UCRLRFE`, same exact maximiser ``f^k_h``, same reward-scale
alignment) with two regressions on the maximisers instead of one:

    first moment (weighted):  Sigma_hat += psi_f psi_f^T / nu,   b_hat += psi_f f(s') / nu
    second moment:            Sigma_tilde += psi_{f^2} psi_{f^2}^T,   b_tilde += psi_{f^2} f(s')^2
    nu = max{alpha, Vbar + E},  alpha = H^2 / d,
    Vbar = [<psi_{f^2}, theta_tilde>]_{[0, H^2]} - [<psi_f, theta_hat>]^2_{[0, H]},
    E = min{H^2, beta_tilde ||psi_{f^2}||_{Sigma_tilde^-1}} + min{H^2, 2 H beta_check ||psi_f||_{Sigma_hat^-1}}

with the estimates and matrices frozen at the episode's start (so each episode is one rank-``H`` update of both).
The exploration reward and PLAN use the weighted regression and its Bernstein radius ``beta_hat``:
``r^k_h = min{1, (2 beta_hat / H) max_f ||psi_f||_{Sigma_hat^-1}}``, ``Q_h = [r_h + <psi_V, theta_hat> + beta_hat
||psi_V||_{Sigma_hat^-1}]_{[0, H]}`` [our reading: the notes list the Hoeffding radius ``beta`` among Alg. 3's
constants without saying where it enters; it is computed (``beta_hoeffding``) and not used].

``theory=True`` (all radii times ``beta_scale``), with ``l = log(1 + K H B^2)``, ``L = log(48 K^2 H^2 / delta)``:
``beta_hat = 8 sqrt(d l L) + 4 sqrt(d) L + 1``, ``beta_check = 8 d sqrt(l L) + 4 sqrt(d) L + 1``,
``beta_tilde = 8 H^2 sqrt(d l L) + 4 H^2 L + 1``, ``beta = H sqrt(d log(12 (1 + K H^3 B^2) / delta)) + 1``;
``lam = B^-2``. ``theory=False``: ``beta`` is the constant ``beta_hat``; ``beta_check = beta``,
``beta_tilde = H^2 beta``.

Shapes: as :class:`~rlkit.reward_free.ucrl_rfe.UCRLRFE`; the regressions are one ``WeightedVTR`` with
``batch_shape = (B, 2)`` (0: first moment, 1: second moment).
"""

from __future__ import annotations

import math

import torch

from rlkit.core.registry import AGENTS
from rlkit.reward_free.ucrl_rfe import UCRLRFE
from rlkit.reward_free.vtr import inv_norm


def theory_radii(d: int, H: int, K: int, theta_bound: float = 1.0, delta: float = 0.01) -> dict:
    """Alg. 3's ``beta_hat``, ``beta_check``, ``beta_tilde`` and the Hoeffding ``beta``."""
    ell = math.log(1 + K * H * theta_bound**2)
    L = math.log(48 * K**2 * H**2 / delta)
    return {"beta_hat": 8 * math.sqrt(d * ell * L) + 4 * math.sqrt(d) * L + 1,
            "beta_check": 8 * d * math.sqrt(ell * L) + 4 * math.sqrt(d) * L + 1,
            "beta_tilde": 8 * H**2 * math.sqrt(d * ell * L) + 4 * H**2 * L + 1,
            "beta_hoeffding": H * math.sqrt(d * math.log(12 * (1 + K * H**3 * theta_bound**2) / delta)) + 1}


@AGENTS.register(alias="UCRL-RFE+")
class UCRLRFEPlus(UCRLRFE):
    """UCRL-RFE+ (Zhang, Zhou, Gu 2021; thesis Alg. 3): Bernstein-weighted reward-free exploration, reconstructed.

    UCRL-RFE's exploration with a weighted first-moment regression and a second-moment one (``batch_shape = (B, 2)``),
    UCRL-VTR+'s Bernstein weights and radius ``beta_hat``; **reconstructed** where the notes are silent (module
    docstring).

    The shared parameters ``n_runs``, ``n_states``, ``n_actions``, ``horizon``, ``phi``, ``start_state``,
    ``theta_bound``, ``task_shape``, ``seed``, ``device``, ``dtype``, ``validate`` are those of every reward-free
    agent (:class:`rlkit.reward_free.RewardFreeAgent`); ``for_env`` fills them.

    Parameters
    ----------
    episodes : int, default 1000
        ``K``, which enters the theory radii (``for_env``: the budget).
    theory : bool, default True
        The radii ``beta_hat``, ``beta_check``, ``beta_tilde`` of the module docstring times ``beta_scale``;
        ``False``: ``beta_hat = beta``, ``beta_check = beta``, ``beta_tilde = H^2 beta``.
    beta_scale : float, default None
        Multiplies every theory radius; ``None`` is :attr:`default_beta_scale`, 2e-3, the specs' scale (about 1 in
        value units at their sizes).
    beta : float, default None
        The constant radius when ``theory=False``.
    lam : float, default None
        Ridge regularisation (``None``: ``theta_bound^-2``).
    delta : float, default 0.01
        Confidence level of the theory radii.
    """

    n_regressions = 2
    default_beta_scale = 2e-3
    """``beta_scale`` when none is given: the Bernstein radii times 2e-3 are about 1 in value units at the specs'
    sizes."""

    def _set_radii(self) -> None:
        if self.theory:
            radii = {k: self.beta_scale * v for k, v in
                     theory_radii(self.dim, self.horizon, self.episodes, self.theta_bound, self.delta).items()}
        else:
            b = self.beta_const
            radii = {"beta_hat": b, "beta_check": b, "beta_tilde": self.horizon**2 * b, "beta_hoeffding": b}
        self.beta_hat, self.beta_check = radii["beta_hat"], radii["beta_check"]
        self.beta_tilde, self.beta_hoeffding = radii["beta_tilde"], radii["beta_hoeffding"]
        self.beta = self.beta_hat  # the radius of the exploration reward and of PLAN
        self.alpha = self.horizon**2 / self.dim

    def _estimate(self):
        return self.vtr.cov.inverse[:, 0], self.vtr.estimate()[:, 0]

    def end_episode(self) -> None:
        H = float(self.horizon)
        f, feats, slot = self._visited()  # (B, H, N), (B, H, N, d), (B, H, N)
        psi1 = (f.unsqueeze(-1) * feats).sum(-2)  # (B, H, d)
        psi2 = (f.unsqueeze(-1) ** 2 * feats).sum(-2)
        y1 = (f * slot).sum(-1)
        inverse, theta = self.vtr.cov.inverse, self.vtr.estimate()  # frozen: (B, 2, d, d), (B, 2, d)
        first = (psi1 * theta[:, None, 0]).sum(-1).clamp(0.0, H)
        second = (psi2 * theta[:, None, 1]).sum(-1).clamp(0.0, H**2)
        err = (self.beta_tilde * inv_norm(psi2, inverse[:, None, 1])).clamp_max(H**2) \
            + (2 * H * self.beta_check * inv_norm(psi1, inverse[:, None, 0])).clamp_max(H**2)
        nu = (second - first**2 + err).clamp_min(self.alpha)  # (B, H)
        phi = torch.stack([psi1, psi2], 1)  # (B, 2, H, d)
        self.vtr.update(phi, torch.stack([y1, y1**2], 1), torch.stack([1.0 / nu, torch.ones_like(nu)], 1))
