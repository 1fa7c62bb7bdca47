"""Training time per agent on the American put option, beside the times Tang, Liu & Xu (ICML 2025) report.

    python benchmarks/r2pvi_timing.py                         # rlkit only, reported times as the reference
    python benchmarks/r2pvi_timing.py --authors DIR           # also time the authors' numpy code in-process

``DIR`` is the ``American_put_opt`` folder of a local checkout of the authors' repository
(panxulab/Robust-Regularized-Pessimistic-Value-Iteration); nothing of it is part of rlkit. Both
implementations are fitted on datasets of the same size (N trajectories of the always-hold policy,
d hat features, H = 20); the authors' code on its own collector's data.

Prints, for N = 100 and d = 30: seconds per fit (minimum over repeats after a warm-up) for each method,
the authors' reported seconds and the ratio; then the seconds for N = 10^5 and d = 100.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

import torch

from rlkit.baselines import PEVI
from rlkit.envs import AmericanPutOption, collect
from rlkit.r2pvi import DRPVI, DRVI_L, R2PVI

REPORTED = {"PEVI": 0.07, "R2PVI-TV": 0.08, "R2PVI-KL": 0.08, "R2PVI-chi2": 0.75, "DRPVI": 0.34}  # seconds, paper
AUTHORS_NAMES = {"PEVI": "PEVI", "R2PVI-TV": "R2PVI_TV", "R2PVI-KL": "R2PVI_KL", "R2PVI-chi2": "R2PVI_xi2",
                 "DRPVI": "DRPVI", "DRVI-L": "DRVI_L"}
BETA, GAMMA, LAM, RHO = 0.1, 1.0, 0.025, 0.025  # the put-option settings of the authors' code


def agents(dtype=torch.float64):
    kw = {"beta": BETA, "gamma": GAMMA, "dtype": dtype}
    return {"PEVI": PEVI(**kw), "R2PVI-TV": R2PVI("tv", LAM, **kw), "R2PVI-KL": R2PVI("kl", LAM, **kw),
            "R2PVI-chi2": R2PVI("chi2", LAM, **kw), "DRPVI": DRPVI(rho=RHO, **kw), "DRVI-L": DRVI_L(rho=RHO, **kw)}


def best_time(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def authors_times(path: str, N: int, d: int, repeats: int) -> dict[str, float]:
    sys.path.insert(0, path)
    try:
        alg = importlib.import_module("algorithm")
        env_mod = importlib.import_module("env")
        data_mod = importlib.import_module("data_collection")
        train = importlib.import_module("train_test").train_agent_once
    finally:
        sys.path.remove(path)
    data = data_mod.Offline_Dataset_Collection(20, N, env_mod.American_put_option(0.5, d, seed=0))
    out = {}
    for label, name in AUTHORS_NAMES.items():
        cls, reg = getattr(alg, name), LAM if "R2PVI" in label else RHO

        def fit(cls=cls, reg=reg):
            return train(data, cls, d, 20, BETA, GAMMA, reg)

        out[label] = best_time(fit, repeats)
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--authors", help="path of the authors' American_put_opt folder (optional peer)")
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as numpy code on one core)")
    p.add_argument("--skip-large", action="store_true", help="skip N = 10^5, d = 100")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)

    N, d = 100, 30
    data = collect(AmericanPutOption(d=d), "constant:0", N, seed=0)
    ours = {label: best_time(lambda a=a: a.fit(data), args.repeats) for label, a in agents().items()}
    peer = authors_times(args.authors, N, d, max(1, args.repeats // 2)) if args.authors else {}
    print(f"American put option, N = {N}, d = {d}, H = 20: seconds per fit (min of {args.repeats}, "
          f"{args.threads} torch thread(s))")
    head = f"{'method':<12}{'rlkit':>10}{'reported':>10}{'ratio':>8}"
    if peer:
        head += f"{'authors here':>14}{'ratio':>8}"
    print(head)
    for label, t in ours.items():
        rep = REPORTED.get(label)
        row = f"{label:<12}{t:>10.4f}" + (f"{rep:>10.2f}{rep / t:>7.0f}x" if rep else f"{'-':>10}{'-':>8}")
        if peer:
            row += f"{peer[label]:>14.4f}{peer[label] / t:>7.0f}x"
        print(row)
    if args.skip_large:
        return
    N, d = 100_000, 100
    big = collect(AmericanPutOption(d=d), "constant:0", N, seed=0)
    print(f"\nN = {N}, d = {d}, H = 20: seconds of one fit")
    for label, a in agents().items():
        t0 = time.perf_counter()
        a.fit(big)
        print(f"{label:<12}{time.perf_counter() - t0:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
