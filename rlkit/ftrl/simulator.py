"""A simulator of a finite episodic environment: trajectories of any policy, batched over runs and samples, no losses.

Algorithms for adversarial MDPs "with a simulator" (Luo, Wei, Lee 2021; Dai, Luo, Wei, Zimmert 2023) may draw
trajectories of any policy they choose, from the start state or from a given state-action pair, without
seeing any loss. :class:`Simulator` gives exactly that and nothing more, and counts what it is asked:

    rollout(pi, n)                       # n trajectories per run from s_1 ~ mu
        -> states, actions: (B, n, H) long
    rollout(pi, n, start=(h0, s0, a0))   # n trajectories from each of m start points (h0, s0, a0: (m,) long),
        -> states, actions: (B, m, n, H) long; entries before each start's layer h0 are -1

Counters (per run, since every run draws the same numbers of samples): ``calls`` (rollout calls),
``trajectories`` and ``transitions`` (sampled next states). ``exact_model()`` hands the true ``(P, mu)`` to the
*exact* options of an algorithm (exact covariance, exact dilated bonus by dynamic programming), which are test
oracles and ablations for small instances, not the algorithms; it is counted in ``exact_calls``.

The simulator reads the environment's model when called (so it follows the instance drawn by ``env.reset``)
and uses its own random streams (role: agent, stream ``"simulator"``), so it never perturbs the environment's
noise: agents with and without a simulator see the same episodes (common random numbers). It holds no loss.
"""

from __future__ import annotations

import math

import torch

from rlkit.core.checks import RLKitError, check_int
from rlkit.core.dp import check_policy
from rlkit.core.seeding import AGENT, BatchRNG, as_sequences, role_sequence
from rlkit.core.tables import sample_rows


class Simulator:
    """Loss-free, call-counting trajectory sampler of a :class:`~rlkit.envs.FiniteEpisodicEnv` (batched over runs)."""

    def __init__(self, env, seed=0, validate: bool = True):
        for attr in ("transitions", "initial_distribution", "num_envs", "n_states", "n_actions", "horizon"):
            if not hasattr(env, attr):
                raise RLKitError(f"Simulator needs a finite episodic environment with an exact model; "
                                 f"{type(env).__name__} has no {attr!r}")
        if getattr(env, "task_shape", ()):
            raise RLKitError("Simulator supports environments without tasks (task_shape = ()), got "
                             f"task_shape {env.task_shape}")
        self._env = env
        self.n_runs, self.horizon = env.num_envs, env.horizon
        self.n_states, self.n_actions = env.n_states, env.n_actions
        self.device, self.dtype = env.device, env.dtype
        self.validate = bool(validate)
        seqs = [role_sequence(s, AGENT) for s in as_sequences(seed, self.n_runs)]
        self._rng = BatchRNG(seqs, self.device, self.dtype).stream("simulator")
        self.calls = 0
        self.trajectories = 0
        self.transitions = 0
        self.exact_calls = 0

    @property
    def policy_shape(self) -> tuple[int, ...]:
        return (self.n_runs, self.horizon, self.n_states, self.n_actions)

    def counts(self) -> dict[str, int]:
        """The counters (per run)."""
        return {"calls": self.calls, "trajectories": self.trajectories, "transitions": self.transitions,
                "exact_calls": self.exact_calls}

    def exact_model(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(P: (B, H, S, A, S), mu: (B, S))`` for an algorithm's exact (oracle) options; counted."""
        self.exact_calls += 1
        B, H, S, A = self.policy_shape
        P = self._env.transitions().expand(B, H, S, A, S)
        return P, self._env.initial_distribution().expand(B, S)

    def rollout(self, pi: torch.Tensor, n: int, start=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Trajectories of the Markov policy ``pi: (B, H, S, A)`` (see the module docstring for shapes)."""
        n = check_int("n", n)
        B, H, S, A = self.policy_shape
        if self.validate:
            check_policy("pi (simulator policy)", pi, self.policy_shape)
        elif tuple(pi.shape) != self.policy_shape:
            raise RLKitError(f"pi must be a policy table of shape {self.policy_shape} (runs, H, S, A), "
                             f"got {tuple(pi.shape)}")
        P = self._env.transitions().expand(B, H, S, A, S)
        runs = torch.arange(B, device=self.device)
        if start is None:
            shape: tuple[int, ...] = (n,)
            mu = self._env.initial_distribution().expand(B, S)
            s = sample_rows(mu.unsqueeze(1).expand(B, n, S), self._rng.uniform(n))
            h0 = s0 = a0 = None
        else:
            starts = self._check_start(start)
            live_per_layer = [n * c for c in (starts[0][None, :] <= torch.arange(H, device=self.device)[:, None])
                              .sum(1).tolist()]  # one host read per call
            h0, s0, a0 = (x[:, None].expand(x.shape[0], n) for x in starts)  # (m, n)
            shape = tuple(h0.shape)
            s = s0.expand(B, *shape).clone()
        flat_runs = runs.view(B, *([1] * len(shape)))
        states = torch.full((B, *shape, H), -1, dtype=torch.long, device=self.device)
        actions = torch.full_like(states, -1)
        n_steps = 0
        for h in range(H):
            if h0 is not None:
                s = torch.where(h0 == h, s0, s)  # trajectories starting at layer h take their start state
            a = sample_rows(pi[flat_runs, h, s], self._rng.uniform(*shape))
            if h0 is None:
                states[..., h], actions[..., h] = s, a
                live_count = n
            else:
                a = torch.where(h0 == h, a0, a)  # ... and their start action
                live = h0 <= h
                states[..., h] = torch.where(live, s, -1)
                actions[..., h] = torch.where(live, a, -1)
                live_count = live_per_layer[h]
            if h + 1 < H:
                s = sample_rows(P[flat_runs, h, s, a], self._rng.uniform(*shape))
                n_steps += live_count
        self.calls += 1
        self.trajectories += math.prod(shape)
        self.transitions += n_steps
        return states, actions

    def _check_start(self, start):
        if not isinstance(start, tuple) or len(start) != 3:
            raise RLKitError("start must be a tuple (h0, s0, a0) of long tensors of shape (m,), got "
                             f"{type(start).__name__}")
        h0, s0, a0 = (torch.as_tensor(x, device=self.device).long().reshape(-1) for x in start)
        if not h0.shape == s0.shape == a0.shape or h0.numel() == 0:
            raise RLKitError(f"start (h0, s0, a0) must be three tensors of one shape (m,), got "
                             f"{tuple(h0.shape)}, {tuple(s0.shape)}, {tuple(a0.shape)}")
        for name, x, hi in (("h0", h0, self.horizon), ("s0", s0, self.n_states), ("a0", a0, self.n_actions)):
            if not bool(((x >= 0) & (x < hi)).all()):
                raise RLKitError(f"start {name} entries must lie in [0, {hi}), got {int(x.min())}..{int(x.max())}")
        return h0, s0, a0
