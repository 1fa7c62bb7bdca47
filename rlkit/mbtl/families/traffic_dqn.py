"""Per-context DQN (Stable-Baselines3) training and zero-shot evaluation on :class:`rlkit.envs.TrafficSignal`.

These are the two cell functions a transfer-matrix build calls (MBTL, Cho et al. NeurIPS 2024): train one
policy per source context (:func:`train_dqn`), evaluate every policy on every target (:func:`evaluate`),
each in its own process (:func:`rlkit.core.processes.run_cell`, libsumo being one simulation per process).

**Score** (:func:`episode_score`, what :func:`evaluate` returns by default): MBTL's traffic metric, the
authors' ``avg_reward`` (``traffic-signal/transfer_simulation.py``): the sum over decisions of the negative
part of the reward ``old_total_wait - current_total_wait`` (seconds), divided by the episode's length in
seconds, i.e. ``-sum_t max(W_t - W_{t-1}, 0) / episode_seconds`` with ``W`` the total accumulated waiting
time on the incoming lanes (``info["waiting_time"]``). MBTL normalises it with the bounds
:data:`SCORE_BOUNDS` ``= (-100, 0)`` (``MBTL/utils.py``, ``intersection_*``; not clipped):
:func:`normalise`. ``metric="return"`` gives the plain undiscounted return instead.

**DQN** (:func:`dqn_defaults`, after the authors' ``training_settings.ini`` and ``model.py``): 4 hidden
layers of 400 units with Mish, learning rate 1e-3, gamma 0.75, batch 100, replay memory 50 000 with
training from 600 samples on, epsilon decayed linearly from 1 to 0 over the whole budget (MBTL: per
episode, ``1 - episode / total_episodes``). *Departures*: SB3's DQN does one gradient step per environment
step and keeps a target network (updated every 500 steps); MBTL trains 800 minibatches after each episode
on its single network. Overrides go in ``dqn_kwargs``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from rlkit.core.atomic_io import atomic_output, atomic_write
from rlkit.core.checks import RLKitError, check_choice, check_int

SCORE_BOUNDS = (-100.0, 0.0)  # MBTL's normalisation of the traffic-signal score (lower, upper)


def dqn_defaults() -> dict:
    """MBTL's DQN settings as Stable-Baselines3 ``DQN`` keyword arguments (a fresh dict)."""
    import torch

    return {"learning_rate": 1e-3, "gamma": 0.75, "batch_size": 100, "buffer_size": 50_000,
            "learning_starts": 600, "train_freq": 1, "gradient_steps": 1, "target_update_interval": 500,
            "exploration_fraction": 1.0, "exploration_initial_eps": 1.0, "exploration_final_eps": 0.0,
            "policy_kwargs": {"net_arch": [400, 400, 400, 400], "activation_fn": torch.nn.Mish}}


def episode_score(waiting_times, episode_seconds: float) -> float:
    """MBTL's score of one episode from its ``info["waiting_time"]`` series (``W_0`` at reset first)."""
    w = np.asarray(waiting_times, dtype=np.float64)
    if w.ndim != 1 or w.size < 2:
        raise RLKitError(f"waiting_times must be a 1-D series of at least 2 values, got shape {w.shape}")
    return float(-np.clip(np.diff(w), 0.0, None).sum() / float(episode_seconds))


def normalise(score, bounds: tuple[float, float] = SCORE_BOUNDS):
    """``(score - lower) / (upper - lower)``, MBTL's normalisation (not clipped: values may leave [0, 1])."""
    lower, upper = bounds
    return (np.asarray(score, dtype=np.float64) - lower) / (upper - lower)


def learn(env, steps: int, seed: int, *, dqn_kwargs: Mapping | None = None, threads: int = 1):
    """SB3's ``DQN`` with MBTL's settings (:func:`dqn_defaults`, overridden by ``dqn_kwargs``) trained for
    ``steps`` agent steps on ``env`` (a :class:`~rlkit.envs.TrafficSignal` or an environment switching
    between them); returns the model. CPU, ``threads`` torch threads; same arguments, same model."""
    import torch
    from stable_baselines3 import DQN

    from rlkit.mbtl.sb3 import silence_logger

    steps = check_int("steps", steps)
    seed = check_int("seed", seed, minimum=0)
    torch.set_num_threads(check_int("threads", threads))
    params = {**dqn_defaults(), **dict(dqn_kwargs or {})}
    try:
        model = DQN("MlpPolicy", env, seed=seed, device="cpu", verbose=0, **params)
    except TypeError as e:
        raise RLKitError(f"dqn_kwargs are not accepted by DQN: {e}") from None
    silence_logger(model).learn(total_timesteps=steps)
    return model


