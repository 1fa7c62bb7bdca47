"""The ``offline_sweep`` kind: offline agents trained on nominal data, tested across a perturbation grid.

Each replication ``r`` collects a dataset on the nominal environment (its own random stream), every agent
is fitted on it, and the fitted policy is evaluated at each perturbation of the grid (Monte Carlo with
common test episodes across agents, and exactly by dynamic programming when the environment is finite).

Spec (TOML)::

    name = "r2pvi_linear_mdp"
    kind = "offline_sweep"
    runs = 20                    # replications (dataset + training + test)
    seed = 0
    chunk_size = 10              # replications per unit of work
    dtype = "float64"

    [env]                        # a registered rlkit FeatureMDP and its constructor arguments
    id = "rlkit/RobustLinearMDP-v0"

    [data]
    episodes = 100               # trajectories per dataset (K or N)
    behaviour = "uniform"        # or "constant:<action>"

    [evaluate]
    grid = [0.0, 0.5, 1.0]       # values of the environment's perturbation ``param``
    episodes = 100               # Monte Carlo test episodes per replication and grid point
    label = "perturbation q"     # x-axis label

    [[agents]]                   # label, algo (a registered offline agent), then its parameters
    label = "R2PVI-TV"
    algo = "R2PVI"
    divergence = "tv"

Units are (agent, chunk of replications); each stores ``return: (n, G)`` (Monte Carlo) and, for finite
environments, ``exact_return: (n, G)``.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import torch

from rlkit.core.checks import RLKitError, SpecError, check_choice, check_int, check_keys
from rlkit.core.registry import AGENTS, KINDS
from rlkit.core.stats import standard_error
from rlkit.kinds.bandit import resolve_agents
from rlkit.kinds.base import ExperimentKind, Unit, figure_title

TOP_KEYS = {"name", "kind", "description", "runs", "seed", "chunk_size", "dtype", "env", "data", "evaluate",
            "agents", "plot"}


def make_feature_env(env_spec: dict, device="cpu", dtype="float64", **overrides):
    """The single-instance :class:`rlkit.envs.offline.feature_mdp.FeatureMDP` a spec's ``[env]`` table names."""
    env_id = env_spec.get("id")
    if env_id not in gym.registry:
        known = sorted(k for k in gym.registry if k.startswith("rlkit/"))
        raise SpecError(f"env.id {env_id!r} is not a registered environment; rlkit's: {', '.join(known)}")
    params = {**{k: v for k, v in env_spec.items() if k != "id"}, **overrides}
    try:
        env = gym.make(env_id, disable_env_checker=True, device=device, dtype=getattr(torch, dtype), **params).unwrapped
    except (TypeError, RLKitError) as e:
        raise SpecError(f"env ({env_id}): {e}") from None
    if not hasattr(env, "phi") or not hasattr(env, "next_states"):
        raise SpecError(f"env.id {env_id!r} is not an offline feature MDP (it has no batched phi/next_states)")
    return env


def resolve_offline_agents(agents) -> list[dict]:
    """Validate ``[[agents]]`` as the bandit kind does, then build each agent once so bad values fail here."""
    out = resolve_agents(agents)
    for entry in out:
        make_agent(entry)
    return out


def make_agent(entry: dict, device="cpu", dtype="float64"):
    cls = AGENTS.get(entry["algo"])
    params = {k: v for k, v in entry.items() if k not in ("label", "algo")}
    try:
        return cls.for_env(None, device=device, dtype=getattr(torch, dtype), **params)
    except (TypeError, RLKitError) as e:
        raise SpecError(f"agent {entry['label']} ({entry['algo']}): {e}") from None


def resolve_common(spec: dict, top_keys: set, kind: str) -> dict:
    """Keys shared by the offline kinds: runs, seed, chunk_size, dtype, env, data, agents."""
    check_keys("top-level", spec, top_keys, f" for kind {kind!r}")
    for key in ("env", "agents"):
        if key not in spec:
            raise SpecError(f"spec of kind {kind!r} must set {key!r}")
    try:
        runs = check_int("runs", spec.get("runs", 1))
        seed = check_int("seed", spec.get("seed", 0), 0)
        chunk = check_int("chunk_size", spec.get("chunk_size", runs))
        dtype = check_choice("dtype", spec.get("dtype", "float64"), ("float64", "float32"))
        data = dict(spec.get("data", {}))
        check_keys("data", data, {"episodes", "behaviour"})
        data = {"episodes": check_int("data.episodes", data.get("episodes", 100)),
                "behaviour": str(data.get("behaviour", "uniform"))}
    except RLKitError as e:
        raise SpecError(str(e)) from None
    env = dict(spec["env"])
    make_feature_env(env, "cpu", dtype)
    return {"name": str(spec["name"]), "kind": kind, "description": spec.get("description", ""), "runs": runs,
            "seed": seed, "chunk_size": min(chunk, runs), "dtype": dtype, "env": env, "data": data,
            "agents": resolve_offline_agents(spec["agents"]), "plot": dict(spec.get("plot", {}))}


