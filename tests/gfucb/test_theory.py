"""Reconstructed GFUCB rates (rlkit.theory.gfucb): internal consistency and the limits they must have."""

import numpy as np
import pytest

from rlkit.theory import gfucb


def test_per_task_rate_is_the_total_over_m_and_one_task_is_independent_learning():
    T, d_E, k, logN = 625, 4.0, 4, 50.0
    M = np.array([1, 2, 5, 10, 20])
    total = np.array([gfucb.multitask_regret(T, m, d_E, k, logN) for m in M])
    assert np.allclose(gfucb.per_task_rate(M, T, d_E, k, logN), total / M)
    indep = gfucb.independent_per_task_rate(M, T, d_E, k, logN)
    assert np.allclose(indep, gfucb.per_task_rate(1, T, d_E, k, logN))
    assert np.allclose(indep * M, [gfucb.multitask_regret(T, 1, d_E, k, logN) * m for m in M])  # M separate learners


def test_multitask_gain_grows_with_the_representation_complexity():
    T, d_E, k = 625, 4.0, 4
    M = np.array([1.0, 20.0])
    small = gfucb.per_task_rate(M, T, d_E, k, 1.0)
    big = gfucb.per_task_rate(M, T, d_E, k, 1000.0)
    assert small[1] / small[0] > big[1] / big[0]  # log N(Phi) >> k: the gain is large
    # in the limit M -> infinity only the heads' term sqrt(d_E k T) remains
    assert gfucb.per_task_rate(1e12, T, d_E, k, 1000.0) == pytest.approx(np.sqrt(d_E * k * T), rel=1e-3)


def test_linear_rates_are_mtlr_oful_and_oful():
    T, d, k = 1000, 20, 3
    M = np.array([1.0, 4.0, 100.0])
    per_task = gfucb.linear_per_task_rate(M, T, d, k)
    assert np.allclose(per_task * M, M * np.sqrt(d * k * T) + d * np.sqrt(k * M * T))  # Hu et al.'s total
    assert np.allclose(gfucb.linear_independent_per_task_rate(M, T, d), d * np.sqrt(T))
    assert per_task[-1] < gfucb.linear_independent_per_task_rate(M, T, d)[-1]  # k << d, M large: multitask wins
