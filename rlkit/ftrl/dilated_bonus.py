"""Dilated exploration bonuses (Luo, Wei, Lee 2021, arXiv 2107.08346, Section 3 "dilated bonuses"), batched.

The bonus of episode ``k`` is a per-step bonus ``b_k`` propagated by the *dilated* Bellman equation

    B_k(s, a) = b_k(s, a) + (1 + 1/H) E_{s' ~ P_h(. | s, a), a' ~ pi_k(. | s')} B_k(s', a'),   B_k = 0 after layer H,

i.e. ``B_k(s, a) = E[sum_{h' >= h} (1 + 1/H)^{h' - h} b_k(s_{h'}, a_{h'}) | s_h = s, a_h = a]`` under ``pi_k``.
[V: the dilated Bellman equation is named in the abstract of Luo et al.; the factor ``1 + 1/H`` is R, recalled.]
The per-step bonus of the linear-Q case is [R, recalled from Luo et al.'s linear-Q algorithm, not re-read]

    b_k(s, a) = beta ||phi(s, a)||^2_{Sigma_plus_{k,h}} + beta E_{a' ~ pi_k(. | s)} ||phi(s, a')||^2_{Sigma_plus_{k,h}}

with ``Sigma_plus_{k,h}`` the estimate of ``(gamma I + Sigma_{k,h})^{-1}`` (squared norms: the quadratic form is
used as is, so a non-symmetric sampled ``Sigma_plus`` enters through its symmetric part).

Two ways to get ``B_k`` for every ``(h, s, a)`` of a finite instance:

* :func:`dilated_bonus_mc` (the learner's way): one simulator roll-out of ``pi_k`` from every ``(h, s, a)``
  (``n`` per start), summing the dilated per-step bonuses along it: an unbiased estimate of ``B_k``. Luo et al.
  compute the same expectation by a memoised recursive simulator call ``BONUS(k, s, a)`` at the states they need
  [R]; computing it at every ``(h, s, a)`` of a finite instance at once is our choice [I] (same mean).
* :func:`dilated_bonus_dp` (oracle, small instances and tests): backward induction with the true ``P`` [I].

Shapes: ``phi: (S, A, d)``, ``Sigma_plus: (B, H, d, d)``, ``pi, b, B: (B, H, S, A)``, ``P: (B, H, S, A, S)``.
"""

from __future__ import annotations

import torch

from rlkit.core.dp import backup


def bonus_table(phi: torch.Tensor, Sigma_plus: torch.Tensor, pi: torch.Tensor, beta: float) -> torch.Tensor:
    """Per-step bonus ``b: (B, H, S, A)``: ``beta (||phi(s, a)||^2 + E_{a' ~ pi(.|s)} ||phi(s, a')||^2)`` in the
    ``Sigma_plus_h`` quadratic form."""
    sq = torch.einsum("sai,bhij,saj->bhsa", phi, Sigma_plus, phi)  # (B, H, S, A)
    return beta * (sq + (pi * sq).sum(-1, keepdim=True))


def dilated_bonus_dp(P: torch.Tensor, b: torch.Tensor, pi: torch.Tensor, dilation: float) -> torch.Tensor:
    """Exact ``B`` of the dilated Bellman equation by backward induction (the test oracle)."""
    H = b.shape[-3]
    out = torch.empty_like(b)
    V_next = torch.zeros_like(b[..., 0, :, 0])  # (B, S)
    for h in range(H - 1, -1, -1):
        out[..., h, :, :] = b[..., h, :, :] + dilation * backup(P[..., h, :, :, :], V_next)
        V_next = (pi[..., h, :, :] * out[..., h, :, :]).sum(-1)
    return out


def dilated_bonus_mc(simulator, pi: torch.Tensor, b: torch.Tensor, n: int, dilation: float) -> torch.Tensor:
    """Monte Carlo ``B`` at every ``(h, s, a)``: ``n`` simulator roll-outs of ``pi`` from each, one simulator call."""
    B, H, S, A = b.shape
    dev = b.device
    h0 = torch.arange(H, device=dev).repeat_interleave(S * A)
    s0 = torch.arange(S, device=dev).repeat_interleave(A).repeat(H)
    a0 = torch.arange(A, device=dev).repeat(H * S)
    states, actions = simulator.rollout(pi, n, start=(h0, s0, a0))  # (B, m, n, H), -1 before each start
    live = states >= 0
    layers = torch.arange(H, device=dev)
    runs = torch.arange(B, device=dev).view(B, 1, 1, 1)
    values = b[runs, layers, states.clamp_min(0), actions.clamp_min(0)]  # (B, m, n, H)
    weights = dilation ** (layers - h0.view(1, -1, 1, 1)).clamp_min(0).to(b.dtype)
    total = torch.where(live, weights * values, torch.zeros_like(values)).sum(-1)  # (B, m, n)
    return total.mean(-1).reshape(B, H, S, A)
