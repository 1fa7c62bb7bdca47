"""Final returns of Stable-Baselines3 PPO on one context, one seed per training run: the reference side of
``tests/mbtl/test_batched_ppo.py``'s two-sample test (the test reruns only the batched side).

Each run trains with :func:`rlkit.mbtl.sb3.train` (what a ``transfer_build`` cell runs today) on the default
context with the context in the observation, and scores the final model by the mean undiscounted return of
``episodes`` deterministic episodes started from the reset seeds ``10_000 + k``. Writes
``sb3_<family>.json`` beside this file::

    python tests/data/mbtl/sb3_reference.py cartpole [--seeds 20] [--timesteps 10240]
    python tests/data/mbtl/sb3_reference.py pendulum [--seeds 20] [--timesteps 20480]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from rlkit.mbtl import sb3
from rlkit.mbtl.families.base import FAMILIES

SETTINGS = {  # the specs' trainers: SB3's PPO defaults (CartPole), rl-zoo's Pendulum-v1 PPO (Pendulum)
    "cartpole": {"context": "masscart", "value": 1.0, "n_envs": 1, "params": {}},
    "pendulum": {"context": "dt", "value": 0.05, "n_envs": 4,
                 "params": {"n_steps": 1024, "gae_lambda": 0.95, "gamma": 0.9, "n_epochs": 10, "ent_coef": 0.0,
                            "learning_rate": 1e-3, "clip_range": 0.2, "use_sde": True, "sde_sample_freq": 4}},
}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("family", choices=sorted(SETTINGS))
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--timesteps", type=int, default=None)
    p.add_argument("--episodes", type=int, default=20)
    args = p.parse_args()
    torch.set_num_threads(1)
    s = SETTINGS[args.family]
    timesteps = args.timesteps or {"cartpole": 10240, "pendulum": 20480}[args.family]
    family = FAMILIES.get(args.family)

    def make(i=0):
        return family.make_env(s["context"], s["value"], {"context_in_obs": True})

    returns, seconds = [], []
    for seed in range(args.seeds):
        t0 = time.perf_counter()
        model = sb3.load(sb3.train(make, "PPO", timesteps, seed, s["n_envs"], params=s["params"]), "PPO")
        seconds.append(time.perf_counter() - t0)
        returns.append(float(sb3.evaluate(model, make, [10_000 + k for k in range(args.episodes)]).mean()))
        print(seed, returns[-1], f"{seconds[-1]:.1f}s", flush=True)
    out = {"family": args.family, "context": s["context"], "value": s["value"], "context_in_obs": True,
           "timesteps": timesteps, "n_envs": s["n_envs"], "params": s["params"], "seeds": list(range(args.seeds)),
           "episodes": args.episodes, "reset_seeds": [10_000 + k for k in range(args.episodes)],
           "final_returns": returns, "train_seconds": seconds,
           "command": f"python tests/data/mbtl/sb3_reference.py {args.family} --seeds {args.seeds} "
                      f"--timesteps {timesteps} --episodes {args.episodes}"}
    Path(__file__).with_name(f"sb3_{args.family}.json").write_text(json.dumps(out, indent=1) + "\n")
    print("mean", np.mean(returns), "sd", np.std(returns))


if __name__ == "__main__":
    main()
