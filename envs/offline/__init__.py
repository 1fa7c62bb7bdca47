"""Offline RL: feature MDPs whose dynamics can be perturbed (the robust linear MDP, the American put option) and
:func:`~rlkit.envs.offline.dataset.collect`, which draws a dataset with a named behaviour policy."""
