"""Covariance kernel against torch.linalg, in float64 and float32, on the test device (``RLKIT_TEST_DEVICE``).

References are computed on the CPU in float64; the kernel's state is brought back for the comparisons."""

import math

import pytest
import torch

from rlkit.core.checks import RLKitError
from rlkit.core.linalg import Covariance


def exact(lam, X, W=None):
    """V = lam I + sum_n w_n x_n x_n^T from X: (N, *b, d) in float64."""
    X = X.double()
    W = torch.ones(X.shape[:-1], dtype=torch.float64) if W is None else W.double()
    d = X.shape[-1]
    return lam * torch.eye(d, dtype=torch.float64) + torch.einsum("n...i,n...,n...j->...ij", X, W, X)


@pytest.mark.parametrize("batch_shape", [(), (3,), (2, 4)])
@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-10), (torch.float32, 2e-5)])
def test_rank1_updates_match_torch_linalg(batch_shape, dtype, tol, gen, device):
    d, n, lam = 6, 300, 0.7
    X = torch.randn(n, *batch_shape, d, generator=gen, dtype=torch.float64)
    cov = Covariance(d, batch_shape, lam=lam, dtype=dtype, device=device)
    Xd = X.to(device, dtype)
    for i in range(n):
        cov.update(Xd[i])
    V = exact(lam, X.to(dtype))
    V_inv = torch.linalg.inv(V)
    assert cov.inverse.dtype == dtype and cov.inverse.shape == (*batch_shape, d, d)
    assert cov.inverse.device.type == device.type and cov.logdet().device.type == device.type
    assert torch.allclose(cov.matrix.double().cpu(), V, rtol=1e-6 if dtype == torch.float32 else 1e-12)
    rel = (cov.inverse.double().cpu() - V_inv).norm() / V_inv.norm()
    assert rel < tol
    assert torch.allclose(cov.logdet().double().cpu(), torch.logdet(V), atol=1e-3 if dtype == torch.float32 else 1e-9)
    # solve and inv_norm for (*b, K, d) in one op
    rhs = torch.randn(*batch_shape, d, generator=gen, dtype=torch.float64)
    expect = torch.linalg.solve(V, rhs.unsqueeze(-1)).squeeze(-1)
    got = cov.solve(rhs.to(device, dtype)).double().cpu()
    assert ((got - expect).norm(dim=-1) / expect.norm(dim=-1)).max() < (1e-4 if dtype == torch.float32 else 1e-10)
    arms = torch.randn(*batch_shape, 5, d, generator=gen, dtype=torch.float64)
    norms = torch.einsum("...ki,...ij,...kj->...k", arms, V_inv, arms).sqrt()
    got = cov.inv_norm(arms.to(device, dtype)).double().cpu()
    assert got.shape == (*batch_shape, 5)
    assert torch.allclose(got, norms, rtol=1e-4 if dtype == torch.float32 else 1e-10)


@pytest.mark.parametrize("k", [3, 8])  # 3 < d: Woodbury; 8 >= d: direct add + exact refresh
def test_weighted_rank_k_updates(k, gen, device):
    d, lam, steps, B = 5, 1.3, 20, 4
    X = torch.randn(steps, B, k, d, generator=gen, dtype=torch.float64)
    W = torch.rand(steps, B, k, generator=gen, dtype=torch.float64)
    cov = Covariance(d, (B,), lam=lam, device=device)
    for i in range(steps):
        cov.update(X[i].to(device), W[i].to(device))
    V = exact(lam, X.transpose(1, 2).reshape(steps * k, B, d), W.transpose(1, 2).reshape(steps * k, B))
    assert torch.allclose(cov.inverse.cpu(), torch.linalg.inv(V), atol=1e-12)
    assert torch.allclose(cov.logdet().cpu(), torch.logdet(V), atol=1e-10)
    assert cov.n_updates == steps * k


@pytest.mark.parametrize("weights", ["tensor", "number"])
def test_zero_weight_masks_runs(gen, device, weights):
    cov = Covariance(3, (2,), lam=1.0, device=device)
    x = torch.randn(2, 3, generator=gen, dtype=torch.float64).to(device)
    if weights == "tensor":
        cov.update(x, torch.tensor([1.0, 0.0], dtype=torch.float64, device=device))
        assert torch.equal(cov.inverse[1].cpu(), torch.eye(3, dtype=torch.float64))
        assert cov.logdet()[1] == 0.0
        assert not torch.allclose(cov.inverse[0].cpu(), torch.eye(3, dtype=torch.float64))
    else:  # one number for every run (no tensor made, checked on the host): the same as a tensor of it
        twin = Covariance(3, (2,), lam=1.0, device=device)
        cov.update(x, 2.5)
        twin.update(x, torch.full((2,), 2.5, dtype=torch.float64, device=device))
        torch.testing.assert_close(cov.inverse, twin.inverse, rtol=1e-14, atol=1e-15)
        torch.testing.assert_close(cov.logdet(), twin.logdet(), rtol=1e-14, atol=1e-15)
        cov.update(x, 0.0)
        torch.testing.assert_close(cov.inverse, twin.inverse, rtol=1e-14, atol=1e-15)


