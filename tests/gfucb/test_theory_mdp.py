"""The reconstructed radii of GFUCB's MDP extension: LSVI-UCB's bonus at P = 1, the chi-square tail against scipy,
the covering bound and the shape of the pooled selection radius."""

import math

import pytest
from scipy import stats

from rlkit.baselines import LSVIUCB
from rlkit.envs import MultitaskLinearMDP
from rlkit.theory.gfucb_mdp import bonus_radius, chi2_radius, log_covering, selection_radius
from tests.placement import TKW


def test_bonus_radius_with_one_candidate_is_lsvi_ucbs():
    env = MultitaskLinearMDP(**TKW, num_envs=1, n_states=4, n_actions=2, horizon=5, n_tasks=2, dim=3, n_candidates=1)
    agent = LSVIUCB.for_env(env, episodes=300, seed=0, c=0.5)
    assert bonus_radius(300, dim=3, horizon=5, n_candidates=1, delta=0.01, c=0.5) == pytest.approx(agent.beta)
    assert bonus_radius(300, dim=3, horizon=5, n_candidates=10, delta=0.01) > agent.beta / 0.5  # the union over P


@pytest.mark.parametrize("D", [1, 3, 30, 200])
@pytest.mark.parametrize("x", [0.5, 3.0, 10.0])
def test_chi2_radius_is_a_valid_chi_square_tail(D, x):
    # Laurent & Massart (2000): P(chi2_D >= D + 2 sqrt(D x) + 2 x) <= exp(-x)
    r = chi2_radius(n_candidates=1, n_tasks=D, dim=1, horizon=1, delta=math.exp(-x))
    assert r == pytest.approx(D + 2 * math.sqrt(D * x) + 2 * x)
    assert stats.chi2.sf(r, D) <= math.exp(-x)
    assert chi2_radius(n_candidates=1, n_tasks=D, dim=1, horizon=1, delta=math.exp(-x), sigma=2.0) == \
        pytest.approx(4 * r)


def test_covering_and_selection_radius_shapes():
    assert log_covering(8, 3, 2, alpha=0.5, head_bound=1.0) == pytest.approx(math.log(8) + 6 * math.log(9.0))
    kw = dict(n_candidates=16, dim=3, horizon=4, delta=0.01)
    r = [selection_radius(t, n_tasks=5, **kw) for t in (1, 10, 100, 1000)]
    assert all(a < b for a, b in zip(r, r[1:]))  # grows like log t
    sigma2 = (4 + 1) ** 2 / 4  # Bellman targets in [0, H + 1]
    for m in (1, 4, 32):  # the class Phi is paid once (twice: regression and target class), whatever M
        extra = selection_radius(100, n_tasks=m, **kw) - selection_radius(100, n_tasks=m, **{**kw, "n_candidates": 1})
        assert extra == pytest.approx(8 * sigma2 * 2 * math.log(16))
    assert selection_radius(0, n_tasks=1, **kw) == selection_radius(1, n_tasks=1, **kw)
