"""HF-UCRL-RFE++: planning against exact DP, the certificate, confidence sets, the lemmas, determinism, bad input."""

import numpy as np
import pytest
import torch

from rlkit.agents.episode_loop import run_episodes
from rlkit.core import dp
from rlkit.core.checks import RLKitError
from rlkit.core.seeding import run_sequences
from rlkit.envs import HardMixtureMDP, LowerBoundMDP, MixtureRiverSwim
from rlkit.reward_free import HFUCRLRFE
from rlkit.reward_free.base import capped_plan, suboptimality
from tests.helpers import Frozen
from tests.placement import TKW, tol

pytestmark = pytest.mark.usefixtures("single_thread")


def _explore(env, agent, K, seed=0):
    with torch.inference_mode():
        run_episodes(env, agent, K, seed, record_at=np.array([K]))
    return agent


def _episode(env, agent, states, first=False, record=None):
    """One episode by hand (``record(h, states, actions, next_states)`` sees every step); returns the states."""
    if not first:
        states, _ = env.next_episode()
    agent.begin_episode()
    for h in range(env.horizon):
        a = agent.act(states, h)
        nxt, fb, *_ = env.step(a)
        agent.observe(states, a, fb, nxt, h)
        if record is not None:
            record(h, states, a, nxt)
        states = nxt
    agent.end_episode()
    return states


def _curves(env, agent, K, at, seed=0, n_random=4):
    def metrics(env, agent, k):
        R, _ = env.planning_rewards(n_random)
        return {"sub": suboptimality(env, agent.plan(R), R).amax(-1), **agent.diagnostics()}

    with torch.inference_mode():
        return run_episodes(env, agent, K, seed, record_at=np.asarray(at), metrics=metrics)


@pytest.mark.parametrize("cls,kw", [(LowerBoundMDP, {"dim": 3, "horizon": 5, "gap": 0.05}),
                                    (HardMixtureMDP, {"dim": 3, "horizon": 4, "gap": 0.05}),
                                    (MixtureRiverSwim, {"n_states": 5, "horizon": 6})])
def test_planning_with_theta_star_is_exact_dynamic_programming(cls, kw):
    env = cls(num_envs=3, **kw, **TKW)
    env.reset(seed=2)
    agent = HFUCRLRFE.for_env(env, episodes=10, seed=0, theory=False, beta=1.0, moments=2)
    agent.theta_plan = env.theta.clone()
    R, _ = env.planning_rewards(6)
    pi = agent.plan(R)
    # float32: planning and the optimal value are H <= 6 backups of values in [0, 1] by two code paths
    torch.testing.assert_close(suboptimality(env, pi, R), torch.zeros(3, R.shape[1], **TKW),
                               atol=tol(1e-12, 1e-5), rtol=0)
    _, _, V_model = capped_plan(env.features.transitions(env.theta), R)  # values capped at 1 never bind here
    _, _, V_true = dp.optimal_policy(env.transitions().unsqueeze(1), R)
    torch.testing.assert_close(V_model, V_true)


@pytest.mark.slow
def test_learns_and_the_certificate_bounds_the_true_suboptimality():
    env = LowerBoundMDP(**TKW, num_envs=4, dim=3, horizon=4, gap=0.05)
    agent = HFUCRLRFE.for_env(env, episodes=300, seed=0, beta_scale=5e-4, moments=3)
    at = [1, 5, 20, 50, 100, 200, 300]
    out = _curves(env, agent, 300, at)
    assert bool((out["certificate"] >= out["sub"] - tol(1e-12, 1e-5)).all())  # Lemma 2.8.7 on these seeded runs
    assert float(out["certificate"][:, -1].max()) < 4.0  # ... and it is not the trivial bound
    assert float(out["sub"][:, -1].mean()) < 0.1 * float(out["sub"][:, 0].mean())  # it learns
    assert np.all(np.diff(out["episodes_used"], axis=1) > 0)
    # the negative control: the same agent with its observations dropped must fail the learning check
    frozen = _curves(env, Frozen(HFUCRLRFE.for_env(env, episodes=300, seed=0, beta_scale=5e-4, moments=3)), 300, at)
    assert not float(frozen["sub"][:, -1].mean()) < 0.1 * float(frozen["sub"][:, 0].mean())


