"""The batched PPO trainer: run i of a batch equals run i trained alone; gradient clipping is per run; the final
returns of 20 seeds on one context are indistinguishable from SB3 PPO's (recorded in tests/data/mbtl/, with
the command that made them), and a crippled trainer is told apart (the negative control)."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.stats import mannwhitneyu

from rlkit.core.checks import RLKitError
from rlkit.envs.contextual.batched_cartpole import BatchedCartPole
from rlkit.envs.contextual.batched_pendulum import BatchedPendulum
from rlkit.mbtl.batched_ppo import BatchedPPO, PPOConfig

DATA = Path(__file__).parents[1] / "data" / "mbtl"
PENDULUM = {"n_steps": 64, "batch_size": 32, "n_epochs": 2, "gamma": 0.9, "learning_rate": 1e-3, "use_sde": True,
            "sde_sample_freq": 4}


def params(ppo, run=None):
    return [p.detach()[run] if run is not None else p.detach()[0] for p in ppo.params]


@pytest.mark.parametrize("case", ["cartpole", "pendulum_sde_multitask"])
def test_run_i_of_the_batch_is_run_i_alone(case):
    if case == "cartpole":
        env, ctx, values, cfg, E = BatchedCartPole, "masscart", [0.3, 1.0, 7.0], {"n_steps": 64, "batch_size": 32,
                                                                                   "n_epochs": 2}, 1
        multitask = [False, False, False]
    else:
        env, ctx, values, cfg, E = BatchedPendulum, "dt", [0.01, 0.05, 0.05], PENDULUM, 2
        multitask = [False, False, True]
    grid = [0.01, 0.05, 0.2]
    seeds = [11, 22, 33]
    batch = BatchedPPO(env, ctx, values, seeds, PPOConfig.from_params(cfg), n_envs=E, context_in_obs=True,
                       multitask=multitask, grid=grid).rollouts(3)
    for i in range(3):
        alone = BatchedPPO(env, ctx, values[i:i + 1], seeds[i:i + 1], PPOConfig.from_params(cfg), n_envs=E,
                           context_in_obs=True, multitask=multitask[i:i + 1], grid=grid).rollouts(3)
        for a, b in zip(params(batch, i), params(alone)):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    # negative control: another seed gives other weights
    other = BatchedPPO(env, ctx, values[:1], [12], PPOConfig.from_params(cfg), n_envs=E, context_in_obs=True,
                       multitask=multitask[:1], grid=grid).rollouts(3)
    assert not torch.allclose(params(batch, 0)[0], params(other)[0], atol=1e-3)


def test_gradient_clipping_is_per_run():
    ppo = BatchedPPO(BatchedCartPole, "masscart", [1.0, 1.0], [0, 1], PPOConfig(max_grad_norm=0.5))
    for p in ppo.params:  # run 0: total norm far above 0.5; run 1: below it
        p.grad = torch.zeros_like(p)
        p.grad[0] = 1.0
        p.grad[1] = 1e-4
    before = [p.grad[1].clone() for p in ppo.params]
    ppo._clip_per_run()
    norm = lambda r: torch.sqrt(sum(p.grad[r].square().sum() for p in ppo.params))  # noqa: E731
    assert norm(0).item() == pytest.approx(0.5, rel=1e-5)
    assert all(torch.equal(p.grad[1], b) for p, b in zip(ppo.params, before))  # untouched by run 0's norm


def test_resume_from_state_is_the_uninterrupted_run():
    cfg = PPOConfig.from_params({"n_steps": 64, "batch_size": 32, "n_epochs": 2})
    straight = BatchedPPO(BatchedCartPole, "masscart", [0.5, 2.0], [1, 2], cfg).rollouts(3)
    first = BatchedPPO(BatchedCartPole, "masscart", [0.5, 2.0], [1, 2], cfg).rollouts(2)
    resumed = BatchedPPO(BatchedCartPole, "masscart", [0.5, 2.0], [1, 2], cfg)
    resumed.load_state_dict(first.state_dict())
    resumed.rollouts(1)
    for a, b in zip(straight.params, resumed.params):
        assert torch.equal(a, b)


def test_unsupported_params_are_refused_by_name():
    with pytest.raises(RLKitError, match="target_kl"):
        PPOConfig.from_params({"target_kl": 0.01})
    with pytest.raises(RLKitError, match="use_sde needs continuous"):
        BatchedPPO(BatchedCartPole, "masscart", [1.0], [0], PPOConfig(use_sde=True))


def final_returns(ref: dict, **overrides) -> np.ndarray:
    """Train one batched run per seed of the reference on its context; score as the reference did."""
    env = {"cartpole": BatchedCartPole, "pendulum": BatchedPendulum}[ref["family"]]
    cfg = PPOConfig.from_params({**ref["params"], **overrides})
    ppo = BatchedPPO(env, ref["context"], [ref["value"]] * len(ref["seeds"]), ref["seeds"], cfg, n_envs=ref["n_envs"],
                     context_in_obs=ref["context_in_obs"]).learn(ref["timesteps"])
    starts = env.gymnasium_reset_states(ref["reset_seeds"]).reshape(1, len(ref["reset_seeds"]), -1)
    return ppo.evaluate([ref["value"]], starts).mean(-1)[:, 0].numpy()


@pytest.mark.slow
@pytest.mark.parametrize("family", ["cartpole"])
def test_final_returns_match_sb3(family):
    """Two-sided Mann-Whitney U test, 20 seeds a side, alpha = 0.05 (measured: p = 0.16; batched mean 443, SB3 mean
    416, SB3 sd 75). Its power, from 2,000 resamplings of the SB3 sample against itself shifted down: 0.74 for a
    shift of half an SB3 standard deviation (37 return units), 0.96 for 0.8 sd, 0.98 for one sd (normal theory
    gives 0.33 and 0.85 at 0.5 and 1 sd; the ceiling at 500 makes these samples tighter than normal). The
    negative control, one epoch per update and a tenth of the learning rate, loses most of the learning and
    must be rejected at p < 0.001 (measured: mean 66, p = 7e-8)."""
    ref = json.loads((DATA / f"sb3_{family}.json").read_text())
    ours = final_returns(ref)
    p = mannwhitneyu(ours, ref["final_returns"], alternative="two-sided").pvalue
    assert p > 0.05, (p, ours.mean(), np.mean(ref["final_returns"]))
    crippled = final_returns(ref, n_epochs=1, learning_rate=ref["params"].get("learning_rate", 3e-4) / 10)
    assert mannwhitneyu(crippled, ref["final_returns"], alternative="two-sided").pvalue < 1e-3
