"""UCRL-RFE and UCRL-RFE+: the exact uncertainty maximiser, PLAN against DP, the regressions, learning."""

import itertools

import numpy as np
import pytest
import torch

from rlkit.agents.episode_loop import run_episodes
from rlkit.core import dp
from rlkit.core.checks import RLKitError
from rlkit.envs import LowerBoundMDP, MixtureRiverSwim
from rlkit.reward_free import UCRLRFE, UCRLRFEPlus
from rlkit.reward_free.base import max_uncertainty, optimistic_plan, pair_tables, suboptimality, vertex_table
from tests.helpers import Frozen
from tests.placement import TKW, tol

pytestmark = pytest.mark.usefixtures("single_thread")


def test_uncertainty_maximiser_is_exact(gen):
    env = MixtureRiverSwim(**TKW, num_envs=2, n_states=4, horizon=3)
    F = env.features
    L = torch.randn(2, 3, 3, generator=gen, dtype=torch.float64).to(**TKW)
    inverse = torch.linalg.inv(L @ L.transpose(-1, -2) + 0.1 * torch.eye(3, **TKW))
    G, _ = pair_tables(F, inverse)
    bits, allowed = vertex_table(F.width, F.valid)
    best, vertex = max_uncertainty(G, bits, allowed)  # (B, S, A), (B, S, A, N)
    corners = torch.tensor(list(itertools.product([0.0, 1.0], repeat=4)), **TKW)  # every f in {0,1}^S
    norms = torch.einsum("bksad,bde,bksae->bksa", F.psi(corners).unsqueeze(0).expand(2, -1, -1, -1, -1),
                         inverse, F.psi(corners).unsqueeze(0).expand(2, -1, -1, -1, -1)).sqrt()
    torch.testing.assert_close(best, norms.amax(1))
    inside = torch.rand(300, 4, generator=gen, dtype=torch.float64).to(**TKW)  # the box's interior does no better
    q = torch.einsum("bksad,bde,bksae->bksa", F.psi(inside).unsqueeze(0).expand(2, -1, -1, -1, -1), inverse,
                     F.psi(inside).unsqueeze(0).expand(2, -1, -1, -1, -1)).sqrt()
    assert bool((q <= best.unsqueeze(1) + tol(1e-12, 1e-5)).all())
    f = torch.zeros(2, 4, 2, 4, **TKW)  # the maximiser, written on S, reaches the maximum
    f.scatter_add_(-1, F.next_states.expand(2, -1, -1, -1), vertex * F.valid)
    psi_f = torch.einsum("sapd,bsap->bsad", F.phi, f)
    torch.testing.assert_close(torch.einsum("bsad,bde,bsae->bsa", psi_f, inverse, psi_f).sqrt(), best)


def test_plan_without_bonus_under_theta_star_is_exact_dp():
    env = LowerBoundMDP(**TKW, num_envs=3, dim=3, horizon=4, gap=0.05)
    env.reset(seed=0)
    G, p = pair_tables(env.features, torch.eye(3, **TKW).expand(3, 3, 3), env.theta)
    R, _ = env.planning_rewards(4)
    pi, V = optimistic_plan(env.features, G, p, R, 0.0, 1.0)
    torch.testing.assert_close(suboptimality(env, pi, R), torch.zeros(3, R.shape[1], **TKW),
                               atol=1e-12, rtol=0)
    _, _, V_true = dp.optimal_policy(env.transitions().unsqueeze(1), R)
    torch.testing.assert_close(V, V_true)
    _, V_bonus = optimistic_plan(env.features, G, p, R, 0.5, 1.0)
    assert bool((V_bonus >= V - tol(1e-12, 1e-5)).all())  # optimism


def _maximiser_features(env, agent, states, actions, nxt, h):
    """``psi_f(s_h, a_h)`` and ``f(s_{h+1})`` for the agent's maximiser ``f^k_h`` written on S (test reference)."""
    F, B = env.features, env.num_envs
    f = torch.zeros(B, env.n_states, **TKW)
    vert = agent._vertex[torch.arange(B), states, actions] * F.valid.reshape(-1, F.width)[states * env.n_actions
                                                                                           + actions]
    f.scatter_add_(-1, F.next_of(states, actions), vert * (env.horizon - h - 1))
    return F.psi_at(f, states, actions), f.gather(-1, nxt[:, None]).squeeze(-1)


