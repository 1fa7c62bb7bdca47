"""The batched bandit agent contract shared by every bandit algorithm.

``act(contexts: (B, K, d)) -> actions: (B,) long`` and ``update(contexts: (B, K, d), actions: (B,),
rewards: (B,))``. ``B`` runs are independent; they only share the tensor program. Agents build their
per-run random streams from ``seed`` (an int root seed, or one SeedSequence per run as the experiment
runner passes them) so that a run's decisions do not depend on the batch it is computed in.

Input checks (:mod:`rlkit.core.checks`): the shape ``(B, K, d)`` of the contexts, their dtype and device (the
agent's), the dtype of the actions (integer arm indices) and the shapes of actions and rewards are metadata
and always checked. With ``validate=True`` (the default) the values are checked too, at the cost of one
boolean read per update: rewards and contexts finite, arms in ``[0, K)`` (a contexts tensor is read once and
not again while the same, unmodified tensor comes back, as the fixed contexts of most environments do).
With ``validate=False`` the values are *not checked*: a NaN reward or an out-of-range arm then gives wrong
results or a raw torch error. With ``validate="checkpoint"`` (what the experiment runner uses) the same checks are
kept on the device and read once per checkpoint of the loop (:mod:`rlkit.core.deferred`): no per-round host
read, and a bad value still stops the run with the same message, at the next checkpoint.

Actions an agent returned from its own ``act`` (the same tensor object, unmodified where torch keeps a version
counter: outside ``torch.inference_mode``) are arm indices of the right shape by construction, so ``update``
checks only the rewards for them (two tensor operations instead of ten per round); any other actions tensor is
checked in full. Every subclass's ``act`` records its result for this (:meth:`BanditAgent.__init_subclass__`).
"""

from __future__ import annotations

import functools

import torch

from rlkit.agents.builder import check_subclass_builder
from rlkit.core.checks import (
    RLKitError,
    check_finite,
    check_int,
    check_integer_tensor,
    check_like,
    check_shape,
    env_placement,
    resolve_device_dtype,
)
from rlkit.core.deferred import DeferredValidation
from rlkit.core.seeding import AGENT, BatchRNG, as_sequences, role_sequence


