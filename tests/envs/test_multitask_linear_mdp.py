"""The multitask linear MDP family: a valid model, Q-functions exactly linear in the shared features, candidates,
seeding, the gymnasium views and bad input."""

import gymnasium as gym
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import rlkit.envs  # noqa: F401
from rlkit.core import dp
from rlkit.core.checks import RLKitError
from rlkit.envs import MultitaskLinearMDP
from tests.placement import TKW, tol


def _env(**kw):
    env = MultitaskLinearMDP(**TKW, num_envs=3, n_states=5, n_actions=3, horizon=4, n_tasks=4, dim=3, n_candidates=6,
                             **kw)
    env.reset(seed=0)
    return env


def test_model_is_valid():
    env = _env()
    P, r = env.transitions(), env.objective_table()
    assert P.shape == (3, 4, 4, 5, 3, 5) and r.shape == (3, 4, 4, 5, 3)
    torch.testing.assert_close(P.sum(-1), torch.ones(3, 4, 4, 5, 3, **TKW))
    assert bool((P >= 0).all()) and bool(((r >= 0) & (r <= 1)).all())
    torch.testing.assert_close(env.phi.sum(-1), torch.ones(5, 3, **TKW))  # on the simplex
    assert env.initial_distribution().sum().item() == pytest.approx(1.0)
    assert not torch.equal(P[:, 0], P[:, 1]) and not torch.equal(P[0], P[1])  # tasks and runs differ


def _lstsq_residual(phi, Q):
    """Largest residual of regressing every (run, task, step) table ``Q: (B, M, H, S, A)`` on ``phi: (S, A, k)``."""
    X = phi.reshape(-1, phi.shape[-1])
    Y = Q.reshape(*Q.shape[:3], -1).reshape(-1, X.shape[0]).T  # (S A, B M H)
    W = torch.linalg.lstsq(X, Y).solution
    return (X @ W - Y).abs().max().item()


def test_q_functions_of_every_task_and_policy_are_linear_in_the_shared_features():
    env = _env()
    P, r = env.transitions(), env.objective_table()
    g = torch.Generator().manual_seed(0)
    for pi in (torch.rand(3, 4, 4, 5, 3, generator=g, dtype=torch.float64).to(**TKW), None):
        if pi is None:
            pi, Q, V = dp.optimal_policy(P, r)
        else:
            pi = pi / pi.sum(-1, keepdim=True)
            Q, V = dp.evaluate_policy(P, r, pi)
        assert _lstsq_residual(env.phi, Q) < tol(1e-10, 1e-5)  # float32: H = 4 backups and a 15 x 3 solve
        for h in range(env.horizon):  # and the heads are the linear-MDP ones
            w = env.q_heads(V[:, :, h + 1], h)  # (B, M, k)
            torch.testing.assert_close((env.phi @ w[:, :, None, :, None]).squeeze(-1), Q[:, :, h])
    wrong = [p for p in range(env.n_candidates) if p != env.true_index]
    assert min(_lstsq_residual(env.candidates[p], Q) for p in wrong) > 1e-2  # the other candidates do not fit


def test_candidate_class():
    env = _env()
    assert env.candidates.shape == (6, 5, 3, 3)
    assert torch.equal(env.candidates[env.true_index], env.phi)
    assert sum(torch.equal(c, env.phi) for c in env.candidates) == 1
    torch.testing.assert_close(env.candidates.sum(-1), torch.ones(6, 5, 3, **TKW))
    without = _env(include_true=False)
    assert without.true_index is None and not any(torch.equal(c, without.phi) for c in without.candidates)
    other = _env(feature_seed=1)
    assert not torch.equal(other.phi, env.phi)
    assert env.raw_phi.shape == (5, 3, 15)


def test_seeding_and_shared_instance():
    a, b = _env(), _env()
    assert torch.equal(a.transitions(), b.transitions())
    s = MultitaskLinearMDP(**TKW, num_envs=2, n_states=5, n_actions=3, horizon=4, n_tasks=4, dim=3, n_candidates=6,
                           instance_seed=3)
    s.reset(seed=0)
    assert torch.equal(s.transitions()[0], s.transitions()[1])
    states, _ = a.reset(seed=1)
    assert states.shape == (3, 4) and states.dtype == torch.long


def test_gymnasium_views():
    env = gym.make("rlkit/MultitaskLinearMDP-v0", n_states=4, n_actions=2, horizon=3, n_tasks=2)
    check_env(env.unwrapped, skip_render_check=True)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (2,)
    vec = gym.make_vec("rlkit/MultitaskLinearMDP-v0", num_envs=3, vectorization_mode="vector_entry_point",
                       **TKW, n_tasks=5)
    states, _ = vec.reset(seed=0)
    assert states.shape == (3, 5)


@pytest.mark.parametrize("kw, match", [({"n_tasks": 0}, "n_tasks must be an integer >= 1, got 0"),
                                       ({"n_candidates": 0}, "n_candidates must be an integer >= 1"),
                                       ({"dim": 0}, "dim must be an integer >= 1"),
                                       ({"start": "random"}, "start must be one of"),
                                       ({"feature_alpha": -1.0}, "feature_alpha must be > 0")])
def test_bad_input(kw, match):
    with pytest.raises(RLKitError, match=match):
        MultitaskLinearMDP(**kw)
