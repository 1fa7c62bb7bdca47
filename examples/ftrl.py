"""Log-barrier FTRL (reconstructed) against exponential weights on an adversarial linear MDP (Dai et al. 2023).

    python examples/ftrl.py [--runs 10] [--episodes 2000]

Both with the tuned values of ``rlkit run ftrl_logbarrier``; prints the exact regret against the best fixed policy
in hindsight at K, and the simulator roll-outs used.
"""

import argparse

from rlkit.agents import run_episodes
from rlkit.envs import AdversarialLinearMDP
from rlkit.ftrl import DilatedBonusPO, FTRLLogBarrier


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--episodes", type=int, default=2000)
    args = p.parse_args(argv)
    B, K = args.runs, args.episodes
    env = AdversarialLinearMDP(num_envs=B, n_states=4, n_actions=4, horizon=2, dim=4)
    tuned = {"log-barrier FTRL": (FTRLLogBarrier, dict(eta=1.0, gamma=0.01, c=0.990099)),
             "exponential weights": (DilatedBonusPO, dict(eta=3.0, gamma=0.03, c=0.97087))}
    out = {}
    for label, (cls, params) in tuned.items():
        agent = cls.for_env(env, episodes=K, seed=0, beta=0.0, bonus="none", epsilon=1.0,
                            schedule="constant", **params)
        out[label] = run_episodes(env, agent, K, seed=0)["regret"]  # (B, P)
        print(f"{label:<20} regret at K = {K}: {out[label][:, -1].mean():8.1f} (mean of {B} runs); "
              f"simulator: {agent.simulator.counts()['trajectories']} roll-outs")
    return out


if __name__ == "__main__":
    main()
