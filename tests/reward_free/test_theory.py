"""Reward-free theory: Theorem 2.6.3's constants and Cor. 2.6.4 against the paper notes' computed values."""

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


def test_radius_and_moments_match_the_notes():
    # paper notes Sec. 6 (B = 1, delta = 0.01): beta_K ~ 2750 and M ~ 20.4 at d = 5, K = 1e4, H = 20;
    # beta ~ 2110 and M ~ 19.4 at d = 3, K = 1e3, H = 100
    assert theory_beta(10_000, 5, 20) == pytest.approx(2750, rel=2e-3)
    assert theory_beta(1000, 3, 100) == pytest.approx(2110, rel=2e-3)
    assert theory_constants(5, 20, 10_000)["moments"] == math.ceil(math.log2(7 * 10_000 * 20)) == 21
    assert theory_constants(3, 100, 1000)["moments"] == 20
    c = theory_constants(4, 16, 100, theta_bound=2.0)
    assert c["alpha"] == 0.25 and c["gamma"] == 4**-0.25 and c["lam"] == 1.0
    ks = np.array([1, 10, 100])
    assert np.all(np.diff(theory_beta(ks, 4, 10)) > 0)  # beta_k grows with k


def test_corollary_2_6_4():
    assert hf_bound_at(1e4, 0.1, 5, 20) == pytest.approx(3e17, rel=0.05)  # the notes' "~3e17"
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
