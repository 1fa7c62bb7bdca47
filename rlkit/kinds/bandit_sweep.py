"""The ``bandit_sweep`` kind: final regret of online bandit agents against one environment parameter.

The ``bandit`` kind's rollout at every value of a swept environment argument (the number of tasks ``n_tasks`` of
a multitask bandit, ``n_arms``, ...), and one figure of each agent's final regret against that value, with
theory rates drawn beside the agent they describe.

Spec (TOML)::

    name = "gfucb_tasks"
    kind = "bandit_sweep"
    horizon = 625                # rounds T at every point
    runs = 20                    # runs per point; run i uses the same root seeds at every point
    seed = 0
    chunk_size = 20              # runs per unit (a unit never spans two points)
    dtype = "float64"

    [env]                        # as in the bandit kind; the swept argument is overridden point by point
    id = "rlkit/MultitaskRepresentationBandit-v0"
    preset = "finite"

    [sweep]
    param = "n_tasks"            # an argument of the environment
    values = [1, 2, 5, 10, 20]

    [[agents]]                   # as in the bandit kind (built and checked at every value)
    label = "GFUCB"
    algo = "GFUCB"

    [plot]
    term = "regret_per_task"     # which regret term (default: the first the environment declares)
    xlabel = "tasks M"
    title = "..."
    logx = true
    logy = false

    [[plot.theory]]              # any number: a function of rlkit.theory evaluated at the swept values,
    function = "gfucb.per_task_rate"   # fed with the environment's constants, T = horizon, and params,
    agent = "GFUCB"              # scaled to the agent's mean at the first value (a rate's shape, not a bound)
    params = { d_E = 4 }

A run of this kind is a (point, run) pair, index ``point * runs + run``; a unit stores ``{term: (n, P)}``
cumulative regret at the bandit kind's checkpoints.
"""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import matplotlib.ticker
import numpy as np
import torch

from rlkit.checks import RLKitError, SpecError, check_choice
from rlkit.kinds.bandit import BanditKind, make_env, resolve_agents
from rlkit.kinds.base import ExperimentKind, Unit
from rlkit.plot import bootstrap_band, draw_curves, legend_outside, new_figure, save, theory_function
from rlkit.registry import AGENTS, KINDS
from rlkit.rollout import checkpoints, run_bandit
from rlkit.seeding import run_sequences

PLOT_KEYS = {"term", "xlabel", "title", "logx", "logy", "theory"}
THEORY_KEYS = {"function", "agent", "params"}


def point_env(spec: dict, i: int) -> dict:
    """The ``[env]`` table of sweep point ``i``."""
    return {**spec["env"], spec["sweep"]["param"]: spec["sweep"]["values"][i]}


