"""The transfer matrix: zero-shot performance of every source policy on every target task, per trial.

``values[t, i, j] = J(pi_i, x_j)`` in trial ``t``: the return of the policy trained on context ``x_i`` when
it is run, without further training, on context ``x_j`` (rows are sources, columns targets, as in the MBTL
authors' ``data/{domain}_{context}_{trial}_transfer_result.csv``). The strategies of :mod:`rlkit.mbtl`
read the *normalised* matrix ``(J - lower) / (upper - lower)`` with the domain's bounds; values are not
clipped (they may leave [0, 1], as in the authors' code). An optional ``multitask[t, j]`` holds the
performance of one policy trained on all contexts (the Multi-task baseline) on each target.

File format (``.npz``, written by :meth:`TransferMatrix.save`, read by :meth:`TransferMatrix.load`,
no pickled objects)::

    format     str          "rlkit.transfer_matrix/1"
    values     (T, N, N)    float64 raw performance, [trial, source, target]
    contexts   (N,)         float64 context values of the grid, strictly increasing
    bounds     (2,)         float64 [lower, upper] normalisation bounds of the domain
    multitask  (T, N)       float64 raw performance of the multi-task policy (optional)
    std        (T, N, N)    float64 standard deviation over evaluation episodes (optional)
    meta       str          JSON object: family, context, how it was built, ground truth of synthetic
                            families, ...

:meth:`TransferMatrix.from_csv` reads the authors' CSV layout (one file per trial, no header).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from rlkit.core.checks import RLKitError

FORMAT = "rlkit.transfer_matrix/1"


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.flags.writeable = False
    return a


def _check_finite(name: str, a: np.ndarray) -> None:
    bad = ~np.isfinite(a)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise RLKitError(f"{name} must be finite, got {a[first]} at index {first} ({int(bad.sum())} non-finite "
                         "entries)")


class TransferMatrix:
    """Zero-shot transfer performance ``values: (T, N, N)`` [trial, source, target] on a context grid.

    Args:
        values: ``(N, N)`` or ``(T, N, N)`` raw performance (a 2-D matrix is one trial).
        contexts: ``(N,)`` context values, strictly increasing (default ``0 .. N-1``).
        bounds: ``(lower, upper)`` normalisation bounds of the domain, ``lower < upper``.
        multitask: ``(N,)`` or ``(T, N)`` raw performance of the multi-task policy on each target (optional).
        std: like ``values``: standard deviation over evaluation episodes (optional).
        meta: JSON-able facts about the matrix (family, context name, builder settings, ground truth).

    Every array is stored read-only: strategies receive views they cannot modify.
    """

    def __init__(self, values, contexts=None, bounds=(0.0, 1.0), multitask=None, std=None, meta=None):
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 2:
            values = values[None]
        if values.ndim != 3 or values.shape[1] != values.shape[2] or values.shape[1] < 1:
            raise RLKitError(f"values must be a square (N, N) matrix or (T, N, N) trials of them "
                             f"[trial, source, target], got shape {values.shape}")
        _check_finite("values", values)
        T, N, _ = values.shape
        contexts = np.arange(N, dtype=np.float64) if contexts is None else np.asarray(contexts, dtype=np.float64)
        if contexts.shape != (N,):
            raise RLKitError(f"contexts must have shape ({N},) (one value per source/target), got {contexts.shape}")
        _check_finite("contexts", contexts)
        if N > 1 and not np.all(np.diff(contexts) > 0):
            raise RLKitError(f"contexts must be strictly increasing, got {contexts.tolist()}")
        try:
            lower, upper = (float(b) for b in bounds)
        except (TypeError, ValueError):
            raise RLKitError(f"bounds must be two numbers (lower, upper), got {bounds!r}") from None
        if not (math.isfinite(lower) and math.isfinite(upper) and lower < upper):
            raise RLKitError(f"bounds must be finite with lower < upper, got {bounds!r}")
        if multitask is not None:
            multitask = np.asarray(multitask, dtype=np.float64)
            if multitask.ndim == 1:
                multitask = multitask[None]
            if multitask.shape != (T, N):
                raise RLKitError(f"multitask must have shape ({T}, {N}) [trial, target], got {multitask.shape}")
            _check_finite("multitask", multitask)
        if std is not None:
            std = np.asarray(std, dtype=np.float64)
            if std.ndim == 2:
                std = std[None]
            if std.shape != values.shape:
                raise RLKitError(f"std must have the shape of values {values.shape}, got {np.shape(std)}")
        meta = dict(meta or {})
        try:
            json.dumps(meta)
        except TypeError as e:
            raise RLKitError(f"meta must be JSON-serialisable: {e}") from None
        self.values = _readonly(values)
        self.contexts = _readonly(contexts)
        self.bounds = (lower, upper)
        self.multitask = None if multitask is None else _readonly(multitask)
        self.std = None if std is None else _readonly(std)
        self.meta = meta

    # ------------------------------------------------------------------ views
    @property
    def trials(self) -> int:
        return self.values.shape[0]

    @property
    def n(self) -> int:
        return self.values.shape[1]

    def normalize(self, x: np.ndarray) -> np.ndarray:
        lower, upper = self.bounds
        return (np.asarray(x, dtype=np.float64) - lower) / (upper - lower)

    def normalized(self, trial: int | None = None) -> np.ndarray:
        """Normalised values, read-only: ``(T, N, N)``, or ``(N, N)`` of one ``trial``."""
        return _readonly(self.normalize(self.values if trial is None else self.values[self._trial(trial)]))

    def normalized_multitask(self, trial: int | None = None) -> np.ndarray | None:
        """Normalised multi-task performance ``(T, N)`` or ``(N,)``; ``None`` when the matrix has none."""
        if self.multitask is None:
            return None
        return _readonly(self.normalize(self.multitask if trial is None else self.multitask[self._trial(trial)]))

    def _trial(self, trial: int) -> int:
        if isinstance(trial, bool) or not isinstance(trial, (int, np.integer)) or not 0 <= trial < self.trials:
            raise RLKitError(f"trial must be an integer in [0, {self.trials - 1}], got {trial!r}")
        return int(trial)

    # --------------------------------------------------------------- storage
    def save(self, path: str | Path) -> Path:
        """Write the documented ``.npz`` format (see the module docstring); return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {"format": np.array(FORMAT), "values": self.values, "contexts": self.contexts,
                  "bounds": np.array(self.bounds), "meta": np.array(json.dumps(self.meta, sort_keys=True))}
        if self.multitask is not None:
            arrays["multitask"] = self.multitask
        if self.std is not None:
            arrays["std"] = self.std
        with open(path, "wb") as f:
            np.savez(f, **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path) -> TransferMatrix:
        path = Path(path)
        if not path.is_file():
            raise RLKitError(f"transfer matrix file {str(path)!r} does not exist")
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except (OSError, ValueError) as e:
            raise RLKitError(f"{str(path)!r} is not a transfer matrix (.npz): {e}") from None
        if data.get("format") is None or str(data["format"]) != FORMAT:
            raise RLKitError(f"{str(path)!r} is not a transfer matrix file (format {FORMAT!r} expected, got "
                             f"{str(data.get('format'))!r})")
        return cls(data["values"], data["contexts"], tuple(data["bounds"]), data.get("multitask"), data.get("std"),
                   json.loads(str(data["meta"])))

    @classmethod
    def from_csv(cls, paths, bounds, contexts=None, multitask=None, meta=None) -> TransferMatrix:
        """The authors' layout: one CSV per trial, rows = sources, columns = targets, no header."""
        paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
        mats = []
        for p in paths:
            try:
                mats.append(np.loadtxt(p, delimiter=",", dtype=np.float64, ndmin=2))
            except (OSError, ValueError) as e:
                raise RLKitError(f"cannot read transfer matrix CSV {str(p)!r}: {e}") from None
        shapes = {m.shape for m in mats}
        if len(shapes) != 1:
            raise RLKitError(f"every trial's CSV must have the same shape, got {sorted(shapes)}")
        return cls(np.stack(mats), contexts, bounds, multitask, None, meta)

    def __repr__(self) -> str:
        name = self.meta.get("name", "")
        return (f"TransferMatrix({name + ', ' if name else ''}trials={self.trials}, n={self.n}, bounds={self.bounds}, "
                f"multitask={'yes' if self.multitask is not None else 'no'})")
