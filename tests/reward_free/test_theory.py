"""Reward-free theory: Theorem 2.6.3's constants and Cor. 2.6.4 against the thesis formulas evaluated in the test
and the sizes recorded in tests/data/reward_free."""

import math

import numpy as np
import pytest

from rlkit.theory.reward_free import (
    hf_bound_at,
    hf_episodes_bound,
    reference_episodes,
    theory_beta,
    theory_constants,
    ucrl_rfe_order,
    ucrl_rfe_plus_order,
)
from tests.reference import reference

REFERENCE = reference("reward_free", "theorem_2_6_3")


def _beta(k, d, H, B=1.0, delta=0.01):
    """Theorem 2.6.3's beta_k from the transcription in tests/data/reward_free (Python floats, no torch)."""
    alpha, gamma, lam = H**-0.5, d**-0.25, d / B**2
    eta = math.log(1 + k * H / (alpha**2 * d * lam))
    tau = math.log(32 * (max(math.log(gamma**2 / alpha), 0.0) + 1) * k**2 * H**2 / delta)
    return 12 * math.sqrt(d * eta * tau) + 30 * tau / gamma**2 + math.sqrt(lam) * B


def _corollary_m(eps, K, d, H, B=1.0, delta=0.01):
    """Corollary 2.6.4's m(eps) with the constants at K episodes, from the same transcription."""
    alpha, gamma, lam = H**-0.5, d**-0.25, d / B**2
    M = math.ceil(math.log(7 * K * H) / math.log(2))
    beta = _beta(K, d, H, B, delta)
    iota, zeta = math.log(1 + K * H / (d * lam * alpha**2)), 4 * math.log(4 * math.log(K * H) / delta)
    root = math.sqrt(d * iota)
    first = 64 * max(8 * beta * root, math.sqrt(2 * zeta)) + 120 * beta * root * H * alpha**2
    second = (2752 * max(64 * beta**2 * d * iota, 2 * zeta) + 24 * zeta + 240 * d * iota
              + 240 * beta * gamma**2 * d * iota + 120 * beta * d * iota * math.sqrt(M))
    return 16 / eps**2 * first**2 + 8 / eps * second


def test_radius_and_moments_match_the_thesis():
    """rlkit.theory against the thesis formulas evaluated independently here, and both against the recorded sizes
    (tests/data/reward_free/SOURCE.md): beta_K to three figures, M = ceil(log2(7 K H))."""
    for case in REFERENCE["cases"][:2]:
        d, K, H = case["d"], case["K"], case["H"]
        assert theory_beta(K, d, H) == pytest.approx(_beta(K, d, H), rel=1e-12)
        assert theory_beta(K, d, H) == pytest.approx(case["beta_K"], rel=2e-3)  # three significant figures
        assert math.log2(7 * K * H) == pytest.approx(case["M_unrounded"], abs=0.05)
        assert theory_constants(d, H, K)["moments"] == math.ceil(case["M_unrounded"])
    c = theory_constants(4, 16, 100, theta_bound=2.0)
    assert c["alpha"] == 0.25 and c["gamma"] == 4**-0.25 and c["lam"] == 1.0
    ks = np.array([1, 10, 100])
    assert np.all(np.diff(theory_beta(ks, 4, 10)) > 0)  # beta_k grows with k
    assert theory_beta(7, 4, 3, theta_bound=1.5) == pytest.approx(_beta(7, 4, 3, B=1.5), rel=1e-12)


def test_corollary_2_6_4():
    case = REFERENCE["cases"][2]
    m = _corollary_m(case["eps"], case["K"], case["d"], case["H"])
    assert hf_bound_at(case["K"], case["eps"], case["d"], case["H"]) == pytest.approx(m, rel=1e-12)
    assert m == pytest.approx(case["corollary_m"], rel=1 / 6)  # one significant figure: 3e17 means [2.5, 3.5]e17
    K = float(hf_episodes_bound(0.1, 5, 20))
    assert K == pytest.approx(hf_bound_at(K, 0.1, 5, 20), rel=1e-6)  # a fixed point
    assert hf_episodes_bound(0.05, 5, 20) > 3.5 * K  # ~ eps^-2
    # horizon-free: H enters through logarithms only
    assert hf_episodes_bound(0.1, 5, 320) < 2 * hf_episodes_bound(0.1, 5, 20)


def test_orders():
    H = np.array([5.0, 10.0])
    np.testing.assert_allclose(reference_episodes(H, 4, 0.1), [1600.0, 1600.0])
    np.testing.assert_allclose(ucrl_rfe_order(H, 4, 0.1), H**5 * 1600)
    np.testing.assert_allclose(ucrl_rfe_plus_order(H, 4, 0.1), H**4 * 4 * (H + 4) / 0.01)
