"""Batched look-ups in finite MDP tables and inverse-CDF sampling of rows, shared by environments and agents.

``table[..., s, a]`` per batch entry without Python loops, and one categorical draw per row from given
uniforms (so the random numbers come from :mod:`rlkit.core.seeding` streams, not from torch's global RNG).
"""

from __future__ import annotations

import torch


def sa_rows(table: torch.Tensor, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """``table[..., s, a, :]`` per batch entry: ``(*b, S, A, n), (*b,), (*b,) -> (*b, n)``."""
    n = table.shape[-1]
    idx = states[..., None, None, None].expand(*states.shape, 1, table.shape[-2], n)
    rows = torch.gather(table, -3, idx).squeeze(-3)  # (*b, A, n)
    return torch.gather(rows, -2, actions[..., None, None].expand(*actions.shape, 1, n)).squeeze(-2)


def sa_values(table: torch.Tensor, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """``table[..., s, a]`` per batch entry: ``(*b, S, A), (*b,), (*b,) -> (*b,)``."""
    return sa_rows(table.unsqueeze(-1), states, actions).squeeze(-1)


def sample_rows(probs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Inverse-CDF draw of one index per row: ``probs: (*b, n)`` rows on the simplex, ``u: (*b,)`` uniform."""
    cdf = probs.cumsum(-1)
    return (cdf < u.unsqueeze(-1) * cdf[..., -1:]).sum(-1).clamp_max(probs.shape[-1] - 1)
