"""Offline datasets of a :class:`~rlkit.envs.offline.feature_mdp.FeatureMDP`: a dataclass of tensors and ``collect``.

``Dataset`` holds ``R`` independent replications of ``N`` trajectories of horizon ``H`` each:

    states:  (R, N, H + 1)   s_1 .. s_{H+1} (the last is the state after the final step)
    actions: (R, N, H)       long
    rewards: (R, N, H)

together with the environment whose feature map the learner is allowed to use (``env.phi``,
``env.stop_reward``, ``env.theta``, ``env.probe_states``). Features are computed per step on demand
(``features(steps) -> (R, nb, N, d)`` for a block of ``nb`` steps) rather than stored: a dataset of
``N = 10^5`` trajectories with ``d = 100`` and ``H = 20`` would otherwise hold several GB of features.
Steps ``h`` are 0-based here (the papers' step ``h + 1``).

``collect(env, behaviour, n_episodes, seed, replications=1)`` rolls out a named behaviour policy
(``"uniform"`` over actions, or ``"constant:<a>"``, or a callable ``(states, h, u) -> actions``) on the
nominal environment, all replications and trajectories at once. Replication ``r`` draws from the
environment stream of run ``r`` of the root ``seed`` (:mod:`rlkit.core.seeding`), so it is the same whatever
else is collected beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from rlkit.core.checks import RLKitError, check_int
from rlkit.core.seeding import ENV, BatchRNG, role_sequence, run_sequences

SIMPLEX_TOL = 1e-8


@dataclass
class Dataset:
    """Offline data, R replications of N trajectories: ``states (R, N, H+1)``, ``actions, rewards (R, N, H)``.

    ``env`` is the environment whose feature map the learner may use; ``features(steps) -> (R, nb, N, d)``.
    """

    states: torch.Tensor
    actions: torch.Tensor
    rewards: torch.Tensor
    env: object
    behaviour: str = "unknown"

    def __post_init__(self):
        if self.actions.dim() != 3:
            raise RLKitError(f"actions must have shape (R, N, H), got {tuple(self.actions.shape)}")
        R, N, H = self.actions.shape
        if N == 0 or R == 0:
            raise RLKitError(f"the dataset must hold at least one trajectory, got shape (R, N, H) = {(R, N, H)}")
        if tuple(self.rewards.shape) != (R, N, H):
            raise RLKitError(f"rewards must have shape {(R, N, H)}, got {tuple(self.rewards.shape)}")
        if tuple(self.states.shape[:3]) != (R, N, H + 1):
            raise RLKitError(f"states must have shape {(R, N, H + 1)}, got {tuple(self.states.shape)}")
        if H != self.env.horizon:
            raise RLKitError(f"the dataset's horizon ({H}) must equal the environment's horizon ({self.env.horizon})")

    @property
    def replications(self) -> int:
        return self.actions.shape[0]

    @property
    def n_episodes(self) -> int:
        return self.actions.shape[1]

    @property
    def horizon(self) -> int:
        return self.actions.shape[2]

    def replication(self, r: int | slice) -> Dataset:
        sl = slice(r, r + 1) if isinstance(r, int) else r
        return Dataset(self.states[sl], self.actions[sl], self.rewards[sl], self.env, self.behaviour)

    def features(self, steps: range) -> torch.Tensor:
        """``phi(s_h, a_h)`` for the steps ``h`` in ``steps``: ``(R, len(steps), N, d)``, checked to lie on the
        (sub-)simplex."""
        idx = list(steps)
        phi = self.env.phi_of(self.states[:, :, idx], self.actions[:, :, idx]).transpose(1, 2)  # (R, nb, N, d)
        check_simplex(phi, self, idx)
        return phi


def check_simplex(phi: torch.Tensor, data: Dataset, steps: list[int]) -> None:
    """Features ``(R, nb, N, d)`` must be non-negative and sum to one (or, for defective features, to at most one).

    The error names the replication, trajectory, step, state and action of the first offending row.
    """
    s = phi.sum(-1)
    bad = (phi < -SIMPLEX_TOL).any(-1) | (s > 1.0 + 1e-6)
    if getattr(data.env, "exact_simplex", False):
        bad = bad | ((s - 1.0).abs() > 1e-6)
    if bool(bad.any()):
        r, j, n = (int(i) for i in bad.nonzero()[0])
        h = steps[j]
        state = data.states[r, n, h]
        name = data.env.state_name(state) if hasattr(data.env, "state_name") else repr(state.tolist())
        raise RLKitError(
            f"features phi(s, a) must lie on the probability simplex (phi_i >= 0, sum_i phi_i = 1), got "
            f"{[round(float(x), 6) for x in phi[r, j, n]]} (sum {float(s[r, j, n]):.6g}) at state {name}, "
            f"action {int(data.actions[r, n, h])} (replication {r}, trajectory {n}, step {h})"
        )


def _behaviour(env, behaviour) -> tuple[str, Callable]:
    if callable(behaviour):
        return getattr(behaviour, "__name__", "callable"), behaviour
    if behaviour == "uniform":
        return behaviour, lambda s, h, u: (u * env.n_actions).long().clamp_max(env.n_actions - 1)
    if isinstance(behaviour, str) and behaviour.startswith("constant:"):
        a = int(behaviour.split(":", 1)[1])
        if not 0 <= a < env.n_actions:
            raise RLKitError(f"behaviour 'constant:<a>' needs 0 <= a < {env.n_actions}, got {behaviour!r}")
        return behaviour, lambda s, h, u: torch.full(s.shape, a, dtype=torch.long, device=s.device)
    raise RLKitError(f"behaviour must be 'uniform', 'constant:<a>' or a callable, got {behaviour!r}")


def collect(env, behaviour, n_episodes: int, seed: int = 0, replications: int | range = 1) -> Dataset:
    """Roll out ``behaviour`` for ``n_episodes`` trajectories per replication on the nominal ``env``.

    ``replications``: a count ``R`` (replications ``0..R-1``) or a range of replication indices.
    """
    n = check_int("n_episodes", n_episodes)
    reps = range(check_int("replications", replications)) if isinstance(replications, int) else replications
    if len(reps) == 0:
        raise RLKitError("replications must name at least one replication, got none")
    name, pi = _behaviour(env, behaviour)
    rng = BatchRNG([role_sequence(s, ENV) for s in run_sequences(seed, reps)], env.device, env.dtype).stream("collect")
    H = env.horizon
    s = env.initial_states(rng.uniform(n))
    states, actions, rewards = [s], [], []
    for h in range(H):
        a = pi(s, h, rng.uniform(n))
        actions.append(a)
        rewards.append(env.reward(s, a, h))
        s = env.next_states(s, a, h, rng.uniform(n), None)
        states.append(s)
    return Dataset(torch.stack(states, 2), torch.stack(actions, 2), torch.stack(rewards, 2), env, name)
