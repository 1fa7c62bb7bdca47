"""Policy evaluation under a given (nominal or perturbed) transition kernel, batched over replications.

* :func:`exact_return` -- finite instances: dynamic programming on ``env.kernel(param): (H, S, A, S)`` and
  ``env.reward_table(): (H, S, A)``, ``V_h(s) = r_h(s, pi_h(s)) + sum_s' P_h(s'|s, pi_h(s)) V_{h+1}(s')``
  from ``V_{H+1} = 0``; returns ``E_{s_1 ~ rho_0} V_1(s_1)`` for each of the policy's ``R`` replications.
* :func:`monte_carlo_return` -- any environment: ``episodes`` rollouts per replication, all replications
  and episodes as one tensor program (states ``(R, E)``). Replication ``r`` draws from the environment
  stream of run ``r`` of the root ``seed``, named by the perturbation, so every agent is tested on the
  same episodes (common random numbers: paired comparisons).

``policy``: anything with ``act(obs: (R, *e), h) -> (R, *e)`` and ``replications`` (e.g.
:class:`rlkit.agents.offline.LinearPolicy`).
"""

from __future__ import annotations

import torch

from rlkit.core.checks import RLKitError, check_int
from rlkit.core.seeding import ENV, BatchRNG, role_sequence, run_sequences


def exact_return(env, policy, param=None) -> torch.Tensor:
    """Exact expected return of ``policy`` on the finite ``env`` under ``param`` (default ``env.param``): ``(R,)``."""
    if not hasattr(env, "kernel"):
        raise RLKitError(f"exact evaluation needs a finite environment with a kernel; {type(env).__name__} has none")
    param = env.param if param is None else param
    P = env.kernel(param)  # (H, S, A, S)
    r = env.reward_table()  # (H, S, A)
    H, S = P.shape[0], P.shape[1]
    R = policy.replications
    states = env.all_states().expand(R, S)
    V = torch.zeros(R, S, dtype=P.dtype, device=P.device)
    for h in range(H - 1, -1, -1):
        a = policy.act(states, h)  # (R, S)
        s_idx = torch.arange(S, device=P.device).expand(R, S)
        V = r[h][s_idx, a] + (P[h][s_idx, a] * V.unsqueeze(1)).sum(-1)
    return V @ env.initial_distribution()


def monte_carlo_return(env, policy, param=None, episodes: int = 100, seed: int = 0, replications=None) -> torch.Tensor:
    """Mean return over ``episodes`` test episodes per replication: ``(R,)``.

    ``replications``: the replication indices the policy's rows stand for (default ``0..R-1``); they pick
    the random streams, so a replication's test episodes do not depend on the chunk it is evaluated in.
    """
    E = check_int("episodes", episodes)
    param = env.param if param is None else param
    R = policy.replications
    reps = range(R) if replications is None else replications
    if len(reps) != R:
        raise RLKitError(f"replications must name {R} replications (one per policy row), got {len(reps)}")
    seqs = [role_sequence(s, ENV) for s in run_sequences(seed, reps)]
    rng = BatchRNG(seqs, env.device, env.dtype).stream(f"evaluate/{param!r}")
    s = env.initial_states(rng.uniform(E))
    total = torch.zeros(R, E, dtype=env.dtype, device=env.device)
    for h in range(env.horizon):
        a = policy.act(s, h)
        total = total + env.reward(s, a, h)
        s = env.next_states(s, a, h, rng.uniform(E), param)
    return total.mean(-1)
