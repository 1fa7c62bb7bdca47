"""The batched online bandit loop: one agent on one batched environment, all runs in one tensor program.

:func:`run_bandit` plays ``horizon`` rounds and records, for every regret term the environment declares in
``env.regret_terms`` (name -> (optimal key, achieved key) of ``info``; ``"reward"`` = the observed reward),
the cumulative regret of every run at the given checkpoints. Nothing leaves the device inside the loop; the
recorded curves are copied to the host once at the end.
"""

from __future__ import annotations

import numpy as np
import torch

from rlkit.checks import RLKitError


def checkpoints(horizon: int, n: int = 200) -> np.ndarray:
    """Rounds (1-based, sorted, unique, ending at ``horizon``) at which curves are recorded: ``n`` log-spaced
    and ``n`` evenly spaced points, so both log-log and linear plots are smooth."""
    pts = np.concatenate([np.geomspace(1, horizon, n), np.linspace(1, horizon, n)])
    return np.unique(np.clip(np.round(pts).astype(np.int64), 1, horizon))


def run_bandit(env, agent, horizon: int, seed, record_at: np.ndarray | None = None,
               progress=None) -> dict[str, np.ndarray]:
    """Play ``horizon`` rounds; return ``{term: (B, P)}`` cumulative regret at ``record_at`` (``P`` points).

    ``seed`` is passed to ``env.reset`` (an int root seed or one SeedSequence per run). ``progress``, if
    given, is called with the number of rounds done every few thousand rounds.
    """
    if record_at is None:
        record_at = checkpoints(horizon)
    record_at = np.asarray(record_at, dtype=np.int64)
    if record_at.size == 0 or record_at[0] < 1 or record_at[-1] > horizon or np.any(np.diff(record_at) <= 0):
        raise RLKitError(f"record_at must be increasing rounds in [1, {horizon}], got {record_at[:5]}...")
    terms = dict(env.regret_terms)
    contexts, _ = env.reset(seed=seed)
    B = env.num_envs
    cum = {name: torch.zeros(B, device=env.device, dtype=env.dtype) for name in terms}
    out = {name: torch.empty(B, record_at.size, device=env.device, dtype=env.dtype) for name in terms}
    is_record = np.zeros(horizon + 1, dtype=bool)
    is_record[record_at] = True
    column = 0
    for t in range(1, horizon + 1):
        actions = agent.act(contexts)
        next_contexts, rewards, _, _, info = env.step(actions)
        for name, (best, got) in terms.items():
            achieved = rewards if got == "reward" else info[got]
            cum[name] += info[best] - achieved
        agent.update(contexts, actions, rewards)
        contexts = next_contexts
        if is_record[t]:
            for name in terms:
                out[name][:, column] = cum[name]
            column += 1
        if progress is not None and t % 4096 == 0:
            progress(t)
    return {name: v.cpu().numpy() for name, v in out.items()}
