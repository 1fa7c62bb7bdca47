"""Multitask bandit environments (runs ``B`` x tasks ``M``): the representation bandit over a finite class of
representations (:mod:`~rlkit.envs.multitask.representations`) and the digits bandit, over
:mod:`~rlkit.envs.multitask.base`."""
