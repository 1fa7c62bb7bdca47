"""Batched contextual control environments: ``B`` copies of a gymnasium control task as one tensor program.

Each environment of the batch has its own context (a ``(B,)`` tensor per context parameter) and its own
state; one :meth:`BatchedContextualEnv.step` advances all of them. The dynamics are gymnasium's, in
float64 like gymnasium's own NumPy code (``dtype`` may choose float32 for speed), and observations are
cast to float32 as gymnasium returns them. ``tests/envs/test_batched_contextual.py`` checks every step
against :class:`rlkit.envs.ContextualCartPole` / :class:`rlkit.envs.ContextualPendulum` on random actions
from the same injected reset states, including termination, truncation and the observation's context.

Auto-reset follows Stable-Baselines3's ``VecEnv``: :meth:`step` returns for an environment whose episode
ended (``terminated`` or ``truncated``) the first observation of its next episode, and the last
observation of the ended one in ``final_obs`` (SB3's ``info["terminal_observation"]``); ``truncated`` is
SB3's ``info["TimeLimit.truncated"]``: the time limit was hit and the episode did not terminate. The reset
states of the new episodes come from ``reset_noise`` (uniform [0, 1) draws, one row per environment), so a
caller that owns one random stream per environment (the batched PPO trainer) decides every draw; without
it they come from the environment's ``generator``.
"""

from __future__ import annotations

import numpy as np
import torch

from rlkit.core.checks import RLKitError, check_shape, resolve_device_dtype


