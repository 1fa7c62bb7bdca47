"""``rlkit reproduce PAPER``: run a paper's specs at a scale, draw their figures, write ``REPORT.md``.

    rlkit reproduce --list
    rlkit reproduce PAPER [--scale quick|paper] [--out DIR] [--workers W]

The paper's specs and the numbers to compare come from its reference file (:mod:`rlkit.reproduce.references`).
``quick`` runs each spec with the reference file's ``quick`` overrides (fewer runs, rounds or episodes: minutes on
two cores); ``paper`` runs the committed specs as they are (the paper's sizes), after printing the expected cost.
Every spec runs into ``DIR/<spec>`` through the generic runner, so an interrupted reproduction resumes where it
stopped when the same command is given again. The figures are drawn from the results (with the reference values
as hollow markers, where a figure has them) and ``DIR/REPORT.md`` lists, for every reference value, the paper's,
the authors' code's and ours, the difference, and the reason for the departure.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from rlkit.core.checks import RLKitError, check_choice
from rlkit.reproduce.references import load, papers

SCALES = ("quick", "paper")
ROOT = Path(__file__).resolve().parents[2]  # the source tree (experiments/ beside rlkit/)


def spec_path(name: str) -> Path:
    """``experiments/<name>.toml`` of the installed tree (the working directory's ``experiments/`` first)."""
    for base in (Path.cwd(), ROOT):
        path = base / "experiments" / f"{name}.toml"
        if path.exists():
            return path
    raise RLKitError(f"spec {name!r} not found in ./experiments or {ROOT / 'experiments'}")


def planned(paper: str, scale: str) -> list[dict]:
    """The specs a reproduction runs at ``scale``: ``[{"spec", "overrides", "set", "cost"}]``."""
    check_choice("scale", scale, SCALES)
    out = []
    for entry in load(paper)["specs"]:
        if scale == "quick" and entry.get("quick") is False:
            continue
        quick = entry.get("quick") or {}
        overrides = {k: v for k, v in quick.items() if k in ("runs", "rounds", "episodes")} if scale == "quick" else {}
        patch = (entry.get("quick_set") or {}) if scale == "quick" else {}
        out.append({"spec": entry["spec"], "overrides": overrides, "set": patch,
                    "cost": float(entry.get("cost", {}).get(scale, float("nan")))})
    return out


def cost(paper: str, scale: str) -> float:
    """Expected wall seconds on two cores of the reproduction at ``scale`` (the reference file's estimates)."""
    return float(sum(p["cost"] for p in planned(paper, scale)))


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "unknown"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min" if seconds < 7200 else \
        f"{seconds / 3600:.1f} h"


def listing() -> str:
    """One line per paper: its title, specs and cost at both scales."""
    lines = [f"{'paper':<12} {'quick':>8} {'paper':>8}  specs"]
    for paper in papers():
        specs = ", ".join(e["spec"] for e in load(paper)["specs"])
        lines.append(f"{paper:<12} {_duration(cost(paper, 'quick')):>8} {_duration(cost(paper, 'paper')):>8}  {specs}")
    lines.append("(expected wall time on 2 cores; paper scale runs the committed specs; both resume when rerun)")
    return "\n".join(lines)


# -------------------------------------------------------------------- ours
def _at(x: np.ndarray, value: float) -> int | None:
    x = np.asarray(x, dtype=np.float64)
    j = int(np.argmin(np.abs(x - value)))
    return j if np.isclose(x[j], value, rtol=1e-9, atol=1e-12) else None


def ours(spec: dict, results: dict, summary: dict, entry: dict) -> tuple[float | None, float | None, str]:
    """Our value of a reference ``entry`` from a run: ``(mean, standard error or None, note)``; ``None`` when the run
    does not reach the entry's ``x`` (a quick run stops before the paper's round)."""
    from rlkit.core.stats import standard_error

    agent, term, x = entry["agent"], entry.get("term"), entry.get("x")
    kind = spec["kind"]
    if agent not in results and kind not in ("reward_free", "transfer", "transfer_build"):
        return None, None, f"no agent {agent!r} in this run"
    if kind in ("bandit", "episodic") and not spec.get("sweep"):
        from rlkit.agents.bandit_loop import checkpoints

        length = spec.get("rounds", spec.get("episodes"))
        Y = results[agent][term]
        j = _at(checkpoints(length), x)
        if j is None:
            return None, None, f"the run stops at {length:,}"
        return float(Y[:, j].mean()), float(standard_error(Y[:, j])), ""
    if kind in ("bandit", "episodic"):
        from rlkit.kinds import sweep as sweeps

        if not sweeps.numeric(spec):
            return None, None, "not a numeric sweep"
        j = _at(spec["sweep"]["values"], x)
        if j is None:
            return None, None, "swept value not in this run"
        F = sweeps.finals(spec, results, term)[agent][:, j]
        return float(F.mean()), float(standard_error(F)), ""
    if kind == "offline_sweep":
        j = _at(spec["evaluate"]["grid"], x)
        if j is None:
            return None, None, "grid value not in this run"
        Y = results[agent][term][:, j]
        return float(Y.mean()), float(standard_error(Y)), ""
    if kind == "timing_sweep":
        from rlkit.kinds.timing_sweep import rows

        i = next((i for i, s in enumerate(spec["sweeps"]) if s["param"] == term), None)
        if i is None or _at(spec["sweeps"][i]["values"], x) is None:
            return None, None, "point not in this run"
        j = rows(spec, i)[_at(spec["sweeps"][i]["values"], x)]
        return float(np.median(results[agent]["seconds"][j])), None, "median of the timed fits"
    if kind == "reward_free":
        for point in summary.get("points", []):
            if entry.get("point") is not None and point["point"] != entry["point"]:
                continue
            if x is not None and point["point"] and list(point["point"].values())[0] != x:
                continue
            value = point["agents"].get(agent, {}).get(term)
            return (None if value is None else float(value)), None, "median over runs"
        return None, None, "point not in this run"
    if kind in ("transfer", "transfer_build"):
        sel = summary.get("selection", summary)
        row = sel.get("agents", {}).get(agent, {})
        value = row.get("at_k", {}).get(str(int(x))) if x is not None else None
        return (None if not isinstance(value, (int, float)) else float(value)), None, "mean over trials"
    return None, None, f"kind {kind!r} has no comparison"


# ------------------------------------------------------------------ report
def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    a = abs(v)
    return f"{v:,.0f}" if a >= 1000 else f"{v:.3g}" if a < 0.01 else f"{v:.3f}" if a < 10 else f"{v:,.1f}"


def _diff(ours_value, ref) -> str:
    if ours_value is None or not isinstance(ref, (int, float)):
        return ""
    d = ours_value - ref
    rel = f" ({d / ref:+.0%})" if ref else ""
    return f"{d:+.3g}{rel}"


def report(paper: str, scale: str, out: Path, rows: list[dict], figures: list[Path]) -> Path:
    """Write ``out/REPORT.md`` from the compared ``rows``; return its path."""
    data = load(paper)
    lines = [f"# Reproduction: {data.get('title', paper)}", "",
             f"Scale: **{scale}** (`rlkit reproduce {paper} --scale {scale}`). "
             + ("Quick runs use fewer runs, rounds or episodes than the paper: numbers at the paper's round are "
                "missing where the run stops earlier, and the rest are noisier." if scale == "quick" else
                "The committed specs, at the paper's sizes."), ""]
    if data.get("notes"):
        lines += [data["notes"].strip(), ""]
    lines += ["Ours: mean ± standard error over the runs (timings: median of the timed fits). Difference: ours minus "
              "the paper's (or, without a paper value, minus the authors' code's).", "",
              "| spec | figure | agent | at | paper | authors' code | ours | difference | sources | "
              "reason for departures |", "|---|---|---|---:|---:|---:|---:|---:|---|---|"]
    sources: dict[str, int] = {}
    for r in rows:
        e = r["entry"]
        ours_text = "" if r["ours"] is None else _fmt(r["ours"]) + (f" ± {_fmt(r['se'])}" if r["se"] else "")
        if r["ours"] is None and r["note"]:
            ours_text = f"({r['note']})"
        ref = e.get("paper", e.get("authors"))
        source = ", ".join(f"[{sources.setdefault(s, len(sources) + 1)}]"
                           for s in (e.get("paper_source"), e.get("authors_source")) if s)
        lines.append(f"| {e['spec']} | {e.get('term', '')} | {e['agent']} | {_fmt(e.get('x'))} | "
                     f"{_fmt(e.get('paper'))} | {_fmt(e.get('authors'))} | {ours_text} | {_diff(r['ours'], ref)} | "
                     f"{source} | {e.get('reason', '')} |")
    if sources:
        lines += ["", "Sources: " + " ".join(f"[{i}] {s}." for s, i in sources.items())]
    claims = data.get("claims", [])
    if claims:
        lines += ["", "## Claims without a number to compare", ""]
        lines += [f"- {c['claim']} ({c.get('source', '')}): {c.get('ours', '')}" for c in claims]
    lines += ["", "## Figures", ""] + [f"![{p.stem}]({p.relative_to(out).as_posix()})" for p in figures
                                         if p.suffix == ".png"]
    path = out / "REPORT.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def reproduce(paper: str, scale: str = "quick", out: str | Path | None = None, workers: int | None = None,
              progress: bool = True, echo=print) -> Path:
    """Run ``paper``'s specs at ``scale`` into ``out`` (default ``reproduce/<paper>-<scale>``), draw the figures,
    write ``REPORT.md``; return its path. Rerunning the same command resumes."""
    import json

    from rlkit.runner.run import load_spec, plot, resolve, run
    from rlkit.runner.store import ResultStore

    check_choice("scale", scale, SCALES)
    plan = planned(paper, scale)
    out = Path(out) if out is not None else Path("reproduce") / f"{paper}-{scale}"
    echo(f"reproducing {paper} at {scale} scale: {len(plan)} specs, expected about "
         f"{_duration(cost(paper, scale))} on 2 cores; results in {out} (rerun the command to resume)")
    values = load(paper)["values"]
    rows, figures = [], []
    for p in plan:
        spec = {**load_spec(spec_path(p["spec"])), **p["set"]}
        target = out / p["spec"]
        run(spec, out=target, workers=workers, progress=progress, **p["overrides"])
        figures += plot(target)
        resolved = resolve(spec, **p["overrides"])
        store = ResultStore(target)
        from rlkit.core.registry import KINDS

        kind = KINDS.get(resolved["kind"])()
        results = store.gather(kind.units(resolved))
        summary = json.loads((target / "summary.json").read_text())
        for e in values:
            if e["spec"] == p["spec"]:
                mean, se, note = ours(resolved, results, summary, e)
                rows.append({"entry": e, "ours": mean, "se": se, "note": note})
    path = report(paper, scale, out, rows, figures)
    echo(f"report: {path}")
    return path
