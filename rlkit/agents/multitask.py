"""The batched multitask bandit agent contract: ``B`` runs x ``M`` tasks, one action per task per round.

``act(contexts: (B, M, K, p)) -> actions: (B, M) long`` and ``update(contexts: (B, M, K, p), actions: (B, M),
rewards: (B, M))``. Runs are independent; tasks within a run are played concurrently and may share what is
learnt. ``group_size = g`` (default ``M``) splits the ``M`` tasks into ``M / g`` consecutive groups that share a
representation only within the group: ``g = M`` is multitask learning over every task, ``g = 1`` independent
learning, and on one ``M``-task environment an agent with group size ``g`` has the per-task regret of the same
agent on ``g``-task environments (tasks are i.i.d.), which is how one spec compares ``M = 1, 5, 10``.
"""

from __future__ import annotations

import torch

from rlkit.agents.bandit import BanditAgent
from rlkit.core.checks import RLKitError, check_int, env_placement


class MultitaskBanditAgent(BanditAgent):
    """Base class of multitask agents: sizes, task groups and input checks for ``(B, M, K, p)`` contexts.

    ``act(contexts: (B, M, K, p)) -> (B, M)`` one arm per task, ``update(contexts, actions: (B, M), rewards: (B, M))``.

    Parameters
    ----------
    n_runs : int
        ``B``, the independent runs.
    n_tasks : int
        ``M``, the tasks played in parallel each round.
    n_arms : int
        ``K``, the arms per task and round.
    dim : int
        ``p``, the context dimension.
    group_size : int, default None
        Tasks that share one representation: ``M / group_size`` groups learn apart (``None``: all ``M`` share;
        ``1``: independent learning). Must divide ``n_tasks``.
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

    env_constants: tuple[str, ...] = ()
    """Keyword arguments :meth:`for_env` fills from ``env.theory_params()`` when the spec leaves them out."""

    def __init__(self, n_runs: int, n_tasks: int, n_arms: int, dim: int, *, group_size: int | None = None, seed=0,
                 device=None, dtype=None, validate: bool = True):
        super().__init__(n_runs, n_arms, dim, seed=seed, device=device, dtype=dtype, validate=validate)
        self.n_tasks = check_int("n_tasks", n_tasks)
        self.group_size = self.n_tasks if group_size is None else check_int("group_size", group_size)
        if self.n_tasks % self.group_size:
            raise RLKitError(f"group_size must divide n_tasks = {self.n_tasks}, got {group_size}")
        self.n_groups = self.n_tasks // self.group_size

    @classmethod
    def for_env(cls, env, *, rounds: int, seed, device=None, dtype=None, **params):
        if not hasattr(env, "n_tasks"):
            raise RLKitError(f"{cls.__name__} needs a multitask environment (contexts (B, M, K, p)); "
                             f"{type(env).__name__} has no task axis")
        tp = env.theory_params()
        for key in cls.env_constants:
            if key in tp:
                params.setdefault(key, tp[key])
        return cls(n_runs=env.num_envs, n_tasks=env.n_tasks, n_arms=env.n_arms, dim=env.dim, seed=seed,
                   **env_placement(env, device, dtype), **params)

    # ------------------------------------------------------------------ checks
    def contexts_layout(self) -> tuple[str, tuple, str]:
        """``"(B, M, K, p)"``, ``(n_runs, n_tasks, any, dim)``: the base class checks dtype, device and finiteness."""
        return "(B, M, K, p)", (self.n_runs, self.n_tasks, None, self.dim), "n_runs, n_tasks, any K, dim"

    def _check_update(self, contexts, actions, rewards) -> None:
        self._check_inputs(contexts, actions, rewards, (self.n_runs, self.n_tasks), (self.n_runs, self.n_tasks))

    def chosen(self, contexts: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Contexts of the played actions: ``(B, M, K, p), (B, M) -> (B, M, p)``."""
        idx = actions.reshape(*actions.shape, 1, 1).expand(*actions.shape, 1, contexts.shape[-1])
        return contexts.gather(2, idx).squeeze(2)