def test_theta_star_stays_in_the_confidence_set_with_the_theory_radius():
    env = LowerBoundMDP(**TKW, num_envs=4, dim=3, horizon=3, gap=0.05)
    agent = _explore(env, HFUCRLRFE.for_env(env, episodes=25, seed=0, beta_scale=1.0, moments=2), 25)
    assert len(agent.confidence) == 25 * 2 * 2
    assert bool(agent.confidence.contains(env.theta).all())
    assert float(agent.confidence.ratios(env.theta).max()) < 1.0
    tight = _explore(env, HFUCRLRFE.for_env(env, episodes=25, seed=0, theory=False, beta=1e-3, moments=2), 25)
    assert not bool(tight.confidence.contains(env.theta).any())  # the check can fail: a tiny radius excludes it


def test_trajectory_uncertainty_is_monotone_in_k_for_a_fixed_model_policy_and_reward():
    env = LowerBoundMDP(**TKW, num_envs=3, dim=3, horizon=4, gap=0.05)
    agent = HFUCRLRFE.for_env(env, episodes=60, seed=0, theory=False, beta=0.5, moments=2)
    env.reset(seed=1)
    g = torch.Generator().manual_seed(0)
    theta = env.theta + 0.05 * torch.randn(3, env.dim, generator=g, dtype=torch.float64).to(**TKW)
    actions = torch.randint(0, env.n_actions, (3, 2, env.horizon, env.n_states), generator=g)
    rewards = env.sparse_rewards()[1:].expand(3, 2, -1, -1, -1)
    pi = torch.nn.functional.one_hot(actions, env.n_actions).to(**TKW)
    _, V = dp.evaluate_policy(env.features.transitions(theta)[:, None, None].expand(3, 2, env.horizon, -1, -1, -1),
                              rewards, pi, clip=(0.0, 1.0))
    values = []
    with torch.inference_mode():
        states, _ = env.reset(seed=1)
        for k in range(60):
            states = _episode(env, agent, states, first=k == 0)
            values.append(agent.trajectory_uncertainty(theta, actions, V)[:, :, 0])
    values = torch.stack(values)  # (K, B, C, S): Lemma 2.8.8, Sigma_dot only grows
    assert bool((values[1:] <= values[:-1] + tol(1e-12, 1e-6)).all())
    assert float(values[-1].max()) < float(values[0].max())


def test_line_5_is_exact_over_policies_on_the_lower_bound_instance():
    """On E2 with state-only rewards, only the first action changes anything: no policy beats the search."""
    env = LowerBoundMDP(**TKW, num_envs=2, dim=3, horizon=4, gap=0.05)
    agent = _explore(env, HFUCRLRFE.for_env(env, episodes=15, seed=0, theory=False, beta=0.3, moments=2), 15)
    agent.begin_episode()
    theta = agent.theta_dot[:, 1, 0]
    P = env.features.transitions(theta)[:, None, None].expand(2, 64, env.horizon, -1, -1, -1)
    g = torch.Generator().manual_seed(1)
    for reward in env.sparse_rewards():
        actions = torch.randint(0, env.n_actions, (2, 64, env.horizon, env.n_states), generator=g)
        r = reward.expand(2, 64, -1, -1, -1)
        _, V = dp.evaluate_policy(P, r, torch.nn.functional.one_hot(actions, env.n_actions).to(**TKW),
                                  clip=(0.0, 1.0))
        Vhat = agent.trajectory_uncertainty(theta, actions, V)[:, :, 0, env.start_state]
        assert bool((Vhat <= agent.uncertainty[:, None] + tol(1e-12, 1e-5)).all())


def test_moments_one_gamma_zero_alpha_one_is_plain_value_targeted_regression():
    env = LowerBoundMDP(**TKW, num_envs=2, dim=3, horizon=3, gap=0.05)
    agent = HFUCRLRFE.for_env(env, episodes=8, seed=0, theory=False, beta=0.5, moments=1, gamma=0.0, alpha=1.0,
                              lam=0.5)
    X, Y = [], []

    def record(h, states, a, nxt):  # the targets (B, 2, H, S) are V_hat, V_tilde at steps 2..H+1
        targets = agent._targets
        X.append(env.features.psi_at(targets[:, :, h], states[:, None], a[:, None]))  # (B, 2, d)
        Y.append(torch.gather(targets[:, :, h], -1, nxt[:, None, None].expand(2, 2, 1)).squeeze(-1))

    with torch.inference_mode():
        states, _ = env.reset(seed=0)
        for k in range(8):
            states = _episode(env, agent, states, first=k == 0, record=record)
    X, Y = torch.stack(X, 2), torch.stack(Y, 2)  # (B, 2, n, d), (B, 2, n)
    ref = torch.linalg.solve(0.5 * torch.eye(3, **TKW) + X.transpose(-1, -2) @ X,
                             (X * Y[..., None]).sum(-2))
    torch.testing.assert_close(agent.theta_dot[:, :, 0], ref)


