"""Linear mixture MDPs for reward-free exploration: model validity, features, rewards, gymnasium views, bad input."""

import itertools
import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import rlkit.envs  # noqa: F401
from rlkit.core.checks import RLKitError
from rlkit.envs import HardMixtureMDP, LowerBoundMDP, MixtureRiverSwim
from rlkit.envs.episodic.linear_mixture_features import MixtureFeatures
from tests.placement import TKW, tol

INSTANCES = [(LowerBoundMDP, {"dim": 4, "horizon": 5, "gap": 0.05}), (LowerBoundMDP, {"dim": 2, "horizon": 3}),
             (HardMixtureMDP, {"dim": 3, "horizon": 4, "gap": 0.05}), (MixtureRiverSwim, {"n_states": 5, "horizon": 4})]

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.mark.parametrize("cls,kw", INSTANCES)
def test_model_is_a_kernel_and_psi_is_bounded_and_consistent(cls, kw, gen):
    env = cls(num_envs=3, **kw, **TKW)
    env.reset(seed=0)
    P = env.transitions()
    assert P.shape == (3, env.horizon, env.n_states, env.n_actions, env.n_states)
    assert bool((P >= 0).all())
    torch.testing.assert_close(P.sum(-1), torch.ones_like(P.sum(-1)))
    assert torch.equal(P[:, 0], P[:, -1])  # time-homogeneous
    V = torch.rand(200, env.n_states, generator=gen, dtype=torch.float64).to(**TKW)
    eps = tol(1e-12, 1e-6)  # float32: a norm of <= 8 entries of size <= 1
    assert float(env.psi(V).norm(dim=-1).max()) <= 1 + eps  # ||psi_V|| <= 1 for V in [0, 1]
    corners = torch.tensor(list(itertools.product([0.0, 1.0], repeat=env.n_states)), **TKW)
    assert float(env.psi(corners).norm(dim=-1).max()) <= 1 + eps
    PV = (P[:, 0].unsqueeze(1) @ V[:3].view(3, 1, env.n_states, 1).unsqueeze(1)).squeeze(-1)  # (3, 1, S, A)
    torch.testing.assert_close((env.psi(V[:3]) * env.theta[:, None, None]).sum(-1), PV.squeeze(1))
    assert float(env.theta.norm(dim=-1).max()) <= env.theta_bound + eps
    torch.testing.assert_close(env.objective_table(), torch.zeros(env.horizon, env.n_states, env.n_actions,
                                                                  **TKW))


def test_sign_instances_match_their_definitions():
    env = LowerBoundMDP(**TKW, num_envs=4, dim=4, horizon=6, gap=0.04)
    env.reset(seed=1)
    acts = env.actions  # (8, 3) sign vectors
    p_good = env.transitions()[:, 0, 0, :, 2]  # P(x3 | x1, a)
    torch.testing.assert_close(p_good, 1 / 6 + env.mu @ acts.to(env.mu).T)  # the sign table is built in float64
    assert bool((env.mu.abs() == 0.04).all())
    torch.testing.assert_close(env.theta.norm(dim=-1), torch.full((4,), 1 + 3 * 0.04, **TKW))
    for s in (1, 2):  # absorbing
        assert bool((env.transitions()[:, 0, s, :, s] == 1).all())
    r = env.task_reward()
    assert bool((r[:, 2] == 1 / 6).all()) and float(r[:, :2].abs().sum()) == 0
    hard = HardMixtureMDP(**TKW, num_envs=2, dim=3, horizon=5, gap=0.05, mu_signs=[1, -1])
    hard.reset(seed=0)
    P = hard.transitions()[0, 0]
    a = hard.actions
    for s in range(5):  # x_s -> x_{H+2} w.p. 1/H + <mu, a>, else x_{s+1}
        torch.testing.assert_close(P[s, :, 6], 1 / 5 + a.to(P) @ torch.tensor([0.05, -0.05], **TKW))
        torch.testing.assert_close(P[s, :, s + 1], 1 - P[s, :, 6])
    assert hard.start_state == 0 and hard.n_states == 7
    default = LowerBoundMDP(dim=3, K=1000)
    assert math.isclose(default.gap, math.sqrt((1 / 6) / 1000) / (4 * math.sqrt(2)))


def test_riverswim_features_agree_with_the_dynamics_at_both_ends():
    env = MixtureRiverSwim(**TKW, num_envs=1, n_states=5, horizon=3)
    env.reset(seed=0)
    P = env.transitions()[0, 0]
    right, left = P[:, 1], P[:, 0]
    torch.testing.assert_close(right[0, [0, 1]], torch.tensor([0.1, 0.9], **TKW))
    torch.testing.assert_close(right[2, [1, 2, 3]], torch.tensor([0.05, 0.05, 0.9], **TKW))
    torch.testing.assert_close(right[4, [3, 4]], torch.tensor([0.05, 0.95], **TKW))
    assert math.isclose(float(left[0, 0]), 1) and all(math.isclose(float(left[s, s - 1]), 1) for s in range(1, 5))
    r = env.task_reward()
    assert math.isclose(float(r[0, 0, 0]), 0.005 / 3, rel_tol=tol(1e-9, 1e-6))
    assert math.isclose(float(r[0, 4, 1]), 1 / 3, rel_tol=tol(1e-9, 1e-6))


