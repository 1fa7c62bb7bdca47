"""The simulator (occupancies, start points, counters, errors) and the dilated bonus (Monte Carlo = DP)."""

import pytest
import torch

from rlkit.core import dp
from rlkit.core.checks import RLKitError
from rlkit.envs import AdversarialLinearMDP
from rlkit.ftrl.dilated_bonus import bonus_table, dilated_bonus_dp, dilated_bonus_mc
from rlkit.ftrl.simulator import Simulator
from tests.placement import TKW


def _env(B=2, **kw):
    env = AdversarialLinearMDP(**TKW, num_envs=B, n_states=3, n_actions=2, horizon=3, dim=3, transition_alpha=0.5, **kw)
    env.reset(seed=0)
    return env


def _policy(B, H=3, S=3, A=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(B, H, S, A, generator=g, dtype=torch.float64).to(**TKW).softmax(-1)


def test_rollout_frequencies_match_the_occupancy():
    env = _env()
    sim = Simulator(env, seed=3)
    pi = _policy(2)
    n = 20000
    states, actions = sim.rollout(pi, n)
    assert states.shape == actions.shape == (2, n, 3)
    q = dp.occupancy(env.transitions(), pi, env.initial_distribution())  # (B, H, S, A)
    freq = torch.zeros_like(q)
    for h in range(3):
        idx = states[:, :, h] * 2 + actions[:, :, h]
        freq[:, h] = torch.nn.functional.one_hot(idx, 6).double().mean(1).reshape(2, 3, 2)
    torch.testing.assert_close(freq, q, atol=0.015, rtol=0)
    assert sim.counts() == {"calls": 1, "trajectories": n, "transitions": 2 * n, "exact_calls": 0}


def test_rollouts_from_start_points():
    env = _env()
    sim = Simulator(env, seed=4)
    pi = _policy(2)
    h0, s0, a0 = torch.tensor([0, 1, 2, 1]), torch.tensor([2, 0, 1, 2]), torch.tensor([1, 1, 0, 0])
    states, actions = sim.rollout(pi, 5, start=(h0, s0, a0))
    assert states.shape == (2, 4, 5, 3)
    for j in range(4):
        assert bool((states[:, j, :, h0[j]] == s0[j]).all() & (actions[:, j, :, h0[j]] == a0[j]).all())
        assert bool((states[:, j, :, :h0[j]] == -1).all() & (states[:, j, :, h0[j]:] >= 0).all())
    assert sim.counts()["trajectories"] == 20 and sim.counts()["transitions"] == 5 * (2 + 1 + 0 + 1)


def test_simulator_does_not_touch_the_environment_noise():
    def episodes(use_sim):
        env = _env(B=3)
        sim = Simulator(env, seed=1)
        out = []
        for _ in range(4):
            if use_sim:
                sim.rollout(_policy(3), 50)
            out.append(env.objective_table().clone())
            for _ in range(3):
                env.step(torch.zeros(3, dtype=torch.long))
            env.next_episode()
        return out
    for a, b in zip(episodes(False), episodes(True)):
        assert torch.equal(a, b)


def test_simulator_errors():
    env = _env()
    sim = Simulator(env)
    with pytest.raises(RLKitError, match=r"shape \(2, 3, 3, 2\)"):
        sim.rollout(torch.full((2, 3, 3, 3), 1 / 3, **TKW), 4)
    bad = _policy(2)
    bad[0, 1, 2] = torch.tensor([0.7, 0.7])
    with pytest.raises(RLKitError, match="probability distributions"):
        sim.rollout(bad, 4)
    with pytest.raises(RLKitError, match="s0 entries"):
        sim.rollout(_policy(2), 4, start=(torch.tensor([0]), torch.tensor([5]), torch.tensor([0])))
    with pytest.raises(RLKitError, match="n must be"):
        sim.rollout(_policy(2), 0)
    with pytest.raises(RLKitError, match="exact model"):
        Simulator(object())


def test_dilated_bonus_monte_carlo_equals_dynamic_programming():
    env = _env()
    pi = _policy(2, seed=5)
    g = torch.Generator().manual_seed(6)
    Sp = torch.randn(2, 3, 3, 3, generator=g, dtype=torch.float64).to(**TKW)
    Sp = Sp @ Sp.transpose(-1, -2) + torch.eye(3, **TKW)  # some PSD "Sigma_plus" per run and layer
    b = bonus_table(env.phi, Sp, pi, beta=0.1)
    assert b.shape == (2, 3, 3, 2)
    quad = torch.einsum("sai,bhij,saj->bhsa", env.phi, Sp, env.phi)
    torch.testing.assert_close(b, 0.1 * (quad + (pi * quad).sum(-1, keepdim=True)))
    exact = dilated_bonus_dp(env.transitions(), b, pi, 1 + 1 / 3)
    # DP solves B = b + (1 + 1/H) P^pi B (checked directly) ...
    V_next = (pi[:, 1:] * exact[:, 1:]).sum(-1)  # (B, H - 1, S)
    rhs = b[:, :2] + (4 / 3) * (env.transitions()[:, :2] @ V_next.unsqueeze(-1).unsqueeze(-3)).squeeze(-1)
    torch.testing.assert_close(exact[:, :2], rhs)
    torch.testing.assert_close(exact[:, 2], b[:, 2])
    # ... and the simulator's Monte Carlo estimate has it as its mean
    sim = Simulator(env, seed=7)
    mc = dilated_bonus_mc(sim, pi, b, 20000, 1 + 1 / 3)
    torch.testing.assert_close(mc, exact, atol=0.02 * float(exact.abs().max()), rtol=0)
    assert sim.counts()["trajectories"] == 3 * 3 * 2 * 20000


def test_the_orders_from_the_authors_talk():
    """theory.ftrl_logbarrier: the slides' orders, checked at points computed by hand."""
    import numpy as np

    from rlkit.theory import ftrl_logbarrier as T

    assert T.dai_log_barrier_order(100, A=4, d=3, H=2) == pytest.approx((4 * 3 * 64 * 100) ** 0.5)  # 277.1
    assert T.dai_magnitude_reduced_order(100, d=3, H=2) == pytest.approx((3 * 64 * 100) ** 0.5)  # 138.6
    assert T.luo_order(1000, d=8, H=2) == pytest.approx(4 * 4 * 100)  # 8^(2/3) = 4, 1000^(2/3) = 100
    K = np.array([1e2, 1e4])
    assert np.allclose(np.diff(np.log(T.dai_log_barrier_order(K, 4, 3, 2))) / np.log(100), 0.5)
    assert np.allclose(np.diff(np.log(T.luo_order(K, 3, 2))) / np.log(100), 2 / 3)
