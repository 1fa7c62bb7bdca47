"""PEVI: pessimistic value iteration (Jin, Yang & Wang, "Is Pessimism Provably Efficient for Offline RL?",
ICML 2021, Algorithm 2, PEVI for linear MDPs; Algorithm 1 is the general-MDP form), the non-robust baseline of Tang,
Liu & Xu (ICML 2025).

``w_h = theta_h + Lambda_h^{-1} sum_tau phi_tau V_{h+1}(s'_tau)`` and the elliptical penalty
``Gamma_h = beta ||phi||_{Lambda_h^{-1}}``, on the shared loop of :mod:`rlkit.agents.offline`.

Departures: Algorithm 2 regresses ``r + V`` jointly; here the reward part uses the known ``theta_h`` when
the environment gives it (as R2PVI does), so that PEVI and R2PVI-TV with ``lam >= H`` are the same
estimator; without a known ``theta`` both regress the rewards, which is Algorithm 2 exactly.
``theory=True``: ``beta = c d H sqrt(log(2 d H K / delta))`` with ``c = 1``.
Shapes: ``M: (R, d, N)``, ``V: (R, N)`` -> ``(R, d)``.
"""

from __future__ import annotations

from rlkit.agents.offline import LinearVI
from rlkit.core.registry import AGENTS
from rlkit.theory.r2pvi import beta_pevi


@AGENTS.register()
class PEVI(LinearVI):
    """Pessimistic value iteration (Jin, Yang & Wang 2021), the non-robust offline baseline; ``fit(dataset)``."""

    default_penalty = "elliptical"

    def target(self, M, V, v_min, h, H):
        return (M @ V.unsqueeze(-1)).squeeze(-1)

    def theory_beta(self, d, H, K):
        return beta_pevi(d, H, K, self.delta)
