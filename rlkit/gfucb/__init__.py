"""Multitask representation learning with general function classes (Lu, Zhao, Du, Huang 2022): GFUCB.

Bandits (tasks ``M`` played in parallel, each round one arm per task):

* :class:`GFUCB`: optimism jointly over a finite class of shared representations (**reconstructed**: the
  paper's body could not be read; see the class docstring for what is the paper's and what is ours);
* :class:`NeuralGFUCB`: the same with a trained multi-head network instead of a finite class;
* baselines for this paper alone: :class:`MTLROFUL` (Hu et al. 2021, linear representations),
  :class:`PerTaskLinUCB` (independent LinUCB per task), :class:`NeuralEpsilonGreedy`.

Episodic MDPs: :class:`GFUCBMDP`, multitask optimistic LSVI over a finite class of representations
(**reconstructed** from the paper's MDP section's setting). Bounds: :mod:`rlkit.theory.gfucb`,
:mod:`rlkit.theory.gfucb_mdp`.
"""

from rlkit.gfucb.gfucb import GFUCB
from rlkit.gfucb.gfucb_mdp import GFUCBMDP
from rlkit.gfucb.mtlr_oful import MTLROFUL
from rlkit.gfucb.neural_epsilon_greedy import NeuralEpsilonGreedy
from rlkit.gfucb.neural_gfucb import NeuralGFUCB
from rlkit.gfucb.per_task_linucb import PerTaskLinUCB

__all__ = ["GFUCB", "GFUCBMDP", "MTLROFUL", "NeuralEpsilonGreedy", "NeuralGFUCB", "PerTaskLinUCB"]
