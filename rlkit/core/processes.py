"""Child processes that end with their parent, and isolated cells: one unit of work in a fresh process.

:func:`guard_parent_death` is the first thing every child process of rlkit runs (the runner's local workers
and every cell): on Linux the kernel sends it SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``), and
on every platform a daemon thread checks the parent once a second. So a ``kill -9`` of ``rlkit run`` leaves
no worker and no cell behind, even a cell that started its own process group.


:func:`run_cell` calls ``fn(*args, **kwargs)`` in a new process (``spawn`` by default: a fresh interpreter,
so libsumo's one-simulation-per-process state, torch threads and module globals start clean) and returns
its result. A cell whose process dies (a crash, a kill, an out-of-memory), runs past ``timeout`` seconds
(it is killed, with its process group: the sumo children of a TraCI environment go too) or raises is run
again, up to ``retries`` more times; then :class:`CellError` says what happened in every attempt. An
:class:`~rlkit.core.checks.RLKitError` (bad input) is raised at once: retrying cannot fix it.

With ``out`` the result is pickled to that file, written atomically (temporary file, fsync, rename) by the
cell's process before it exits: a finished cell is never lost (even if its process dies right after), and
calling :func:`run_cell` again with the same ``out`` returns the stored result without running anything.
So a builder that gives every cell its own ``out`` resumes after a crash where it stopped. Cells are
independent: run several at once from a thread pool (each call blocks in its own thread).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rlkit.core.atomic_io import atomic_write
from rlkit.core.checks import RLKitError, check_int, check_positive

log = logging.getLogger(__name__)


class CellError(RuntimeError):
    """A cell failed in every attempt: its process died, timed out, or raised."""


def guard_parent_death(parent: int) -> None:
    """End this process (``os._exit(1)``) as soon as process ``parent`` is gone.

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``); on every platform a
    daemon thread also checks the parent once a second (the watchdog covers systems without ``prctl``).
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the watchdog below still runs
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="rlkit-parent-watch", daemon=True).start()


def _child(fn, args, kwargs, result_path: str, error_path: str, parent: int) -> None:
    if hasattr(os, "setsid"):
        os.setsid()  # own process group: a kill on timeout takes the cell's children (e.g. sumo) with it
    guard_parent_death(parent)  # its own session does not outlive rlkit: it ends with the process that started it
    try:
        result = fn(*args, **kwargs)
        atomic_write(result_path, pickle.dumps(result))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which decides
        kind = "bad-input" if isinstance(e, RLKitError) else "error"
        Path(error_path).write_text(f"{kind}\n{type(e).__name__}: {e}\n{traceback.format_exc()}")
        os._exit(1)


def _child_from_file(call_path: str, result_path: str, error_path: str, parent: int) -> None:
    """:func:`_child` with ``(fn, args, kwargs)`` read from a pickle file (start methods other than fork)."""
    try:
        fn, args, kwargs = pickle.loads(Path(call_path).read_bytes())
    except BaseException as e:  # noqa: BLE001 - e.g. an import error: reported like the cell's own errors
        Path(error_path).write_text(f"error\n{type(e).__name__}: {e}\n{traceback.format_exc()}")
        os._exit(1)
    _child(fn, args, kwargs, result_path, error_path, parent)


def _kill(proc) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        if hasattr(os, "killpg") and os.getpgid(proc.pid) == proc.pid:
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        proc.kill()
    proc.join()


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


def _load(path: Path):
    try:
        return pickle.loads(path.read_bytes())
    except Exception as e:  # noqa: BLE001
        raise CellError(f"stored cell result {path} cannot be read ({type(e).__name__}: {e}); "
                        "move it away to recompute the cell") from e


def run_cell(fn: Callable[..., Any], args: Sequence = (), kwargs: Mapping | None = None, *,
             out: str | os.PathLike | None = None, timeout: float | None = None, retries: int = 2,
             start_method: str = "spawn") -> Any:
    """``fn(*args, **kwargs)`` computed in a fresh process, retried on death/timeout/error; see the module doc.

    Args:
        fn: a picklable (module-level) function; its result must pickle too.
        out: file that stores the result; if it exists, its result is returned and nothing runs.
        timeout: seconds one attempt may take (``None``: no limit) before its process group is killed.
        retries: further attempts after the first fails (``0``: one attempt).
        start_method: ``"spawn"`` (fresh interpreter), ``"forkserver"`` or ``"fork"``.
    Raises:
        CellError: every attempt failed (the message lists each attempt's cause).
        RLKitError: bad arguments, or ``fn`` raised one (not retried).
    """
    kwargs = dict(kwargs or {})
    retries = check_int("retries", retries, minimum=0)
    if timeout is not None:
        timeout = check_positive("timeout", timeout)
    if start_method not in multiprocessing.get_all_start_methods():
        raise RLKitError(f"start_method must be one of {multiprocessing.get_all_start_methods()}, "
                         f"got {start_method!r}")
    call = None
    if start_method != "fork":
        try:
            call = pickle.dumps((fn, tuple(args), kwargs))
        except Exception as e:  # noqa: BLE001
            raise RLKitError(f"run_cell needs a picklable module-level fn and arguments for start_method "
                             f"{start_method!r}: {type(e).__name__}: {e}") from None
    out = Path(out) if out is not None else None
    if out is not None and out.exists():
        return _load(out)
    name = getattr(fn, "__qualname__", repr(fn))
    ctx = multiprocessing.get_context(start_method)
    work = Path(tempfile.mkdtemp(prefix="rlkit-cell-"))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
    result_path = out if out is not None else work / "result.pkl"
    failures = []
    if call is not None:
        # the call travels in a file, not in the start-up pipe: multiprocessing writes a spawned child's
        # arguments into a pipe whose read end the parent still holds, so a child that dies before reading
        # more than a pipe's buffer (64 KiB; e.g. a policy's weights) would block the parent forever
        (work / "call.pkl").write_bytes(call)
    try:
        for attempt in range(1, retries + 2):
            error_path = work / f"error-{attempt}.txt"
            target, target_args = ((_child, (fn, tuple(args), kwargs)) if call is None
                                   else (_child_from_file, (str(work / "call.pkl"),)))
            proc = ctx.Process(target=target, args=(*target_args, str(result_path), str(error_path), os.getpid()),
                               name=f"rlkit-cell-{name}")
            proc.start()
            proc.join(timeout)
            timed_out = proc.is_alive()
            if timed_out:
                _kill(proc)
            if result_path.exists():  # finished, even if the process then died or overran
                return _load(result_path)
            if error_path.exists():
                kind, _, report = error_path.read_text().partition("\n")
                if kind == "bad-input":
                    raise RLKitError(f"cell {name} rejected its input: {report.splitlines()[0]}")
                cause = f"raised {report.splitlines()[0]}"
                detail = report
            elif timed_out:
                cause, detail = f"no result within {timeout} s (killed)", ""
            else:
                cause, detail = f"process {_exit_reason(proc.exitcode)} without a result", ""
            failures.append(f"attempt {attempt}: {cause}")
            log.warning("cell %s attempt %d/%d failed: %s%s", name, attempt, retries + 1, cause,
                        f"\n{detail}" if detail else "")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    raise CellError(f"cell {name} failed in all {retries + 1} attempts: " + "; ".join(failures))
