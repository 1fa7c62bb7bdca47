"""Look-ahead for UCB agents on a ridge estimate: every arm's index after the arm just chosen is observed
``j`` more times, in closed form, for many ``j`` at once.

With ``V``, ``theta`` the ridge state (:class:`rlkit.agents.ridge.Ridge`), the played arm ``x`` and
``u = V^{-1} x``, ``c = x . u``, adding ``j`` unit observations of ``x`` whose rewards sum to ``S_j`` gives
(Sherman-Morrison on ``V + j x x^T``)::

    ||x_k||^2_{V_j^{-1}} = ||x_k||^2_{V^{-1}} - j (x_k . u)^2 / (1 + j c)
    x_k . theta_j        = x_k . theta + (x_k . u) (S_j - j x . theta) / (1 + j c)
    log det V_j          = log det V + log(1 + j c)

so the indices of all ``K`` arms at ``J`` future decision points are one ``(B, J, K)`` elementwise
expression. :func:`rlkit.agents.bandit_loop.run_bandit` uses it through the agents' ``keeps`` (LinUCB per round,
DynLin-UCB per epoch) to find the first decision at which some run would switch arms.
"""

from __future__ import annotations

import torch


def repeated_arm(ridge, contexts: torch.Tensor, x: torch.Tensor, counts: torch.Tensor, sums: torch.Tensor):
    """Means and squared widths of every arm after ``counts[j]`` more observations of ``x``.

    Args:
        ridge: the agent's :class:`rlkit.agents.ridge.Ridge` state (``B`` runs, dimension ``d``).
        contexts: ``(B, K, d)`` arms; ``x``: ``(B, d)`` the arm observed again.
        counts: ``(J,)`` numbers of extra observations; ``sums``: ``(B, J)`` their reward sums.

    Returns ``mean: (B, J, K)``, ``quad: (B, J, K)`` (``||x_k||^2`` in ``V_j^{-1}``, clamped at 0) and
    ``dlogdet: (B, J)`` (``log det V_j - log det V``).
    """
    u = ridge.cov.solve(x)  # V^-1 x, (B, d)
    c = (x * u).sum(-1, keepdim=True)  # (B, 1)
    g = (contexts @ u.unsqueeze(-1)).squeeze(-1).unsqueeze(1)  # (B, 1, K): x_k . u
    mean0 = (contexts @ ridge.theta.unsqueeze(-1)).squeeze(-1).unsqueeze(1)  # (B, 1, K)
    quad0 = ridge.cov.inv_quad(contexts).unsqueeze(1)
    den = 1.0 + counts * c  # (B, J)
    shift = (sums - counts * (x * ridge.theta).sum(-1, keepdim=True)) / den
    mean = mean0 + g * shift.unsqueeze(-1)
    quad = (quad0 - (counts / den).unsqueeze(-1) * g.square()).clamp_min(0)
    return mean, quad, den.log()


def first_switch(index: torch.Tensor, actions: torch.Tensor) -> int:
    """Position of the first of ``J`` decision points at which some run's argmax of ``index: (B, J, K)`` differs
    from ``actions: (B,)`` (ties to the lowest arm, as in ``act``), or ``J`` if none does. One host read."""
    switch = (index.argmax(-1) != actions.unsqueeze(-1)).any(0)  # (J,)
    return int(torch.where(switch.any(), switch.int().argmax(), switch.shape[0]))
