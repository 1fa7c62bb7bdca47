"""Finite episodic MDPs batched over runs (and tasks), and the single-instance gymnasium view of any of them.

:class:`FiniteEpisodicEnv` is a :class:`gymnasium.vector.VectorEnv`-style environment over ``B = num_envs``
independent runs, each optionally holding ``M`` tasks (``task_shape = (M,)``), so its batch shape is
``(B, *task_shape)``. States and actions are integer tensors of the batch shape; the layer ``h`` is the step
counter (``0 .. H-1``), kept by the environment and given in ``info["h"]``:

    reset(seed) -> states: (B, *t) long, info           a new instance per run, episode 0 begins
    step(actions: (B, *t)) -> next_states, feedback: (B, *t), terminated: (B, *t), truncated, info
    next_episode() -> states, info                       after the H-th step: the next episode begins

``feedback`` is what the learner observes after each step: a reward (``objective = "reward"``), a loss
(``objective = "loss"``), or nothing (zeros) in reward-free exploration. The *exact model*, for evaluators
and tests only (no agent reads it, except oracles), is

    transitions():        (*b, H, S, A, S)   P_h(s' | s, a), broadcastable to the batch shape
    initial_distribution(): (*b, S)
    objective_table():    (*b, H, S, A)      the current episode's mean reward (or loss)

Every random number comes from the run's environment stream (:mod:`rlkit.core.seeding`): run ``i`` sees the same
instance, transitions and feedback noise for the same actions whatever agent plays it and whatever batch it
sits in. Subclasses implement ``_sample_instance(rng)``, and ``_feedback(states, actions, h)``; adversarial
environments also ``_begin_episode(k)`` (draw or look up episode ``k``'s losses).

:class:`SingleEpisodicEnv` wraps a batched class with ``B = 1`` and numpy in/out: it is what
``gymnasium.make("rlkit/...")`` returns and it passes ``gymnasium.utils.env_checker.check_env``. Its
``reset(seed=s)`` starts a new instance; ``reset()`` without a seed starts the next episode of the current one.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from rlkit.core.checks import RLKitError, check_choice, check_int, resolve_device_dtype
from rlkit.core.seeding import ENV, BatchRNG, as_sequences, role_sequence
from rlkit.core.tables import sa_rows, sample_rows


class FiniteEpisodicEnv(gym.vector.VectorEnv):
    """Base class of finite episodic MDPs batched over runs: seeding, the step protocol, exact-model views."""

    metadata = {"render_modes": [], "autoreset_mode": gym.vector.AutoresetMode.DISABLED}
    objective: str = "reward"
    """``"reward"`` (the learner maximises), ``"loss"`` (it minimises) or ``"none"`` (reward-free)."""

    def __init__(self, num_envs: int, n_states: int, n_actions: int, horizon: int, task_shape: tuple[int, ...] = (),
                 device=None, dtype=None):
        self.num_envs = check_int("num_envs", num_envs)
        self.n_states = check_int("n_states", n_states)
        self.n_actions = check_int("n_actions", n_actions)
        self.horizon = check_int("horizon", horizon)
        self.task_shape = tuple(check_int("task_shape entries", m) for m in task_shape)
        self.batch_shape = (self.num_envs, *self.task_shape)
        check_choice("objective", self.objective, ("reward", "loss", "none"))
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        self.single_observation_space = spaces.Discrete(self.n_states)
        self.single_action_space = spaces.Discrete(self.n_actions)
        self.observation_space = spaces.MultiDiscrete(np.full(self.batch_shape, self.n_states))
        self.action_space = spaces.MultiDiscrete(np.full(self.batch_shape, self.n_actions))
        self.rng: BatchRNG | None = None
        self.episode = 0
        self.h = 0
        self.states: torch.Tensor | None = None

    # ------------------------------------------------------------- protocol
    def reset(self, *, seed=None, options=None):
        """Draw a new instance for every run (from ``seed``) and begin its first episode."""
        roots = as_sequences(seed, self.num_envs) if seed is not None else \
            as_sequences([np.random.SeedSequence() for _ in range(self.num_envs)])
        self.rng = BatchRNG([role_sequence(s, ENV) for s in roots], self.device, self.dtype)
        self._sample_instance(self.rng.stream("instance"))
        self._start_rng = self.rng.stream("start")
        self._transition_rng = self.rng.stream("transitions")
        self.episode = -1
        return self.next_episode()

    def next_episode(self):
        """Begin the next episode (the first one after :meth:`reset`): ``states: (B, *t)``, ``info``."""
        if self.rng is None:
            raise RLKitError("reset(seed=...) must be called before next_episode()")
        if self.episode >= 0 and self.h != self.horizon:
            raise RLKitError(f"next_episode() called at step {self.h} of an episode of horizon {self.horizon}; "
                             "play all H steps first")
        self.episode += 1
        self.h = 0
        self._begin_episode(self.episode)
        self.states = sample_rows(self.initial_distribution().expand(*self.batch_shape, self.n_states),
                                   self._start_rng.uniform(*self.task_shape))
        return self.states, {"h": 0, "episode": self.episode}

    def step(self, actions):
        if self.states is None:
            raise RLKitError("reset(seed=...) must be called before step()")
        if self.h >= self.horizon:
            raise RLKitError(f"the episode has ended after its {self.horizon} steps; call next_episode()")
        actions = self.check_actions(actions)
        h = self.h
        feedback, info = self._feedback(self.states, actions, h)
        P_h = self.transitions()[..., h, :, :, :].expand(*self.batch_shape, self.n_states, self.n_actions,
                                                         self.n_states)
        row = sa_rows(P_h, self.states, actions)  # (B, *t, S)
        next_states = sample_rows(row, self._transition_rng.uniform(*self.task_shape))
        self.states = next_states
        self.h += 1
        done = torch.full(self.batch_shape, self.h == self.horizon, dtype=torch.bool, device=self.device)
        info = {**info, "h": self.h, "episode": self.episode}
        return next_states, feedback, done, torch.zeros_like(done), info

    def check_actions(self, actions) -> torch.Tensor:
        """``actions`` as a long tensor of the batch shape with entries in ``[0, A)`` (one host read)."""
        a = torch.as_tensor(actions, device=self.device)
        if tuple(a.shape) != self.batch_shape:
            axes = "runs, tasks" if self.task_shape else "runs"
            raise RLKitError(f"actions must have shape {self.batch_shape} ({axes}), got {tuple(a.shape)}")
        if a.is_floating_point() or a.dtype == torch.bool or a.is_complex():
            raise RLKitError(f"actions must be integers in [0, {self.n_actions}), got dtype {a.dtype}")
        if not bool(((a >= 0) & (a < self.n_actions)).all()):
            raise RLKitError(f"actions must lie in [0, {self.n_actions}), got values {int(a.min())}..{int(a.max())}")
        return a.long()

    def theory_params(self) -> dict:
        """Constants the papers' bounds and ``theory=True`` agents may read."""
        return {"S": self.n_states, "A": self.n_actions, "H": self.horizon}

    # ------------------------------------------------------- exact model
    def transitions(self) -> torch.Tensor:  # pragma: no cover - interface
        """``P: (*b, H, S, A, S)`` (broadcastable to the batch shape)."""
        raise NotImplementedError

    def initial_distribution(self) -> torch.Tensor:  # pragma: no cover - interface
        """``mu: (*b, S)`` (broadcastable to the batch shape)."""
        raise NotImplementedError

    def objective_table(self) -> torch.Tensor:  # pragma: no cover - interface
        """The current episode's mean reward or loss, ``(*b, H, S, A)``."""
        raise NotImplementedError

    # ------------------------------------------------------- to implement
    def _sample_instance(self, rng: BatchRNG) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def _begin_episode(self, k: int) -> None:
        """Hook: episode ``k`` (0-based) begins (adversarial environments select its losses here)."""

    def _feedback(self, states: torch.Tensor, actions: torch.Tensor, h: int) -> tuple[torch.Tensor, dict]:
        """Observed feedback ``(B, *t)`` for playing ``actions`` in ``states`` at step ``h``, and info entries."""
        raise NotImplementedError  # pragma: no cover - interface


