"""The checks every agent builder (``for_env``) runs before it builds: its budget and its keyword arguments.

``BanditAgent`` and ``EpisodicAgent`` wrap their own ``for_env`` and every subclass's override with
:func:`checked_builder` (in ``__init_subclass__``), so ``LinUCB.for_env(env, rounds=-5)``, ``rounds=2.5`` or a
misspelt ``alpah=1.0`` give one :class:`~rlkit.core.errors.RLKitError` naming the argument instead of a run that
starts with a nonsense horizon or a raw ``TypeError`` from the constructor.
"""

from __future__ import annotations

import functools
import inspect

from rlkit.core.checks import check_int
from rlkit.core.errors import RLKitError

__all__ = ["checked_builder"]


def _keywords(fn) -> tuple[set[str], bool]:
    """The keyword parameters of ``fn`` and whether it also takes ``**kwargs``."""
    params = inspect.signature(fn).parameters.values()
    names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return names, any(p.kind is p.VAR_KEYWORD for p in params)


def _constructor_keywords(cls) -> tuple[set[str], bool]:
    """The keyword parameters ``cls(...)`` accepts, following ``**kwargs`` up the base classes' constructors, and
    whether the chain stays open (some constructor takes ``**kwargs`` that none below names)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        own, open_ = _keywords(init)
        names |= own
        if not open_:
            return names, False
    return names, True


def checked_builder(for_env, budget: str):
    """``for_env`` (the plain function of a classmethod) with ``budget`` (``"rounds"`` or ``"episodes"``) checked as
    an integer >= 1 and every keyword argument checked against the builder's and the constructor's parameters."""
    if getattr(for_env, "_rlkit_checked", False):
        return for_env

    @functools.wraps(for_env)
    def build(cls, env, *args, **kwargs):
        if budget in kwargs:
            kwargs[budget] = check_int(budget, kwargs[budget])
        own, _ = _keywords(for_env)
        init, open_init = _constructor_keywords(cls)
        if not open_init:
            unknown = sorted(set(kwargs) - own - init)
            if unknown:
                takes = sorted((own | init) - {"self", "cls", "env"})
                raise RLKitError(f"{cls.__name__}.for_env got unknown keyword argument(s) {unknown} (misspelt?); "
                                 f"it takes {', '.join(takes)}")
        return for_env(cls, env, *args, **kwargs)

    build._rlkit_checked = True
    return build


def check_subclass_builder(cls, budget: str) -> None:
    """Wrap ``cls``'s own ``for_env`` (if it defines one) with :func:`checked_builder`."""
    fn = cls.__dict__.get("for_env")
    if isinstance(fn, classmethod):
        cls.for_env = classmethod(checked_builder(fn.__func__, budget))
