"""MagnitudeReducedFTRL (Dai et al.'s Algorithm 2, reconstructed): the three properties of the magnitude-reduced
estimator on the exact law of the agent's importance weights, the range the slides state, the simulated E[(x)_-]
against the exact one, the loss table it accumulates, its documented bias, and bad input."""

import pytest
import torch

from rlkit.agents.episode_loop import run_episodes
from rlkit.core import dp
from rlkit.core.checks import RLKitError
from rlkit.envs import AdversarialLinearMDP
from rlkit.ftrl import MagnitudeReducedFTRL
from rlkit.ftrl.covariance_estimators import exact_inverse, feature_covariance
from rlkit.ftrl.magnitude_reduced_po import exact_negative_part, importance_weights
from rlkit.ftrl.magnitude_reduction import magnitude_reduced

SMALL = dict(n_states=3, n_actions=2, horizon=2, dim=2, feature_alpha=0.5)


def _first_episode_law(gamma: float, B: int = 2, **env_kw):
    """The exact law of x_h(s, a) = phi(s, a)^T (gamma I + Sigma_h)^{-1} phi(s_h, a_h) under the uniform policy:
    values x: (B, H, S, A, S, A) over the visited pair (t, c), probabilities q: (B, H, S, A)."""
    env = AdversarialLinearMDP(num_envs=B, **{**SMALL, **env_kw})
    env.reset(seed=0)
    H, S, A = env.horizon, env.n_states, env.n_actions
    pi = torch.full((B, H, S, A), 1.0 / A, dtype=torch.float64)
    q = dp.occupancy(env.transitions().expand(B, H, S, A, S), pi, env.initial_distribution().expand(B, S))
    Sp = exact_inverse(feature_covariance(q, env.phi), gamma)
    x = torch.einsum("sai,bhij,tcj->bhsatc", env.phi, Sp, env.phi)
    return env, pi, q, Sp, x


@pytest.mark.parametrize("gamma", [1.0, 0.1, 0.01])
def test_the_three_properties_hold_exactly_on_the_law_of_the_agents_importance_weights(gamma):
    env, pi, q, Sp, x = _first_episode_law(gamma)
    w = q[:, :, None, None]  # (B, H, 1, 1, S, A): the law of the visited pair
    neg = exact_negative_part(env.phi, Sp, q)  # (B, H, S, A)
    assert torch.allclose(neg, (w * x.clamp_max(0)).sum((-2, -1)), atol=1e-12)
    zhat = magnitude_reduced(x, neg[..., None, None])
    mean = lambda v: (w * v).sum((-2, -1))  # noqa: E731
    assert torch.allclose(mean(zhat), mean(x), atol=1e-9)  # E[Zhat] = E[Z]
    assert bool((mean(zhat**2) <= 4 * mean(x**2) + 1e-9).all())  # E[Zhat^2] <= 4 E[Z^2]
    assert bool((zhat >= neg[..., None, None] - 1e-12).all())  # Zhat >= E[(Z)_-]
    # the slides' range: E[(x)_-] >= -sqrt(E[x^2]) >= -gamma^{-1/2} (features of norm <= 1, exact covariance) ...
    assert bool((neg >= -(mean(x**2).sqrt()) - 1e-12).all()) and float(neg.min()) >= -gamma**-0.5
    assert float(x.min()) < 0  # ... where the raw weights do go negative (the estimator has work to do)


def test_the_raw_weights_exceed_the_reduced_range_on_a_rarely_visited_direction():
    """Negative control for the range: two rare features at angles +-theta to a common one make a weak direction
    of Sigma; their cross weight phi_b^T (gamma I + Sigma)^{-1} phi_c is about 1 - 1/(2p), far below
    -gamma^{-1/2}, while every magnitude-reduced weight stays above E[(x)_-] >= -gamma^{-1/2}."""
    p, theta, gamma = 1e-4, 0.5, 1e-6
    phi = torch.tensor([[[1.0, 0.0]], [[theta, 1.0]], [[theta, -1.0]]], dtype=torch.float64)
    phi = phi / phi.norm(dim=-1, keepdim=True)  # (S = 3, A = 1, d = 2), unit norm
    q = torch.tensor([1 - 2 * p, p, p], dtype=torch.float64).reshape(1, 1, 3, 1)  # (B, H, S, A)
    Sp = exact_inverse(feature_covariance(q, phi), gamma)  # (1, 1, 2, 2)
    x = importance_weights(phi, Sp, phi.reshape(1, 3, 1, 2))  # (B, M = 3 visited, H, S, A)
    neg = exact_negative_part(phi, Sp, q)
    zhat = magnitude_reduced(x, neg.unsqueeze(1))
    assert float(x.min()) < -gamma**-0.5 < float(zhat.min())
    assert float(x.min()) == pytest.approx(1 - 1 / (2 * p), rel=0.05)


def test_the_simulated_negative_part_converges_to_the_exact_one():
    env = AdversarialLinearMDP(num_envs=2, **SMALL)
    kw = dict(episodes=1, seed=0, eta=1.0, gamma=0.1, estimator="exact", bonus="none", schedule="constant")
    exact = MagnitudeReducedFTRL.for_env(env, negative_part="exact", **kw)
    mc = MagnitudeReducedFTRL.for_env(env, negative_part="mc", negative_samples=200_000, **kw)
    env.reset(seed=0)
    exact.begin_episode()
    mc.begin_episode()
    pi = exact.policy()
    Sp = exact.covariance_inverse(pi)
    e, m = exact.negative_part_mean(pi, Sp), mc.negative_part_mean(pi, Sp)
    assert float((e - m).abs().max()) < 0.02 < float(e.abs().max())
    assert mc.simulator.counts()["trajectories"] == 200_000 and exact.simulator.counts()["exact_calls"] >= 1


