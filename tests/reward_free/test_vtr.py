"""Weighted value-targeted regression, HOME weights and the ellipsoid intersection against closed forms."""

import pytest
import torch

from rlkit.core.checks import RLKitError
from rlkit.reward_free.confidence_set import EllipsoidIntersection
from rlkit.reward_free.vtr import WeightedVTR, home_aleatoric, home_variances, inv_norm
from tests.placement import TKW, tol

pytestmark = pytest.mark.usefixtures("single_thread")


def _ridge(X, y, w, lam):
    """``argmin lam ||t||^2 + sum w (x^T t - y)^2`` by an explicit solve of the normal equations."""
    d = X.shape[-1]
    A = lam * torch.eye(d, dtype=X.dtype, device=X.device) + (X * w[..., None]).transpose(-1, -2) @ X
    return torch.linalg.solve(A, ((w * y)[..., None] * X).sum(-2))


def test_incremental_weighted_ridge_equals_batch_weighted_least_squares(gen):
    B, n, d, lam = 3, 40, 4, 0.7
    X = torch.randn(B, n, d, generator=gen, dtype=torch.float64).to(**TKW)
    y = torch.randn(B, n, generator=gen, dtype=torch.float64).to(**TKW)
    w = torch.rand(B, n, generator=gen, dtype=torch.float64).to(**TKW) + 0.1
    one = WeightedVTR(d, (B,), lam, **TKW)
    for j in range(n):
        one.update(X[:, j], y[:, j], w[:, j])
    block = WeightedVTR(d, (B,), lam, **TKW)
    block.update(X[:, :25], y[:, :25], w[:, :25])  # rank-k (refresh path) then rank-k < d (Woodbury)
    block.update(X[:, 25:], y[:, 25:], w[:, 25:])
    ref = _ridge(X, y, w, lam)
    # float32: the covariance keeps V in float64 but b and the solve are float32: ~40 weighted terms of size ~1
    # and a d = 4 solve with cond(V) ~ 10, so ~1e-5
    torch.testing.assert_close(one.estimate(), ref, rtol=tol(1e-9, 1e-4), atol=tol(1e-10, 1e-4))
    torch.testing.assert_close(block.estimate(), ref, rtol=tol(1e-9, 1e-4), atol=tol(1e-10, 1e-4))
    # the same problem as an augmented least-squares solve: rows sqrt(w) x and sqrt(lam) I
    Xa = torch.cat([X * w.sqrt()[..., None], (lam**0.5) * torch.eye(d, **TKW).expand(B, d, d)], 1)
    ya = torch.cat([y * w.sqrt(), torch.zeros(B, d, **TKW)], 1)
    torch.testing.assert_close(torch.linalg.lstsq(Xa, ya.unsqueeze(-1)).solution.squeeze(-1), ref,
                               rtol=tol(1.3e-6, 1e-4), atol=tol(1e-5, 1e-4))
    zero = WeightedVTR(d, (B,), lam, **TKW)
    zero.update(X[:, 0], y[:, 0], torch.tensor([1.0, 0.0, 1.0], **TKW))  # masked run 1
    assert torch.equal(zero.b[1], torch.zeros(d, **TKW))


def test_sequential_updates_use_the_running_matrix(gen):
    B, n, d, lam = 2, 12, 3, 1.0
    X = torch.randn(B, n, d, generator=gen, dtype=torch.float64).to(**TKW)
    y = torch.randn(B, n, generator=gen, dtype=torch.float64).to(**TKW)
    vtr = WeightedVTR(d, (B,), lam, **TKW)
    seen = []

    def weight(j, x):
        V = lam * torch.eye(d, **TKW) + sum(
            (wi[:, None, None] * X[:, i, :, None] * X[:, i, None, :]) for i, wi in enumerate(seen))
        q = inv_norm(x, torch.linalg.inv(V))
        torch.testing.assert_close(q, vtr.cov.inv_norm(x))  # the running matrix before update j
        seen.append(1.0 / (1.0 + q))
        return seen[-1]

    w = vtr.update_sequential(X, y, weight)
    torch.testing.assert_close(w, torch.stack(seen, 1))
    torch.testing.assert_close(vtr.estimate(), _ridge(X, y, w, lam))
    with pytest.raises(RLKitError, match="target must have shape"):
        vtr.update(X[:, 0], y)