@KINDS.register("bandit_sweep")
class BanditSweepKind(ExperimentKind):
    name = "bandit_sweep"

    def resolve(self, spec: dict) -> dict:
        sweep, plot = spec.get("sweep"), dict(spec.get("plot", {}))
        if not isinstance(sweep, dict) or set(sweep) != {"param", "values"} or not isinstance(sweep["values"], list) \
                or not sweep["values"]:
            raise SpecError(f"sweep must be a table with exactly 'param' and a non-empty list 'values', got {sweep!r}")
        bad = sorted(set(plot) - PLOT_KEYS)
        if bad:
            raise SpecError(f"unknown plot key(s) {bad}; accepted: {sorted(PLOT_KEYS)}")
        base = {k: v for k, v in spec.items() if k not in ("sweep", "plot")}
        out = BanditKind().resolve({**base, "kind": "bandit"})
        out.update(kind=self.name, sweep={"param": str(sweep["param"]), "values": list(sweep["values"])})
        for i in range(len(out["sweep"]["values"])):  # every point's environment and agents must build
            resolve_agents(spec["agents"], make_env(point_env(out, i), 1, "cpu", out["dtype"]), out["horizon"])
        labels = [a["label"] for a in out["agents"]]
        theory = plot.get("theory", [])
        if not isinstance(theory, list):
            raise SpecError("plot.theory must be a list of [[plot.theory]] tables")
        for j, entry in enumerate(theory):
            if not isinstance(entry, dict) or not {"function", "agent"} <= set(entry) <= THEORY_KEYS:
                raise SpecError(f"plot.theory[{j}] must be a table with 'function', 'agent' and optional 'params', "
                                f"got {entry!r}")
            theory_function(entry["function"])
            try:
                check_choice(f"plot.theory[{j}].agent", entry["agent"], labels)
            except RLKitError as e:
                raise SpecError(str(e)) from None
        out["plot"] = plot
        return out

    def units(self, spec: dict) -> list[Unit]:
        runs, chunk = spec["runs"], spec["chunk_size"]
        return [Unit(a["label"], p * runs + s, p * runs + min(s + chunk, runs))
                for a in spec["agents"] for p in range(len(spec["sweep"]["values"])) for s in range(0, runs, chunk)]

    def schedule(self, spec: dict, units: list[Unit]) -> list[Unit]:
        """Largest sweep values first (with the number of tasks or arms, the slowest units)."""
        values = spec["sweep"]["values"]
        order = sorted(range(len(values)), key=lambda i: -float(values[i]) if _numeric(values[i]) else 0.0)
        rank = {p: r for r, p in enumerate(order)}
        return sorted(units, key=lambda u: rank[u.start // spec["runs"]])

    def run_unit(self, spec: dict, unit: Unit, device: str) -> dict[str, np.ndarray]:
        point, first = divmod(unit.start, spec["runs"])
        n = unit.stop - unit.start
        env = make_env(point_env(spec, point), n, device, spec["dtype"])
        a = next(a for a in spec["agents"] if a["label"] == unit.agent)
        params = {k: v for k, v in a.items() if k not in ("label", "algo")}
        seeds = run_sequences(spec["seed"], range(first, first + n))
        agent = AGENTS.get(a["algo"]).for_env(env, horizon=spec["horizon"], seed=seeds, device=device,
                                              dtype=getattr(torch, spec["dtype"]), **params)
        with torch.inference_mode():
            return run_bandit(env, agent, spec["horizon"], seeds, checkpoints(spec["horizon"]))

    def finals(self, spec: dict, arrays: dict[str, np.ndarray], term: str) -> np.ndarray:
        """Final regret ``(runs, points)`` of one agent's stored curves."""
        return arrays[term][:, -1].reshape(len(spec["sweep"]["values"]), spec["runs"]).T

    def _term(self, spec: dict, results: dict) -> str:
        terms = list(next(iter(results.values())))
        return check_choice("plot.term", spec["plot"].get("term", terms[0]), terms)

    def summarize(self, spec: dict, results: dict[str, dict[str, np.ndarray]]) -> dict:
        out = {}
        for label, arrays in results.items():
            out[label] = {}
            for term in arrays:
                F = self.finals(spec, arrays, term)
                se = F.std(0, ddof=1) / math.sqrt(F.shape[0]) if F.shape[0] > 1 else np.zeros(F.shape[1])
                out[label][term] = [{"value": v, "final_mean": float(m), "final_se": float(s)}
                                    for v, m, s in zip(spec["sweep"]["values"], F.mean(0), se)]
        return {"name": spec["name"], "horizon": spec["horizon"], "param": spec["sweep"]["param"], "agents": out}

    def plot(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem) -> list[Path]:
        opts, sweep = spec["plot"], spec["sweep"]
        term = self._term(spec, results)
        x = np.asarray(sweep["values"], dtype=np.float64)
        title = (f"{opts.get('title', spec['name'])}\n"
                 f"T = {spec['horizon']}; mean, 95% bootstrap CI over {spec['runs']} runs")
        fig, ax = new_figure(title, opts.get("xlabel", sweep["param"]), f"final {term.replace('_', ' ')}")
        ax.set_xscale("log" if opts.get("logx", False) else "linear")
        ax.set_yscale("log" if opts.get("logy", False) else "linear")
        finals = {label: self.finals(spec, arrays, term) for label, arrays in results.items()}
        draw_curves(ax, x, finals, slope=False)
        if np.all(np.isfinite(x)):  # the swept values themselves as ticks
            ax.set_xticks(x, [str(v) for v in sweep["values"]])
            ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        colors = {line.get_label(): line.get_color() for line in ax.get_lines()}
        for line in ax.get_lines():
            line.set_marker("o")
            line.set_markersize(4)
        tp = make_env(point_env(spec, 0), 1, "cpu", spec["dtype"]).theory_params()
        for entry in opts.get("theory", []):
            fn = theory_function(entry["function"])
            accepted = inspect.signature(fn).parameters
            kwargs = {k: v for k, v in {**tp, "T": spec["horizon"], **entry.get("params", {})}.items()
                      if k in accepted and k != next(iter(accepted))}
            shape = np.asarray(fn(x, **kwargs), dtype=np.float64)
            mean0 = bootstrap_band(finals[entry["agent"]])[0][0]
            ax.plot(x, shape * mean0 / shape[0], "--", lw=1.2, color=colors.get(entry["agent"], "k"),
                    label=f"{getattr(fn, 'label', entry['function'])}\n  (shape, matched to {entry['agent']} at "
                          f"{sweep['param']} = {sweep['values'][0]})")
        legend_outside(ax, fontsize=7)
        return save(fig, stem)


def _numeric(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
