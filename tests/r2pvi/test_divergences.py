"""The f-divergence duals against a cvxpy solve of the primal, their limits, monotonicity and the exact chi^2 search."""

import cvxpy as cp
import numpy as np
import pytest
import torch

from rlkit.core.checks import RLKitError
from rlkit.r2pvi import divergences as D
from tests.placement import TKW, place, tol


def instance(rng, n=7, zero_min=False):
    V = rng.uniform(0.0, 3.0, n)
    if zero_min:
        V[rng.integers(n)] = 0.0
    p = rng.dirichlet(np.ones(n))
    return V, p


def primal(V, p, lam, kind):
    """inf_mu E_mu V + lam D(mu || p) over the simplex, solved by cvxpy."""
    mu = cp.Variable(len(V), nonneg=True)
    div = {"tv": 0.5 * cp.norm1(mu - p), "kl": cp.sum(cp.kl_div(mu, p)), "chi2": cp.sum(cp.square(mu - p) / p)}[kind]
    prob = cp.Problem(cp.Minimize(mu @ V + lam * div), [cp.sum(mu) == 1])
    prob.solve(solver=cp.CLARABEL)
    return prob.value


def ball(V, p, rho, kind):
    """inf_mu E_mu V subject to D(mu || p) <= rho, solved by cvxpy."""
    mu = cp.Variable(len(V), nonneg=True)
    div = {"tv": 0.5 * cp.norm1(mu - p), "kl": cp.sum(cp.kl_div(mu, p))}[kind]
    prob = cp.Problem(cp.Minimize(mu @ V), [cp.sum(mu) == 1, div <= rho])
    prob.solve(solver=cp.CLARABEL)
    return prob.value


def dual(kind, V, p, lam):
    M, Vt = place(torch.tensor(p))[None], place(torch.tensor(V))
    return {"tv": D.tv, "kl": D.kl, "chi2": D.chi2}[kind](M, Vt, lam).item()


@pytest.mark.parametrize("kind", ["tv", "kl", "chi2"])
def test_dual_equals_cvxpy_primal(kind):
    rng = np.random.default_rng({"tv": 1, "kl": 2, "chi2": 3}[kind])
    for _ in range(12):
        V, p = instance(rng)
        lam = float(rng.uniform(0.05, 3.0))
        assert dual(kind, V, p, lam) == pytest.approx(primal(V, p, lam, kind), abs=1e-6)


def test_tv_ball_and_kl_ball_equal_cvxpy():
    rng = np.random.default_rng(4)
    for _ in range(8):
        V, p = instance(rng, zero_min=True)  # DRPVI's dual assumes min V = 0
        rho = float(rng.uniform(0.05, 0.5))
        M, Vt = place(torch.tensor(p))[None], place(torch.tensor(V))
        assert D.tv_ball(M, Vt, rho, 3.0).item() == pytest.approx(ball(V, p, rho, "tv"), abs=1e-6)
        assert D.kl_ball(M, Vt, rho, 3.0).item() == pytest.approx(ball(V, p, rho, "kl"), abs=1e-5)


@pytest.mark.parametrize("kind", ["tv", "kl", "chi2"])
def test_dual_between_min_and_mean_and_nondecreasing_in_lam(kind):
    rng = np.random.default_rng(5)
    for _ in range(10):
        V, p = instance(rng)
        lams = [0.01, 0.1, 0.5, 1.0, 2.0, 10.0]
        vals = [dual(kind, V, p, lam) for lam in lams]
        eps = tol(1e-9, 1e-5)  # float32: a weighted sum of 7 values in [0, 3], rounded at 2**-24 each
        assert all(V.min() - eps <= v <= p @ V + eps for v in vals)
        assert all(b >= a - eps for a, b in zip(vals, vals[1:]))


