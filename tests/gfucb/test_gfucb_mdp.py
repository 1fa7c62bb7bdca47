"""GFUCB-MDP (the reconstructed multitask MDP extension of GFUCB): its reduction to LSVI-UCB, the residual test
against explicit sample-level ridge regressions, coverage of the true representation, task-permutation
equivariance, the multitask gain over independent learning, and bad input."""

import numpy as np
import pytest
import torch

from rlkit.agents.episode_loop import run_episodes
from rlkit.baselines import LSVIUCB
from rlkit.core.checks import RLKitError
from rlkit.core.seeding import run_sequences
from rlkit.envs import MultitaskLinearMDP, RandomTabularMDP
from rlkit.gfucb import GFUCBMDP
from tests.placement import TKW, tol

SMALL = dict(n_states=5, n_actions=3, horizon=3, dim=3)


pytestmark = pytest.mark.usefixtures("single_thread")  # small tensors: one torch thread


def _env(B=4, M=3, P=6, **kw):
    return MultitaskLinearMDP(**TKW, num_envs=B, n_tasks=M, n_candidates=P, **{**SMALL, **kw})


def _play(env, agents, episodes, seeds, each=None):
    """Play ``agents[0]`` on ``env``; feed every agent the same steps; call ``each(k)`` after each begin_episode."""
    states, _ = env.reset(seed=seeds)
    for k in range(episodes):
        if k:
            states, _ = env.next_episode()
        for a in agents:
            a.begin_episode()
        if each is not None:
            each(k)
        for h in range(env.horizon):
            actions = agents[0].act(states, h)
            nxt, fb, _, _, _ = env.step(actions)
            for a in agents:
                a.observe(states, actions, fb, nxt, h)
            states = nxt
        for a in agents:
            a.end_episode()


@pytest.mark.parametrize("M, theory", [(1, True), (1, False), (3, False)])
def test_one_candidate_equal_to_the_true_features_is_lsvi_ucb_decision_for_decision(M, theory):
    env = _env(B=3, M=M, P=1)
    seeds = run_sequences(2, 3)
    kw = {} if theory else {"theory": False, "beta": 0.7}
    out = run_episodes(env, GFUCBMDP.for_env(env, episodes=60, seed=seeds, **kw), 60, seeds)
    ref_out = run_episodes(env, LSVIUCB.for_env(env, episodes=60, seed=seeds, **kw), 60, seeds)
    np.testing.assert_array_equal(out["regret"], ref_out["regret"])
    g = GFUCBMDP.for_env(env, episodes=60, seed=seeds, **kw)
    ref = LSVIUCB.for_env(env, episodes=60, seed=seeds, **kw)
    assert g.beta == pytest.approx(ref.beta)

    def same(k):
        assert torch.equal(g.policy(), ref.policy()), f"episode {k}"
        # float32: Q is H = 3 backups of a k = 3 ridge prediction plus bonus (each ~1) computed by two code paths
        # in different summation orders: they agree to a few 2**-24 per backup
        torch.testing.assert_close(g.Q, ref.Q, rtol=tol(1e-12, 1e-5), atol=tol(1e-12, 1e-5))
        assert bool(g.kept.all())

    _play(env, [g, ref], 60, seeds, same)


def test_excess_residual_matches_explicit_ridge_regressions():
    B, M, P, lam = 2, 3, 4, 0.5
    env = _env(B=B, M=M, P=P)
    seeds = run_sequences(0, B)
    agent = GFUCBMDP.for_env(env, episodes=30, seed=seeds, theory=False, beta=0.5, lam=lam)
    data = []  # (states, actions, rewards, next states) per step of every episode: (B, M) each
    states, _ = env.reset(seed=seeds)
    for k in range(12):
        if k:
            states, _ = env.next_episode()
        agent.begin_episode()
        for h in range(env.horizon):
            a = agent.act(states, h)
            nxt, fb, _, _, _ = env.step(a)
            agent.observe(states, a, fb, nxt, h)
            data.append((h, states, a, fb, nxt))
            states = nxt
        agent.end_episode()
    agent.begin_episode()
    V = agent.Q_candidates.amax(-1)  # (B, P, M, H, S): every candidate's own optimistic V_h
    cand = env.candidates
    for h in range(env.horizon):
        rows = [d for d in data if d[0] == h]
        s = torch.stack([d[1] for d in rows], -1)  # (B, M, n)
        a, r, s2 = (torch.stack([d[i] for d in rows], -1) for i in (2, 3, 4))
        for b in range(B):
            for p in range(P):
                v = V[b, p, :, h + 1] if h + 1 < env.horizon else torch.zeros(M, env.n_states, **TKW)
                y = r[b] + torch.gather(v, 1, s2[b])  # (M, n): candidate p's Bellman targets
                L = torch.zeros(P, M, **TKW)
                for q in range(P):
                    for i in range(M):
                        X = cand[q][s[b, i], a[b, i]]  # (n, k)
                        Xa = torch.cat([X, lam ** 0.5 * torch.eye(3, **TKW)])
                        ya = torch.cat([y[i], torch.zeros(3, **TKW)])
                        w = torch.linalg.lstsq(Xa, ya.unsqueeze(-1)).solution
                        L[q, i] = ((Xa @ w).squeeze(-1) - ya).square().sum()
                expected = L[p].sum() - L.sum(1).min()
                # float32: both sides are differences of ridge losses (sums of ~12 squared residuals of size ~1
                # over P x M fits); the difference of two ~1e1 sums rounded at 2**-24 is good to ~1e-5
                torch.testing.assert_close(agent.excess_steps[b, p, h], expected, rtol=tol(1e-8, 1e-4),
                                           atol=tol(1e-8, 1e-4))


