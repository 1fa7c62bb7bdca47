"""Invariants of the dynamical linear bandit: Markov parameter, optimum, transients, held steps, CRN, errors (batched
environments on the test device and dtype, see tests/conftest.py)."""

import itertools

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import rlkit.envs  # noqa: F401  (registers the environments)
from rlkit.core.checks import RLKitError
from rlkit.envs.bandits.dynamical_linear_bandit import (
    ADVERTISING_EXPERT_SPEND,
    DynamicalLinearBandit,
    budget_allocation,
    permutation_actions,
    phi_constant,
)
from tests.reference import reference


def test_synthetic_markov_parameter_optimum_and_constants(tkw, tol):
    env = DynamicalLinearBandit.synthetic(**tkw)
    # Paper's numbers: h = (0.5625, 0.5, 1/9), u* = (1, .5, 0), J* = 0.8125, runner-up 0.78125, rho = 0.2, Phi = 1.
    assert torch.allclose(env.markov_parameter, torch.tensor([0.5625, 0.5, 1 / 9], **tkw))
    assert env.optimal_action.tolist() == [1.0, 0.5, 0.0]
    assert env.optimal_value == pytest.approx(0.8125, abs=1e-12)
    values = sorted((env.action_set @ env.markov_parameter).tolist(), reverse=True)
    assert values[1] == pytest.approx(0.78125, abs=tol(1e-12, 1e-6))
    assert env.value(torch.tensor([0.0, 1.0, 0.5], **tkw)).item() == pytest.approx(0.5 + 0.5 / 9, rel=tol(1e-12, 1e-6))
    assert env.spectral_radius == pytest.approx(0.2)
    assert env.phi_constant == pytest.approx(1.0)


def test_advertising_markov_parameter_matches_closed_form():
    env = DynamicalLinearBandit.advertising()
    A, B, C, D = (np.asarray(env.A_np), env.B_np, None, None)
    from rlkit.envs.bandits.dynamical_linear_bandit import ADVERTISING

    C, D = np.asarray(ADVERTISING["C"]), np.asarray(ADVERTISING["D"])
    h = np.ones(3) @ (D + C @ np.linalg.inv(np.eye(3) - A) @ B)  # the MIMO Markov parameter, summed outputs
    assert np.allclose(env.markov_parameter.numpy(), h, atol=1e-14)
    ref = reference("dynlin_ucb", "advertising")  # four-digit values with their source (tests/data/dynlin_ucb)
    assert np.allclose(h, ref["markov_parameter_h"], atol=5e-5)
    assert env.optimal_action.tolist() == ref["optimal_action"]
    J = {u: float(h @ np.array(u)) for u in set(itertools.permutations((1.0, 0.5, 0.0)))}  # exact, closed form
    assert env.optimal_value == pytest.approx(max(J.values()), rel=1e-12)
    assert env.optimal_value == pytest.approx(ref["optimal_value"], abs=5e-5)
    assert env.spectral_radius == pytest.approx(np.abs(np.linalg.eigvals(A)).max())
    assert env.spectral_radius == pytest.approx(ref["spectral_radius"], abs=5e-4)
    assert env.phi_constant == pytest.approx(ref["phi_constant"], abs=0.01)
    expert = budget_allocation(ADVERTISING_EXPERT_SPEND)
    assert np.allclose(expert, ref["expert_allocation"], atol=5e-4) and expert.sum() == pytest.approx(1.5)
    gap = env.optimal_value - env.value(torch.as_tensor(expert)).item()
    assert gap == pytest.approx(ref["expert_gap_per_round"], abs=5e-4)
    assert gap == pytest.approx(max(J.values()) - float(h @ expert), rel=1e-9)


def test_action_set_is_the_six_allocations():
    U = permutation_actions()
    assert U.shape == (6, 3)
    assert {tuple(u) for u in U} == {(1, 0.5, 0), (1, 0, 0.5), (0.5, 1, 0), (0.5, 0, 1), (0, 1, 0.5), (0, 0.5, 1)}


@pytest.mark.parametrize("config", ["synthetic", "advertising"])
def test_zero_noise_reward_converges_geometrically_to_steady_state(config, tkw, tol):
    env = DynamicalLinearBandit(num_envs=6, config=config, noise=0.0, **tkw)
    env.reset(seed=0)
    arms = torch.arange(6, device=tkw["device"])
    target = env.action_set @ env.markov_parameter
    gaps = []
    for _ in range(120):
        _, r, _, _, info = env.step(arms)
        assert torch.equal(r, info["expected_reward"])
        gaps.append((r - target).abs().max().item())
    rho, phi = env.spectral_radius, env.phi_constant
    scale = gaps[0] + 1.0
    for t in (10, 40, 119):  # |y_t - <h, u>| <= const * Phi * rho^t once the state starts at 0
        assert gaps[t] <= 10 * phi * scale * rho ** (t - 1) + tol(1e-14, 1e-6)
    assert gaps[-1] < tol(1e-12, 1e-6)


