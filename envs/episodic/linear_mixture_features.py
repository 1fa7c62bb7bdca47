"""Features of a finite linear mixture MDP and the maps they define, shared by environments and agents.

A linear mixture MDP (Ayoub et al. 2020; Zhou, Gu, Szepesvari 2021) has ``P(s'|s, a) = <phi(s'|s, a), theta*>``
with known features ``phi: (S, A, S, d)``. :class:`MixtureFeatures` holds them once and gives, batched over any
leading shape ``*b`` (runs, moments, reward functions, ...):

    psi(V: (*b, S)) -> (*b, S, A, d)          psi_V(s, a) = sum_s' phi(s'|s, a) V(s')
    psi_at(V: (*b, S), s, a: (*b,)) -> (*b, d) psi_V at one state-action pair per batch entry
    psi_policy(V: (*b, S), actions: (*b, S)) -> (*b, S, d)   psi_V(s, pi(s)) for every state
    transitions(theta: (*b, d)) -> (*b, S, A, S)               P_theta(s'|s, a) = <phi(s'|s, a), theta>
    max_total(r: (*b, H, S, A), start) -> (*b,)                the largest trajectory total of a reward

``[P_theta V](s, a) = <psi_V(s, a), theta>`` for every ``V``, so planning under a parameter ``theta`` is dynamic
programming on ``P_theta`` (which need not be a distribution when ``theta != theta*``).

The features are stored sparsely: each ``(s, a)`` keeps the ``N`` next states where some feature is non-zero
(``next_states: (S, A, N)``, ``next_phi: (S, A, N, d)``, zero-padded), so ``psi`` costs ``O(S A N d)`` rather than
``O(S^2 A d)`` on the chain-like instances of reward-free exploration (``N <= 3`` there).
"""

from __future__ import annotations

import torch

from rlkit.core.checks import RLKitError, resolve_device_dtype


class MixtureFeatures:
    """The known features ``phi(s'|s, a)`` of a linear mixture MDP: ``psi_V``, ``P_theta`` and reward checks."""

    def __init__(self, phi, device=None, dtype=None):
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        phi = torch.as_tensor(phi, device=self.device, dtype=self.dtype)
        if phi.dim() != 4 or phi.shape[0] != phi.shape[2]:
            raise RLKitError(f"phi must have shape (S, A, S, d) (features of s' given s, a), got {tuple(phi.shape)}")
        if not bool(torch.isfinite(phi).all()):
            raise RLKitError("phi must be finite")
        self.phi = phi
        self.n_states, self.n_actions, _, self.dim = phi.shape
        S, A = self.n_states, self.n_actions
        self.support = (phi != 0).any(-1)  # (S, A, S): next states some feature can reach
        N = max(int(self.support.sum(-1).max()), 1)
        # Stable sort puts the supported next states first, in increasing order; padding points at them too.
        order = torch.sort((~self.support).to(torch.int8), dim=-1, stable=True).indices[..., :N]  # (S, A, N)
        self.valid = torch.gather(self.support, -1, order)  # (S, A, N) which slots are real
        self.next_states = order
        self.next_phi = torch.gather(phi, 2, order.unsqueeze(-1).expand(S, A, N, self.dim)) \
            * self.valid.unsqueeze(-1).to(self.dtype)
        self.width = N

    # ------------------------------------------------------------ maps
    def psi(self, V: torch.Tensor) -> torch.Tensor:
        """``psi_V(s, a)`` for every pair: ``V: (*b, S)`` -> ``(*b, S, A, d)``."""
        self._check_values(V)
        S, A, N = self.n_states, self.n_actions, self.width
        vals = V[..., self.next_states.reshape(-1)].reshape(*V.shape[:-1], S, A, N)
        return torch.einsum("...san,sand->...sad", vals, self.next_phi)

    def psi_at(self, V: torch.Tensor, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """``psi_V(s, a)`` at one pair per batch entry: ``V: (*b, S)``, ``states, actions`` broadcastable to ``*b``
        -> ``(*b, d)``."""
        self._check_values(V)
        b = V.shape[:-1]
        flat = self.pair_index(*torch.broadcast_tensors(states, actions))
        idx = self.next_states.reshape(-1, self.width)[flat].expand(*b, self.width)  # (*b, N)
        feats = self.next_phi.reshape(-1, self.width, self.dim)[flat].expand(*b, self.width, self.dim)  # (*b, N, d)
        return (torch.gather(V, -1, idx).unsqueeze(-1) * feats).sum(-2)

    def pair_index(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """The flat index ``s A + a`` of state-action pairs (tables reshaped to ``(S A, ...)``)."""
        return states * self.n_actions + actions

    def next_of(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Next-state slots of pairs: ``states, actions: (*p,)`` (broadcast) -> ``(*p, N)``."""
        flat = self.pair_index(*torch.broadcast_tensors(states, actions))
        return self.next_states.reshape(-1, self.width)[flat]

    def psi_policy(self, V: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """``psi_V(s, pi(s))`` for every state under a deterministic policy: ``V: (*b, S)``, ``actions: (*b, S)``
        -> ``(*b, S, d)``."""
        states = torch.arange(self.n_states, device=self.device)
        return self.psi_at(V.unsqueeze(-2).expand(*V.shape[:-1], self.n_states, self.n_states), states, actions)

    def transitions(self, theta: torch.Tensor) -> torch.Tensor:
        """``P_theta(s'|s, a) = <phi(s'|s, a), theta>``: ``theta: (*b, d)`` -> ``(*b, S, A, S)``."""
        theta = torch.as_tensor(theta, device=self.device, dtype=self.dtype)
        if theta.shape[-1:] != (self.dim,):
            raise RLKitError(f"theta must have shape (*b, d) with d = {self.dim}, got {tuple(theta.shape)}")
        return torch.einsum("sapd,...d->...sap", self.phi, theta)

    def max_total(self, rewards: torch.Tensor, start: int) -> torch.Tensor:
        """The largest total reward of any trajectory the features allow from ``start``:
        ``rewards: (*b, H, S, A)`` -> ``(*b,)`` (a DP over the features' support, so it never undercounts)."""
        H = rewards.shape[-3]
        W = torch.zeros(*rewards.shape[:-3], self.n_states, device=rewards.device, dtype=rewards.dtype)
        neg = torch.finfo(rewards.dtype).min
        for h in range(H - 1, -1, -1):
            nxt = W[..., self.next_states.reshape(-1)].reshape(*W.shape[:-1], self.n_states, self.n_actions,
                                                                 self.width)
            best = nxt.masked_fill(~self.valid, neg).amax(-1)  # (*b, S, A)
            W = (rewards[..., h, :, :] + best).amax(-1)
        return W[..., start]

    # ----------------------------------------------------------- checks
    def _check_values(self, V: torch.Tensor) -> None:
        if not isinstance(V, torch.Tensor) or V.dim() < 1 or V.shape[-1] != self.n_states:
            given = tuple(V.shape) if isinstance(V, torch.Tensor) else type(V).__name__
            raise RLKitError(f"V must be a tensor of shape (*b, S) with S = {self.n_states}, got {given}")
