"""The batched episodic loop: one episodic agent on one finite episodic environment, all runs in one tensor program.

:func:`run_episodes` plays ``episodes`` episodes of ``H`` steps (protocol: :mod:`rlkit.agents.episodic`) and
records curves at the given checkpoints (episode counts ``k``):

* ``"regret"`` (environments whose ``objective`` is ``"reward"`` or ``"loss"``): the exact regret against the
  best fixed policy in hindsight,

      R(k) = sum_{tau <= k} V^{pi_tau}_tau(s_1) - min_pi sum_{tau <= k} V^pi_tau(s_1)     (losses)
      R(k) = max_pi sum_{tau <= k} V^pi_tau(s_1) - sum_{tau <= k} V^{pi_tau}_tau(s_1)     (rewards),

  where ``V^{pi_tau}_tau`` is the value of the policy the agent plays in episode ``tau`` (its table,
  :meth:`~rlkit.agents.episodic.EpisodicAgent.policy`) under that episode's mean losses
  (``env.objective_table()``), both by dynamic programming on the exact model (:mod:`rlkit.core.dp`). The
  transitions are fixed, so the value of a fixed policy summed over episodes is its value under the summed
  table, and the comparator is one DP on the running sum of the tables at each checkpoint. For a
  stochastic environment (one table) this is the usual pseudo-regret ``k V* - sum_tau V^{pi_tau}``.
  With tasks (``task_shape = (M,)``) the curve is the **per-task** regret (mean over tasks).
* anything a ``metrics`` callback returns: ``metrics(env, agent, k) -> {name: (B,) tensor}`` is called at
  every checkpoint, after episode ``k`` (e.g. reward-free exploration plans for a family of rewards there
  and returns the worst suboptimality); its curves are recorded under their names. Without a callback, an
  agent's own ``default_metrics(env, k)`` is used where it has one (the reward-free agents':
  :func:`rlkit.reward_free.planning_metrics`), so every agent's run returns its paper's curve.

Nothing leaves the device inside the loop but the checkpoint columns; the curves are copied to the host once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from rlkit.agents.bandit_loop import checkpoints
from rlkit.core import dp
from rlkit.core.checks import RLKitError, check_int


def run_episodes(env, agent, episodes: int, seed, record_at: np.ndarray | None = None,
                 metrics: Callable | None = None, progress: Callable | None = None) -> dict[str, np.ndarray]:
    """Play ``episodes`` episodes; return ``{name: (B, P)}`` curves at ``record_at`` (``P`` episode counts).

    ``seed`` is passed to ``env.reset`` (an int root seed or one SeedSequence per run). ``progress``, if
    given, is called with the number of episodes done after each checkpoint.
    """
    K = check_int("episodes", episodes)
    record_at = checkpoints(K) if record_at is None else np.asarray(record_at, dtype=np.int64)
    if record_at.size == 0 or record_at[0] < 1 or record_at[-1] > K or np.any(np.diff(record_at) <= 0):
        raise RLKitError(f"record_at must be increasing episode counts in [1, {K}], got {record_at[:5]}...")
    if tuple(agent.batch_shape) != tuple(env.batch_shape):
        raise RLKitError(f"agent batch shape {tuple(agent.batch_shape)} does not match the environment's "
                         f"{tuple(env.batch_shape)} (runs, tasks)")
    is_record = np.zeros(K + 1, dtype=bool)
    is_record[record_at] = True
    if metrics is None and hasattr(agent, "default_metrics"):
        metrics = lambda env, agent, k: agent.default_metrics(env, k)  # noqa: E731
    regret = env.objective in ("reward", "loss")
    sign = 1.0 if env.objective == "loss" else -1.0  # regret = sign * (played - best)
    states, _ = env.reset(seed=seed)
    B, H = env.num_envs, env.horizon
    played = torch.zeros(env.batch_shape, device=env.device, dtype=env.dtype)
    summed: torch.Tensor | None = None
    out: dict[str, torch.Tensor] = {}
    column = 0
    for k in range(1, K + 1):
        if k > 1:
            states, _ = env.next_episode()
        agent.begin_episode()
        if regret:
            P, mu, table = env.transitions(), env.initial_distribution(), env.objective_table()
            _, V = dp.evaluate_policy(P, table, agent.policy())
            played += dp.initial_value(V, mu)
            summed = table.expand(*env.batch_shape, *table.shape[-3:]).clone() if summed is None else summed + table
        for h in range(H):
            actions = agent.act(states, h)
            next_states, feedback, _, _, _ = env.step(actions)
            agent.observe(states, actions, feedback, next_states, h)
            states = next_states
        agent.end_episode()
        if not is_record[k]:
            continue
        if hasattr(agent, "check_deferred"):  # validate="checkpoint": the value checks are read here
            agent.check_deferred()
        row: dict[str, torch.Tensor] = {}
        if regret:
            _, _, V = dp.optimal_policy(P, summed, maximize=env.objective == "reward")
            row["regret"] = sign * (played - dp.initial_value(V, mu))
        if metrics is not None:
            row.update(metrics(env, agent, k))
        for name, value in row.items():
            value = value.reshape(B, -1).mean(-1) if value.dim() > 1 else value  # per task: mean over tasks
            if name not in out:
                out[name] = torch.full((B, record_at.size), float("nan"), device=env.device, dtype=env.dtype)
            out[name][:, column] = value.to(env.dtype)
        column += 1
        if progress is not None:
            progress(k)
    if hasattr(agent, "check_deferred"):  # the episodes after the last checkpoint
        agent.check_deferred()
    return {name: v.cpu().numpy() for name, v in out.items()}
