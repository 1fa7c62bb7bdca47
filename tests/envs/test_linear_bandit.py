"""LinearBandit: gymnasium contracts, the oracle's view in info, common random numbers (batched ones on the test
device and dtype, see tests/conftest.py)."""

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import rlkit.envs  # noqa: F401
from rlkit.core.checks import RLKitError
from rlkit.core.seeding import run_sequences
from rlkit.envs import LinearBandit


def make(B, **kw):
    return gym.make_vec("rlkit/LinearBandit-v0", num_envs=B, vectorization_mode="vector_entry_point", **kw)


@pytest.mark.cpu_only(reason="the single-instance gymnasium view is numpy in and out")
@pytest.mark.parametrize("contexts", ["fixed", "resample"])
def test_single_instance_passes_check_env(contexts):
    env = gym.make("rlkit/LinearBandit-v0", n_arms=5, dim=3, contexts=contexts)
    check_env(env.unwrapped, skip_render_check=True)
    obs, _ = env.reset(seed=3)
    assert obs.shape == (5, 3) and obs.dtype == np.float64
    _, r, term, trunc, info = env.step(2)
    assert isinstance(r, float) and not term and not trunc
    assert info["optimal_expected_reward"] >= info["expected_reward"]


def test_make_vec_gives_the_natively_batched_env(tkw):
    env = make(8, n_arms=6, dim=4, **tkw)
    assert isinstance(env, LinearBandit) and env.num_envs == 8
    obs, _ = env.reset(seed=0)
    assert obs.shape == (8, 6, 4) and obs.device.type == tkw["device"].type and obs.dtype == tkw["dtype"]
    _, r, term, _, info = env.step(torch.zeros(8, dtype=torch.long, device=tkw["device"]))
    assert r.device.type == term.device.type == info["expected_reward"].device.type == tkw["device"].type


def test_instance_and_info_are_exact(tkw, tol):
    env = make(16, n_arms=7, dim=5, S=2.0, L=0.5, sigma=0.0, **tkw)
    ctx, _ = env.reset(seed=1)
    assert torch.allclose(env.theta.norm(dim=-1), torch.full((16,), 2.0, **tkw), rtol=tol(1e-5, 1e-5))
    assert torch.allclose(ctx.norm(dim=-1), torch.full((16, 7), 0.5, **tkw), rtol=tol(1e-5, 1e-5))
    actions = torch.arange(16, device=tkw["device"]) % 7
    _, r, _, _, info = env.step(actions)
    means = torch.einsum("bkd,bd->bk", ctx, env.theta)
    assert torch.allclose(info["expected_reward"], means[torch.arange(16, device=tkw["device"]), actions])
    assert torch.allclose(info["optimal_expected_reward"], means.max(-1).values)
    assert torch.allclose(r, info["expected_reward"])  # sigma = 0


def test_noise_level_and_common_random_numbers(tkw):
    a, b = make(64, sigma=0.3, **tkw), make(64, sigma=0.3, **tkw)
    a.reset(seed=5)
    b.reset(seed=5)
    noise_a, noise_b = [], []
    for t in range(200):
        _, ra, _, _, ia = a.step(torch.zeros(64, dtype=torch.long, device=tkw["device"]))
        _, rb, _, _, ib = b.step(torch.full((64,), t % 20, device=tkw["device"]))  # a different "agent"
        noise_a.append(ra - ia["expected_reward"])
        noise_b.append(rb - ib["expected_reward"])
    na, nb = torch.stack(noise_a), torch.stack(noise_b)
    assert torch.allclose(na, nb, atol=1e-15 if tkw["dtype"] == torch.float64 else 1e-6)  # whatever the actions
    assert abs(float(na.std()) - 0.3) < 0.01


def test_a_run_is_the_same_in_any_batch(tkw):
    big, alone = make(6, contexts="resample", **tkw), make(1, contexts="resample", **tkw)
    big.reset(seed=run_sequences(9, range(6)))
    alone.reset(seed=run_sequences(9, [4]))
    for _ in range(20):
        ob, rb, *_ = big.step(torch.ones(6, dtype=torch.long, device=tkw["device"]))
        oa, ra, *_ = alone.step(torch.ones(1, dtype=torch.long, device=tkw["device"]))
        assert torch.equal(ob[4:5], oa) and torch.equal(rb[4:5], ra)


def test_instance_seed_shares_the_instance_not_the_noise(tkw):
    env = make(3, instance_seed=11, **tkw)
    env.reset(seed=0)
    assert torch.equal(env.theta[0], env.theta[2])
    _, r, _, _, info = env.step(torch.zeros(3, dtype=torch.long, device=tkw["device"]))
    assert not torch.equal(r - info["expected_reward"], (r - info["expected_reward"])[[1, 2, 0]])


def test_bad_input():
    env = make(2)
    with pytest.raises(RLKitError, match="reset"):
        env.step(torch.zeros(2, dtype=torch.long))
    env.reset(seed=0)
    with pytest.raises(RLKitError, match=r"actions must have shape \(2\)"):
        env.step(torch.zeros(3, dtype=torch.long))
    with pytest.raises(RLKitError, match="contexts must be one of"):
        make(2, contexts="sometimes")
    with pytest.raises(RLKitError, match="S must be > 0"):
        make(2, S=0)
    single = gym.make("rlkit/LinearBandit-v0", n_arms=3)
    single.reset(seed=0)
    with pytest.raises(RLKitError, match="action must be an integer in"):
        single.unwrapped.step(7)


def test_held_rounds_are_exactly_the_plain_steps(tkw):
    """``step_held(a, n)`` returns bit for bit what ``n`` steps of ``a`` return (rewards, info), across noise blocks
    (1024 rounds), and ``peek_held`` shows those rewards without moving the environment."""
    held, plain = make(3, n_arms=6, dim=4, sigma=0.2, **tkw), make(3, n_arms=6, dim=4, sigma=0.2, **tkw)
    held.reset(seed=4)
    plain.reset(seed=4)
    a = torch.tensor([0, 5, 2], device=tkw["device"])
    for n in (1, 700, 400, 2000, 3):
        peeked = held.peek_held(a, n)
        assert peeked.shape == (3, min(n, 1024 - held.t % 1024))
        assert torch.equal(held.peek_held(a, n), peeked)  # peeking twice: the same, nothing moved
        _, R, term, _, info = held.step_held(a, n)
        steps = [plain.step(a) for _ in range(n)]
        assert torch.equal(R, torch.stack([s[1] for s in steps], 1)) and torch.equal(R[:, : peeked.shape[1]], peeked)
        for key in ("expected_reward", "optimal_expected_reward"):
            assert torch.equal(info[key], torch.stack([s[4][key] for s in steps], 1))
        assert not term.any() and held.t == plain.t
    with pytest.raises(RLKitError, match=r"actions must be arm indices in \[0, 6\), got values 0..6"):
        held.step_held(torch.tensor([0, 6, 1], device=tkw["device"]), 4)
    with pytest.raises(RLKitError, match="n must be"):
        held.peek_held(a, 0)
    assert make(2, contexts="resample").peek_held is None  # contexts change every round: nothing to hold
    with pytest.raises(RLKitError, match="reset"):
        make(2).step_held(torch.zeros(2, dtype=torch.long), 3)
