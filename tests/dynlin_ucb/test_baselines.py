"""The dynamical-bandit paper's baselines: D-LinUCB, EXP3 / Batch-EXP3, AR2, constant actions (on the test device and
dtype, see tests/conftest.py; closed forms on the CPU in float64)."""

import math

import numpy as np
import pytest
import torch

from rlkit.agents.bandit_loop import run_bandit
from rlkit.core.checks import RLKitError
from rlkit.dynlin_ucb.ar2 import AR2
from rlkit.dynlin_ucb.d_linucb import DLinUCB
from rlkit.dynlin_ucb.dynlin_ucb import epoch_schedule
from rlkit.dynlin_ucb.exp3 import EXP3
from rlkit.dynlin_ucb.fixed_action import Clairvoyant, Expert, FixedArm
from rlkit.envs.bandits.dynamical_linear_bandit import DynamicalLinearBandit


def _random_play(agent, B, K, d, T, seed=0):
    """Random contexts and rewards fed to the agent; returns what it saw, on the CPU in float64."""
    g = torch.Generator().manual_seed(seed)
    ctx = torch.randn(B, K, d, dtype=torch.float64, generator=g)
    ctx_d = ctx.to(agent.device, agent.dtype)
    xs, rs = [], []
    for _ in range(T):
        a = agent.act(ctx_d)
        r = torch.randn(B, dtype=torch.float64, generator=g)
        agent.update(ctx_d, a, r.to(agent.device, agent.dtype))
        xs.append(ctx[torch.arange(B), a.cpu()])
        rs.append(r)
    return torch.stack(xs, 1), torch.stack(rs, 1)


def test_d_linucb_discounted_least_squares_closed_form(tkw, tol):
    B, K, d, T, gamma, lam = 3, 4, 2, 25, 0.9, 0.5
    agent = DLinUCB(B, K, d, gamma=gamma, lam=lam, theory=False, alpha=1.0, **tkw)
    X, R = _random_play(agent, B, K, d, T)
    w = gamma ** torch.arange(T - 1, -1, -1, dtype=torch.float64)
    V = lam * torch.eye(d) + torch.einsum("s,bsi,bsj->bij", w, X, X)
    Vt = lam * torch.eye(d) + torch.einsum("s,bsi,bsj->bij", w**2, X, X)
    b = torch.einsum("s,bs,bsi->bi", w, R, X)
    at = tol(1e-12, 1e-4)
    assert torch.allclose(agent.V.double().cpu(), V, atol=at) and torch.allclose(agent.Vt.double().cpu(), Vt, atol=at)
    assert torch.allclose(agent.theta.double().cpu(), torch.linalg.solve(V, b), atol=at)
    # The index's width is ||x||_{V^-1 Vt V^-1}.
    ctx = torch.randn(B, K, d, dtype=torch.float64)
    Vi = torch.linalg.inv(V)
    width = torch.einsum("bki,bij,bkj->bk", ctx, Vi @ Vt @ Vi, ctx).sqrt()
    expected = (torch.einsum("bki,bi->bk", ctx, torch.linalg.solve(V, b)) + width).argmax(-1)
    assert torch.equal(agent.act(ctx.to(**tkw)).cpu(), expected)


def test_d_linucb_radius_is_russac_et_al():
    agent = DLinUCB(1, 2, 3, gamma=0.99, lam=2.0, sigma=0.5, S=1.5, L=2.0, delta=0.05)
    agent.t = 40
    g2 = 0.99**2
    inner = 2 * math.log(1 / 0.05) + 3 * math.log(1 + 4.0 * (1 - g2**40) / (2.0 * 3 * (1 - g2)))
    assert agent.beta() == pytest.approx(math.sqrt(2.0) * 1.5 + 0.5 * math.sqrt(inner), rel=1e-12)


def test_exp3_distribution_and_importance_weighted_update(tkw, tol):
    B, K = 4, 5
    agent = EXP3(B, K, 1, gamma=0.2, seed=3, **tkw)
    ctx = torch.zeros(B, K, 1, **tkw)
    log_w = torch.zeros(B, K, dtype=torch.float64)
    counts = torch.zeros(B, K)
    for _ in range(400):
        a = agent.act(ctx)
        p = 0.8 * torch.softmax(log_w, -1) + 0.2 / K
        probs = agent.probs.double().cpu()
        assert torch.allclose(probs, p, atol=tol(1e-14, 1e-5)) and bool((probs >= 0.2 / K - tol(1e-15, 1e-6)).all())
        a = a.cpu()
        x = (a == 2).double() * 0.9 + 0.05  # arm 2 pays 0.95, the others 0.05
        agent.update(ctx, a.to(tkw["device"]), x.to(**tkw))
        log_w[torch.arange(B), a] += 0.2 / K * x / p[torch.arange(B), a]
        counts[torch.arange(B), a] += 1
    assert torch.allclose(agent.log_w.double().cpu(), log_w, atol=tol(1e-12, 1e-3))
    assert bool((counts.argmax(-1) == 2).all())  # it learns the good arm


