"""Natively batched torch bandit environments, and the single-instance gymnasium view of any of them.

:class:`BatchedBanditEnv` is a :class:`gymnasium.vector.VectorEnv` over ``B = num_envs`` independent runs
whose observations, rewards and ``info`` entries are torch tensors with a leading runs axis:

    reset(seed) -> contexts: (B, K, d), info
    step(actions: (B,)) -> contexts: (B, K, d), rewards: (B,), terminations: (B,), truncations: (B,), info

``info`` always carries ``expected_reward`` (the mean reward of the arm just played) and
``optimal_expected_reward`` (the best arm's), per run, so pseudo-regret is exact; no agent reads them.
Bandit episodes never end (``terminations`` and ``truncations`` are always False).

``seed`` may be an int root seed (run ``i`` uses ``rlkit.core.seeding.run_sequence(seed, i)``), a list of ints,
or a list of SeedSequences (what the experiment runner passes for a chunk of runs). Every random number
comes from the run's environment stream, so run ``i`` sees the same instance and noise whatever agent plays
it and whatever batch it sits in.

:class:`SingleBanditEnv` wraps a batched class with ``B = 1`` and numpy in/out: it is what
``gymnasium.make("rlkit/...")`` returns and it passes ``gymnasium.utils.env_checker.check_env``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from rlkit.core.checks import RLKitError, check_int, check_integer_tensor, check_shape, resolve_device_dtype
from rlkit.core.seeding import ENV, BatchRNG, as_sequences, child_sequence, role_sequence


class BatchedBanditEnv(gym.vector.VectorEnv):
    """Base class: spaces, seeding and the step protocol. Subclasses implement ``_sample_instance`` and ``_step``."""

    metadata = {"render_modes": [], "autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP}
    regret_terms: dict[str, tuple[str, str]] = {"regret": ("optimal_expected_reward", "expected_reward")}
    """Regret curves the rollout records: name -> (optimal-value key, achieved-value key) of ``info``
    (the key ``"reward"`` means the observed reward)."""

    def __init__(self, num_envs: int, n_arms: int, dim: int, device=None, dtype=None, obs_bound: float = np.inf):
        self.num_envs = check_int("num_envs", num_envs)
        self.n_arms = check_int("n_arms", n_arms)
        self.dim = check_int("dim", dim)
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        self.single_observation_space = spaces.Box(-obs_bound, obs_bound, (self.n_arms, self.dim), np.float64)
        self.observation_space = spaces.Box(-obs_bound, obs_bound, (self.num_envs, self.n_arms, self.dim), np.float64)
        self.single_action_space = spaces.Discrete(self.n_arms)
        self.action_space = spaces.MultiDiscrete(np.full(self.num_envs, self.n_arms))
        self.rng: BatchRNG | None = None
        self.t = 0
        self._runs = torch.arange(self.num_envs, device=self.device)
        self._false = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)
        self._episode = 0
        self._root = None

    # ------------------------------------------------------------- protocol
    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self._root = as_sequences(seed, self.num_envs)
            self._episode = 0
        elif self._root is None:
            self._root = as_sequences([np.random.SeedSequence() for _ in range(self.num_envs)])
        else:
            self._episode += 1
        seqs = [role_sequence(s, ENV) for s in self._root]
        if self._episode:
            seqs = [child_sequence(s, 1 << 20, self._episode) for s in seqs]
        self.rng = BatchRNG(seqs, self.device, self.dtype)
        self.t = 0
        self._sample_instance(self.rng.stream("instance"))
        return self._observe(), {}

    def step(self, actions):
        if self.rng is None:
            raise RLKitError("reset() must be called before step()")
        actions = self._as_actions(actions)
        try:
            rewards, info = self._step(actions)
        except (IndexError, RuntimeError) as e:
            raise self.arms_error(actions, e) from None
        self.t += 1
        return self._observe(), rewards, self._false, self._false, info

    def _as_actions(self, actions) -> torch.Tensor:
        """What :meth:`step` plays: arm indices here (:meth:`arm_indices`); a subclass may accept more."""
        return self.arm_indices(actions)

    def arm_indices(self, actions) -> torch.Tensor:
        """``actions`` as a long tensor ``(B,)`` on the environment's device, after the metadata checks (shape,
        integer dtype). Their range is not read here (a host read per step): an index out of ``[0, K)`` makes
        the step's indexing fail, and :meth:`arms_error` turns that into a clear error."""
        if type(actions) is torch.Tensor and actions.dtype == torch.long and actions.device == self.device:
            return check_shape("actions", actions, (self.num_envs,))  # the common case: no tensor operation
        actions = torch.as_tensor(actions, device=self.device)
        check_shape("actions", actions, (self.num_envs,))
        check_integer_tensor("actions", actions, f"arm indices in [0, {self.n_arms})")
        return actions.long()

    def arms_error(self, actions: torch.Tensor, error: Exception) -> Exception:
        """The exception to raise for ``error`` from indexing with ``actions``: an :class:`RLKitError` naming the
        range when some arm lies outside ``[0, K)`` (the environment has not moved), else ``error`` itself.
        Subclasses index their tables with ``gather``/``index_select``, which reject negative indices too."""
        lo, hi = int(actions.min()), int(actions.max())
        if lo < 0 or hi >= self.n_arms:
            return RLKitError(f"actions must be arm indices in [0, {self.n_arms}), got values {lo}..{hi}")
        return error

    def theory_params(self) -> dict:
        """Constants the papers' bounds and ``theory=True`` agents may read (dimension, norms, noise level)."""
        return {"d": self.dim, "K": self.n_arms}

    # ------------------------------------------------------- to implement
    def _sample_instance(self, rng: BatchRNG) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def _observe(self) -> torch.Tensor:  # pragma: no cover - interface
        """Current contexts ``(B, K, d)``."""
        raise NotImplementedError

    def _step(self, actions: torch.Tensor) -> tuple[torch.Tensor, dict]:  # pragma: no cover - interface
        """Rewards ``(B,)`` and info for ``actions`` ``(B,)``, then advance to the next round."""
        raise NotImplementedError


class SingleBanditEnv(gym.Env):
    """A single-instance ``gymnasium.Env`` view of a :class:`BatchedBanditEnv` subclass (``B = 1``, numpy)."""

    metadata = {"render_modes": []}
    batched_class: type[BatchedBanditEnv] = BatchedBanditEnv

    def __init__(self, **kwargs):
        kwargs.pop("num_envs", None)
        self.inner = self.batched_class(num_envs=1, **kwargs)
        self.observation_space = self.inner.single_observation_space
        self.action_space = self.inner.single_action_space

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        obs, info = self.inner.reset(seed=None if seed is None else [seed], options=options)
        return self._np(obs[0]), self._info(info)

    def step(self, action):
        if not self.action_space.contains(action):
            raise RLKitError(f"action must be an integer in [0, {self.inner.n_arms}), got {action!r}")
        obs, r, term, trunc, info = self.inner.step(torch.tensor([int(action)]))
        return self._np(obs[0]), float(r[0]), bool(term[0]), bool(trunc[0]), self._info(info)

    @staticmethod
    def _np(x: torch.Tensor) -> np.ndarray:
        return x.detach().cpu().numpy().astype(np.float64)

    @staticmethod
    def _info(info: dict) -> dict:
        return {k: (float(v[0]) if isinstance(v, torch.Tensor) and v.dim() == 1 else v) for k, v in info.items()}
