"""The episodic rollout (rlkit.agents.episode_loop.run_episodes): exact regret against closed forms, determinism,
LSVI-UCB."""

import numpy as np
import pytest
import torch

from rlkit.agents.episode_loop import run_episodes
from rlkit.agents.episodic import EpisodicAgent
from rlkit.baselines import LSVIUCB, UniformPolicy
from rlkit.core import dp
from rlkit.core.checks import RLKitError
from rlkit.core.seeding import run_sequences
from rlkit.envs import RandomTabularMDP
from tests.placement import TKW, tol


class _Oracle(EpisodicAgent):
    """Plays the optimal policy of the true model (test oracle)."""

    def __init__(self, env, **kw):
        super().__init__(env.num_envs, env.n_states, env.n_actions, env.horizon, **kw)
        self.env = env

    def _policy_table(self):
        return dp.optimal_policy(self.env.transitions(), self.env.objective_table())[0]


def _env(B=4, **kw):
    return RandomTabularMDP(**TKW, num_envs=B, n_states=4, n_actions=2, horizon=3, **kw)


def test_uniform_regret_is_k_times_the_gap_and_the_oracle_has_none():
    env = _env()
    at = np.array([1, 7, 30])
    out = run_episodes(env, UniformPolicy.for_env(env, episodes=30, seed=0), 30, seed=1, record_at=at)
    P, r, mu = env.transitions(), env.objective_table(), env.initial_distribution()
    v_star = dp.initial_value(dp.optimal_policy(P, r)[2], mu)
    v_unif = dp.initial_value(dp.evaluate_policy(P, r, torch.full_like(r, 0.5))[1], mu)
    expected = (v_star - v_unif).numpy()[:, None] * at[None, :]
    # float32: the loop accumulates k per-episode gaps (k <= 30) of values <= H = 3, rounded at 2**-24 each
    np.testing.assert_allclose(out["regret"], expected, rtol=tol(1e-12, 1e-5))
    out = run_episodes(env, _Oracle(env, seed=0), 30, seed=1, record_at=at)
    # float32: the regret is a running difference of sums to ~k V* = 60, whose float32 spacing is 4e-6
    np.testing.assert_allclose(out["regret"], 0.0, atol=tol(1e-12, 1e-4))


def test_runs_do_not_depend_on_the_batch_they_are_in():
    seeds = run_sequences(3, range(4))
    env = _env()
    full = run_episodes(env, LSVIUCB.for_env(env, episodes=40, seed=seeds, theory=False, beta=1.0), 40, seeds)
    env1 = _env(B=1)
    one = run_episodes(env1, LSVIUCB.for_env(env1, episodes=40, seed=seeds[2:3], theory=False, beta=1.0), 40,
                       seeds[2:3])
    np.testing.assert_array_equal(full["regret"][2], one["regret"][0])


def _history_lsvi_q(phi, history, H, S, A, beta, lam):
    """LSVI-UCB's Q-functions written directly from the paper's sums over the stored history (test reference)."""
    d = phi.shape[-1]
    Q = torch.zeros(H, S, A, **TKW)
    V_next = torch.zeros(S, **TKW)
    for h in range(H - 1, -1, -1):
        Lam = lam * torch.eye(d, **TKW)
        b = torch.zeros(d, **TKW)
        for episode in history:
            s, a, r, s2 = episode[h]
            x = phi[s, a]
            Lam += torch.outer(x, x)
            b += x * (r + V_next[s2])
        w = torch.linalg.solve(Lam, b)
        width = torch.einsum("sad,de,sae->sa", phi, torch.linalg.inv(Lam), phi).sqrt()
        Q[h] = (phi @ w + beta * width).clamp_max(H)
        V_next = Q[h].amax(-1)
    return Q


def test_lsvi_ucb_equals_the_papers_sums_over_the_history(gen):
    env = _env(B=1)
    S, A, H = 4, 2, 3
    phi = torch.rand(S, A, 3, generator=gen, dtype=torch.float64).to(**TKW)
    phi = phi / phi.norm(dim=-1, keepdim=True)  # a genuinely linear (non-tabular) feature map
    agent = LSVIUCB(1, S, A, H, phi=phi, theory=False, beta=0.7, lam=0.5, seed=0, **TKW)
    states, _ = env.reset(seed=2)
    history = []
    for k in range(12):
        if k:
            states, _ = env.next_episode()
        agent.begin_episode()
        torch.testing.assert_close(agent.Q[0], _history_lsvi_q(phi, history, H, S, A, 0.7, 0.5),
                                   rtol=tol(1e-10, 1e-4), atol=tol(1e-10, 1e-4))  # float32: H = 3 ridge backups
        episode = []
        for h in range(H):
            a = agent.act(states, h)
            nxt, fb, _, _, _ = env.step(a)
            agent.observe(states, a, fb, nxt, h)
            episode.append((int(states[0]), int(a[0]), float(fb[0]), int(nxt[0])))
            states = nxt
        agent.end_episode()
        history.append(episode)


@pytest.mark.slow
@pytest.mark.statistical
def test_lsvi_ucb_learns_and_beats_uniform():
    env = _env(B=6, instance_seed=11)
    K = 600
    at = np.array([K // 2, K])
    lsvi = run_episodes(env, LSVIUCB.for_env(env, episodes=K, seed=0, theory=False, beta=3.0), K, 0, at)["regret"]
    unif = run_episodes(env, UniformPolicy.for_env(env, episodes=K, seed=0), K, 0, at)["regret"]
    assert lsvi[:, -1].mean() < 0.5 * unif[:, -1].mean()
    def sublinear(regret):  # the second half of the episodes costs less than half the first
        return (regret[:, 1] - regret[:, 0]).mean() < 0.5 * regret[:, 0].mean()

    assert sublinear(lsvi) and not sublinear(unif)  # the uniform policy is the negative control (ratio ~1)


def test_bad_input():
    env = _env()
    with pytest.raises(RLKitError, match=r"phi must have shape \(S, A, d\)"):
        LSVIUCB(4, 4, 2, 3, phi=torch.ones(3, 2, 5))
    with pytest.raises(RLKitError, match="alpha|beta"):
        LSVIUCB(4, 4, 2, 3, phi=env.phi, theory=True, beta=1.0)
    with pytest.raises(RLKitError, match="batch shape"):
        run_episodes(env, UniformPolicy(2, 4, 2, 3), 5, seed=0)
    with pytest.raises(RLKitError, match="record_at"):
        run_episodes(env, UniformPolicy(4, 4, 2, 3), 5, seed=0, record_at=np.array([3, 9]))
