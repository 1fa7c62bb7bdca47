"""Sweeps over environment parameters: the one mechanism every online kind (``bandit``, ``episodic``,
``reward_free``) uses to run its agents at several environments.

A spec adds a ``[sweep]`` table, in one of two forms::

    [sweep]                      # one [env] argument over a list of values
    param = "n_tasks"            # an argument of the environment's constructor (not also set in [env])
    values = [1, 2, 5, 10, 20]
    label = "tasks M"            # optional axis label (default: param)

    [sweep]                      # or a list of points, each updating [env] (one with its own id replaces it)
    points = [{ id = "rlkit/LowerBoundMDP-v0" }, { id = "rlkit/MixtureRiverSwim-v0", n_states = 6 }]

    [sweep]                      # or the kind's length (episodes, rounds): each value a separate run of that length
    param = "episodes"           # (agents whose parameters follow the length, e.g. a schedule of K, see their own K)
    values = [100, 1000, 10000]

Every agent plays every point with the same run seeds (run ``i`` of point ``g`` sees the seeds of run ``i`` of
a spec without the sweep: common random numbers across points and agents). A kind's "run" index is flattened
as ``g R + i`` (``R = runs``), so units are (agent, chunk of one point's runs) and the generic runner needs no
sweep logic; :func:`split` gives the arrays of each point back.

A sweep of the length records each run's final value only (``(runs, 1)`` per point), and its figures are the
final values against the swept lengths alone.

Figures: the kind's own figure per point (``<name>_<g>.png``) and, for a ``param`` sweep over numbers, the final
value of each curve against the swept values (``<name>.png``, :mod:`rlkit.figures.sweep`), with any
``[[plot.references]]`` with ``over = "sweep"`` (a function of :mod:`rlkit.theory` of the swept value, scaled
through one agent's mean: a rate's shape, drawn as a rate, never as a bound).
"""

from __future__ import annotations

import numpy as np

from rlkit.core.checks import RLKitError, SpecError, check_int, check_keys
from rlkit.core.stats import loglog_slope, loglog_slope_band, standard_error
from rlkit.theory import theory_function

SWEEP_KEYS = {"param", "values", "label", "points"}


def resolve(sweep, env: dict, length_key: str | None = None) -> dict | None:
    """Validate a ``[sweep]`` table against ``[env]``; returns ``{"param", "values", "label", "points", "length"}``
    (``param`` and ``values`` ``None`` for a list of points; ``length`` true when ``param`` is the kind's
    ``length_key``) or ``None`` without a sweep."""
    if sweep is None:
        return None
    if not isinstance(sweep, dict):
        raise SpecError(f"sweep must be a table ([sweep] with param/values, or points), got {sweep!r}")
    check_keys("sweep", sweep, SWEEP_KEYS)
    if "points" in sweep:
        if "param" in sweep or "values" in sweep:
            raise SpecError("sweep takes either 'param' and 'values' or 'points', not both")
        points = sweep["points"]
        if not isinstance(points, list) or not points or not all(isinstance(p, dict) and p for p in points):
            raise SpecError("sweep.points must be a non-empty list of tables of [env] keys, e.g. "
                            f"[{{ horizon = 5 }}, {{ horizon = 10 }}], got {points!r}")
        return {"param": None, "values": None, "label": str(sweep.get("label", "point")),
                "points": [dict(p) for p in points], "length": False}
    if "param" not in sweep or "values" not in sweep:
        raise SpecError("sweep must have 'param' and 'values' (or 'points'), got keys "
                        f"{sorted(sweep)}")
    param, values = str(sweep["param"]), sweep["values"]
    if not isinstance(values, list) or not values or len(set(map(repr, values))) != len(values):
        raise SpecError(f"sweep.values must be a non-empty list of distinct values, got {values!r}")
    if param in env:
        raise SpecError(f"sweep.param {param!r} is also set in [env]; set it in one place")
    length = param == length_key
    if length:
        try:
            values = [check_int(f"sweep.values ({param})", v) for v in values]
        except RLKitError as e:
            raise SpecError(str(e)) from None
    return {"param": param, "values": list(values), "label": str(sweep.get("label", param)),
            "points": [{param: v} for v in values], "length": length}


def over_length(spec: dict) -> bool:
    """Whether the spec sweeps its kind's length (each value a separate run of that many rounds or episodes)."""
    return bool(spec.get("sweep") and spec["sweep"].get("length"))


def env_at(env: dict, point: dict) -> dict:
    """The ``[env]`` table of one point (a point with its own ``id`` replaces ``env``)."""
    return dict(point) if "id" in point else {**env, **point}


def points(spec: dict) -> list[dict]:
    """The ``[env]`` table of every point (``[env]`` alone without a sweep)."""
    sweep = spec.get("sweep")
    if over_length(spec):
        return [dict(spec["env"]) for _ in sweep["points"]]
    return [env_at(spec["env"], p) for p in sweep["points"]] if sweep else [dict(spec["env"])]


