"""Look-ahead rollouts: LinUCB, D-LinUCB and DynLin-UCB asked once per run of identical decisions make the
decisions of the per-round loop (closed-form block index against round-by-round replays, and whole rollouts).

On the test device (tests/conftest.py); float64 only: the comparisons are decision for decision, and float32
rounding of the closed forms against round-by-round updates may flip a near-tie."""

import copy

import numpy as np
import pytest
import torch

from rlkit.agents.bandit_loop import run_bandit
from rlkit.baselines import LinUCB
from rlkit.core.checks import RLKitError
from rlkit.dynlin_ucb.d_linucb import DLinUCB
from rlkit.dynlin_ucb.dynlin_ucb import DynLinUCB
from rlkit.envs.bandits.dynamical_linear_bandit import DynamicalLinearBandit

pytestmark = pytest.mark.float64_only(reason="decision-for-decision comparisons of closed forms and per-round updates")

AGENTS = {
    "linucb-theory": lambda env: LinUCB.for_env(env, rounds=10**4, seed=0, lam=1.0, delta=1e-3),
    "linucb-alpha": lambda env: LinUCB.for_env(env, rounds=10**4, seed=0, theory=False, alpha=0.3),
    "dlinucb-theory": lambda env: DLinUCB.for_env(env, rounds=10**4, seed=0, gamma=0.995, lam=1.0),
    "dlinucb-alpha": lambda env: DLinUCB.for_env(env, rounds=10**4, seed=0, gamma=0.95, theory=False, alpha=0.2),
    "dynlin-theory": lambda env: DynLinUCB.for_env(env, rounds=10**4, seed=0, lam=1.0),
    "dynlin-rounds": lambda env: DynLinUCB.for_env(env, rounds=10**4, seed=0, lam="logT", count="rounds"),
    "dynlin-alpha": lambda env: DynLinUCB.for_env(env, rounds=10**4, seed=0, theory=False, alpha=0.05),
}
PER_ROUND = sorted(k for k in AGENTS if not k.startswith("dynlin"))


def _replayed_switch(agent, contexts, actions, rewards) -> int:
    """First round of the block at which some run would switch, found by updating a copy round by round."""
    clone = copy.deepcopy(agent)
    m = rewards.shape[1]
    for j in range(1, m):
        clone.update(contexts, actions, rewards[:, j - 1])
        if not torch.equal(clone.act(contexts), actions):
            return j
    return m


@pytest.mark.parametrize("name", sorted(AGENTS))
@pytest.mark.parametrize("config", ["synthetic", "advertising"])
def test_keeps_matches_round_by_round_replay(name, config, device):
    env = DynamicalLinearBandit(num_envs=4, config=config, noise=0.05, device=device)
    agent = AGENTS[name](env)
    contexts, _ = env.reset(seed=11)
    kept = []
    for t in range(1000):
        actions = agent.act(contexts)
        if t % 20 == 3:
            peeked = env.peek_held(actions, 48)
            got = agent.keeps(contexts, actions, peeked)
            assert got == _replayed_switch(agent, contexts, actions, peeked)
            kept.append(got)
        _, rewards, _, _, _ = env.step(actions)
        agent.update(contexts, actions, rewards)
    assert len(set(kept)) >= 3  # switches at several offsets were checked, not one trivial case


@pytest.mark.parametrize("name", PER_ROUND)
def test_update_held_equals_unit_updates(name, device):
    env = DynamicalLinearBandit(num_envs=3, config="advertising", noise=0.1, device=device)
    contexts, _ = env.reset(seed=2)
    one, held = AGENTS[name](env), AGENTS[name](env)
    for _ in range(5):  # a common non-trivial state
        a = one.act(contexts)
        _, r, _, _, _ = env.step(a)
        one.update(contexts, a, r)
        held.update(contexts, a, r)
    a = torch.tensor([0, 3, 5], device=device)
    _, R, _, _, _ = env.step_held(a, 37)
    for i in range(37):
        one.update(contexts, a, R[:, i])
    held.update_held(contexts, a, R)
    if isinstance(one, LinUCB):
        pairs = [(one.ridge.theta, held.ridge.theta), (one.ridge.cov.inverse, held.ridge.cov.inverse),
                 (one.ridge.cov.logdet(), held.ridge.cov.logdet()), (one.ridge.b, held.ridge.b)]
    else:
        pairs = [(one.theta, held.theta), (one.V, held.V), (one.Vt, held.Vt), (one._Q, held._Q)]
        assert one.t == held.t == 42 and one.beta() == pytest.approx(held.beta(), rel=1e-14)
    for x, y in pairs:
        assert torch.allclose(x, y, rtol=1e-10, atol=1e-12)
    assert torch.equal(one.act(contexts), held.act(contexts))


