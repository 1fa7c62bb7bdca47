"""Name -> object registries for agents and experiment kinds (environments use gymnasium's registry).

An agent's key is its class name (``LSVIUCB``, what ``from rlkit.baselines import LSVIUCB`` imports); the
paper's own spelling, where it differs (``"LSVI-UCB"``), is its *alias*. Specs may name an agent by either;
``rlkit list`` shows both. A look-up of an unknown name fails with one line that suggests the closest names.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable

from rlkit.core.errors import SpecError


class Registry:
    """A dictionary of named entries with display aliases; a failed look-up says what exists and what is close."""

    def __init__(self, what: str):
        self.what = what
        self._entries: dict[str, object] = {}
        self._aliases: dict[str, str] = {}  # alias -> key
        self._display: dict[str, str] = {}  # key -> alias

    def register(self, name: str | None = None, *, alias: str | None = None) -> Callable:
        """Decorator: register ``obj`` under ``name`` (default: its ``__name__``) and, optionally, ``alias``."""

        def deco(obj):
            key = name or obj.__name__
            if key in self._entries and self._entries[key] is not obj:
                raise SpecError(f"{self.what} {key!r} is registered twice")
            if alias is not None:
                if self._aliases.get(alias, key) != key or (alias in self._entries and alias != key):
                    raise SpecError(f"{self.what} alias {alias!r} is taken")
                self._aliases[alias] = key
                self._display[key] = alias
            self._entries[key] = obj
            return obj

        return deco

    def key(self, name: str) -> str:
        """The registry key of ``name`` (a key or an alias); raises :class:`SpecError` for an unknown name."""
        key = self._aliases.get(name, name)
        if key in self._entries:
            return key
        known = sorted(self._entries) + sorted(self._aliases)
        close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.6)
        close += [k for k in known if str(name).lower() == k.lower() and k not in close]
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise SpecError(f"unknown {self.what} {name!r}; {hint}known: {', '.join(self.labels())}")

    def get(self, name: str):
        """The entry registered under ``name`` (a key or an alias)."""
        return self._entries[self.key(name)]

    def alias(self, key: str) -> str | None:
        """The display alias of ``key`` (the paper's spelling), or ``None``."""
        return self._display.get(key)

    def labels(self) -> list[str]:
        """Every key, with its alias in parentheses where it has one: what error messages and listings show."""
        return [f"{k} ({self._display[k]})" if k in self._display else k for k in self.names()]

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries or name in self._aliases


SUPPLIED = frozenset({"self", "n_runs", "n_tasks", "n_arms", "dim", "n_states", "n_actions", "horizon", "task_shape",
                      "env", "matrix", "rounds", "episodes", "seed", "random_state", "device", "dtype"})
"""Constructor arguments the runner supplies (sizes read from the environment or matrix, the budget, seeds,
placement): a spec does not set them."""


def accepted_params(cls) -> set[str]:
    """The parameters a spec's ``[[agents]]`` table may give ``cls``: the keyword parameters of its constructor
    and of its ``for_env`` builder, less what the runner supplies (:data:`SUPPLIED`)."""
    names = set()
    for fn in (cls.__init__, getattr(cls, "for_env", None)):
        if fn is None:
            continue
        for p in inspect.signature(fn).parameters.values():
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
                names.add(p.name)
    return names - SUPPLIED


AGENTS = Registry("agent")
"""Every agent class (bandit, episodic, offline, transfer), keyed by class name, with the paper's name as alias."""

KINDS = Registry("experiment kind")
"""Experiment kind classes (``kind = "..."`` in a spec), instantiated by the runner: see :mod:`rlkit.runner.run`."""
