"""The OFUL bound (Abbasi-Yadkori et al. 2011, Thm 3) as a function, and LinUCB's regret under it."""

import math

import gymnasium as gym
import numpy as np
import pytest

import rlkit.envs  # noqa: F401
from rlkit.agents.bandit_loop import run_bandit
from rlkit.baselines import EpsilonGreedy, LinUCB, Uniform
from rlkit.theory.oful import regret_bound

pytestmark = pytest.mark.cpu_only(reason="bounds of plain numbers; rollouts run on the device in tests/bandits")


def test_closed_form_value():
    n, d, S, L, R, lam, delta = 1000, 4, 2.0, 1.0, 0.5, 1.5, 0.05
    expect = 4 * math.sqrt(n * d * math.log(lam + n * L / d)) * (
        math.sqrt(lam) * S + R * math.sqrt(2 * math.log(1 / delta) + d * math.log(1 + n * L / (lam * d))))
    assert math.isclose(float(regret_bound(n, d, S=S, L=L, sigma=R, lam=lam, delta=delta)), expect, rel_tol=1e-12)


def test_increasing_and_sqrt_t_up_to_logs():
    T = np.array([10, 100, 1000, 10_000, 100_000, 1_000_000])
    b = regret_bound(T, 10)
    assert np.all(np.diff(b) > 0)
    slopes = np.diff(np.log(b)) / np.diff(np.log(T))
    assert np.all(np.diff(slopes) < 0)  # the log factors fade: the local slope falls towards 1/2
    assert np.all((slopes[2:] > 0.5) & (slopes[2:] < 0.7))


def _oful_rate_holds(regret: np.ndarray, bound: np.ndarray) -> bool:
    """The claim checked: regret under the OFUL bound at every checkpoint *and* sublinear growth over the last
    doubling of the horizon (log2 R(2000) / R(1000) < 0.75 in every run; linear regret gives 1). The bound alone
    cannot fail at these horizons: it exceeds a uniform player's regret (1,588 against 2,330 at T = 2000)."""
    slope = np.log2(regret[:, -1] / regret[:, -2])
    return bool(np.all(regret <= bound) and np.all(slope < 0.75))


@pytest.mark.statistical
def test_linucb_regret_stays_under_the_bound_at_a_sublinear_rate():
    """LinUCB meets the claim on 8 seeded runs (slope ~0.5); two agents with linear regret must fail it: Uniform
    (slope ~1.0, although it stays under the bound) and EpsilonGreedy with a constant epsilon = 0.05 (~0.9)."""
    env = gym.make_vec("rlkit/LinearBandit-v0", num_envs=8, vectorization_mode="vector_entry_point", sigma=0.1)
    t = np.array([10, 100, 1000, 2000])
    bound = regret_bound(t, env.dim, S=env.S, L=env.L, sigma=env.sigma, delta=0.01)
    agents = {"LinUCB": LinUCB.for_env(env, rounds=2000, seed=0, delta=0.01),
              "Uniform": Uniform.for_env(env, rounds=2000, seed=0),
              "EpsilonGreedy": EpsilonGreedy.for_env(env, rounds=2000, seed=0, epsilon=0.05)}
    holds = {name: _oful_rate_holds(run_bandit(env, agent, 2000, 0, record_at=t)["regret"], bound)
             for name, agent in agents.items()}
    assert holds == {"LinUCB": True, "Uniform": False, "EpsilonGreedy": False}
