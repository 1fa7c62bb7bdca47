"""The ``multitask_episodic`` kind: the episodic kind over a list of task counts ``M``, per-task regret vs episodes.

A multitask environment's task count is one constructor argument (``task_param``, default ``n_tasks``); this kind
runs every agent at every ``M`` in ``tasks`` and draws one panel of per-task regret vs episodes per ``M`` and a
last panel of the final per-task regret against ``M``. Everything else is the episodic kind's
(:mod:`rlkit.kinds.episodic`): the exact regret of :func:`rlkit.episodes.run_episodes` (per task: mean over tasks),
resume, chunks. Spec::

    kind = "multitask_episodic"
    tasks = [1, 5, 10]           # task counts M
    task_param = "n_tasks"       # the environment argument that sets M (default)
    episodes = 500
    ...                          # [env], [[agents]], [plot] as for kind "episodic"

Units are (agent, M, chunk of runs), stored under the label ``"<agent> [M=<m>]"``; run ``i`` at a given ``M``
sees the same instance and noise whatever agent plays it. Agents with a confidence set over candidate
representations (:class:`rlkit.mdp.GFUCBMDP`) also record ``candidates_kept`` (its size, mean over tasks) and
``true_kept`` (whether it holds the true candidate) at each checkpoint.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from rlkit.checks import RLKitError, SpecError, check_int
from rlkit.kinds.base import Unit
from rlkit.kinds.episodic import EpisodicKind
from rlkit.plot import bootstrap_band, draw_curves, plt, save
from rlkit.registry import KINDS
from rlkit.rollout import checkpoints

_LABEL = re.compile(r"^(.*) \[M=(\d+)\]$")


def unit_label(agent: str, m: int) -> str:
    return f"{agent} [M={m}]"


@KINDS.register("multitask_episodic")
class MultitaskEpisodicKind(EpisodicKind):
    """The episodic kind at several task counts M: per-task regret vs episodes per M, and final regret vs M."""

    name = "multitask_episodic"

    def resolve(self, spec: dict) -> dict:
        spec = dict(spec)
        tasks = spec.pop("tasks", None)
        param = spec.pop("task_param", "n_tasks")
        if not isinstance(tasks, list) or not tasks:
            raise SpecError("tasks must be a non-empty list of task counts M, e.g. tasks = [1, 5, 10]")
        try:
            tasks = [check_int("tasks entries", m) for m in tasks]
        except RLKitError as e:
            raise SpecError(str(e)) from None
        if len(set(tasks)) != len(tasks):
            raise SpecError(f"tasks must not repeat a task count, got {tasks}")
        if not isinstance(spec.get("env"), dict):
            raise SpecError("spec of kind 'multitask_episodic' must set [env]")
        out = None
        for m in tasks:  # every M must give a valid environment and agents
            out = super().resolve({**spec, "env": {**spec["env"], param: m}})
        out["env"] = dict(spec["env"])
        return {**out, "tasks": tasks, "task_param": param}

    def units(self, spec: dict) -> list[Unit]:
        runs, chunk = spec["runs"], spec["chunk_size"]
        return [Unit(unit_label(a["label"], m), s, min(s + chunk, runs))
                for a in spec["agents"] for m in spec["tasks"] for s in range(0, runs, chunk)]

    def schedule(self, spec: dict, units: list[Unit]) -> list[Unit]:
        return sorted(units, key=lambda u: -int(_LABEL.match(u.agent).group(2)))  # larger M first: slower

    def metrics(self, spec: dict):
        """Agents with a confidence set over candidate representations (``kept``: ``(B, P)`` or ``(B, P, M)``) also
        record its size and whether it holds the environment's true candidate (``true_index``), per task."""

        def confidence_set(env, agent, k):
            kept = getattr(agent, "kept", None)
            if kept is None:
                return {}
            out = {"candidates_kept": kept.sum(1).to(env.dtype)}
            if getattr(env, "true_index", None) is not None:
                out["true_kept"] = kept[:, env.true_index].to(env.dtype)
            return out

        return confidence_set

    def run_unit(self, spec: dict, unit: Unit, device: str) -> dict[str, np.ndarray]:
        label, m = _LABEL.match(unit.agent).groups()
        at_m = {**spec, "env": {**spec["env"], spec["task_param"]: int(m)}}
        return super().run_unit(at_m, Unit(label, unit.start, unit.stop), device)

    def plot(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem) -> list[Path]:
        t = checkpoints(spec[self.length_key])
        tasks, agents = spec["tasks"], [a["label"] for a in spec["agents"]]
        n = len(tasks) + 1
        fig, grid = plt.subplot_mosaic([list(range(n)), ["legend"] * n], figsize=(4.2 * n, 5.0),
                                       gridspec_kw={"height_ratios": [6, 1]})
        axes = [grid[i] for i in range(n)]
        for ax, m in zip(axes, tasks):
            draw_curves(ax, t, {a: results[unit_label(a, m)]["regret"] for a in agents}, slope=False)
            ax.set_title(f"M = {m} task{'s' if m > 1 else ''}")
            ax.set_xlabel(self.x_label)
            ax.set_ylabel("per-task cumulative regret")
            ax.grid(alpha=0.3)
        top = max(ax.get_ylim()[1] for ax in axes[:-1])
        for ax in axes[:-1]:  # one scale for every M, so the panels compare at a glance
            ax.set_ylim(0, top)
        ax = axes[-1]
        palette = plt.get_cmap("tab10" if len(agents) <= 10 else "tab20").colors  # the colours draw_curves uses
        for i, a in enumerate(agents):
            finals = [bootstrap_band(results[unit_label(a, m)]["regret"][:, -1:]) for m in tasks]
            mean = np.array([f[0][0] for f in finals])
            err = np.array([[f[0][0] - f[1][0] for f in finals], [f[2][0] - f[0][0] for f in finals]])
            dodge = np.asarray(tasks) * 1.04 ** (i - (len(agents) - 1) / 2)  # side by side, so no bar hides another
            ax.errorbar(dodge, mean, yerr=err, marker="o", ms=4, capsize=3, color=palette[i % len(palette)], lw=1.4)
        ax.set_xscale("log")
        ax.set_yscale("log")  # agents far apart in level: a log scale keeps the close ones apart too
        ax.minorticks_off()
        ax.set_xticks(tasks, [str(m) for m in tasks])
        lo, hi = ax.get_ylim()
        ticks = [c * 10.0 ** e for e in range(-3, 9) for c in (1, 2, 5) if lo <= c * 10.0 ** e <= hi]
        ax.set_yticks(ticks, [f"{v:g}" for v in ticks])
        ax.set_title(f"after K = {spec[self.length_key]} episodes (bars: 95% CI)")
        ax.set_xlabel("number of tasks M")
        ax.set_ylabel("per-task regret (log scale)")
        ax.grid(alpha=0.3)
        handles, labels = axes[0].get_legend_handles_labels()
        grid["legend"].axis("off")
        grid["legend"].legend(handles, labels, loc="center", ncol=min(len(agents), 4), fontsize=9, frameon=False)
        env = ", ".join(f"{k} = {v}" for k, v in spec["env"].items() if k != "id")
        title = spec["plot"].get("title", spec["name"])
        fig.suptitle(f"{title}: mean and 95% bootstrap CI of the mean over {spec['runs']} runs\n"
                     f"{spec['env']['id']}: {env}", fontsize=10)
        return save(fig, Path(stem))
