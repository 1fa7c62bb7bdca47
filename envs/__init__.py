"""Gymnasium environments of rlkit, registered under the ``rlkit/`` namespace."""
from rlkit.envs.american_put import AmericanPutOption
from rlkit.envs.dataset import Dataset, collect
from rlkit.envs.robust_linear_mdp import RobustLinearMDP

import gymnasium as _gym  # noqa: E402

_gym.register("rlkit/RobustLinearMDP-v0", entry_point="rlkit.envs.robust_linear_mdp:RobustLinearMDP")
_gym.register("rlkit/AmericanPutOption-v0", entry_point="rlkit.envs.american_put:AmericanPutOption")
