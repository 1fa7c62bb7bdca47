"""The finite episodic environment protocol on the random tabular MDP: validity, seeding, errors, gymnasium view."""

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import rlkit.envs  # noqa: F401
from rlkit.core.checks import RLKitError
from rlkit.envs import RandomTabularMDP
from tests.placement import TKW


def _play(env, seed, actions_of):
    states, _ = env.reset(seed=seed)
    trace = []
    for _ in range(3):
        for h in range(env.horizon):
            a = actions_of(states, h)
            nxt, fb, done, _, _ = env.step(a)
            trace.append((states.clone(), a.clone(), fb.clone()))
            states = nxt
        assert bool(done.all())
        states, _ = env.next_episode()
    return trace


def test_model_is_valid():
    env = RandomTabularMDP(**TKW, num_envs=3, n_states=4, n_actions=2, horizon=5)
    env.reset(seed=0)
    P = env.transitions()
    assert P.shape == (3, 5, 4, 2, 4)
    torch.testing.assert_close(P.sum(-1), torch.ones(3, 5, 4, 2, **TKW))
    assert bool((P >= 0).all())
    r = env.objective_table()
    assert bool(((r >= 0) & (r <= 1)).all())
    assert env.initial_distribution().sum().item() == 1.0


def test_transition_frequencies_match_the_kernel():
    B = 4000  # one instance shared by every run (instance_seed), so the runs sample the same kernel
    env = RandomTabularMDP(**TKW, num_envs=B, n_states=3, n_actions=2, horizon=2, instance_seed=7)
    states, _ = env.reset(seed=1)
    nxt, _, _, _, _ = env.step(torch.ones(B, dtype=torch.long))
    freq = torch.bincount(nxt, minlength=3).to(TKW["dtype"]) / B
    torch.testing.assert_close(freq, env.transitions()[0, 0, 0, 1], atol=0.03, rtol=0)


def test_same_seed_same_episodes_and_runs_independent_of_batch():
    always_one = lambda s, h: torch.ones_like(s)  # noqa: E731
    a = _play(RandomTabularMDP(**TKW, num_envs=3, n_states=4, n_actions=2, horizon=3), 5, always_one)
    b = _play(RandomTabularMDP(**TKW, num_envs=3, n_states=4, n_actions=2, horizon=3), 5, always_one)
    for (s1, _, f1), (s2, _, f2) in zip(a, b):
        assert torch.equal(s1, s2) and torch.equal(f1, f2)
    from rlkit.core.seeding import run_sequences
    single = _play(RandomTabularMDP(**TKW, num_envs=1, n_states=4, n_actions=2, horizon=3), run_sequences(5, [2]),
                   always_one)
    for (s1, _, f1), (s2, _, f2) in zip(a, single):
        assert s1[2] == s2[0] and f1[2] == f2[0]


def test_protocol_errors_are_clear():
    env = RandomTabularMDP(**TKW, num_envs=2, n_states=3, n_actions=2, horizon=2)
    with pytest.raises(RLKitError, match="reset"):
        env.step(torch.zeros(2, dtype=torch.long))
    env.reset(seed=0)
    with pytest.raises(RLKitError, match=r"actions must have shape \(2,\)"):
        env.step(torch.zeros(3, dtype=torch.long))
    with pytest.raises(RLKitError, match=r"actions must lie in \[0, 2\)"):
        env.step(torch.tensor([0, 2]))
    with pytest.raises(RLKitError, match="integers"):
        env.step(torch.tensor([0.0, 1.0]))
    with pytest.raises(RLKitError, match="play all H steps"):
        env.step(torch.zeros(2, dtype=torch.long))
        env.next_episode()
    env.step(torch.zeros(2, dtype=torch.long))
    with pytest.raises(RLKitError, match="episode has ended"):
        env.step(torch.zeros(2, dtype=torch.long))


def test_gymnasium_views():
    env = gym.make("rlkit/RandomTabularMDP-v0", n_states=4, n_actions=3, horizon=3)
    check_env(env.unwrapped, skip_render_check=True)
    obs, _ = env.reset(seed=3)
    total = 0
    for _ in range(3):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        total += 1
    assert terminated and total == 3 and 0 <= obs < 4
    vec = gym.make_vec("rlkit/RandomTabularMDP-v0", num_envs=5, vectorization_mode="vector_entry_point",
                       **TKW, n_states=4)
    states, _ = vec.reset(seed=0)
    assert states.shape == (5,) and states.dtype == torch.long
    assert np.all(states.numpy() == 0)  # the start state
