"""GFUCB (reconstructed): per-task regret with 10, 5 and 1 tasks sharing a representation (Lu, Zhao, Du, Huang 2022).

    python examples/gfucb.py [--runs 10] [--rounds 625]

Neural GFUCB on the figure's environment (10 tasks) with ``group_size`` 10, 5 and 1, as in the paper's figure;
prints each agent's mean per-task regret at T (the full figure: ``rlkit run gfucb_figure``).
"""

import argparse

import gymnasium as gym

import rlkit.envs  # noqa: F401  (registers the rlkit/ environments)
from rlkit.agents import run_bandit
from rlkit.gfucb import NeuralGFUCB


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--rounds", type=int, default=625)
    args = p.parse_args(argv)
    B, T = args.runs, args.rounds
    env = gym.make_vec("rlkit/MultitaskRepresentationBandit-v0", num_envs=B, vectorization_mode="vector_entry_point",
                       preset="figure")
    out = {}
    for g in (10, 5, 1):
        agent = NeuralGFUCB.for_env(env, rounds=T, seed=0, group_size=g)
        out[g] = run_bandit(env, agent, T, seed=0)["regret_per_task"]  # (B, P)
        print(f"GFUCB, {g:>2} tasks sharing: per-task regret {out[g][:, -1].mean():8.2f} (mean of {B} runs, T = {T})")
    return out


if __name__ == "__main__":
    main()
