"""Evaluation of one trained policy on one target (a transfer-matrix cell): rlkit's lockstep batch vs SB3's.

Side by side in one process, on the same trained CartPole PPO policy and the same 20 deterministic test
episodes on a heavier cart:

* rlkit: :func:`rlkit.mbtl.sb3.evaluate`, the episodes in lockstep, one ``model.predict`` per step for
  the whole batch (what a ``transfer_build`` evaluation cell runs);
* Stable-Baselines3's ``evaluate_policy`` on one environment (episodes one after the other), and on a
  ``DummyVecEnv`` of 20 environments.

Prints the seconds per cell, the mean returns (the same policy and starts: close, though SB3's vectorised
helper reseeds differently) and the ratios. Timings are wall-clock on whatever machine runs it; nothing is
asserted.

    python benchmarks/transfer_evaluation.py [--episodes 20] [--timesteps 20000]
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np
import torch

import rlkit.envs  # noqa: F401
from rlkit.mbtl import sb3


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--episodes", type=int, default=20)
    p.add_argument("--timesteps", type=int, default=20_000)
    args = p.parse_args()
    torch.set_num_threads(1)
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.vec_env import DummyVecEnv

    def make(masscart=1.0):
        return gym.make("rlkit/ContextualCartPole-v0", masscart=masscart, context_in_obs=True)

    model = sb3.load(sb3.train(lambda i: make(), "PPO", args.timesteps, seed=0), "PPO")
    target = 3.0
    seeds = list(range(args.episodes))

    t0 = time.perf_counter()
    ours = sb3.evaluate(model, lambda: make(target), seeds)
    t_ours = time.perf_counter() - t0

    env = make(target)
    env.reset(seed=0)
    t0 = time.perf_counter()
    one, _ = evaluate_policy(model, env, n_eval_episodes=args.episodes, deterministic=True, return_episode_rewards=True)
    t_one = time.perf_counter() - t0

    venv = DummyVecEnv([lambda: make(target) for _ in seeds])
    venv.seed(0)
    t0 = time.perf_counter()
    vec, _ = evaluate_policy(model, venv, n_eval_episodes=args.episodes, deterministic=True,
                             return_episode_rewards=True)
    t_vec = time.perf_counter() - t0

    print(f"one cell: {args.episodes} episodes of CartPole (masscart {target}), PPO trained {args.timesteps} steps")
    print(f"  rlkit lockstep batch            {t_ours:7.3f} s   mean return {np.mean(ours):7.1f}")
    print(f"  SB3 evaluate_policy, 1 env      {t_one:7.3f} s   mean return {np.mean(one):7.1f}   "
          f"ratio {t_one / t_ours:5.1f}x")
    print(f"  SB3 evaluate_policy, 20 envs    {t_vec:7.3f} s   mean return {np.mean(vec):7.1f}   "
          f"ratio {t_vec / t_ours:5.1f}x")


if __name__ == "__main__":
    main()