def test_limits():
    rng = np.random.default_rng(6)
    V, p = instance(rng)
    span = V.max() - V.min()
    eps = tol(1e-12, 1e-5)  # float32: E V of 7 values in [0, 3] against numpy's float64 p @ V
    assert dual("tv", V, p, span) == pytest.approx(p @ V, abs=eps)  # TV = E V once lam >= max V - min V
    assert dual("tv", V, p, 10 * span) == pytest.approx(p @ V, abs=eps)
    assert dual("kl", V, p, 1e4) == pytest.approx(p @ V, abs=1e-3)  # KL -> E V as lam -> inf
    assert dual("kl", V, p, 1e-3) == pytest.approx(V.min(), abs=1e-2)  # -> min over the support as lam -> 0
    assert dual("chi2", V, p, 1e6) == pytest.approx(p @ V, abs=1e-5)
    # gap ~ lam (1 - p_min) / p_min. At lam = 1e-6 the dual is ill-conditioned in its inputs (Var / (4 lam)
    # amplifies a rounding of V or p by 2.5e5: float32 inputs alone move it by ~2e-2), so this limit is checked on
    # float64 inputs in every pass
    small = D.chi2(torch.tensor(p, dtype=torch.float64)[None], torch.tensor(V, dtype=torch.float64), 1e-6).item()
    assert small == pytest.approx(V.min(), abs=1e-4)


def test_chi2_exact_search_beats_dense_grid_with_signed_weights():
    """The exact piecewise-quadratic maximiser is >= a dense grid search, also for ridge (signed) weights."""
    g = torch.Generator().manual_seed(7)
    for _ in range(5):
        N, k, lam = 40, 6, 0.3
        V = torch.rand(N, generator=g, dtype=torch.float64).to(**TKW) * 3
        M = torch.randn(k, N, generator=g, dtype=torch.float64).to(**TKW) / N + 1.0 / N
        exact = D.chi2(M[None], V[None], lam)[0]
        a = torch.linspace(float(V.min()), float(V.max()), 20001, **TKW)
        clipped = torch.minimum(V[:, None], a[None])  # (N, G)
        z1, z2 = M @ clipped, M @ clipped**2
        grid = (z1 - (z2 - z1**2) / (4 * lam)).max(-1).values
        # float32: both sides are sums of 40 signed weights times values <= 9, in different orders
        assert torch.all(exact >= grid - tol(1e-12, 1e-5))
        assert torch.allclose(exact, grid, atol=1e-3)


def test_batched_equals_one_by_one():
    g = torch.Generator().manual_seed(8)
    M = torch.randn(3, 4, 25, generator=g, dtype=torch.float64).to(**TKW) / 25
    V = torch.rand(3, 25, generator=g, dtype=torch.float64).to(**TKW) * 2
    for f in (lambda m, v: D.tv(m, v, 0.3), lambda m, v: D.kl(m, v, 0.3, cap=3.0), lambda m, v: D.chi2(m, v, 0.3),
              lambda m, v: D.tv_ball(m, v, 0.2, 3.0)):
        batched = f(M, V)
        single = torch.stack([f(M[i], V[i]) for i in range(3)])
        assert torch.allclose(batched, single, atol=tol(1e-12, 1e-6))  # float32: batched sums reorder


def test_kl_estimator_clamp_and_bad_input():
    M = torch.tensor([[-1.0, 0.5]], **TKW)  # z < 0: the estimate is clamped to H
    assert D.kl(M, torch.tensor([0.0, 1.0], **TKW), 0.5, cap=3.0).item() == 3.0
    with pytest.raises(RLKitError, match="lam"):
        D.tv(M, torch.tensor([0.0, 1.0], **TKW), 0.0)
    with pytest.raises(RLKitError, match="shape"):
        D.chi2(M, torch.zeros(3, **TKW), 1.0)


def test_row_chunking_is_exact(monkeypatch):
    g = torch.Generator().manual_seed(9)
    M = torch.randn(2, 7, 30, generator=g, dtype=torch.float64).to(**TKW) / 30
    V = torch.rand(2, 30, generator=g, dtype=torch.float64).to(**TKW) * 2
    rho = torch.rand(2, 7, generator=g, dtype=torch.float64).to(**TKW)
    whole = D.chi2(M, V, 0.2), D.tv_ball(M, V, rho, 2.0)
    monkeypatch.setattr(D, "ROW_CHUNK_ELEMENTS", 70)  # 1 row of 2 x 30 entries per chunk
    parts = D.chi2(M, V, 0.2), D.tv_ball(M, V, rho, 2.0)
    assert all(torch.equal(a, b) for a, b in zip(whole, parts))
