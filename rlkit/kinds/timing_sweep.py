"""The ``timing_sweep`` kind: wall-clock training time of offline agents against a size parameter.

Each sweep names one parameter, either the dataset size ``episodes`` or a constructor argument of the
environment (``d`` for the put option), and its values. For every value a dataset is collected once; each
agent is fitted once to warm up and then ``repeats`` times, timed with ``time.perf_counter``.

Spec (TOML)::

    name = "r2pvi_timing"
    kind = "timing_sweep"
    seed = 0
    repeats = 5
    threads = 1                  # torch threads while timing (restored afterwards)
    dtype = "float64"

    [env]
    id = "rlkit/AmericanPutOption-v0"
    d = 30

    [data]
    episodes = 100
    behaviour = "constant:0"

    [[sweeps]]
    param = "episodes"           # the dataset size N
    values = [100, 1000, 10000]

    [[sweeps]]
    param = "d"                  # an environment argument
    values = [10, 30, 100]

    [[agents]]
    label = "PEVI"
    algo = "PEVI"

A "run" of this kind is one (sweep, value) point; units are (agent, chunk of points), each storing
``seconds: (n, repeats)``. Timings depend on the machine and on what else runs on it: run with
``--workers 1`` on an otherwise idle machine.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from rlkit.core.checks import RLKitError, SpecError, check_int
from rlkit.core.registry import KINDS
from rlkit.kinds.base import ExperimentKind, Unit, figure_title
from rlkit.kinds.offline_sweep import make_agent, make_feature_env, resolve_common

TOP_KEYS = {"name", "kind", "description", "seed", "repeats", "threads", "dtype", "env", "data", "sweeps", "agents",
            "plot", "runs", "chunk_size"}


def _config(spec: dict, param: str, value) -> tuple:
    """What a point measures: the dataset size and the environment's arguments."""
    episodes = int(value) if param == "episodes" else spec["data"]["episodes"]
    env = {**spec["env"], **({} if param == "episodes" else {param: value})}
    return episodes, tuple(sorted((k, repr(v)) for k, v in env.items()))


def points(spec: dict) -> list[tuple[int, str, float]]:
    """The distinct (sweep index, parameter, value) points; a run index of this kind is a position here. A point
    that two sweeps share (``N = 1000`` in the N sweep at ``d = 30`` is ``d = 30`` in the d sweep at ``N = 1000``)
    is measured once, under the first sweep that has it (:func:`rows`)."""
    out, seen = [], set()
    for i, s in enumerate(spec["sweeps"]):
        for v in s["values"]:
            key = _config(spec, s["param"], v)
            if key not in seen:
                seen.add(key)
                out.append((i, s["param"], v))
    return out


def rows(spec: dict, i: int) -> list[int]:
    """The run index of each value of sweep ``i`` (a shared point's index is the one measurement of it). A results
    directory written before shared points were measured once holds every (sweep, value) point in order."""
    flat = sum(len(s["values"]) for s in spec["sweeps"])
    if spec.get("runs") == flat != len(points(spec)):
        start = sum(len(s["values"]) for s in spec["sweeps"][:i])
        return list(range(start, start + len(spec["sweeps"][i]["values"])))
    index = {_config(spec, p, v): j for j, (_, p, v) in enumerate(points(spec))}
    return [index[_config(spec, spec["sweeps"][i]["param"], v)] for v in spec["sweeps"][i]["values"]]


