"""R2PVI (TV, KL, chi^2) against PEVI: average return under perturbations of the simulated linear MDP (Tang et al.).

    python examples/r2pvi.py [--replications 20] [--episodes 100]

Fits every method on the same offline datasets and prints each one's exact return (dynamic programming on the
known model) at perturbations q = 0, 0.5, 1 (the full figure: ``rlkit run r2pvi_linear_mdp``).
"""

import argparse

from rlkit.agents import exact_return
from rlkit.baselines import PEVI
from rlkit.envs import RobustLinearMDP, collect
from rlkit.r2pvi import R2PVI


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replications", type=int, default=20)
    p.add_argument("--episodes", type=int, default=100)
    args = p.parse_args(argv)
    env = RobustLinearMDP(delta=0.3, xi_norm=0.2)
    data = collect(env, "uniform", args.episodes, seed=0, replications=args.replications)
    methods = {"PEVI": PEVI(beta=1.0, gamma=0.1)}
    methods.update({f"R2PVI-{f}": R2PVI(divergence=f, lam=0.1, beta=1.0, gamma=0.1) for f in ("tv", "kl", "chi2")})
    out = {}
    for label, agent in methods.items():
        policy = agent.fit(data)  # every replication at once
        out[label] = {q: exact_return(env, policy, param=q) for q in (0.0, 0.5, 1.0)}  # (R,) each
        print(f"{label:<12} return at q = 0 / 0.5 / 1: "
              + " / ".join(f"{float(r.mean()):.3f}" for r in out[label].values()))
    return out


if __name__ == "__main__":
    main()