@pytest.mark.statistical
def test_true_candidate_stays_in_the_confidence_set():
    """The tuned selection radius keeps the true candidate in every run at every episode while eliminating wrong
    ones; the same radius 1000 times too small (sel_sigma = 0.75e-3, the negative control, fed the same data)
    must lose the true candidate. The reconstructed theory radius is vacuous at this horizon (it eliminates
    nothing, README), so its coverage holds by construction: that is asserted as such, not as a coverage claim."""
    B, K, P = 6, 150, 8
    env = _env(B=B, M=6, P=P)
    seeds = run_sequences(0, B)
    tuned = GFUCBMDP.for_env(env, episodes=K, seed=seeds, theory=False, beta=1.0, sel_sigma=0.75)
    tiny = GFUCBMDP.for_env(env, episodes=K, seed=seeds, theory=False, beta=1.0, sel_sigma=0.75e-3)
    theory = GFUCBMDP.for_env(env, episodes=K, seed=seeds)  # the reconstructed constants, on the same data
    kept, tiny_covered = [], []

    def check(k):
        assert bool(tuned.kept[:, env.true_index].all()), f"episode {k}"
        tiny_covered.append(bool(tiny.kept[:, env.true_index].all()))
        kept.append(tuned.kept.double().sum(1).mean().item())

    _play(env, [tuned, tiny, theory], K, seeds, check)
    assert kept[-1] < P / 2  # the tuned radius eliminates wrong candidates: its coverage is not vacuous
    assert not all(tiny_covered)  # the negative control: a radius 1000x too small loses the truth
    assert bool(theory.kept.all())  # the theory radius eliminates nothing at this horizon (README)


def test_permuting_tasks_permutes_policies():
    B, M, K = 2, 4, 25
    env = _env(B=B, M=M, P=5)
    seeds = run_sequences(1, B)
    perm = torch.tensor([2, 0, 3, 1])
    a = GFUCBMDP.for_env(env, episodes=K, seed=seeds, theory=False, beta=0.5)
    b = GFUCBMDP.for_env(env, episodes=K, seed=seeds, theory=False, beta=0.5)
    states, _ = env.reset(seed=seeds)
    for k in range(K):
        if k:
            states, _ = env.next_episode()
        a.begin_episode()
        b.begin_episode()
        assert torch.equal(b.policy(), a.policy()[:, perm]), f"episode {k}"
        assert torch.equal(b.chosen, a.chosen)
        for h in range(env.horizon):
            act = a.act(states, h)
            nxt, fb, _, _, _ = env.step(act)
            a.observe(states, act, fb, nxt, h)
            b.observe(states[:, perm], act[:, perm], fb[:, perm], nxt[:, perm], h)
            states = nxt
        a.end_episode()
        b.end_episode()


@pytest.mark.slow
def test_multitask_per_task_regret_is_below_independent_learning():
    B, M, K = 6, 8, 200
    env = _env(B=B, M=M, P=16, n_states=6)
    seeds = run_sequences(0, B)
    regret = {}
    for pool in (True, False):
        agent = GFUCBMDP.for_env(env, episodes=K, seed=seeds, theory=False, beta=1.0, pool_tasks=pool)
        regret[pool] = run_episodes(env, agent, K, seeds, record_at=np.array([K]))["regret"][:, -1]
        regret[(pool, "kept")] = agent.kept.double().sum(1).mean().item()  # per run (and task)
    assert regret[True].mean() < 0.93 * regret[False].mean(), regret
    assert (regret[True] < regret[False]).sum() >= B - 1, regret  # paired over runs (common random numbers)
    assert regret[(True, "kept")] < regret[(False, "kept")]  # pooled evidence eliminates wrong candidates sooner


def test_bad_input():
    env = _env(B=2, M=2, P=3)
    with pytest.raises(RLKitError, match=r"candidates must have shape \(P, S, A, k\) = \(P, 5, 3, k\)"):
        GFUCBMDP.for_env(env, episodes=5, seed=0, candidates=torch.rand(3, 4, 3, 2))
    with pytest.raises(RLKitError, match="candidates must all have the same shape"):
        GFUCBMDP.for_env(env, episodes=5, seed=0, candidates=[torch.rand(5, 3, 2), torch.rand(5, 3, 3)])
    with pytest.raises(RLKitError, match=r"B = 2, got \(3, 3, 5, 3, 3\)"):
        GFUCBMDP.for_env(env, episodes=5, seed=0, candidates=torch.rand(3, 3, 5, 3, 3))
    with pytest.raises(RLKitError, match="task_shape entries must be an integer >= 1, got 0"):
        GFUCBMDP(2, 5, 3, 3, candidates=env.candidates, task_shape=(0,))
    with pytest.raises(RLKitError, match="beta must be None when theory=True"):
        GFUCBMDP.for_env(env, episodes=5, seed=0, beta=1.0)
    with pytest.raises(RLKitError, match="sel_sigma must be > 0"):
        GFUCBMDP.for_env(env, episodes=5, seed=0, theory=False, sel_sigma=0.0)
    with pytest.raises(RLKitError, match="has no `candidates`"):
        GFUCBMDP.for_env(RandomTabularMDP(**TKW, num_envs=2), episodes=5, seed=0)
    with pytest.raises(RLKitError, match="has no `raw`"):
        LSVIUCB.for_env(env, episodes=5, seed=0, features="raw")
