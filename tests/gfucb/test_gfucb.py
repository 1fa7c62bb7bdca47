"""Exact finite-class GFUCB (reconstructed): LinUCB as a special case, the block decomposition, joint optimism
against enumeration and cvxpy, coverage of the truth, task-permutation equivariance, the multitask gain,
bad input."""

import math

import cvxpy as cp
import gymnasium as gym
import numpy as np
import pytest
import torch

import rlkit.envs  # noqa: F401
from rlkit.agents.bandit_loop import run_bandit
from rlkit.baselines import LinUCB
from rlkit.core.checks import RLKitError
from rlkit.envs.multitask.representations import IdentityClass
from rlkit.gfucb import GFUCB
from rlkit.gfucb.joint_optimism import enumerate_joint, joint_actions, per_task_index, relaxed_joint
from rlkit.theory.gfucb import theory_beta
from tests.placement import TKW, tol

pytestmark = pytest.mark.usefixtures("single_thread")  # small tensors: one torch thread


def make(B, **kw):
    return gym.make_vec("rlkit/MultitaskRepresentationBandit-v0", num_envs=B, vectorization_mode="vector_entry_point",
                        **TKW, **kw)


def test_one_task_identity_class_is_linucb_decision_for_decision(gen):
    """Gaussian contexts (no ties in the widths) and rewards of a linear model, played by LinUCB; GFUCB with M = 1,
    the identity class and beta = alpha^2 chooses the same action every round."""
    B, K, d, T, alpha = 8, 12, 5, 300, 0.7
    theta = torch.randn(B, d, generator=gen, dtype=torch.float64).to(**TKW) / math.sqrt(d)
    lin = LinUCB(B, K, d, theory=False, alpha=alpha, lam=0.5, **TKW)
    gf = GFUCB(B, 1, K, d, features=IdentityClass(B, d), n_candidates=1, rep_dim=d, theory=False, alpha=alpha,
               lam=0.5, **TKW)
    assert gf.optimism == "joint"
    switches, last = 0, None
    for _ in range(T):
        ctx = torch.randn(B, K, d, generator=gen, dtype=torch.float64).to(**TKW)
        a_lin = lin.act(ctx)
        assert torch.equal(gf.act(ctx.unsqueeze(1))[:, 0], a_lin)
        switches += 0 if last is None else int((a_lin != last).sum())
        last = a_lin
        noise = torch.randn(B, generator=gen, dtype=torch.float64).to(**TKW)
        r = (ctx[torch.arange(B), a_lin] * theta).sum(-1) + 0.3 * noise
        lin.update(ctx, a_lin, r)
        gf.update(ctx.unsqueeze(1), a_lin.unsqueeze(1), r.unsqueeze(1))
    assert switches > T  # the comparison is not between two constant policies
    assert torch.allclose(gf.ridge.theta[:, 0, 0], lin.ridge.theta, atol=1e-12)


def feed(agent, n, gen, K=4):
    """Random rounds into ``agent``; returns the contexts (n, B, M, p) and rewards (n, B, M) played."""
    B, M, p = agent.n_runs, agent.n_tasks, agent.dim
    X = torch.randn(n, B, M, K, p, generator=gen, dtype=torch.float64).to(**TKW)
    A = torch.randint(0, K, (n, B, M), generator=gen)
    R = torch.randn(n, B, M, generator=gen, dtype=torch.float64).to(**TKW)
    played = []
    for t in range(n):
        agent.update(X[t], A[t], R[t])
        played.append(agent.chosen(X[t], A[t]))
    return torch.stack(played), R


def test_block_decomposition_of_the_penalised_loss(gen):
    """J(phi_j, theta) from the agent's sufficient statistics equals the loss recomputed from the data."""
    from rlkit.core.seeding import BatchRNG, run_sequences, setup_normal
    from rlkit.envs.multitask.representations import RandomMLPClass

    B, M, p, k, P, lam = 3, 4, 6, 3, 5, 0.7
    cls = RandomMLPClass(setup_normal(BatchRNG(run_sequences(0, B)), "w"), B, P, p, k, hidden=8, **TKW)
    agent = GFUCB(B, M, 4, p, features=cls, n_candidates=P, rep_dim=k, group_size=2, theory=False, alpha=1.0, lam=lam,
                  **TKW)
    X, R = feed(agent, 30, gen)  # (n, B, M, p), (n, B, M)
    phi = cls(X.permute(1, 2, 0, 3))  # (B, P, M, n, k)
    for j in range(P):
        theta = torch.randn(B, M, k, generator=gen, dtype=torch.float64).to(**TKW)
        index = torch.full((B,), j)
        fitted = (phi[:, j] @ theta.unsqueeze(-1)).squeeze(-1)  # (B, M, n)
        direct = ((fitted - R.permute(1, 2, 0)) ** 2).sum(-1) + lam * (theta**2).sum(-1)  # (B, M)
        direct = direct.reshape(B, 2, 2).sum(-1)  # groups of two tasks
        # float32: the agent's J is quadratic forms of sums over 30 rounds (G, b, y'y) whose terms cancel to ~1e2,
        # so its relative error is about 30 * 2**-24 times the cancellation, ~1e-5
        assert torch.allclose(agent.penalized_loss(index, theta), direct, rtol=tol(1e-10, 1e-4))
        # J*(phi_j) is the minimum: at the ridge heads the quadratic part vanishes
        assert torch.allclose(agent.penalized_loss(index, agent.ridge.theta[:, j]), agent.candidate_losses()[:, j])


