"""Batched CartPole and Pendulum against the single gymnasium environments, step by step on random actions from
the same injected reset states: observations, rewards, termination, truncation, auto-reset, angle wrapping."""

import numpy as np
import pytest
import torch

from rlkit.core.checks import RLKitError
from rlkit.envs import ContextualCartPole, ContextualPendulum
from rlkit.envs.contextual.batched_cartpole import BatchedCartPole
from rlkit.envs.contextual.batched_pendulum import BatchedPendulum, angle_normalize

CASES = [  # (batched class, single class, the context per environment, time limit)
    (BatchedCartPole, ContextualCartPole, {"masscart": [0.1, 1.0, 4.0, 10.0], "length": [0.5, 0.05, 2.0, 5.0],
                                           "masspole": [0.1, 0.01, 1.0, 0.3]}, 500),
    (BatchedPendulum, ContextualPendulum, {"dt": [0.005, 0.05, 0.2, 0.5], "length": [1.0, 0.1, 3.0, 10.0],
                                           "mass": [1.0, 10.0, 0.1, 2.0]}, 200),
]


def gym_episode(single, context, context_in_obs, state, actions, limit):
    env = single(**context, context_in_obs=context_in_obs)
    env.reset(seed=0)
    env.state = np.array(state, dtype=np.float64)
    out = []
    for t, a in enumerate(actions):
        obs, r, term, trunc, _ = env.step(a)
        trunc = trunc or t + 1 >= limit  # the registered TimeLimit
        out.append((obs, float(r), term, trunc and not term))
        if term or trunc:
            break
    return out


@pytest.mark.parametrize("batched, single, context, limit", CASES, ids=["cartpole", "pendulum"])
@pytest.mark.parametrize("context_in_obs", [False, True])
def test_steps_equal_gymnasium(batched, single, context, limit, context_in_obs):
    B, T = len(next(iter(context.values()))), limit + 5
    rng = np.random.default_rng(1)
    env = batched({k: torch.tensor(v, dtype=torch.float64) for k, v in context.items()}, context_in_obs=context_in_obs)
    states = batched.gymnasium_reset_states(range(B))
    env.reset(states=states)
    if batched.discrete:
        actions = rng.integers(0, 2, size=(T, B))
    else:
        actions = rng.uniform(-3, 3, size=(T, B, 1)).astype(np.float32)  # beyond the bounds: clipped
    ours = []
    for t in range(T):
        obs, r, term, trunc, final = env.step(torch.as_tensor(actions[t]), auto_reset=False)
        ours.append((final.numpy(), r.numpy(), term.numpy(), trunc.numpy()))
    for b in range(B):
        cb = {k: v[b] for k, v in context.items()}
        theirs = gym_episode(single, cb, context_in_obs, states[b].numpy(), [actions[t][b] for t in range(T)], limit)
        assert len(theirs) >= 2
        for t, (obs, r, term, trunc) in enumerate(theirs):
            assert ours[t][0][b].dtype == np.float32 and np.array_equal(ours[t][0][b], obs), (b, t)
            assert ours[t][1][b] == pytest.approx(r, rel=1e-12, abs=1e-12)
            assert (bool(ours[t][2][b]), bool(ours[t][3][b])) == (term, trunc), (b, t)


def test_cartpole_terminates_and_pendulum_truncates_at_200():
    cp = BatchedCartPole({"masscart": torch.tensor([0.1, 10.0])})
    cp.reset()
    ended = torch.zeros(2, dtype=torch.bool)
    for _ in range(200):
        _, _, term, trunc, _ = cp.step(torch.ones(2, dtype=torch.long), auto_reset=False)
        ended |= term
        assert not trunc.any()
    assert ended.all()  # always pushing right tips both poles
    pe = BatchedPendulum({"dt": torch.tensor([0.005, 0.5])})
    pe.reset()
    for t in range(200):
        _, _, term, trunc, _ = pe.step(torch.zeros(2, 1), auto_reset=False)
        assert not term.any() and bool(trunc.all()) == (t == 199)


def test_auto_reset_is_sb3s_vecenv():
    """An ended episode's last observation is in final_obs, the returned one starts the next episode from the
    given noise (and context); the others carry on."""
    env = BatchedCartPole({"masscart": torch.tensor([1.0, 1.0])}, context_in_obs=True)
    env.reset(states=torch.tensor([[2.39, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], dtype=torch.float64))
    noise = torch.full((2, 4), 0.75, dtype=torch.float64)
    obs, r, term, trunc, final = env.step(torch.tensor([1, 1]), reset_noise=noise,
                                          next_context={"masscart": torch.tensor([3.0, 3.0])})
    assert term.tolist() == [True, False] and r.tolist() == [1.0, 1.0]
    assert final[0, 0] > 2.4 and torch.allclose(obs[0, :4], torch.full((4,), 0.025))  # -0.05 + 0.1 * 0.75
    assert obs[0, 4] == 3.0 and obs[1, 4] == 1.0 and torch.equal(obs[1], final[1])
    assert env.steps.tolist() == [0, 1]


def test_pendulum_angle_normalise_matches_numpy():
    x = torch.linspace(-20, 20, 1001, dtype=torch.float64)
    from gymnasium.envs.classic_control.pendulum import angle_normalize as theirs

    assert np.array_equal(angle_normalize(x).numpy(), theirs(x.numpy()))


def test_gymnasium_reset_states_are_gymnasiums():
    env = ContextualPendulum()
    env.reset(seed=123)
    assert np.array_equal(BatchedPendulum.gymnasium_reset_states([123])[0].numpy(), env.state)


def test_bad_context_is_refused():
    with pytest.raises(RLKitError, match="masscart must lie in"):
        BatchedCartPole({"masscart": torch.tensor([1.0, 20.0])})
    with pytest.raises(RLKitError, match="unknown context"):
        BatchedPendulum({"gravity": 3.0})
