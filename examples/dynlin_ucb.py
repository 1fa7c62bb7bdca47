"""DynLin-UCB against Lin-UCB on the paper's synthetic dynamical linear bandit (Mussi, Metelli, Restelli 2023).

    python examples/dynlin_ucb.py [--runs 10] [--rounds 100000]

Prints each agent's mean steady-state pseudo-regret and realised regret at T (the paper's full experiment is
``rlkit run dynlin_ucb_synthetic``: T = 10^6, every baseline, figures).
"""

import argparse
import math

import gymnasium as gym

import rlkit.envs  # noqa: F401  (registers the rlkit/ environments)
from rlkit.agents import run_bandit
from rlkit.baselines import LinUCB
from rlkit.dynlin_ucb import DynLinUCB


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--rounds", type=int, default=100_000)
    args = p.parse_args(argv)
    B, T = args.runs, args.rounds
    env = gym.make_vec("rlkit/DynamicalLinearBandit-v0", num_envs=B, vectorization_mode="vector_entry_point",
                       config="synthetic", noise=0.01)
    agents = {"DynLin-UCB(log T)": DynLinUCB.for_env(env, rounds=T, seed=0, lam="logT"),
              "Lin-UCB(log T)": LinUCB.for_env(env, rounds=T, seed=0, lam=math.log(T), delta=1 / T)}
    out = {}
    for label, agent in agents.items():
        curves = run_bandit(env, agent, T, seed=0)  # the same seed: common random numbers across agents
        out[label] = curves
        print(f"{label:<20} steady-state regret {curves['steady_state_regret'][:, -1].mean():10.1f}   "
              f"realised regret {curves['realised_regret'][:, -1].mean():10.1f}   (mean of {B} runs, T = {T})")
    return out


if __name__ == "__main__":
    main()
