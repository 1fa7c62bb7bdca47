"""Policy optimisation in adversarial linear-Q MDPs: FTRL with a log-barrier and FTRL over magnitude-reduced
estimates (Dai, Luo, Wei, Zimmert, ICML 2023) and dilated-bonus policy optimisation (Luo, Wei, Lee, NeurIPS 2021).

All three are **reconstructions** (the papers' bodies could not be read; :class:`MagnitudeReducedFTRL` is Dai et
al.'s Algorithm 2 rebuilt from the authors' slides): one mechanism,
:class:`~rlkit.ftrl.linear_q_po.LinearQPolicyOptimization`, with the policy step, covariance estimator and bonus
of each paper plugged in (:mod:`~rlkit.ftrl.policy_steps`, :mod:`~rlkit.ftrl.covariance_estimators`,
:mod:`~rlkit.ftrl.dilated_bonus`), and the :class:`Simulator` the algorithms sample from, which counts its
calls. The environment is :class:`rlkit.envs.AdversarialLinearMDP`; the rates are in
:mod:`rlkit.theory.ftrl_logbarrier`.
"""

from rlkit.ftrl.dilated_bonus_po import DilatedBonusPO
from rlkit.ftrl.ftrl_logbarrier import FTRLLogBarrier
from rlkit.ftrl.magnitude_reduced_po import MagnitudeReducedFTRL
from rlkit.ftrl.simulator import Simulator

__all__ = ["DilatedBonusPO", "FTRLLogBarrier", "MagnitudeReducedFTRL", "Simulator"]
