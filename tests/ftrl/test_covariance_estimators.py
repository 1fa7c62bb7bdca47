"""Geometric Resampling estimators of (gamma I + Sigma)^{-1}: their closed-form means (Monte Carlo over seeds)."""

import math

import pytest
import torch

from rlkit.core.checks import RLKitError
from rlkit.ftrl.covariance_estimators import (
    exact_inverse,
    feature_covariance,
    geometric_resampling,
    matrix_geometric_resampling,
)
from tests.placement import TKW, tol


def expected_geometric_resampling(Sigma: torch.Tensor, gamma: float, c: float, n_samples: int) -> torch.Tensor:
    """The oracle: the exact mean of a Geometric Resampling estimate with ``N`` samples.

    Each sample gives ``c I + c sum_{i=1}^{N} prod_{j<=i} (I - c (gamma I + x_j x_j^T))`` with independent ``x_j``
    of second moment ``Sigma``, whose mean is ``c sum_{n=0}^{N} (I - c G)^n`` with ``G = gamma I + Sigma``: a
    geometric series of matrices equal to ``G^{-1} (I - (I - c G)^{N + 1})``, which tends to ``(gamma I +
    Sigma)^{-1}`` as ``N`` grows when ``0 < c ||G|| < 2``."""
    d = Sigma.shape[-1]
    eye = torch.eye(d, dtype=Sigma.dtype, device=Sigma.device)
    G = gamma * eye + Sigma
    return torch.linalg.solve(G, eye - torch.linalg.matrix_power(eye - c * G, int(n_samples) + 1))


