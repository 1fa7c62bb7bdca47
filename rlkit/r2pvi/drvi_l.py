"""DRVI-L: robust value iteration for d-rectangular linear DRMDPs with KL balls (Ma et al., 2022, "Distributionally
Robust Offline RL with Linear Function Approximation"), a constrained baseline of Tang, Liu & Xu (2025).

``nu_{h,i} = sup_{a > 0} -a log z'_{h,i}(a) - a rho_{h,i}``, ``z'_h(a) = Lambda_h^{-1} sum_tau phi_tau
exp(-V_{h+1}(s'_tau) / a)``, ``w_h = theta_h + nu_h``, penalty ``beta sum_i phi_i sqrt((Lambda_h^{-1})_ii)``.
``z'`` is the centred ridge estimate ``1 + Lambda^{-1} sum phi (exp(-V / a) - 1)`` of the authors' code
(shrinkage towards the pessimistic ``z' = 1``), as the R2PVI authors' code implements DRVI-L; Ma et al.'s
own text was not compared. The one-dimensional supremum is
searched on ``(0, H]`` by a shared log grid and batched golden-section refinement
(:func:`rlkit.r2pvi.divergences.kl_ball`), instead of the authors' Nelder-Mead per coordinate.
``rho`` as for :class:`rlkit.r2pvi.drpvi.DRPVI`. Shapes: ``M: (R, d, N)``, ``V: (R, N)`` -> ``(R, d)``.
"""

from __future__ import annotations

from rlkit.core.registry import AGENTS
from rlkit.r2pvi import divergences
from rlkit.r2pvi.drpvi import BallVI


@AGENTS.register(alias="DRVI-L")
class DRVI_L(BallVI):  # noqa: N801 - the paper's name
    """Distributionally robust VI with KL balls (Ma et al. 2022); ``fit(dataset)``.

    ``fit(dataset)`` returns the greedy policy of every replication (``R`` at once); the KL dual's supremum over
    its scalar is searched globally (a log grid, then golden section; the authors' code runs Nelder-Mead).

    The shared parameters ``beta``, ``gamma``, ``penalty``, ``theory``, ``delta``, ``reward``, ``device``,
    ``dtype``, ``validate`` are those of every linear offline agent (:class:`rlkit.agents.offline.LinearVI`).

    Parameters
    ----------
    rho : float or array (d,) or (H, d), default 0.1
        The ball's radius: one for every factor and step, one per factor, or per step and factor (the simulated
        MDP's specs give 0.1 and 0.3, the put option's 0.025, the authors' script's values).
    """

    ball = staticmethod(divergences.kl_ball)
