"""The ``episodic`` experiment kind: batched online episodic agents on a finite episodic MDP, exact regret vs episodes.

Spec (TOML)::

    name = "episodic_quickstart"
    kind = "episodic"
    episodes = 2000              # episodes K (the horizon H belongs to the environment)
    runs = 10                    # independent runs (seeds); run i sees the same MDP and noise for every agent
    seed = 0
    chunk_size = 10              # runs per unit of work (default: all runs in one chunk per agent)
    dtype = "float64"

    [env]                        # a registered rlkit finite episodic environment and its arguments
    id = "rlkit/RandomTabularMDP-v0"
    n_states = 5

    [[agents]]
    label = "LSVI-UCB"
    algo = "LSVI-UCB"
    theory = false
    beta = 0.5

    [plot]
    theory = "module.function"   # optional: a function of rlkit.theory of the episode count
    loglog = true

    env_overrides = [{ horizon = 5 }, { horizon = 10 }]   # optional, before any [table]: a sweep over
                                 # environment parameters; each entry updates [env] for one point (an entry with
                                 # its own id replaces [env]: a sweep over instances); every agent runs every point

Units are (agent, chunk of runs) for each sweep point; a unit of point ``g`` holds the runs ``g R + i`` of a
flattened index (``R = runs``; run ``i`` of every point has the same seeds), so the generic runner needs no sweep
logic. Summaries and figures are per point.

    [[plot.references]]          # optional: a rate drawn through one agent's final mean regret
    theory = "ftrl_logbarrier.sqrt_rate"   # a function of rlkit.theory of the episode count
    agent = "FTRL log-barrier"   # the label of the agent whose rate it is

Units are (agent, chunk of runs); each stores ``{curve: (runs, P)}`` at the checkpoints
:func:`rlkit.rollout.checkpoints` of ``episodes``: the exact regret of :func:`rlkit.episodes.run_episodes`
(per task where the environment has tasks) and any curves a subclass's ``metrics`` adds (reward-free
exploration's planning step). Summaries and figures are the bandit kind's, over episodes. A reference
(``[[plot.references]]``) is ``c f(k)`` with ``c`` chosen so that it passes through the named agent's mean
regret at the last episode, drawn dotted in that agent's colour: a rate to compare slopes with, not a bound.
"""

from __future__ import annotations

import numpy as np

from rlkit.checks import SpecError
from rlkit.episodes import run_episodes
from rlkit.kinds.bandit import PLOT_KEYS, BanditKind, make_env
from rlkit.kinds.base import Unit
from rlkit.plot import bootstrap_band, theory_function
from rlkit.registry import KINDS


