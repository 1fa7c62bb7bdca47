"""Gymnasium environments of rlkit, registered under the ``rlkit/`` namespace.

``gymnasium.make("rlkit/Name-v0")`` gives a single-instance env; for bandits,
``gymnasium.make_vec("rlkit/Name-v0", num_envs=B, vectorization_mode="vector_entry_point")`` gives the
natively batched torch one.
"""

import importlib
import inspect
import re

import gymnasium as gym

from rlkit.core.errors import RLKitError


class EntryPoint:
    """A registered entry point (``"module:Class"``) that builds the class and turns a misspelt keyword argument
    (Python's raw ``TypeError``) into one :class:`RLKitError` naming it and the parameters the class takes.
    ``target`` is the ``"module:Class"`` string; instances pickle (worker processes rebuild environments)."""

    def __init__(self, env_id: str, target: str):
        self.env_id, self.target = env_id, target

    def load(self) -> type:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)

    def __call__(self, **kwargs):
        cls = self.load()
        try:
            return cls(**kwargs)
        except TypeError as e:
            bad = re.search(r"unexpected keyword argument '(\w+)'", str(e))
            owner = getattr(cls, "batched_class", cls)  # single-instance views forward **kwargs to their batch
            takes = {p.name for p in inspect.signature(owner).parameters.values()
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
            takes -= {"num_envs"} if owner is not cls else set()
            if bad is None or bad.group(1) in takes:
                raise
            raise RLKitError(f"{self.env_id} has no parameter {bad.group(1)!r} (misspelt?); it takes "
                             f"{', '.join(sorted(takes)) or 'no keyword arguments'}") from None

    def __repr__(self) -> str:
        return f"EntryPoint({self.target!r})"


def _register(name: str, entry_point: str, vector_entry_point: str | None = None, **kwargs) -> None:
    env_id = f"rlkit/{name}"
    if env_id not in gym.registry:
        vector = None if vector_entry_point is None else EntryPoint(env_id, vector_entry_point)
        gym.register(id=env_id, entry_point=EntryPoint(env_id, entry_point), vector_entry_point=vector, **kwargs)


_register("LinearBandit-v0", "rlkit.envs.bandits.linear_bandit:LinearBanditEnv",
          "rlkit.envs.bandits.linear_bandit:LinearBandit")
_register("RobustLinearMDP-v0", "rlkit.envs.offline.robust_linear_mdp:RobustLinearMDP")
_register("AmericanPutOption-v0", "rlkit.envs.offline.american_put:AmericanPutOption")
_register("DynamicalLinearBandit-v0", "rlkit.envs.bandits.dynamical_linear_bandit:DynamicalLinearBanditEnv",
          "rlkit.envs.bandits.dynamical_linear_bandit:DynamicalLinearBandit")
_register("MultitaskRepresentationBandit-v0",
          "rlkit.envs.multitask.representation_bandit:MultitaskRepresentationBanditEnv",
          "rlkit.envs.multitask.representation_bandit:MultitaskRepresentationBandit")
_register("MultitaskDigitsBandit-v0", "rlkit.envs.multitask.digits_bandit:MultitaskDigitsBanditEnv",
          "rlkit.envs.multitask.digits_bandit:MultitaskDigitsBandit")
_register("RandomTabularMDP-v0", "rlkit.envs.episodic.tabular_mdp:RandomTabularMDPEnv",
          "rlkit.envs.episodic.tabular_mdp:RandomTabularMDP")
_register("TrafficSignal-v0", "rlkit.envs.traffic.signal:TrafficSignal")  # needs the traffic extra (SUMO)
for _name in ("LowerBoundMDP", "HardMixtureMDP", "MixtureRiverSwim"):
    _register(f"{_name}-v0", f"rlkit.envs.episodic.linear_mixture_mdp:{_name}Env",
              f"rlkit.envs.episodic.linear_mixture_mdp:{_name}")
_register("MultitaskLinearMDP-v0", "rlkit.envs.episodic.multitask_linear_mdp:MultitaskLinearMDPEnv",
          "rlkit.envs.episodic.multitask_linear_mdp:MultitaskLinearMDP")
_register("AdversarialLinearMDP-v0", "rlkit.envs.episodic.adversarial_linear_mdp:AdversarialLinearMDPEnv",
          "rlkit.envs.episodic.adversarial_linear_mdp:AdversarialLinearMDP")
_register("ContextualCartPole-v0", "rlkit.envs.contextual.cartpole:ContextualCartPole", max_episode_steps=500)
_register("ContextualPendulum-v0", "rlkit.envs.contextual.pendulum:ContextualPendulum", max_episode_steps=200)

from rlkit.envs.bandits.base import BatchedBanditEnv, SingleBanditEnv  # noqa: E402
from rlkit.envs.bandits.dynamical_linear_bandit import DynamicalLinearBandit, DynamicalLinearBanditEnv  # noqa: E402
from rlkit.envs.bandits.linear_bandit import LinearBandit, LinearBanditEnv  # noqa: E402
from rlkit.envs.contextual.cartpole import ContextualCartPole  # noqa: E402
from rlkit.envs.contextual.pendulum import ContextualPendulum  # noqa: E402
from rlkit.envs.episodic.adversarial_linear_mdp import AdversarialLinearMDP, AdversarialLinearMDPEnv  # noqa: E402
from rlkit.envs.episodic.base import FiniteEpisodicEnv, SingleEpisodicEnv  # noqa: E402
from rlkit.envs.episodic.linear_mixture_mdp import (  # noqa: E402
    HardMixtureMDP,
    LinearMixtureMDP,
    LowerBoundMDP,
    MixtureRiverSwim,
)
from rlkit.envs.episodic.multitask_linear_mdp import MultitaskLinearMDP, MultitaskLinearMDPEnv  # noqa: E402
from rlkit.envs.episodic.tabular_mdp import RandomTabularMDP, RandomTabularMDPEnv  # noqa: E402
from rlkit.envs.multitask.base import BatchedMultitaskBanditEnv  # noqa: E402
from rlkit.envs.multitask.digits_bandit import MultitaskDigitsBandit  # noqa: E402
from rlkit.envs.multitask.representation_bandit import MultitaskRepresentationBandit  # noqa: E402
from rlkit.envs.offline.american_put import AmericanPutOption  # noqa: E402
from rlkit.envs.offline.dataset import Dataset, collect  # noqa: E402
from rlkit.envs.offline.robust_linear_mdp import RobustLinearMDP  # noqa: E402
from rlkit.envs.traffic.network import TrafficContext  # noqa: E402
from rlkit.envs.traffic.signal import TrafficSignal, make_vector_env  # noqa: E402  (SUMO imported lazily)
from rlkit.envs.traffic.simulation import SimulationError  # noqa: E402
from rlkit.envs.traffic.worker_vector_env import WorkerVectorEnv  # noqa: E402

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
