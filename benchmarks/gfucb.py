"""Neural GFUCB, batched, against the same algorithm written as a per-run, per-task loop, in one process.

:class:`rlkit.gfucb.NeuralGFUCB` runs every run's network as one slice of stacked weights (grouped matmuls),
every task's ellipsoid as one batched :class:`rlkit.core.linalg.Covariance` over ``(runs, tasks)``. The peer below is
the textbook way to write it: one ``torch.nn.Module`` and one Adam optimiser per run, Python loops over runs and
tasks, one ``k x k`` Gram matrix per task, rank-1 inverse updates between refits and a rebuild from the run's data
after each. Same hyper-parameters (hidden width, feature dimension, refit schedule, minibatch, radius), same
environment and seeds for the environment; the networks' initial weights and minibatches differ (each side draws
its own), so the regrets agree in distribution, not bit for bit: both are printed as a check.

    python benchmarks/gfucb.py [--runs 20] [--tasks 10] [--rounds 200] [--threads 1]

Prints rounds per second (runs x rounds / seconds) of both and their ratios, per wall second and per CPU second of
this process (one thread: the two agree on a quiet machine; on a loaded one the CPU figures are the steadier).
Timings only; not a test.
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np
import torch

import rlkit.envs  # noqa: F401
from rlkit.agents.bandit_loop import run_bandit
from rlkit.gfucb import NeuralGFUCB


class LoopNeuralGFUCB:
    """Per-run, per-task Neural GFUCB: one network per run (shared trunk, a head per task), Python loops."""

    def __init__(self, n_runs, n_tasks, dim, *, hidden=64, rep_dim=8, lam=1.0, alpha=0.3, lr=0.01, refit_every=5,
                 refit_steps=20, batch_size=128, seed=0):
        self.B, self.M, self.k, self.lam, self.alpha = n_runs, n_tasks, rep_dim, lam, alpha
        self.refit_every, self.refit_steps, self.batch_size = refit_every, refit_steps, batch_size
        gen = torch.Generator().manual_seed(seed)
        self.gen = gen
        self.nets, self.opts = [], []
        for _ in range(n_runs):
            trunk = torch.nn.Sequential(torch.nn.Linear(dim, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, rep_dim),
                                        torch.nn.Tanh()).double()
            heads = torch.nn.Linear(rep_dim, n_tasks, bias=False).double()
            self.nets.append((trunk, heads))
            self.opts.append(torch.optim.Adam([*trunk.parameters(), *heads.parameters()], lr=lr))
        self.X = [[[] for _ in range(n_tasks)] for _ in range(n_runs)]  # X[b][i]: played contexts
        self.Y = [[[] for _ in range(n_tasks)] for _ in range(n_runs)]
        eye = torch.eye(rep_dim, dtype=torch.float64)
        self.V_inv = [[eye / lam for _ in range(n_tasks)] for _ in range(n_runs)]
        self.bvec = [[torch.zeros(rep_dim, dtype=torch.float64) for _ in range(n_tasks)] for _ in range(n_runs)]
        self.t = 0

    @torch.no_grad()
    def act(self, contexts):  # (B, M, K, p)
        actions = torch.empty(self.B, self.M, dtype=torch.long)
        for b in range(self.B):
            phi = self.nets[b][0](contexts[b])  # (M, K, k)
            for i in range(self.M):
                theta = self.V_inv[b][i] @ self.bvec[b][i]
                width = ((phi[i] @ self.V_inv[b][i]) * phi[i]).sum(-1).clamp_min(0).sqrt()
                actions[b, i] = int((phi[i] @ theta + self.alpha * width).argmax())
        return actions

    def update(self, contexts, actions, rewards):
        self.t += 1
        for b in range(self.B):
            for i in range(self.M):
                self.X[b][i].append(contexts[b, i, actions[b, i]])
                self.Y[b][i].append(float(rewards[b, i]))
        if self.t % self.refit_every:
            with torch.no_grad():
                for b in range(self.B):
                    for i in range(self.M):
                        x = self.nets[b][0](self.X[b][i][-1])
                        u = self.V_inv[b][i] @ x
                        self.V_inv[b][i] = self.V_inv[b][i] - torch.outer(u, u) / (1.0 + x @ u)
                        self.bvec[b][i] = self.bvec[b][i] + self.Y[b][i][-1] * x
            return
        for b in range(self.B):
            trunk, heads = self.nets[b]
            X = torch.stack([torch.stack(self.X[b][i]) for i in range(self.M)])  # (M, t, p)
            Y = torch.tensor(self.Y[b], dtype=torch.float64)  # (M, t)
            for _ in range(self.refit_steps):
                s = torch.randint(0, self.M * self.t, (self.batch_size,), generator=self.gen)
                task, rnd = s // self.t, s % self.t
                pred = (heads.weight[task] * trunk(X[task, rnd])).sum(-1)
                loss = (pred - Y[task, rnd]).pow(2).mean()
                self.opts[b].zero_grad()
                loss.backward()
                self.opts[b].step()
            with torch.no_grad():
                for i in range(self.M):
                    phi = trunk(X[i])
                    V = self.lam * torch.eye(self.k, dtype=torch.float64) + phi.T @ phi
                    self.V_inv[b][i] = torch.linalg.inv(V)
                    self.bvec[b][i] = phi.T @ Y[i]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--tasks", type=int, default=10)
    p.add_argument("--rounds", type=int, default=200)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)

    def env():
        return gym.make_vec("rlkit/MultitaskRepresentationBandit-v0", num_envs=a.runs,
                            vectorization_mode="vector_entry_point", preset="figure", n_tasks=a.tasks)

    print(f"Neural GFUCB, {a.runs} runs x {a.tasks} tasks, T = {a.rounds}, K = 10, p = 10, hidden 64, k = 8, "
          f"refit every 5 rounds (20 Adam steps), {a.threads} thread(s)")
    results = {}
    for name in ("rlkit NeuralGFUCB (batched)", "per-run, per-task loop"):
        e = env()
        agent = (NeuralGFUCB.for_env(e, rounds=a.rounds, seed=0, validate=False) if name.startswith("rlkit")
                 else LoopNeuralGFUCB(a.runs, a.tasks, e.dim))
        t0, c0 = time.perf_counter(), time.process_time()
        with torch.inference_mode(name.startswith("rlkit")):  # as the experiment runner plays rlkit's agents
            regret = run_bandit(e, agent, a.rounds, seed=0)["regret_per_task"][:, -1]
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        results[name] = (a.runs * a.rounds / wall, a.runs * a.rounds / cpu)
        print(f"  {name:<28} {results[name][0]:10,.1f} rounds/s wall ({wall:6.1f} s), {results[name][1]:10,.1f} per "
              f"CPU s ({cpu:6.1f} s); final regret per task {np.mean(regret):6.2f} "
              f"+- {np.std(regret) / np.sqrt(a.runs):.2f}")
    fast, slow = results.values()
    print(f"  ratio: {fast[0] / slow[0]:.1f}x per wall second, {fast[1] / slow[1]:.1f}x per CPU second")


if __name__ == "__main__":
    main()
