"""Context families: how a transfer matrix is built by training on some contexts and testing on all of them.

:data:`FAMILIES` holds the built-in families by name: ``cartpole`` and ``pendulum`` (gymnasium environments
with one physical parameter as the context, trained with Stable-Baselines3 PPO) and ``traffic`` (the SUMO
traffic signal, trained with DQN; SUMO is needed only to build its environments). A family trains one policy per
source and evaluates it on every target context, through :mod:`rlkit.mbtl.sb3`: the gymnasium families in the unit's
own process, the traffic family in a fresh process per training run and per evaluation chunk (libsumo holds one
simulation per process; :func:`rlkit.core.processes.run_cell`).
"""

from rlkit.mbtl.families import traffic  # noqa: F401  (registers "traffic")
from rlkit.mbtl.families.base import FAMILIES, ContextFamily, EnvMaker, GymContextFamily

__all__ = ["FAMILIES", "ContextFamily", "EnvMaker", "GymContextFamily"]
