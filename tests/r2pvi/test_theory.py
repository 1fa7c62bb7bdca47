"""Theory constants of R2PVI/PEVI: the formulas, their monotonicity, and bad input."""

import math

import pytest

from rlkit.core.checks import RLKitError
from rlkit.theory.r2pvi import beta_pevi, beta_r2pvi, suboptimality_rate, xi

pytestmark = pytest.mark.cpu_only(reason="bounds of plain numbers; rollouts run on the device in tests/bandits")


def test_beta_formulas():
    d, H, K, lam, delta = 4, 3, 100, 0.5, 0.1
    x = math.log(2 * d * H * K / delta)
    assert xi(d, H, K, delta) == pytest.approx(x)
    assert beta_r2pvi("tv", d, H, K, lam, delta) == pytest.approx(16 * H * d * math.sqrt(x))
    kl = 16 * d * lam * math.exp(H / lam) * math.sqrt(H / lam + x)
    assert beta_r2pvi("kl", d, H, K, lam, delta) == pytest.approx(kl)
    assert beta_r2pvi("chi2", d, H, K, lam, delta) == pytest.approx(8 * d * H * H * (1 + 1 / lam) * math.sqrt(x))
    assert beta_pevi(d, H, K, delta) == pytest.approx(d * H * math.sqrt(x))


def test_rate_is_inverse_square_root_in_K():
    assert suboptimality_rate(400, 4, 3) / suboptimality_rate(100, 4, 3) == pytest.approx(0.5)
    assert suboptimality_rate(100, 4, 3, "chi2", lam=0.5) > suboptimality_rate(100, 4, 3, "chi2", lam=5.0)


def test_bad_input():
    with pytest.raises(RLKitError, match="delta"):
        xi(4, 3, 100, 1.5)
    with pytest.raises(RLKitError, match="lam"):
        beta_r2pvi("tv", 4, 3, 100, 0.0)
    with pytest.raises(RLKitError, match="divergence"):
        beta_r2pvi("js", 4, 3, 100, 1.0)
