"""Contextual CartPole and Pendulum: the context changes the physics, ranges are enforced, both observation modes."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.classic_control.cartpole import CartPoleEnv
from gymnasium.utils.env_checker import check_env

import rlkit.envs  # noqa: F401  (registers the rlkit/ environments)
from rlkit.core.checks import RLKitError
from rlkit.envs import ContextualCartPole, ContextualPendulum


def rollout(env, actions, seed=3):
    obs, _ = env.reset(seed=seed)
    states = [obs]
    for a in actions:
        obs, _, terminated, truncated, _ = env.step(a)
        states.append(obs)
        if terminated or truncated:
            break
    return np.array(states)


CARTPOLE_ACTIONS = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0] * 2
PENDULUM_ACTIONS = [np.array([a], dtype=np.float32) for a in np.linspace(-2, 2, 25)]


@pytest.mark.parametrize("env_id, kwargs", [("rlkit/ContextualCartPole-v0", {"masscart": 3.0}),
                                            ("rlkit/ContextualCartPole-v0", {"length": 2.0, "context_in_obs": True}),
                                            ("rlkit/ContextualPendulum-v0", {"dt": 0.1}),
                                            ("rlkit/ContextualPendulum-v0", {"mass": 4.0, "context_in_obs": True})])
def test_check_env_passes(env_id, kwargs):
    check_env(gym.make(env_id, **kwargs).unwrapped, skip_render_check=True)


def test_default_context_is_gymnasiums_cartpole():
    ours = rollout(ContextualCartPole(), CARTPOLE_ACTIONS)
    theirs = rollout(gym.make("CartPole-v1").unwrapped, CARTPOLE_ACTIONS)
    assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("name, value", [("masscart", 5.0), ("length", 2.0), ("masspole", 0.8)])
def test_each_cartpole_context_changes_the_trajectory(name, value):
    base = rollout(ContextualCartPole(), CARTPOLE_ACTIONS)
    other = rollout(ContextualCartPole(**{name: value}), CARTPOLE_ACTIONS)
    n = min(len(base), len(other))
    assert np.array_equal(base[0], other[0])  # same reset seed, same start
    assert not np.allclose(base[1:n], other[1:n])


def test_setting_masscart_after_construction_is_the_carl_no_op_we_avoid():
    """Gymnasium caches total_mass: changing masscart on the plain env leaves the dynamics unchanged."""
    plain = CartPoleEnv()
    plain.masscart = 5.0
    assert np.array_equal(rollout(plain, CARTPOLE_ACTIONS), rollout(CartPoleEnv(), CARTPOLE_ACTIONS))
    env = ContextualCartPole(masscart=5.0)
    assert env.total_mass == pytest.approx(5.1) and env.polemass_length == pytest.approx(0.05)


@pytest.mark.parametrize("name, value", [("dt", 0.2), ("length", 3.0), ("mass", 5.0)])
def test_each_pendulum_context_changes_the_trajectory(name, value):
    base = rollout(ContextualPendulum(), PENDULUM_ACTIONS)
    other = rollout(ContextualPendulum(**{name: value}), PENDULUM_ACTIONS)
    assert np.array_equal(base[0], other[0])
    assert not np.allclose(base[1:], other[1:])


def test_context_in_the_observation_or_not():
    shown = ContextualCartPole(masscart=2.5, context_in_obs=True)
    obs, _ = shown.reset(seed=0)
    assert obs.shape == (7,) and np.allclose(obs[4:], [2.5, 0.5, 0.1]) and shown.observation_space.contains(obs)
    hidden, _ = ContextualCartPole(masscart=2.5).reset(seed=0)
    assert hidden.shape == (4,) and np.array_equal(hidden, obs[:4])
    obs, _ = ContextualPendulum(dt=0.1, context_in_obs=True).reset(seed=0)
    assert obs.shape == (6,) and np.allclose(obs[3:], [0.1, 1.0, 1.0])


@pytest.mark.parametrize("kwargs, match", [({"masscart": 20.0}, r"masscart must lie in \[0.1, 10.0\]"),
                                           ({"masspole": float("nan")}, "masspole must lie"),
                                           ({"length": "long"}, "length must be a number"),
                                           ({"context_in_obs": "yes"}, "context_in_obs must be true or false")])
def test_bad_contexts_are_refused(kwargs, match):
    with pytest.raises(RLKitError, match=match):
        ContextualCartPole(**kwargs)
    with pytest.raises(RLKitError, match=r"dt must lie in \[0.005, 0.5\]"):
        ContextualPendulum(dt=1.0)


def test_multitask_env_draws_a_context_per_episode_reproducibly():
    from rlkit.mbtl.families.sampled_context import SampledContextEnv

    def make(v):
        return gym.make("rlkit/ContextualCartPole-v0", masscart=v, context_in_obs=True)

    def draws(seed):
        env = SampledContextEnv(make, [0.5, 1.0, 2.0, 4.0], seed=seed)
        return [env.reset()[1]["context_value"] for _ in range(20)]

    a = draws(0)
    assert a == draws(0) and a != draws(1) and set(a) == {0.5, 1.0, 2.0, 4.0}
    env = SampledContextEnv(make, [0.5, 4.0], seed=0)
    obs, info = env.reset()
    assert obs[4] == info["context_value"]  # the context shown is the one drawn
