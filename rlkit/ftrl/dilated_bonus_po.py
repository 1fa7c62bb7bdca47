"""Policy optimisation with dilated bonuses for linear-Q MDPs with a simulator (Luo, Wei, Lee, NeurIPS 2021,
"Policy Optimization in Adversarial MDPs: Improved Exploration via Dilated Bonuses", arXiv 2107.08346, the
linear-Q algorithm): the exponential-weights baseline of Dai et al. (2023), Otilde(K^{2/3}) regret [V: abstract].

Per state, exponential weights over the linear-Q loss estimates minus the dilated bonuses,

    pi_k(a | s) proportional to exp(-eta sum_{tau < k} (Qhat_tau(s, a) - B_tau(s, a))),

with the estimator, the gamma-regularised Geometric Resampling covariance estimate and the Monte Carlo dilated
bonus of :mod:`rlkit.ftrl.linear_q_po`. **Reconstructed from memory of the paper [R]**: only its abstract could
be read here, so the lines, the bonus form and the sample sizes follow the project's reconstruction of the paper and the
parameter values (``eta``, ``gamma``, ``beta``, ``n_copies``, ``n_samples``) are tuned, not the paper's.
Shapes as in :mod:`rlkit.ftrl.linear_q_po`.
"""

from __future__ import annotations

from rlkit.core.registry import AGENTS
from rlkit.ftrl.linear_q_po import LinearQPolicyOptimization


@AGENTS.register()
class DilatedBonusPO(LinearQPolicyOptimization):
    """Exponential weights over linear-Q estimates minus dilated bonuses (Luo, Wei, Lee 2021, as reconstructed)."""

    regulariser = "negentropy"
    paper = "Luo, Wei, Lee (2021)"
