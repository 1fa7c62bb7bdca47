"""The linear representation class: MTLR-OFUL's low-rank estimate recovers the true column space; GFUCB over a finite
linear class finds the true map; per-task LinUCB is LinUCB on every (run, task) pair."""

import gymnasium as gym
import numpy as np
import pytest
import torch

import rlkit.envs  # noqa: F401
from rlkit.agents.bandit_loop import run_bandit
from rlkit.baselines import LinUCB
from rlkit.core.checks import RLKitError
from rlkit.gfucb import GFUCB, MTLROFUL, NeuralEpsilonGreedy, PerTaskLinUCB
from tests.placement import TKW

pytestmark = pytest.mark.usefixtures("single_thread")  # small tensors: one torch thread


def make(B, **kw):
    return gym.make_vec("rlkit/MultitaskRepresentationBandit-v0", num_envs=B, vectorization_mode="vector_entry_point",
                        **TKW, preset="linear", **kw)


def sin_theta(B_hat, B_true):
    """``||(I - P_B) B_hat||_F``: zero when the estimated column space is the true one."""
    P = B_true @ B_true.transpose(-1, -2)
    return ((torch.eye(P.shape[-1], dtype=P.dtype) - P) @ B_hat).norm(dim=(-2, -1))


def test_low_rank_estimate_recovers_the_column_space(gen):
    """Uniformly random actions on the linear-representation bandit: sin(theta) between MTLR-OFUL's B_hat and the true
    B falls as data accumulate, to near zero."""
    B, M, T = 8, 10, 200
    env = make(B, n_tasks=M, sigma=0.1)
    agent = MTLROFUL.for_env(env, rounds=T, seed=0, theory=False, alpha=1.0, als_steps=3)
    ctx, _ = env.reset(seed=2)
    truth = env.representation_class.maps[torch.arange(B), env.true_index]  # (B, d, k)
    errors = []
    for t in range(T):
        a = torch.randint(0, env.n_arms, (B, M), generator=gen)
        nxt, r, _, _, _ = env.step(a)
        agent.update(ctx, a, r)
        ctx = nxt
        if t + 1 in (20, 200):
            errors.append(sin_theta(agent.B_hat[:, 0], truth))
    assert float(errors[1].max()) < 0.15 and float(errors[1].mean()) < 0.5 * float(errors[0].mean())
    # the heads are the projections of the true parameters: theta_hat_i = B_hat w_i close to B theta_i
    true_theta = (truth.unsqueeze(1) @ env.theta.unsqueeze(-1)).squeeze(-1)  # (B, M, d)
    assert float((agent.thetas() - true_theta).norm(dim=-1).mean()) < 0.2


def test_finite_linear_class_identifies_the_true_map():
    env = make(6, n_tasks=5)
    agent = GFUCB.for_env(env, rounds=100, seed=0, theory=False, alpha=1.0)
    run_bandit(env, agent, 100, seed=1)
    assert torch.equal(agent.estimate()[:, 0], env.true_index)


def test_per_task_linucb_is_linucb_on_every_task(gen):
    B, M, K, d = 3, 4, 6, 5
    per_task = PerTaskLinUCB(B, M, K, d, theory=False, alpha=0.5, **TKW)
    plain = LinUCB(B * M, K, d, theory=False, alpha=0.5, **TKW)
    for _ in range(30):
        ctx = torch.randn(B, M, K, d, generator=gen, dtype=torch.float64).to(**TKW)
        a = per_task.act(ctx)
        assert torch.equal(a.reshape(-1), plain.act(ctx.reshape(B * M, K, d)))
        r = torch.randn(B, M, generator=gen, dtype=torch.float64).to(**TKW)
        per_task.update(ctx, a, r)
        plain.update(ctx.reshape(B * M, K, d), a.reshape(-1), r.reshape(-1))


def _learns(regret: np.ndarray) -> bool:
    """Regret over the second half of the rounds below half of the first half's, in every run: the per-round
    regret falls. A player that does not learn keeps a constant per-round regret (ratio ~1)."""
    first, second = regret[:, 0], regret[:, 1] - regret[:, 0]
    return bool(np.all(second < 0.5 * first))


@pytest.mark.statistical
def test_mtlr_oful_learns_and_checks_its_input():
    """MTLR-OFUL (theory constants) learns on 4 seeded runs (second-half / first-half regret ~0.35) and ends below a
    uniform player on paired runs; the uniform player (NeuralEpsilonGreedy with epsilon = 1, no training) is the
    negative control and must fail the same check (ratio ~1)."""
    env = make(4, n_tasks=4)
    T, at = 60, np.array([30, 60])
    regret = run_bandit(env, MTLROFUL.for_env(env, rounds=T, seed=0), T, seed=0, record_at=at)["regret_per_task"]
    uniform = NeuralEpsilonGreedy.for_env(env, rounds=T, seed=0, epsilon=1.0, refit_steps=0)
    control = run_bandit(env, uniform, T, seed=0, record_at=at)["regret_per_task"]
    assert regret.shape == (4, 2)
    assert _learns(regret) and not _learns(control)
    assert np.all(regret[:, -1] < 0.6 * control[:, -1])
    try:
        MTLROFUL.for_env(env, rounds=5, seed=0, rep_dim=30)
    except RLKitError as e:
        assert "rep_dim must be <= dim = 20, got 30" in str(e)
    else:
        raise AssertionError("rep_dim > dim was accepted")
