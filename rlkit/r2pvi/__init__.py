"""Regularised robust offline RL with linear function approximation (Tang, Liu, Xu 2025): R2PVI.

* :class:`R2PVI`: robust regularised pessimistic value iteration with a TV, KL or chi^2 regulariser, each
  through its exact dual (:mod:`~rlkit.r2pvi.divergences`);
* baselines for this paper alone: :class:`DRPVI` (Liu & Xu 2024) and :class:`DRVI_L` (Ma et al.), both
  distributionally robust over an uncertainty ball; the non-robust :class:`rlkit.baselines.PEVI` is shared.

Every learner is a :class:`rlkit.agents.LinearVI`: ``fit(dataset) -> LinearPolicy``; evaluate the policy
with :func:`rlkit.agents.exact_return` (finite instances) or :func:`rlkit.agents.monte_carlo_return`. The
rates are in :mod:`rlkit.theory.r2pvi`.
"""

from rlkit.r2pvi.drpvi import DRPVI
from rlkit.r2pvi.drvi_l import DRVI_L
from rlkit.r2pvi.r2pvi import R2PVI

__all__ = ["DRPVI", "DRVI_L", "R2PVI"]
