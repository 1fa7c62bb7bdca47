"""The ``bandit`` experiment kind: batched online bandit agents on a batched environment, cumulative regret.

Spec (TOML)::

    name = "quickstart"          # results go to results/<name> unless --out is given
    kind = "bandit"
    rounds = 10000               # rounds T
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
    theory_agent = "LinUCB"      # the agent it bounds (default: the one agent of the bound's algorithm)
    theory_term = "regret"       # the regret notion it bounds (default: the bound's own ``term``)
    loglog = true                # add the log-log panel (slopes) beside the linear one
    ylabel = "cumulative regret" # optional y-axis label (default: "cumulative <term>"; "final <ylabel>" in a sweep)
    cost = false                 # true: the figure is the final value against each agent's compute seconds (read
                                 # from the results directory's summary.json), the curves go to <name>_curves

Units are (agent, chunk of runs). Each unit stores ``{term: (runs, P)}`` cumulative regret at the
checkpoints :func:`rlkit.agents.bandit_loop.checkpoints` (``P`` points), one array per regret term the environment
declares.

Figures (one per term, ``<name>_<term>.png`` when there are several; drawn by :mod:`rlkit.figures.bandit`): the
linear axes of the papers beside a log-log panel; mean and 95% t-band (each run below five runs) per agent in its
project style (:func:`rlkit.figures.plot.style_for`), legend under the panels, the run's size and the band's
meaning in the title. A theory bound is drawn only on the figure of the regret notion it bounds, on the log-log
panel, labelled with the agent it bounds, beside the trivial bound ``t x`` the largest per-round gap where the
environment tells it (:func:`trivial_bound`). The paper's and the authors' code's values are hollow markers
(:func:`reported_values`).
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import torch

from rlkit.agents.bandit_loop import checkpoints, run_bandit
from rlkit.core.checks import RLKitError, SpecError, agent_tables, check_choice, check_int, check_keys
from rlkit.core.protocols import BanditEnv
from rlkit.core.registry import AGENTS, KINDS, accepted_params
from rlkit.core.seeding import run_sequences
from rlkit.core.stats import loglog_slope, loglog_slope_band, standard_error
from rlkit.kinds import sweep as sweeps
from rlkit.kinds.base import ExperimentKind, Unit, figure_title
from rlkit.theory import theory_curve, theory_function

TOP_KEYS = {"name", "kind", "description", "rounds", "runs", "seed", "chunk_size", "dtype", "env", "agents", "plot",
            "sweep"}
PLOT_KEYS = {"theory", "theory_params", "theory_agent", "theory_term", "loglog", "term", "title", "references",
             "ylabel", "cost"}


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


def resolve_agents(agents, env=None, budget: int = 1, length_kw: str = "rounds") -> list[dict]:
    """Validate ``[[agents]]``: known algorithm, unique labels, accepted parameters, and (given a one-run
    ``env``) parameter values, by building each agent once (``for_env(env, <length_kw>=budget, ...)``)."""
    out = []
    for i, a, label in agent_tables(agents):
        cls = AGENTS.get(a["algo"])
        params = {k: v for k, v in a.items() if k not in ("algo", "label")}
        accepted = accepted_params(cls)
        unknown = sorted(set(params) - accepted)
        if unknown:
            raise SpecError(f"agents[{i}] ({label}): unknown parameter(s) {unknown} for {a['algo']}; "
                            f"accepted: {sorted(accepted)}")
        if env is not None:
            try:
                cls.for_env(env, **{length_kw: budget}, seed=0, **params)
            except RLKitError as e:
                raise SpecError(f"agents[{i}] ({label}): {e}") from None
        out.append({"label": label, "algo": a["algo"], **params})
    return out


@KINDS.register("bandit")
class BanditKind(ExperimentKind):
    """Online bandit agents on a batched bandit environment: cumulative regret curves over rounds.

    Units are (agent, chunk of runs); each stores ``{term: (runs, P)}`` at :func:`rlkit.agents.bandit_loop.checkpoints`.
    The spec's keys are listed in the module docstring.
    """

    name = "bandit"
    length_key = budget = "rounds"  # the spec key of the curves' length (episodes for the episodic kind)
    overrides = ("runs", "rounds", "seed")
    x_label = "round t"
    length_text = "T = {}"  # the curves' length in a figure's title
    plot_keys = PLOT_KEYS  # the [plot] keys a spec may set (a subclass may accept more)

    def resolve(self, spec: dict) -> dict:
        top_keys = TOP_KEYS - {"rounds"} | {self.length_key}
        check_keys("top-level", spec, top_keys, f" for kind {self.name!r}")
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
        env = dict(spec["env"]) if isinstance(spec["env"], dict) else spec["env"]
        if not isinstance(env, dict):
            raise SpecError(f"env must be a table [env] with an id, got {env!r}")
        sweep = sweeps.resolve(spec.get("sweep"), env, self.length_key)
        probes = []
        for point in sweeps.points({"env": env, "sweep": sweep}):  # every point builds now, not in a worker later
            probes.append(make_env(point, 1, "cpu", dtype))
            self.check_env(probes[-1], point)
        probe = probes[0]
        plot = dict(spec.get("plot", {}))
        check_keys("plot", plot, self.plot_keys)
        agents = spec["agents"] if isinstance(spec["agents"], list) else []
        labels = [str(a.get("label", a.get("algo"))) for a in agents if isinstance(a, dict)]
        if "theory_agent" in plot and plot["theory_agent"] not in labels:
            raise SpecError(f"plot.theory_agent must be one of the agents' labels {labels}, "
                            f"got {plot['theory_agent']!r}")
        terms = getattr(probe, "regret_terms", None)
        if "theory_term" in plot and terms is not None and plot["theory_term"] not in terms:
            raise SpecError(f"plot.theory_term must be one of the environment's regret terms "
                            f"{sorted(terms)}, got {plot['theory_term']!r}")
        for p, n in zip(probes[1:], sweep["values"][1:] if sweep and sweep["length"] else [length] * len(probes)):
            resolve_agents(spec["agents"], p, n, self.length_key)
        out = {"name": str(spec["name"]), "kind": self.name, "description": spec.get("description", ""),
               self.length_key: length, "runs": runs, "seed": seed, "chunk_size": min(chunk, runs), "dtype": dtype,
               "env": env, "agents": resolve_agents(spec["agents"], probe, length, self.length_key), "plot": plot}
        if sweep is not None:
            out["sweep"] = sweep
        sweeps.check_references(out)
        return out

    def check_env(self, env, env_spec: dict) -> None:
        """Refuse an environment of the wrong family."""
        if not isinstance(env, BanditEnv):
            raise SpecError(f"env.id {env_spec.get('id')!r} is not a bandit environment (kind {self.name!r} needs "
                            "one with regret_terms, e.g. rlkit/LinearBandit-v0)")

    def units(self, spec: dict) -> list[Unit]:
        """(agent, chunk of runs) per sweep point; point ``g`` holds runs ``g R .. (g+1) R`` (:mod:`.sweep`)."""
        runs, chunk = spec["runs"], spec["chunk_size"]
        return [Unit(a["label"], g * runs + s, g * runs + min(s + chunk, runs)) for a in spec["agents"]
                for g in range(len(sweeps.points(spec))) for s in range(0, runs, chunk)]

    def schedule(self, spec: dict, units: list[Unit]) -> list[Unit]:
        """Agents that decide every round (no held actions, no look-ahead) first, then larger sweep values first:
        they are the slowest units."""
        slow = {a["label"]: AGENTS.get(a["algo"]).decides_every_round(a) for a in spec["agents"]}
        rank = sweeps.rank(spec)
        return sorted(units, key=lambda u: (not slow[u.agent], rank[u.start // spec["runs"]]))

    def run_unit(self, spec: dict, unit: Unit, device: str) -> dict[str, np.ndarray]:
        if spec.get("sweep"):  # point g's runs g R + i are run i of that point's environment
            g = unit.start // spec["runs"]
            shift = g * spec["runs"]
            spec = {**spec, "env": sweeps.points(spec)[g], **spec["sweep"]["points"][g]}  # a swept length too
            unit = Unit(unit.agent, unit.start - shift, unit.stop - shift)
        n = unit.stop - unit.start
        env = make_env(spec["env"], n, device, spec["dtype"])
        a = next(a for a in spec["agents"] if a["label"] == unit.agent)
        params = {k: v for k, v in a.items() if k not in ("label", "algo")}
        cls = AGENTS.get(a["algo"])
        if torch.device(device).type != "cpu" and "validate" in accepted_params(cls):
            # on an accelerator the value checks are read at the checkpoints, not every round (no per-round
            # synchronisation); on the CPU a read costs nothing and the eager checks stop at the bad round
            params.setdefault("validate", "checkpoint")
        seeds = run_sequences(spec["seed"], range(unit.start, unit.stop))
        length = spec[self.length_key]
        agent = cls.for_env(env, **{self.length_key: length}, seed=seeds, device=device,
                                              dtype=getattr(torch, spec["dtype"]), **params)
        # The unit's environment and agent are discarded afterwards, so their tensors may be inference tensors:
        # inference mode skips autograd's bookkeeping, about a third of the cost of a small per-round operation.
        # a sweep of the length records the final value only (the points' curves have different lengths)
        record_at = np.array([length]) if sweeps.over_length(spec) else checkpoints(length)
        with torch.inference_mode():
            return self.play(spec, env, agent, seeds, record_at)

    def play(self, spec: dict, env, agent, seeds, record_at: np.ndarray) -> dict[str, np.ndarray]:
        """The rollout of one unit: ``{curve: (runs, P)}`` at ``record_at``."""
        return run_bandit(env, agent, spec["rounds"], seeds, record_at)

    def summarize(self, spec: dict, results: dict[str, dict[str, np.ndarray]]) -> dict:
        """Per agent and curve: final mean, standard error, log-log slope; with a sweep, the same per point
        (``points``) and the final values against the swept values (``sweep``)."""
        if sweeps.over_length(spec):  # final values only: the sweep summary is all there is
            return {"name": spec["name"], "sweep": sweeps.summary(spec, results)}
        if spec.get("sweep"):
            parts = sweeps.split(spec, results)
            return {"name": spec["name"], self.length_key: spec[self.length_key],
                    "sweep": sweeps.summary(spec, results),
                    "points": [{"point": p, **self.summarize({**spec, "sweep": None}, part)}
                               for p, part in zip(spec["sweep"]["points"], parts)]}
        t = checkpoints(spec[self.length_key])
        out = {}
        for label, arrays in results.items():
            out[label] = {}
            for term, Y in arrays.items():
                final = Y[:, -1]
                out[label][term] = {
                    "final_mean": float(final.mean()),
                    "final_se": float(standard_error(final)),
                    "loglog_slope": loglog_slope(t, Y.mean(0)),
                    "runs": int(len(final)),
                }
        return {"name": spec["name"], self.length_key: spec[self.length_key], "agents": out}

    def plot(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem) -> list[Path]:
        """The curves' figure (:mod:`rlkit.figures.bandit`); with a sweep, one per point (``<stem>_<g>``) and, for a
        sweep of one parameter over numbers, the final values against it (``<stem>``, :mod:`rlkit.figures.sweep`)."""
        if not spec.get("sweep"):
            if spec["plot"].get("cost"):
                return self.plot_cost(spec, results, Path(stem))
            return self.plot_curves(spec, results, stem)
        from rlkit.figures import sweep as sweep_figure  # drawing only: workers never import matplotlib
        from rlkit.figures.plot import count

        stem = Path(stem)
        paths = []
        for g, part in enumerate([] if sweeps.over_length(spec) else sweeps.split(spec, results)):
            title = f"{figure_title(spec)}, {sweeps.point_label(spec, g)}"
            at_g = {**spec, "env": sweeps.points(spec)[g], "sweep": None, "plot": {**spec["plot"], "title": title}}
            paths += self.plot_curves(at_g, part, stem.with_name(f"{stem.name}_{g}"))
        if sweeps.numeric(spec):
            terms = list(dict.fromkeys(k for arrays in results.values() for k in arrays))  # every agent's curves
            if "term" in spec["plot"]:
                terms = [check_choice("plot.term", spec["plot"]["term"], terms)]
            length = spec[self.length_key]
            env = make_env(sweeps.points(spec)[0], 1, "cpu", spec["dtype"])
            available = {**env.theory_params(), "T": length, self.length_key: length}
            what = f"after {self.length_text.format(count(length))}, {spec['runs']} runs per point"
            x = np.asarray(spec["sweep"]["values"], dtype=np.float64)
            loglog = spec["plot"].get("loglog", True) and bool(np.all(x > 0))
            if sweeps.over_length(spec):
                what = f"each point a separate run of that many {self.length_key}, {spec['runs']} runs per point"
            for term in terms:
                F = sweeps.finals(spec, results, term)
                means = {label: Y.mean(0) for label, Y in F.items()}
                rates = sweep_figure.reference_lines(spec["plot"].get("references", []), x, means, "sweep", available)
                slopes = {label: loglog_slope_band(x, Y) for label, Y in F.items()} if loglog else None
                ylabel = f"final {spec['plot'].get('ylabel', term.replace('_', ' '))}"
                paths += sweep_figure.draw(
                    x, F, stem if len(terms) == 1 else stem.with_name(f"{stem.name}_{term}"),
                    title=figure_title(spec), subtitle=what, xlabel=spec["sweep"]["label"],
                    ylabel=ylabel, loglog=loglog, rates=rates, runs=spec["runs"],
                    reported=reported_values(spec, term), slopes=slopes)
        return paths

    def plot_curves(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem) -> list[Path]:
        """One figure per curve (term): linear and log-log panels over rounds or episodes
        (:func:`rlkit.figures.bandit.draw`)."""
        from rlkit.figures import bandit as bandit_figure  # drawing only: workers never import matplotlib
        from rlkit.figures.plot import count
        from rlkit.figures.sweep import reference_lines

        stem = Path(stem)
        length = spec[self.length_key]
        t = checkpoints(length)
        opts = spec["plot"]
        terms = list(dict.fromkeys(k for arrays in results.values() for k in arrays))  # every agent's curves
        if "term" in opts:
            terms = [check_choice("plot.term", opts["term"], terms)]
        env = make_env(spec["env"], 1, "cpu", spec["dtype"])
        tp = env.theory_params()
        bound = self.bound(spec, t, tp, terms)
        sizes = [self.length_text.format(count(length))]
        sizes += [f"{k} = {tp[k]}" for k in ("K", "d") if k in tp]
        subtitle = f"{', '.join(sizes)}, {spec['runs']} runs"
        paths = []
        for term in terms:
            curves = {label: arrays[term] for label, arrays in results.items() if term in arrays}
            means = {label: Y.mean(0) for label, Y in curves.items()}
            rates = reference_lines(opts.get("references", []), t, means, "curve", {})
            on_term = bound is not None and bound[0] == term
            paths += bandit_figure.draw(
                t, curves, stem if len(terms) == 1 else stem.with_name(f"{stem.name}_{term}"),
                title=figure_title(spec), subtitle=subtitle, xlabel=self.x_label,
                ylabel=opts.get("ylabel", f"cumulative {term.replace('_', ' ')}"), runs=spec["runs"],
                loglog=opts.get("loglog", True), bound=bound[1:] if on_term else None,
                trivial=trivial_bound(env, term, t) if on_term else None, rates=rates,
                reported=reported_values(spec, term))
        return paths

    def plot_cost(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem: Path) -> list[Path]:
        """The final value of each agent against its compute seconds (``<stem>``), the curves beside it
        (``<stem>_curves``). The seconds are the runner's, from ``summary.json`` beside the results."""
        import json

        from rlkit.figures.cost import draw as draw_cost
        from rlkit.figures.plot import count

        paths = self.plot_curves(spec, results, stem.with_name(f"{stem.name}_curves"))
        summary = stem.parent / "summary.json"
        seconds = json.loads(summary.read_text()).get("compute_seconds", {}) if summary.exists() else {}
        if not all(label in seconds for label in results):
            return paths  # no timings recorded (or an older run): the curves only
        term = spec["plot"].get("term") or next(iter(next(iter(results.values()))))
        finals = {label: arrays[term][:, -1] for label, arrays in results.items()}
        length = spec[self.length_key]
        return draw_cost(finals, {label: float(seconds[label]) for label in results}, stem,
                         title=figure_title(spec),
                         subtitle=f"after {self.length_text.format(count(length))}, {spec['runs']} runs; compute "
                                  "seconds of each agent's runs as the runner measured them",
                         ylabel=f"final {spec['plot'].get('ylabel', 'per-task regret')}") + paths

    def bound(self, spec: dict, t: np.ndarray, theory_params: dict, terms: list[str]):
        """``(term, label, values)`` of the spec's theory bound, or ``None``: the regret notion it bounds (the spec's
        ``theory_term``, else the function's ``term``, else the first curve), and a label naming the agent it bounds
        (the spec's ``theory_agent``, else the one agent of the function's ``algo``)."""

        opts = spec["plot"]
        if not opts.get("theory"):
            return None
        fn = theory_function(opts["theory"])
        name, values = theory_curve(opts["theory"], t, theory_params, opts.get("theory_params"))
        term = opts.get("theory_term") or getattr(fn, "term", None) or terms[0]
        agent = opts.get("theory_agent")
        if agent is None and getattr(fn, "algo", None):
            matches = [a["label"] for a in spec["agents"] if AGENTS.key(a["algo"]) == AGENTS.key(fn.algo)]
            agent = matches[0] if len(matches) == 1 else None
        if hasattr(fn, "algo") and fn.algo is None:
            return term, f"{name} (any algorithm)", values
        return term, f"{name}, for {agent}" if agent else name, values


def trivial_bound(env, term: str, t: np.ndarray) -> np.ndarray | None:
    """``t x`` the largest per-round gap of ``term`` when the environment tells it, else ``None``: for the steady-state
    pseudo-regret of a dynamical bandit ``J* - min_u J(u)`` over its action set; for the pseudo-regret of a linear
    bandit with ``||theta|| <= S``, ``||x|| <= L``, ``2 S L``."""
    gap = None
    if term == "steady_state_regret" and hasattr(env, "action_set") and hasattr(env, "value"):
        values = env.value(env.action_set)
        gap = float(env.optimal_value) - float(values.min())
    elif term == "regret":
        tp = env.theory_params()
        if "S" in tp and "L" in tp and "reward_bound" not in tp:
            gap = 2.0 * float(tp["S"]) * float(tp["L"])
    return None if gap is None else np.asarray(t, dtype=np.float64) * gap


def reported_values(spec: dict, term: str) -> list[dict]:
    """The paper's and the authors' code's values for this spec's figure of ``term`` (the reproduction's reference
    files, :mod:`rlkit.reproduce.references`), as ``[{"agent", "x", "value", "source"}]``."""
    from rlkit.reproduce.references import markers

    return markers(spec["name"], term)
