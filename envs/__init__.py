"""Gymnasium environments of rlkit, registered under the ``rlkit/`` namespace.

``gymnasium.make("rlkit/Name-v0")`` gives a single-instance env; for bandits,
``gymnasium.make_vec("rlkit/Name-v0", num_envs=B, vectorization_mode="vector_entry_point")`` gives the
natively batched torch one.
"""

import gymnasium as gym


def _register(name: str, entry_point: str, vector_entry_point: str | None = None, **kwargs) -> None:
    env_id = f"rlkit/{name}"
    if env_id not in gym.registry:
        gym.register(id=env_id, entry_point=entry_point, vector_entry_point=vector_entry_point, **kwargs)


_register("LinearBandit-v0", "rlkit.envs.linear_bandit:LinearBanditEnv", "rlkit.envs.linear_bandit:LinearBandit")
_register("RobustLinearMDP-v0", "rlkit.envs.robust_linear_mdp:RobustLinearMDP")
_register("AmericanPutOption-v0", "rlkit.envs.american_put:AmericanPutOption")
_register("DynamicalLinearBandit-v0", "rlkit.envs.dynamical_linear_bandit:DynamicalLinearBanditEnv",
          "rlkit.envs.dynamical_linear_bandit:DynamicalLinearBandit")
_register("MultitaskRepresentationBandit-v0",
          "rlkit.envs.multitask_representation_bandit:MultitaskRepresentationBanditEnv",
          "rlkit.envs.multitask_representation_bandit:MultitaskRepresentationBandit")
_register("MultitaskDigitsBandit-v0", "rlkit.envs.digits_bandit:MultitaskDigitsBanditEnv",
          "rlkit.envs.digits_bandit:MultitaskDigitsBandit")
_register("RandomTabularMDP-v0", "rlkit.envs.tabular_mdp:RandomTabularMDPEnv",
          "rlkit.envs.tabular_mdp:RandomTabularMDP")
_register("TrafficSignal-v0", "rlkit.envs.traffic_signal:TrafficSignal")  # needs the traffic extra (SUMO)
for _name in ("LowerBoundMDP", "HardMixtureMDP", "MixtureRiverSwim"):
    _register(f"{_name}-v0", f"rlkit.envs.linear_mixture_mdp:{_name}Env", f"rlkit.envs.linear_mixture_mdp:{_name}")
_register("MultitaskLinearMDP-v0", "rlkit.envs.multitask_linear_mdp:MultitaskLinearMDPEnv",
          "rlkit.envs.multitask_linear_mdp:MultitaskLinearMDP")
_register("AdversarialLinearMDP-v0", "rlkit.envs.adversarial_linear_mdp:AdversarialLinearMDPEnv",
          "rlkit.envs.adversarial_linear_mdp:AdversarialLinearMDP")
_register("ContextualCartPole-v0", "rlkit.envs.contextual_cartpole:ContextualCartPole", max_episode_steps=500)
_register("ContextualPendulum-v0", "rlkit.envs.contextual_pendulum:ContextualPendulum", max_episode_steps=200)

from rlkit.envs.adversarial_linear_mdp import AdversarialLinearMDP, AdversarialLinearMDPEnv  # noqa: E402
from rlkit.envs.american_put import AmericanPutOption  # noqa: E402
from rlkit.envs.bandit_base import BatchedBanditEnv, SingleBanditEnv  # noqa: E402
from rlkit.envs.contextual_cartpole import ContextualCartPole  # noqa: E402
from rlkit.envs.contextual_pendulum import ContextualPendulum  # noqa: E402
from rlkit.envs.dataset import Dataset, collect  # noqa: E402
from rlkit.envs.digits_bandit import MultitaskDigitsBandit  # noqa: E402
from rlkit.envs.dynamical_linear_bandit import DynamicalLinearBandit, DynamicalLinearBanditEnv  # noqa: E402
from rlkit.envs.episodic_base import FiniteEpisodicEnv, SingleEpisodicEnv  # noqa: E402
from rlkit.envs.linear_bandit import LinearBandit, LinearBanditEnv  # noqa: E402
from rlkit.envs.linear_mixture_mdp import (  # noqa: E402
    HardMixtureMDP,
    LinearMixtureMDP,
    LowerBoundMDP,
    MixtureRiverSwim,
)
from rlkit.envs.multitask_bandit_base import BatchedMultitaskBanditEnv  # noqa: E402
from rlkit.envs.multitask_linear_mdp import MultitaskLinearMDP, MultitaskLinearMDPEnv  # noqa: E402
from rlkit.envs.multitask_representation_bandit import MultitaskRepresentationBandit  # noqa: E402
from rlkit.envs.robust_linear_mdp import RobustLinearMDP  # noqa: E402
from rlkit.envs.sumo_simulation import SimulationError  # noqa: E402
from rlkit.envs.tabular_mdp import RandomTabularMDP, RandomTabularMDPEnv  # noqa: E402
from rlkit.envs.traffic_network import TrafficContext  # noqa: E402
from rlkit.envs.traffic_signal import TrafficSignal, make_vector_env  # noqa: E402  (SUMO imported lazily)
from rlkit.envs.worker_vector_env import WorkerVectorEnv  # noqa: E402

__all__ = ["BatchedBanditEnv", "SingleBanditEnv", "LinearBandit", "LinearBanditEnv"]
__all__ += ["AmericanPutOption", "Dataset", "collect", "RobustLinearMDP"]
__all__ += ["DynamicalLinearBandit", "DynamicalLinearBanditEnv"]
__all__ += ["BatchedMultitaskBanditEnv", "MultitaskDigitsBandit", "MultitaskRepresentationBandit"]
__all__ += ["FiniteEpisodicEnv", "SingleEpisodicEnv", "RandomTabularMDP", "RandomTabularMDPEnv"]
__all__ += ["SimulationError", "TrafficContext", "TrafficSignal", "WorkerVectorEnv", "make_vector_env"]
__all__ += ["LinearMixtureMDP", "LowerBoundMDP", "HardMixtureMDP", "MixtureRiverSwim"]
__all__ += ["MultitaskLinearMDP", "MultitaskLinearMDPEnv"]
__all__ += ["AdversarialLinearMDP", "AdversarialLinearMDPEnv"]
__all__ += ["ContextualCartPole", "ContextualPendulum"]
