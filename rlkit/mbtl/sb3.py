"""Stable-Baselines3 as the trainer of source policies, and batched zero-shot evaluation of a trained policy.

:func:`train` returns the trained model as the bytes of SB3's ``.zip`` (it travels to evaluation workers
and is stored with the results); :func:`evaluate` runs a batch of episodes in lockstep with one
``model.predict`` per step for the whole batch (deterministic actions by default, as the authors' tests).
Every family trains and evaluates through these two functions, the traffic family included (its DQN
settings as ``params``, one episode at a time, MBTL's score, each call in a process of its own).

SB3 seeds Python's, numpy's and torch's global generators when given a seed; both functions restore the
global generators afterwards, so the caller's global random state is as it was (rlkit itself never uses it).
"""

from __future__ import annotations

import contextlib
import io
import random
from collections.abc import Callable, Sequence

import gymnasium as gym
import numpy as np

from rlkit.core.checks import RLKitError, check_int

ALGORITHMS = ("PPO", "DQN", "A2C", "SAC", "TD3", "DDPG")


@contextlib.contextmanager
def preserved_global_rng():
    """Restore Python's, numpy's and torch's global random states on exit."""
    import torch

    state = random.getstate(), np.random.get_state(), torch.get_rng_state()  # noqa: NPY002 (the legacy global)
    try:
        yield
    finally:
        random.setstate(state[0])
        np.random.set_state(state[1])  # noqa: NPY002
        torch.set_rng_state(state[2])


def algorithm(name: str):
    """The SB3 algorithm class called ``name`` (one of :data:`ALGORITHMS`)."""
    if name not in ALGORITHMS:
        raise RLKitError(f"train.algo must be one of {list(ALGORITHMS)}, got {name!r}")
    try:
        import stable_baselines3
    except ImportError:
        raise RLKitError("building transfer matrices needs Stable-Baselines3: pip install 'rlkit[rl]'") from None
    return getattr(stable_baselines3, name)


def silence_logger(model):
    """Give an SB3 model a logger that writes nothing: without one, each ``learn`` call makes an empty
    ``SB3-<date>`` folder in the system's temporary directory (SB3's default logger), one per trained policy."""
    from stable_baselines3.common.logger import Logger

    model.set_logger(Logger(folder=None, output_formats=[]))
    return model


def train(make_env: Callable[[int], gym.Env], algo: str, timesteps: int, seed: int, n_envs: int = 1,
          policy: str = "MlpPolicy", params: dict | None = None) -> bytes:
    """Train SB3's ``algo`` for ``timesteps`` steps on ``n_envs`` copies ``make_env(i)``; return its zip bytes."""
    timesteps, n_envs = check_int("train.timesteps", timesteps), check_int("train.n_envs", n_envs)
    with preserved_global_rng():  # importing SB3 the first time draws from Python's global generator too
        cls = algorithm(algo)
        from stable_baselines3.common.monitor import Monitor
        from stable_baselines3.common.vec_env import DummyVecEnv

        venv = DummyVecEnv([lambda i=i: Monitor(make_env(i)) for i in range(n_envs)])
        try:
            try:
                model = cls(policy, venv, seed=int(seed), device="cpu", verbose=0, **(params or {}))
            except TypeError as e:
                raise RLKitError(f"train.params are not accepted by {algo}: {e}") from None
            silence_logger(model).learn(total_timesteps=timesteps)
            buf = io.BytesIO()
            model.save(buf)
        finally:
            venv.close()
    return buf.getvalue()


def load(model: bytes, algo: str):
    """The SB3 model saved in ``model`` (zip bytes from :func:`train`)."""
    with preserved_global_rng():  # building the policy before loading its weights draws from the globals
        return algorithm(algo).load(io.BytesIO(bytes(model)), device="cpu")


def evaluate(model, make_env: Callable[[], gym.Env], seeds: Sequence[int], deterministic: bool = True,
             batch: int | None = None, score: Callable[[gym.Env, list[dict]], float] | None = None) -> np.ndarray:
    """Value of ``model`` in one episode per reset seed: ``(len(seeds),)``.

    An episode's value is its undiscounted return or, with ``score``, ``score(env, infos)``: ``infos`` the
    episode's info dicts, the reset's first (e.g. MBTL's traffic score, from the waiting times). Episodes run
    ``batch`` at a time (default: all) in lockstep; one ``model.predict`` serves the batch. The ``batch``
    environments are made once and serve every group of episodes (``reset(seed=...)`` starts each), so
    ``batch = 1`` plays the episodes one after another in a single environment, what a simulator that allows
    one instance per process needs. The environments are closed before returning.
    """
    seeds = [int(s) for s in seeds]
    batch = len(seeds) if batch is None else check_int("evaluate.batch", batch)
    values = np.zeros(len(seeds))
    envs: list[gym.Env] = []
    with preserved_global_rng():
        try:
            for start in range(0, len(seeds), max(batch, 1)):
                group = seeds[start:start + batch]
                envs += [make_env() for _ in range(len(group) - len(envs))]
                resets = [env.reset(seed=s) for env, s in zip(envs, group)]
                obs = np.stack([o for o, _ in resets])
                infos = [[info] for _, info in resets]
                active = np.ones(len(group), dtype=bool)
                while active.any():
                    actions, _ = model.predict(obs, deterministic=deterministic)
                    for i in np.flatnonzero(active):
                        o, r, terminated, truncated, info = envs[i].step(actions[i])
                        values[start + i] += float(r)
                        obs[i] = o
                        if score is not None:
                            infos[i].append(info)
                        active[i] = not (terminated or truncated)
                if score is not None:
                    values[start:start + len(group)] = [score(env, ep) for env, ep in zip(envs, infos)]
        finally:
            for env in envs:
                env.close()
    return values
