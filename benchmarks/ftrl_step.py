"""The batched log-barrier FTRL step against cvxpy solving one state at a time, in one process.

    python benchmarks/ftrl_step.py [--actions 5] [--cvxpy-states 200] [--threads 2]

Times (1) cvxpy (Clarabel, default tolerances) on ``--cvxpy-states`` single-state problems
``min_p <p, L> + (1/eta) sum_a ln(1/p_a)`` over the simplex, (2) a per-state scipy ``brentq`` root-finding on
the same KKT equation, and (3) :func:`rlkit.ftrl.policy_steps.log_barrier_step` on ``B x |S|`` states at once for
several batch sizes; prints seconds per state, states per second, the ratio to cvxpy, and the largest
difference to the cvxpy solutions. Not a test: timings depend on the machine and on its load.
"""

from __future__ import annotations

import argparse
import time
import warnings

import cvxpy as cp
import numpy as np
import torch
from scipy.optimize import brentq

from rlkit.ftrl.policy_steps import log_barrier_step, softmax_step


def cvxpy_step(L: np.ndarray, eta: float) -> np.ndarray:
    p = cp.Variable(L.shape[0])
    prob = cp.Problem(cp.Minimize(L @ p - cp.sum(cp.log(p)) / eta), [cp.sum(p) == 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prob.solve(solver="CLARABEL")
    return p.value


def brentq_step(L: np.ndarray, eta: float) -> np.ndarray:
    x = eta * (L - L.min())
    mu = brentq(lambda m: np.sum(1.0 / (x + m)) - 1.0, 1.0, float(L.size), xtol=1e-14, rtol=1e-14)
    p = 1.0 / (x + mu)
    return p / p.sum()


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actions", type=int, default=5)
    ap.add_argument("--eta", type=float, default=0.5)
    ap.add_argument("--cvxpy-states", type=int, default=200)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    A, eta = args.actions, args.eta
    g = torch.Generator().manual_seed(0)
    L = 10.0 * torch.randn(args.cvxpy_states, A, generator=g, dtype=torch.float64)  # cumulative losses, any sign
    Ln = L.numpy()
    t = time.perf_counter()
    ref = np.stack([cvxpy_step(row, eta) for row in Ln])
    cvx = (time.perf_counter() - t) / len(Ln)
    t = time.perf_counter()
    bq = np.stack([brentq_step(row, eta) for row in Ln])
    per_brentq = (time.perf_counter() - t) / len(Ln)
    ours = log_barrier_step(L, eta).numpy()
    print(f"log-barrier FTRL step, A = {A}, eta = {eta}, float64, torch threads = {torch.get_num_threads()}")
    print(f"max |p - p_cvxpy| over {len(Ln)} states: batched {np.abs(ours - ref).max():.1e}, "
          f"brentq {np.abs(bq - ref).max():.1e} (cvxpy at its default tolerances)")
    print(f"{'method':<44}{'states':>10}{'s per state':>14}{'states/s':>14}{'vs cvxpy':>10}")
    print(f"{'cvxpy (Clarabel), one state per solve':<44}{len(Ln):>10}{cvx:>14.2e}{1 / cvx:>14,.0f}{1:>9.0f}x")
    print(f"{'scipy brentq on the KKT equation, per state':<44}{len(Ln):>10}{per_brentq:>14.2e}"
          f"{1 / per_brentq:>14,.0f}{cvx / per_brentq:>9.0f}x")
    for B, S in ((1, 100), (10, 100), (100, 100), (100, 1000), (1000, 1000)):
        X = 10.0 * torch.randn(B, S, A, generator=g, dtype=torch.float64)
        sec = best_of(lambda X=X: log_barrier_step(X, eta), 3) / (B * S)
        print(f"{f'batched log-barrier, B = {B} x |S| = {S}':<44}{B * S:>10}{sec:>14.2e}{1 / sec:>14,.0f}"
              f"{cvx / sec:>9,.0f}x")
    X = 10.0 * torch.randn(1000, 1000, A, generator=g, dtype=torch.float64)
    sec = best_of(lambda: softmax_step(X, eta), 3) / X[..., 0].numel()
    print(f"{'batched softmax (negative entropy), 10^6 states':<44}{X[..., 0].numel():>10}{sec:>14.2e}"
          f"{1 / sec:>14,.0f}{cvx / sec:>9,.0f}x")


if __name__ == "__main__":
    main()
