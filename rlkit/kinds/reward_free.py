"""The ``reward_free`` experiment kind: reward-free exploration, then planning for a family of rewards at checkpoints.

A subclass of the ``episodic`` kind (same units, seeding, resume, ``[sweep]`` tables of :mod:`rlkit.kinds.sweep`):
agents explore a :class:`rlkit.envs.LinearMixtureMDP` for ``episodes`` episodes without rewards; after episode
``k`` at each checkpoint, the ``metrics`` callback of :func:`rlkit.agents.episode_loop.run_episodes` asks the agent to
plan (:meth:`rlkit.reward_free.base.RewardFreeAgent.plan`) for the environment's planning family (every sparse reward
``(1/H) 1{s = x}``, the instance's task reward and ``random_rewards`` random ones, each with trajectory totals in
``[0, 1]``) and records, by exact dynamic programming on the true model,

    suboptimality        max over the family of V*_1(s_1; r) - V^{pi_hat_r}_1(s_1; r)          (B, P)
    suboptimality_task   the same for the task reward alone
    + the agent's diagnostics (HF-UCRL-RFE++: certificate = 4 V_hat_{k,1}(s_1), episodes_used, theta_in_set)

and the summary gives each run's **episodes to eps**: the first checkpoint from which the worst suboptimality
stays ``<= eps`` (``inf`` when it never does by ``K``).

Spec (TOML)::

    name = "reward_free_horizon"
    kind = "reward_free"
    episodes = 3000
    runs = 10

    [sweep]                   # optional (rlkit.kinds.sweep): param/values, or points = [{ id = ... }, ...]
    param = "horizon"
    values = [5, 10, 20]

    [reward_free]
    eps = 0.05                # target suboptimality (0, 1]
    random_rewards = 8        # random rewards in the planning family
    checkpoints = 40          # log- and linearly-spaced checkpoints, each (planning is the costly part)
    figure = "sweep"          # "curve": suboptimality vs k per point (certificate beside it);
                              # "sweep": episodes to eps vs the swept parameter, with d^2 / eps^2

    [env]
    id = "rlkit/LowerBoundMDP-v0"

    [[agents]]
    algo = "HF-UCRL-RFE++"
    beta_scale = 5e-4
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from rlkit.agents.bandit_loop import checkpoints
from rlkit.agents.episode_loop import run_episodes
from rlkit.core.checks import RLKitError, SpecError, check_choice, check_int, check_keys
from rlkit.core.registry import AGENTS, KINDS
from rlkit.core.stats import standard_error
from rlkit.kinds import sweep as sweeps
from rlkit.kinds.bandit import make_env
from rlkit.kinds.episodic import EpisodicKind
from rlkit.reward_free.base import RewardFreeAgent, planning_metrics
from rlkit.theory import theory_curve

RF_KEYS = {"eps", "random_rewards", "checkpoints", "figure"}


def episodes_to_eps(curve: np.ndarray, at: np.ndarray, eps: float) -> np.ndarray:
    """Per run, the first checkpoint from which ``curve <= eps`` at every later checkpoint: ``(runs, P)`` ->
    ``(runs,)`` (``inf`` when the last value is above ``eps``)."""
    ok = np.asarray(curve) <= eps
    stays = np.flip(np.cumprod(np.flip(ok, 1), 1), 1).astype(bool)
    first = np.argmax(stays, 1)
    return np.where(stays[:, -1], np.asarray(at, dtype=np.float64)[first], np.inf)


@KINDS.register("reward_free")
class RewardFreeKind(EpisodicKind):
    """Reward-free exploration on linear mixture MDPs: worst exact suboptimality of planned policies vs episodes."""

    name = "reward_free"

    def resolve(self, spec: dict) -> dict:
        spec = dict(spec)
        rf = dict(spec.pop("reward_free", {}))
        check_keys("reward_free", rf, RF_KEYS)
        try:
            eps = float(rf.get("eps", 0.1))
            if not 0 < eps <= 1:
                raise RLKitError(f"reward_free.eps must lie in (0, 1] (a suboptimality of a reward with total <= 1), "
                                 f"got {rf.get('eps')!r}")
            out_rf = {"eps": eps, "random_rewards": check_int("reward_free.random_rewards",
                                                              rf.get("random_rewards", 8), 0),
                      "checkpoints": check_int("reward_free.checkpoints", rf.get("checkpoints", 40), 2),
                      "figure": check_choice("reward_free.figure", rf.get("figure", "curve"), ("curve", "sweep"))}
        except RLKitError as e:
            raise SpecError(str(e)) from None
        for i, a in enumerate(spec.get("agents") or []):
            if isinstance(a, dict) and "algo" in a and not issubclass(AGENTS.get(a["algo"]), RewardFreeAgent):
                raise SpecError(f"agents[{i}]: {a['algo']!r} is not a reward-free agent (kind {self.name!r} needs "
                                "one that plans for given rewards, e.g. HF-UCRL-RFE++, UCRL-RFE, UCRL-RFE+)")
        out = super().resolve(spec)
        if out_rf["figure"] == "sweep" and not sweeps.numeric(out):
            raise SpecError("reward_free.figure = 'sweep' needs a [sweep] of one [env] parameter over numbers "
                            f"(param and values), got {out.get('sweep')!r}")
        out["reward_free"] = out_rf
        return out

    def check_env(self, env, env_spec: dict) -> None:
        if not hasattr(env, "planning_rewards") or not hasattr(env, "features"):
            raise SpecError(f"env.id {env_spec.get('id')!r} is not a linear mixture MDP with planning rewards "
                            f"(kind {self.name!r} needs one, e.g. rlkit/LowerBoundMDP-v0)")

    def record_at(self, spec: dict) -> np.ndarray:
        return checkpoints(spec[self.length_key], spec["reward_free"]["checkpoints"])

    def metrics(self, spec: dict):
        return planning_metrics(spec["reward_free"]["random_rewards"])

    def play(self, spec: dict, env, agent, seeds, record_at: np.ndarray) -> dict[str, np.ndarray]:
        return run_episodes(env, agent, spec["episodes"], seeds, self.record_at(spec), metrics=self.metrics(spec))

    # ------------------------------------------------------------- summary
    def summarize(self, spec: dict, results: dict[str, dict[str, np.ndarray]]) -> dict:
        at, eps = self.record_at(spec), spec["reward_free"]["eps"]
        points = []
        for g, part in enumerate(sweeps.split(spec, results)):
            agents = {}
            for label, arrays in part.items():
                sub = arrays["suboptimality"]
                first = episodes_to_eps(sub, at, eps)
                entry = {"final_suboptimality_mean": float(sub[:, -1].mean()),
                         "final_suboptimality_se": float(standard_error(sub[:, -1])),
                         "episodes_to_eps": [None if math.isinf(x) else int(x) for x in first],
                         "episodes_to_eps_median": _median(first), "not_reached": int(np.isinf(first).sum()),
                         "runs": int(sub.shape[0])}
                if "certificate" in arrays:
                    entry["final_certificate_mean"] = float(arrays["certificate"][:, -1].mean())
                    entry["certificate_holds"] = float((arrays["certificate"] >= sub - 1e-12).mean())
                agents[label] = entry
            points.append({"point": spec["sweep"]["points"][g] if spec.get("sweep") else {}, "agents": agents})
        return {"name": spec["name"], "episodes": spec["episodes"], "eps": eps, "points": points}

    # ------------------------------------------------------------- figures
    def plot(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem) -> list[Path]:
        if spec["reward_free"]["figure"] == "sweep":
            return self._plot_sweep(spec, results, stem)
        return self._plot_curves(spec, results, stem)

    def _plot_curves(self, spec, results, stem) -> list[Path]:
        import matplotlib.pyplot as plt

        from rlkit.figures.plot import draw_curves, save  # drawing only: workers never import matplotlib

        at, floor = self.record_at(spec), 1e-4  # exact zeros (every planned policy optimal) drawn at the floor
        parts = sweeps.split(spec, results)
        G = len(parts)
        fig = plt.figure(figsize=(5.2 * G, 5.2))
        grid = fig.add_gridspec(2, G, height_ratios=[1, 0.14])
        for g, part in enumerate(parts):
            ax = fig.add_subplot(grid[0, g])
            env = sweeps.points(spec)[g]
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.grid(alpha=0.3, which="both")
            ax.set_xlabel("exploration episodes k")
            ax.set_ylabel("worst suboptimality over the reward family")
            draw_curves(ax, at, {label: np.maximum(a["suboptimality"], floor) for label, a in part.items()},
                        slope=False)
            for line, (label, arrays) in zip(list(ax.get_lines()), part.items()):
                if "certificate" in arrays:
                    ax.plot(at, arrays["certificate"].mean(0), ls="--", lw=1.2, color=line.get_color(),
                            label=f"{label}: its certificate 4 V_hat_k(s_1) (mean over runs)")
            eps = spec["reward_free"]["eps"]
            ax.axhline(eps, color="0.4", lw=0.8, ls=":", label=f"eps = {eps:g}")
            ax.set_title(f"{env['id'].removeprefix('rlkit/')} ({_env_text(env)})", fontsize=9)
            if g == 0:
                handles, labels = ax.get_legend_handles_labels()
        legend = fig.add_subplot(grid[1, :])
        legend.axis("off")
        legend.legend(handles, labels, loc="center", ncol=min(len(labels), 3), fontsize=8, frameon=False)
        fig.suptitle(f"{spec['plot'].get('title', spec['name'])}: mean, 95% bootstrap CI over {spec['runs']} runs, "
                     f"K = {spec['episodes']}; values below {floor:g} drawn at {floor:g}", fontsize=9)
        return save(fig, stem)

    def _plot_sweep(self, spec, results, stem) -> list[Path]:
        import matplotlib.pyplot as plt

        from rlkit.figures.plot import draw_curves, save  # drawing only: workers never import matplotlib

        at, eps, K = self.record_at(spec), spec["reward_free"]["eps"], spec["episodes"]
        key = spec["sweep"]["param"]
        x = np.asarray(spec["sweep"]["values"], dtype=np.float64)
        parts = sweeps.split(spec, results)
        labels = list(parts[0])
        first = {label: np.stack([episodes_to_eps(p[label]["suboptimality"], at, eps) for p in parts], 1)
                 for label in labels}  # (runs, G)
        fig = plt.figure(figsize=(7.2, 6.0))
        grid = fig.add_gridspec(2, 1, height_ratios=[1, 0.3])
        ax = fig.add_subplot(grid[0])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.grid(alpha=0.3, which="both")
        ax.set_title(f"{spec['plot'].get('title', spec['name'])}\nepisodes until the worst suboptimality stays "
                     f"<= {eps:g}: mean, 95% bootstrap CI over {spec['runs']} runs", fontsize=9)
        ax.set_xlabel(f"{key}  ({_env_text(spec['env'])}, K = {K})")
        ax.set_ylabel("exploration episodes")
        draw_curves(ax, x, {label: np.minimum(v, K) for label, v in first.items()})  # not reached: counted as K
        for line, label in zip(list(ax.get_lines()), labels):
            line.set_marker("o")
            censored = np.isinf(first[label]).any(0)
            if censored.any():
                ax.plot(x[censored], np.minimum(first[label], K).mean(0)[censored], "^", color=line.get_color(),
                        ms=9, mfc="none", label=f"{label}: some runs not below eps by K (counted as K)")
        env = make_env(spec["env"], 1, "cpu", spec["dtype"])
        name, ref = theory_curve("reward_free.reference_episodes", x, env.theory_params(), {"eps": eps})
        ax.plot(x, ref, "k--", lw=1.2, label=name)
        ax.axhline(K, color="0.5", lw=0.8, ls=":", label=f"K = {K} episodes run")
        ax.set_xticks(x, [f"{v:g}" for v in x])
        ax.minorticks_off()
        handles, names = ax.get_legend_handles_labels()
        legend = fig.add_subplot(grid[1])
        legend.axis("off")
        legend.legend(handles, names, loc="center", ncol=2, fontsize=8, frameon=False)
        return save(fig, stem)


def _env_text(env: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in env.items() if k != "id")


def _median(x: np.ndarray):
    m = float(np.median(x))
    return None if math.isinf(m) else m
