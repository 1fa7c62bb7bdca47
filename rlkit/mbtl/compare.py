"""Play strategies and reference levels against every trial of a transfer matrix; summarise the curves.

An *entry* is one ``[[agents]]`` table of a spec: ``label``, ``algo`` (a strategy or level registered in
:data:`rlkit.core.registry.AGENTS`), ``runs`` (repetitions with their own seeds; :class:`RandomOrder` defaults to
100 orders, everything else to 1) and the class's parameters. Run ``r`` of an entry on trial ``t`` draws from
the seed stream ``(root seed, t, agent, algo, r)`` of :mod:`rlkit.core.seeding`, so variants of one algorithm see
the same draws (common random numbers) and results do not depend on chunking or the backend.

Every entry gives ``picks: (R, K)`` and ``curve: (R, K)`` per trial, ``K`` = steps (levels give a constant
curve and picks of -1).
"""

from __future__ import annotations

import numpy as np

from rlkit.core.checks import RLKitError, SpecError, agent_tables, check_int
from rlkit.core.registry import AGENTS, accepted_params
from rlkit.core.seeding import AGENT, child_sequence, role_sequence, run_sequence, stream_sequence
from rlkit.mbtl.matrix import TransferMatrix
from rlkit.mbtl.metrics import independent, k_star, multitask, sample_efficiency
from rlkit.mbtl.strategies.base import ReferenceLevel, TransferStrategy

REPORT_K = (1, 2, 5, 10)  # plus N: the values the README reports

# the standard set: the strategies and levels of the authors' figures, by the names the CLI takes, in order;
# MBTL's entry gets its ``slope``, RandomOrder's its ``runs``
_STANDARD = {"MBTL": {"label": "MBTL", "algo": "MBTL"},
             "Greedy": {"label": "Greedy", "algo": "Greedy"},
             "EquidistantSweep": {"label": "Equidistant (sweep, B = N)", "algo": "Equidistant", "budget": "N"},
             "EquidistantGrid": {"label": "Equidistant (grid, B = k)", "algo": "Equidistant", "budget": "k"},
             "RandomOrder": {"label": "Random", "algo": "RandomOrder"},
             "SequentialOracle": {"label": "Sequential Oracle", "algo": "SequentialOracle"},
             "Independent": {"label": "Independent", "algo": "Independent"},
             "MultiTask": {"label": "Multi-task", "algo": "MultiTask"},
             "OracleTransfer": {"label": "Oracle Transfer", "algo": "OracleTransfer"}}
STANDARD = tuple(_STANDARD)
"""Names of the standard set's entries (``rlkit transfer select --strategy NAME``)."""


def standard_agents(slope: float = 0.005, random_runs: int = 100, multitask_level: bool = True,
                    names=None) -> list[dict]:
    """The strategies and levels of the authors' figures, with MBTL's gap ``slope`` (per grid step).

    ``names`` (of :data:`STANDARD`) keeps only those entries, in the standard order; the Multi-task level is
    left out without ``multitask_level`` (the matrix has no multitask row), an error if ``names`` asks for it.
    """
    if names is not None:
        unknown = [n for n in names if n not in _STANDARD]
        if unknown:
            raise RLKitError(f"unknown strategy {unknown[0]!r}; known: {', '.join(STANDARD)}")
        if "MultiTask" in names and not multitask_level:
            raise RLKitError("strategy 'MultiTask' needs a matrix with a multitask row; this one has none")
    out = []
    for name, entry in _STANDARD.items():
        if (names is not None and name not in names) or (name == "MultiTask" and not multitask_level):
            continue
        extra = {"slope": slope} if name == "MBTL" else {"runs": random_runs} if name == "RandomOrder" else {}
        out.append({**entry, **extra})
    return out


def selection_agents(matrix: TransferMatrix, agents=None, *, slope: float = 0.005, random_runs: int = 100,
                     names=None, mbtl: dict | None = None) -> list[dict]:
    """The ``[[agents]]`` to play on ``matrix``, resolved (:func:`resolve_strategies`): ``agents`` as given, or
    (none given) the standard set of :func:`standard_agents` with MBTL's ``slope``, ``random_runs`` random
    orders, only ``names`` if given, the Multi-task level where the matrix has a multitask row, and ``mbtl``
    (e.g. ``acquisition``, ``gap``) set on MBTL's entry. What ``rlkit transfer select`` and the spec kinds
    ``transfer`` and ``transfer_build`` share."""
    if not agents:
        agents = standard_agents(slope, random_runs, matrix.multitask is not None, names)
        for a in agents:
            if a["algo"] == "MBTL":
                a.update(mbtl or {})
    return resolve_strategies(agents, matrix)


def strategy_class(algo: str):
    """The registered transfer strategy or reference level called ``algo``."""
    cls = AGENTS.get(algo)
    if not (isinstance(cls, type) and issubclass(cls, (TransferStrategy, ReferenceLevel))):
        raise SpecError(f"agent {algo!r} is not a transfer strategy or reference level; use one of "
                        f"{transfer_agents()}")
    return cls


def transfer_agents() -> list[str]:
    return [n for n in AGENTS.names() if isinstance(AGENTS.get(n), type)
            and issubclass(AGENTS.get(n), (TransferStrategy, ReferenceLevel))]