class BanditAgent(DeferredValidation):
    """Base class of the batched bandit agents: sizes, device, dtype, the agent's random streams, input checks.

    ``act(contexts: (B, K, d)) -> (B,)`` arms, ``update(contexts, actions: (B,), rewards: (B,))``; build one with
    ``for_env(env, rounds=T, seed=...)``, which reads the sizes (and, per agent, the constants its theory needs) from
    a batched environment.

    Parameters
    ----------
    n_runs : int
        ``B``, the independent runs played as one tensor program (the leading axis of every tensor).
    n_arms : int
        ``K``, the arms per round.
    dim : int
        ``d``, the context dimension.
    seed : int or sequence of numpy.random.SeedSequence, default 0
        The root seed (run ``i`` draws from ``run_sequence(seed, i)``) or one ``SeedSequence`` per run; the agent's
        random streams depend only on it and the run, never on the batch (:mod:`rlkit.core.seeding`).
    device : torch.device or str, default None
        Where the agent's tensors live (``None``: the CPU; ``for_env`` takes the environment's).
    dtype : torch.dtype, default None
        The working dtype (``None``: float64; ``for_env`` takes the environment's).
    validate : bool or "checkpoint", default True
        ``True`` reads the value checks (finite rewards, arms in range) once per update; ``"checkpoint"`` keeps
        them on the device and the rollouts read them at checkpoints; ``False`` skips them (shapes, dtypes and
        devices are always checked).
    """

    def __init__(self, n_runs: int, n_arms: int, dim: int, *, seed=0, device=None, dtype=None,
                 validate: bool | str = True):
        self.n_runs = check_int("n_runs", n_runs)
        self.n_arms = check_int("n_arms", n_arms)
        self.dim = check_int("dim", dim)
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        self._set_validate(validate)
        self.rng = BatchRNG([role_sequence(s, AGENT) for s in as_sequences(seed, self.n_runs)], self.device, self.dtype)
        self._runs = torch.arange(self.n_runs, device=self.device)
        self._checked_contexts: tuple | None = None  # (tensor, version) of the contexts last checked
        self._acted: torch.Tensor | None = None  # the tensor the last act returned, and its version (-1: none kept)
        self._acted_version = -1

    def __init_subclass__(cls, **kwargs):
        """Wrap a subclass's own ``act`` so that the actions it returns are recorded (see :meth:`_own_actions`)."""
        super().__init_subclass__(**kwargs)
        check_subclass_builder(cls, "rounds")  # budget and keyword arguments of for_env (rlkit.agents.builder)
        act = cls.__dict__.get("act")
        if act is None or getattr(act, "_records_actions", False):
            return

        @functools.wraps(act)
        def recorded(self, contexts, *args, **kwargs):
            out = act(self, contexts, *args, **kwargs)
            is_tensor = isinstance(out, torch.Tensor)
            self._acted = out if is_tensor else None  # anything but a tensor gets the full checks
            self._acted_version = -1  # under inference mode (the experiment runner) the tensor is trusted as is
            if is_tensor and not torch.is_inference_mode_enabled():
                try:
                    self._acted_version = out._version
                except RuntimeError:  # an inference tensor made earlier: it keeps no version counter
                    pass
            return out

        recorded._records_actions = True
        cls.act = recorded

    @classmethod
    def for_env(cls, env, *, rounds: int, seed, device=None, dtype=None, **params):
        """Build the agent for a batched bandit environment (the experiment runner's entry point).

        Agents whose ``theory=True`` constants need environment knowledge (norm bounds, noise level,
        stability radius) or the number of rounds T override this to read them from ``env``. ``device`` and ``dtype``
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
    def contexts_layout(self) -> tuple[str, tuple, str]:
        """The contexts' axes, their sizes (``None``: any) and what the sizes are: ``"(B, K, d)"``,
        ``(n_runs, n_arms, dim)``, ``"n_runs, n_arms, dim"``."""
        return "(B, K, d)", (self.n_runs, self.n_arms, self.dim), "n_runs, n_arms, dim"

    def _check_contexts(self, contexts: torch.Tensor) -> torch.Tensor:
        """``contexts`` of the agent's shape (:meth:`contexts_layout`), dtype and device; finite (``validate``). A
        tensor is checked once: the same, unmodified tensor coming back (the fixed contexts of most environments)
        passes without a look."""
        seen = self._checked_contexts
        if seen is not None and contexts is seen[0] and (seen[1] < 0 or contexts._version == seen[1]):
            return contexts
        layout, expected, sizes = self.contexts_layout()
        if not isinstance(contexts, torch.Tensor) or contexts.dim() != len(expected) or any(
                e is not None and n != e for n, e in zip(contexts.shape, expected, strict=True)):
            got = tuple(contexts.shape) if isinstance(contexts, torch.Tensor) else type(contexts).__name__
            shown = "(" + ", ".join("*" if e is None else str(e) for e in expected) + ")"
            raise RLKitError(f"contexts must be a tensor of shape {layout} = {shown} (the agent's {sizes}), got {got}")
        check_like("contexts", contexts, dtype=self.dtype, device=self.device)
        if self.deferred is not None:
            self.deferred.add("contexts must be finite", ~torch.isfinite(contexts).all())
        elif self.validate:
            check_finite("contexts", contexts)
        self._checked_contexts = (contexts, _version(contexts))
        return contexts

    def _own_actions(self, actions) -> bool:
        """Whether ``actions`` is the tensor the last ``act`` returned, unmodified (as far as torch can tell: an
        inference tensor keeps no version counter, so one made under ``torch.inference_mode`` is trusted)."""
        if actions is not self._acted:
            return False
        return self._acted_version < 0 or actions._version == self._acted_version

    def _check_update(self, contexts, actions, rewards) -> None:
        self._check_inputs(contexts, actions, rewards, (self.n_runs,), (self.n_runs,))

    def _check_held(self, contexts, actions, rewards) -> None:
        """Checks for a block of rounds of one held action: ``rewards: (B, n)``."""
        self._check_inputs(contexts, actions, rewards, (self.n_runs,), (self.n_runs, None))

    def _check_inputs(self, contexts, actions, rewards, actions_shape: tuple, rewards_shape: tuple) -> None:
        """The checks of an update, for actions and rewards of the given shapes (``None``: any size). The agent's own
        actions (:meth:`_own_actions`) are arm indices of the right shape, dtype and device by construction: only the
        rewards are read for them. Otherwise one host read covers the rewards' finiteness and the arms' range
        ``[0, K)``, ``K = contexts.shape[-2]``; the messages are built only on failure."""
        self._check_contexts(contexts)
        own = self._own_actions(actions)
        if not own:
            check_shape("actions", actions, actions_shape)
            check_integer_tensor("actions", actions, "arm indices")
            check_like("actions", actions, device=self.device)
        check_shape("rewards", rewards, rewards_shape)
        check_like("rewards", rewards, dtype=self.dtype, device=self.device)
        if not self.validate:
            return
        k = contexts.shape[-2]
        if self.deferred is not None:  # recorded on the device, read at the next checkpoint
            self.deferred.add("rewards must be finite", ~torch.isfinite(rewards).all())
            if not own:
                self.deferred.add(f"actions must be arm indices in [0, {k})", ((actions < 0) | (actions >= k)).any())
            return
        if own:
            check_finite("rewards", rewards)
            return
        if not bool(torch.isfinite(rewards).all() & (actions >= 0).all() & (actions < k).all()):
            check_finite("rewards", rewards)
            raise RLKitError(f"actions must be arm indices in [0, {k}), got values "
                             f"{actions.min().item()}..{actions.max().item()}")

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
    return -1 if tensor.is_inference() else tensor._version


check_subclass_builder(BanditAgent, "rounds")
