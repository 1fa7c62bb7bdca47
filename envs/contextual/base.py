"""Context parameters for the contextual control environments: ranges, validation, context in the observation.

A contextual environment has named physical parameters (its *context*), each with a default and an allowed
range. :class:`ContextualEnv` validates the values it is built with and, when ``context_in_obs`` is true,
appends the raw values of every context parameter (in the order of ``CONTEXT``) to the observation, the way
CARL shows it with ``hide_context=False`` (the setting of the MBTL paper's control tasks); with
``context_in_obs`` false the observation is the standard environment's.
"""

from __future__ import annotations

import math

import numpy as np
from gymnasium import spaces

from rlkit.core.checks import RLKitError


class ContextualEnv:
    """Mixin: the context of a gymnasium environment, validated against ``CONTEXT = {name: (default, low, high)}``."""

    CONTEXT: dict[str, tuple[float, float, float]] = {}

    def _set_context(self, values: dict, context_in_obs: bool) -> None:
        for name, value in values.items():
            if name not in self.CONTEXT:
                raise RLKitError(f"unknown context {name!r} for {type(self).__name__}; known: {sorted(self.CONTEXT)}")
            _, low, high = self.CONTEXT[name]
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise RLKitError(f"context {name} must be a number in [{low}, {high}], got {value!r}") from None
            if not (math.isfinite(v) and low <= v <= high):
                raise RLKitError(f"context {name} must lie in [{low}, {high}] (x0.1 .. x10 of its default "
                                 f"{self.CONTEXT[name][0]}), got {value!r}")
        if not isinstance(context_in_obs, bool):
            raise RLKitError(f"context_in_obs must be true or false, got {context_in_obs!r}")
        self.context = {name: float(values.get(name, spec[0])) for name, spec in self.CONTEXT.items()}
        self.context_in_obs = context_in_obs
        for name, value in self.context.items():
            setattr(self, self._attribute(name), value)

    def _attribute(self, name: str) -> str:
        """The attribute of the underlying environment that holds context ``name`` (default: the same name)."""
        return name

    def _context_space(self, base: spaces.Box) -> spaces.Box:
        if not self.context_in_obs:
            return base
        low = np.array([spec[1] for spec in self.CONTEXT.values()], dtype=base.dtype)
        high = np.array([spec[2] for spec in self.CONTEXT.values()], dtype=base.dtype)
        return spaces.Box(np.concatenate([base.low, low]), np.concatenate([base.high, high]), dtype=base.dtype)

    def _observe(self, obs: np.ndarray) -> np.ndarray:
        if not self.context_in_obs:
            return obs
        return np.concatenate([obs, np.array(list(self.context.values()), dtype=obs.dtype)])
