"""The batched bandit agent contract shared by every bandit algorithm.

``act(contexts: (B, K, d)) -> actions: (B,) long`` and ``update(contexts: (B, K, d), actions: (B,),
rewards: (B,))``. ``B`` runs are independent; they only share the tensor program. Agents build their
per-run random streams from ``seed`` (an int root seed, or one SeedSequence per run as the experiment
runner passes them) so that a run's decisions do not depend on the batch it is computed in.

Input checks (:mod:`rlkit.checks`): the shape ``(B, K, d)`` of the contexts, their dtype and device (the
agent's), the dtype of the actions (integer arm indices) and the shapes of actions and rewards are metadata
and always checked. With ``validate=True`` (the default) the values are checked too, at the cost of one
boolean read per update: rewards and contexts finite, arms in ``[0, K)`` (a contexts tensor is read once and
not again while the same, unmodified tensor comes back, as the fixed contexts of most environments do).
With ``validate=False`` the values are *not checked*: a NaN reward or an out-of-range arm then gives wrong
results or a raw torch error.
"""

from __future__ import annotations

import torch

from rlkit.checks import (
    RLKitError,
    check_finite,
    check_int,
    check_integer_tensor,
    check_like,
    check_shape,
    resolve_device_dtype,
)
from rlkit.seeding import AGENT, BatchRNG, as_sequences, role_sequence


def env_placement(env, device=None, dtype=None) -> dict:
    """``device`` and ``dtype`` for an agent built for ``env``: the given ones, else the environment's."""
    return {"device": getattr(env, "device", None) if device is None else device,
            "dtype": getattr(env, "dtype", None) if dtype is None else dtype}


class BanditAgent:
    """Base class: stores sizes, device, dtype and the agent's random streams; validates inputs."""

    def __init__(self, n_runs: int, n_arms: int, dim: int, *, seed=0, device=None, dtype=None, validate: bool = True):
        self.n_runs = check_int("n_runs", n_runs)
        self.n_arms = check_int("n_arms", n_arms)
        self.dim = check_int("dim", dim)
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        self.validate = bool(validate)
        self.rng = BatchRNG([role_sequence(s, AGENT) for s in as_sequences(seed, self.n_runs)], self.device, self.dtype)
        self._runs = torch.arange(self.n_runs, device=self.device)
        self._finite_contexts: tuple | None = None  # (tensor, version) of the contexts last found finite

    @classmethod
    def for_env(cls, env, *, horizon: int, seed, device=None, dtype=None, **params):
        """Build the agent for a batched bandit environment (the experiment runner's entry point).

        Agents whose ``theory=True`` constants need environment knowledge (norm bounds, noise level,
        stability radius) or the horizon override this to read them from ``env``. ``device`` and ``dtype``
        default to the environment's (:func:`env_placement`), so an agent built for a GPU environment lives there.
        """
        return cls(n_runs=env.num_envs, n_arms=env.n_arms, dim=env.dim, seed=seed, **env_placement(env, device, dtype),
                   **params)

    @classmethod
    def decides_every_round(cls, params: dict) -> bool:
        """Whether the agent built from these spec ``params`` takes a decision every round (no held actions, no
        look-ahead): the slowest units, which the experiment runner starts first."""
        return not (hasattr(cls, "hold_length") or hasattr(cls, "keeps"))

    # ------------------------------------------------------------------ checks
    def _check_contexts(self, contexts: torch.Tensor) -> torch.Tensor:
        """``contexts: (B, K, d)`` of the agent's dtype and device; finite (``validate``, read once per tensor)."""
        expected = (self.n_runs, self.n_arms, self.dim)
        if not isinstance(contexts, torch.Tensor) or tuple(contexts.shape) != expected:
            got = tuple(contexts.shape) if isinstance(contexts, torch.Tensor) else type(contexts).__name__
            raise RLKitError(f"contexts must be a tensor of shape (B, K, d) = {expected} (the agent's n_runs, "
                             f"n_arms, dim), got {got}")
        check_like("contexts", contexts, dtype=self.dtype, device=self.device)
        if self.validate:
            seen = self._finite_contexts
            version = _version(contexts)
            if seen is None or seen[0] is not contexts or seen[1] != version:
                check_finite("contexts", contexts)
                self._finite_contexts = (contexts, version)
        return contexts

    def _check_update(self, contexts, actions, rewards) -> None:
        self._check_contexts(contexts)
        check_shape("actions", actions, (self.n_runs,))
        check_integer_tensor("actions", actions, "arm indices")
        check_shape("rewards", rewards, (self.n_runs,))
        check_like("actions", actions, device=self.device)
        check_like("rewards", rewards, device=self.device)
        if self.validate:  # one host read for both checks; the messages are built only on failure
            k = contexts.shape[1]
            if not bool(torch.isfinite(rewards).all() & (actions >= 0).all() & (actions < k).all()):
                check_finite("rewards", rewards)
                raise RLKitError(f"actions must be arm indices in [0, {k}), got values "
                                 f"{actions.min().item()}..{actions.max().item()}")

    def _check_held(self, contexts, actions, rewards) -> None:
        """Checks for a block of rounds of one held action: ``rewards: (B, n)``."""
        check_shape("rewards", rewards, (self.n_runs, None))
        self._check_update(contexts, actions, rewards[:, 0])
        if self.validate:
            check_finite("rewards", rewards)

    def chosen(self, contexts: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Feature vectors of the played arms: ``(B, K, d), (B,) -> (B, d)``."""
        return contexts[self._runs, actions]

    def act(self, contexts: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:  # pragma: no cover
        raise NotImplementedError


def _version(tensor: torch.Tensor) -> int:
    """The in-place modification counter of ``tensor``; ``-1`` for inference tensors, which keep none (an
    inference tensor is trusted unchanged while the same tensor object comes back)."""
    try:
        return tensor._version
    except RuntimeError:
        return -1
