"""The contracts of rlkit's environments and agents, one :class:`typing.Protocol` per family.

These are the shapes every layer above relies on; the base classes (:mod:`rlkit.agents`, :mod:`rlkit.envs`)
implement them, and a new environment or agent may implement one without inheriting anything. They are
``runtime_checkable``: ``isinstance(obj, EpisodicEnv)`` checks that the members exist (not their signatures).
Shapes follow BoTorch's style: ``B`` runs, ``K`` arms, ``d`` features, ``M`` tasks, ``H`` steps, ``S`` states,
``A`` actions, ``P`` checkpoints.

Environments

* :class:`BanditEnv`: a batched bandit, ``reset() -> (contexts (B, K, d), info)``, ``step(actions (B,)) ->
  (contexts, rewards (B,), terminated, truncated, info)`` with ``info`` holding the oracle's view
  (``expected_reward``, ``optimal_expected_reward``: ``(B,)``) named by ``regret_terms``;
* :class:`MultitaskBanditEnv`: the same with a task axis, contexts ``(B, M, K, p)``, actions ``(B, M)``;
* :class:`EpisodicEnv`: a finite episodic MDP, states and actions ``(B, *t)`` integer tensors, and its exact model
  for evaluators: ``transitions() (*b, H, S, A, S)``, ``initial_distribution() (*b, S)``, ``objective_table()``;
* :class:`FeatureMDP`: an offline feature MDP, ``phi(states) (..., A, d)``, a transition model that can be
  perturbed (``next_states(states, actions, h, u, param)``).

Agents

* :class:`BanditAgent`: ``act(contexts) -> actions``, ``update(contexts, actions, rewards)``;
* :class:`EpisodicAgent`: ``begin_episode()``, ``act(states, h)``, ``observe(states, actions, feedback,
  next_states, h)``, ``end_episode()``, ``policy() -> (B, *t, H, S, A)``;
* :class:`OfflineLearner`: ``fit(dataset) -> policy`` with ``policy.act(obs, h)``;
* :class:`TransferStrategy`: ``select() -> task``, ``observe(task, performance (N,))``.

Every online agent also has ``for_env(env, <budget>=..., seed=...)`` (placed on the environment's device and
dtype), ``device``, ``dtype`` and ``validate`` (``True``, ``False`` or ``"checkpoint"``).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class BanditEnv(Protocol):
    """A batched bandit environment (``B = num_envs`` runs)."""

    num_envs: int
    n_arms: int
    dim: int
    device: Any
    dtype: Any
    regret_terms: dict

    def reset(self, *, seed=None, options=None): ...

    def step(self, actions): ...

    def theory_params(self) -> dict: ...


@runtime_checkable
class MultitaskBanditEnv(BanditEnv, Protocol):
    """A batched bandit over ``M = n_tasks`` tasks played in parallel."""

    n_tasks: int


@runtime_checkable
class EpisodicEnv(Protocol):
    """A batched finite episodic MDP with its exact model (for evaluators; agents read only what theory allows)."""

    num_envs: int
    n_states: int
    n_actions: int
    horizon: int
    task_shape: tuple
    batch_shape: tuple
    objective: str
    device: Any
    dtype: Any

    def reset(self, *, seed=None, options=None): ...

    def next_episode(self): ...

    def step(self, actions): ...

    def transitions(self): ...

    def initial_distribution(self): ...

    def objective_table(self): ...

    def theory_params(self) -> dict: ...


@runtime_checkable
class FeatureMDP(Protocol):
    """An offline feature MDP: features, rewards and a perturbable transition model."""

    horizon: int
    n_actions: int
    dim: int
    device: Any
    dtype: Any

    def phi(self, states): ...

    def reward(self, states, actions, h: int): ...

    def next_states(self, states, actions, h: int, u, param=None): ...

    def initial_states(self, u): ...


@runtime_checkable
class BanditAgent(Protocol):
    """An online bandit agent over ``B`` runs."""

    n_runs: int
    device: Any
    dtype: Any
    validate: Any

    def act(self, contexts): ...

    def update(self, contexts, actions, rewards) -> None: ...


@runtime_checkable
class EpisodicAgent(Protocol):
    """An online episodic agent over ``B`` runs (and tasks); its policy is a table on finite instances."""

    n_runs: int
    batch_shape: tuple
    device: Any
    dtype: Any
    validate: Any

    def begin_episode(self) -> None: ...

    def act(self, states, h: int): ...

    def observe(self, states, actions, feedback, next_states, h: int) -> None: ...

    def end_episode(self) -> None: ...

    def policy(self): ...


@runtime_checkable
class OfflineLearner(Protocol):
    """An offline learner: a dataset in, a policy out."""

    device: Any
    dtype: Any

    def fit(self, dataset): ...


@runtime_checkable
class TransferStrategy(Protocol):
    """A source-task selection strategy over ``N`` tasks (MBTL and its baselines)."""

    def select(self) -> int: ...

    def observe(self, task: int, performance) -> None: ...
