"""Atomic file writes: a reader (or a resumed run) sees the old file or the new one, never half of one.

Both helpers write to a temporary name in the destination's folder, flush it to disk and rename it into
place (``os.replace`` is atomic on POSIX and Windows within one file system). A killed process leaves at
most a stray hidden temporary (``.<name>.<pid>.tmp[<suffix>]``), which no reader trusts.

* :func:`atomic_write` for bytes already in memory (chunks, checksums, JSON records, pickled results);
* :func:`atomic_output` for files a library writes itself (a Stable-Baselines3 ``model.save``, a SUMO
  network built by ``netconvert``): it yields the temporary path to write to.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def _temporary(path: Path, suffix: str = "") -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{suffix}")


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    path = Path(path)
    tmp = _temporary(path)
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """``with atomic_output(path) as tmp: write(tmp)``: ``path`` appears, complete, only if the block succeeds.

    The temporary keeps ``path``'s suffix (some writers, such as Stable-Baselines3's ``save``, add one when it
    is missing). On an exception the temporary is removed and ``path`` is left as it was.
    """
    path = Path(path)
    tmp = _temporary(path, path.suffix)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
