"""Finite episodic MDPs with exact models (tabular, linear mixture, adversarial linear-Q, multitask linear), over
:mod:`~rlkit.envs.episodic.base`: states are integers, the policy is evaluated exactly by dynamic programming."""
