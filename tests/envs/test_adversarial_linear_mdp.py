"""AdversarialLinearMDP: model validity, linear Q-functions, the oblivious adversary, presets, gymnasium views, errors;
and the regret's comparator (the best fixed policy by DP on the summed losses) against brute force."""

import itertools

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import rlkit.envs  # noqa: F401
from rlkit.core import dp
from rlkit.core.checks import RLKitError
from rlkit.envs import AdversarialLinearMDP
from tests.placement import TKW, tol


def _episodes(env, n, seed=0, action=lambda s, h: torch.zeros_like(s)):
    states, _ = env.reset(seed=seed)
    tables = []
    for k in range(n):
        if k:
            states, _ = env.next_episode()
        tables.append(env.objective_table().clone())
        for h in range(env.horizon):
            states, loss, _, _, _ = env.step(action(states, h))
    return tables


@pytest.mark.parametrize("preset", ["general", "tabular", "contextual_bandit"])
def test_model_validity_and_linear_q(preset):
    env = AdversarialLinearMDP(**TKW, num_envs=3, n_states=4, n_actions=3, dim=3, preset=preset, phase_length=2)
    tables = _episodes(env, 6)
    P, mu, phi = env.transitions(), env.initial_distribution(), env.phi
    H = env.horizon
    assert P.shape == (3, H, 4, 3, 4) and bool((P >= 0).all())
    torch.testing.assert_close(P.sum(-1), torch.ones(3, H, 4, 3, **TKW))
    assert bool((phi >= 0).all()) and float((phi.norm(dim=-1) - 1).clamp_min(0).max()) == 0
    torch.testing.assert_close(phi.sum(-1), torch.ones(4, 3, **TKW))
    for t in tables:
        assert bool(((t >= 0) & (t <= 1)).all())
    if preset == "tabular":
        assert env.dim == 12 and torch.equal(phi.reshape(12, 12), torch.eye(12, **TKW))
    if preset == "contextual_bandit":
        assert H == 1 and torch.allclose(mu, torch.full((4,), 0.25, **TKW))
    # Q^pi_h(s, a) of any policy is linear in phi(s, a): an exact least-squares fit per run and layer
    pi = torch.rand(3, H, 4, 3, dtype=torch.float64).to(**TKW).softmax(-1)
    Q, _ = dp.evaluate_policy(P, tables[-1], pi)
    X = phi.reshape(12, env.dim)
    theta = torch.linalg.lstsq(X.expand(3, H, 12, env.dim), Q.reshape(3, H, 12, 1)).solution
    # float32: Q sums H backups of values <= H, the least-squares fit is a 12 x dim solve: a few 2**-24 * H^2
    torch.testing.assert_close(X @ theta, Q.reshape(3, H, 12, 1), atol=tol(1e-10, 2e-5), rtol=0)


def test_oblivious_switching_adversary():
    env = AdversarialLinearMDP(**TKW, num_envs=2, n_states=3, n_actions=2, dim=3, n_phases=2, phase_length=3,
                               loss_noise="none")
    tables = _episodes(env, 12)
    means = env.phase_means  # (B, J, H, d)
    for k, t in enumerate(tables):
        g = means[:, (k // 3) % 2]
        torch.testing.assert_close(t, torch.einsum("sai,bhi->bhsa", env.phi, g).clamp(0, 1))
    noisy = AdversarialLinearMDP(**TKW, num_envs=2, n_states=3, n_actions=2, dim=3)
    a = _episodes(noisy, 5, seed=3)
    b = _episodes(noisy, 5, seed=3, action=lambda s, h: torch.ones_like(s))  # other actions: same losses
    for x, y in zip(a, b):
        assert torch.equal(x, y)
    g = noisy.loss_vectors()
    assert bool(((g == 0) | (g == 1)).all())  # Bernoulli adversary vectors


def test_runs_are_independent_of_the_batch_and_instance_seed_shares():
    from rlkit.core.seeding import run_sequences
    full = _episodes(AdversarialLinearMDP(**TKW, num_envs=3, n_states=3, n_actions=2, dim=3), 4, seed=9)
    alone = _episodes(AdversarialLinearMDP(**TKW, num_envs=1, n_states=3, n_actions=2, dim=3), 4,
                      seed=run_sequences(9, [2]))
    for x, y in zip(full, alone):
        assert torch.equal(x[2], y[0])
    shared = AdversarialLinearMDP(**TKW, num_envs=3, n_states=3, n_actions=2, dim=3, instance_seed=5)
    shared.reset(seed=0)
    torch.testing.assert_close(shared.transitions()[0], shared.transitions()[2], atol=1e-15, rtol=0)


@pytest.mark.parametrize("preset", ["general", "tabular", "contextual_bandit"])
def test_gymnasium_views(preset):
    single = gym.make("rlkit/AdversarialLinearMDP-v0", preset=preset, n_states=3, n_actions=2)
    check_env(single.unwrapped)
    obs, _ = single.reset(seed=1)
    _, reward, term, _, info = single.step(1)
    assert -1.0 <= reward <= 0.0 and term == (single.unwrapped.inner.horizon == 1) and "expected_loss" in info
    vec = gym.make_vec("rlkit/AdversarialLinearMDP-v0", num_envs=4, vectorization_mode="vector_entry_point", **TKW,
                       preset=preset, n_states=3, n_actions=2)
    states, _ = vec.reset(seed=0)
    assert states.shape == (4,) and vec.objective == "loss"


def test_bad_input():
    with pytest.raises(RLKitError, match="loss_high"):
        AdversarialLinearMDP(loss_high=1.5)
    with pytest.raises(RLKitError, match="loss_low"):
        AdversarialLinearMDP(loss_low=-0.1)
    with pytest.raises(RLKitError, match="horizon must be 1"):
        AdversarialLinearMDP(preset="contextual_bandit", horizon=2)
    with pytest.raises(RLKitError, match="preset"):
        AdversarialLinearMDP(preset="hard")
    with pytest.raises(RLKitError, match="adversary"):
        AdversarialLinearMDP(adversary="adaptive")


def test_best_fixed_policy_by_dp_equals_brute_force():
    env = AdversarialLinearMDP(**TKW, num_envs=2, n_states=2, n_actions=2, horizon=2, dim=3, phase_length=1)
    tables = _episodes(env, 7)
    summed = torch.stack(tables).sum(0)  # (B, H, S, A)
    P, mu = env.transitions(), env.initial_distribution()
    _, _, V = dp.optimal_policy(P, summed, maximize=False)
    best_dp = dp.initial_value(V, mu)
    values = []
    for choice in itertools.product(range(2), repeat=4):  # every deterministic policy of (h, s) -> a
        pi = torch.nn.functional.one_hot(torch.tensor(choice).reshape(2, 2), 2).double().expand(2, 2, 2, 2)
        # the value of a fixed policy summed over episodes = its value under the summed losses
        per_episode = sum(dp.initial_value(dp.evaluate_policy(P, t, pi)[1], mu) for t in tables)
        torch.testing.assert_close(per_episode, dp.initial_value(dp.evaluate_policy(P, summed, pi)[1], mu))
        values.append(per_episode)
    torch.testing.assert_close(best_dp, torch.stack(values).amin(0))
    assert np.isfinite(best_dp.numpy()).all()
