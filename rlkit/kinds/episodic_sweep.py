"""The ``episodic_sweep`` kind: the final regret of episodic agents against one environment parameter at fixed K.

A general sweep over any constructor argument of a finite episodic environment (the number of actions, states,
the horizon, the feature dimension, ...): at each value the ``episodic`` kind's rollout is played for
``episodes`` episodes and ``runs`` runs, with the same run seeds at every value (common random numbers across
agents at each value).

Spec (TOML)::

    name = "ftrl_logbarrier_actions"
    kind = "episodic_sweep"
    episodes = 2000
    runs = 10
    seed = 0
    chunk_size = 10              # runs per unit (a unit never spans two values)

    [env]
    id = "rlkit/AdversarialLinearMDP-v0"
    n_states = 4

    [sweep]
    param = "n_actions"          # an argument of the environment's constructor
    values = [2, 4, 8, 16]
    label = "number of actions A"   # optional x-axis label

    [[agents]]
    algo = "FTRLLogBarrier"
    eta = 0.5

    [plot]
    loglog = true

A "run" of this kind is a (value, seed) pair, flattened as ``value_index * runs + seed_index``; units are
(agent, chunk of one value's runs) and store ``regret: (n, P)`` at the checkpoints of ``episodes``. The summary
gives the final regret (mean, standard error) per agent and value and the log-log slope of the final mean
regret against the parameter; the figure draws it with 95% bootstrap bands over runs.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import torch

from rlkit.checks import SpecError
from rlkit.kinds.bandit import make_env, resolve_agents
from rlkit.kinds.base import Unit
from rlkit.kinds.episodic import EpisodicKind
from rlkit.plot import bootstrap_band, loglog_slope, new_figure, save
from rlkit.registry import AGENTS, KINDS
from rlkit.rollout import checkpoints
from rlkit.seeding import run_sequences

SWEEP_KEYS = {"param", "values", "label"}


@KINDS.register("episodic_sweep")
class EpisodicSweepKind(EpisodicKind):
    """Final exact regret of online episodic agents against one environment parameter, at a fixed episode count."""

    name = "episodic_sweep"

    def resolve(self, spec: dict) -> dict:
        spec = dict(spec)
        sweep = spec.pop("sweep", None)
        if not isinstance(sweep, dict) or "param" not in sweep or "values" not in sweep:
            raise SpecError("spec of kind 'episodic_sweep' must have a [sweep] table with 'param' and 'values'")
        bad = sorted(set(sweep) - SWEEP_KEYS)
        if bad:
            raise SpecError(f"unknown sweep key(s) {bad}; accepted: {sorted(SWEEP_KEYS)}")
        param, values = str(sweep["param"]), sweep["values"]
        if not isinstance(values, list) or not values or len(set(map(repr, values))) != len(values):
            raise SpecError(f"sweep.values must be a non-empty list of distinct values, got {values!r}")
        if param in spec.get("env", {}):
            raise SpecError(f"sweep.param {param!r} is also set in [env]; set it in one place")
        out = super().resolve(spec)  # validates everything else on the environment without the swept value
        for v in values:
            env_spec = {**out["env"], param: v}
            probe = make_env(env_spec, 1, "cpu", out["dtype"])
            resolve_agents(spec["agents"], probe, out["episodes"], "episodes")
        out["sweep"] = {"param": param, "values": list(values), "label": str(sweep.get("label", param))}
        return out

    def units(self, spec: dict) -> list[Unit]:
        runs, chunk = spec["runs"], spec["chunk_size"]
        return [Unit(a["label"], j * runs + s, j * runs + min(s + chunk, runs)) for a in spec["agents"]
                for j in range(len(spec["sweep"]["values"])) for s in range(0, runs, chunk)]

    def run_unit(self, spec: dict, unit: Unit, device: str) -> dict[str, np.ndarray]:
        runs = spec["runs"]
        j = unit.start // runs
        sweep = spec["sweep"]
        env = make_env({**spec["env"], sweep["param"]: sweep["values"][j]}, unit.stop - unit.start, device,
                       spec["dtype"])
        a = next(a for a in spec["agents"] if a["label"] == unit.agent)
        params = {k: v for k, v in a.items() if k not in ("label", "algo")}
        seeds = run_sequences(spec["seed"], range(unit.start - j * runs, unit.stop - j * runs))
        agent = AGENTS.get(a["algo"]).for_env(env, episodes=spec["episodes"], seed=seeds, device=device,
                                              dtype=getattr(torch, spec["dtype"]), **params)
        with torch.inference_mode():
            return self.play(spec, env, agent, seeds, checkpoints(spec["episodes"]))

    def _final(self, spec: dict, results: dict) -> dict[str, np.ndarray]:
        """``{label: (G, runs)}`` final regret per value of the sweep."""
        G, runs = len(spec["sweep"]["values"]), spec["runs"]
        return {label: arrays["regret"][:, -1].reshape(G, runs) for label, arrays in results.items()}

    def summarize(self, spec: dict, results: dict) -> dict:
        values = spec["sweep"]["values"]
        x = np.asarray(values, dtype=np.float64)
        out = {}
        for label, Y in self._final(spec, results).items():
            mean = Y.mean(1)
            se = Y.std(1, ddof=1) / math.sqrt(Y.shape[1]) if Y.shape[1] > 1 else np.zeros_like(mean)
            out[label] = {"values": list(values), "final_mean": mean.tolist(), "final_se": se.tolist(),
                          "loglog_slope": loglog_slope(x, mean, start_fraction=0.0) if np.all(x > 0) else None,
                          "runs": int(Y.shape[1])}
        return {"name": spec["name"], "episodes": spec["episodes"], "sweep": spec["sweep"]["param"], "agents": out}

    def plot(self, spec: dict, results: dict, stem: Path) -> list[Path]:
        sweep = spec["sweep"]
        x = np.asarray(sweep["values"], dtype=np.float64)
        loglog = bool(spec["plot"].get("loglog", True)) and bool(np.all(x > 0))
        title = spec["plot"].get("title", spec["name"])
        fig, ax = new_figure(f"{title}: K = {spec['episodes']}, {spec['runs']} runs\n"
                             "mean final regret, 95% bootstrap CI over runs", sweep["label"],
                             f"regret after K = {spec['episodes']} episodes", loglog=loglog)
        finals = self._final(spec, results)
        palette = matplotlib.colormaps["tab10" if len(finals) <= 10 else "tab20"].colors  # as rlkit.plot.draw_curves
        for i, (label, Y) in enumerate(finals.items()):
            mean, lo, hi = bootstrap_band(Y.T)
            slope = loglog_slope(x, mean, start_fraction=0.0) if loglog else float("nan")
            text = f"{label} (slope {slope:.2f})" if np.isfinite(slope) else label
            color = palette[i % len(palette)]
            ax.plot(x, mean, "o-", lw=1.6, label=text, color=color)
            ax.fill_between(x, lo, hi, color=color, alpha=0.2, lw=0)
        ax.set_xticks(x, [str(v) for v in sweep["values"]])  # the swept values, not log-scale decades
        ax.minorticks_off()
        ax.legend(fontsize=8)
        return save(fig, stem)
