"""Log-log slopes of final regret against K from a results directory of a sweep over the episodes (each K a
separate run), with percentile-bootstrap intervals over runs, and the paired difference of two agents' slopes.

    python benchmarks/ftrl_slopes.py RESULTS_DIR [--from-k 1000] [--pair LABEL_A LABEL_B]

``RESULTS_DIR`` is the output of ``rlkit run experiments/ftrl_logbarrier_episodes.toml --out RESULTS_DIR``. For
every agent: the final regret (mean, standard error) at each K, the slope of log mean regret against log K over
all K and over ``K >= --from-k``, each with its 95% bootstrap interval (runs resampled jointly across K; run ``i``
sees the same instance at every K). ``--pair A B`` adds the slope of A minus the slope of B with a paired bootstrap
interval (the same resampled runs for both). For reading the slopes, it also prints the slopes that
``sqrt(K) ln K`` and ``K^(2/3) ln K`` have on the same grid: what a logarithmic factor hidden in ``Otilde`` alone
adds to 0.5 and 0.67. Not a test.
"""

from __future__ import annotations

import argparse

import numpy as np

from rlkit.core.registry import KINDS
from rlkit.core.stats import loglog_slope_band, standard_error
from rlkit.kinds import sweep as sweeps
from rlkit.runner.run import load_plugins
from rlkit.runner.store import ResultStore


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def paired_difference(x, A, B, n_boot: int = 2000, seed: int = 0):
    """Slope of mean(A) minus slope of mean(B) against ``x``, with a paired percentile-bootstrap 95% interval
    (``A, B: (runs, G)``, the same resampled runs for both)."""
    n = A.shape[0]
    counts = np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=n_boot)
    a, b = counts @ A / n, counts @ B / n
    ok = np.all(a > 0, 1) & np.all(b > 0, 1)
    diffs = [_slope(x, ai) - _slope(x, bi) for ai, bi in zip(a[ok], b[ok])]
    lo, hi = np.quantile(diffs, [0.025, 0.975])
    return _slope(x, A.mean(0)) - _slope(x, B.mean(0)), float(lo), float(hi)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results")
    p.add_argument("--from-k", type=int, default=1000)
    p.add_argument("--pair", nargs=2, default=None, metavar=("LABEL_A", "LABEL_B"))
    args = p.parse_args(argv)
    load_plugins()
    store = ResultStore(args.results)
    spec = store.spec()
    if not sweeps.over_length(spec):
        raise SystemExit(f"{args.results} is not a sweep over the episodes")
    units = [u for u in KINDS.get(spec["kind"])().units(spec) if store.has(u)]
    G, R = len(spec["sweep"]["values"]), spec["runs"]
    x_all = np.asarray(spec["sweep"]["values"], dtype=np.float64)
    finals = {}
    for label, arrays in store.gather(units).items():
        rows = arrays["regret"][:, -1]
        if rows.size != G * R:  # an unfinished point: keep the finished ones
            done = sorted({u.start // R for u in units if u.agent == label})
            finals[label] = (x_all[done], rows.reshape(len(done), R).T)
        else:
            finals[label] = (x_all, rows.reshape(G, R).T)
    upper = x_all >= args.from_k
    print(f"{spec['name']}: {R} runs per K; 95% bootstrap intervals over runs")
    for label, (x, F) in finals.items():
        print(f"\n{label}")
        for k, m, se in zip(x, F.mean(0), standard_error(F)):
            print(f"  K = {k:>8.0f}: regret {m:9.1f} +- {se:.1f}")
        s, lo, hi = loglog_slope_band(x, F)
        print(f"  slope over K = {x[0]:.0f}..{x[-1]:.0f}: {s:.3f} [{lo:.3f}, {hi:.3f}]")
        keep = x >= args.from_k
        if keep.sum() >= 2:
            s, lo, hi = loglog_slope_band(x[keep], F[:, keep])
            print(f"  slope over K >= {args.from_k}: {s:.3f} [{lo:.3f}, {hi:.3f}]")
    if args.pair:
        a, b = args.pair
        (xa, A), (xb, B) = finals[a], finals[b]
        common = np.intersect1d(xa, xb)
        A, B = A[:, np.isin(xa, common)], B[:, np.isin(xb, common)]
        s, lo, hi = paired_difference(common, A, B)
        print(f"\nslope({a}) - slope({b}) over K = {common[0]:.0f}..{common[-1]:.0f}: {s:.3f} [{lo:.3f}, {hi:.3f}]")
    for name, f in (("sqrt(K) ln K", lambda k: np.sqrt(k) * np.log(k)),
                    ("K^(2/3) ln K", lambda k: k ** (2 / 3) * np.log(k))):
        tail = f" and {_slope(x_all[upper], f(x_all[upper])):.3f} over K >= {args.from_k}" if upper.sum() >= 2 else ""
        print(f"reference: {name} has slope {_slope(x_all, f(x_all)):.3f} over K = {x_all[0]:.0f}..{x_all[-1]:.0f}"
              + tail)


if __name__ == "__main__":
    main()