@KINDS.register("episodic")
class EpisodicKind(BanditKind):
    """Online episodic agents on a finite episodic MDP: exact regret (or a subclass's metrics) vs episodes."""

    name = "episodic"
    length_key = "episodes"
    x_label = "episode k"
    plot_keys = PLOT_KEYS | {"references"}

    def overlay(self, ax, spec: dict, t: np.ndarray, term: str, results: dict) -> None:
        """Each reference rate through its agent's final mean (dotted, the agent's colour)."""
        for ref in spec["plot"].get("references", []):
            fn = theory_function(ref["theory"])
            mean = bootstrap_band(results[ref["agent"]][term])[0]
            shape = np.asarray(fn(t), dtype=np.float64)
            if not (np.isfinite(mean[-1]) and mean[-1] > 0 and shape[-1] > 0):
                continue  # nothing to anchor to (e.g. an all-zero curve on log axes)
            line = next((ln for ln in ax.get_lines() if str(ln.get_label()).startswith(ref["agent"])), None)
            colour = line.get_color() if line is not None else "k"
            label = f"{getattr(fn, 'label', ref['theory'])}, height fitted at k = {int(t[-1])}"
            ax.plot(t, shape * mean[-1] / shape[-1], ":", color=colour, lw=1.4, label=label)

    def check_env(self, env, env_spec: dict) -> None:
        if not hasattr(env, "next_episode"):
            raise SpecError(f"env.id {env_spec.get('id')!r} is not a finite episodic environment (kind {self.name!r} "
                            "needs one with next_episode() and an exact model)")

    def resolve(self, spec: dict) -> dict:
        spec = dict(spec)
        overrides = spec.pop("env_overrides", None)
        out = super().resolve(spec)
        self._check_references(out)
        out["env_overrides"] = self._resolve_overrides(overrides, out)
        return out

    @staticmethod
    def _check_references(spec: dict) -> None:
        refs = spec["plot"].get("references", [])
        labels = {a["label"] for a in spec["agents"]}
        if not isinstance(refs, list):
            raise SpecError("plot.references must be a list of [[plot.references]] tables")
        for i, ref in enumerate(refs):
            if not isinstance(ref, dict) or set(ref) != {"theory", "agent"}:
                raise SpecError(f"plot.references[{i}] must be a table with exactly the keys 'theory' and 'agent', "
                                f"got {ref!r}")
            theory_function(ref["theory"])
            if ref["agent"] not in labels:
                raise SpecError(f"plot.references[{i}].agent {ref['agent']!r} is not an agent label; labels: "
                                f"{sorted(labels)}")

    def _resolve_overrides(self, overrides, spec: dict) -> list[dict]:
        if overrides is None:
            return []
        if not isinstance(overrides, list) or not overrides or not all(isinstance(o, dict) and o for o in overrides):
            raise SpecError("env_overrides must be a non-empty list of tables of [env] keys, e.g. "
                            f"[{{ horizon = 5 }}, {{ horizon = 10 }}], got {overrides!r}")
        for o in overrides:  # every point must build (and be of the right family) now, not in a worker later
            env = self._point(spec["env"], o)
            self.check_env(make_env(env, 1, "cpu", spec["dtype"]), env)
        return [dict(o) for o in overrides]

    @staticmethod
    def _point(env: dict, override: dict) -> dict:
        return dict(override) if "id" in override else {**env, **override}

    def points(self, spec: dict) -> list[dict]:
        """The ``[env]`` table of every sweep point (one point, ``[env]`` itself, without ``env_overrides``)."""
        return [self._point(spec["env"], o) for o in spec.get("env_overrides") or [{}]]

    @staticmethod
    def point_label(spec: dict, g: int) -> str:
        """``"horizon=5"`` for point ``g`` of ``env_overrides`` (empty without a sweep)."""
        o = (spec.get("env_overrides") or [{}])[g]
        return ", ".join(f"{k}={v}" for k, v in o.items())

    def units(self, spec: dict) -> list[Unit]:
        runs, chunk = spec["runs"], spec["chunk_size"]
        return [Unit(a["label"], g * runs + s, g * runs + min(s + chunk, runs)) for a in spec["agents"]
                for g in range(len(self.points(spec))) for s in range(0, runs, chunk)]

    def run_unit(self, spec: dict, unit: Unit, device: str) -> dict[str, np.ndarray]:
        g = unit.start // spec["runs"]
        if not spec.get("env_overrides"):
            return super().run_unit(spec, unit, device)
        shift = g * spec["runs"]
        return super().run_unit({**spec, "env": self.points(spec)[g]},
                                Unit(unit.agent, unit.start - shift, unit.stop - shift), device)

    def split(self, spec: dict, results: dict[str, dict[str, np.ndarray]]) -> list[dict[str, dict[str, np.ndarray]]]:
        """Per sweep point, ``{agent: {curve: (runs, P)}}`` (the runs of point ``g`` are rows ``g R .. (g+1) R``)."""
        R = spec["runs"]
        return [{label: {k: v[g * R:(g + 1) * R] for k, v in arrays.items()} for label, arrays in results.items()}
                for g in range(len(self.points(spec)))]

    def summarize(self, spec: dict, results: dict[str, dict[str, np.ndarray]]) -> dict:
        if not spec.get("env_overrides"):
            return super().summarize(spec, results)
        return {"name": spec["name"], self.length_key: spec[self.length_key],
                "points": [{"env_overrides": o, **super(EpisodicKind, self).summarize(spec, part)}
                           for o, part in zip(spec["env_overrides"], self.split(spec, results))]}

    def plot(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem):
        if not spec.get("env_overrides"):
            return super().plot(spec, results, stem)
        paths = []
        for g, part in enumerate(self.split(spec, results)):
            title = f"{spec['plot'].get('title', spec['name'])} ({self.point_label(spec, g)})"
            paths += super().plot({**spec, "env": self.points(spec)[g], "plot": {**spec["plot"], "title": title}},
                                  part, stem.with_name(f"{stem.name}_{g}"))
        return paths

    def schedule(self, spec: dict, units: list[Unit]) -> list[Unit]:
        return units

    def metrics(self, spec: dict):
        """A ``metrics(env, agent, k) -> {name: (B,)}`` callback for :func:`run_episodes`, or ``None``."""
        return None

    def play(self, spec: dict, env, agent, seeds, record_at: np.ndarray) -> dict[str, np.ndarray]:
        return run_episodes(env, agent, spec["episodes"], seeds, record_at, metrics=self.metrics(spec))
