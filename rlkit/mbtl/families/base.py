"""Contextual environment families: what a transfer-matrix build needs to know about an environment.

A family names a set of environments indexed by context parameters, the grid of one context to build a
matrix on, and the two hooks of a build: ``train`` (one source policy per context, and the multi-task
policy) and ``evaluate`` (a trained policy, zero-shot, on one target context). The defaults train with
Stable-Baselines3 (:mod:`rlkit.mbtl.sb3`) and evaluate a batch of episodes in lockstep.

Another family plugs in by name: subclass :class:`ContextFamily` (or instantiate :class:`GymContextFamily`
for a registered gymnasium environment whose constructor takes the context as keyword arguments),
override ``train`` / ``evaluate`` where the defaults do not fit (a simulator that allows one instance per
process evaluates with ``batch = 1``), and register it::

    FAMILIES.register("traffic")(TrafficFamily())

A build spec then says ``[family] name = "traffic"``. Families must be registered on import of a module in
:data:`rlkit.runner.run.PLUGINS` so that worker processes (and Ray workers) find them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from rlkit.core.checks import RLKitError, check_int
from rlkit.core.registry import Registry
from rlkit.core.seeding import child_sequence
from rlkit.mbtl import sb3
from rlkit.mbtl.families.sampled_context import SampledContextEnv

FAMILIES = Registry("context family")
"""Contextual environment families by the name a ``transfer_build`` spec's ``[family] name`` uses."""


class ContextFamily:
    """Base class of contextual environment families (the hooks a transfer-matrix build calls).

    Subclasses set ``contexts`` (``{name: (default, low, high)}``) and ``bounds`` (the default normalisation
    bounds of the domain's performance) and implement :meth:`make_env`.
    """

    contexts: dict[str, tuple[float, float, float]] = {}
    bounds: tuple[float, float] = (0.0, 1.0)
    batched_env = None
    """A :class:`rlkit.envs.contextual.batched.BatchedContextualEnv` subclass of the same environments, if any:
    a build then trains and evaluates with the batched PPO trainer (:mod:`rlkit.mbtl.batched_build`)."""

    # ----------------------------------------------------------- the grid
    def grid(self, context: str, n: int, scale: Sequence[float] = (0.1, 10.0)) -> np.ndarray:
        """``n`` context values ``default * linspace(scale[0], scale[1], n)`` (the authors' x0.1 .. x10 grids)."""
        default, low, high = self._context(context)
        n = check_int("family.n", n, 2)
        if len(scale) != 2 or not 0 < scale[0] < scale[1]:
            raise RLKitError(f"family.scale must be two multiples 0 < lo < hi of the default, got {list(scale)}")
        values = default * np.linspace(float(scale[0]), float(scale[1]), n)
        self.check_values(context, values)
        return values

    def check_values(self, context: str, values) -> None:
        default, low, high = self._context(context)
        values = np.asarray(values, dtype=np.float64)
        bad = values[(values < low * (1 - 1e-12)) | (values > high * (1 + 1e-12)) | ~np.isfinite(values)]
        if bad.size:
            raise RLKitError(f"context {context} must lie in [{low}, {high}], got {bad[0]!r}")

    def _context(self, context: str) -> tuple[float, float, float]:
        if context not in self.contexts:
            raise RLKitError(f"unknown context {context!r} for family {type(self).__name__}; known: "
                             f"{sorted(self.contexts)}")
        return self.contexts[context]

    # ----------------------------------------------------- environments
    def make_env(self, context: str, value: float, options: dict) -> gym.Env:
        """The environment with ``context = value`` (``options``: the spec's other environment arguments)."""
        raise NotImplementedError

    def make_multitask_env(self, context: str, values: Sequence[float], options: dict, seed) -> gym.Env:
        """The multi-task training environment: a context drawn from ``values`` per episode."""
        return SampledContextEnv(lambda v: self.make_env(context, v, options), values, seed)

    # --------------------------------------------------------- the hooks
    def train(self, make_env, train: dict, seed: int) -> bytes:
        """Train one policy on ``make_env(i)`` (``i`` < ``train["n_envs"]``); return it as bytes."""
        return sb3.train(make_env, train["algo"], train["timesteps"], seed, train["n_envs"], train["policy"],
                         train["params"])

    def evaluate(self, model: bytes, make_env, train: dict, evaluate: dict, seeds: Sequence[int]) -> np.ndarray:
        """Returns of the policy ``model`` in one episode of ``make_env()`` per seed: ``(len(seeds),)``."""
        policy = sb3.load(model, train["algo"])
        return sb3.evaluate(policy, make_env, seeds, evaluate["deterministic"], evaluate["batch"])

    def evaluate_targets(self, model: bytes, makes: Sequence, train: dict, evaluate: dict,
                         seeds: Sequence[Sequence[int]]) -> list[np.ndarray]:
        """:meth:`evaluate` on several targets (``makes[j]`` with ``seeds[j]``): one array per target. A family
        whose policies or simulators are costly to start overrides this to serve all targets at once."""
        return [self.evaluate(model, make, train, evaluate, s) for make, s in zip(makes, seeds)]