def _features(d: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(6, d, generator=g, dtype=torch.float64).to(**TKW).softmax(-1)  # 6 feature vectors on the simplex


def _samples(pool: torch.Tensor, probs: torch.Tensor, shape: tuple, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    idx = torch.multinomial(probs.cpu().double(), int(torch.tensor(shape).prod()), replacement=True, generator=g)
    return pool[idx].reshape(*shape, pool.shape[-1])


@pytest.mark.parametrize("gamma, c, N", [(0.2, 0.5, 8), (0.05, 0.9, 20), (0.0, 1.0, 15)])
def test_mean_is_the_truncated_inverse(gamma, c, N):
    pool = _features(3, 0)
    probs = torch.tensor([0.3, 0.1, 0.2, 0.15, 0.05, 0.2], **TKW)
    Sigma = (probs[:, None, None] * pool[:, :, None] * pool[:, None, :]).sum(0)
    R = 40000  # independent replications (Monte Carlo over seeds)
    est = geometric_resampling(_samples(pool, probs, (R, 1, N), 1), gamma, c)  # (R, d, d)
    mean, se = est.mean(0), est.std(0) / R ** 0.5
    expected = expected_geometric_resampling(Sigma, gamma, c, N)
    assert float(((mean - expected).abs() / (se + 1e-12)).max()) < 5.0
    eig = torch.linalg.eigvalsh((mean + mean.T) / 2)
    assert float(eig.min()) > 0  # positive definite in expectation
    if gamma > 0:  # and the truncated mean tends to the regularised inverse as N grows
        far = expected_geometric_resampling(Sigma, gamma, c, 4000)
        # float32: both sides are d = 3 solves against G = gamma I + Sigma (cond(G) <= ~1 / gamma = 20)
        torch.testing.assert_close(far, exact_inverse(Sigma, gamma), atol=tol(1e-10, 1e-4), rtol=tol(1e-10, 1e-4))


def test_copies_average_and_mgr_is_gamma_zero():
    pool = _features(4, 2)
    phi = _samples(pool, torch.full((6,), 1 / 6, **TKW), (3, 5, 7), 3)  # (batch 3, M 5, N 7, d)
    out = geometric_resampling(phi, 0.1, 0.5)
    assert out.shape == (3, 4, 4)
    torch.testing.assert_close(out[1], torch.stack([geometric_resampling(phi[1, m:m + 1], 0.1, 0.5)
                                                    for m in range(5)]).mean(0))
    torch.testing.assert_close(matrix_geometric_resampling(phi, 0.7), geometric_resampling(phi, 0.0, 0.7))
    # one copy by hand: c I + c sum_i prod_{j <= i} (I - c (gamma I + phi_j phi_j^T))
    f, eye, Z, total = phi[0, 0], torch.eye(4, **TKW), torch.eye(4, **TKW), 0
    for i in range(7):
        Z = Z @ (eye - 0.5 * (0.1 * eye + torch.outer(f[i], f[i])))
        total = total + Z
    torch.testing.assert_close(geometric_resampling(phi[0, :1], 0.1, 0.5), 0.5 * eye + 0.5 * total)


def test_exact_inverse_and_feature_covariance():
    g = torch.Generator().manual_seed(4)
    phi = torch.rand(3, 2, 4, generator=g, dtype=torch.float64)  # (S, A, d)
    q = torch.rand(5, 2, 3, 2, generator=g, dtype=torch.float64)  # (B, H, S, A)
    Sigma = feature_covariance(q, phi)
    assert Sigma.shape == (5, 2, 4, 4)
    ref = sum(q[..., s, a, None, None] * torch.outer(phi[s, a], phi[s, a]) for s in range(3) for a in range(2))
    torch.testing.assert_close(Sigma, ref)
    torch.testing.assert_close(exact_inverse(Sigma, 0.3), torch.linalg.inv(Sigma + 0.3 * torch.eye(4)))
    with pytest.raises(RLKitError, match="singular"):
        exact_inverse(torch.zeros(2, 2, **TKW), 0.0)


def test_bad_input():
    phi = torch.full((1, 3, 2), 0.5, **TKW)
    with pytest.raises(RLKitError, match="gamma"):
        geometric_resampling(phi, -0.1)
    with pytest.raises(RLKitError, match="c must satisfy"):
        geometric_resampling(phi * 2, 0.5, 0.9)  # ||phi||^2 = 2
    with pytest.raises(RLKitError, match="phi must be"):
        geometric_resampling(torch.zeros(3, 2), 0.1)


def _sandwich(estimate: torch.Tensor, G: torch.Tensor) -> torch.Tensor:
    """Eigenvalues of ``S^{1/2} G S^{1/2}`` (the same as those of ``G S``, computed symmetrically)."""
    evals, evecs = torch.linalg.eigh(estimate)
    root = evecs @ torch.diag_embed(evals.clamp_min(0).sqrt()) @ evecs.transpose(-1, -2)
    return torch.linalg.eigvalsh(root @ G @ root)


def test_empirical_inverse_meets_the_relative_sandwich_at_the_stated_sample_size():
    """Dai et al.'s Algorithm 3 estimator (their talk, slide 21): with W = 4 d log(d/delta) / gamma^2 samples of
    norm at most 1, S^{1/2} (gamma I + Sigma) S^{1/2} lies in [1 - 2 sqrt(gamma), 1 + 2 sqrt(gamma)] w.p. 1 - delta."""
    from rlkit.ftrl.covariance_estimators import empirical_inverse, empirical_sample_size

    d, gamma, delta = 3, 0.04, 0.01
    W = empirical_sample_size(d, gamma, delta)
    assert W == math.ceil(4 * d * math.log(d / delta) / gamma**2)
    pool = torch.tensor([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [0.6, 0.8, 0]], **TKW)  # unit norms
    probs = torch.tensor([0.3, 0.25, 0.3, 0.15], **TKW)  # Sigma well away from gamma I
    G = gamma * torch.eye(d, **TKW) + (probs[:, None, None] * pool[:, :, None] * pool[:, None, :]).sum(0)
    R = 20  # independent replications of the estimator
    est = empirical_inverse(_samples(pool, probs, (R, W), 5), gamma)  # (R, d, d)
    eig = _sandwich(est, G)
    lo, hi = 1 - 2 * math.sqrt(gamma), 1 + 2 * math.sqrt(gamma)
    assert bool(((eig >= lo) & (eig <= hi)).all())  # every replication (the guarantee allows 1% failures)
    # negative control: 4 samples instead of W leave the band in most replications
    few = _sandwich(empirical_inverse(_samples(pool, probs, (R, 4), 6), gamma), G)
    assert float(((few < lo) | (few > hi)).any(-1).double().mean()) > 0.5
    with pytest.raises(RLKitError, match=r"phi must be a floating-point tensor of samples \(\.\.\., W, d\)"):
        empirical_inverse(torch.zeros(3, dtype=torch.long), gamma)
