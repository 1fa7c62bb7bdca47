"""The batched episodic agent contract shared by every online episodic algorithm (FTRL, GFUCB's MDP extension,
reward-free exploration, LSVI-UCB, ...).

Per episode, for all ``B`` runs (and ``M`` tasks, ``task_shape = (M,)``) at once::

    agent.begin_episode()                                    # compute this episode's policy
    for h in range(H):
        actions = agent.act(states, h)                       # states, actions: (B, *t) long
        agent.observe(states, actions, feedback, next_states, h)   # feedback: (B, *t) reward / loss / zeros
    agent.end_episode()                                      # e.g. update the regressions

On finite instances :meth:`EpisodicAgent.policy` gives the episode's policy as a table ``(B, *t, H, S, A)``,
so an evaluator computes exact values and regret by dynamic programming (:mod:`rlkit.core.dp`) without
sampling noise. By default :meth:`act` samples from that table with the agent's own random streams, so an
agent that computes its policy as a table implements only :meth:`_policy_table` (and learning in
:meth:`observe` / :meth:`end_episode`).
"""

from __future__ import annotations

import inspect
import operator

import torch

from rlkit.agents.builder import check_subclass_builder
from rlkit.core.checks import (
    RLKitError,
    check_finite,
    check_int,
    check_integer_tensor,
    check_like,
    env_placement,
    resolve_device_dtype,
)
from rlkit.core.deferred import DeferredValidation
from rlkit.core.dp import check_policy
from rlkit.core.seeding import AGENT, BatchRNG, as_sequences, role_sequence
from rlkit.core.tables import sample_rows


