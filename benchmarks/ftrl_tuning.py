"""Grid search of eta, gamma, beta for the policy-optimisation agents of a spec (the FTRL experiments' tuning).

    python benchmarks/ftrl_tuning.py experiments/ftrl_logbarrier.toml --episodes 2000 --phase-length 500 \\
        --eta 0.1 0.3 1 3 --gamma 0.02 0.05 0.1 --beta 0 0.01 0.1

For every policy-optimisation agent of the spec (FTRLLogBarrier, DilatedBonusPO, MagnitudeReducedFTRL) and every
grid point (the agent's other parameters as in the spec; ``c = 1 / (1 + gamma)``, and ``n_samples`` from gamma;
with a schedule, eta, gamma, beta are its constants and ``--episodes`` is the K they are scaled by), plays the
spec's environment for ``--episodes`` episodes and ``--runs`` runs (seed 1000: not the experiment's seeds) and
prints the final regret, mean and standard error over runs, best first. Not a test: wall time depends on the machine.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import torch

from rlkit.agents.episode_loop import run_episodes
from rlkit.core.registry import AGENTS
from rlkit.ftrl.linear_q_po import LinearQPolicyOptimization
from rlkit.kinds.bandit import make_env
from rlkit.runner.run import load_plugins, load_spec


def _parse(item: str) -> tuple[str, object]:
    key, _, text = item.partition("=")
    for kind in (int, float):
        try:
            return key, kind(text)
        except ValueError:
            pass
    return key, text


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("spec")
    p.add_argument("--episodes", type=int, default=2000)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--seed", type=int, default=1000)
    p.add_argument("--phase-length", type=int, default=None, help="override env.phase_length")
    p.add_argument("--eta", type=float, nargs="+", default=[0.1, 0.3, 1.0, 3.0])
    p.add_argument("--gamma", type=float, nargs="+", default=[0.02, 0.05, 0.1])
    p.add_argument("--beta", type=float, nargs="+", default=[0.0, 0.01, 0.1])
    p.add_argument("--agents", nargs="*", default=None, help="labels to tune (default: every PO agent)")
    p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                   help="agent parameter overrides, e.g. estimator=exact bonus=dp (values parsed as TOML)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    load_plugins()
    spec = load_spec(args.spec)
    env_spec = dict(spec["env"])
    if args.phase_length is not None:
        env_spec["phase_length"] = args.phase_length
    K = args.episodes
    overrides = dict(_parse(item) for item in args.set)
    for a in spec["agents"]:
        if not issubclass(AGENTS.get(a["algo"]), LinearQPolicyOptimization):
            continue
        label = a.get("label", a["algo"])
        if args.agents and label not in args.agents:
            continue
        rows = []
        for eta, gamma, beta in itertools.product(args.eta, args.gamma, args.beta):
            params = {k: v for k, v in a.items() if k not in ("label", "algo", "eta", "gamma", "beta", "c")}
            params.update(eta=eta, gamma=gamma, beta=beta, c=1.0 / (1.0 + gamma), **overrides)
            env = make_env(env_spec, args.runs)
            agent = AGENTS.get(a["algo"]).for_env(env, episodes=K, seed=args.seed, **params)
            start = time.perf_counter()
            with torch.inference_mode():
                final = run_episodes(env, agent, K, args.seed)["regret"][:, -1]
            rows.append((float(final.mean()), float(final.std(ddof=1) / np.sqrt(len(final))), eta, gamma, beta,
                         agent.n_samples, time.perf_counter() - start))
            print(f"{label}: eta {eta:g} gamma {gamma:g} beta {beta:g} (N = {agent.n_samples}): "
                  f"{rows[-1][0]:.1f} +- {rows[-1][1]:.1f}  [{rows[-1][-1]:.0f} s]", flush=True)
        print(f"\n{label}, K = {K}, {args.runs} runs: final regret, best first")
        for m, se, eta, gamma, beta, N, _ in sorted(rows):
            print(f"  eta {eta:<5g} gamma {gamma:<5g} beta {beta:<5g} N {N:<5d} {m:8.1f} +- {se:.1f}")


if __name__ == "__main__":
    main()