def test_determinant_lemma_and_logdet_of_lam(device):
    cov = Covariance(4, lam=2.0, device=device)
    assert math.isclose(float(cov.logdet()), 4 * math.log(2.0))
    x = torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=torch.float64, device=device)
    cov.update(x)
    assert math.isclose(float(cov.logdet()), 4 * math.log(2.0) + math.log(1 + 1 / 2.0))


def test_untracked_logdet_is_exact_and_the_rest_is_unchanged(gen, device):
    """``track_logdet=False`` skips the running log det only: the inverse and gains are those of a tracking
    covariance to the last bit, and ``logdet()`` is torch's."""
    untracked = Covariance(3, (5,), lam=0.5, device=device, track_logdet=False)
    for w in (None, 2.0, torch.rand(5, generator=gen, dtype=torch.float64).to(device)):
        untracked.update(torch.randn(5, 3, generator=gen, dtype=torch.float64).to(device), w)
    untracked.update(torch.randn(5, 2, 3, generator=gen, dtype=torch.float64).to(device))  # rank 2
    assert torch.allclose(untracked.logdet(), torch.logdet(untracked.matrix), rtol=1e-12, atol=1e-12)
    a, b = (Covariance(3, (5,), lam=0.5, device=device, track_logdet=t) for t in (True, False))
    for _ in range(10):
        x = torch.randn(5, 3, generator=gen, dtype=torch.float64).to(device)
        a.update(x)
        b.update(x)
        assert torch.equal(a.inverse, b.inverse) and torch.equal(a.last_gain, b.last_gain)


def _bandit_like_stream(n, B, d, K, gen):
    """Contexts a bandit produces: uniform exploration that decays as 50/t, then the best arm: V gets very
    anisotropic (condition number ~2e4), the regime where float32 Sherman-Morrison drifts."""
    arms = torch.randn(B, K, d, generator=gen, dtype=torch.float64)
    arms /= arms.norm(dim=-1, keepdim=True)
    p_explore = (50.0 / torch.arange(1, n + 1)).clamp(max=1)[:, None]
    explore = torch.rand(n, B, generator=gen, dtype=torch.float64) < p_explore
    idx = torch.where(explore, torch.randint(0, K, (n, B), generator=gen), torch.zeros(n, B, dtype=torch.long))
    return arms[torch.arange(B), idx].float()


@pytest.mark.slow
@pytest.mark.unit  # an accuracy measurement against float64, not a learning claim
def test_float32_1e5_updates_stay_accurate_with_refresh_and_drift_without(gen, device):
    n, B, d = 100_000, 2, 10
    X = _bandit_like_stream(n, B, d, 20, gen)
    V = exact(1.0, X)
    V_inv = torch.linalg.inv(V)
    Xd = X.to(device)

    def rel_error(**kw):
        cov = Covariance(d, (B,), lam=1.0, dtype=torch.float32, device=device, **kw)
        for i in range(n):
            cov.update(Xd[i])
        inv = cov.inverse.double().cpu()
        return float(((inv - V_inv).norm(dim=(-2, -1)) / V_inv.norm(dim=(-2, -1))).max()), cov

    with_refresh, cov = rel_error()
    without, cov_none = rel_error(refresh_every=10**9, drift_tol=1e9)
    assert cov.n_refreshes > 0 and cov_none.n_refreshes == 0
    assert with_refresh < 1e-4
    assert without > 1e-4 > with_refresh  # the drift the refresh removes
    assert abs(float(cov.logdet()[0]) - float(torch.logdet(V[0]))) < 1e-3