@dataclass(frozen=True)
class EnvMaker:
    """A picklable ``make_env(i=0)`` of one build unit: a family's environment for one context value, or
    (``values`` set) its multi-task environment with the draws of ``seed`` (stream ``i`` per copy).

    It names the family by its registered name, so it travels to other processes (a hook may run a unit's
    work in a fresh process, e.g. one simulation per process) and tells them the unit's context.
    """

    family: str
    context: str
    options: dict
    value: float | None = None
    values: tuple[float, ...] | None = None
    seed: np.random.SeedSequence | None = None

    def __call__(self, i: int = 0) -> gym.Env:
        family = FAMILIES.get(self.family)
        if self.values is None:
            return family.make_env(self.context, self.value, self.options)
        return family.make_multitask_env(self.context, list(self.values), self.options, child_sequence(self.seed, i))


class GymContextFamily(ContextFamily):
    """A family over a registered gymnasium environment whose constructor takes its contexts as keywords."""

    def __init__(self, env_id: str, contexts: dict[str, tuple[float, float, float]], bounds: tuple[float, float],
                 batched_env=None):
        self.env_id = env_id
        self.batched_env = batched_env
        self.contexts = dict(contexts)
        self.bounds = (float(bounds[0]), float(bounds[1]))

    def make_env(self, context: str, value: float, options: dict) -> gym.Env:
        self._context(context)
        try:
            return gym.make(self.env_id, disable_env_checker=True, **{**options, context: float(value)})
        except (TypeError, RLKitError) as e:  # rlkit's registered envs name a misspelt keyword (RLKitError)
            if isinstance(e, RLKitError) and "has no parameter" not in str(e):
                raise
            raise RLKitError(f"family.options are not accepted by {self.env_id}: {e}") from None


def _register_builtin() -> None:
    from rlkit.envs.contextual.batched_cartpole import BatchedCartPole
    from rlkit.envs.contextual.batched_pendulum import BatchedPendulum
    from rlkit.envs.contextual.cartpole import ContextualCartPole
    from rlkit.envs.contextual.pendulum import ContextualPendulum

    # the authors' normalisation bounds (MBTL/utils.py get_dataset_settings): CartPole [0, 500], Pendulum
    # [-2200, -500]
    if "cartpole" not in FAMILIES:
        FAMILIES.register("cartpole")(GymContextFamily("rlkit/ContextualCartPole-v0", ContextualCartPole.CONTEXT,
                                                       (0.0, 500.0), BatchedCartPole))
    if "pendulum" not in FAMILIES:
        FAMILIES.register("pendulum")(GymContextFamily("rlkit/ContextualPendulum-v0", ContextualPendulum.CONTEXT,
                                                       (-2200.0, -500.0), BatchedPendulum))


_register_builtin()