@KINDS.register("timing_sweep")
class TimingSweepKind(ExperimentKind):
    """Experiment kind "timing_sweep": seconds per fit of offline agents against a dataset or model size.

    A run is one (sweep, value) point; units store ``seconds: (n, repeats)``. The spec's keys are listed in the
    module docstring.
    """

    name = "timing_sweep"

    def resolve(self, spec: dict) -> dict:
        spec = {k: v for k, v in spec.items() if k not in ("runs", "chunk_size")}  # both follow from sweeps
        out = resolve_common(spec, TOP_KEYS, self.name)
        sweeps = spec.get("sweeps")
        if not isinstance(sweeps, list) or not sweeps:
            raise SpecError("sweeps must be a non-empty list of [[sweeps]] tables with 'param' and 'values'")
        clean = []
        for i, s in enumerate(sweeps):
            if not isinstance(s, dict) or set(s) != {"param", "values"} or not s["values"]:
                raise SpecError(f"sweeps[{i}] must be a table with exactly 'param' and a non-empty 'values', got {s!r}")
            if s["param"] != "episodes":
                for v in s["values"]:
                    make_feature_env(out["env"], "cpu", out["dtype"], **{s["param"]: v})
            clean.append({"param": str(s["param"]), "values": list(s["values"])})
        try:
            out["repeats"] = check_int("repeats", spec.get("repeats", 3))
            out["threads"] = check_int("threads", spec.get("threads", 1))
        except RLKitError as e:
            raise SpecError(str(e)) from None
        out["sweeps"] = clean
        out["runs"] = len(points(out))
        out["chunk_size"] = 1
        return out

    def units(self, spec: dict) -> list[Unit]:
        return [Unit(a["label"], i, i + 1) for a in spec["agents"] for i in range(spec["runs"])]

    def run_unit(self, spec: dict, unit: Unit, device: str) -> dict[str, np.ndarray]:
        entry = next(a for a in spec["agents"] if a["label"] == unit.agent)
        before = torch.get_num_threads()
        torch.set_num_threads(spec["threads"])
        try:
            return {"seconds": np.asarray(self._time(spec, unit, entry, device), dtype=np.float64)}
        finally:
            torch.set_num_threads(before)

    def _time(self, spec: dict, unit: Unit, entry: dict, device: str) -> list[list[float]]:
        from rlkit.envs.offline.dataset import collect

        rows = []
        for i in range(unit.start, unit.stop):
            _, param, value = points(spec)[i]
            episodes = int(value) if param == "episodes" else spec["data"]["episodes"]
            overrides = {} if param == "episodes" else {param: value}
            env = make_feature_env(spec["env"], device, spec["dtype"], **overrides)
            data = collect(env, spec["data"]["behaviour"], episodes, spec["seed"], range(i, i + 1))
            agent = make_agent(entry, device, spec["dtype"])
            agent.fit(data)  # warm-up
            secs = []
            for _ in range(spec["repeats"]):
                t0 = time.perf_counter()
                policy = agent.fit(data)
                _ = float(policy.w.sum())  # wait for asynchronous devices
                secs.append(time.perf_counter() - t0)
            rows.append(secs)
        return rows

    def summarize(self, spec: dict, results: dict[str, dict[str, np.ndarray]]) -> dict:
        """Per agent, every (sweep, value) point's median and minimum seconds (a shared point's one measurement
        appears under both sweeps)."""
        out = {}
        for label, arrays in results.items():
            S = arrays["seconds"]
            out[label] = [{"param": s["param"], "value": v, "median_s": float(np.median(S[j])),
                           "min_s": float(S[j].min())}
                          for i, s in enumerate(spec["sweeps"]) for v, j in zip(s["values"], rows(spec, i))]
        return {"name": spec["name"], "agents": out}

    def plot(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem) -> list[Path]:
        """Seconds per fit against each sweep's values: medians of the repeats with interquartile bars, log-log
        (:func:`rlkit.figures.offline.draw_timing`)."""
        from rlkit.figures.offline import draw_timing  # drawing only: workers never import matplotlib
        from rlkit.figures.plot import count
        from rlkit.reproduce.references import markers

        stem = Path(stem)
        paths = []
        for i, sweep in enumerate(spec["sweeps"]):
            x = np.asarray(sweep["values"], dtype=np.float64)
            if sweep["param"] == "episodes":
                xlabel, fixed = "trajectories N", f"{self._fixed(spec, 'd')}"
            else:
                xlabel, fixed = ("feature dimension d" if sweep["param"] == "d" else sweep["param"],
                                 f"N = {count(spec['data']['episodes'])}")
            threads = f"{spec['threads']} torch thread{'s' if spec['threads'] > 1 else ''}"
            seconds = {label: arrays["seconds"][rows(spec, i)].T for label, arrays in results.items()}  # (repeats, P)
            paths += draw_timing(x, seconds, stem.with_name(f"{stem.name}_{sweep['param']}"),
                                 title=f"{figure_title(spec)}: training time",
                                 subtitle=f"{fixed}, {threads}, one dataset per point", xlabel=xlabel,
                                 repeats=spec["repeats"], reported=markers(spec["name"], sweep["param"]))
        return paths

    @staticmethod
    def _fixed(spec: dict, key: str) -> str:
        """``"d = 30"``: an environment argument held fixed in a sweep of another parameter."""
        value = spec["env"].get(key)
        return f"{key} = {value}" if value is not None else f"{key} as the environment's default"