def test_b_zero_is_a_plain_linear_bandit_with_h_theta(tkw, tol):
    A = [[0.5, 0.1], [0.0, 0.3]]
    kw = dict(config=None, A=A, B=np.zeros((2, 3)), omega=[1.0, -2.0], theta=[0.3, -0.1, 0.7],
              actions=np.eye(3), noise=0.1, num_envs=4, **tkw)
    env = DynamicalLinearBandit(**kw)
    assert torch.allclose(env.markov_parameter, torch.tensor([0.3, -0.1, 0.7], **tkw))
    # Rewards minus <theta, u> do not depend on the actions: the state is pure noise.
    out = []
    for arms in (torch.tensor([0, 1, 2, 0]), torch.tensor([2, 2, 1, 1])):
        env.reset(seed=3)
        res = [env.step(arms) for _ in range(50)]
        theta_u = env.action_set[arms.to(tkw["device"])] @ torch.tensor([0.3, -0.1, 0.7], **tkw)
        out.append(torch.stack([r - theta_u for _, r, _, _, _ in res]))
    assert torch.allclose(out[0], out[1], atol=tol(1e-14, 1e-6))


@pytest.mark.parametrize("config", ["synthetic", "advertising"])
def test_held_steps_equal_single_steps_across_noise_blocks(config, tkw, tol):
    a = torch.tensor([0, 3, 5], device=tkw["device"])
    one = DynamicalLinearBandit(num_envs=3, config=config, **tkw)
    held = DynamicalLinearBandit(num_envs=3, config=config, **tkw)
    one.reset(seed=7)
    held.reset(seed=7)
    steps = [one.step(a) for _ in range(700)]
    r1 = torch.stack([s[1] for s in steps], 1)
    m1 = torch.stack([s[4]["expected_reward"] for s in steps], 1)
    parts = [held.step_held(a, n) for n in (1, 37, 3, 300, 359)]
    r2 = torch.cat([p[1] for p in parts], 1)
    m2 = torch.cat([p[4]["expected_reward"] for p in parts], 1)
    assert held.t == one.t == 700
    at = tol(1e-13, 1e-5)
    assert torch.allclose(r1, r2, atol=at) and torch.allclose(m1, m2, atol=at)
    assert torch.allclose(one._x, held._x, atol=at)
    s2 = torch.cat([p[4]["steady_state_reward"] for p in parts], 1)
    assert torch.equal(s2, (held.action_set[a] @ held.markov_parameter).unsqueeze(1).expand(-1, 700))


@pytest.mark.parametrize("start", [0, 100, 250])
def test_peek_held_looks_ahead_without_moving(start, tkw, tol):
    """Peeked rewards are those the next rounds then produce; the state, round and noise stay put, and a
    peek stops at the end of the current noise block (256 rounds)."""
    env = DynamicalLinearBandit(num_envs=3, config="advertising", noise=0.1, **tkw)
    env.reset(seed=4)
    if start:
        env.step_held(torch.tensor([1, 2, 3]), start)
    a = torch.tensor([0, 4, 5], device=tkw["device"])
    x, t = env._x.clone(), env.t
    peeked = env.peek_held(a, 40)
    again = env.peek_held(env.action_set[a], 300)  # action vectors; clipped at the block end
    assert env.t == t and torch.equal(env._x, x)
    assert peeked.shape == (3, min(40, 256 - start)) and again.shape == (3, 256 - start)
    torch.testing.assert_close(again[:, : peeked.shape[1]], peeked, rtol=0, atol=tol(1e-13, 1e-5))
    steps = torch.stack([env.step(a)[1] for _ in range(peeked.shape[1])], 1)
    torch.testing.assert_close(steps, peeked, rtol=0, atol=tol(1e-13, 1e-5))


def test_action_vectors_equal_their_arm_indices(tkw, tol):
    env_i, env_v = DynamicalLinearBandit(num_envs=2, **tkw), DynamicalLinearBandit(num_envs=2, **tkw)
    env_i.reset(seed=1)
    env_v.reset(seed=1)
    a = torch.tensor([2, 4])
    for _ in range(5):
        _, ri, _, _, ii = env_i.step(a)
        _, rv, _, _, iv = env_v.step(env_v.action_set[a])
        assert torch.allclose(ri, rv, atol=tol(1e-15, 1e-6))
        assert torch.allclose(ii["steady_state_reward"], iv["steady_state_reward"], atol=tol(1e-15, 1e-6))


def test_common_random_numbers_and_determinism(tkw, tol):
    """Run i's noise depends on (seed, i) only: not on the actions played nor on the batch it sits in."""
    def noise(env, arms, T=300):
        out = []
        for _ in range(T):
            _, r, _, _, info = env.step(arms)
            out.append(r - info["expected_reward"])
        return torch.stack(out, 1)

    big = DynamicalLinearBandit(num_envs=4, config="advertising", **tkw)
    big.reset(seed=11)
    n_big = noise(big, torch.tensor([0, 1, 2, 3]))
    other = DynamicalLinearBandit(num_envs=4, config="advertising", **tkw)
    other.reset(seed=11)
    assert torch.allclose(n_big, noise(other, torch.tensor([5, 5, 4, 0])), rtol=0, atol=tol(1e-15, 1e-6))  # same noise
    from rlkit.core.seeding import run_sequences

    alone = DynamicalLinearBandit(num_envs=1, config="advertising", **tkw)
    alone.reset(seed=run_sequences(11, [2]))
    assert torch.equal(n_big[2:3], noise(alone, torch.tensor([2])))
    again = DynamicalLinearBandit(num_envs=4, config="advertising", **tkw)
    again.reset(seed=11)
    assert torch.equal(n_big, noise(again, torch.tensor([0, 1, 2, 3])))