@KINDS.register("offline_sweep")
class OfflineSweepKind(ExperimentKind):
    """Experiment kind "offline_sweep": fit offline agents per replication, return over a perturbation grid.

    Units are (agent, chunk of replications); each stores ``return: (n, G)`` and, on finite MDPs,
    ``exact_return: (n, G)``. The spec's keys are listed in the module docstring.
    """

    name = "offline_sweep"
    overrides = ("runs", "seed")  # runs: the replications

    def resolve(self, spec: dict) -> dict:
        out = resolve_common(spec, TOP_KEYS, self.name)
        ev = dict(spec.get("evaluate", {}))
        check_keys("evaluate", ev, {"grid", "episodes", "label"})
        grid = ev.get("grid")
        if not isinstance(grid, list) or not grid:
            raise SpecError(f"evaluate.grid must be a non-empty list of perturbation values, got {grid!r}")
        try:
            episodes = check_int("evaluate.episodes", ev.get("episodes", 100))
        except RLKitError as e:
            raise SpecError(str(e)) from None
        for g in grid:
            make_feature_env(out["env"], "cpu", out["dtype"], param=g)
        out["evaluate"] = {"grid": [float(g) for g in grid], "episodes": episodes,
                           "label": str(ev.get("label", "perturbation"))}
        return out

    def units(self, spec: dict) -> list[Unit]:
        runs, chunk = spec["runs"], spec["chunk_size"]
        return [Unit(a["label"], s, min(s + chunk, runs)) for a in spec["agents"] for s in range(0, runs, chunk)]

    def run_unit(self, spec: dict, unit: Unit, device: str) -> dict[str, np.ndarray]:
        from rlkit.agents.offline_evaluation import exact_return, monte_carlo_return
        from rlkit.envs.offline.dataset import collect

        reps = range(unit.start, unit.stop)
        env = make_feature_env(spec["env"], device, spec["dtype"])
        data = collect(env, spec["data"]["behaviour"], spec["data"]["episodes"], spec["seed"], reps)
        entry = next(a for a in spec["agents"] if a["label"] == unit.agent)
        policy = make_agent(entry, device, spec["dtype"]).fit(data)
        mc, exact = [], []
        for g in spec["evaluate"]["grid"]:
            test = make_feature_env(spec["env"], device, spec["dtype"], param=g)
            mc.append(monte_carlo_return(test, policy, g, spec["evaluate"]["episodes"], spec["seed"], reps))
            if hasattr(test, "kernel"):
                exact.append(exact_return(test, policy, g))
        out = {"return": torch.stack(mc, 1).cpu().numpy()}
        if exact:
            out["exact_return"] = torch.stack(exact, 1).cpu().numpy()
        return out

    def summarize(self, spec: dict, results: dict[str, dict[str, np.ndarray]]) -> dict:
        out = {}
        for label, arrays in results.items():
            out[label] = {}
            for term, Y in arrays.items():
                n = Y.shape[0]
                se = standard_error(Y)
                out[label][term] = {"mean": Y.mean(0).tolist(), "se": se.tolist(), "runs": int(n)}
        return {"name": spec["name"], "grid": spec["evaluate"]["grid"], "agents": out}

    def plot(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem) -> list[Path]:
        """Average return against the perturbation, one figure per stored term (``return``, ``exact_return``),
        drawn by :func:`rlkit.figures.offline.draw_returns`."""
        from rlkit.figures.offline import behaviour_text, draw_returns  # drawing only: workers never import it
        from rlkit.figures.plot import count
        from rlkit.reproduce.references import markers

        stem = Path(stem)
        grid = np.asarray(spec["evaluate"]["grid"])
        env = make_feature_env(spec["env"], "cpu", spec["dtype"])
        data = spec["data"]
        size = (f"N = {count(data['episodes'])} trajectories of {behaviour_text(data['behaviour'])}, d = {env.dim}, "
                f"H = {env.horizon}, {spec['runs']} replications")
        paths = []
        for term in next(iter(results.values())):
            exact = term == "exact_return"
            what = ("exact return (dynamic programming), averaged" if exact
                    else f"mean return of {spec['evaluate']['episodes']} test episodes, averaged")
            paths += draw_returns(grid, {label: arrays[term] for label, arrays in results.items()},
                                  stem if term == "return" else stem.with_name(f"{stem.name}_{term}"),
                                  title=figure_title(spec), subtitle=size,
                                  xlabel=spec["evaluate"]["label"],
                                  ylabel="average return" + (" (exact)" if exact else ""), runs=spec["runs"],
                                  what=what, reported=markers(spec["name"], term))
        return paths
