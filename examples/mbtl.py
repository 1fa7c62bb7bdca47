"""MBTL against its baselines on the shipped CartPole transfer matrix (Cho, Jayawardana, Li, Wu 2024).

    python examples/mbtl.py [--steps 15]

Plays MBTL, Greedy, Equidistant and the sequential oracle on the shipped ``data/transfer/mbtl_cartpole.npz``
(15 cart masses, PPO, 3 trials) and prints the generalised performance after 1, 2, 3, 5 and all sources (``rlkit
transfer select mbtl_cartpole`` plays every strategy; ``rlkit run mbtl_cartpole`` rebuilds the matrix).
"""

import argparse

import numpy as np

from rlkit.mbtl import MBTL, Equidistant, Greedy, SequentialOracle, TransferMatrix
from rlkit.runner.catalog import data_path


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=15)
    args = p.parse_args(argv)
    m = TransferMatrix.load(data_path("mbtl_cartpole"))
    K = args.steps
    out = {}
    strategies = {"MBTL": lambda M: MBTL(m.n, slope=0.035, seed=0), "Greedy": lambda M: Greedy(m.n),
                  "Equidistant": lambda M: Equidistant(m.n), "Sequential oracle": lambda M: SequentialOracle(M)}
    for label, make in strategies.items():
        normalised = [m.normalized(t) for t in range(m.trials)]  # (N, N) each, trial by trial
        curves = np.stack([make(M).run(M, steps=K)[1] for M in normalised])  # (trials, K)
        out[label] = curves
        shown = [k for k in (1, 2, 3, 5, K) if k <= K]
        print(f"{label:<18} " + "  ".join(f"k={k}: {curves[:, k - 1].mean():.3f}" for k in sorted(set(shown))))
    oracle = np.mean([m.normalized(t).max(0).mean() for t in range(m.trials)])
    print(f"oracle transfer (every source trained): {oracle:.3f}")
    return out


if __name__ == "__main__":
    main()
