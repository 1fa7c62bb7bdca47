"""A process-per-environment vector env whose dead or silent workers fail loudly and restart on reset.

gymnasium's :class:`~gymnasium.vector.AsyncVectorEnv` runs each environment in its own process (what a
libsumo environment needs: one simulation per process), but a worker that is killed shows up as a bare
``EOFError``/``BrokenPipeError`` and one that hangs blocks ``step`` forever. :class:`WorkerVectorEnv` wraps it:

* every ``reset``/``step`` waits at most ``timeout`` seconds;
* a dead worker, a worker that does not answer in time, or a worker whose environment raised marks the
  vector env broken and raises :class:`~rlkit.envs.traffic.simulation.SimulationError` naming the workers,
  their process ids and exit codes (a worker's own exception is re-raised as it is, after gymnasium shuts
  that worker down);
* the next ``reset`` kills what is left of the old workers and starts fresh ones from the same
  environment constructors, so a long run continues after a crash;
* every worker ends with the process that started it (:func:`rlkit.core.processes.guard_parent_death`, as
  the runner's workers and the isolated cells do): a ``kill -9`` of the parent leaves no worker behind.
  The kernel's parent-death signal follows the *thread* that started the workers: create the vector env
  in a thread that outlives it (e.g. the main thread).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from functools import partial

import gymnasium as gym
from gymnasium.vector import AsyncVectorEnv, VectorWrapper
from gymnasium.vector.async_vector_env import _async_worker

from rlkit.core.checks import RLKitError, check_positive
from rlkit.core.processes import guard_parent_death
from rlkit.envs.traffic.simulation import SimulationError

_PIPE_ERRORS = (EOFError, BrokenPipeError, ConnectionError, OSError, multiprocessing.TimeoutError)


def _guarded_worker(parent: int, worker: Callable, *args, **kwargs) -> None:
    """A worker process's target: end with ``parent`` (:func:`guard_parent_death`), then run gymnasium's loop."""
    guard_parent_death(parent)
    worker(*args, **kwargs)


class WorkerVectorEnv(VectorWrapper):
    """gymnasium's AsyncVectorEnv with bounded waits, clear errors for dead workers, and restart on reset."""

    def __init__(self, env_fns: Sequence[Callable[[], gym.Env]], *, timeout: float = 120.0, **async_kwargs):
        if not env_fns:
            raise RLKitError("env_fns must hold at least one environment constructor, got none")
        self.env_fns = list(env_fns)
        self.timeout = check_positive("timeout", timeout)
        self._async_kwargs = async_kwargs
        self.broken = False
        super().__init__(self._spawn())

    def _spawn(self) -> AsyncVectorEnv:
        kwargs = dict(self._async_kwargs)
        worker = kwargs.pop("worker", None) or _async_worker
        return AsyncVectorEnv(self.env_fns, worker=partial(_guarded_worker, os.getpid(), worker), **kwargs)

    def workers(self) -> list[tuple[int, int | None, int | None]]:
        """``(index, pid, exitcode)`` of every worker (exitcode ``None`` while it runs)."""
        return [(i, p.pid, p.exitcode) for i, p in enumerate(self.env.processes)]

    def _fail(self, what: str, error: BaseException) -> SimulationError:
        self.broken = True
        deadline = time.monotonic() + 0.5
        for p in self.env.processes:
            p.join(timeout=max(0.0, deadline - time.monotonic()))  # let a dying worker report its exit code
        dead = [f"worker {i} (pid {pid}) exited with code {code}" for i, pid, code in self.workers()
                if code is not None]
        why = "; ".join(dead) if dead else (f"no answer within {self.timeout} s"
                                            if isinstance(error, multiprocessing.TimeoutError)
                                            else f"{type(error).__name__}: {error}")
        return SimulationError(f"vector env {what} failed: {why}. Call reset() to restart the workers.")

    @staticmethod
    def _discard(env: AsyncVectorEnv) -> None:
        """Kill and reap a broken AsyncVectorEnv's workers (its own close would wait on the dead pipes)."""
        for p in env.processes:
            if p.is_alive():
                p.kill()
            p.join()
        for pipe in env.parent_pipes:
            if pipe is not None:
                pipe.close()
        env.closed = True

    def _restart(self) -> None:
        self._discard(self.env)
        self.env = self._spawn()
        self.broken = False

    def _call(self, what: str, send: Callable[[], None], wait: Callable):
        try:
            send()
            return wait(timeout=self.timeout)
        except _PIPE_ERRORS as e:
            raise self._fail(what, e) from e
        except Exception:  # a worker's own error, re-raised by gymnasium, which has shut that worker down
            self.broken = True
            raise

    def reset(self, *, seed=None, options=None):
        if self.broken:
            self._restart()
        return self._call("reset", lambda: self.env.reset_async(seed=seed, options=options), self.env.reset_wait)

    def step(self, actions):
        if self.broken:
            raise SimulationError("a worker failed earlier; call reset() to restart the workers")
        return self._call("step", lambda: self.env.step_async(actions), self.env.step_wait)

    def close(self, **kwargs):
        if self.broken:
            return self._discard(self.env)
        return self.env.close(**kwargs)
