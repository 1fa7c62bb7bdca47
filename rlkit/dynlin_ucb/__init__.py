"""Dynamical linear bandits (Mussi, Metelli, Restelli, ICML 2023): DynLin-UCB and the baselines its figures use.

* :class:`DynLinUCB`: the paper's algorithm (epochs of growing length, one regression sample per epoch);
* :class:`DLinUCB` (Russac et al. 2019), :class:`AR2` (Chen et al. 2023), :class:`EXP3` and Batch-EXP3 (Auer et
  al. 2002; one draw per batch of rounds, as the paper runs it): the paper's baselines;
* :class:`Clairvoyant`, :class:`Expert`, :class:`FixedAction`, :class:`FixedArm`: reference policies that hold one
  action (the optimal one, the advertisers' real spend, a given one).

The environment is :class:`rlkit.envs.DynamicalLinearBandit`; the bounds are in :mod:`rlkit.theory.dynlin_ucb`.
"""

from rlkit.dynlin_ucb.ar2 import AR2
from rlkit.dynlin_ucb.d_linucb import DLinUCB
from rlkit.dynlin_ucb.dynlin_ucb import DynLinUCB
from rlkit.dynlin_ucb.exp3 import EXP3
from rlkit.dynlin_ucb.fixed_action import Clairvoyant, Expert, FixedAction, FixedArm

__all__ = ["AR2", "Clairvoyant", "DLinUCB", "DynLinUCB", "EXP3", "Expert", "FixedAction", "FixedArm"]
