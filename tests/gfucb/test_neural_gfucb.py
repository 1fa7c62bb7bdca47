"""Neural GFUCB and the neural epsilon-greedy baselines: batched networks against autograd, the ellipsoid on the
learnt features against a direct computation, task groups, reproducibility across batches, the multitask gain."""

import gymnasium as gym
import numpy as np
import pytest
import torch

import rlkit.envs  # noqa: F401
from rlkit.agents.bandit_loop import run_bandit
from rlkit.core.checks import RLKitError
from rlkit.core.seeding import BatchRNG, run_sequences, setup_uniform
from rlkit.gfucb import NeuralEpsilonGreedy, NeuralGFUCB
from rlkit.gfucb.multihead_net import MultiheadNets
from tests.placement import TKW, tol

pytestmark = pytest.mark.usefixtures("single_thread")  # small tensors: one torch thread


def make(B, **kw):
    kw = {"n_tasks": 4, "n_arms": 5, "dim": 6, "rep_dim": 3, "hidden": 8, **kw}
    return gym.make_vec("rlkit/MultitaskRepresentationBandit-v0", num_envs=B, vectorization_mode="vector_entry_point",
                        **TKW, **kw)


def nets(B, G=1, g=2, p=5, h=7, k=3, seed=0):
    return MultiheadNets(setup_uniform(BatchRNG(run_sequences(seed, B)), "init"), B, G, g, p, h, k, lr=0.01, **TKW)


def test_batched_networks_match_a_per_network_torch_module(gen):
    """Features and loss gradients of network n equal those of a plain nn.Module with its weights."""
    net = nets(3, G=2)
    for name, fan_in in (("W1", 5), ("b1", 5), ("W2", 7), ("b2", 7), ("heads", 3)):  # torch.nn.Linear's init
        w = net.params[name].detach()
        assert float(w.abs().max()) <= fan_in**-0.5 and float(w.abs().max()) > 0.8 * fan_in**-0.5, name
    x = torch.randn(6, 9, 5, generator=gen, dtype=torch.float64).to(**TKW)
    task = torch.randint(0, 2, (6, 9), generator=gen)
    y = torch.randn(6, 9, generator=gen, dtype=torch.float64).to(**TKW)
    loss = net.loss(x, task, y)
    loss.backward()
    for n in range(6):
        P = {k: v.detach()[n].clone().requires_grad_(True) for k, v in net.params.items()}
        l1 = torch.nn.functional.linear(x[n], P["W1"].T, P["b1"][0])
        phi = torch.tanh(torch.nn.functional.linear(torch.relu(l1), P["W2"].T, P["b2"][0]))
        ref = ((phi * P["heads"][task[n]]).sum(-1) - y[n]).pow(2).mean()
        ref.backward()
        # float32: two layers of <= 7 inputs of size ~1 (batched einsum against F.linear: different summation
        # orders), so the features and the mean-loss gradients agree to a few 2**-24 ~ 1e-7 per term
        assert torch.allclose(net.features(x)[n], phi, atol=tol(1e-12, 1e-5))
        for k in P:
            assert torch.allclose(net.params[k].grad[n], P[k].grad, atol=tol(1e-12, 1e-5)), k


def test_networks_train_independently(gen):
    """Network 0's weights after training do not depend on network 1's data, and training reduces the loss."""
    X = torch.randn(2, 2, 40, 5, generator=gen, dtype=torch.float64).to(**TKW)
    Y = torch.sin(X.sum(-1))
    X2, Y2 = X.clone(), Y.clone()
    X2[1], Y2[1] = torch.randn(2, 40, 5, generator=gen, dtype=torch.float64).to(**TKW), -Y[1]
    a, b = nets(2), nets(2)
    u = torch.rand(200, 2, 32, generator=gen, dtype=torch.float64).to(**TKW)
    before = float(a.loss(X.flatten(1, 2), torch.arange(2).repeat_interleave(40).expand(2, -1), Y.flatten(1)).detach())
    for net, (Xs, Ys) in ((a, (X, Y)), (b, (X2, Y2))):
        draws = iter(u)
        net.fit(Xs, Ys, 40, 200, 32, lambda it=draws: next(it))
    for k in a.params:
        assert torch.allclose(a.params[k][0], b.params[k][0], atol=1e-13), k
        assert not torch.allclose(a.params[k][1], b.params[k][1]) or k in ("b1", "b2")
    after = float(a.loss(X.flatten(1, 2), torch.arange(2).repeat_interleave(40).expand(2, -1), Y.flatten(1)).detach())
    assert after < 0.5 * before


def test_ellipsoid_on_the_learnt_features_is_exact():
    """At every round V_i = lam I + sum_s phi(x_{s,i}) phi(x_{s,i})^T with the *current* trunk, and theta_hat_i the
    ridge solution: rebuilt after each refit, rank-1 updated in between."""
    B, T, lam = 3, 23, 0.5
    env = make(B)
    agent = NeuralGFUCB.for_env(env, rounds=T, seed=0, lam=lam, refit_every=5, refit_steps=3)
    ctx, _ = env.reset(seed=1)
    for t in range(T):
        a = agent.act(ctx)
        nxt, r, _, _, _ = env.step(a)
        agent.update(ctx, a, r)
        ctx = nxt
        if t in (9, 12, 22):  # right after a refit, and two and three rounds later
            phi = agent.task_features(agent.X[:, :, : agent.t])  # (B, M, t, k)
            V = lam * torch.eye(agent.rep_dim, **TKW) + phi.transpose(-1, -2) @ phi
            b = (phi * agent.Y[:, :, : agent.t, None]).sum(-2)
            # float32: V is a sum of <= 23 outer products of features in [-1, 1] (rank-1 updates against one
            # matmul: error ~ 23 * 2**-24 * 23 ~ 3e-5), theta a solve with cond(V) <= ~50 on top of that
            assert torch.allclose(agent.ridge.cov.matrix.to(V.dtype), V, atol=tol(1e-10, 1e-4))
            assert torch.allclose(agent.ridge.theta, torch.linalg.solve(V, b), atol=tol(1e-9, 1e-3))