def test_block_ellipsoid_maximum_matches_cvxpy(gen):
    g, k, rho = 3, 2, 0.8
    c = torch.randn(g, k, generator=gen, dtype=torch.float64).to(**TKW)
    L = torch.randn(g, k, k, generator=gen, dtype=torch.float64).to(**TKW)
    A = L @ L.transpose(-1, -2) + 0.5 * torch.eye(k, **TKW)
    x = torch.randn(g, k, generator=gen, dtype=torch.float64).to(**TKW)
    a = (x * c).sum(-1)
    b = torch.einsum("ik,ikl,il->i", x, torch.linalg.inv(A), x)
    closed = a.sum() + math.sqrt(rho * float(b.sum()))
    theta = cp.Variable((g, k))
    cons = [sum(cp.quad_form(theta[i] - c[i].numpy(), A[i].numpy()) for i in range(g)) <= rho]
    prob = cp.Problem(cp.Maximize(cp.sum(cp.multiply(x.numpy(), theta))), cons)
    prob.solve()
    assert closed == pytest.approx(prob.value, rel=1e-5)


@pytest.mark.parametrize("g,K", [(1, 6), (2, 5), (3, 4)])
def test_relaxation_upper_bounds_the_exact_joint_optimum(g, K, gen):
    a = torch.randn(50, g, K, generator=gen, dtype=torch.float64).to(**TKW)
    b = torch.rand(50, g, K, generator=gen, dtype=torch.float64).to(**TKW) * 2
    rho = torch.rand(50, generator=gen, dtype=torch.float64).to(**TKW) * 3
    exact, x = enumerate_joint(a, b, rho)
    bound, x_relaxed = relaxed_joint(a, b, rho, n_eta=8)
    # float32: bound and optimum are sums of g + 1 <= 4 terms of size <= ~5 (and a sqrt), each rounded at 2**-24
    eps = tol(1e-12, 1e-5)
    assert bool((bound >= exact - eps).all())
    # enumeration agrees with a brute-force loop, and the relaxed actions are feasible joint actions
    grid = joint_actions(g, K)
    tasks = torch.arange(g)
    for n in range(5):
        vals = [float(a[n, tasks, j].sum() + (rho[n] * b[n, tasks, j].sum()).sqrt()) for j in grid]
        assert exact[n] == pytest.approx(max(vals), rel=tol(1e-6, 1e-5))
        assert torch.equal(x[n], grid[int(np.argmax(vals))])
    assert x_relaxed.shape == (50, g) and bool(((x_relaxed >= 0) & (x_relaxed < K)).all())
    # the bound is tight for one task (sqrt is attained at eta = sqrt(rho b)) up to the eta grid
    if g == 1:
        assert torch.allclose(per_task_index(a, b, rho).max(-1).values.squeeze(-1), exact, atol=eps)

    assert bool((bound <= (a.max(-1).values.sum(-1) + (rho * b.max(-1).values.sum(-1)).sqrt()) + eps).all())
    # the relaxation U(eta) = eta / 2 + sum_i max_k (a_ik + rho b_ik / (2 eta)) upper-bounds the optimum for every
    # eta > 0; the bound is its minimum over a grid that includes both ends, eta = sqrt(sum_i min_k rho b_ik) and
    # sqrt(sum_i max_k rho b_ik), so it is at most U at either end (a grid that misses one end fails)
    rb = rho[:, None, None] * b

    def relaxation(eta):
        return eta / 2 + (a + rb / (2 * eta[:, None, None])).max(-1).values.sum(-1)

    for end in (rb.min(-1).values.sum(-1).sqrt(), rb.max(-1).values.sum(-1).sqrt()):
        assert bool((bound <= relaxation(end) + eps).all()) and bool((relaxation(end) >= exact - eps).all())


def test_true_function_is_covered_by_the_theory_set():
    """With the reconstructed beta_t the truth stays in the set (>= 1 - delta of runs at every checked round), and
    the same check fails with a radius 1000 times too small (the test can fail)."""
    B, T, delta = 32, 60, 0.1
    env = make(B, n_tasks=3, n_arms=5, n_candidates=8, hidden=16)
    agent = GFUCB.for_env(env, rounds=T, seed=0, delta=delta)
    tiny = GFUCB.for_env(env, rounds=T, seed=0, theory=False, alpha=math.sqrt(agent.beta() / 1000))
    ctx, _ = env.reset(seed=11)
    covered, covered_tiny = [], []
    for t in range(T):
        actions = agent.act(ctx)
        nxt, r, _, _, _ = env.step(actions)
        agent.update(ctx, actions, r)
        tiny.update(ctx, actions, r)
        ctx = nxt
        if (t + 1) % 20 == 0:
            covered.append(agent.contains(env.true_index, env.theta).float().mean().item())
            covered_tiny.append(tiny.contains(env.true_index, env.theta).float().mean().item())
    assert min(covered) >= 1 - delta
    assert max(covered_tiny) < 0.5
    assert float((agent.estimate()[:, 0] == env.true_index).float().mean()) > 0.9  # the least-squares phi_hat


