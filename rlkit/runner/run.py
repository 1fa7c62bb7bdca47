"""Experiments: a TOML spec -> units of work -> a results directory (resumable), on local processes or Ray.

The runner is generic; everything specific to a kind of experiment lives in its
:class:`rlkit.kinds.base.ExperimentKind` (``kind = "bandit"`` and others, see :data:`rlkit.core.registry.KINDS`).

    spec  = load_spec("experiments/quickstart.toml")
    out   = run(spec, out="results/quickstart", workers=2)   # resumes if interrupted
    paths = plot(out)

Resuming: units whose chunk verifies are skipped, missing or corrupt ones are recomputed, so a killed run
loses at most the units in flight. A different spec against an existing directory is refused. Results do
not depend on ``workers`` or the backend: each run's random numbers depend only on the root seed and its
index (:mod:`rlkit.core.seeding`).
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import os
import signal
import sys
import threading
import time
from pathlib import Path

from rlkit.core.checks import RLKitError, SpecError, check_choice, check_device, check_int
from rlkit.core.processes import guard_parent_death
from rlkit.core.registry import KINDS
from rlkit.kinds.base import Unit
from rlkit.runner.catalog import check_extras, spec_path
from rlkit.runner.spec_values import resolve_budget_values
from rlkit.runner.store import ResultStore

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KIND_MODULES = ("bandit", "episodic", "offline_sweep", "reward_free", "timing_sweep", "transfer_build",
                "transfer_select")
PAPERS = ("rlkit.dynlin_ucb", "rlkit.gfucb", "rlkit.ftrl", "rlkit.reward_free", "rlkit.r2pvi", "rlkit.mbtl")
PLUGINS = ("rlkit.envs", "rlkit.baselines", *PAPERS, *(f"rlkit.kinds.{m}" for m in KIND_MODULES))


def load_plugins() -> None:
    """Import every module that registers environments, agents and experiment kinds."""
    for name in PLUGINS:
        importlib.import_module(name)


def load_spec(path: str | Path) -> dict:
    """The spec at ``path`` (a TOML file), or the shipped spec of that name (``"quickstart"``, see
    :func:`rlkit.runner.catalog.spec_path`); ``name`` defaults to the file's stem."""
    path = spec_path(path)
    if path.is_dir():
        inside = sorted(path.glob("*.toml"))
        hint = f", e.g. {str(inside[0])!r}" if inside else ""
        raise SpecError(f"spec must be a TOML file, got the directory {str(path)!r}; give one of its specs{hint}")
    if not path.is_file():
        raise SpecError(f"spec file {str(path)!r} does not exist")
    try:
        spec = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"spec file {str(path)!r} is not valid TOML: {e}") from None
    spec.setdefault("name", path.stem)
    return spec


OVERRIDES = ("runs", "rounds", "episodes", "seed")
"""The command-line overrides (``--runs``, ``--rounds``, ``--episodes``, ``--seed``); each kind takes some of them
(:attr:`rlkit.kinds.base.ExperimentKind.overrides`)."""


def resolve(spec: dict, *, runs=None, rounds=None, episodes=None, seed=None) -> dict:
    """Apply command-line overrides and let the spec's kind validate it and fill its defaults.

    An override the spec's kind does not take (``--rounds`` on an episodic spec, ``--runs`` on a transfer matrix)
    is refused with one line naming those it takes, before anything else is read."""
    load_plugins()
    spec = copy.deepcopy(spec)
    if "kind" not in spec:
        raise SpecError(f"spec must name its kind (one of {KINDS.names()}), e.g. kind = \"bandit\"")
    kind = KINDS.get(spec["kind"])()
    given = {k: v for k, v in zip(OVERRIDES, (runs, rounds, episodes, seed), strict=True) if v is not None}
    refused = [k for k in given if k not in kind.overrides]
    if refused:
        takes = ", ".join(f"--{k}" for k in kind.overrides)
        raise RLKitError(f"--{refused[0]} does not apply to a {spec['kind']!r} spec; it takes {takes}")
    spec.update(given)
    if kind.budget is not None:  # "logT", "@1 / T": evaluated at the (overridden) budget
        spec = resolve_budget_values(spec, kind.budget)
    return kind.resolve(spec)


