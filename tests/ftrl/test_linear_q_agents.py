"""FTRLLogBarrier and DilatedBonusPO: the linear-Q estimator's mean (unbiased, and its bias for gamma > 0), the
exact options against the sampled ones, simulator costs, determinism, learning, and bad input."""

import numpy as np
import pytest
import torch

from rlkit.agents.episode_loop import run_episodes
from rlkit.baselines import UniformPolicy
from rlkit.core import dp
from rlkit.core.checks import RLKitError
from rlkit.envs import AdversarialLinearMDP
from rlkit.ftrl import DilatedBonusPO, FTRLLogBarrier
from rlkit.ftrl.covariance_estimators import feature_covariance
from rlkit.ftrl.simulator import Simulator
from tests.placement import TKW

SMALL = dict(n_states=3, n_actions=2, horizon=2, dim=2, feature_alpha=0.5)


def _one_episode_estimates(gamma: float, R: int = 6000):
    """Qhat of the first (uniform) episode in R runs of one shared instance with fixed losses."""
    env = AdversarialLinearMDP(**TKW, num_envs=R, **SMALL, adversary="stochastic", loss_noise="none", instance_seed=3)
    agent = FTRLLogBarrier.for_env(env, episodes=1, seed=0, eta=1.0, gamma=gamma, estimator="exact", bonus="none")
    run_episodes(env, agent, 1, seed=0)
    Qhat = torch.einsum("sai,bhi->bhsa", env.phi, agent.W)  # (R, H, S, A)
    pi = torch.full((1, 2, 3, 2), 0.5, **TKW)
    P, mu = env.transitions()[:1], env.initial_distribution()
    Q, _ = dp.evaluate_policy(P, env.objective_table()[:1], pi)
    Sigma = feature_covariance(dp.occupancy(P, pi, mu), env.phi)[0]  # (H, d, d)
    X = env.phi.reshape(6, 2)
    theta = torch.linalg.lstsq(X.expand(2, 6, 2), Q[0].reshape(2, 6, 1)).solution  # Q_h = phi^T theta_h exactly
    return Qhat, Q[0], Sigma, theta, X


def test_estimator_is_unbiased_with_the_exact_covariance_and_gamma_zero():
    Qhat, Q, _, _, _ = _one_episode_estimates(0.0)
    mean, se = Qhat.mean(0), Qhat.std(0) / Qhat.shape[0] ** 0.5
    assert float(((mean - Q).abs() / se).max()) < 5.0
    assert float(se.median()) < 0.02 < 0.5 < float(Qhat.std(0).max())  # power: tight means of widely spread estimates


def test_estimator_bias_formula_for_positive_gamma():
    gamma = 0.3
    Qhat, Q, Sigma, theta, X = _one_episode_estimates(gamma)
    eye = torch.eye(2, **TKW)
    expected = (X @ (theta - gamma * torch.linalg.solve(gamma * eye + Sigma, theta))).reshape(2, 3, 2)
    mean, se = Qhat.mean(0), Qhat.std(0) / Qhat.shape[0] ** 0.5
    assert float(((mean - expected).abs() / se).max()) < 5.0
    assert float((expected - Q).abs().max()) > 10 * float(se.max())  # the bias is visible, not a no-op


def _run(cls, K=30, B=3, seed=0, env_kw=None, **kw):
    if cls is not UniformPolicy:
        kw.setdefault("schedule", "constant")  # these tests give the parameters' values, not a schedule's constants
    env = AdversarialLinearMDP(**TKW, num_envs=B, **(env_kw or SMALL), phase_length=10)
    agent = cls.for_env(env, episodes=K, seed=seed, **kw)
    return run_episodes(env, agent, K, seed=seed), agent


def test_simulator_calls_per_episode_and_sampled_vs_exact_options():
    K = 12
    out, agent = _run(FTRLLogBarrier, K=K, eta=1.0, gamma=0.2, n_copies=2, n_samples=5, bonus_samples=3, beta=0.05)
    H, S, A = 2, 3, 2
    assert agent.simulator.counts() == {"calls": 2 * K, "trajectories": K * (2 * 5 + H * S * A * 3),
                                        "transitions": K * (2 * 5 * (H - 1) + 3 * S * A * (H - 1)),
                                        "exact_calls": 0}
    _, exact = _run(FTRLLogBarrier, K=K, eta=1.0, gamma=0.2, estimator="exact", bonus="dp", beta=0.05)
    assert exact.simulator.counts()["calls"] == 0 and exact.simulator.counts()["exact_calls"] == 2 * K


@pytest.mark.parametrize("cls", [FTRLLogBarrier, DilatedBonusPO])
def test_determinism_and_batch_independence(cls):
    a, _ = _run(cls, eta=1.0, gamma=0.2, beta=0.05, n_samples=8)
    b, _ = _run(cls, eta=1.0, gamma=0.2, beta=0.05, n_samples=8)
    assert np.array_equal(a["regret"], b["regret"])
    from rlkit.core.seeding import run_sequences
    alone, _ = _run(cls, B=1, seed=run_sequences(0, [2]), eta=1.0, gamma=0.2, beta=0.05, n_samples=8)
    np.testing.assert_allclose(alone["regret"][0], a["regret"][2], atol=1e-9, rtol=0)


