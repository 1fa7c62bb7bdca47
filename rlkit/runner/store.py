"""The results directory of one experiment: resolved spec, atomic checksummed chunks, summary.

Layout::

    DIR/spec.json                 the resolved spec (the directory belongs to exactly this spec)
    DIR/chunks/<unit>.npz         one file per unit of work (agent x runs), arrays of that unit
    DIR/chunks/<unit>.sha256      SHA-256 of the .npz bytes, written after it
    DIR/chunks/<unit>.seconds     compute time of the unit (informational, written last)
    DIR/summary.json              the kind's summary of all chunks, with each agent's compute seconds

Every file is written to a temporary name, flushed to disk and renamed into place, so a killed process
leaves either the old file, the new file, or a stray temporary (ignored), never a half-written chunk. A
chunk counts as done only when its checksum file exists and matches; anything else is recomputed. Nothing
already written is ever deleted or overwritten by a different spec.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np

from rlkit.core.atomic_io import atomic_write
from rlkit.core.errors import SpecError
from rlkit.kinds.base import Unit


def canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, indent=2, default=str)


def strict(obj):
    """``obj`` with every non-finite float (NaN, inf) replaced by ``None``, so that it is strict JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict(v) for v in obj]
    return obj


def _diff(a, b, prefix="") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += _diff(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{prefix}{k}.")
        return out
    return [] if a == b else [f"{prefix[:-1]}: {a!r} (stored) vs {b!r} (now)"]


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The ``.npz`` file of ``arrays`` as bytes that depend on the arrays alone: ``np.savez`` stamps each member
    with the current time, this writes the fixed zip epoch (1980-01-01), so the same results give the same
    bytes and the same SHA-256 on every machine and every rerun. ``np.load`` reads it as any ``.npz``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
        for name, value in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)
            z.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), member.getvalue())
    return buf.getvalue()


class ResultStore:
    """The results directory of one experiment: its resolved spec, one checksummed chunk per unit, the summary.

    ``claim(spec)`` binds a new directory to a spec (or refuses one written by another), ``has/write/read``
    handle the chunks of :class:`rlkit.kinds.base.Unit` s atomically, ``gather`` concatenates them per agent
    and ``write_summary`` writes ``summary.json``. See the module docstring for the layout.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.chunks = self.root / "chunks"

    # ------------------------------------------------------------------ spec
    def claim(self, spec: dict) -> None:
        """Bind the directory to ``spec``: write it if new, else refuse a directory written by another spec."""
        path = self.root / "spec.json"
        if path.exists():
            stored = self.spec()
            if canonical(stored) != canonical(spec):
                diffs = _diff(stored, json.loads(canonical(spec)))
                raise SpecError(
                    f"results directory {str(self.root)!r} holds results of a different spec "
                    f"({'; '.join(diffs[:3])}{'; ...' if len(diffs) > 3 else ''}); "
                    "choose another directory with --out, or remove this one yourself"
                )
            return
        self.chunks.mkdir(parents=True, exist_ok=True)
        atomic_write(path, canonical(spec).encode())

    def spec(self) -> dict:
        path = self.root / "spec.json"
        if not path.exists():
            raise SpecError(f"{str(self.root)!r} is not a results directory (no spec.json); run `rlkit run SPEC` first")
        try:
            spec = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise SpecError(f"{str(path)!r} is corrupt (not JSON: {getattr(e, 'msg', e)}; rlkit writes it atomically, "
                            "so something else changed it): move the directory aside or choose another --out") from None
        if not isinstance(spec, dict) or "kind" not in spec:
            raise SpecError(f"{str(path)!r} is not a spec written by rlkit (no 'kind'); move this directory aside or "
                            "choose another --out")
        return spec

    # ---------------------------------------------------------------- chunks
    def _paths(self, unit: Unit) -> tuple[Path, Path]:
        return self.chunks / f"{unit.key}.npz", self.chunks / f"{unit.key}.sha256"

    def seconds(self, units: list[Unit]) -> dict[str, float]:
        """Compute seconds per agent label, summed over its units that recorded a time."""
        out: dict[str, float] = {}
        for unit in units:
            path = self.chunks / f"{unit.key}.seconds"
            if path.exists():
                try:
                    out[unit.agent] = out.get(unit.agent, 0.0) + float(path.read_text())
                except ValueError:  # a foreign or damaged file: the time is informational only
                    continue
        return out

    def has(self, unit: Unit) -> bool:
        """True when the unit's chunk exists and its checksum verifies."""
        data_path, sum_path = self._paths(unit)
        if not (data_path.exists() and sum_path.exists()):
            return False
        return hashlib.sha256(data_path.read_bytes()).hexdigest() == sum_path.read_text().strip()

    def write(self, unit: Unit, arrays: dict[str, np.ndarray], seconds: float | None = None) -> None:
        data = npz_bytes(arrays)
        data_path, sum_path = self._paths(unit)
        self.chunks.mkdir(parents=True, exist_ok=True)
        atomic_write(data_path, data)
        atomic_write(sum_path, hashlib.sha256(data).hexdigest().encode())
        if seconds is not None:
            atomic_write(self.chunks / f"{unit.key}.seconds", f"{seconds:.3f}".encode())

    def read(self, unit: Unit) -> dict[str, np.ndarray]:
        data_path, _ = self._paths(unit)
        with np.load(data_path) as z:
            return {k: z[k] for k in z.files}

    def gather(self, units: list[Unit]) -> dict[str, dict[str, np.ndarray]]:
        """Arrays per agent label, concatenated along axis 0 over its units in run order."""
        by_agent: dict[str, list[dict[str, np.ndarray]]] = {}
        for unit in sorted(units, key=lambda u: (u.start, u.stop)):
            by_agent.setdefault(unit.agent, []).append(self.read(unit))
        return {
            agent: {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}
            for agent, parts in by_agent.items()
        }

    # --------------------------------------------------------------- summary
    def write_summary(self, summary: dict) -> None:
        """``summary.json``, strict JSON: a NaN or infinite number (e.g. a slope that is not defined) is ``null``."""
        text = json.dumps(strict(summary), sort_keys=True, indent=2, default=str, allow_nan=False)
        atomic_write(self.root / "summary.json", text.encode())