def test_one_episode_adds_the_magnitude_reduced_estimate_times_the_loss_to_go():
    env = AdversarialLinearMDP(num_envs=3, **SMALL, loss_noise="none")
    agent = MagnitudeReducedFTRL.for_env(env, episodes=1, seed=0, eta=1.0, gamma=0.05, estimator="exact",
                                         bonus="none", schedule="constant", negative_part="exact")
    states, _ = env.reset(seed=0)
    agent.begin_episode()
    pi = agent.policy()
    losses, taken = [], []
    for h in range(env.horizon):
        actions = agent.act(states, h)
        next_states, loss, *_ = env.step(actions)
        taken.append(env.phi[states, actions])
        losses.append(loss)
        agent.observe(states, actions, loss, next_states, h)
        states = next_states
    agent.end_episode()
    agent.begin_episode()  # the next episode's policy
    L = torch.stack(losses, 1).flip(-1).cumsum(-1).flip(-1)  # (B, H) loss-to-go
    P, mu = env.transitions().expand(3, 2, 3, 2, 3), env.initial_distribution().expand(3, 3)
    Sp = exact_inverse(feature_covariance(dp.occupancy(P, pi, mu), env.phi), 0.05)
    x = importance_weights(env.phi, Sp, torch.stack(taken, 1))
    expected = magnitude_reduced(x, exact_negative_part(env.phi, Sp, dp.occupancy(P, pi, mu))) * L[..., None, None]
    assert torch.allclose(agent.cumulative_losses(), expected, atol=1e-10)
    assert torch.allclose(agent.policy(), torch.softmax(-1.0 * expected, -1), atol=1e-10)  # negative entropy


def test_the_loss_estimate_mean_is_the_documented_one():
    """E[lhat] = E[x L] - Cov((x)_-, L), estimated over 20000 runs of one instance (fixed losses, first episode):
    the expectation is kept for the factor x, not for lhat when (x)_- and L correlate (the reconstruction's price)."""
    R, gamma = 20_000, 0.01
    env = AdversarialLinearMDP(num_envs=R, **SMALL, adversary="stochastic", loss_noise="none", instance_seed=4)
    agent = MagnitudeReducedFTRL.for_env(env, episodes=1, seed=0, eta=1.0, gamma=gamma, estimator="exact",
                                         bonus="none", schedule="constant", negative_part="exact")
    run_episodes(env, agent, 1, seed=0)
    lhat = agent.Q  # (R, H, S, A)
    # the exact law of (visited pair, loss-to-go) under the uniform policy, from dynamic programming (each run has
    # its own start state, so its own law: the expectation is the mean of the runs' exact values)
    pi = torch.full((R, 2, 3, 2), 0.5, dtype=torch.float64)
    P, mu = env.transitions(), env.initial_distribution()
    Q, _ = dp.evaluate_policy(P, env.objective_table(), pi)  # E[L_h | s_h, a_h] = Q_h(s_h, a_h)
    q = dp.occupancy(P, pi, mu)
    Sp = exact_inverse(feature_covariance(q, env.phi), gamma)
    x = torch.einsum("sai,bhij,tcj->bhsatc", env.phi, Sp, env.phi)
    w, Qv = q[:, :, None, None], Q[:, :, None, None]
    neg = (w * x.clamp_max(0)).sum((-2, -1), keepdim=True)
    expected = (w * (x - x.clamp_max(0) + neg) * Qv).sum((-2, -1)).mean(0)  # E[Zhat L]
    unbiased = (w * x * Qv).sum((-2, -1)).mean(0)  # E[x L]
    mean, se = lhat.mean(0), lhat.std(0) / R**0.5
    assert float(((mean - expected).abs() / se).max()) < 5.0
    bias = (expected - unbiased).abs()
    worst = bias.argmax()
    assert float(bias.flatten()[worst]) > 5 * float(se.flatten()[worst])  # the bias is real on this instance


def test_it_learns_and_refuses_bad_input():
    env = AdversarialLinearMDP(num_envs=4, **SMALL, adversary="stochastic", phase_length=10)
    agent = MagnitudeReducedFTRL.for_env(env, episodes=200, seed=0, estimator="exact", bonus="dp")
    assert agent.schedule == "dai2023" and agent.regulariser == "negentropy"
    regret = run_episodes(env, agent, 200, seed=0)["regret"][:, -1]
    from rlkit.baselines import UniformPolicy
    unif = run_episodes(env, UniformPolicy.for_env(env, episodes=200, seed=0), 200, seed=0)["regret"][:, -1]
    assert float(regret.mean()) < 0.7 * float(unif.mean())
    for kw, match in [({"negative_part": "dp"}, "negative_part"), ({"negative_samples": 0}, "negative_samples")]:
        with pytest.raises(RLKitError, match=match):
            MagnitudeReducedFTRL.for_env(env, episodes=5, seed=0, estimator="exact", **kw)
