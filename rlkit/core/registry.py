"""Name -> object registries for agents and experiment kinds (environments use gymnasium's registry)."""

from __future__ import annotations

from collections.abc import Callable

from rlkit.core.checks import SpecError


class Registry:
    """A dictionary of named entries whose look-up failure is one clear line listing what exists."""

    def __init__(self, what: str):
        self.what = what
        self._entries: dict[str, object] = {}

    def register(self, name: str | None = None) -> Callable:
        def deco(obj):
            key = name or obj.__name__
            if key in self._entries and self._entries[key] is not obj:
                raise SpecError(f"{self.what} {key!r} is registered twice")
            self._entries[key] = obj
            return obj

        return deco

    def get(self, name: str):
        try:
            return self._entries[name]
        except KeyError:
            raise SpecError(f"unknown {self.what} {name!r}; known: {', '.join(sorted(self._entries))}") from None

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries


AGENTS = Registry("agent")
"""Every agent class (bandit, episodic, offline, transfer) by the name a spec uses."""

KINDS = Registry("experiment kind")
"""Experiment kind classes (``kind = "..."`` in a spec), instantiated by the runner: see :mod:`rlkit.runner.run`."""