@pytest.mark.parametrize("cls", [NeuralGFUCB, NeuralEpsilonGreedy])
def test_group_size_one_learns_each_task_alone(cls, gen):
    """With one network per task, task 0's decisions do not depend on task 1's rewards; with one shared network
    they do."""
    B, M, K, p, T = 2, 2, 4, 5, 30
    ctx = torch.randn(T, B, M, K, p, generator=gen, dtype=torch.float64).to(**TKW)
    r = torch.randn(T, B, M, generator=gen, dtype=torch.float64).to(**TKW)
    r2 = r.clone()
    r2[:, :, 1] = 3.0 * torch.randn(T, B, generator=gen, dtype=torch.float64).to(**TKW)
    for g, same in ((1, True), (2, False)):
        kw = {"epsilon": 0.0} if cls is NeuralEpsilonGreedy else {}
        one, two = (cls(B, M, K, p, group_size=g, hidden=8, rep_dim=3, refit_every=2, refit_steps=5, **kw, **TKW)
                    for _ in range(2))
        acts = [[], []]
        for t in range(T):
            for agent, rewards, out in ((one, r, acts[0]), (two, r2, acts[1])):
                a = agent.act(ctx[t])
                out.append(a[:, 0])
                agent.update(ctx[t], a, rewards[t])
        assert torch.equal(torch.stack(acts[0]), torch.stack(acts[1])) == same, g


def test_a_run_does_not_depend_on_its_batch():
    def curve(B, run):
        env = make(B)
        seeds = run_sequences(0, range(run, run + B))
        agent = NeuralGFUCB.for_env(env, rounds=40, seed=seeds, refit_every=4, refit_steps=4)
        with torch.inference_mode():  # as the experiment runner plays it
            return run_bandit(env, agent, 40, seeds)["regret_per_task"]

    alone = curve(1, 1)
    batch = curve(3, 0)
    assert np.allclose(alone[0], batch[1], atol=1e-9)


def test_epsilon_schedules(gen):
    B, M, K, p = 400, 2, 5, 3
    ctx = torch.randn(B, M, K, p, generator=gen, dtype=torch.float64).to(**TKW)
    greedy = NeuralEpsilonGreedy(B, M, K, p, epsilon=0.0, hidden=8, rep_dim=3, **TKW)
    assert torch.equal(greedy.act(ctx), greedy.task_predictions(ctx).argmax(-1))
    uniform = NeuralEpsilonGreedy(B, M, K, p, epsilon=1.0, hidden=8, rep_dim=3, **TKW)
    counts = torch.bincount(uniform.act(ctx).flatten(), minlength=K).double()
    assert counts.min() > 0.8 * B * M / K
    annealed = NeuralEpsilonGreedy(B, M, K, p, epsilon=2.0, decay=True, hidden=8, rep_dim=3, refit_steps=0, **TKW)
    base = annealed.task_predictions(ctx).argmax(-1)
    for _ in range(39):  # eps_t = min(1, 2 * 5 / t): 1 for t <= 10, 0.25 at t = 40
        annealed.update(ctx, base, torch.zeros(B, M, **TKW))
    off = float((annealed.act(ctx) != base).double().mean())  # explore, and the random action differs: 4/5
    assert off == pytest.approx(0.25 * 0.8, abs=0.05)


@pytest.mark.slow
def test_shared_representation_beats_independent_networks():
    B, T = 6, 400
    env = gym.make_vec("rlkit/MultitaskRepresentationBandit-v0", num_envs=B, vectorization_mode="vector_entry_point",
                       **TKW, preset="figure", n_tasks=8)
    finals = {}
    for g in (8, 1):
        agent = NeuralGFUCB.for_env(env, rounds=T, seed=0, group_size=g)
        finals[g] = run_bandit(env, agent, T, seed=2)["regret_per_task"][:, -1]
    assert finals[8].mean() < 0.9 * finals[1].mean()
    assert (finals[8] < finals[1]).sum() >= 5  # paired runs (common random numbers)


def test_bad_input():
    env = make(2)
    with pytest.raises(RLKitError, match="alpha must be None when theory=True"):
        NeuralGFUCB.for_env(env, rounds=5, seed=0, theory=True, alpha=0.3)
    with pytest.raises(RLKitError, match="group_size must divide n_tasks = 4, got 3"):
        NeuralGFUCB.for_env(env, rounds=5, seed=0, group_size=3)
    with pytest.raises(RLKitError, match="epsilon must lie in"):
        NeuralEpsilonGreedy.for_env(env, rounds=5, seed=0, epsilon=2.0)
    agent = NeuralGFUCB.for_env(env, rounds=5, seed=0)
    ctx, _ = env.reset(seed=0)
    with pytest.raises(RLKitError, match=r"contexts must be a tensor of shape \(B, M, K, p\) = \(2, 4, \*, 6\) "
                                         r".*got \(2, 4, 5, 7\)"):
        agent.act(torch.zeros(2, 4, 5, 7, **TKW))
    with pytest.raises(RLKitError, match="rewards must be finite"):
        agent.update(ctx, torch.zeros(2, 4, dtype=torch.long), torch.full((2, 4), float("nan"), **TKW))
    agent = NeuralGFUCB.for_env(env, rounds=5, seed=0, theory=True, log_N_phi=50.0)
    assert agent.radius() > 1.0  # the reconstructed multihead radius