def test_regressions_are_value_targeted_ridge_on_the_maximisers():
    env = LowerBoundMDP(**TKW, num_envs=2, dim=3, horizon=3, gap=0.05)
    agents = [UCRLRFE.for_env(env, episodes=6, seed=0, theory=False, beta=0.5),
              UCRLRFEPlus.for_env(env, episodes=6, seed=0, theory=False, beta=0.5)]
    data = [([], []), ([], [])]
    with torch.inference_mode():
        states, _ = env.reset(seed=0)
        for k in range(6):
            if k:
                states, _ = env.next_episode()
            for agent in agents:
                agent.begin_episode()
            for h in range(3):
                a = agents[0].act(states, h)  # one trajectory for both (the test needs the regression data only)
                nxt, fb, *_ = env.step(a)
                for agent, (X, Y) in zip(agents, data):
                    agent.observe(states, a, fb, nxt, h)
                    x, y = _maximiser_features(env, agent, states, a, nxt, h)
                    X.append(x), Y.append(y)
                states = nxt
            for agent in agents:
                agent.end_episode()
    (X, Y), (Xp, _) = [(torch.stack(X, 1), torch.stack(Y, 1)) for X, Y in data]
    lam = agents[0].lam
    ref = torch.linalg.solve(lam * torch.eye(3, **TKW) + X.transpose(-1, -2) @ X,
                             (X * Y[..., None]).sum(-2))
    torch.testing.assert_close(agents[0].vtr.estimate(), ref)
    plus = agents[1]
    assert plus.alpha == 9 / 3  # nu >= H^2 / d: every weight at most d / H^2
    weighted = plus.vtr.cov.matrix[:, 0] - lam * torch.eye(3, **TKW)
    assert bool((torch.linalg.eigvalsh(Xp.transpose(-1, -2) @ Xp / plus.alpha - weighted) >= -1e-9).all())
    assert bool((torch.linalg.eigvalsh(weighted) >= -1e-9).all()) and float(weighted.abs().sum()) > 0


@pytest.mark.slow
@pytest.mark.parametrize("cls,scale", [(UCRLRFE, 0.1), (UCRLRFEPlus, 2e-3)])
def test_baselines_learn_on_the_lower_bound_instance(cls, scale):
    env = LowerBoundMDP(**TKW, num_envs=4, dim=3, horizon=4, gap=0.05)
    agent = cls.for_env(env, episodes=400, seed=0, beta_scale=scale)

    def metrics(env, agent, k):
        R, _ = env.planning_rewards(4)
        return {"sub": suboptimality(env, agent.plan(R), R).amax(-1)}

    def learns(agent):
        with torch.inference_mode():
            out = run_episodes(env, agent, 400, 0, record_at=np.array([1, 400]), metrics=metrics)
        return float(out["sub"][:, -1].mean()) < 0.2 * float(out["sub"][:, 0].mean())

    assert learns(agent)
    assert agent.certificate() is None and agent.diagnostics() == {}
    # the negative control: the same agent kept from learning (its observations dropped) must fail the check
    assert not learns(Frozen(cls.for_env(env, episodes=400, seed=0, beta_scale=scale)))


def test_radii_and_bad_input():
    env = LowerBoundMDP(**TKW, num_envs=2, dim=3, horizon=5, gap=0.05)
    a = UCRLRFE.for_env(env, episodes=100, seed=0, beta_scale=0.5)
    b = UCRLRFE.for_env(env, episodes=100, seed=0, beta_scale=1.0)  # the unscaled theory radius
    assert a.beta == pytest.approx(0.5 * b.beta) and b.beta > 5 * np.sqrt(3)  # H sqrt(d log(...)) + 1
    assert UCRLRFE.for_env(env, episodes=100, seed=0).beta == pytest.approx(0.1 * b.beta)  # the default scale
    assert UCRLRFEPlus.for_env(env, episodes=100, seed=0).beta_scale == 2e-3
    p = UCRLRFEPlus.for_env(env, episodes=100, seed=0, beta_scale=1.0)
    assert p.beta == p.beta_hat and p.beta_tilde > 25 * p.beta_hat / 10
    with pytest.raises(RLKitError, match="beta must be None when theory=True"):
        UCRLRFE.for_env(env, episodes=5, seed=0, beta=1.0)
    with pytest.raises(RLKitError, match="theory=False needs a constant radius"):
        UCRLRFEPlus.for_env(env, episodes=5, seed=0, theory=False)
    with pytest.raises(RLKitError, match="can total"):
        a.plan(torch.full((1, 5, 3, 4), 0.3, **TKW))
