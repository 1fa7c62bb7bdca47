"""Horizon-free reward-free exploration: HF-UCRL-RFE++ against UCRL-RFE and UCRL-RFE+ (Zhang, Zhang, Gu 2023).

    python examples/reward_free.py [--runs 4] [--episodes 300] [--horizon 20]

Each agent explores the lower-bound instance without rewards; prints the worst exact suboptimality of its planned
policies over the reward family at K, and HF-UCRL-RFE++'s certificate (the full experiments:
``rlkit run reward_free_horizon`` and ``rlkit run reward_free_curve``).
"""

import argparse

from rlkit.agents import run_episodes
from rlkit.envs import LowerBoundMDP
from rlkit.reward_free import HFUCRLRFE, UCRLRFE, UCRLRFEPlus


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=4)
    p.add_argument("--episodes", type=int, default=300)
    p.add_argument("--horizon", type=int, default=20)
    args = p.parse_args(argv)
    B, K = args.runs, args.episodes
    env = LowerBoundMDP(num_envs=B, dim=4, horizon=args.horizon)
    out = {}
    for cls in (HFUCRLRFE, UCRLRFE, UCRLRFEPlus):  # each with its default beta_scale (the specs' values)
        agent = cls.for_env(env, episodes=K, seed=0, **({"moments": 4} if cls is HFUCRLRFE else {}))
        out[cls.__name__] = curves = run_episodes(env, agent, K, seed=0)
        extra = f", certificate {curves['certificate'][:, -1].mean():.3f}" if "certificate" in curves else ""
        print(f"{cls.__name__:<12} worst suboptimality at K = {K}: {curves['suboptimality'][:, -1].mean():.4f}{extra}")
    return out


if __name__ == "__main__":
    main()
