"""The ``bandit`` experiment kind: batched online bandit agents on a batched environment, cumulative regret.

Spec (TOML)::

    name = "quickstart"          # results go to results/<name> unless --out is given
    kind = "bandit"
    horizon = 10000              # rounds T
    runs = 100                   # independent runs (seeds); run i sees the same environment for every agent
    seed = 0                     # root seed
    chunk_size = 50              # runs per unit of work (default: all runs in one chunk per agent)
    dtype = "float64"            # or "float32"

    [env]                        # a registered rlkit bandit environment and its constructor arguments
    id = "rlkit/LinearBandit-v0"
    n_arms = 20

    [[agents]]                   # label (default: algo), algo (a registered agent), then its parameters
    label = "LinUCB"
    algo = "LinUCB"
    theory = true

    [plot]
    theory = "oful.regret_bound" # a function of rlkit.theory, fed with the environment's constants
    theory_params = { delta = 0.01 }
    loglog = true

Units are (agent, chunk of runs). Each unit stores ``{term: (runs, P)}`` cumulative regret at the
checkpoints :func:`rlkit.rollout.checkpoints` (``P`` points), one array per regret term the environment
declares.
"""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch

from rlkit.checks import RLKitError, SpecError, check_choice, check_int
from rlkit.kinds.base import ExperimentKind, Unit
from rlkit.plot import draw_curves, loglog_slope, new_figure, save, theory_curve
from rlkit.registry import AGENTS, KINDS
from rlkit.rollout import checkpoints, run_bandit
from rlkit.seeding import run_sequences

TOP_KEYS = {"name", "kind", "description", "horizon", "runs", "seed", "chunk_size", "dtype", "env", "agents", "plot"}
PLOT_KEYS = {"theory", "theory_params", "loglog", "term", "title"}


def make_env(env_spec: dict, num_envs: int, device="cpu", dtype="float64"):
    """Build the batched environment a spec's ``[env]`` table names."""
    params = {k: v for k, v in env_spec.items() if k != "id"}
    env_id = env_spec.get("id")
    if env_id not in gym.registry:
        known = sorted(k for k in gym.registry if k.startswith("rlkit/"))
        raise SpecError(f"env.id {env_id!r} is not a registered environment; rlkit's: {', '.join(known)}")
    try:
        return gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point",
                            device=device, dtype=getattr(torch, dtype), **params)
    except (TypeError, RLKitError) as e:
        raise SpecError(f"env ({env_id}): {e}") from None


def agent_parameters(cls) -> set[str]:
    names = set()
    for fn in (cls.__init__, cls.for_env):
        for p in inspect.signature(fn).parameters.values():
            if p.kind is p.KEYWORD_ONLY or p.kind is p.POSITIONAL_OR_KEYWORD:
                names.add(p.name)
    return names - {"self", "n_runs", "n_arms", "dim", "seed", "device", "dtype", "env", "horizon",
                    "n_states", "n_actions", "task_shape", "episodes"}


def resolve_agents(agents, env=None, horizon: int = 1, length_kw: str = "horizon") -> list[dict]:
    """Validate ``[[agents]]``: known algorithm, unique labels, accepted parameters, and (given a one-run
    ``env``) parameter values, by building each agent once (``for_env(env, <length_kw>=horizon, ...)``)."""
    if not isinstance(agents, list) or not agents:
        raise SpecError("agents must be a non-empty list of [[agents]] tables")
    out, labels = [], set()
    for i, a in enumerate(agents):
        if not isinstance(a, dict) or "algo" not in a:
            raise SpecError(f"agents[{i}] must be a table with an 'algo' key, got {a!r}")
        cls = AGENTS.get(a["algo"])
        label = str(a.get("label", a["algo"]))
        if label in labels:
            raise SpecError(f"agents[{i}]: label {label!r} is used twice; give each agent a distinct label")
        labels.add(label)
        params = {k: v for k, v in a.items() if k not in ("algo", "label")}
        accepted = agent_parameters(cls)
        unknown = sorted(set(params) - accepted)
        if unknown:
            raise SpecError(f"agents[{i}] ({label}): unknown parameter(s) {unknown} for {a['algo']}; "
                            f"accepted: {sorted(accepted)}")
        if env is not None:
            try:
                cls.for_env(env, **{length_kw: horizon}, seed=0, **params)
            except RLKitError as e:
                raise SpecError(f"agents[{i}] ({label}): {e}") from None
        out.append({"label": label, "algo": a["algo"], **params})
    return out