def test_permuting_tasks_permutes_the_actions_only(gen):
    from rlkit.core.seeding import BatchRNG, run_sequences, setup_normal
    from rlkit.envs.multitask.representations import RandomMLPClass

    B, M, K, p, k, P = 4, 3, 5, 6, 2, 4
    cls = RandomMLPClass(setup_normal(BatchRNG(run_sequences(1, B)), "w"), B, P, p, k, hidden=8, **TKW)
    perm = torch.tensor([2, 0, 1])
    for optimism in ("joint", "relaxed", "per_task"):
        one = GFUCB(B, M, K, p, features=cls, n_candidates=P, rep_dim=k, theory=False, alpha=0.7, optimism=optimism,
                    **TKW)
        two = GFUCB(B, M, K, p, features=cls, n_candidates=P, rep_dim=k, theory=False, alpha=0.7, optimism=optimism,
                    **TKW)
        for _ in range(40):
            ctx = torch.randn(B, M, K, p, generator=gen, dtype=torch.float64).to(**TKW)
            r = torch.randn(B, M, generator=gen, dtype=torch.float64).to(**TKW)
            a1, a2 = one.act(ctx), two.act(ctx[:, perm])
            assert torch.equal(a2, a1[:, perm]), optimism
            one.update(ctx, a1, r)
            two.update(ctx[:, perm], a2, r[:, perm])


def test_multitask_per_task_regret_beats_independent_learning():
    B, T = 12, 100
    env = make(B, n_tasks=6, n_arms=5, n_candidates=16, hidden=16)
    finals = {}
    for g in (6, 1):
        agent = GFUCB.for_env(env, rounds=T, seed=0, group_size=g, theory=False, alpha=1.0)
        finals[g] = run_bandit(env, agent, T, seed=3)["regret_per_task"][:, -1]
    assert finals[6].mean() < 0.8 * finals[1].mean()
    assert (finals[6] < finals[1]).mean() >= 0.75  # paired runs (common random numbers)


def test_theory_beta_shape():
    # grows like log t and linearly in the group's k log(.) covering term; positive at t = 0
    b = [theory_beta(t, 4, 3, math.log(16), 0.1, 1.0, 1.0, 0.01) for t in (0, 10, 100, 1000)]
    assert b[0] > 0 and all(x < y for x, y in zip(b, b[1:]))
    assert theory_beta(100, 8, 3, 2.0, 0.1, 1.0, 1.0, 0.01) > theory_beta(100, 4, 3, 2.0, 0.1, 1.0, 1.0, 0.01)
    env = make(1, preset="finite")
    agent = GFUCB.for_env(env, rounds=10, seed=0)
    assert agent.beta() == pytest.approx(theory_beta(0, 5, 4, math.log(16), 0.1, 1.0, 1.0, 0.01) + 5.0)


def test_bad_input():
    env = make(2, preset="finite", n_tasks=4)
    with pytest.raises(RLKitError, match="n_tasks must be an integer >= 1, got 0"):
        GFUCB(2, 0, 3, 4, features=IdentityClass(2, 4), n_candidates=1, rep_dim=4, theory=False, alpha=1.0)
    with pytest.raises(RLKitError, match="group_size must divide n_tasks = 4, got 3"):
        GFUCB.for_env(env, rounds=5, seed=0, group_size=3)
    with pytest.raises(RLKitError, match="alpha must be None when theory=True"):
        GFUCB.for_env(env, rounds=5, seed=0, theory=True, alpha=1.0)
    agent = GFUCB.for_env(env, rounds=5, seed=0, rep_dim=5)  # the class outputs k = 4
    ctx, _ = env.reset(seed=0)
    with pytest.raises(RLKitError, match=r"features of shape \(B, P, M, K, k\) = \(2, 16, 4, 10, 5\), got "
                                         r"\(2, 16, 4, 10, 4\)"):
        agent.act(ctx)
    agent = GFUCB.for_env(env, rounds=5, seed=0)
    with pytest.raises(RLKitError, match=r"contexts must be a tensor of shape \(B, M, K, p\) = \(2, 4, \*, 10\) "
                                             r"\(the agent's n_runs, n_tasks, any K, dim\), got \(2, 10, 10\)"):
        agent.act(ctx[:, 0])
    with pytest.raises(RLKitError, match=r"actions must have shape \(2, 4\)"):
        agent.update(ctx, torch.zeros(2, dtype=torch.long), torch.zeros(2, 4))
    lin_env = gym.make_vec("rlkit/LinearBandit-v0", num_envs=2, vectorization_mode="vector_entry_point", **TKW)
    with pytest.raises(RLKitError, match="needs an environment that gives its finite representation class"):
        GFUCB.for_env(lin_env, rounds=5, seed=0)
