"""Training N source policies of a transfer matrix: the batched PPO trainer vs Stable-Baselines3, one process
per policy (what the ``sb3`` trainer of ``transfer_build`` runs), side by side on the same machine.

For each N (default 15, 100, 300) it times the batched trainer training N CartPole policies (cart masses
x0.1 .. x10, context in the observation, SB3's PPO defaults) for ``--timesteps`` steps each, in one process.
SB3 is timed on ``--sb3-policies`` policies (default 2), each in its own fresh process as a build runs them, and
its wall time for N policies is **extrapolated linearly** (N times the mean per policy: one process per
policy on one core, no parallelism on either side). Prints environment steps per second and the wall time
for N policies of each, and their ratio. Timings are wall-clock on whatever machine runs it (one torch thread
each side unless ``--threads``); nothing is asserted. ``--device cuda`` times the batched side on a GPU.

    python benchmarks/mbtl_batched_training.py [--n 15 100 300] [--timesteps 4096] [--sb3-policies 2]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time

import numpy as np
import torch

from rlkit.envs.contextual.batched_cartpole import BatchedCartPole
from rlkit.mbtl.batched_ppo import BatchedPPO

SB3_ONE = """
import sys, time, torch
torch.set_num_threads({threads})
from rlkit.mbtl import sb3
from rlkit.mbtl.families.base import FAMILIES
fam = FAMILIES.get("cartpole")
t0 = time.perf_counter()
sb3.train(lambda i: fam.make_env("masscart", {mass}, {{"context_in_obs": True}}), "PPO", {timesteps}, {seed})
print(time.perf_counter() - t0)
"""


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def sb3_seconds(timesteps: int, policies: int, threads: int) -> tuple[float, float, float]:
    """Per policy, means: (seconds inside its process, wall seconds with the process start, CPU seconds of the
    process)."""
    inside, wall, cpu = [], [], []
    for k in range(policies):
        code = SB3_ONE.format(threads=threads, mass=1.0 + k, timesteps=timesteps, seed=k)
        t0, c0 = time.perf_counter(), _children_cpu()
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
        wall.append(time.perf_counter() - t0)
        cpu.append(_children_cpu() - c0)
        inside.append(float(out.stdout.strip().splitlines()[-1]))
    return float(np.mean(inside)), float(np.mean(wall)), float(np.mean(cpu))


def batched_seconds(n: int, timesteps: int, device: str) -> tuple[float, float]:
    """(wall, CPU) seconds to train ``n`` policies at once."""
    masses = np.linspace(0.1, 10.0, n)
    t0, c0 = time.perf_counter(), time.process_time()
    ppo = BatchedPPO(BatchedCartPole, "masscart", masses, range(n), context_in_obs=True, device=device)
    ppo.learn(timesteps)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, nargs="+", default=[15, 100, 300])
    p.add_argument("--timesteps", type=int, default=4096, help="per policy (rounded up to rollouts of 2048)")
    p.add_argument("--sb3-policies", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    steps = -(-args.timesteps // 2048) * 2048
    inside, wall, cpu = sb3_seconds(steps, args.sb3_policies, args.threads)
    print(f"CartPole, PPO (SB3 defaults), {steps} steps per policy; SB3 timed on {args.sb3_policies} policies, "
          f"one process each, extrapolated linearly to N; batched on {args.device}")
    print(f"SB3: {inside:.1f} s per policy in its process ({steps / inside:,.0f} steps/s), {wall:.1f} s wall and "
          f"{cpu:.1f} s CPU with the process start")
    print("wall: seconds to train N policies and environment steps per second; CPU: CPU seconds (what a shared "
          "machine's load does not inflate)")
    print(f"{'N':>5} {'batched wall':>12} {'steps/s':>10} {'SB3 wall':>10} {'steps/s':>8} {'ratio':>7} "
          f"{'batched CPU':>12} {'SB3 CPU':>9} {'ratio':>7}")
    for n in args.n:
        b, bc = batched_seconds(n, steps, args.device)
        s, sc = n * wall, n * cpu
        print(f"{n:5d} {b:12.1f} {n * steps / b:10,.0f} {s:10.1f} {steps / wall:8,.0f} {s / b:6.1f}x {bc:12.1f} "
              f"{sc:9.1f} {sc / bc:6.1f}x", flush=True)


if __name__ == "__main__":
    main()
