"""Throughput of rlkit's DynLin-UCB against a textbook per-run numpy implementation, same problem, one process.

rlkit: all runs in one tensor program (leading axis B), one decision and one ridge update per epoch, the
environment advancing a whole epoch of the held action in closed form (``step_held``), through the generic
rollout (three regret curves recorded).

Textbook: one run at a time, one Python iteration per round: the environment's state recursion in numpy, the
optimistic action recomputed at each epoch start from ``np.linalg.inv(V)`` over the arms, the ridge update
at the epoch's last round, pseudo-regret accumulated per round. Same system, same schedule, same radius.

    python benchmarks/dynlin_throughput.py [--config synthetic|advertising] [--rounds T] [--runs B]

Prints rounds per second (runs x rounds / wall seconds) of both and their ratio. Timings only; not a test.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

from rlkit.agents.bandit_loop import run_bandit
from rlkit.dynlin_ucb.dynlin_ucb import DynLinUCB
from rlkit.envs.bandits.dynamical_linear_bandit import DynamicalLinearBandit
from rlkit.theory.dynlin_ucb import epoch_length


def textbook_run(env: DynamicalLinearBandit, agent: DynLinUCB, T: int, seed: int) -> float:
    """One run of DynLin-UCB, round by round in numpy; returns the steady-state pseudo-regret."""
    rng = np.random.default_rng(seed)
    A, B, w, th, U = env.A_np, env.B_np, env.omega_np, env.theta_np, env.actions_np
    h, jstar, s, s_y = env.h_np, env.optimal_value, env.noise, env.reward_noise
    d = U.shape[1]
    V, b = agent.lam * np.eye(d), np.zeros(d)
    x = np.zeros(A.shape[0])
    regret, m, left, n_samples = 0.0, 0, 0, 0
    u = U[0]
    for _ in range(T):
        if left == 0:
            m += 1
            left = epoch_length(m, agent.rho_bar)
            V_inv = np.linalg.inv(V)
            h_hat = V_inv @ b
            beta = agent.beta(n_samples)
            ucb = [U[k] @ h_hat + beta * math.sqrt(U[k] @ V_inv @ U[k]) for k in range(U.shape[0])]
            u = U[int(np.argmax(ucb))]
        y = w @ x + th @ u + s_y * rng.standard_normal()
        x = A @ x + B @ u + s * rng.standard_normal(A.shape[0])
        regret += jstar - h @ u
        left -= 1
        if left == 0:
            V += np.outer(u, u)
            b += y * u
            n_samples += 1
    return regret


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="synthetic", choices=["synthetic", "advertising"])
    p.add_argument("--rounds", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--textbook-runs", type=int, default=2, help="runs timed for the textbook implementation")
    a = p.parse_args()
    torch.set_num_threads(1)

    env = DynamicalLinearBandit(num_envs=a.runs, config=a.config)
    agent = DynLinUCB.for_env(env, rounds=a.rounds, seed=0, lam="logT")
    t0 = time.perf_counter()
    out = run_bandit(env, agent, a.rounds, seed=0)
    rl_time = time.perf_counter() - t0
    rl_rate = a.runs * a.rounds / rl_time

    env1 = DynamicalLinearBandit(num_envs=1, config=a.config)
    agent1 = DynLinUCB.for_env(env1, rounds=a.rounds, seed=0, lam="logT")
    t0 = time.perf_counter()
    tb = [textbook_run(env1, agent1, a.rounds, seed) for seed in range(a.textbook_runs)]
    tb_time = time.perf_counter() - t0
    tb_rate = a.textbook_runs * a.rounds / tb_time

    print(f"DynLin-UCB(log T), {a.config} system, T = {a.rounds}")
    print(f"  rlkit    : {a.runs} runs in {rl_time:8.2f} s  -> {rl_rate:12,.0f} rounds/s  "
          f"(final steady-state regret {out['steady_state_regret'][:, -1].mean():,.1f})")
    print(f"  textbook : {a.textbook_runs} runs in {tb_time:8.2f} s  -> {tb_rate:12,.0f} rounds/s  "
          f"(final steady-state regret {np.mean(tb):,.1f})")
    print(f"  ratio    : {rl_rate / tb_rate:.1f}x")


if __name__ == "__main__":
    main()
