"""The ``transfer_build`` kind: train a source policy per context, evaluate each on every target, select.

Stage ``train``: one unit per (trial, source context) trains a policy with the family's trainer
(Stable-Baselines3 by default) and stores it (the model's zip bytes, ``model: (1, bytes)`` uint8); with
``train.multitask`` one more unit per trial trains the multi-task policy (a context drawn per episode).
Stage ``evaluate``: one unit per (trial, policy, chunk of targets), ``chunk_size = 1`` by default: one
(source, target) cell, storing ``returns: (targets, episodes)``. Every unit is written atomically as it
finishes, so a killed build resumes where it stopped (finished cells are kept as they are); both stages
run on local worker processes, or on Ray with ``--backend ray`` (models reach evaluation workers as task
arguments). All episodes on target ``j`` of trial ``t`` start from the same reset seeds whatever the
source (common random numbers), and every training run has its own seed stream.

**Batched trainer** (``train.trainer = "batched"``, the default for a family with a batched environment,
CartPole and Pendulum, and SB3's PPO with its ``MlpPolicy``): every (trial, source) policy and each trial's
multi-task policy train at once in one :class:`rlkit.mbtl.batched_ppo.BatchedPPO` (:mod:`rlkit.mbtl.batched_build`,
one process). Stage ``train`` is a chain of units ``trainb_c<k>``, one per ``train.chunk_timesteps`` steps
(default 20,480, rounded down to whole rollouts), each storing the trainer's whole state (weights, Adam's
moments, generators, environments) and resuming from the previous one, so a killed build resumes from its
last stored chunk with the same result. Stage ``evaluate`` has one unit per trial, ``evalb_t<t>``: every
policy of the trial on every target, all episodes in lockstep (the same start states as the SB3 path's
seeds). ``trainer = "sb3"`` keeps one SB3 process per policy (the traffic family always uses it).

The summary runs the selection strategies on the finished matrix; ``rlkit plot`` draws normalised
generalised performance vs the number of trained tasks (``<name>.png``), a heat map of the matrix
(``<name>_heatmap.png``) and writes the matrix beside them (``<name>_matrix.npz``, the format of
:class:`rlkit.mbtl.TransferMatrix`).

Spec (TOML)::

    name = "mbtl_cartpole"
    kind = "transfer_build"
    seed = 0
    trials = 3                   # independent builds (RL seeds), the paper's three
    threads = 1                  # torch threads per unit

    [family]                     # a registered family (rlkit.mbtl.families.base.FAMILIES)
    name = "cartpole"
    context = "masscart"         # the context that varies; the others stay at their defaults
    n = 20                       # grid size N: default * linspace(scale[0], scale[1], n)
    scale = [0.1, 10.0]          # or values = [...] for an explicit grid
    options = { context_in_obs = true }   # other environment arguments
    # bounds = [0.0, 500.0]      # normalisation bounds (default: the family's)

    [train]
    algo = "PPO"                 # an SB3 algorithm
    # trainer = "batched"        # or "sb3" (default: batched where the family has a batched environment)
    # chunk_timesteps = 20480    # batched: steps per stored training checkpoint
    timesteps = 40000            # per policy
    n_envs = 1
    policy = "MlpPolicy"
    multitask = true             # also train the multi-task policy (same timesteps unless multitask_timesteps)
    params = { learning_rate = 3e-4 }     # keyword arguments of the SB3 class

    [evaluate]
    episodes = 20                # test episodes per (policy, target)
    deterministic = true
    chunk_size = 1               # targets per evaluation unit
    # batch = 20                 # episodes run in lockstep (default: all)

    [[agents]]                   # selection strategies and levels, as in kind "transfer"
    label = "MBTL"               # (default: the standard set of rlkit.mbtl.compare.standard_agents
    algo = "MBTL"                #  with plot.slope)
    slope = 0.026

    [plot]
    title = "CartPole, mass of cart"
    slope = 0.026                # MBTL's slope for the standard set when [[agents]] is absent
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np

from rlkit.core.checks import RLKitError, SpecError, check_choice, check_int, check_keys
from rlkit.core.registry import KINDS
from rlkit.core.seeding import AGENT, ENV, child_sequence, role_sequence, run_sequence
from rlkit.kinds.base import ExperimentKind, Unit, figure_title
from rlkit.kinds.transfer_select import selection
from rlkit.mbtl import batched_build
from rlkit.mbtl.batched_ppo import PPOConfig
from rlkit.mbtl.compare import selection_agents
from rlkit.mbtl.families.base import FAMILIES, EnvMaker
from rlkit.mbtl.matrix import TransferMatrix

TOP_KEYS = {"name", "kind", "description", "seed", "trials", "threads", "family", "train", "evaluate", "agents",
            "plot"}
FAMILY_KEYS = {"name", "context", "n", "scale", "values", "options", "bounds"}
TRAIN_KEYS = {"algo", "timesteps", "n_envs", "policy", "multitask", "multitask_timesteps", "params", "trainer",
              "chunk_timesteps"}
EVAL_KEYS = {"episodes", "deterministic", "chunk_size", "batch"}
PLOT_KEYS = {"title", "slope"}
MULTITASK = "multitask"
_UNIT = re.compile(r"^(train|eval)_t(\d+)_(s\d+|multitask)$")
_BATCHED_UNIT = re.compile(r"^(trainb)_c(\d+)$|^(evalb)_t(\d+)$")
ENV_LOCKSTEP = 200_000  # batched evaluation: at most about this many environments in lockstep


def _table(spec: dict, key: str, accepted: set) -> dict:
    table = spec.get(key, {})
    if not isinstance(table, dict):
        raise SpecError(f"{key} must be a table, got {table!r}")
    check_keys(key, table, accepted)
    return dict(table)


def source_name(s: int) -> str:
    return f"s{s:03d}"


def placeholder_matrix(spec: dict) -> TransferMatrix:
    """A matrix of the build's shape (zeros) to validate the selection agents before anything is trained."""
    N = len(spec["family"]["values"])
    return TransferMatrix(np.zeros((1, N, N)), spec["family"]["values"], spec["family"]["bounds"],
                          np.zeros((1, N)) if spec["train"]["multitask"] else None)


