"""Exact dynamic programming (rlkit.core.dp) against brute force over trajectories and deterministic policies."""

import itertools

import pytest
import torch

from rlkit.core import dp
from rlkit.core.checks import RLKitError
from tests.placement import TKW, tol


def _instance(gen, B=2, H=3, S=3, A=2):
    P = torch.rand(B, H, S, A, S, generator=gen, dtype=torch.float64).to(**TKW)
    P = P / P.sum(-1, keepdim=True)
    r = torch.rand(B, H, S, A, generator=gen, dtype=torch.float64).to(**TKW)
    mu = torch.rand(B, S, generator=gen, dtype=torch.float64).to(**TKW)
    return P, r, mu / mu.sum(-1, keepdim=True)


def _brute_value(P, r, pi, mu):
    """E[sum_h r_h] by enumerating every trajectory (s_0, a_0, ..., s_{H-1}, a_{H-1}) of one instance."""
    H, S, A = r.shape
    total = 0.0
    for traj in itertools.product(range(S), range(A), repeat=H):
        s, a = traj[0::2], traj[1::2]
        p = mu[s[0]].item()
        for h in range(H):
            p *= pi[h, s[h], a[h]].item()
            if h + 1 < H:
                p *= P[h, s[h], a[h], s[h + 1]].item()
        total += p * sum(r[h, s[h], a[h]].item() for h in range(H))
    return total


def test_policy_value_equals_trajectory_enumeration(gen):
    P, r, mu = _instance(gen)
    pi = torch.rand(2, 3, 3, 2, generator=gen, dtype=torch.float64).to(**TKW)
    pi = pi / pi.sum(-1, keepdim=True)
    _, V = dp.evaluate_policy(P, r, pi)
    got = dp.initial_value(V, mu)
    for b in range(2):
        # float32: backward sums over S x A x H = 3 x 2 x 3 terms against a product-sum enumeration in float64
        assert got[b].item() == pytest.approx(_brute_value(P[b], r[b], pi[b], mu[b]), rel=tol(1e-12, 1e-5))


@pytest.mark.parametrize("maximize", [True, False])
def test_optimal_policy_equals_brute_force_over_deterministic_policies(gen, maximize):
    P, r, mu = _instance(gen, B=1, H=2, S=2, A=3)
    pi_star, _, V = dp.optimal_policy(P, r, maximize=maximize)
    best = None
    for choice in itertools.product(range(3), repeat=2 * 2):
        pi = torch.nn.functional.one_hot(torch.tensor(choice).reshape(1, 2, 2), 3).double()
        v = dp.initial_value(dp.evaluate_policy(P, r, pi)[1], mu).item()
        best = v if best is None else (max(best, v) if maximize else min(best, v))
    assert dp.initial_value(V, mu).item() == pytest.approx(best, rel=1e-12)
    v_star = dp.initial_value(dp.evaluate_policy(P, r, pi_star)[1], mu).item()
    assert v_star == pytest.approx(best, rel=1e-12)


def test_occupancy_is_a_distribution_and_gives_the_value(gen):
    P, r, mu = _instance(gen)
    pi = torch.rand(2, 3, 3, 2, generator=gen, dtype=torch.float64).to(**TKW)
    pi = pi / pi.sum(-1, keepdim=True)
    q = dp.occupancy(P, pi, mu)
    torch.testing.assert_close(q.sum((-2, -1)), torch.ones(2, 3, **TKW))
    _, V = dp.evaluate_policy(P, r, pi)
    torch.testing.assert_close((q * r).sum((-3, -2, -1)), dp.initial_value(V, mu))


def test_batch_shapes_broadcast(gen):
    P, r, mu = _instance(gen, B=1)
    pi = torch.full((4, 3, 3, 2), 0.5, **TKW)
    _, V = dp.evaluate_policy(P, r, pi)  # one MDP, four policies
    assert V.shape == (4, 4, 3)


def test_bad_shapes_and_non_distributions_are_clear_errors(gen):
    P, r, _ = _instance(gen)
    with pytest.raises(RLKitError, match="P must have shape"):
        dp.evaluate_policy(P[..., :2], r, torch.full_like(r, 0.5))
    with pytest.raises(RLKitError, match="probability distributions"):
        dp.check_policy("pi", torch.ones(2, 3, 3, 2, **TKW), (2, 3, 3, 2))
    with pytest.raises(RLKitError, match=r"shape \(2, 3, 3, 2\)"):
        dp.check_policy("pi", torch.ones(2, 3, 2), (2, 3, 3, 2))
