"""Baselines shared by several papers: the classic algorithms the papers compare against.

Bandits: :class:`LinUCB` (OFUL), :class:`LinTS`, :class:`EpsilonGreedy`, :class:`Uniform`. Episodic:
:class:`LSVIUCB`, :class:`UniformPolicy`. Offline: :class:`PEVI`. A baseline that only one paper uses lives in
that paper's package (e.g. D-LinUCB in :mod:`rlkit.dynlin_ucb`).
"""

from rlkit.baselines.epsilon_greedy import EpsilonGreedy
from rlkit.baselines.lints import LinTS
from rlkit.baselines.linucb import LinUCB
from rlkit.baselines.lsvi_ucb import LSVIUCB
from rlkit.baselines.pevi import PEVI
from rlkit.baselines.uniform import Uniform
from rlkit.baselines.uniform_policy import UniformPolicy

__all__ = ["EpsilonGreedy", "LSVIUCB", "LinTS", "LinUCB", "PEVI", "Uniform", "UniformPolicy"]
