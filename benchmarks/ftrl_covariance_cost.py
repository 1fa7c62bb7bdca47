"""The covariance step's cost: Dai et al.'s empirical estimator (Algorithm 3's, ``estimator="empirical"``) beside
gamma-regularised Geometric Resampling (``estimator="gr"``), both from simulator roll-outs of the agent's policy.

    python benchmarks/ftrl_covariance_cost.py --gamma 0.3 0.1 0.03 --repeats 5

For each ridge ``gamma``, builds a log-barrier FTRL agent on the instance of ``experiments/ftrl_logbarrier.toml``
(10 runs) with each estimator, and times ``covariance_inverse`` of its first (uniform) policy, simulator roll-outs
included: ``W = ceil(4 d ln(d / delta) / gamma^2)`` roll-outs for the empirical estimator (``delta = 0.01``),
``N = ceil(ln(1 / gamma) / (c gamma))`` for Geometric Resampling (``c = 1 / (1 + gamma)``, ``epsilon = 1``, one
copy). Prints the roll-out counts, the median wall time of each over ``--repeats`` calls, their ratios, and the
accuracy each reaches: the largest ``|lambda - 1|`` of ``Sigma_hat^{1/2} (gamma I + Sigma) Sigma_hat^{1/2}`` against
the exact ``Sigma`` (the relative band the slides state for the empirical estimator is ``2 sqrt(gamma)``).
Not a test: wall time depends on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from rlkit.core import dp
from rlkit.envs import AdversarialLinearMDP
from rlkit.ftrl import FTRLLogBarrier
from rlkit.ftrl.covariance_estimators import feature_covariance

INSTANCE = dict(n_states=4, n_actions=4, horizon=2, dim=4, feature_alpha=0.1, transition_alpha=0.3)


def relative_error(est: torch.Tensor, exact: torch.Tensor) -> float:
    """Largest ``|lambda - 1|`` of ``S^{1/2} G S^{1/2}`` (``S`` the symmetric part of the estimate, ``G`` exact)."""
    S = (est + est.transpose(-1, -2)) / 2
    evals, evecs = torch.linalg.eigh(S)
    root = evecs @ torch.diag_embed(evals.clamp_min(0).sqrt()) @ evecs.transpose(-1, -2)
    return float((torch.linalg.eigvalsh(root @ exact @ root) - 1).abs().max())


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gamma", type=float, nargs="+", default=[0.3, 0.1, 0.03])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"{'gamma':>6} {'W (emp.)':>9} {'N (GR)':>7} {'W/N':>7} {'emp. s':>8} {'GR s':>8} {'time ratio':>10} "
          f"{'emp. |lam-1|':>12} {'GR |lam-1|':>10} {'2 sqrt(gamma)':>13}")
    for gamma in args.gamma:
        env = AdversarialLinearMDP(num_envs=args.runs, **INSTANCE)
        env.reset(seed=0)
        times, errors, sizes = {}, {}, {}
        for estimator in ("empirical", "gr"):
            agent = FTRLLogBarrier.for_env(env, episodes=1, seed=0, schedule="constant", gamma=gamma,
                                           estimator=estimator, epsilon=1.0, bonus="none")
            agent.begin_episode()
            pi = agent.policy()
            q = dp.occupancy(env.transitions().expand(args.runs, *env.transitions().shape[-4:]), pi,
                             env.initial_distribution())
            exact = gamma * torch.eye(env.dim, dtype=env.dtype) + feature_covariance(q, env.phi)
            runs = []
            with torch.inference_mode():
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    est = agent.covariance_inverse(pi)
                    runs.append(time.perf_counter() - start)
            times[estimator], sizes[estimator] = statistics.median(runs), agent.n_samples
            errors[estimator] = relative_error(est, exact)
        W, N = sizes["empirical"], sizes["gr"]
        print(f"{gamma:>6g} {W:>9d} {N:>7d} {W / N:>7.0f} {times['empirical']:>8.4f} {times['gr']:>8.4f} "
              f"{times['empirical'] / times['gr']:>10.2f} {errors['empirical']:>12.3f} {errors['gr']:>10.3f} "
              f"{2 * gamma**0.5:>13.3f}", flush=True)


if __name__ == "__main__":
    main()
