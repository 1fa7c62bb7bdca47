"""The magnitude-reduced estimator: the three properties the authors' talk states, exactly, on any finite law."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlkit.ftrl.magnitude_reduction import magnitude_reduced, negative_part_mean
from tests.placement import TKW, tol

values = st.lists(st.floats(-100.0, 100.0, allow_nan=False, allow_infinity=False), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(values, st.data())
def test_the_three_properties_hold_exactly_on_any_finite_law(z, data):
    z = torch.tensor(z, **TKW)
    weights = data.draw(st.lists(st.floats(0.01, 1.0), min_size=len(z), max_size=len(z)))
    p = torch.tensor(weights, **TKW)
    p = p / p.sum()  # a law on the points z
    neg = (p * z.clamp_max(0)).sum()  # E[(Z)_-], exact
    zhat = magnitude_reduced(z, neg)
    scale = 1.0 + float((p * z * z).sum())
    # float32: sums of <= 8 terms of size <= scale, each rounded at 2**-24 (zhat itself is exact up to one rounding)
    eps = tol(1e-9, 1e-6)
    assert abs(float((p * zhat).sum() - (p * z).sum())) <= eps * scale  # E[Zhat] = E[Z]
    assert float((p * zhat * zhat).sum()) <= 4.0 * float((p * z * z).sum()) + eps * scale  # E[Zhat^2] <= 4 E[Z^2]
    assert bool((zhat >= neg - tol(1e-12, 1e-5) * (1 + neg.abs())).all())  # Zhat >= E[(Z)_-]


def test_worked_examples():
    # Z in {-1, 0}, each w.p. 1/2: E[(Z)_-] = -1/2 and Zhat = -1/2 always (the spread is gone, the mean kept)
    z, p = torch.tensor([-1.0, 0.0], **TKW), torch.tensor([0.5, 0.5], **TKW)
    zhat = magnitude_reduced(z, (p * z.clamp_max(0)).sum())
    assert torch.equal(zhat, torch.tensor([-0.5, -0.5], **TKW))
    # Z = -100 w.p. 0.01, 1 otherwise: the rare large negative value is replaced by its mean, -1
    z, p = torch.tensor([-100.0, 1.0], **TKW), torch.tensor([0.01, 0.99], **TKW)
    zhat = magnitude_reduced(z, (p * z.clamp_max(0)).sum())
    assert torch.allclose(zhat, torch.tensor([-1.0, 0.0], **TKW))
    assert float((p * zhat * zhat).sum()) < 0.02 < 100.0 < float((p * z * z).sum())


def test_the_simulated_negative_mean_converges_to_the_exact_one():
    g = torch.Generator().manual_seed(0)
    samples = torch.randn(200_000, 3, generator=g, dtype=torch.float64) * torch.tensor([1.0, 2.0, 0.5],
                                                                                      **TKW)
    exact = -torch.tensor([1.0, 2.0, 0.5], **TKW) / (2 * torch.pi) ** 0.5  # E[min(sN, 0)] = -s/sqrt(2pi)
    est = negative_part_mean(samples)
    se = samples.clamp_max(0).std(0) / samples.shape[0] ** 0.5
    assert bool(((est - exact).abs() < 5 * se).all())