class BatchedContextualEnv:
    """Base class: ``B`` environments with per-environment context, state, step counter and auto-reset.

    Subclasses set ``CONTEXT`` (``{name: (default, low, high)}``, the single environment's), ``STATE_DIM``,
    ``OBS_DIM`` (without the context), ``MAX_STEPS`` (the registered time limit), ``RESET_HIGH`` (reset
    states are uniform on ``[-RESET_HIGH, RESET_HIGH]`` per coordinate, gymnasium's default) and
    implement :meth:`_dynamics` and :meth:`_observe_state`.

    Args:
        context: ``{name: value or (B,) tensor}`` for any of ``CONTEXT``'s names (the others take their
            defaults); a scalar is broadcast to the batch.
        batch: ``B`` (default: the length of the context tensors, else 1).
        context_in_obs: append the context values (in ``CONTEXT``'s order) to the observation (default
            false), as the single environment's ``context_in_obs``.
        device, dtype: where and in which float type the state and dynamics live (default CPU, float64:
            gymnasium's arithmetic).
        generator: ``torch.Generator`` for resets without ``reset_noise`` (default: a fresh one seeded 0).
    """

    CONTEXT: dict[str, tuple[float, float, float]] = {}
    STATE_DIM = 0
    OBS_DIM = 0
    MAX_STEPS = 0
    RESET_HIGH: tuple[float, ...] = ()
    discrete = True
    action_dim = 1

    def __init__(self, context: dict | None = None, batch: int | None = None, context_in_obs: bool = False,
                 device=None, dtype=torch.float64, generator: torch.Generator | None = None):
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        context = dict(context or {})
        for name in context:
            if name not in self.CONTEXT:
                raise RLKitError(f"unknown context {name!r} for {type(self).__name__}; known: {sorted(self.CONTEXT)}")
        sizes = {torch.as_tensor(v).numel() for v in context.values() if torch.as_tensor(v).ndim > 0}
        if batch is None:
            batch = sizes.pop() if len(sizes) == 1 else 1
        if len(sizes - {batch}) > 0:
            raise RLKitError(f"context tensors must all have the batch size {batch}, got sizes {sorted(sizes)}")
        if not isinstance(context_in_obs, bool):
            raise RLKitError(f"context_in_obs must be true or false, got {context_in_obs!r}")
        self.batch = int(batch)
        self.context_in_obs = context_in_obs
        self.context = {name: torch.zeros(self.batch, device=self.device, dtype=self.dtype) for name in self.CONTEXT}
        self.set_context({name: context.get(name, self.CONTEXT[name][0]) for name in self.CONTEXT})
        self.generator = generator if generator is not None else torch.Generator(device=self.device).manual_seed(0)
        self.state = torch.zeros(self.batch, self.STATE_DIM, device=self.device, dtype=self.dtype)
        self.steps = torch.zeros(self.batch, dtype=torch.long, device=self.device)
        self.obs_dim = self.OBS_DIM + (len(self.CONTEXT) if context_in_obs else 0)
        self._high = torch.tensor(self.RESET_HIGH, device=self.device, dtype=self.dtype)

    # --------------------------------------------------------------- context
    def set_context(self, values: dict, mask: torch.Tensor | None = None) -> None:
        """Set context ``name`` to ``values[name]`` (scalar or ``(B,)``) where ``mask`` (default: everywhere)."""
        for name, value in values.items():
            if name not in self.CONTEXT:
                raise RLKitError(f"unknown context {name!r} for {type(self).__name__}; known: {sorted(self.CONTEXT)}")
            _, low, high = self.CONTEXT[name]
            v = torch.as_tensor(value, dtype=self.dtype, device=self.device).expand(self.batch)
            ok = torch.isfinite(v) & (v >= low * (1 - 1e-6)) & (v <= high * (1 + 1e-6))  # float32 rounding
            if not bool(torch.all(ok)):
                raise RLKitError(f"context {name} must lie in [{low}, {high}], got {v[~ok][0].item()!r}")
            v = v.clamp(low, high)
            self.context[name] = v.clone() if mask is None else torch.where(mask, v, self.context[name])

    # ------------------------------------------------------------ episodes
    def reset_states(self, noise: torch.Tensor) -> torch.Tensor:
        """Reset states ``(B, STATE_DIM)`` from uniform [0, 1) draws ``noise`` of the same shape:
        ``low + (high - low) * u``, the affine map of NumPy's ``Generator.uniform``."""
        return -self._high + 2 * self._high * noise.to(self.dtype)

    @classmethod
    def gymnasium_reset_states(cls, seeds, device=None, dtype=torch.float64) -> torch.Tensor:
        """The states ``(len(seeds), STATE_DIM)`` that the single gymnasium environment starts from after
        ``reset(seed=s)`` (its ``np_random`` is ``numpy.random.default_rng(s)``): common random numbers with
        the SB3 evaluation path."""
        high = np.asarray(cls.RESET_HIGH, dtype=np.float64)
        states = [np.random.default_rng(int(s)).uniform(-high, high) for s in seeds]
        return torch.as_tensor(np.array(states).reshape(len(states), cls.STATE_DIM), device=device, dtype=dtype)

    def reset(self, states: torch.Tensor | None = None, noise: torch.Tensor | None = None) -> torch.Tensor:
        """Start every episode; return the observations ``(B, obs_dim)`` float32.

        ``states``: the initial states ``(B, STATE_DIM)`` (injected, e.g. :meth:`gymnasium_reset_states`);
        else drawn from ``noise`` (uniform draws ``(B, STATE_DIM)``) or the generator."""
        if states is None:
            if noise is None:
                noise = torch.rand(self.batch, self.STATE_DIM, generator=self.generator, device=self.device,
                                   dtype=self.dtype)
            states = self.reset_states(check_shape("noise", noise, (self.batch, self.STATE_DIM)))
        self.state = check_shape("states", states, (self.batch, self.STATE_DIM)).to(self.device, self.dtype).clone()
        self.steps.zero_()
        return self.observe()

    def observe(self) -> torch.Tensor:
        obs = self._observe_state(self.state)
        if self.context_in_obs:
            obs = torch.cat([obs, torch.stack(list(self.context.values()), -1)], -1)
        return obs.to(torch.float32)

    def step(self, action: torch.Tensor, reset_noise: torch.Tensor | None = None,
             next_context: dict | None = None, auto_reset: bool = True):
        """Advance every environment by one step.

        Args:
            action: ``(B,)`` integer actions (discrete) or ``(B, action_dim)`` (continuous; clipped to the
                action bounds by the dynamics, as gymnasium's).
            reset_noise: ``(B, STATE_DIM)`` uniform draws for the states of the episodes that start now
                (rows of environments that did not finish are ignored); default: drawn from the generator.
            next_context: ``{name: (B,)}`` the context of the episodes that start now (a multi-task run
                draws one per episode); default: unchanged.
            auto_reset: reset finished environments (SB3's ``VecEnv``); false leaves them as they ended.

        Returns:
            ``obs (B, obs_dim)`` float32 (the next episode's first observation where one ended),
            ``reward (B,)`` (``dtype``), ``terminated (B,)``, ``truncated (B,)`` bool, and ``final_obs
            (B, obs_dim)`` (the observation reached by this step, before any reset).
        """
        self.state, reward, terminated = self._dynamics(self.state, action)
        self.steps += 1
        truncated = (self.steps >= self.MAX_STEPS) & ~terminated
        final_obs = self.observe()
        done = terminated | truncated
        if not auto_reset or not bool(done.any()):
            return final_obs, reward, terminated, truncated, final_obs
        if reset_noise is None:
            reset_noise = torch.rand(self.batch, self.STATE_DIM, generator=self.generator, device=self.device,
                                     dtype=self.dtype)
        if next_context is not None:
            self.set_context(next_context, done)
        self.state = torch.where(done[:, None], self.reset_states(reset_noise), self.state)
        self.steps = torch.where(done, torch.zeros_like(self.steps), self.steps)
        return self.observe(), reward, terminated, truncated, final_obs

    # ------------------------------------------------------------ physics
    def _dynamics(self, state: torch.Tensor, action: torch.Tensor):
        """``(next_state, reward, terminated)`` of one step from ``state`` under ``action``."""
        raise NotImplementedError

    def _observe_state(self, state: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