def test_same_seed_same_curves_and_runs_independent_of_the_batch():
    at = [5, 20]
    env = LowerBoundMDP(**TKW, num_envs=3, dim=3, horizon=3, gap=0.05)
    seeds = run_sequences(7, range(3))
    a = _curves(env, HFUCRLRFE.for_env(env, episodes=20, seed=seeds, beta_scale=1e-3, moments=2), 20, at, seeds)
    b = _curves(env, HFUCRLRFE.for_env(env, episodes=20, seed=seeds, beta_scale=1e-3, moments=2), 20, at, seeds)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    env1 = LowerBoundMDP(**TKW, num_envs=1, dim=3, horizon=3, gap=0.05)
    one = _curves(env1, HFUCRLRFE.for_env(env1, episodes=20, seed=seeds[1:2], beta_scale=1e-3, moments=2), 20, at,
                  seeds[1:2])
    # float32: a run's batch only changes the summation order of batched matmuls (a few 2**-24 per backup)
    np.testing.assert_allclose(one["sub"][0], a["sub"][1], atol=tol(1e-12, 1e-5))
    np.testing.assert_allclose(one["certificate"][0], a["certificate"][1], rtol=tol(1e-9, 1e-4))


@pytest.mark.slow
def test_certificate_stopping_freezes_a_run():
    env = LowerBoundMDP(**TKW, num_envs=3, dim=3, horizon=3, gap=0.05)
    agent = HFUCRLRFE.for_env(env, episodes=200, seed=0, beta_scale=5e-4, moments=2, stop_eps=1.0)
    out = _curves(env, agent, 200, [50, 100, 150, 200])
    assert bool((~agent.active).all()) and bool((agent.stopped_at < 200).all())
    assert np.all(out["episodes_used"][:, -1] == agent.stopped_at.numpy())
    assert bool((agent.uncertainty <= 0.25).all())  # stopped on V_hat_{k,1}(s_1) <= eps / 4
    frozen = agent.vtr.cov.matrix.clone()
    _explore(env, agent, 5)  # further episodes change nothing for stopped runs
    torch.testing.assert_close(agent.vtr.cov.matrix, frozen)


def test_bad_input_is_refused_clearly():
    env = LowerBoundMDP(**TKW, num_envs=2, dim=3, horizon=3)
    env.reset(seed=0)
    with pytest.raises(RLKitError, match="horizon must be an integer >= 1"):
        HFUCRLRFE(2, 3, 4, 0, phi=env.phi)
    with pytest.raises(RLKitError, match=r"phi must have shape \(S, A, S, d\) = \(4, 4, 4, d\)"):
        HFUCRLRFE(2, 4, 4, 3, phi=env.phi)
    with pytest.raises(RLKitError, match="beta must be None when theory=True"):
        HFUCRLRFE.for_env(env, episodes=5, seed=0, beta=1.0)
    with pytest.raises(RLKitError, match="theory=False needs a constant radius"):
        HFUCRLRFE.for_env(env, episodes=5, seed=0, theory=False)
    for eps in (0.0, 1.5):
        with pytest.raises(RLKitError, match=r"stop_eps must lie in \(0, 1\]"):
            HFUCRLRFE.for_env(env, episodes=5, seed=0, stop_eps=eps)
    agent = HFUCRLRFE.for_env(env, episodes=5, seed=0)
    with pytest.raises(RLKitError, match=r"can total 3 > 1 along a trajectory"):
        agent.plan(torch.ones(1, 3, 3, 4, **TKW))
    with pytest.raises(RLKitError, match="rewards must have shape"):
        agent.plan(torch.zeros(1, 3, 3, 5, **TKW))
    with pytest.raises(RLKitError, match="finite and >= 0"):
        agent.plan(-env.sparse_rewards())
    with pytest.raises(RLKitError, match="needs a linear mixture MDP"):
        from rlkit.envs import RandomTabularMDP
        HFUCRLRFE.for_env(RandomTabularMDP(**TKW, num_envs=2), episodes=5, seed=0)
