"""Multitask bandits (GFUCB setting): gymnasium contracts, exact per-task info, the digits rule, bad input."""

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env
from sklearn.datasets import load_digits

import rlkit.envs  # noqa: F401
from rlkit.agents.bandit_loop import run_bandit
from rlkit.core.checks import RLKitError
from rlkit.envs import MultitaskDigitsBandit, MultitaskRepresentationBandit
from tests.placement import TKW, tol

pytestmark = pytest.mark.usefixtures("single_thread")  # small tensors: one torch thread

IDS = ["rlkit/MultitaskRepresentationBandit-v0", "rlkit/MultitaskDigitsBandit-v0"]


def make(env_id, B, **kw):
    return gym.make_vec(env_id, num_envs=B, vectorization_mode="vector_entry_point", **TKW, **kw)


@pytest.mark.parametrize("env_id", IDS)
def test_single_instance_passes_check_env(env_id):
    env = gym.make(env_id, n_tasks=3, n_arms=4)
    check_env(env.unwrapped, skip_render_check=True)
    obs, _ = env.reset(seed=2)
    assert obs.shape == (3, 4, env.unwrapped.inner.dim)
    _, r, term, trunc, info = env.step(np.array([0, 1, 3]))
    assert isinstance(r, float) and not term and not trunc
    assert info["task_rewards"].shape == (3,) and r == pytest.approx(info["task_rewards"].mean())
    assert np.all(info["optimal_expected_reward"] >= info["expected_reward"])


@pytest.mark.parametrize("representation", ["mlp", "linear"])
def test_rewards_are_the_true_heads_on_the_true_representation(representation):
    env = make(IDS[0], 6, n_tasks=4, n_arms=5, dim=8, rep_dim=3, representation=representation, sigma=0.0)
    assert isinstance(env, MultitaskRepresentationBandit)
    ctx, _ = env.reset(seed=1)
    assert ctx.shape == (6, 4, 5, 8)
    assert torch.allclose(ctx.norm(dim=-1), torch.ones(6, 4, 5, **TKW))
    assert torch.allclose(env.theta.norm(dim=-1), torch.ones(6, 4, **TKW))
    all_phi = env.representation_class(ctx)  # (B, P, M, K, k): the class the learner is given
    assert all_phi.shape == (6, 16, 4, 5, 3) and bool((all_phi.norm(dim=-1) <= 1 + tol(1e-12, 1e-6)).all())
    phi = all_phi[torch.arange(6), env.true_index]
    if representation == "linear":  # phi*(x) = B^T x with orthonormal B
        maps = env.representation_class.maps[torch.arange(6), env.true_index]
        # float32: B^T B sums 8 products of size <= 1
        assert torch.allclose(maps.transpose(-1, -2) @ maps, torch.eye(3, **TKW).expand(6, 3, 3),
                              atol=tol(1e-8, 1e-6))
        assert torch.allclose(phi, torch.einsum("bmkp,bpr->bmkr", ctx, maps))
    means = torch.einsum("bmkr,bmr->bmk", phi, env.theta)
    actions = torch.randint(0, 5, (6, 4), generator=torch.Generator().manual_seed(0))
    _, r, _, _, info = env.step(actions)
    assert torch.allclose(info["expected_reward"], means.gather(-1, actions.unsqueeze(-1)).squeeze(-1))
    assert torch.allclose(info["optimal_expected_reward"], means.max(-1).values)
    assert torch.allclose(r, info["expected_reward"])  # sigma = 0


def test_presets_and_explicit_arguments():
    env = make(IDS[0], 1, preset="figure")
    assert (env.n_tasks, env.n_arms, env.dim, env.rep_dim, env.n_candidates) == (10, 10, 10, 4, 16)
    env = make(IDS[0], 1, preset="linear", n_tasks=7)
    assert (env.n_tasks, env.dim, env.rep_dim, env.representation) == (7, 20, 3, "linear")
    assert env.theory_params()["log_N_phi"] == pytest.approx(np.log(16))