@KINDS.register("bandit")
class BanditKind(ExperimentKind):
    """Online bandit agents on a batched bandit environment: cumulative regret curves over rounds."""

    name = "bandit"
    length_key = "horizon"  # the spec key of the curves' length (rounds here, episodes for the episodic kind)
    x_label = "round t"
    plot_keys = PLOT_KEYS  # the [plot] keys a spec may set (a subclass may accept more)

    def resolve(self, spec: dict) -> dict:
        top_keys = TOP_KEYS - {"horizon"} | {self.length_key}
        unknown = sorted(set(spec) - top_keys)
        if unknown:
            raise SpecError(f"unknown top-level key(s) {unknown} for kind {self.name!r}; accepted: {sorted(top_keys)}")
        for key in (self.length_key, "runs", "env", "agents"):
            if key not in spec:
                raise SpecError(f"spec of kind {self.name!r} must set {key!r}")
        try:
            length = check_int(self.length_key, spec[self.length_key])
            runs = check_int("runs", spec["runs"])
            seed = check_int("seed", spec.get("seed", 0), 0)
            chunk = check_int("chunk_size", spec.get("chunk_size", runs))
            dtype = check_choice("dtype", spec.get("dtype", "float64"), ("float64", "float32"))
        except RLKitError as e:
            raise SpecError(str(e)) from None
        env = dict(spec["env"])
        probe = make_env(env, 1, "cpu", dtype)  # validates id and parameters now, not in a worker later
        self.check_env(probe, env)
        plot = dict(spec.get("plot", {}))
        bad = sorted(set(plot) - self.plot_keys)
        if bad:
            raise SpecError(f"unknown plot key(s) {bad}; accepted: {sorted(self.plot_keys)}")
        return {"name": str(spec["name"]), "kind": self.name, "description": spec.get("description", ""),
                self.length_key: length, "runs": runs, "seed": seed, "chunk_size": min(chunk, runs), "dtype": dtype,
                "env": env, "agents": resolve_agents(spec["agents"], probe, length, self.length_key), "plot": plot}

    def check_env(self, env, env_spec: dict) -> None:
        """Refuse an environment of the wrong family."""
        if not hasattr(env, "regret_terms"):
            raise SpecError(f"env.id {env_spec.get('id')!r} is not a bandit environment (kind {self.name!r} needs "
                            "one with regret_terms, e.g. rlkit/LinearBandit-v0)")

    def units(self, spec: dict) -> list[Unit]:
        runs, chunk = spec["runs"], spec["chunk_size"]
        return [Unit(a["label"], s, min(s + chunk, runs)) for a in spec["agents"] for s in range(0, runs, chunk)]

    def schedule(self, spec: dict, units: list[Unit]) -> list[Unit]:
        """Agents that decide every round (no held actions, no look-ahead) first: they are the slowest units."""
        slow = {a["label"]: AGENTS.get(a["algo"]).decides_every_round(a) for a in spec["agents"]}
        return sorted(units, key=lambda u: not slow[u.agent])

    def run_unit(self, spec: dict, unit: Unit, device: str) -> dict[str, np.ndarray]:
        n = unit.stop - unit.start
        env = make_env(spec["env"], n, device, spec["dtype"])
        a = next(a for a in spec["agents"] if a["label"] == unit.agent)
        params = {k: v for k, v in a.items() if k not in ("label", "algo")}
        seeds = run_sequences(spec["seed"], range(unit.start, unit.stop))
        length = spec[self.length_key]
        agent = AGENTS.get(a["algo"]).for_env(env, **{self.length_key: length}, seed=seeds, device=device,
                                              dtype=getattr(torch, spec["dtype"]), **params)
        # The unit's environment and agent are discarded afterwards, so their tensors may be inference tensors:
        # inference mode skips autograd's bookkeeping, about a third of the cost of a small per-round operation.
        with torch.inference_mode():
            return self.play(spec, env, agent, seeds, checkpoints(length))

    def overlay(self, ax, spec: dict, t: np.ndarray, term: str, results: dict[str, dict[str, np.ndarray]]) -> None:
        """Hook: draw more curves on the axes of ``term`` before the legend (default: nothing)."""

    def play(self, spec: dict, env, agent, seeds, record_at: np.ndarray) -> dict[str, np.ndarray]:
        """The rollout of one unit: ``{curve: (runs, P)}`` at ``record_at``."""
        return run_bandit(env, agent, spec["horizon"], seeds, record_at)

    def summarize(self, spec: dict, results: dict[str, dict[str, np.ndarray]]) -> dict:
        t = checkpoints(spec[self.length_key])
        out = {}
        for label, arrays in results.items():
            out[label] = {}
            for term, Y in arrays.items():
                final = Y[:, -1]
                out[label][term] = {
                    "final_mean": float(final.mean()),
                    "final_se": float(final.std(ddof=1) / math.sqrt(len(final))) if len(final) > 1 else 0.0,
                    "loglog_slope": loglog_slope(t, Y.mean(0)),
                    "runs": int(len(final)),
                }
        return {"name": spec["name"], self.length_key: spec[self.length_key], "agents": out}

    def plot(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem) -> list[Path]:
        t = checkpoints(spec[self.length_key])
        opts = spec["plot"]
        terms = list(next(iter(results.values())))
        if "term" in opts:
            terms = [check_choice("plot.term", opts["term"], terms)]
        paths = []
        for term in terms:
            title = opts.get("title", spec["name"])
            fig, ax = new_figure(f"{title}: {spec['runs']} runs", self.x_label, f"cumulative {term.replace('_', ' ')}",
                                 loglog=opts.get("loglog", True))
            draw_curves(ax, t, {label: arrays[term] for label, arrays in results.items()})
            if opts.get("theory"):
                env = make_env(spec["env"], 1, "cpu", spec["dtype"])
                label, values = theory_curve(opts["theory"], t, env.theory_params(), opts.get("theory_params"))
                ax.plot(t, values, "k--", lw=1.2, label=label)
            self.overlay(ax, spec, t, term, results)
            ax.legend(fontsize=8)
            paths += save(fig, stem if len(terms) == 1 else stem.with_name(f"{stem.name}_{term}"))
        return paths