def test_bad_input_is_named():
    with pytest.raises(RLKitError, match="lam must be > 0"):
        Covariance(3, lam=0.0)
    with pytest.raises(RLKitError, match="lam must be > 0"):
        Covariance(3, lam=-1.0)
    with pytest.raises(RLKitError, match="dim must be an integer >= 1"):
        Covariance(0)
    cov = Covariance(3, (2,))
    with pytest.raises(RLKitError, match=r"x must have shape \(2, 3\)"):
        cov.update(torch.ones(2, 4, dtype=torch.float64))
    with pytest.raises(RLKitError, match="weight must be finite and >= 0"):
        cov.update(torch.ones(2, 3, dtype=torch.float64), torch.tensor([1.0, -1.0], dtype=torch.float64))
    with pytest.raises(RLKitError, match="weight must be a scalar or have shape"):
        cov.update(torch.ones(2, 3, dtype=torch.float64), torch.ones(3, dtype=torch.float64))
    with pytest.raises(RLKitError, match="dtype must be"):
        Covariance(3, dtype=torch.int64)


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-11), (torch.float32, 1e-4)])
def test_tracked_arms_match_a_full_recompute(dtype, tol, gen, device):
    """A fixed set of arms asked for twice becomes tracked; rank-1, rank-k and refreshes keep it exact."""
    B, K, d = 3, 7, 4
    arms = torch.randn(B, K, d, generator=gen, dtype=torch.float64).to(device, dtype)
    cov = Covariance(d, (B,), lam=1.0, dtype=dtype, device=device, refresh_every=50)
    cov.inv_quad(arms)
    cov.inv_quad(arms)
    assert cov._tracked is not None
    for i in range(120):
        if i == 60:
            cov.update(torch.randn(B, 2, d, generator=gen, dtype=torch.float64).to(device, dtype))  # rank 2: re-tracked
            cov.inv_quad(arms)
            cov.inv_quad(arms)
        pick = torch.randint(0, K, (B,), generator=gen).to(device)
        cov.update(arms[torch.arange(B, device=device), pick],
                   torch.rand(B, generator=gen, dtype=torch.float64).to(device, dtype))
        full = torch.einsum("bki,bij,bkj->bk", arms.double(), torch.linalg.inv(cov.matrix.double()), arms.double())
        assert torch.allclose(cov.inv_quad(arms).double(), full, rtol=tol, atol=tol)
    assert cov.n_refreshes >= 2
    arms.mul_(2.0)  # an in-place change is noticed: no stale values
    full = torch.einsum("bki,bij,bkj->bk", arms.double(), torch.linalg.inv(cov.matrix.double()), arms.double())
    assert torch.allclose(cov.inv_quad(arms).double(), full, rtol=tol, atol=tol)


def test_inference_tensors_work_untracked(gen, device):
    """Under torch.inference_mode (how the experiment runner plays units) arms carry no version counter: their
    quadratic forms are recomputed rather than tracked, and stay exact."""
    cov = Covariance(3, (2,), lam=0.5, dtype=torch.float64, device=device)
    with torch.inference_mode():
        arms = torch.randn(2, 5, 3, dtype=torch.float64, generator=gen).to(device)
        for i in range(6):
            cov.inv_quad(arms)
            cov.update(arms[:, i % 5])
        assert cov._tracked is None
        expected = torch.einsum("bki,bij,bkj->bk", arms, torch.linalg.inv(cov.matrix), arms)
        torch.testing.assert_close(cov.inv_quad(arms), expected, rtol=1e-12, atol=1e-12)


def test_solve_shapes_and_the_working_dtype_of_every_result(gen, device, dtype):
    """Killed survivors of a mutation run on this module: the rhs shape check of solve (each clause), the working
    dtype of logdet, solve and inv_quad (V is kept in float64 whatever dtype is), a single vector's inv_quad against
    an explicit solve, and a tracked arm set that is not reused for another tensor of the same values."""
    cov = Covariance(3, (2,), lam=0.5, device=device, dtype=dtype)
    cov.update(torch.randn(2, 4, 3, generator=gen, dtype=torch.float64).to(device, dtype))  # rank 4 (refresh)
    for bad in ((2, 4), (3, 3), (2, 3, 2, 2), (2,), (1, 3)):
        with pytest.raises(RLKitError, match=r"rhs must have shape \(2, 3\) or \(2, 3, '\*'\), got " + str(bad)
                           .replace("(", r"\(").replace(")", r"\)")):
            cov.solve(torch.zeros(bad, device=device, dtype=dtype))
    x = torch.randn(2, 3, generator=gen, dtype=torch.float64).to(device, dtype)
    assert cov.logdet().dtype == dtype and cov.solve(x).dtype == dtype and cov.solve(x[..., None]).shape == (2, 3, 1)
    q = cov.inv_quad(x)
    assert q.shape == (2,) and q.dtype == dtype
    torch.testing.assert_close(q, (x * torch.linalg.solve(cov.matrix.double(), x.double().unsqueeze(-1)).squeeze(-1)
                                   .to(dtype)).sum(-1), rtol=1e-5 if dtype == torch.float32 else 1e-10, atol=0)
    arms = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64).to(device, dtype)
    cov.inv_quad(arms)
    cov.inv_quad(arms)  # tracked from now on
    other = arms.clone() * 2.0
    torch.testing.assert_close(cov.inv_quad(other), 4.0 * cov.inv_quad(arms))  # a different tensor is recomputed
