"""MBTL's DQN settings and score for the traffic family (:mod:`rlkit.mbtl.families.traffic`).

The traffic family trains and evaluates through :mod:`rlkit.mbtl.sb3` like every family; this module holds
what is MBTL's own (Cho et al. NeurIPS 2024):

**Score** (:func:`episode_score`, per episode :func:`mbtl_score`): MBTL's traffic metric, the authors'
``avg_reward`` (``traffic-signal/transfer_simulation.py``): the sum over decisions of the negative part of
the reward ``old_total_wait - current_total_wait`` (seconds), divided by the episode's length in seconds,
i.e. ``-sum_t max(W_t - W_{t-1}, 0) / episode_seconds`` with ``W`` the total accumulated waiting time on the
incoming lanes (``info["waiting_time"]``). MBTL normalises it with the bounds :data:`SCORE_BOUNDS`
``= (-100, 0)`` (``MBTL/utils.py``, ``intersection_*``; not clipped), the family's default bounds.

**DQN** (:func:`dqn_defaults`, after the authors' ``training_settings.ini`` and ``model.py``): 4 hidden
layers of 400 units with Mish, learning rate 1e-3, gamma 0.75, batch 100, replay memory 50 000 with
training from 600 samples on, epsilon decayed linearly from 1 to 0 over the whole budget (MBTL: per
episode, ``1 - episode / total_episodes``). *Departures*: SB3's DQN does one gradient step per environment
step and keeps a target network (updated every 500 steps); MBTL trains 800 minibatches after each episode
on its single network. Overrides go in a spec's ``[train] params``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rlkit.core.checks import RLKitError

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


def mbtl_score(env, infos: Sequence[dict]) -> float:
    """:func:`episode_score` of one episode of ``env`` (a :class:`~rlkit.envs.TrafficSignal`) from its info
    dicts, the reset's first: the ``score`` of :func:`rlkit.mbtl.sb3.evaluate` for the traffic family."""
    return episode_score([info["waiting_time"] for info in infos], env.unwrapped.episode_seconds)