def point_label(spec: dict, g: int) -> str:
    """Point ``g`` as a title writes it: ``"tasks M = 10"`` for a sweep of one parameter (its label), else the
    point's arguments (``"LowerBoundMDP, horizon 5"``)."""
    sweep = spec["sweep"]
    if sweep["param"] is not None:
        return f"{sweep['label']} = {sweep['values'][g]}"
    return ", ".join(str(v).removeprefix("rlkit/").rsplit("-v", 1)[0] if k == "id" else f"{k} {v}"
                     for k, v in sweep["points"][g].items())


def numeric(spec: dict) -> bool:
    """Whether the sweep is one parameter over numbers (so a final-value-vs-parameter figure exists)."""
    sweep = spec.get("sweep")
    return bool(sweep and sweep["param"] is not None
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in sweep["values"]))


def rank(spec: dict) -> dict[int, int]:
    """Point -> start order: larger swept numbers first (more tasks, arms or states: the slowest units)."""
    G = len(points(spec))
    order = sorted(range(G), key=lambda g: -float(spec["sweep"]["values"][g])) if numeric(spec) else range(G)
    return {g: r for r, g in enumerate(order)}


def split(spec: dict, results: dict[str, dict[str, np.ndarray]]) -> list[dict[str, dict[str, np.ndarray]]]:
    """Per point, ``{agent: {curve: (runs, P)}}`` (the runs of point ``g`` are rows ``g R .. (g+1) R``)."""
    R = spec["runs"]
    return [{label: {k: v[g * R:(g + 1) * R] for k, v in arrays.items()} for label, arrays in results.items()}
            for g in range(len(points(spec)))]


def finals(spec: dict, results: dict[str, dict[str, np.ndarray]], term: str) -> dict[str, np.ndarray]:
    """``{agent: (runs, G)}``: each curve's last value at every point."""
    G, R = len(points(spec)), spec["runs"]
    return {label: arrays[term][:, -1].reshape(G, R).T for label, arrays in results.items() if term in arrays}


def summary(spec: dict, results: dict[str, dict[str, np.ndarray]]) -> dict:
    """Per agent and curve: the final value's mean and standard error at every point and, for a numeric sweep,
    the log-log slope of the final mean against the swept values, with its 95% bootstrap interval over runs."""
    values = spec["sweep"]["values"] if numeric(spec) else None
    out = {}
    for label in results:
        out[label] = {}
        for term in results[label]:
            F = finals(spec, {label: results[label]}, term)[label]
            mean = F.mean(0)
            se = standard_error(F)
            entry = {"final_mean": mean.tolist(), "final_se": se.tolist(), "runs": int(F.shape[0])}
            if values is not None:
                x = np.asarray(values, dtype=np.float64)
                entry["loglog_slope"] = loglog_slope(x, mean, start_fraction=0.0) if np.all(x > 0) else None
                if np.all(x > 0):
                    entry["loglog_slope_ci"] = list(loglog_slope_band(x, F)[1:])
            out[label][term] = entry
    return {"param": spec["sweep"]["param"], "values": spec["sweep"]["values"], "points": spec["sweep"]["points"],
            "agents": out}


def check_references(spec: dict) -> None:
    """Validate ``[[plot.references]]``: ``theory`` (a function of rlkit.theory), ``agent`` (a label), optional
    ``over`` (``"curve"``, the default: a function of the round or episode count, drawn through the agent's final
    mean; ``"sweep"``: a function of the swept value), ``params`` (more keyword arguments) and ``anchor``
    (``"last"``, the default, or ``"first"``: the point the shape is scaled through)."""

    refs = spec["plot"].get("references", [])
    labels = {a["label"] for a in spec["agents"]}
    if not isinstance(refs, list):
        raise SpecError("plot.references must be a list of [[plot.references]] tables")
    for i, ref in enumerate(refs):
        if not isinstance(ref, dict) or not {"theory", "agent"} <= set(ref) <= {"theory", "agent", "over", "params",
                                                                               "anchor"}:
            raise SpecError(f"plot.references[{i}] must be a table with 'theory' and 'agent' (and optional 'over', "
                            f"'params', 'anchor'), got {ref!r}")
        theory_function(ref["theory"])
        if ref["agent"] not in labels:
            raise SpecError(f"plot.references[{i}].agent {ref['agent']!r} is not an agent label; labels: "
                            f"{sorted(labels)}")
        if ref.get("over", "curve") not in ("curve", "sweep") or ref.get("anchor", "last") not in ("first", "last"):
            raise SpecError(f"plot.references[{i}]: over must be 'curve' or 'sweep' and anchor 'first' or 'last', "
                            f"got over={ref.get('over')!r}, anchor={ref.get('anchor')!r}")
        if ref.get("over") == "sweep" and not numeric(spec):
            raise SpecError(f"plot.references[{i}] has over = 'sweep' but the spec has no [sweep] of one parameter "
                            "over numbers")
