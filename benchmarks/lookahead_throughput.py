"""Look-ahead rollouts against the per-round loop: the same agents on the same dynamical linear bandit, one
process, same decisions.

With look-ahead (the default of :func:`rlkit.agents.bandit_loop.run_bandit`) a deterministic agent is asked once per
run of identical decisions: the environment peeks at the rewards the chosen action would earn
(``peek_held``), the agent finds in closed form the first round at which some run would switch (``keeps``),
and those rounds are played as one held block. Without it (``lookahead=False``) the agent decides every
round (LinUCB, D-LinUCB) or every epoch (DynLin-UCB). Both produce the same regret curves; the script checks
that and prints the largest difference.

    python benchmarks/lookahead_throughput.py [--config synthetic|advertising] [--rounds T] [--runs B]

Prints rounds per second (runs x rounds / wall seconds) of both, their ratio and the decisions taken.
Timings only; not a test.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from rlkit.agents.bandit_loop import run_bandit
from rlkit.baselines import LinUCB
from rlkit.dynlin_ucb import DLinUCB, DynLinUCB
from rlkit.envs.bandits.dynamical_linear_bandit import DynamicalLinearBandit


class Counted:
    """An agent seen through a counter of its ``act`` calls."""

    def __init__(self, agent):
        self.agent, self.decisions = agent, 0

    def __getattr__(self, name):
        return getattr(self.agent, name)

    def act(self, contexts):
        self.decisions += 1
        return self.agent.act(contexts)


AGENTS = {
    "Lin-UCB(1)": lambda env, T: LinUCB.for_env(env, rounds=T, seed=0, lam=1.0, delta=1.0 / T, validate=False),
    "D-Lin-UCB(log T)": lambda env, T: DLinUCB.for_env(env, rounds=T, seed=0, lam="logT", gamma=1 - 1.0 / T,
                                                       delta=1.0 / T, validate=False),
    "DynLin-UCB(log T)": lambda env, T: DynLinUCB.for_env(env, rounds=T, seed=0, lam="logT"),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="synthetic", choices=["synthetic", "advertising"])
    p.add_argument("--rounds", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=10)
    a = p.parse_args()
    torch.set_num_threads(1)
    print(f"{a.config} system, {a.runs} runs, T = {a.rounds}")
    for label, make in AGENTS.items():
        rates, decisions, curves = [], [], []
        for lookahead in (True, False):
            env = DynamicalLinearBandit(num_envs=a.runs, config=a.config)
            agent = Counted(make(env, a.rounds))
            t0 = time.perf_counter()
            curves.append(run_bandit(env, agent, a.rounds, seed=0, lookahead=lookahead)["steady_state_regret"])
            rates.append(a.runs * a.rounds / (time.perf_counter() - t0))
            decisions.append(agent.decisions)
        diff = float(np.abs(curves[0] - curves[1]).max())
        print(f"  {label:<18} look-ahead {rates[0]:12,.0f} rounds/s ({decisions[0]:>7,} decisions)  "
              f"per-decision loop {rates[1]:12,.0f} rounds/s ({decisions[1]:>7,})  ratio {rates[0] / rates[1]:6.1f}x  "
              f"final regret {curves[0][:, -1].mean():,.1f} (max |diff| {diff:.1e})")


if __name__ == "__main__":
    main()