def test_batch_exp3_holds_for_the_batch_and_averages(tkw):
    env = DynamicalLinearBandit(num_envs=3, config="synthetic", **tkw)
    agent = EXP3.for_env(env, rounds=10**6, seed=0, batch="dynlin")
    assert agent.batch == epoch_schedule(0.2, 10**6)[-1] == 8
    assert agent.lo == pytest.approx(-2 * env.theory_params()["reward_bound"])
    ctx, _ = env.reset(seed=0)
    a = agent.act(ctx)
    assert agent.hold_length() == 8
    _, r, _, _, _ = env.step_held(a, 8)
    agent.update_held(ctx, a, r[:, :5])
    assert torch.equal(agent.act(ctx), a) and agent.hold_length() == 3
    agent.update_held(ctx, a, r[:, 5:])
    x = ((r.mean(1) - agent.lo) / agent.span).clamp(0, 1)
    p = torch.full((3,), 1 / 6, **tkw)
    assert torch.allclose(agent.log_w[torch.arange(3, device=tkw["device"]), a], agent.gamma / 6 * x / p)
    K, g = 6, math.ceil(10**6 / 8)
    assert agent.gamma == pytest.approx(math.sqrt(K * math.log(K) / ((math.e - 1) * g)))


def test_ar2_round_robin_then_alternation(tkw):
    B, K = 2, 4
    agent = AR2(B, K, 1, alpha=0.5, sigma=0.1, epoch=20, c1=1.0, **tkw)
    ctx = torch.zeros(B, K, 1, **tkw)
    played = []
    for _ in range(40):
        a = agent.act(ctx)
        played.append(a.clone())
        agent.update(ctx, a, torch.where(a == 1, 1.0, 0.1).to(tkw["dtype"]))
    played = torch.stack(played).cpu()
    assert played[:K, 0].tolist() == [0, 1, 2, 3] and played[20:24, 0].tolist() == [0, 1, 2, 3]  # restarts
    # Odd rounds explore the triggered arms once each, then the superior arm 1 is kept until the restart.
    assert {0, 2, 3} <= set(played[K:12:2, 0].tolist())
    assert bool((played[12:20] == 1).all()) and bool((played[32:40] == 1).all())
    # Predictions decay by alpha per round: r_hat(i) = alpha^{t - tau_i + 1} X_i.
    tau = 1 + max(i for i in range(40) if played[i, 0] == 1)  # round arm 1 was last pulled (1-based)
    assert torch.allclose(agent.est[0, 1].double().cpu(), torch.tensor(0.5 ** (40 - tau + 1), dtype=torch.float64))


def test_constant_actions_and_expert_slope_on_the_ads_model():
    T = 5000
    env = DynamicalLinearBandit(num_envs=3, config="advertising")
    out = run_bandit(env, Expert.for_env(env, rounds=T, seed=0), T, 0, np.array([1, 10, T]))
    gap = env.optimal_value - env.value(torch.as_tensor(Expert(1, 6, 3).action)).item()
    assert gap == pytest.approx(0.2157, abs=5e-4)
    assert np.allclose(out["steady_state_regret"], gap * np.array([1, 10, T]), rtol=1e-12)  # exactly linear
    # The realised regret has the same slope up to the transient and the noise: |noise sum| ~ 0.017 sqrt(T).
    assert out["realised_regret"][:, -1] == pytest.approx(gap * T, abs=0.05 * gap * T)
    env = DynamicalLinearBandit(num_envs=2, config="advertising", noise=0.0)
    clair = run_bandit(env, Clairvoyant.for_env(env, rounds=T, seed=0), T, 0, np.array([T]))
    assert np.all(clair["steady_state_regret"] == 0)
    # Without noise the clairvoyant's regret is the transient from x_0 = 0: sum_t <omega, (I - A^t)(I - A)^-1 B u*>.
    A, B, w, u = env.A_np, env.B_np, env.omega_np, env.optimal_action.numpy()
    x, transient = np.zeros(3), 0.0
    for _ in range(200):
        transient += env.optimal_value - (w @ x + env.theta_np @ u)
        x = A @ x + B @ u
    assert np.allclose(clair["regret"], transient, atol=1e-9)


def test_baseline_bad_input():
    with pytest.raises(RLKitError, match="gamma"):
        DLinUCB(1, 2, 2, gamma=1.0)
    with pytest.raises(RLKitError, match="gamma must be given"):
        EXP3(1, 3, 1, theory=True)
    with pytest.raises(RLKitError, match="reward_range"):
        EXP3(1, 3, 1, gamma=0.1, reward_range=(1.0, 0.0))
    with pytest.raises(RLKitError, match="alpha"):
        AR2(1, 3, 1, alpha=1.5, sigma=0.1)
    with pytest.raises(RLKitError, match=r"arm must lie in \[0, 3\)"):
        FixedArm(1, 3, 1, arm=3)
    with pytest.raises(RLKitError, match=r"action must have shape \(3\), got \(2,\)"):
        Expert(1, 6, 3, action=[1.0, 2.0])
