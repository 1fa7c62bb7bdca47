"""validate="checkpoint": the value checks kept on the device and read at the loops' checkpoints.

The decisions are the same as with eager checks (bit for bit), no update reads the device, and a bad value still
stops the run with the eager message, at the next checkpoint."""

import gymnasium as gym
import numpy as np
import pytest
import torch

import rlkit.envs  # noqa: F401
from rlkit.agents import run_bandit, run_episodes
from rlkit.baselines import LSVIUCB, LinUCB
from rlkit.core.deferred import check_validate
from rlkit.core.errors import RLKitError


def _bandit(device, dtype, validate, B=3):
    env = gym.make_vec("rlkit/LinearBandit-v0", num_envs=B, vectorization_mode="vector_entry_point", n_arms=5,
                       dim=3, contexts="resample", device=device, dtype=dtype)
    return env, LinUCB.for_env(env, rounds=300, seed=0, validate=validate)


def test_deferred_checks_change_no_decision(device, dtype):
    curves = {v: run_bandit(*_bandit(device, dtype, v), 300, seed=1)["regret"] for v in (True, "checkpoint", False)}
    assert np.array_equal(curves[True], curves["checkpoint"]) and np.array_equal(curves[True], curves[False])


class _NaNAt:
    """A bandit environment whose rewards turn NaN for run 1 at round ``at``."""

    def __init__(self, env, at):
        self.env, self.at, self.t = env, at, 0

    def __getattr__(self, name):
        return getattr(self.env, name)

    def step(self, actions):
        out = list(self.env.step(actions))
        self.t += 1
        if self.t == self.at:
            out[1] = out[1].clone()
            out[1][1] = float("nan")
        return tuple(out)


def test_a_nan_reward_stops_the_run_at_the_next_checkpoint(device, dtype):
    env, agent = _bandit(device, dtype, "checkpoint")
    calls = []
    original = agent.check_deferred
    agent.check_deferred = lambda: (calls.append(1), original())[1]
    with pytest.raises(RLKitError, match=r"rewards must be finite \(found at a checkpoint by LinUCB"):
        run_bandit(_NaNAt(env, 7), agent, 300, seed=1, record_at=[5, 10, 300])
    assert len(calls) == 2  # passed the checkpoint at round 5, raised at round 10
    env, agent = _bandit(device, dtype, True)  # eager: at the bad round itself, with the same message
    with pytest.raises(RLKitError, match=r"rewards must be finite, got nan at index \(1,\)"):
        run_bandit(_NaNAt(env, 7), agent, 300, seed=1, record_at=[5, 10, 300])


def test_episodic_agents_defer_their_checks_too(device, dtype):
    env = gym.make_vec("rlkit/RandomTabularMDP-v0", num_envs=2, vectorization_mode="vector_entry_point",
                       n_states=3, n_actions=2, horizon=2, device=device, dtype=dtype)
    eager = run_episodes(env, LSVIUCB.for_env(env, episodes=20, seed=0), 20, seed=3)["regret"]
    deferred = run_episodes(env, LSVIUCB.for_env(env, episodes=20, seed=0, validate="checkpoint"), 20, seed=3)
    assert np.array_equal(eager, deferred["regret"])
    agent = LSVIUCB.for_env(env, episodes=20, seed=0, validate="checkpoint")
    states, _ = env.reset(seed=0)
    agent.begin_episode()
    actions = agent.act(states, 0)
    agent.observe(states, actions, torch.zeros(2, device=device, dtype=dtype), states + 5, 0)
    with pytest.raises(RLKitError, match=r"next_states must lie in \[0, 3\) \(found at a checkpoint by LSVIUCB"):
        agent.check_deferred()


def test_validate_takes_three_modes():
    assert [check_validate(v) for v in (True, False, "checkpoint", 1, 0)] == [True, False, "checkpoint", True, False]
    with pytest.raises(RLKitError, match="validate must be True, False or 'checkpoint', got 'yes'"):
        check_validate("yes")