def test_home_weights_respect_their_floors_and_match_the_formula(gen):
    B, M, d = 5, 4, 3
    phi = torch.rand(B, M, d, generator=gen, dtype=torch.float64).to(**TKW) / 2
    theta = torch.randn(B, M, d, generator=gen, dtype=torch.float64).to(**TKW)
    A = torch.randn(B, M, d, d, generator=gen, dtype=torch.float64).to(**TKW)
    frozen = torch.linalg.inv(A @ A.transpose(-1, -2) + torch.eye(d, **TKW))
    beta, alpha, gamma = 0.8, 0.3, 0.6
    ale = home_aleatoric(phi, theta, frozen, beta)
    pred = (phi * theta).sum(-1).clamp(0, 1)
    width = torch.sqrt(torch.einsum("bmi,bmij,bmj->bm", phi, frozen, phi))
    # beta per run as a tensor (5,), with runs where both caps of the error bind (beta = 50: E_m = 1 + 1); the
    # scalar beta = 0.8 is one of them. Both caps binding and the per-run broadcast were untested (mutation run)
    betas = torch.tensor([beta, 50.0, 0.0, 1e-3, 3.0], **TKW)
    per_run = home_aleatoric(phi, theta, frozen, betas)
    for m in range(M - 1):
        vbar = pred[:, m + 1] - pred[:, m] ** 2
        assert bool(((vbar >= -1) & (vbar <= 1)).all())
        err = (2 * beta * width[:, m]).clamp(0, 1) + (beta * width[:, m + 1]).clamp(0, 1)
        torch.testing.assert_close(ale[:, m], vbar + err)
        err = torch.minimum(2 * betas * width[:, m], torch.ones(())) + torch.minimum(betas * width[:, m + 1],
                                                                                      torch.ones(()))
        torch.testing.assert_close(per_run[:, m], vbar + err)
    torch.testing.assert_close(per_run[1, :-1], pred[1, 1:] - pred[1, :-1] ** 2 + 2.0)  # both caps bind
    assert bool((ale[:, -1] == 1).all()) and bool((per_run[:, -1] == 1).all()) and per_run.shape == (B, M)
    running = torch.rand(B, M, generator=gen, dtype=torch.float64).to(**TKW) * 3  # ||phi||_{Sigma_{k,h}^-1}, unsquared
    s2 = home_variances(ale, running, alpha, gamma)
    assert bool((s2 >= alpha**2).all()) and bool((s2 >= gamma**2 * running - 1e-15).all())
    assert bool((s2[:, -1] >= 1).all()) and bool((s2 >= ale).all())
    torch.testing.assert_close(s2, torch.maximum(torch.maximum(gamma**2 * running, ale), torch.tensor(alpha**2)))
    # M = 1, gamma = 0, alpha = 1: every weight is 1, plain value-targeted regression
    one = home_variances(home_aleatoric(phi[:, :1], theta[:, :1], frozen[:, :1], beta), running[:, :1], 1.0, 0.0)
    assert bool((one == 1).all())


def test_ellipsoid_intersection_is_the_and_of_every_ellipsoid(gen):
    B, d = 4, 2
    U = EllipsoidIntersection(d, (B,), **TKW)
    assert bool(U.contains(torch.zeros(B, d, **TKW)).all()) and len(U) == 0
    cs, As, rs = [], [], []
    for _ in range(70):  # more than one block of pending constraints
        c = torch.randn(B, 1, d, generator=gen, dtype=torch.float64).to(**TKW) * 0.3
        L = torch.randn(B, 1, d, d, generator=gen, dtype=torch.float64).to(**TKW)
        A = L @ L.transpose(-1, -2) + 0.1 * torch.eye(d, **TKW)
        U.add(c, A, 2.0)
        cs.append(c), As.append(A), rs.append(2.0)
    assert len(U) == 70
    pts = torch.randn(B, d, generator=gen, dtype=torch.float64).to(**TKW) * 0.3
    inside = torch.ones(B, dtype=torch.bool)
    for c, A, r in zip(cs, As, rs):
        diff = pts - c[:, 0]
        inside &= torch.einsum("bi,bij,bj->b", diff, A[:, 0], diff).sqrt() <= r
    assert torch.equal(U.contains(pts), inside)
    assert bool((U.ratios(cs[0][:, 0]) [:, 0] == 0).all())
    with pytest.raises(RLKitError, match="radius must be > 0"):
        U.add(cs[0], As[0], 0.0)
    with pytest.raises(RLKitError, match="centers must have shape"):
        U.add(cs[0][0], As[0], 1.0)