def episode_value(model, env, seed: int, *, options: Mapping | None = None, metric: str = "score",
                  deterministic: bool = True) -> float:
    """One episode of ``model`` (an SB3 policy) on ``env`` from ``reset(seed=seed, options=options)``: its
    score (:func:`episode_score`) or, with ``metric="return"``, its undiscounted return."""
    obs, info = env.reset(seed=int(seed), options=dict(options) if options else None)
    waiting, total, done = [info["waiting_time"]], 0.0, False
    while not done:
        action, _ = model.predict(obs, deterministic=deterministic)
        obs, reward, terminated, truncated, info = env.step(int(action))
        waiting.append(info["waiting_time"])
        total += reward
        done = terminated or truncated
    return episode_score(waiting, env.episode_seconds) if metric == "score" else total


def _make_env(context, env_kwargs: Mapping | None):
    from rlkit.envs.traffic.network import TrafficContext
    from rlkit.envs.traffic.signal import TrafficSignal

    return TrafficSignal(**TrafficContext.coerce(context).as_dict(), **dict(env_kwargs or {}))


def _policy_dir(out_dir) -> Path:
    from rlkit.envs.traffic.network import cache_dir

    path = Path(out_dir) if out_dir is not None else cache_dir() / "policies"
    path.mkdir(parents=True, exist_ok=True)
    return path


def train_dqn(context, steps: int, seed: int, *, out_dir: str | os.PathLike | None = None,
              env_kwargs: Mapping | None = None, dqn_kwargs: Mapping | None = None, threads: int = 1,
              overwrite: bool = False) -> Path:
    """Train SB3's DQN for ``steps`` agent steps on ``context`` (seeded); return the saved policy's path.

    ``context`` is a :class:`~rlkit.envs.TrafficContext` or a mapping of its fields; ``env_kwargs`` go to
    :class:`~rlkit.envs.TrafficSignal` (e.g. ``episode_seconds``, ``backend``); ``dqn_kwargs`` override
    :func:`dqn_defaults`. The policy is ``out_dir/dqn-<hash>.zip`` (default ``out_dir``: the traffic cache's
    ``policies/``), the hash taken over (context, steps, seed, env_kwargs, dqn_kwargs), with a JSON record
    beside it; it is written atomically, and an existing one is returned without training unless
    ``overwrite``. Same arguments, same policy (CPU, ``threads`` torch threads).
    """
    from rlkit.envs.traffic.network import TrafficContext

    context = TrafficContext.coerce(context)
    steps = check_int("steps", steps)
    seed = check_int("seed", seed, minimum=0)
    record = {"context": context.as_dict(), "steps": steps, "seed": seed, "env_kwargs": dict(env_kwargs or {}),
              "dqn_kwargs": dict(dqn_kwargs or {})}
    key = hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:16]
    root = _policy_dir(out_dir)
    path = root / f"dqn-{key}.zip"
    if path.exists() and not overwrite:
        return path
    env = _make_env(context, env_kwargs)
    try:
        model = learn(env, steps, seed, dqn_kwargs=dqn_kwargs, threads=threads)
        with atomic_output(path) as tmp:
            model.save(tmp)
    finally:
        env.close()
    atomic_write(root / f"dqn-{key}.json", json.dumps(record, sort_keys=True, indent=1, default=str).encode())
    return path


def evaluate(policy_path: str | os.PathLike, context, episodes: int, seed: int, *,
             env_kwargs: Mapping | None = None, metric: str = "score", threads: int = 1) -> float:
    """Mean over ``episodes`` of the greedy policy's score (or return) on ``context``; episode ``i`` uses
    seed ``seed + i``. ``metric``: ``"score"`` (MBTL's, see :func:`episode_score`; normalise with
    :func:`normalise`) or ``"return"`` (sum of rewards; with ``diff-waiting-time`` it telescopes to minus
    the waiting time left at the end, /100). ``env_kwargs`` as in :func:`train_dqn`."""
    return evaluate_many(policy_path, [context], episodes, seed, env_kwargs=env_kwargs, metric=metric,
                         threads=threads)[0]


def evaluate_many(policy_path: str | os.PathLike, contexts, episodes: int, seed: int, *,
                  env_kwargs: Mapping | None = None, metric: str = "score", threads: int = 1) -> list[float]:
    """:func:`evaluate` on every context in ``contexts`` (one transfer-matrix row), in one environment.

    One process, one simulation: the policy is loaded once and the environment switches task between
    episodes (``reset(options={"context": ...})``), so a row costs one process start, not one per target.
    """
    import torch
    from stable_baselines3 import DQN

    from rlkit.envs.traffic.network import TrafficContext

    metric = check_choice("metric", metric, ("score", "return"))
    episodes = check_int("episodes", episodes)
    seed = check_int("seed", seed, minimum=0)
    contexts = [TrafficContext.coerce(c) for c in contexts]
    if not contexts:
        raise RLKitError("contexts must hold at least one context, got none")
    if not Path(policy_path).is_file():
        raise RLKitError(f"policy_path {str(policy_path)!r} is not a file")
    torch.set_num_threads(check_int("threads", threads))
    model = DQN.load(policy_path, device="cpu")
    env = _make_env(contexts[0], env_kwargs)
    means = []
    try:
        for context in contexts:
            values = [episode_value(model, env, seed + i, options={"context": context}, metric=metric)
                      for i in range(episodes)]
            means.append(float(np.mean(values)))
    finally:
        env.close()
    return means
