"""LinUCB, LinTS, epsilon-greedy and uniform: closed forms, determinism, learning, bad input (on the test device and
dtype, see tests/conftest.py; closed forms are computed on the CPU in float64)."""

import math

import gymnasium as gym
import numpy as np
import pytest
import torch

import rlkit.envs  # noqa: F401
from rlkit.agents.bandit_loop import run_bandit
from rlkit.baselines import EpsilonGreedy, LinTS, LinUCB, Uniform
from rlkit.core.checks import RLKitError
from rlkit.core.seeding import run_sequences


def make(B, **kw):
    return gym.make_vec("rlkit/LinearBandit-v0", num_envs=B, vectorization_mode="vector_entry_point", **kw)


def feed(agent, B, K, d, n, gen):
    X = torch.randn(n, B, K, d, generator=gen, dtype=torch.float64)
    A = torch.randint(0, K, (n, B), generator=gen)
    R = torch.randn(n, B, generator=gen, dtype=torch.float64)
    kw = {"device": agent.device, "dtype": agent.dtype}
    Xd, Ad, Rd = X.to(**kw), A.to(agent.device), R.to(**kw)
    for i in range(n):
        agent.update(Xd[i], Ad[i], Rd[i])
    played = X[torch.arange(n)[:, None], torch.arange(B)[None, :], A]  # (n, B, d)
    return played, R


def test_linucb_index_matches_closed_form(gen, tkw, tol):
    B, K, d, lam, sigma, S, delta = 3, 6, 4, 0.5, 0.2, 1.5, 0.05
    agent = LinUCB(B, K, d, lam=lam, sigma=sigma, S=S, delta=delta, **tkw)
    played, R = feed(agent, B, K, d, 40, gen)
    V = lam * torch.eye(d, dtype=torch.float64) + torch.einsum("nbi,nbj->bij", played, played)
    theta = torch.linalg.solve(V, torch.einsum("nbi,nb->bi", played, R).unsqueeze(-1)).squeeze(-1)
    assert torch.allclose(agent.ridge.theta.double().cpu(), theta, atol=tol(1e-12, 1e-3))
    beta = sigma * torch.sqrt(2 * math.log(1 / delta) + torch.logdet(V) - d * math.log(lam)) + math.sqrt(lam) * S
    assert torch.allclose(agent.beta().double().cpu(), beta, atol=tol(1e-10, 1e-4))
    ctx = torch.randn(B, K, d, generator=gen, dtype=torch.float64)
    width = torch.einsum("bki,bij,bkj->bk", ctx, torch.linalg.inv(V), ctx).sqrt()
    ucb = torch.einsum("bki,bi->bk", ctx, theta) + beta[:, None] * width
    assert torch.equal(agent.act(ctx.to(**tkw)).cpu(), ucb.argmax(-1))


def test_linucb_tuned_alpha(gen, tkw):
    agent = LinUCB(2, 3, 2, theory=False, alpha=0.25, **tkw)
    assert torch.equal(agent.beta(), torch.full((2,), 0.25, **tkw))
    with pytest.raises(RLKitError, match="alpha must be None when theory=True"):
        LinUCB(2, 3, 2, theory=True, alpha=0.25)


def test_lints_samples_the_posterior(gen, tkw):
    """theta_tilde ~ N(theta_hat, v^2 V^{-1}) in every run: check mean and covariance over 4000 runs."""
    B, K, d, v = 4000, 3, 3, 0.7
    dev = tkw["device"]
    agent = LinTS(B, K, d, v=v, lam=2.0, seed=0, **tkw)
    x = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]], **tkw)
    played = torch.zeros(2, B, K, d, **tkw)
    played[:, :, 0] = x.unsqueeze(1)  # arm 0 carries x[i]; the agent plays it
    for i in range(2):
        agent.update(played[i], torch.zeros(B, dtype=torch.long, device=dev), torch.full((B,), float(i + 1), **tkw))
    chol = torch.linalg.cholesky(agent.ridge.cov.inverse)
    z = agent.rng.normal(d)  # the next draw act() would make, reproduced from a twin agent
    twin = LinTS(B, K, d, v=v, lam=2.0, seed=0, **tkw)
    for i in range(2):
        twin.update(played[i], torch.zeros(B, dtype=torch.long, device=dev), torch.full((B,), float(i + 1), **tkw))
    ctx = torch.eye(d, **tkw).expand(B, d, d).contiguous()  # arm k reveals coordinate k
    sample = agent.ridge.theta + v * (chol @ z.unsqueeze(-1)).squeeze(-1)
    assert torch.equal(twin.act(ctx), sample.argmax(-1))
    emp_cov = torch.cov(sample.T)
    assert torch.allclose(sample.mean(0), agent.ridge.theta[0], atol=0.05)
    assert torch.allclose(emp_cov, v**2 * agent.ridge.cov.inverse[0], atol=0.03)


def test_lints_theory_scale():
    agent = LinTS(1, 2, 5, theory=True, sigma=0.5, delta=0.1, rounds=1000)
    assert math.isclose(agent.v, 0.5 * math.sqrt(24 * math.log(1000) * 5 * math.log(10)))
    assert agent.lam == 1.0


def test_epsilon_greedy_extremes(gen, tkw):
    ctx = torch.randn(500, 4, 2, generator=gen, dtype=torch.float64).to(**tkw)
    greedy = EpsilonGreedy(500, 4, 2, epsilon=0.0, **tkw)
    greedy.ridge.theta = torch.tensor([1.0, -1.0], **tkw).expand(500, 2)
    assert torch.equal(greedy.act(ctx), (ctx @ torch.tensor([1.0, -1.0], **tkw)).argmax(-1))
    explore = EpsilonGreedy(500, 4, 2, epsilon=1.0, **tkw)
    counts = torch.bincount(explore.act(ctx), minlength=4)
    assert counts.min() > 90  # ~125 each


