"""One SUMO simulation, driven through libsumo (inside this process) or TraCI (a sumo child process).

* **libsumo** links SUMO into the Python process: about 12x faster per step than TraCI, but it holds one
  global simulation per process, and a second ``start`` silently replaces the first (SUMO 1.28). So a
  libsumo :class:`Simulation` claims the process when it is constructed and releases it in :meth:`close`;
  constructing a second one while the first is open is an :class:`~rlkit.core.checks.RLKitError`. Vectorise
  with processes (one simulation each: :class:`rlkit.envs.WorkerVectorEnv`, gymnasium's AsyncVectorEnv).
  In-process errors cannot be timed out, so every step is checked instead: SUMO's exceptions, a simulation
  that is no longer loaded, or a clock that is not where this simulation left it (someone else restarted
  libsumo) raise :class:`SimulationError`. A libsumo simulation that hangs or crashes the interpreter is
  contained by running it in a worker process (``WorkerVectorEnv`` or :func:`rlkit.core.processes.run_cell`),
  whose death or silence surfaces in bounded time.
* **TraCI** starts ``sumo`` as a child process and talks over a socket with a timeout (``timeout``
  seconds per answer): a killed sumo raises at once (the socket closes), a hung one after ``timeout``
  seconds; both as :class:`SimulationError`. Any number of TraCI simulations can run in one process.

:meth:`Simulation.close` always releases the simulation (it never raises; a sumo child that does not exit
is killed), and every open simulation is closed at interpreter exit. On Linux a sumo child also ends with
the process that started it (``PR_SET_PDEATHSIG``), even one killed before it connected. After a failure,
:meth:`start` starts a fresh simulation, so the environment on top can simply be reset.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import itertools
import math
import os
import subprocess
import sys
import tempfile
import weakref
from pathlib import Path

from rlkit.core.checks import RLKitError, check_choice, check_positive

INSTALL_HINT = 'pip install "rlkit[traffic]"'
BACKENDS = ("libsumo", "traci")
_CONNECT_POLL = 0.05  # seconds between TraCI connection attempts while sumo starts

_LIVE: weakref.WeakSet = weakref.WeakSet()
_LIBSUMO_HOLDER: tuple[int, weakref.ref] | None = None  # (pid, simulation) holding this process's libsumo
_LABELS = itertools.count()
_FORKED = False  # this process was forked from one that may have had libsumo loaded


def _after_fork_in_child() -> None:
    global _FORKED, _LIBSUMO_HOLDER
    _FORKED, _LIBSUMO_HOLDER = True, None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class SimulationError(RuntimeError):
    """The SUMO simulation died, stopped answering within its timeout, or reported an error."""


def ensure_sumo() -> str:
    """``SUMO_HOME``, set from the installed ``eclipse-sumo`` wheel when it is missing or wrong."""
    exe = "sumo.exe" if sys.platform == "win32" else "sumo"
    home = os.environ.get("SUMO_HOME")
    if home and (Path(home) / "bin" / exe).is_file():
        return home
    try:
        import sumo
    except ImportError:
        raise RLKitError(f"the traffic environments need SUMO (eclipse-sumo, libsumo, sumo-rl): {INSTALL_HINT}") \
            from None
    os.environ["SUMO_HOME"] = sumo.SUMO_HOME
    return sumo.SUMO_HOME


def sumo_binary(name: str) -> str:
    """Path of a SUMO program (``sumo``, ``netconvert``, ...) shipped in the wheel."""
    path = Path(ensure_sumo()) / "bin" / (name + (".exe" if sys.platform == "win32" else ""))
    if not path.is_file():
        raise RLKitError(f"SUMO program {name!r} not found at {path}; reinstall SUMO: {INSTALL_HINT}")
    return str(path)


def _libsumo():
    ensure_sumo()
    try:
        import libsumo
    except ImportError:
        raise RLKitError(f"backend 'libsumo' needs the libsumo wheel: {INSTALL_HINT} (or use backend='traci')") \
            from None
    return libsumo


def _traci():
    ensure_sumo()
    try:
        from traci import exceptions, main
    except ImportError:
        raise RLKitError(f"backend 'traci' needs the traci wheel: {INSTALL_HINT}") from None
    return main, exceptions


def _claim_libsumo(sim: Simulation) -> None:
    global _LIBSUMO_HOLDER
    holder = _LIBSUMO_HOLDER[1]() if _LIBSUMO_HOLDER is not None else None
    if holder is not None and holder is not sim:
        raise RLKitError(
            "libsumo runs one simulation per process and this process already has an open one "
            f"({holder!r}); a second would silently replace it. Close the first (env.close()), use "
            "backend='traci', or give each environment its own process (rlkit.envs.WorkerVectorEnv or "
            "gymnasium.vector.AsyncVectorEnv).")
    if holder is None:
        libsumo = _libsumo()
        if libsumo.simulation.isLoaded():
            if not _FORKED:
                raise RLKitError("libsumo already runs a simulation in this process that rlkit did not start; "
                                 "close it (libsumo.close()) or use backend='traci'")
            libsumo.close()  # a copy of the parent's simulation, inherited through fork: not ours to keep
    _LIBSUMO_HOLDER = (os.getpid(), weakref.ref(sim))


def _release_libsumo(sim: Simulation) -> None:
    global _LIBSUMO_HOLDER
    if _LIBSUMO_HOLDER is not None and _LIBSUMO_HOLDER[1]() is sim:
        _LIBSUMO_HOLDER = None


# Run as `python -c _EXEC_WITH_PDEATHSIG PARENT PROGRAM ARGS...`: ask the kernel for SIGKILL when the parent
# dies (PR_SET_PDEATHSIG, kept across exec), then become PROGRAM (same pid). Not a preexec_fn: that runs
# Python between fork and exec, which can deadlock in a process with threads (torch's, SB3's).
_EXEC_WITH_PDEATHSIG = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)\n"  # 1 = PR_SET_PDEATHSIG
    "if os.getppid() != int(sys.argv[1]):\n"  # the parent died before the line above took effect
    "    os._exit(1)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n")


def _ending_with_this_process(cmd: list[str]) -> list[str]:
    """``cmd`` wrapped (Linux) so that the child is killed when this process dies: a TraCI sumo waits for
    its client forever if the client dies before connecting (e.g. a ``kill -9`` of ``rlkit run`` that ends
    a cell while its sumo starts). The kernel ties the signal to the *thread* that starts the child: start
    the simulation (``reset``) in a thread that outlives it."""
    if not sys.platform.startswith("linux"):
        return cmd
    return [sys.executable, "-I", "-S", "-c", _EXEC_WITH_PDEATHSIG, str(os.getpid()), *cmd]


class Simulation:
    """One SUMO simulation behind libsumo (one per process, in-process) or TraCI (a sumo child process).

    ``start(args)`` (re)starts it with sumo's command-line arguments (without the binary); ``conn`` is the
    TraCI-style API (``conn.simulation``, ``conn.lane``, ``conn.trafficlight``, ...); :meth:`failure`
    turns an exception from ``conn`` into a :class:`SimulationError` and drops the broken simulation;
    :meth:`check_time` is the per-step error check; :meth:`abandon` stops a broken simulation (the object
    stays usable: ``start`` again); :meth:`close` releases everything.
    """

    def __init__(self, backend: str = "libsumo", timeout: float = 60.0):
        self.backend = check_choice("backend", backend, BACKENDS)
        self.timeout = check_positive("timeout", timeout)
        ensure_sumo()
        self.conn = None
        self.closed = False
        self._pid = os.getpid()  # a copy inherited through fork must never touch the parent's simulation
        self.process: subprocess.Popen | None = None
        self._stderr = None
        self._label = None
        if backend == "libsumo":
            libsumo = _libsumo()
            self.errors: tuple[type[BaseException], ...] = (libsumo.TraCIException, libsumo.FatalTraCIError)
            _claim_libsumo(self)
        else:
            _, exc = _traci()
            self.errors = (exc.TraCIException, exc.FatalTraCIError, OSError, EOFError)
        _LIVE.add(self)

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("running" if self.conn is not None else "idle")
        pid = f", pid {self.process.pid}" if self.process is not None else ""
        return f"Simulation({self.backend}, {state}{pid})"

    @property
    def pid(self) -> int | None:
        """Process id of the sumo child (TraCI) or of this process (libsumo)."""
        return self.process.pid if self.process is not None else (os.getpid() if self.conn is not None else None)

    def start(self, args: list[str]) -> None:
        """Run a new simulation with ``args``: reload the running one in place, else start one."""
        if os.getpid() != self._pid:
            raise RLKitError("this Simulation was inherited through fork; create a new one in this process")
        if self.closed and self.backend == "libsumo":
            _claim_libsumo(self)
        self.closed = False
        if self.conn is not None:
            try:
                self.conn.load(list(args))
                return
            except self.errors:
                self.abandon()
        try:
            if self.backend == "libsumo":
                libsumo = _libsumo()
                libsumo.start([sumo_binary("sumo"), *args])
                self.conn = libsumo
            else:
                self._start_traci(list(args))
        except self.errors as e:
            raise self.failure("start", e) from e

    def _start_traci(self, args: list[str]) -> None:
        main, _ = _traci()
        from sumolib.miscutils import getFreeSocketPort

        port = getFreeSocketPort()
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(_ending_with_this_process([sumo_binary("sumo"), *args, "--remote-port",
                                                                  str(port)]),
                                        stdout=subprocess.DEVNULL, stderr=self._stderr)
        self._label = f"rlkit-{os.getpid()}-{next(_LABELS)}"
        retries = max(1, math.ceil(self.timeout / _CONNECT_POLL))
        with contextlib.redirect_stdout(io.StringIO()):  # traci prints every retry
            conn = main.connect(port, numRetries=retries, proc=self.process, waitBetweenRetries=_CONNECT_POLL,
                                label=self._label)
        conn._socket.settimeout(self.timeout)  # an unanswered command raises after `timeout` s, never hangs
        self.conn = conn

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0)
            text = self._stderr.read().decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""
        return f"; sumo said: {text[-800:]}" if text else ""

    def failure(self, what: str, error: BaseException) -> SimulationError:
        """A :class:`SimulationError` for ``error`` raised during ``what``; the broken simulation is stopped."""
        code = None
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.process.wait(timeout=0.2)  # a killed sumo is reaped at once; a hung one is not
        tail = self._stderr_tail()
        self.abandon(graceful=False)
        cause = f"{type(error).__name__}: {str(error).rstrip('.')}"
        if code is not None:
            cause = f"sumo process exited with code {code} ({cause})"
        elif self.backend == "traci" and type(error).__name__ != "TraCIException":
            cause = (f"sumo stopped answering (no reply within {self.timeout} s or a dropped connection; "
                     f"killed) ({cause})")
        return SimulationError(f"SUMO simulation ({self.backend}) failed during {what}: {cause}{tail}. "
                               "Reset the environment to start a fresh simulation.")

    def check_time(self, expected: float, what: str = "step") -> None:
        """The libsumo error check: the simulation is loaded and its clock is where this one left it."""
        if self.backend != "libsumo":
            return
        try:
            now = self.conn.simulation.getTime()
        except self.errors as e:
            raise self.failure(what, e) from e
        if abs(now - expected) > 1e-6:
            self.abandon()
            raise SimulationError(f"the libsumo simulation was replaced or restarted behind this environment "
                                  f"(clock at {now} s, expected {expected} s): libsumo holds one simulation "
                                  "per process. Reset the environment to start a fresh one.")

    def abandon(self, graceful: bool = True) -> None:
        """Stop the simulation (never raises). A sumo child is killed if it does not exit within 2 s after
        a graceful close, at once otherwise (it is broken: dead, hung or out of step)."""
        conn, self.conn = self.conn, None
        if os.getpid() != self._pid:  # inherited through fork: the simulation belongs to the parent
            self.process, self._stderr = None, None
            return
        if conn is not None:
            with contextlib.suppress(Exception):
                if self.backend == "libsumo":
                    conn.close()
                elif graceful:
                    conn.close(wait=False)
                else:  # do not talk to a broken sumo: drop the socket, then the connection from traci's pool
                    if conn._socket is not None:
                        conn._socket.close()
                        conn._socket = None
                    conn.close(wait=False)
        proc, self.process = self.process, None
        if proc is not None:
            try:
                proc.wait(timeout=2.0 if graceful else 0.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._stderr is not None:
            with contextlib.suppress(OSError):
                self._stderr.close()
            self._stderr = None

    def close(self) -> None:
        """Release the simulation (and this process's libsumo claim). Safe to call repeatedly; never raises."""
        try:
            self.abandon()
        finally:
            if self.backend == "libsumo":
                _release_libsumo(self)
            self.closed = True

    def __del__(self):
        with contextlib.suppress(Exception):
            self.close()


@atexit.register
def _close_all() -> None:
    for sim in list(_LIVE):
        sim.close()
