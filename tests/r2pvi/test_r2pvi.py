"""R2PVI and its baselines on the shared linear value iteration: identities, invariants, determinism, learning."""

import pytest
import torch

from rlkit.agents.offline_evaluation import exact_return
from rlkit.baselines import PEVI
from rlkit.core.checks import RLKitError
from rlkit.envs import AmericanPutOption, Dataset, RobustLinearMDP, collect
from rlkit.r2pvi import DRPVI, DRVI_L, R2PVI
from tests.placement import TKW


@pytest.fixture(scope="module")
def lin_data():
    return collect(RobustLinearMDP(**TKW), "uniform", 100, seed=3, replications=4)


@pytest.fixture(scope="module")
def put_data():
    return collect(AmericanPutOption(**TKW, d=12), "constant:0", 60, seed=3, replications=2)


AGENTS = [PEVI(beta=1.0, gamma=0.1, **TKW), R2PVI("tv", 0.1, beta=1.0, gamma=0.1, **TKW),
          R2PVI("kl", 0.1, beta=1.0, gamma=0.1, **TKW), R2PVI("chi2", 0.1, beta=1.0, gamma=0.1, **TKW),
          DRPVI(rho=0.3, beta=1.0, gamma=0.1, **TKW),
          DRVI_L(rho=0.3, beta=1.0, gamma=0.1, **TKW)]


@pytest.mark.parametrize("penalty", ["paper", "l2", "elliptical"])
def test_r2pvi_tv_equals_pevi_when_lam_at_least_H(lin_data, penalty):
    H = lin_data.horizon
    a = R2PVI("tv", lam=float(H), beta=0.7, gamma=0.1, penalty=penalty, **TKW).fit(lin_data)
    b = PEVI(beta=0.7, gamma=0.1, penalty=penalty, **TKW).fit(lin_data)
    assert torch.allclose(a.w, b.w, atol=1e-12)


@pytest.mark.parametrize("agent", AGENTS, ids=lambda a: f"{type(a).__name__}-{getattr(a, 'divergence', '')}")
@pytest.mark.parametrize("data", ["lin_data", "put_data"])
def test_penalty_nonnegative_and_q_within_bounds(agent, data, request):
    ds = request.getfixturevalue(data)
    pol = agent.fit(ds)
    env = ds.env
    H = ds.horizon
    for h in range(H):
        obs = ds.states[:, :, h]
        phi = env.phi(obs)
        assert bool((pol.bonus(phi, h) >= 0).all())
        q = pol.q_values(obs, h)
        learned = torch.isnan(env.stop_reward(obs))
        assert bool((q[learned] <= H - h + 1e-12).all()) and bool((q[learned] >= 0).all())


def test_paper_penalty_dominates_l2_and_shrinks_with_data():
    env = RobustLinearMDP(**TKW)
    small, large = (collect(env, "uniform", n, seed=0) for n in (50, 800))
    phi = env.phi(env.all_states()).unsqueeze(0)  # (1, S, A, d)
    pols = {k: R2PVI("tv", 0.1, beta=1.0, gamma=0.1, penalty=k, **TKW) for k in ("paper", "l2")}
    for h in range(env.horizon):
        p_small = pols["paper"].fit(small).bonus(phi, h)
        assert bool((p_small >= pols["l2"].fit(small).bonus(phi, h) - 1e-12).all())
    big = collect(env, "uniform", 800, seed=0)
    half = Dataset(big.states[:, :400], big.actions[:, :400], big.rewards[:, :400], env)
    pol_half, pol_full = pols["paper"].fit(half), pols["paper"].fit(big)
    for h in range(env.horizon):
        assert bool((pol_full.bonus(phi, h) <= pol_half.bonus(phi, h) + 1e-12).all())  # Gamma shrinks as data grows


def test_determinism_and_replications_are_chunk_invariant():
    env = RobustLinearMDP(**TKW)
    a = collect(env, "uniform", 50, seed=11, replications=6)
    b = collect(env, "uniform", 50, seed=11, replications=6)
    c = collect(env, "uniform", 50, seed=11, replications=range(3, 6))
    assert torch.equal(a.states, b.states) and torch.equal(a.states[3:], c.states)
    for agent in AGENTS:
        wa, wc = agent.fit(a).w, agent.fit(c).w
        assert torch.equal(wa, agent.fit(b).w)
        assert torch.allclose(wa[3:], wc, atol=1e-12, rtol=0)


def test_theory_beta_is_used():
    data = collect(RobustLinearMDP(**TKW), "uniform", 30, seed=0)
    pol = R2PVI("tv", 0.1, theory=True, **TKW).fit(data)
    assert pol.beta == pytest.approx(16 * 3 * 4 * (torch.log(torch.tensor(2.0 * 4 * 3 * 30 / 0.05))).sqrt().item())


def test_r2pvi_tv_beats_pevi_at_q1_and_pevi_wins_at_q0():
    """Seeded learning test (20 replications, exact evaluation): robustness pays under the shift, costs without it."""
    data = collect(RobustLinearMDP(**TKW), "uniform", 100, seed=2024, replications=20)
    tv = R2PVI("tv", 0.1, beta=1.0, gamma=0.1, **TKW).fit(data)
    pevi = PEVI(beta=1.0, gamma=0.1, **TKW).fit(data)
    r_tv1, r_pe1 = exact_return(RobustLinearMDP(1.0), tv), exact_return(RobustLinearMDP(1.0), pevi)
    r_tv0, r_pe0 = exact_return(RobustLinearMDP(0.0), tv), exact_return(RobustLinearMDP(0.0), pevi)
    diff1 = r_tv1 - r_pe1
    assert diff1.mean() > 4 * diff1.std() / 20 ** 0.5 and diff1.mean() > 0.2
    assert (r_pe0 - r_tv0).mean() > 0.1


def test_bad_input():
    env = RobustLinearMDP(**TKW)
    with pytest.raises(RLKitError, match="lam"):
        R2PVI("tv", lam=0.0, **TKW)
    with pytest.raises(RLKitError, match="lam"):
        R2PVI("kl", lam=-1.0, **TKW)
    with pytest.raises(RLKitError, match="divergence"):
        R2PVI("hellinger", **TKW)
    with pytest.raises(RLKitError, match="gamma"):
        PEVI(gamma=0.0, **TKW)
    with pytest.raises(RLKitError, match="at least one trajectory"):
        empty = torch.zeros(1, 0, 3, dtype=torch.long)
        Dataset(torch.zeros(1, 0, 4, dtype=torch.long), empty, empty.double(), env)
    data = collect(env, "uniform", 10, seed=0)
    with pytest.raises(RLKitError, match="horizon"):
        Dataset(data.states[:, :, :3], data.actions[:, :, :2], data.rewards[:, :, :2], env)
    with pytest.raises(RLKitError, match="rho"):
        DRPVI(rho=[0.1, 0.2], **TKW).fit(data)


def test_features_off_the_simplex_name_state_and_action():
    class Broken(RobustLinearMDP):
        def phi(self, states):
            f = super().phi(states).clone()
            f[..., 5, :] *= 1.5  # action 5 leaves the simplex in every state
            return f

    env = Broken()
    data = collect(env, "constant:5", 4, seed=0)
    with pytest.raises(RLKitError, match=r"simplex.*state x1, action 5"):
        R2PVI("tv", **TKW).fit(data)