@pytest.mark.parametrize("cls,kw", INSTANCES)
def test_reward_families_total_at_most_one_and_are_common_to_every_call(cls, kw):
    env = cls(num_envs=2, **kw)
    env.reset(seed=3)
    R, labels = env.planning_rewards(5)
    assert R.shape == (2, env.n_states + 6, env.horizon, env.n_states, env.n_actions) and len(labels) == R.shape[1]
    assert float(env.features.max_total(R, env.start_state).max()) <= 1 + 1e-12
    assert bool((R >= 0).all())
    again, _ = env.planning_rewards(5)
    assert torch.equal(R, again)
    other = cls(num_envs=2, **kw)
    other.reset(seed=4)
    assert not torch.equal(R[:, -1], other.planning_rewards(5)[0][:, -1])  # random rewards are per run seed


def test_features_maps_against_dense_formulas(gen):
    phi = torch.randn(4, 3, 4, 2, generator=gen, dtype=torch.float64).to(**TKW)
    phi[0, 0, 2] = 0  # a sparse entry
    f = MixtureFeatures(phi, **TKW)
    V = torch.rand(5, 4, generator=gen, dtype=torch.float64).to(**TKW)
    dense = torch.einsum("sapd,bp->bsad", phi, V)
    torch.testing.assert_close(f.psi(V), dense)
    s, a = torch.tensor([0, 1, 3, 2, 0]), torch.tensor([0, 2, 1, 1, 2])
    torch.testing.assert_close(f.psi_at(V, s, a), dense[torch.arange(5), s, a])
    pol = torch.randint(0, 3, (5, 4), generator=gen)
    torch.testing.assert_close(f.psi_policy(V, pol), dense[torch.arange(5)[:, None], torch.arange(4), pol])
    theta = torch.randn(2, generator=gen, dtype=torch.float64).to(**TKW)
    torch.testing.assert_close(f.transitions(theta), phi @ theta)


def test_max_total_is_the_largest_trajectory_sum():
    env = HardMixtureMDP(**TKW, num_envs=1, dim=2, horizon=3, gap=0.05)
    r = torch.rand(3, 5, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    support = env.features.support
    best = 0.0  # brute force over all action and next-state sequences the features allow
    def walk(acts, s, h, total):
        if h == 3:
            return total
        nxt = support[s, acts[h]].nonzero().flatten().tolist()
        return max(walk(acts, n, h + 1, total + float(r[h, s, acts[h]])) for n in nxt)

    for acts in itertools.product(range(2), repeat=3):
        best = max(best, walk(acts, 0, 0, 0.0))
    assert math.isclose(float(env.features.max_total(r, 0)), best, rel_tol=tol(1e-12, 1e-5))


@pytest.mark.parametrize("name", ["LowerBoundMDP", "HardMixtureMDP", "MixtureRiverSwim"])
def test_gymnasium_views(name):
    env = gym.make(f"rlkit/{name}-v0", horizon=4)
    check_env(env.unwrapped, skip_render_check=True)
    obs, _ = env.reset(seed=0)
    for _ in range(4):
        obs, reward, terminated, _, _ = env.step(env.action_space.sample())
        assert reward == 0.0  # reward-free
    assert terminated
    vec = gym.make_vec(f"rlkit/{name}-v0", num_envs=3, vectorization_mode="vector_entry_point", **TKW, horizon=4)
    states, _ = vec.reset(seed=0)
    assert states.shape == (3,) and np.all(states.numpy() == 0)


def test_bad_input_is_refused_clearly():
    with pytest.raises(RLKitError, match="horizon must be an integer >= 1"):
        LowerBoundMDP(horizon=0)
    with pytest.raises(RLKitError, match="horizon must be an integer >= 1"):
        HardMixtureMDP(horizon=0)
    with pytest.raises(RLKitError, match=r"gap must satisfy \(d - 1\) gap <= delta"):
        LowerBoundMDP(dim=5, gap=0.1)
    with pytest.raises(RLKitError, match="dim must be an integer >= 2"):
        LowerBoundMDP(dim=1)
    with pytest.raises(RLKitError, match="mu_signs must be 2 entries"):
        LowerBoundMDP(dim=3, mu_signs=[1, 0])
    with pytest.raises(RLKitError, match=r"phi must have shape \(S, A, S, d\)"):
        MixtureFeatures(torch.zeros(3, 2, 4, 2))
    with pytest.raises(RLKitError, match="theta must have shape"):
        LowerBoundMDP(dim=3).features.transitions(torch.zeros(4))
    with pytest.raises(RLKitError, match="V must be a tensor of shape"):
        LowerBoundMDP(dim=3).psi(torch.zeros(4))