def test_regret_is_nonnegative_on_stationary_losses():
    env_kw = {**SMALL, "adversary": "stochastic", "loss_noise": "none"}
    for cls in (FTRLLogBarrier, DilatedBonusPO):
        out, _ = _run(cls, K=25, env_kw=env_kw, eta=2.0, gamma=0.1, beta=0.05)
        assert float(out["regret"].min()) > -1e-9


@pytest.mark.slow
def test_log_barrier_ftrl_beats_the_uniform_policy():
    """Seeded: 8 runs of 400 episodes on a small instance, tuned-order parameters."""
    env_kw = dict(n_states=3, n_actions=3, horizon=2, dim=3, feature_alpha=0.2)
    ftrl, _ = _run(FTRLLogBarrier, K=400, B=8, env_kw=env_kw, eta=2.0, gamma=0.05, beta=0.01, c=0.95)
    unif, _ = _run(UniformPolicy, K=400, B=8, env_kw=env_kw)
    f, u = ftrl["regret"][:, -1], unif["regret"][:, -1]
    assert f.mean() < 0.8 * u.mean(), (f.mean(), u.mean())
    assert (f < u).sum() >= 6


def test_bad_input():
    env = AdversarialLinearMDP(**TKW, num_envs=2, **SMALL)
    for kw, match in [({"eta": 0.0}, "eta"), ({"eta": -1.0}, "eta"), ({"gamma": -0.1}, "gamma"),
                      ({"theory": True}, "theory=True is not available"), ({"estimator": "svd"}, "estimator"),
                      ({"bonus": "ucb"}, "bonus"), ({"estimator": "mgr"}, "n_samples must be given"),
                      ({"phi": torch.zeros(3, 3, 2)}, "phi must have shape")]:
        with pytest.raises(RLKitError, match=match):
            FTRLLogBarrier.for_env(env, episodes=5, seed=0, **kw)
    other = AdversarialLinearMDP(**TKW, num_envs=3, **SMALL)
    with pytest.raises(RLKitError, match="simulator must be"):
        FTRLLogBarrier.for_env(env, episodes=5, seed=0, simulator=Simulator(other))
    agent = DilatedBonusPO.for_env(env, episodes=5, seed=0)
    states, _ = env.reset(seed=0)
    agent.begin_episode()
    actions = agent.act(states, 0)
    with pytest.raises(RLKitError, match=r"feedback must be losses in \[0, 1\]"):
        agent.observe(states, actions, torch.tensor([0.5, 1.5], **TKW), states, 0)


def test_the_empirical_estimator_is_within_its_relative_band_of_the_exact_inverse():
    """estimator="empirical" (Dai et al.'s Algorithm 3 estimator, from the authors' talk): the agent's estimate of
    (gamma I + Sigma_h)^{-1} under its first (uniform) policy, from W simulator roll-outs, against the exact one."""
    from rlkit.ftrl.covariance_estimators import empirical_sample_size

    env = AdversarialLinearMDP(**TKW, num_envs=3, **SMALL, instance_seed=3)
    env.reset(seed=0)
    gamma = 0.1
    agent = FTRLLogBarrier.for_env(env, episodes=1, seed=0, eta=1.0, gamma=gamma, estimator="empirical",
                                   bonus="none")
    assert agent.n_samples == empirical_sample_size(2, gamma, 0.01)
    agent.begin_episode()
    pi = agent.policy()
    est = agent.covariance_inverse(pi)  # (B, H, d, d)
    P, mu = env.transitions(), env.initial_distribution()
    G = gamma * torch.eye(2, **TKW) + feature_covariance(dp.occupancy(P, pi, mu), env.phi)
    evals, evecs = torch.linalg.eigh(est)
    root = evecs @ torch.diag_embed(evals.sqrt()) @ evecs.transpose(-1, -2)
    band = torch.linalg.eigvalsh(root @ G @ root)
    assert bool(((band >= 1 - 2 * gamma**0.5) & (band <= 1 + 2 * gamma**0.5)).all())
    assert float((band - 1).abs().max()) > 1e-6  # an estimate, not the exact inverse


@pytest.mark.parametrize("schedule, expected", [
    ("constant", (2.0, 0.5, 0.3)),
    ("dai2023", (2.0 / 100, 0.5 / 10_000, 0.3 / 100)),  # eta, beta ~ K^-1/2, gamma ~ K^-1 at K = 10^4
    ("luo2021", (2.0 * 10_000 ** (-2 / 3), 0.5 * 10_000 ** (-2 / 3), 0.3 * 10_000 ** (-1 / 3))),
])
def test_schedules_scale_the_given_constants_by_the_papers_exponents_of_k(schedule, expected):
    env = AdversarialLinearMDP(**TKW, num_envs=2, **SMALL)
    agent = FTRLLogBarrier.for_env(env, episodes=10_000, seed=0, eta=2.0, gamma=0.5, beta=0.3, schedule=schedule,
                                   estimator="exact", bonus="none")
    assert (agent.eta, agent.gamma, agent.beta) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(RLKitError, match="schedule must be one of"):
        FTRLLogBarrier.for_env(env, episodes=10, seed=0, schedule="fast", estimator="exact")