@KINDS.register("transfer_build")
class TransferBuildKind(ExperimentKind):
    """Experiment kind ``transfer_build``: train per source context, evaluate every cell, select (module docstring)."""

    name = "transfer_build"

    # ---------------------------------------------------------------- spec
    def resolve(self, spec: dict) -> dict:
        check_keys("top-level", spec, TOP_KEYS, " for kind 'transfer_build'")
        for key in ("family", "train"):
            if key not in spec:
                raise SpecError(f"spec of kind 'transfer_build' must set [{key}]")
        fam, train = _table(spec, "family", FAMILY_KEYS), _table(spec, "train", TRAIN_KEYS)
        ev, plot = _table(spec, "evaluate", EVAL_KEYS), _table(spec, "plot", PLOT_KEYS)
        try:
            seed = check_int("seed", spec.get("seed", 0), 0)
            trials = check_int("trials", spec.get("trials", 1))
            threads = check_int("threads", spec.get("threads", 1))
            family = FAMILIES.get(fam.get("name"))
            if "context" not in fam:
                raise SpecError(f"family.context must name the context that varies, one of {sorted(family.contexts)}")
            context = str(fam["context"])
            if "values" in fam:
                values = np.asarray(fam["values"], dtype=np.float64)
                family.check_values(context, values)
                if values.ndim != 1 or values.size < 2 or not np.all(np.diff(values) > 0):
                    raise SpecError(f"family.values must be at least two increasing numbers, got {fam['values']!r}")
            else:
                values = family.grid(context, fam.get("n", 10), fam.get("scale", (0.1, 10.0)))
            options = dict(fam.get("options", {}))
            family.make_env(context, float(values[0]), options).close()  # bad options fail now
            bounds = [float(b) for b in fam.get("bounds", family.bounds)]
            algo = str(train.get("algo", "PPO"))
            from rlkit.mbtl.sb3 import algorithm

            algorithm(algo)
            train = {"algo": algo, "timesteps": check_int("train.timesteps", train.get("timesteps", 50_000)),
                     "n_envs": check_int("train.n_envs", train.get("n_envs", 1)),
                     "policy": str(train.get("policy", "MlpPolicy")),
                     "multitask": check_choice("train.multitask", train.get("multitask", True), (True, False)),
                     "multitask_timesteps": check_int("train.multitask_timesteps",
                                                      train.get("multitask_timesteps", train.get("timesteps", 50_000))),
                     "params": dict(train.get("params", {}))}
            train["trainer"] = _trainer(family, train, spec.get("train", {}).get("trainer"))
            train["chunk_timesteps"] = check_int("train.chunk_timesteps",
                                                 spec.get("train", {}).get("chunk_timesteps", 20_480))
            episodes = check_int("evaluate.episodes", ev.get("episodes", 10))
            ev = {"episodes": episodes, "deterministic": check_choice("evaluate.deterministic",
                                                                      ev.get("deterministic", True), (True, False)),
                  "chunk_size": min(check_int("evaluate.chunk_size", ev.get("chunk_size", 1)), len(values)),
                  "batch": check_int("evaluate.batch", ev.get("batch", episodes))}
        except RLKitError as e:
            raise SpecError(str(e)) from None
        out = {"name": str(spec["name"]), "kind": self.name, "description": spec.get("description", ""),
               "seed": seed, "trials": trials, "threads": threads,
               "family": {"name": fam["name"], "context": context, "values": values.tolist(), "options": options,
                          "bounds": bounds},
               "train": train, "evaluate": ev, "plot": plot}
        try:
            TransferMatrix(np.zeros((len(values),) * 2), values, bounds)  # bounds and grid are valid
        except RLKitError as e:
            raise SpecError(f"family: {e}") from None
        out["agents"] = selection_agents(placeholder_matrix(out), spec.get("agents"), slope=plot.get("slope", 0.005))
        return out

    # --------------------------------------------------------------- units
    def _sources(self, spec: dict) -> list[str]:
        names = [source_name(s) for s in range(len(spec["family"]["values"]))]
        return names + ([MULTITASK] if spec["train"]["multitask"] else [])

    def stages(self, spec: dict) -> list[tuple[str, list[Unit]]]:
        if spec["train"]["trainer"] == "batched":  # chained training chunks (each a checkpoint), then per trial
            _, K = batched_build.chunks(spec)
            train = [(f"train {k + 1}/{K}", [Unit(f"trainb_c{k:03d}", 0, 1)]) for k in range(K)]
            return train + [("evaluate", [Unit(f"evalb_t{t}", 0, 1) for t in range(spec["trials"])])]
        N, chunk = len(spec["family"]["values"]), spec["evaluate"]["chunk_size"]
        train = [Unit(f"train_t{t}_{src}", 0, 1) for t in range(spec["trials"]) for src in self._sources(spec)]
        evaluate = [Unit(f"eval_t{t}_{src}", j, min(j + chunk, N)) for t in range(spec["trials"])
                    for src in self._sources(spec) for j in range(0, N, chunk)]
        return [("train", train), ("evaluate", evaluate)]

    def units(self, spec: dict) -> list[Unit]:
        return [u for _, stage in self.stages(spec) for u in stage]

    def schedule(self, spec: dict, units: list[Unit]) -> list[Unit]:
        """The multi-task policies first (they may train longer), then in order."""
        return sorted(units, key=lambda u: not u.agent.endswith(MULTITASK))

    def inputs(self, spec: dict, unit: Unit) -> list[Unit]:
        m = _BATCHED_UNIT.match(unit.agent)
        if m is not None:
            k = int(m.group(2)) if m.group(1) else batched_build.chunks(spec)[1]
            return [Unit(f"trainb_c{k - 1:03d}", 0, 1)] if k > 0 else []
        kind, t, src = _parse(unit)
        return [Unit(f"train_t{t}_{src}", 0, 1)] if kind == "eval" else []

    # ------------------------------------------------------------ compute
    def run_unit(self, spec: dict, unit: Unit, device: str, inputs: dict | None = None) -> dict[str, np.ndarray]:
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(spec["threads"])
        try:
            if _BATCHED_UNIT.match(unit.agent):
                return self._run_batched(spec, unit, device, inputs)
            kind, t, src = _parse(unit)
            if kind == "train":
                return self._train(spec, t, src)
            (model,) = (inputs or {}).values()
            return self._evaluate(spec, t, src, model["model"][0].tobytes(), range(unit.start, unit.stop))
        finally:
            torch.set_num_threads(before)

    def _run_batched(self, spec: dict, unit: Unit, device: str, inputs: dict | None) -> dict[str, np.ndarray]:
        """A training chunk (resume from the previous chunk's state, train, store the state) or a trial's
        evaluation (every policy of the trial on every target, batched)."""
        env_cls = FAMILIES.get(spec["family"]["name"]).batched_env
        ppo = batched_build.trainer(spec, env_cls, device)
        if inputs:
            (previous,) = inputs.values()
            batched_build.load_state(ppo, previous["state"])
        m = _BATCHED_UNIT.match(unit.agent)
        start = time.perf_counter()
        if m.group(1):  # training chunk k: up to chunk rollouts, the last one stops at the budget
            per, K = batched_build.chunks(spec)
            total = -(-spec["train"]["timesteps"] // batched_build.rollout_steps(spec))
            ppo.rollouts(min(per, total - per * int(m.group(2))))
            return {"state": batched_build.save_state(ppo)[None], "timesteps": np.array([ppo.num_timesteps]),
                    "train_seconds": np.array([time.perf_counter() - start])}
        t = int(m.group(4))
        M = spec["evaluate"]["episodes"]
        chunk = max(1, ENV_LOCKSTEP // (batched_build.sources(spec) * M))
        returns = batched_build.evaluate_trial(ppo, spec, env_cls, t, target_chunk=chunk)
        return {"returns": returns[None], "eval_seconds": np.array([time.perf_counter() - start])}

    def _train(self, spec: dict, t: int, src: str) -> dict[str, np.ndarray]:
        fam = spec["family"]
        family, values, options = FAMILIES.get(fam["name"]), fam["values"], fam["options"]
        # streams of trial t: (agent, source or multitask index, 0: training seed | 1: multitask draws)
        agent_seq = role_sequence(run_sequence(spec["seed"], t), AGENT)
        train = dict(spec["train"])
        if src == MULTITASK:
            index = len(values)
            train["timesteps"] = train["multitask_timesteps"]
            make = EnvMaker(fam["name"], fam["context"], options, values=tuple(values),
                            seed=child_sequence(agent_seq, index, 1))
        else:
            index = int(src[1:])
            make = EnvMaker(fam["name"], fam["context"], options, value=values[index])
        start = time.perf_counter()
        model = family.train(make, train, batched_build.seed_int(child_sequence(agent_seq, index, 0)))
        return {"model": np.frombuffer(model, dtype=np.uint8)[None].copy(),
                "train_seconds": np.array([time.perf_counter() - start])}

    def _evaluate(self, spec: dict, t: int, src: str, model: bytes, targets) -> dict[str, np.ndarray]:
        fam = spec["family"]
        family, ev = FAMILIES.get(fam["name"]), spec["evaluate"]
        env_seq = role_sequence(run_sequence(spec["seed"], t), ENV)
        makes = [EnvMaker(fam["name"], fam["context"], fam["options"], value=fam["values"][j]) for j in targets]
        seeds = [(child_sequence(env_seq, j).generate_state(ev["episodes"]) % (2**31 - 1)).tolist()  # common to
                 for j in targets]                                                                   # every source
        return {"returns": np.stack(family.evaluate_targets(model, makes, spec["train"], ev, seeds))}

    # ------------------------------------------------------------ results
    def matrix(self, spec: dict, results: dict[str, dict[str, np.ndarray]]) -> TransferMatrix:
        """The built :class:`TransferMatrix` (mean return over the test episodes, their sd in ``std``)."""
        fam, N, T = spec["family"], len(spec["family"]["values"]), spec["trials"]
        values, std = np.zeros((T, N, N)), np.zeros((T, N, N))
        multitask = np.zeros((T, N)) if spec["train"]["multitask"] else None
        seconds = {"train": 0.0}
        if spec["train"]["trainer"] == "batched":
            seconds["train"] = sum(float(r["train_seconds"].sum()) for k, r in results.items()
                                   if k.startswith("trainb_"))
        for t in range(T):
            if spec["train"]["trainer"] == "batched":
                R = results[f"evalb_t{t}"]["returns"][0]  # (sources, N, episodes)
                values[t], std[t] = R[:N].mean(2), R[:N].std(2)
                if multitask is not None:
                    multitask[t] = R[N].mean(1)
                continue
            for s in range(N):
                R = results[f"eval_t{t}_{source_name(s)}"]["returns"]  # (N, episodes)
                values[t, s], std[t, s] = R.mean(1), R.std(1)
                seconds["train"] += float(results[f"train_t{t}_{source_name(s)}"]["train_seconds"].sum())
            if multitask is not None:
                multitask[t] = results[f"eval_t{t}_{MULTITASK}"]["returns"].mean(1)
        meta = {"name": spec["name"], "family": fam["name"], "context": fam["context"], "options": fam["options"],
                "train": spec["train"], "evaluate": spec["evaluate"], "seed": spec["seed"],
                "train_seconds_sources": seconds["train"]}
        slopes = [a["slope"] for a in spec["agents"] if a["algo"] == "MBTL" and "slope" in a]
        if slopes:  # MBTL's gap slope for this grid: what `rlkit transfer select` uses by default
            meta["slope"] = slopes[0]
        return TransferMatrix(values, fam["values"], fam["bounds"], multitask, std, meta)

    def summarize(self, spec: dict, results: dict[str, dict[str, np.ndarray]]) -> dict:
        matrix = self.matrix(spec, results)
        _, summary, _ = selection(matrix, spec["agents"], spec["seed"])
        return {"name": spec["name"], "matrix": {"values": matrix.values.tolist(), "contexts": matrix.contexts.tolist(),
                                                 "bounds": list(matrix.bounds),
                                                 "multitask": None if matrix.multitask is None
                                                 else matrix.multitask.tolist()},
                "selection": summary}

    def plot(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem) -> list[Path]:
        matrix, stem = self.matrix(spec, results), Path(stem)
        path = matrix.save(stem.with_name(f"{stem.name}_matrix.npz"))
        _, _, figures = selection(matrix, spec["agents"], spec["seed"], stem=stem,
                                  title=figure_title(spec), heatmap=True)
        return figures + [path]


def _trainer(family, train: dict, asked) -> str:
    """``batched`` (the default where the family has a batched environment and the trainer is SB3's PPO with
    its MlpPolicy) or ``sb3`` (one process per training run)."""
    fits = family.batched_env is not None and train["algo"] == "PPO" and train["policy"] == "MlpPolicy"
    trainer = check_choice("train.trainer", asked if asked is not None else ("batched" if fits else "sb3"),
                           ("batched", "sb3"))
    if trainer == "batched":
        if not fits:
            raise SpecError("train.trainer = 'batched' needs a family with a batched environment and algo = 'PPO', "
                            f"policy = 'MlpPolicy' (got {type(family).__name__}, {train['algo']}, {train['policy']})")
        if train["multitask"] and train["multitask_timesteps"] != train["timesteps"]:
            raise SpecError("train.multitask_timesteps must equal train.timesteps with the batched trainer "
                            "(one program trains every policy); use trainer = 'sb3' for another budget")
        PPOConfig.from_params(train["params"])  # parameters it does not take are refused by name
    return trainer


def _parse(unit: Unit) -> tuple[str, int, str]:
    m = _UNIT.match(unit.agent)
    if m is None:
        raise RLKitError(f"not a unit of kind 'transfer_build': {unit.key!r}")
    return m.group(1), int(m.group(2)), m.group(3)
