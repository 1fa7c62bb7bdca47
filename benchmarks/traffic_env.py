"""TrafficSignal throughput: libsumo against TraCI in one process, and W libsumo worker processes together.

All runs play the same seeded random actions on the same context (MBTL's base intersection: 667 veh/h,
13.89 m/s, 750-m lanes) for ``--steps`` agent steps (10 simulated seconds each), resets included when an
episode ends; the context's files are generated before timing starts.

* **in one process**: one libsumo environment, then one TraCI environment (a sumo child over a socket);
* **W workers**: ``make_vector_env(W)`` (gymnasium AsyncVectorEnv, one libsumo simulation per process),
  ``--steps`` vector steps, i.e. ``W x steps`` agent steps in all.

    python benchmarks/traffic_env.py [--steps N] [--episode-seconds S] [--workers 1 2 4]

Prints agent steps per second and the ratios libsumo / TraCI and W workers / one libsumo process.
Timings only; not a test. On a shared machine they are inflated and noisy.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from rlkit.envs import TrafficContext, TrafficSignal, make_vector_env
from rlkit.envs.traffic.network import intersection_files


def single(backend: str, steps: int, episode_seconds: int, seed: int = 0) -> float:
    """Agent steps per second of one environment in this process."""
    actions = np.random.default_rng(seed).integers(0, 4, size=steps)
    with TrafficSignal(episode_seconds=episode_seconds, backend=backend) as env:
        env.reset(seed=seed)
        start = time.perf_counter()
        for a in actions:
            *_, terminated, truncated, _ = env.step(int(a))
            if terminated or truncated:
                env.reset()
        return steps / (time.perf_counter() - start)


def vector(workers: int, steps: int, episode_seconds: int, seed: int = 0) -> float:
    """Agent steps per second, all workers together (vector env autoresets finished episodes)."""
    actions = np.random.default_rng(seed).integers(0, 4, size=(steps, workers))
    env = make_vector_env(workers, episode_seconds=episode_seconds)
    try:
        env.reset(seed=[seed + i for i in range(workers)])
        start = time.perf_counter()
        for a in actions:
            env.step(a)
        return workers * steps / (time.perf_counter() - start)
    finally:
        env.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1080, help="agent steps per run (540 = one 5400-s episode)")
    parser.add_argument("--episode-seconds", type=int, default=5400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    intersection_files(TrafficContext())  # generate the context's files outside the timings
    print(f"TrafficSignal, MBTL base context, {args.steps} agent steps per run, {args.episode_seconds}-s "
          f"episodes, {os.cpu_count()} CPUs")
    lib = single("libsumo", args.steps, args.episode_seconds)
    traci = single("traci", args.steps, args.episode_seconds)
    print(f"{'in one process':<26}{'steps/s':>10}{'ratio':>22}")
    print(f"{'  libsumo':<26}{lib:>10.0f}{lib / traci:>14.1f}x TraCI")
    print(f"{'  TraCI':<26}{traci:>10.0f}{1.0:>14.1f}x TraCI")
    print(f"{'W libsumo workers (total)':<26}{'steps/s':>10}{'ratio':>22}")
    for w in args.workers:
        total = vector(w, args.steps, args.episode_seconds)
        print(f"{'  W = ' + str(w):<26}{total:>10.0f}{total / lib:>14.2f}x 1 process")


if __name__ == "__main__":
    main()