class _Counting:
    """Counts an agent's decisions."""

    def __init__(self, agent):
        self.agent, self.decisions = agent, 0
        self.update, self.update_held, self.keeps = agent.update, agent.update_held, agent.keeps
        if hasattr(agent, "hold_length"):
            self.hold_length = agent.hold_length

    def act(self, contexts):
        self.decisions += 1
        return self.agent.act(contexts)


@pytest.mark.parametrize("name", ["linucb-theory", "dlinucb-theory", "dynlin-theory", "dynlin-rounds", "dynlin-alpha"])
@pytest.mark.parametrize("config", ["synthetic", "advertising"])
def test_lookahead_rollout_equals_per_round_rollout(name, config, device):
    T = 3000
    curves, decisions = [], []
    for lookahead in (True, False):
        env = DynamicalLinearBandit(num_envs=4, config=config, noise=0.05, device=device)
        agent = _Counting(AGENTS[name](env))
        curves.append(run_bandit(env, agent, T, seed=5, lookahead=lookahead))
        decisions.append(agent.decisions)
    for term in curves[0]:
        np.testing.assert_allclose(curves[0][term], curves[1][term], rtol=0, atol=1e-9)
    if config == "synthetic" and name in ("linucb-theory", "dlinucb-theory", "dynlin-alpha"):  # these settle
        assert decisions[0] < decisions[1] / 2  # the same decisions, asked far less often


def test_keeps_bad_input_and_rollout_contract(device):
    env = DynamicalLinearBandit(num_envs=2, config="synthetic", device=device)
    agent = LinUCB.for_env(env, rounds=100, seed=0)
    contexts, _ = env.reset(seed=0)
    a = agent.act(contexts)
    with pytest.raises(RLKitError, match="rewards"):
        agent.keeps(contexts, a, torch.zeros(3, 4, dtype=torch.float64, device=device))
    with pytest.raises(RLKitError, match="rewards"):
        agent.update_held(contexts, a, torch.full((2, 4), float("nan"), dtype=torch.float64, device=device))

    class Liar(LinUCB):
        def keeps(self, contexts, actions, rewards):
            return rewards.shape[1] + 1

    with pytest.raises(RLKitError, match=r"keeps must return a round count in \[1, 3\], got 4"):
        run_bandit(env, Liar.for_env(env, rounds=100, seed=0), 50, seed=0)


@pytest.mark.parametrize("name", ["linucb-theory", "linucb-alpha", "dlinucb-theory"])
@pytest.mark.parametrize("B", [1, 4])
def test_lookahead_on_a_fixed_context_linear_bandit(name, B, device):
    """A stationary linear bandit peeks too (``LinearBandit.peek_held``): the same curves as the per-round rollout,
    and LinUCB, once settled, is asked in a fraction of the rounds (every run must keep its arm: more runs, more
    asks)."""
    from rlkit.envs import LinearBandit

    T = 4000
    curves, decisions = [], []
    for lookahead in (True, False):
        env = LinearBandit(B, n_arms=8, dim=4, sigma=0.1, device=device)
        agent = _Counting(AGENTS[name](env))
        curves.append(run_bandit(env, agent, T, seed=3, lookahead=lookahead))
        decisions.append(agent.decisions)
    np.testing.assert_allclose(curves[0]["regret"], curves[1]["regret"], rtol=0, atol=1e-9)
    assert decisions[1] == T
    if name.startswith("linucb"):
        assert decisions[0] < (T / 4 if B == 1 else T / 2)
