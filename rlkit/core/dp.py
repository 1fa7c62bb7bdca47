"""Exact dynamic programming on finite episodic MDPs, batched over any leading shape.

Pure functions used by every finite episodic environment and evaluator (regret, suboptimality, occupancy
measures). Shapes (``*b`` = any batch shape: runs, tasks, reward functions, ...; ``H`` steps, ``S`` states,
``A`` actions):

    P:  (*b, H, S, A, S)   P[..., h, s, a, s'] = P_h(s' | s, a); a time-homogeneous kernel is passed as an
                           expanded view ``P.unsqueeze(-4).expand(..., H, S, A, S)`` (no copy)
    r:  (*b, H, S, A)      per-step reward (or loss) table
    pi: (*b, H, S, A)      a (possibly stochastic) Markov policy, rows on the simplex
    mu: (*b, S)            the initial-state distribution

Batch shapes broadcast against each other (``P`` shared by all runs may have ``*b = (1,)`` or be expanded).
``maximize=False`` treats ``r`` as a loss (the best policy minimises). Values are the plain finite-horizon
sums ``V_h(s) = E[sum_{h' >= h} r_{h'}]`` with ``V_H = 0`` (0-based ``h = 0 .. H-1``). ``clip=(lo, hi)`` truncates
every backup, ``Q_h = [r_h + P_h V_{h+1}]_{[lo, hi]}`` (planning under an estimated model whose kernel need not be
a distribution, e.g. values capped at 1 in horizon-free reward-free exploration).
"""

from __future__ import annotations

import torch

from rlkit.core.checks import RLKitError


def _check(P: torch.Tensor, r: torch.Tensor) -> None:
    if P.dim() < 4 or r.dim() < 3 or tuple(P.shape[-4:-1]) != tuple(r.shape[-3:]) or P.shape[-1] != P.shape[-3]:
        raise RLKitError(f"P must have shape (*b, H, S, A, S) and r (*b, H, S, A) with the same H, S, A; "
                         f"got P {tuple(P.shape)} and r {tuple(r.shape)}")


def _clip(Q: torch.Tensor, clip: tuple[float, float] | None) -> torch.Tensor:
    return Q if clip is None else Q.clamp(clip[0], clip[1])


def backup(P_h: torch.Tensor, V_next: torch.Tensor) -> torch.Tensor:
    """``[P_h V](s, a) = sum_s' P_h(s'|s, a) V(s')``: ``(*b, S, A, S), (*b, S) -> (*b, S, A)``."""
    return (P_h @ V_next.unsqueeze(-2).unsqueeze(-1)).squeeze(-1)


def evaluate_policy(P: torch.Tensor, r: torch.Tensor, pi: torch.Tensor,
                    clip: tuple[float, float] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``Q^pi`` and ``V^pi`` by backward induction: returns ``Q: (*b, H, S, A)``, ``V: (*b, H + 1, S)``."""
    _check(P, r)
    H = r.shape[-3]
    shape = torch.broadcast_shapes(P.shape[:-4], r.shape[:-3], pi.shape[:-3])
    V = torch.zeros(*shape, H + 1, r.shape[-2], dtype=r.dtype, device=r.device)
    Q = torch.zeros(*shape, *r.shape[-3:], dtype=r.dtype, device=r.device)
    for h in range(H - 1, -1, -1):
        Q[..., h, :, :] = _clip(r[..., h, :, :] + backup(P[..., h, :, :, :], V[..., h + 1, :]), clip)
        V[..., h, :] = (pi[..., h, :, :] * Q[..., h, :, :]).sum(-1)
    return Q, V


def optimal_policy(P: torch.Tensor, r: torch.Tensor, maximize: bool = True, clip: tuple[float, float] | None = None):
    """Optimal (greedy, deterministic) policy by backward induction.

    Returns ``pi: (*b, H, S, A)`` one-hot (ties to the lowest action), ``Q: (*b, H, S, A)``, ``V: (*b, H+1, S)``.
    """
    _check(P, r)
    H, S, A = r.shape[-3:]
    shape = torch.broadcast_shapes(P.shape[:-4], r.shape[:-3])
    V = torch.zeros(*shape, H + 1, S, dtype=r.dtype, device=r.device)
    Q = torch.zeros(*shape, H, S, A, dtype=r.dtype, device=r.device)
    for h in range(H - 1, -1, -1):
        Q[..., h, :, :] = _clip(r[..., h, :, :] + backup(P[..., h, :, :, :], V[..., h + 1, :]), clip)
        V[..., h, :] = Q[..., h, :, :].amax(-1) if maximize else Q[..., h, :, :].amin(-1)
    best = Q.argmax(-1) if maximize else Q.argmin(-1)
    return torch.nn.functional.one_hot(best, A).to(r.dtype), Q, V


def initial_value(V: torch.Tensor, mu: torch.Tensor) -> torch.Tensor:
    """``E_{s ~ mu} V_0(s)``: ``V: (*b, H + 1, S)``, ``mu: (*b, S)`` -> ``(*b,)``."""
    return (V[..., 0, :] * mu).sum(-1)


def occupancy(P: torch.Tensor, pi: torch.Tensor, mu: torch.Tensor) -> torch.Tensor:
    """State-action occupancy ``q_h(s, a) = Pr^pi(s_h = s, a_h = a)``: ``(*b, H, S, A)`` (each ``h`` sums to one)."""
    H, S, A = pi.shape[-3:]
    shape = torch.broadcast_shapes(P.shape[:-4], pi.shape[:-3], mu.shape[:-1])
    q = torch.zeros(*shape, H, S, A, dtype=pi.dtype, device=pi.device)
    d = mu.expand(*shape, S)
    for h in range(H):
        q[..., h, :, :] = d.unsqueeze(-1) * pi[..., h, :, :]
        d = (q[..., h, :, :].unsqueeze(-1) * P[..., h, :, :, :]).sum((-3, -2))
    return q


def check_policy(name: str, pi: torch.Tensor, shape: tuple, atol: float = 1e-6, values: bool = True) -> torch.Tensor:
    """A policy table of the given shape whose rows are distributions (one host read; ``values=False``: the shape
    only)."""
    if not isinstance(pi, torch.Tensor) or tuple(pi.shape) != tuple(shape):
        given = tuple(pi.shape) if isinstance(pi, torch.Tensor) else type(pi).__name__
        raise RLKitError(f"{name} must be a policy table of shape {tuple(shape)} (runs, H, S, A), got {given}")
    if values and not bool((pi >= -atol).all() & ((pi.sum(-1) - 1).abs() <= atol).all()):
        bad = float((pi.sum(-1) - 1).abs().max())
        raise RLKitError(f"{name} must hold probability distributions over actions (entries >= 0, rows summing "
                         f"to 1), got min entry {float(pi.min()):.3g} and largest row-sum error {bad:.3g}")
    return pi