@pytest.mark.parametrize("rule", ["subset", "uniform"])
def test_digits_rewards_follow_the_rule(rule):
    env = make(IDS[1], 5, n_tasks=3, n_arms=6, rule=rule, sigma=0.0)
    assert isinstance(env, MultitaskDigitsBandit)
    ctx, _ = env.reset(seed=3)
    digits = load_digits()
    pixels = digits.data / np.linalg.norm(digits.data, axis=1, keepdims=True)
    # every context is a real image of the dataset with the label the environment reports
    flat = ctx.reshape(-1, 64).numpy()
    idx = np.abs(flat[:, None, :] - pixels[None, :, :]).sum(-1).argmin(1)  # the dataset image each context is
    assert np.allclose(pixels[idx], flat) and np.all(digits.target[idx] == env.labels.reshape(-1).numpy())
    theta = env.theta
    if rule == "subset":  # each task rewards exactly five of the ten digits
        assert bool(((theta == 0) | (theta == 1)).all()) and bool((theta.sum(-1) == 5).all())
    else:
        assert bool(((theta >= 0) & (theta <= 1)).all())
    labels = env.labels.clone()
    actions = torch.randint(0, 6, (5, 3), generator=torch.Generator().manual_seed(1))
    _, r, _, _, info = env.step(actions)
    played = labels.gather(-1, actions.unsqueeze(-1)).squeeze(-1)  # digit of each played image
    assert torch.equal(r, theta.gather(-1, played.unsqueeze(-1)).squeeze(-1))  # reward = theta_i[label]
    assert torch.equal(info["optimal_expected_reward"], theta.gather(-1, labels).max(-1).values)


def test_common_random_numbers_across_agents():
    a, b = make(IDS[0], 4, sigma=0.3), make(IDS[0], 4, sigma=0.3)
    ca, _ = a.reset(seed=5)
    cb, _ = b.reset(seed=5)
    assert torch.equal(ca, cb)
    for t in range(20):
        _, ra, _, _, ia = a.step(torch.zeros(4, 5, dtype=torch.long))
        _, rb, _, _, ib = b.step(torch.full((4, 5), t % 10))
        assert torch.allclose(ra - ia["expected_reward"], rb - ib["expected_reward"])  # same noise
    assert torch.equal(a.step(torch.zeros(4, 5, dtype=torch.long))[0], b.step(torch.zeros(4, 5, dtype=torch.long))[0])


def test_rollout_records_regret_per_task():
    class Fixed:  # always plays action 0
        def act(self, contexts):
            return torch.zeros(contexts.shape[:2], dtype=torch.long)

        def update(self, *args):
            pass

    env = make(IDS[0], 3, n_tasks=4, sigma=0.0)
    out = run_bandit(env, Fixed(), 30, seed=2, record_at=np.arange(1, 31))["regret_per_task"]
    ref = make(IDS[0], 3, n_tasks=4, sigma=0.0)
    ref.reset(seed=2)
    gaps = []
    for _ in range(30):
        _, _, _, _, info = ref.step(torch.zeros(3, 4, dtype=torch.long))
        gaps.append(info["optimal_expected_reward"] - info["expected_reward"])  # (B, M)
    expected = torch.stack(gaps).cumsum(0).mean(-1).T.numpy()  # total over tasks / M
    assert np.allclose(out, expected)


def test_bad_input():
    with pytest.raises(RLKitError, match="n_tasks must be an integer >= 1, got 0"):
        make(IDS[0], 2, n_tasks=0)
    with pytest.raises(RLKitError, match="rep_dim must be <= dim"):
        make(IDS[0], 2, representation="linear", dim=3, rep_dim=5)
    with pytest.raises(RLKitError, match="preset must be one of"):
        make(IDS[0], 2, preset="nope")
    env = make(IDS[1], 2, n_tasks=3)
    env.reset(seed=0)
    with pytest.raises(RLKitError, match=r"actions must have shape \(2, 3\), got \(2,\)"):
        env.step(torch.zeros(2, dtype=torch.long))
    with pytest.raises(RLKitError, match=r"actions must be integers in \[0, 10\)"):
        env.step(torch.full((2, 3), 10))
