"""Natively batched multitask bandit environments: ``B`` runs x ``M`` tasks played concurrently.

:class:`BatchedMultitaskBanditEnv` is :class:`rlkit.envs.BatchedBanditEnv` with a task axis after the runs
axis. Every round each of the ``M`` tasks of every run shows ``K`` contexts in ``R^p`` and receives one action:

    reset(seed) -> contexts: (B, M, K, p), info
    step(actions: (B, M)) -> contexts: (B, M, K, p), rewards: (B, M), terminations: (B,), truncations: (B,), info

``info`` carries every task's ``expected_reward`` (mean reward of the action it played) and
``optimal_expected_reward`` (its best action's), each ``(B, M)``, so per-task pseudo-regret is exact; no agent
reads them. The regret term ``regret_per_task`` is recorded by :func:`rlkit.agents.bandit_loop.run_bandit`, which
averages a term's trailing (task) axis: the cumulative regret per task, total / ``M``, the quantity the GFUCB
figure plots.

:class:`SingleMultitaskBanditEnv` is the ``B = 1`` numpy view ``gymnasium.make`` returns: observations
``(M, K, p)``, a ``MultiDiscrete([K] * M)`` action, the mean of the ``M`` task rewards as the scalar reward
(gymnasium requires a float) and every task's reward in ``info["task_rewards"]``.
"""

from __future__ import annotations

import numpy as np
import torch
from gymnasium import spaces

from rlkit.core.checks import RLKitError, check_int, check_shape
from rlkit.envs.bandits.base import BatchedBanditEnv, SingleBanditEnv


class BatchedMultitaskBanditEnv(BatchedBanditEnv):
    """Base class of multitask bandits: spaces and the step protocol with a task axis ``(B, M)``."""

    regret_terms: dict[str, tuple[str, str]] = {"regret_per_task": ("optimal_expected_reward", "expected_reward")}

    def __init__(self, num_envs: int, n_tasks: int, n_arms: int, dim: int, device=None, dtype=None,
                 obs_bound: float = np.inf):
        super().__init__(num_envs, n_arms, dim, device, dtype, obs_bound)
        self.n_tasks = check_int("n_tasks", n_tasks)
        shape = (self.n_tasks, self.n_arms, self.dim)
        self.single_observation_space = spaces.Box(-obs_bound, obs_bound, shape, np.float64)
        self.observation_space = spaces.Box(-obs_bound, obs_bound, (self.num_envs, *shape), np.float64)
        self.single_action_space = spaces.MultiDiscrete(np.full(self.n_tasks, self.n_arms))
        self.action_space = spaces.MultiDiscrete(np.full((self.num_envs, self.n_tasks), self.n_arms))

    def step(self, actions):
        if self.rng is None:
            raise RLKitError("reset() must be called before step()")
        actions = torch.as_tensor(actions, device=self.device)
        check_shape("actions", actions, (self.num_envs, self.n_tasks))
        bad = actions.dtype.is_floating_point or actions.dtype == torch.bool
        if bad or (actions.device.type == "cpu" and not bool(((actions >= 0) & (actions < self.n_arms)).all())):
            raise RLKitError(f"actions must be integers in [0, {self.n_arms}), got values "
                             f"{actions.min().item()}..{actions.max().item()} of dtype {actions.dtype}")
        rewards, info = self._step(actions.long())
        self.t += 1
        return self._observe(), rewards, self._false, self._false, info

    def theory_params(self) -> dict:
        return {**super().theory_params(), "M": self.n_tasks, "p": self.dim}

    # A subclass that redraws every task's contexts each round sets ``_contexts: (B, M, K, p)``, their mean rewards
    # ``_means: (B, M, K)``, ``sigma`` and the noise stream ``_noise`` in ``_draw_contexts`` and inherits these:
    def _draw_contexts(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def _observe(self) -> torch.Tensor:
        return self._contexts

    def _step(self, actions: torch.Tensor):
        """Gaussian rewards around the played actions' means; ``info`` as in the module docstring; new contexts."""
        mean = self._means.gather(-1, actions.unsqueeze(-1)).squeeze(-1)
        best = self._means.max(-1).values
        rewards = mean + self.sigma * self._noise.normal(self.n_tasks)
        self._draw_contexts()
        return rewards, {"expected_reward": mean, "optimal_expected_reward": best}


class SingleMultitaskBanditEnv(SingleBanditEnv):
    """A single-instance ``gymnasium.Env`` view of a :class:`BatchedMultitaskBanditEnv` subclass (``B = 1``)."""

    batched_class: type[BatchedMultitaskBanditEnv] = BatchedMultitaskBanditEnv

    def step(self, action):
        if not self.action_space.contains(np.asarray(action)):
            raise RLKitError(f"action must be {self.inner.n_tasks} integers in [0, {self.inner.n_arms}), "
                             f"got {action!r}")
        obs, r, term, trunc, info = self.inner.step(torch.as_tensor(np.asarray(action), dtype=torch.long)[None])
        info = {**info, "task_rewards": r}
        return self._np(obs[0]), float(r[0].mean()), bool(term[0]), bool(trunc[0]), self._info(info)

    @staticmethod
    def _info(info: dict) -> dict:
        return {k: (v[0].detach().cpu().numpy() if isinstance(v, torch.Tensor) else v) for k, v in info.items()}