def test_regret_terms_and_pseudo_regret_nonnegative(tkw):
    env = DynamicalLinearBandit(num_envs=3, config="advertising", **tkw)
    env.reset(seed=0)
    g = torch.Generator().manual_seed(0)
    for _ in range(100):
        _, r, _, _, info = env.step(torch.randint(0, 6, (3,), generator=g))
        assert bool((info["optimal_expected_reward"] >= info["steady_state_reward"] - 1e-6).all())
    assert set(env.regret_terms) == {"regret", "realised_regret", "steady_state_regret"}
    assert env.regret_terms["realised_regret"] == ("optimal_expected_reward", "reward")


@pytest.mark.cpu_only(reason="gymnasium's check_env runs the single-instance view, numpy in and out")
def test_gymnasium_single_and_vector_envs():
    env = gym.make("rlkit/DynamicalLinearBandit-v0", config="advertising")
    check_env(env.unwrapped, skip_render_check=True)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (6, 3)
    _, r, term, trunc, info = env.step(1)
    assert isinstance(r, float) and not term and not trunc
    from rlkit.envs.bandits.dynamical_linear_bandit import ADVERTISING

    A, B, C, D = (np.asarray(ADVERTISING[k]) for k in "ABCD")
    h = np.ones(3) @ (D + C @ np.linalg.inv(np.eye(3) - A) @ B)
    assert info["optimal_expected_reward"] == pytest.approx(float(h @ np.array([1.0, 0.0, 0.5])), rel=1e-12)
    vec = gym.make_vec("rlkit/DynamicalLinearBandit-v0", num_envs=5, vectorization_mode="vector_entry_point")
    obs, _ = vec.reset(seed=0)
    assert obs.shape == (5, 6, 3)


def test_phi_constant_of_a_non_normal_matrix():
    A = np.array([[0.5, 1.0], [0.0, 0.5]])  # A^k = 0.5^k [[1, 2k], [0, 1]]: Phi = sup_k ||[[1, 2k], [0, 1]]||
    norms = [np.linalg.norm(np.array([[1, 2 * k], [0, 1]]) * 1.0, 2) for k in range(3)]
    assert phi_constant(A, horizon=2) == pytest.approx(max(norms))
    assert phi_constant(np.zeros((2, 2))) == 1.0


def test_bad_input():
    with pytest.raises(RLKitError, match=r"stable .*rho\(A\) = 1"):
        DynamicalLinearBandit(config=None, A=[[1.0]], B=[[1.0, 0.0]], omega=[1.0], theta=[0.0, 1.0],
                              actions=np.eye(2))
    with pytest.raises(RLKitError, match="spectral radius"):  # a complex pair of modulus > 1
        DynamicalLinearBandit(config=None, A=[[0.0, -1.1], [1.1, 0.0]], B=np.eye(2), omega=[1, 0], theta=[0, 0],
                              actions=np.eye(2))
    with pytest.raises(RLKitError, match=r"B must have shape \(2, 3\)"):
        DynamicalLinearBandit(config=None, A=np.eye(2) * 0.5, B=np.eye(2), omega=[1, 0], theta=[0, 0, 0],
                              actions=np.eye(3))
    with pytest.raises(RLKitError, match=r"theta must have shape \(3,\)"):
        DynamicalLinearBandit(config=None, A=np.eye(2) * 0.5, B=np.ones((2, 3)), omega=[1, 0], theta=[0, 0],
                              actions=np.eye(3))
    with pytest.raises(RLKitError, match="A must be a square"):
        DynamicalLinearBandit(config=None, A=np.ones((2, 3)), B=np.ones((2, 3)), omega=[1, 0], theta=[0, 0, 0])
    with pytest.raises(RLKitError, match="either omega and theta"):
        DynamicalLinearBandit(config=None, A=np.eye(2) * 0.5, B=np.ones((2, 3)), omega=[1, 0], D=np.ones((1, 3)))
    with pytest.raises(RLKitError, match="config"):
        DynamicalLinearBandit(config="nope")
    env = DynamicalLinearBandit(num_envs=2)
    env.reset(seed=0)
    with pytest.raises(RLKitError, match=r"actions must have shape \(2,\)"):
        env.step(torch.tensor([0, 1, 2]))
    with pytest.raises(RLKitError, match=r"action vectors must have shape \(2, 3\)"):
        env.step(torch.ones(2, 4, dtype=torch.float64))