class EpisodicAgent(DeferredValidation):
    """Base class of the batched episodic agents: sizes, device, dtype, random streams, input checks, and acting
    from a policy table ``policy(): (B, *task_shape, H, S, A)``.

    Protocol per episode: ``begin_episode()``, then for each step ``h``: ``act(states, h) -> actions`` and
    ``observe(states, actions, feedback, next_states, h)`` (states and actions ``(B, *task_shape)``), then
    ``end_episode()``. Build one with ``for_env(env, episodes=K, seed=...)``.

    Parameters
    ----------
    n_runs : int
        ``B``, the independent runs (the leading axis).
    n_states : int
        ``S``, the states of the finite MDP.
    n_actions : int
        ``A``, the actions per state.
    horizon : int
        ``H``, the steps per episode.
    task_shape : tuple of int, default ()
        Extra batch axes after the runs (the tasks of a multitask MDP, ``(M,)``).
    seed : int or sequence of numpy.random.SeedSequence, default 0
        The root seed (run ``i`` draws from ``run_sequence(seed, i)``) or one ``SeedSequence`` per run; the agent's
        random streams depend only on it and the run, never on the batch (:mod:`rlkit.core.seeding`).
    device : torch.device or str, default None
        Where the agent's tensors live (``None``: the CPU; ``for_env`` takes the environment's).
    dtype : torch.dtype, default None
        The working dtype (``None``: float64; ``for_env`` takes the environment's).
    validate : bool or "checkpoint", default True
        ``True`` reads the value checks (finite rewards, arms in range) once per update; ``"checkpoint"`` keeps
        them on the device and the rollouts read them at checkpoints; ``False`` skips them (shapes, dtypes and
        devices are always checked).
    """

    def __init__(self, n_runs: int, n_states: int, n_actions: int, horizon: int, *, task_shape: tuple[int, ...] = (),
                 seed=0, device=None, dtype=None, validate: bool | str = True):
        self.n_runs = check_int("n_runs", n_runs)
        self.n_states = check_int("n_states", n_states)
        self.n_actions = check_int("n_actions", n_actions)
        self.horizon = check_int("horizon", horizon)
        self.task_shape = tuple(check_int("task_shape entries", m) for m in task_shape)
        self.batch_shape = (self.n_runs, *self.task_shape)
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        self._set_validate(validate)
        self.rng = BatchRNG([role_sequence(s, AGENT) for s in as_sequences(seed, self.n_runs)], self.device, self.dtype)
        self._act_rng = self.rng.stream("act")
        self._pi: torch.Tensor | None = None
        self.episode = -1

    def __init_subclass__(cls, **kwargs):
        """Check a subclass's own ``for_env``'s budget and keyword arguments (:mod:`rlkit.agents.builder`)."""
        super().__init_subclass__(**kwargs)
        check_subclass_builder(cls, "episodes")

    @classmethod
    def for_env(cls, env, *, episodes: int, seed, device=None, dtype=None, **params):
        """Build the agent for a batched finite episodic environment (the experiment runner's entry point).

        ``episodes`` reaches the constructor when it takes an ``episodes`` argument (theory constants that
        depend on ``K``). Agents that need more of what the theory assumes known (features) override this to
        read it from ``env``. ``device`` and ``dtype`` default to the environment's, as for every agent.
        """
        if "episodes" in inspect.signature(cls.__init__).parameters:
            params.setdefault("episodes", episodes)
        return cls(n_runs=env.num_envs, n_states=env.n_states, n_actions=env.n_actions, horizon=env.horizon,
                   task_shape=env.task_shape, seed=seed, **env_placement(env, device, dtype), **params)

    # ------------------------------------------------------------ protocol
    def begin_episode(self) -> None:
        """Compute the policy of the episode that begins."""
        self.episode += 1
        self._pi = self._policy_table()
        name, shape = f"{type(self).__name__}._policy_table()", (*self.batch_shape, self.horizon, self.n_states,
                                                                    self.n_actions)
        if self.deferred is not None:  # the shape now (metadata), the rows at the next checkpoint
            check_policy(name, self._pi, shape, values=False)
            pi, atol = self._pi, 1e-6
            self.deferred.add(f"{name} must hold probability distributions over actions (entries >= 0, rows "
                              f"summing to 1)", (pi < -atol).any() | ((pi.sum(-1) - 1).abs() > atol).any())
        elif self.validate:
            check_policy(name, self._pi, shape)

    def policy(self) -> torch.Tensor:
        """The current episode's policy ``(B, *t, H, S, A)`` (rows on the simplex)."""
        if self._pi is None:
            raise RLKitError(f"{type(self).__name__}.policy() is defined once begin_episode() has been called")
        return self._pi

    def act(self, states: torch.Tensor, h: int) -> torch.Tensor:
        """Actions ``(B, *t)`` at step ``h`` drawn from the episode's policy (a greedy policy: its argmax)."""
        self._check_states(states, h)
        pi_h = self.policy()[..., h, :, :]  # (B, *t, S, A)
        probs = torch.gather(pi_h, -2, states[..., None, None].expand(*states.shape, 1, self.n_actions)).squeeze(-2)
        return sample_rows(probs, self._act_rng.uniform(*self.task_shape))

    def observe(self, states, actions, feedback, next_states, h: int) -> None:
        """Feedback of step ``h``: ``states, actions, next_states: (B, *t)``, ``feedback: (B, *t)``."""

    def end_episode(self) -> None:
        """The episode's ``H`` steps are done."""

    # ------------------------------------------------------ to implement
    def _policy_table(self) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    # ------------------------------------------------------------ checks
    def _check_states(self, states: torch.Tensor, h: int, *, values: bool = True) -> None:
        """``states: (B, *t)`` state indices on the agent's device; ``h`` a step; the indices in ``[0, S)`` when
        ``validate`` is on (one host read; ``values=False`` leaves that to the caller)."""
        _check_indices("states", states, self.batch_shape, self.device, "state indices")
        try:
            step = operator.index(h)  # an int (numpy or 0-d torch integers too), never a float or a bool
        except TypeError:
            step = None
        if step is None or isinstance(h, bool) or not 0 <= step < self.horizon:
            raise RLKitError(f"h must be a step in [0, {self.horizon}) (an integer), got {h!r}")
        if not (values and self.validate):
            return
        if self.deferred is not None:
            broken = ((states < 0) | (states >= self.n_states)).any()
            self.deferred.add(f"states must lie in [0, {self.n_states})", broken)
        elif not bool(((states >= 0) & (states < self.n_states)).all()):
            _range_error("states", states, self.n_states)

    def _check_step(self, states, actions, feedback, next_states, h: int) -> None:
        """Shapes, dtypes and device of one observed step; when ``validate`` is on, one host read for the values:
        finite feedback, states and next states in ``[0, S)``, actions in ``[0, A)``."""
        self._check_states(states, h, values=False)
        _check_indices("actions", actions, self.batch_shape, self.device, "action indices")
        _check_indices("next_states", next_states, self.batch_shape, self.device, "state indices")
        if not isinstance(feedback, torch.Tensor) or tuple(feedback.shape) != self.batch_shape:
            given = tuple(feedback.shape) if isinstance(feedback, torch.Tensor) else type(feedback).__name__
            raise RLKitError(f"feedback must be a tensor of shape {self.batch_shape}, got {given}")
        check_like("feedback", feedback, dtype=self.dtype, device=self.device)
        if not self.validate:
            return
        ranges = (("states", states, self.n_states), ("actions", actions, self.n_actions),
                  ("next_states", next_states, self.n_states))
        if self.deferred is not None:
            self.deferred.add("feedback must be finite", ~torch.isfinite(feedback).all())
            for name, x, n in ranges:
                self.deferred.add(f"{name} must lie in [0, {n})", ((x < 0) | (x >= n)).any())
            return
        ok = torch.isfinite(feedback).all()
        for _, x, n in ranges:
            ok = ok & (x >= 0).all() & (x < n).all()
        if not bool(ok):  # one read; the messages are built only on failure
            check_finite("feedback", feedback)
            for name, x, n in ranges:
                if not bool(((x >= 0) & (x < n)).all()):
                    _range_error(name, x, n)


def _check_indices(name: str, x, shape: tuple, device, what: str) -> None:
    """``x``: an integer tensor of ``shape`` on ``device`` (metadata only, no host read)."""
    if not isinstance(x, torch.Tensor) or tuple(x.shape) != shape:
        given = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise RLKitError(f"{name} must be a long tensor of shape {shape}, got {given}")
    check_integer_tensor(name, x, what)
    check_like(name, x, device=device)


def _range_error(name: str, x: torch.Tensor, n: int):
    raise RLKitError(f"{name} must lie in [0, {n}), got values {x.min().item()}..{x.max().item()}")


check_subclass_builder(EpisodicAgent, "episodes")