def test_uniform_is_uniform(tkw):
    agent = Uniform(20000, 5, 1, **tkw)
    counts = torch.bincount(agent.act(torch.zeros(20000, 5, 1, **tkw)), minlength=5).double().cpu()
    chi2 = float(((counts - 4000) ** 2 / 4000).sum())
    assert chi2 < 20.5  # 4 dof, p ~ 4e-4


@pytest.mark.parametrize("cls", [LinUCB, LinTS, EpsilonGreedy, Uniform])
def test_same_seed_bit_identical_and_batch_invariant(cls, tkw):
    def regret(runs):
        env = make(len(runs), n_arms=8, dim=4, contexts="resample", **tkw)
        seeds = run_sequences(3, runs)
        agent = cls.for_env(env, rounds=200, seed=seeds, **tkw)
        return run_bandit(env, agent, 200, seeds)["regret"]

    a, b = regret(range(5)), regret(range(5))
    assert np.array_equal(a, b)
    assert np.array_equal(a[2:3], regret([2]))


@pytest.mark.slow
def test_linucb_learns_sublinearly_and_beats_baselines(tkw):
    """Seeded statistical test: 10 runs of a 10-arm, 5-dim instance, T = 10^4."""
    T, B = 10_000, 10
    final, slope = {}, {}
    for cls, kw in [(LinUCB, {}), (EpsilonGreedy, {"epsilon": 0.1}), (Uniform, {})]:
        env = make(B, n_arms=10, dim=5, sigma=0.1, **tkw)
        agent = cls.for_env(env, rounds=T, seed=0, **kw, **tkw)
        curve = run_bandit(env, agent, T, 0, record_at=np.array([1000, T]))["regret"].mean(0)
        final[cls.__name__] = curve[-1]
        slope[cls.__name__] = math.log10(curve[1] / curve[0])
    assert slope["LinUCB"] < 0.75
    assert final["LinUCB"] < final["EpsilonGreedy"] < final["Uniform"]


def test_bad_input():
    agent = LinUCB(2, 3, 2)
    ctx = torch.zeros(2, 3, 2, dtype=torch.float64)
    with pytest.raises(RLKitError, match=r"contexts must be a tensor of shape \(B, K, d\) = \(2, 3, 2\)"):
        agent.act(torch.zeros(2, 3, 4, dtype=torch.float64))
    with pytest.raises(RLKitError, match="rewards must be finite"):
        agent.update(ctx, torch.zeros(2, dtype=torch.long), torch.tensor([0.0, float("nan")], dtype=torch.float64))
    with pytest.raises(RLKitError, match="rewards must be finite"):
        agent.update(ctx, torch.zeros(2, dtype=torch.long), torch.tensor([float("inf"), 0.0], dtype=torch.float64))
    with pytest.raises(RLKitError, match=r"actions must have shape \(2\)"):
        agent.update(ctx, torch.zeros(3, dtype=torch.long), torch.zeros(2, dtype=torch.float64))
    with pytest.raises(RLKitError, match=r"actions must be arm indices in \[0, 3\)"):
        agent.update(ctx, torch.tensor([0, 5]), torch.zeros(2, dtype=torch.float64))
    with pytest.raises(RLKitError, match="lam must be > 0"):
        LinUCB(2, 3, 2, lam=0)
    for delta in (0.0, 1.0, 1.5):
        with pytest.raises(RLKitError, match=r"delta must lie in the open interval \(0, 1\)"):
            LinUCB(2, 3, 2, delta=delta)
    with pytest.raises(RLKitError, match="epsilon must lie in"):
        EpsilonGreedy(2, 3, 2, epsilon=1.5)


@pytest.mark.cpu_only(reason="checks of inputs on the host")
def test_the_agents_own_actions_skip_the_range_read_and_nothing_else():
    """``update`` trusts the tensor ``act`` returned (no range read) but still checks the rewards; the same tensor
    modified in place, or any other tensor, gets the full check. Contexts modified in place are checked again."""
    from rlkit.dynlin_ucb import AR2, EXP3, DLinUCB

    assert all(getattr(cls.act, "_records_actions", False) for cls in (LinUCB, LinTS, EpsilonGreedy, Uniform, AR2,
                                                                        EXP3, DLinUCB))
    agent = LinUCB(2, 3, 2)
    ctx = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]] * 2, dtype=torch.float64)
    zeros = torch.zeros(2, dtype=torch.float64)
    a = agent.act(ctx)
    with pytest.raises(RLKitError, match="rewards must be finite"):
        agent.update(ctx, a, torch.tensor([0.0, float("nan")], dtype=torch.float64))
    a[1] = 5  # the agent's tensor, changed after act returned it
    with pytest.raises(RLKitError, match=r"actions must be arm indices in \[0, 3\)"):
        agent.update(ctx, a, zeros)
    a = agent.act(ctx)
    agent.update(ctx, a.clone(), zeros)  # a copy is checked in full, and passes
    with pytest.raises(RLKitError, match=r"actions must have shape \(2\)"):
        agent.update(ctx, a[:1], zeros[:1])
    ctx[0, 1, 1] = float("inf")  # the contexts checked at act, changed in place
    with pytest.raises(RLKitError, match="contexts must be finite"):
        agent.act(ctx)