def resolve_strategies(agents, matrix: TransferMatrix) -> list[dict]:
    """Validate ``[[agents]]`` against ``matrix``: known algorithm, unique labels, accepted parameters (each
    strategy is built once on trial 0, so bad values fail here, not in a worker)."""
    out = []
    for i, a, label in agent_tables(agents):
        cls = strategy_class(a["algo"])
        default_runs = 100 if a["algo"] == "RandomOrder" else 1
        try:
            runs = check_int(f"agents[{i}].runs", a.get("runs", default_runs))
        except RLKitError as e:
            raise SpecError(str(e)) from None
        params = {k: v for k, v in a.items() if k not in ("label", "algo", "runs")}
        if issubclass(cls, ReferenceLevel):
            if params:
                raise SpecError(f"agents[{i}] ({label}): the level {a['algo']} takes no parameters, got "
                                f"{sorted(params)}")
            if cls.needs == "multitask" and matrix.multitask is None:
                raise SpecError(f"agents[{i}] ({label}): the matrix has no multitask row (build it with "
                                "train.multitask = true, or drop this level)")
        else:
            accepted = accepted_params(cls)
            unknown = sorted(set(params) - accepted)
            if unknown:
                raise SpecError(f"agents[{i}] ({label}): unknown parameter(s) {unknown} for {a['algo']}; "
                                f"accepted: {sorted(accepted)}")
            try:
                cls.for_matrix(matrix.normalized(0), seed=0, **params)
            except (RLKitError, TypeError) as e:
                raise SpecError(f"agents[{i}] ({label}): {e}") from None
        out.append({"label": label, "algo": a["algo"], "runs": runs, **params})
    return out


def run_seed(seed: int, trial: int, algo: str, run: int) -> np.random.SeedSequence:
    """The seed stream of run ``run`` of ``algo`` on ``trial`` under the root ``seed``: the agent role's stream
    named ``algo`` (named as :meth:`rlkit.core.seeding.BatchRNG.stream` names them), its child ``run``."""
    return child_sequence(stream_sequence(role_sequence(run_sequence(seed, trial), AGENT), algo), run)


def run_agent(matrix: TransferMatrix, entry: dict, trial: int, seed: int, steps: int) -> dict[str, np.ndarray]:
    """One entry on one trial: ``{"picks": (R, K), "curve": (R, K)}``."""
    cls = strategy_class(entry["algo"])
    M = matrix.normalized(trial)
    steps = check_int("steps", steps)
    if steps > matrix.n:
        raise RLKitError(f"steps must be at most the number of tasks N = {matrix.n}, got {steps}")
    R = entry.get("runs", 1)
    if issubclass(cls, ReferenceLevel):
        value = cls.value(M, matrix.normalized_multitask(trial) if matrix.multitask is not None else None)
        return {"picks": np.full((R, steps), -1, dtype=np.int64), "curve": np.full((R, steps), value)}
    params = {k: v for k, v in entry.items() if k not in ("label", "algo", "runs")}
    picks, curves = [], []
    for r in range(R):
        strategy = cls.for_matrix(M, seed=run_seed(seed, trial, entry["algo"], r), **params)
        p, c = strategy.run(M, steps)
        picks.append(p)
        curves.append(c)
    return {"picks": np.stack(picks), "curve": np.stack(curves)}


def compare(matrix: TransferMatrix, agents: list[dict], seed: int = 0, steps: int | None = None
            ) -> dict[str, dict[str, np.ndarray]]:
    """Every entry on every trial: ``{label: {"picks": (T, R, K), "curve": (T, R, K)}}``."""
    steps = matrix.n if steps is None else steps
    out = {}
    for entry in agents:
        parts = [run_agent(matrix, entry, t, seed, steps) for t in range(matrix.trials)]
        out[entry["label"]] = {k: np.stack([p[k] for p in parts]) for k in ("picks", "curve")}
    return out


def reference_levels(matrix: TransferMatrix) -> list[float]:
    """The levels N / k* is measured against, per the paper: Independent and (where built) Multi-task, mean
    over trials."""
    M = matrix.normalized()
    levels = [float(np.mean([independent(m) for m in M]))]
    if matrix.multitask is not None:
        levels.append(float(np.mean([multitask(row) for row in matrix.normalized_multitask()])))
    return levels


def summarize(matrix: TransferMatrix, agents: list[dict], results: dict[str, dict[str, np.ndarray]]) -> dict:
    """Mean curve over trials and runs, values at k = 1, 2, 5, 10, N, N / k* and each trial's picks."""
    levels = reference_levels(matrix)
    K = next(iter(results.values()))["curve"].shape[-1]
    out = {}
    for entry in agents:
        arrays = results[entry["label"]]
        mean = arrays["curve"].mean(axis=(0, 1))
        row = {"algo": entry["algo"], "mean_curve": mean.tolist(),
               "at_k": {str(k): float(mean[k - 1]) for k in (*REPORT_K, K) if k <= K}}
        if issubclass(strategy_class(entry["algo"]), TransferStrategy):
            ratio = sample_efficiency(mean, matrix.n, levels)
            row["k_star"] = k_star(mean, max(levels))
            row["n_over_k_star"] = ratio
            if arrays["picks"].shape[1] == 1:
                row["picks"] = arrays["picks"][:, 0].tolist()
        out[entry["label"]] = row
    return {"n": matrix.n, "trials": matrix.trials, "steps": K, "levels_for_k_star": levels, "agents": out}