def _compute(kind_name: str, spec: dict, unit: Unit, device: str, threads: int | None, inputs: dict | None = None):
    """Worker entry point (top level so that it pickles for process pools and Ray): ``(unit, arrays, seconds)``."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    load_plugins()
    start = time.perf_counter()
    extra = {"inputs": inputs} if inputs else {}  # only kinds whose units take other units' arrays get them
    arrays = KINDS.get(kind_name)().run_unit(spec, unit, device, **extra)
    return unit, arrays, time.perf_counter() - start


def run(spec: dict | str | Path, *, out: str | Path | None = None, runs=None, rounds=None, episodes=None, seed=None,
        device: str = "cpu", workers: int | None = None, backend: str = "local", address: str | None = None,
        progress: bool = True) -> Path:
    """Run (or resume) an experiment; return its results directory."""
    check_device("device", device)  # once, here, before any directory is claimed or worker started
    check_choice("backend", backend, ("local", "ray"))
    if not isinstance(spec, dict):
        spec = load_spec(spec)
    check_extras(spec, backend=backend)  # a missing optional extra, named with its install command, before any work
    resolved = resolve(spec, runs=runs, rounds=rounds, episodes=episodes, seed=seed)
    kind = KINDS.get(resolved["kind"])()
    store = ResultStore(out if out is not None else Path("results") / resolved["name"])
    store.claim(resolved)
    units = kind.units(resolved)
    if workers is not None:
        check_int("workers", workers)
    for label, stage in kind.stages(resolved):  # one stage (and bar) unless the kind's units feed each other
        todo = kind.schedule(resolved, [u for u in stage if not store.has(u)])
        n_workers = workers if workers is not None else min(os.cpu_count() or 1, max(len(todo), 1))
        read: dict[str, dict] = {}  # each input read once, shared by the units that take it
        inputs = {u.key: {d.key: read[d.key] if d.key in read else read.setdefault(d.key, store.read(d))
                          for d in kind.inputs(resolved, u)} for u in todo}
        desc = f"{resolved['name']} {label}".strip()
        bar = _progress(len(stage), len(stage) - len(todo), desc, progress)
        results = _execute(resolved, todo, device, n_workers, backend, address, inputs)
        try:
            for unit, arrays, seconds in results:
                store.write(unit, arrays, seconds)
                bar.update(1)
        finally:
            results.close()  # on an error or Ctrl-C: stops the workers now (see _execute), not at garbage collection
            bar.close()
    results = store.gather(units)
    store.write_summary({**kind.summarize(resolved, results), "compute_seconds": store.seconds(units)})
    return store.root


def _execute(spec: dict, todo: list[Unit], device: str, workers: int, backend: str, address: str | None,
             inputs: dict | None = None):
    """Yield ``(unit, arrays, seconds)`` as units finish, on the chosen backend (``inputs``: unit key -> the
    stored arrays it takes, see :meth:`rlkit.kinds.base.ExperimentKind.inputs`).

    Local workers are spawned processes that die with their parent (:func:`_worker_init`) and ignore Ctrl-C;
    when the caller stops early (an error, Ctrl-C, SIGTERM in the CLI) the generator is closed and
    terminates them at once instead of waiting for the units in flight, which are recomputed by the next run.
    """
    inputs = inputs or {}
    name = spec["kind"]
    if backend == "ray":
        yield from _execute_ray(name, spec, todo, device, address, inputs)
        return
    if workers <= 1 or len(todo) <= 1:
        for unit in todo:
            yield _compute(name, spec, unit, device, None, inputs.get(unit.key))
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    threads = max(1, (os.cpu_count() or 1) // workers)
    with _sigint_ignored():  # the workers start with Ctrl-C ignored, even while still importing
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                   initializer=_worker_init, initargs=(os.getpid(),))
        futures = [pool.submit(_compute, name, spec, u, device, threads, inputs.get(u.key)) for u in todo]
    try:
        for fut in as_completed(futures):
            yield fut.result()
    except BaseException:  # GeneratorExit (closed early), KeyboardInterrupt, a unit's error
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _execute_ray(name: str, spec: dict, todo: list[Unit], device: str, address: str | None, inputs: dict):
    try:
        import ray
    except ImportError:
        raise RLKitError("backend 'ray' needs Ray: pip install 'rlkit[distributed]'") from None
    ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    remote = ray.remote(num_cpus=1, max_retries=3)(_compute)  # a lost worker's unit is run again elsewhere
    pending = [remote.remote(name, spec, u, device, 1, inputs.get(u.key)) for u in todo]
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise


@contextlib.contextmanager
def _sigint_ignored():
    """Ignore SIGINT while worker processes are started: an ignored signal stays ignored in a spawned child (and
    Python then installs no KeyboardInterrupt handler), so a Ctrl-C that arrives while a worker still imports
    does not print its traceback. Only the main thread may change signal handlers; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _worker_init(parent: int) -> None:
    """First thing in every local worker: end with the parent, leave Ctrl-C to it.

    :func:`rlkit.core.processes.guard_parent_death` ends the worker with the parent (the same guard as every
    isolated cell). SIGINT is ignored: Ctrl-C reaches the whole process group, and the
    parent, which handles it, stops the workers itself (one message, no traceback per worker).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    guard_parent_death(parent)


def _stop_pool(pool) -> None:
    """Cancel what has not started and terminate the running workers (their units are lost, not written)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())  # pid -> Process (private, stable since 3.3)
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():  # pragma: no cover - SIGTERM ignored
            p.kill()
            p.join(timeout=5)


def _progress(total: int, done: int, name: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, desc=name, unit="chunk", disable=not enabled, dynamic_ncols=True)


def plot(results_dir: str | Path) -> list[Path]:
    """Draw the figures of a results directory (its kind decides what); return the written paths."""
    load_plugins()
    store = ResultStore(results_dir)
    spec = store.spec()
    kind = KINDS.get(spec["kind"])()
    units = kind.units(spec)
    missing = [u.key for u in units if not store.has(u)]
    if missing:
        raise RLKitError(f"{str(store.root)!r} is incomplete ({len(missing)} of {len(units)} chunks missing, "
                         f"e.g. {missing[0]}); run the same `rlkit run` command again to finish it")
    return kind.plot(spec, store.gather(units), store.root / spec["name"])
