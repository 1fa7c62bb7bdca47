"""Accuracy of the float32 covariance kernel after many rank-1 updates, on any device.

Feeds ``N`` rank-1 updates of a bandit-like stream (contexts on the unit sphere, uniform exploration decaying as
``50 / t``, then the best arm: ``V`` grows very anisotropic, the regime where float32 Sherman-Morrison drifts)
to a float32 :class:`rlkit.core.linalg.Covariance` of ``B`` runs, with its exact refreshes (the default) and without
them, and prints the relative error of ``V^{-1}`` and ``log det V`` against a float64 reference computed from the
same stream (``V`` accumulated in float64, inverted by ``torch.linalg``), the refreshes made and the time taken.

    python benchmarks/float32_drift.py [--device cuda] [--updates 1000000] [--runs 64] [--dim 10] [--arms 20]

Measurements only; ``tests/core/test_linalg.py`` asserts the 10^5-update case.
"""

from __future__ import annotations

import argparse
import time

import torch

from rlkit.core.linalg import Covariance


def stream(n: int, B: int, d: int, K: int, device, block: int = 4096, seed: int = 0):
    """Blocks ``(m, B, d)`` of the played contexts, float64 on ``device``."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    arms = torch.randn(B, K, d, generator=g, dtype=torch.float64)
    arms = (arms / arms.norm(dim=-1, keepdim=True)).to(device)
    rows = torch.arange(B, device=device)
    for start in range(0, n, block):
        m = min(block, n - start)
        t = torch.arange(start + 1, start + m + 1, dtype=torch.float64)
        explore = torch.rand(m, B, generator=g, dtype=torch.float64) < (50.0 / t).clamp(max=1)[:, None]
        idx = torch.where(explore, torch.randint(0, K, (m, B), generator=g), torch.zeros(m, B, dtype=torch.long))
        yield arms[rows, idx.to(device)]


def measure(n: int, B: int, d: int, K: int, device, **cov_kw) -> dict:
    cov = Covariance(d, (B,), lam=1.0, dtype=torch.float32, device=device, **cov_kw)
    V = torch.eye(d, dtype=torch.float64, device=device).expand(B, d, d).clone()
    t0 = time.perf_counter()
    for X in stream(n, B, d, K, device):
        V += torch.einsum("mbi,mbj->bij", X, X)
        X32 = X.float()
        for i in range(X32.shape[0]):
            cov.update(X32[i])
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    V_inv = torch.linalg.inv(V)
    rel = ((cov.inverse.double() - V_inv).norm(dim=(-2, -1)) / V_inv.norm(dim=(-2, -1))).max()
    ld = (cov.logdet().double() - torch.logdet(V)).abs().max()
    return {"rel_inverse_error": float(rel), "logdet_error": float(ld), "refreshes": cov.n_refreshes,
            "seconds": seconds}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--updates", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=64)
    p.add_argument("--dim", type=int, default=10)
    p.add_argument("--arms", type=int, default=20)
    p.add_argument("--no-baseline", action="store_true", help="skip the run without refreshes")
    a = p.parse_args()
    device = torch.device(a.device)
    print(f"float32 Covariance, {a.updates:,} rank-1 updates, B = {a.runs}, d = {a.dim}, K = {a.arms}, "
          f"device {device}")
    cases = [("with refreshes (default)", {})]
    if not a.no_baseline:
        cases.append(("without refreshes", {"refresh_every": 1 << 62, "drift_tol": 1e30}))
    for label, kw in cases:
        r = measure(a.updates, a.runs, a.dim, a.arms, device, **kw)
        print(f"  {label:<26} max relative error of V^-1 {r['rel_inverse_error']:.2e}, |log det error| "
              f"{r['logdet_error']:.2e}, {r['refreshes']} refreshes, {r['seconds']:.1f} s", flush=True)


if __name__ == "__main__":
    main()
