"""DynLin-UCB's bounds: closed forms, ordering, and the epoch count behind the beta-based form."""

import math

import numpy as np
import pytest

from rlkit.dynlin_ucb.dynlin_ucb import DynLinUCB, epoch_schedule
from rlkit.envs.bandits.dynamical_linear_bandit import DynamicalLinearBandit
from rlkit.theory.dynlin_ucb import beta_regret_bound, epochs_within, lower_bound, regret_bound

pytestmark = pytest.mark.cpu_only(reason="bounds of plain numbers; rollouts run on the device in tests/bandits")


def test_upper_and_lower_bound_closed_forms():
    T = np.array([1.0, 100.0, 1e6])
    assert np.allclose(regret_bound(T, 3, 0.2), 3 * np.sqrt(T) / 0.8**1.5)
    assert np.allclose(lower_bound(T, 3, 0.2), 3 * np.sqrt(T) / math.sqrt(0.8))
    assert np.all(lower_bound(T, 3, 0.667) <= regret_bound(T, 3, 0.667))  # (1 - rho)^-1/2 <= (1 - rho)^-3/2


@pytest.mark.parametrize("rho", [0.2, 0.667])
def test_epochs_within_matches_the_schedule(rho):
    T = np.array([1, 2, 5, 37, 1000, 54321])
    M, H = epochs_within(T, rho)
    for t, m, h in zip(T, M, H):
        sched = epoch_schedule(rho, int(t))
        assert m == len(sched) and h == sched[-1]


def test_beta_form_uses_the_agents_radius():
    env = DynamicalLinearBandit.advertising()
    tp = env.theory_params()
    T = 10**5
    agent = DynLinUCB.for_env(env, rounds=T, seed=0)
    M, H = epochs_within(np.array([T]), tp["rho"])
    beta = agent.beta(int(M[0]))
    expected = H[0] * 2 * beta * math.sqrt(2 * 3 * M[0] * math.log(1 + M[0] * tp["U"] ** 2 / 3))
    kw = {k: tp[k] for k in ("d", "rho", "Theta", "Omega", "Bbar", "phi", "U", "sigma_reward", "sigma_state")}
    assert beta_regret_bound(np.array([T]), **kw)[0] == pytest.approx(expected, rel=1e-12)
    curve = beta_regret_bound(np.array([10, 100, 1000, T]), **kw, delta=1 / T)
    assert np.all(np.diff(curve) > 0)