class SingleEpisodicEnv(gym.Env):
    """A single-instance ``gymnasium.Env`` view of a :class:`FiniteEpisodicEnv` subclass (``B = 1``, numpy).

    Observations are state indices (``Discrete(S)``; ``MultiDiscrete`` over tasks when there are tasks), the
    reward is the feedback (negated for loss environments, so gymnasium's convention "larger is better"
    holds), and the episode terminates after ``H`` steps. ``info["h"]`` gives the step.
    """

    metadata = {"render_modes": []}
    batched_class: type[FiniteEpisodicEnv] = FiniteEpisodicEnv

    def __init__(self, **kwargs):
        kwargs.pop("num_envs", None)
        self.inner = self.batched_class(num_envs=1, **kwargs)
        tasks = self.inner.task_shape
        self.observation_space = self.inner.single_observation_space if not tasks else \
            spaces.MultiDiscrete(np.full(tasks, self.inner.n_states))
        self.action_space = self.inner.single_action_space if not tasks else \
            spaces.MultiDiscrete(np.full(tasks, self.inner.n_actions))
        self._started = False

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        if seed is not None or not self._started:
            states, info = self.inner.reset(seed=None if seed is None else [seed])
            self._started = True
        else:
            self.inner.h = self.inner.horizon  # an unfinished episode is abandoned
            states, info = self.inner.next_episode()
        return self._obs(states), info

    def step(self, action):
        if not self.action_space.contains(action):
            raise RLKitError(f"action must be in {self.action_space}, got {action!r}")
        actions = torch.as_tensor(np.asarray(action)).reshape(self.inner.batch_shape)
        states, fb, term, trunc, info = self.inner.step(actions)
        sign = -1.0 if self.inner.objective == "loss" else 1.0
        reward = sign * float(fb[0].sum())
        return self._obs(states), reward, bool(term.all()), False, info

    def _obs(self, states: torch.Tensor):
        s = states[0].cpu().numpy()
        return int(s) if s.ndim == 0 else s.astype(np.int64)
