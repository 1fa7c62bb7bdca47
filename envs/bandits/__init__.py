"""Batched bandit environments (torch ``VectorEnv``s with a leading runs axis ``B``): the linear bandit and the
dynamical linear bandit of DynLin-UCB, over the shared base :mod:`~rlkit.envs.bandits.base`."""
