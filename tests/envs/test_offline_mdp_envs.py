"""Invariants of the offline feature MDPs (simulated linear MDP, American put option) and of collect()."""

import itertools

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import rlkit.envs  # noqa: F401  (registers the environments)
from rlkit.agents.offline_evaluation import exact_return, monte_carlo_return
from rlkit.core.checks import RLKitError
from rlkit.envs import AmericanPutOption, RobustLinearMDP, collect
from tests.placement import TKW, tol


class FixedPolicy:
    """A fixed deterministic policy ``table[h, s]`` of the finite MDP, for R = 1."""

    def __init__(self, table):
        self.table = torch.as_tensor(table)
        self.replications = 1

    def act(self, obs, h):
        return self.table[h][obs]


@pytest.mark.filterwarnings("ignore:.*maximum value is infinity")  # the exercised put is the state s = inf
@pytest.mark.parametrize("env_id", ["rlkit/RobustLinearMDP-v0", "rlkit/AmericanPutOption-v0"])
def test_check_env(env_id):
    check_env(gym.make(env_id, disable_env_checker=True).unwrapped, skip_render_check=True)


def test_linear_mdp_features_on_simplex_and_rows_sum_to_one():
    for q in (None, 0.0, 0.3, 1.0):
        env = RobustLinearMDP(q, **TKW)
        phi = env.phi(env.all_states())
        assert bool((phi >= 0).all()) and torch.allclose(phi.sum(-1), torch.ones(5, 16, **TKW))
        P = env.kernel(q)
        assert bool((P >= 0).all()) and torch.allclose(P.sum(-1), torch.ones_like(P[..., 0]))


def test_linear_mdp_matches_paper_construction():
    env = RobustLinearMDP(**TKW)
    a = list(itertools.product([-1, 1], repeat=4)).index((1, 1, 1, 1))
    assert env.phi(torch.tensor(0))[a].tolist() == pytest.approx([0.5, 0, 0, 0.5])  # 1 - delta - 0.2, delta + 0.2
    P = env.kernel(None)[0, 0, a]  # from x1: x2 w.p. .999 phi_1, x4 w.p. .001 phi_1, x5 w.p. phi_4
    assert P.tolist() == pytest.approx([0, 0.4995, 0, 0.0005, 0.5])
    Pq = RobustLinearMDP(0.3, **TKW).kernel(0.3)[0, 0, a]  # perturbed: phi_4 mass to x4 w.p. q
    assert Pq.tolist() == pytest.approx([0, 0.5, 0, 0.15, 0.35])
    assert torch.equal(RobustLinearMDP(0.3, **TKW).kernel(0.3)[1:], env.kernel(None)[1:])


def test_exact_return_of_fixed_policies_nonincreasing_in_q():
    env = RobustLinearMDP(**TKW)
    g = torch.Generator().manual_seed(0)
    for _ in range(10):
        pol = FixedPolicy(torch.randint(0, 16, (3, 5), generator=g))
        vals = [exact_return(RobustLinearMDP(q, **TKW), pol).item() for q in np.linspace(0, 1, 11)]
        assert all(b <= a + 1e-12 for a, b in zip(vals, vals[1:]))
    assert env.horizon == 3


def test_exact_return_closed_form_and_monte_carlo_agree():
    # always a = (1,1,1,1): goal weight g = 0.5 everywhere. Closed form under perturbation q:
    # step 1 reward 0; x5 w.p. g (1 - q) then 1 + 1; x2 w.p. 1 - g: reward g, then x3 (.999) / x5 w.p. g
    a = list(itertools.product([-1, 1], repeat=4)).index((1, 1, 1, 1))
    pol = FixedPolicy(torch.full((3, 5), a))
    g = 0.5
    for q in (0.0, 0.4, 1.0):
        x3 = (1 - g) * 0.999  # from x2 to x3; at x3 the last reward is g
        closed = g * (1 - q) * 2 + (1 - g) * (g + x3 * g + g * 1)
        env = RobustLinearMDP(q, **TKW)
        assert exact_return(env, pol).item() == pytest.approx(closed, abs=tol(1e-12, 1e-6))  # float32: 3 steps
        mc = monte_carlo_return(env, pol, episodes=20000, seed=1).item()
        assert mc == pytest.approx(closed, abs=0.03)


def test_put_option_features_and_dynamics():
    env = AmericanPutOption(d=30, **TKW)
    s = torch.linspace(80.0, 80.0 + 29 * 100 / 30, 500, **TKW)
    f = env.hat(s)
    assert bool((f >= 0).all()) and torch.allclose(f.sum(-1), torch.ones(500, **TKW))
    assert bool((env.hat(torch.tensor([60.0, float("inf")], **TKW)) == 0).all())
    assert env.stop_reward(torch.tensor([90.0], **TKW))[0, 1].item() == 10.0
    nxt = env.next_states(torch.tensor([100.0, 100.0]), torch.tensor([0, 1]), 0, torch.tensor([0.1, 0.1]), 0.5)
    assert nxt[0].item() == pytest.approx(102.0) and nxt[1].item() == float("inf")
    # up-probability p: E[s_1] = s_0 (0.98 + 0.04 p)
    env_p = AmericanPutOption(0.8, **TKW, d=30)
    u = torch.rand(200000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    mean = env_p.next_states(torch.full_like(u, 100.0), torch.zeros_like(u, dtype=torch.long), 0, u, 0.8).mean()
    assert mean.item() == pytest.approx(100 * (0.98 + 0.04 * 0.8), abs=0.01)


def test_collect_shapes_determinism_and_behaviour():
    env = AmericanPutOption(**TKW, d=10)
    a = collect(env, "constant:0", 30, seed=5, replications=3)
    assert a.states.shape == (3, 30, 21) and a.actions.shape == (3, 30, 20)
    assert bool((a.actions == 0).all()) and bool((a.rewards == 0).all())
    assert torch.equal(a.states, collect(env, "constant:0", 30, seed=5, replications=3).states)
    assert not torch.equal(a.states, collect(env, "constant:0", 30, seed=6, replications=3).states)
    u = collect(RobustLinearMDP(**TKW), "uniform", 4000, seed=0)
    counts = torch.bincount(u.actions.flatten(), minlength=16).to(TKW["dtype"]) / u.actions.numel()
    assert torch.allclose(counts, torch.full((16,), 1 / 16, **TKW), atol=0.01)
    with pytest.raises(RLKitError, match="behaviour"):
        collect(env, "greedy", 3)
    with pytest.raises(RLKitError, match="n_episodes"):
        collect(env, "uniform", 0)
    with pytest.raises(RLKitError, match="param"):
        RobustLinearMDP(1.5, **TKW)


def test_put_option_monte_carlo_matches_closed_form():
    """Exercise at once: E max(0, 100 - s0) with s0 ~ U[95, 105] is 25 / 20 = 1.25; always holding pays 0."""

    class Always:
        replications = 1

        def __init__(self, a):
            self.a = a

        def act(self, obs, h):
            return torch.full(obs.shape, self.a, dtype=torch.long)

    env = AmericanPutOption(**TKW, d=10)
    assert monte_carlo_return(env, Always(1), episodes=20000, seed=3).item() == pytest.approx(1.25, abs=0.04)
    assert monte_carlo_return(env, Always(0), episodes=100, seed=3).item() == 0.0
