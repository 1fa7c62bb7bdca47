"""Experiments: a TOML spec -> units of work -> a results directory (resumable), on local processes or Ray.

The runner is generic; everything specific to a kind of experiment lives in its
:class:`rlkit.kinds.base.ExperimentKind` (``kind = "bandit"`` and others, see :data:`rlkit.registry.KINDS`).

    spec  = load_spec("experiments/quickstart.toml")
    out   = run(spec, out="results/quickstart", workers=2)   # resumes if interrupted
    paths = plot(out)

Resuming: units whose chunk verifies are skipped, missing or corrupt ones are recomputed, so a killed run
loses at most the units in flight. A different spec against an existing directory is refused. Results do
not depend on ``workers`` or the backend: each run's random numbers depend only on the root seed and its
index (:mod:`rlkit.seeding`).
"""

from __future__ import annotations

import copy
import importlib
import os
import sys
import time
from pathlib import Path

from rlkit.checks import RLKitError, SpecError, check_choice, check_int
from rlkit.kinds.base import Unit
from rlkit.registry import KINDS
from rlkit.results import ResultStore

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PLUGINS = ("rlkit.envs", "rlkit.bandits", "rlkit.mdp", "rlkit.kinds")


def load_plugins() -> None:
    """Import every module that registers environments, agents and experiment kinds."""
    for name in PLUGINS:
        importlib.import_module(name)


def load_spec(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"spec file {str(path)!r} does not exist")
    try:
        spec = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"spec file {str(path)!r} is not valid TOML: {e}") from None
    spec.setdefault("name", path.stem)
    return spec


def resolve(spec: dict, *, runs=None, horizon=None, seed=None) -> dict:
    """Apply command-line overrides and let the spec's kind validate it and fill its defaults."""
    load_plugins()
    spec = copy.deepcopy(spec)
    if "kind" not in spec:
        raise SpecError(f"spec must name its kind (one of {KINDS.names()}), e.g. kind = \"bandit\"")
    kind = KINDS.get(spec["kind"])()
    length_key = getattr(kind, "length_key", "horizon")  # rounds for bandits, episodes for episodic kinds
    for key, value in (("runs", runs), (length_key, horizon), ("seed", seed)):
        if value is not None:
            spec[key] = value
    return kind.resolve(spec)


def _compute(kind_name: str, spec: dict, unit: Unit, device: str, threads: int | None):
    """Worker entry point (top level so that it pickles for process pools and Ray): ``(unit, arrays, seconds)``."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    load_plugins()
    start = time.perf_counter()
    arrays = KINDS.get(kind_name)().run_unit(spec, unit, device)
    return unit, arrays, time.perf_counter() - start


def run(spec: dict | str | Path, *, out: str | Path | None = None, runs=None, horizon=None, seed=None,
        device: str = "cpu", workers: int | None = None, backend: str = "local", address: str | None = None,
        progress: bool = True) -> Path:
    """Run (or resume) an experiment; return its results directory."""
    if not isinstance(spec, dict):
        spec = load_spec(spec)
    resolved = resolve(spec, runs=runs, horizon=horizon, seed=seed)
    check_choice("backend", backend, ("local", "ray"))
    kind = KINDS.get(resolved["kind"])()
    store = ResultStore(out if out is not None else Path("results") / resolved["name"])
    store.claim(resolved)
    units = kind.units(resolved)
    todo = kind.schedule(resolved, [u for u in units if not store.has(u)])
    workers = check_int("workers", workers if workers is not None else min(os.cpu_count() or 1, max(len(todo), 1)))
    bar = _progress(len(units), len(units) - len(todo), resolved["name"], progress)
    try:
        for unit, arrays, seconds in _execute(resolved, todo, device, workers, backend, address):
            store.write(unit, arrays, seconds)
            bar.update(1)
    finally:
        bar.close()
    results = store.gather(units)
    store.write_summary({**kind.summarize(resolved, results), "compute_seconds": store.seconds(units)})
    return store.root


def _execute(spec: dict, todo: list[Unit], device: str, workers: int, backend: str, address: str | None):
    """Yield ``(unit, arrays)`` as units finish, on the chosen backend."""
    name = spec["kind"]
    if backend == "ray":
        try:
            import ray
        except ImportError:
            raise RLKitError("backend 'ray' needs Ray: pip install 'rlkit[distributed]'") from None
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
        remote = ray.remote(num_cpus=1)(_compute)
        pending = [remote.remote(name, spec, u, device, 1) for u in todo]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
        return
    if workers <= 1 or len(todo) <= 1:
        for unit in todo:
            yield _compute(name, spec, unit, device, None)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    threads = max(1, (os.cpu_count() or 1) // workers)
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(_compute, name, spec, u, device, threads) for u in todo]
        for fut in as_completed(futures):
            yield fut.result()


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
