"""Horizon-free reward-free exploration in linear mixture MDPs (Zhang, Zhang, Gu, ICML 2023): HF-UCRL-RFE++.

* :class:`HFUCRLRFE` (HF-UCRL-RFE++): exploration driven by the uncertainty of a weighted value-targeted
  regression (:mod:`~rlkit.reward_free.vtr`) with high-order moment estimation, then planning for any reward;
* baselines for this paper alone: :class:`UCRLRFE` and :class:`UCRLRFEPlus` (Zhang, Zhou, Gu 2021);
* :class:`RewardFreeAgent`, their shared base: ``plan(rewards)`` after exploration, and
  :func:`suboptimality`, the metric of the paper's figures (the planned policy's value gap, exact by dynamic
  programming on the environment's model); :func:`planning_metrics` records it at the checkpoints of
  :func:`rlkit.agents.run_episodes`, which uses it by default for these agents.

The environments are :class:`rlkit.envs.LinearMixtureMDP` and its instances; the sample complexities are in
:mod:`rlkit.theory.reward_free`.
"""

from rlkit.reward_free.base import RewardFreeAgent, planning_metrics, suboptimality
from rlkit.reward_free.hf_ucrl_rfe import HFUCRLRFE
from rlkit.reward_free.ucrl_rfe import UCRLRFE
from rlkit.reward_free.ucrl_rfe_plus import UCRLRFEPlus

__all__ = ["HFUCRLRFE", "UCRLRFE", "RewardFreeAgent", "UCRLRFEPlus", "planning_metrics", "suboptimality"]
