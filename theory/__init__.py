"""The papers' bounds as plain functions, one module per paper, and the look-up specs use to name them.

A spec names a bound as ``"module.function"`` (``plot.theory = "oful.regret_bound"``); :func:`theory_function`
finds it and :func:`theory_curve` evaluates it. A function may carry ``label`` (its formula), ``term`` (the
regret notion it bounds) and ``algo`` (the agent it bounds; ``None`` for a lower bound of every algorithm).
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np

from rlkit.core.errors import SpecError


def theory_function(name: str):
    """``"oful.regret_bound"`` -> :func:`rlkit.theory.oful.regret_bound`."""
    module, _, func = name.rpartition(".")
    try:
        return getattr(importlib.import_module(f"rlkit.theory.{module}"), func)
    except (ImportError, AttributeError, ValueError):
        raise SpecError(f"plot.theory must name a function of rlkit.theory as 'module.function', "
                        f"got {name!r}") from None


def theory_curve(name: str, t: np.ndarray, available: dict, overrides: dict | None = None) -> tuple[str, np.ndarray]:
    """Evaluate a theory function at ``t`` with the keyword arguments it accepts from ``available``
    (environment constants) updated by ``overrides`` (the spec's ``plot.theory_params``)."""
    fn = theory_function(name)
    params = inspect.signature(fn).parameters
    kwargs = {k: v for k, v in {**available, **(overrides or {})}.items() if k in params}
    return getattr(fn, "label", name), np.asarray(fn(t, **kwargs), dtype=np.float64)
