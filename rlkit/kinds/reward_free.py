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
from rlkit.kinds.base import figure_title
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
        from rlkit.figures.reward_free import draw_curves_figure, instance_name  # drawing only

        at, eps = self.record_at(spec), spec["reward_free"]["eps"]
        parts = sweeps.split(spec, results)
        first = [{lb: episodes_to_eps(a["suboptimality"], at, eps) for lb, a in part.items()} for part in parts]
        names = [instance_name(env) for env in sweeps.points(spec)]
        return draw_curves_figure(at, parts, names, Path(stem), title=figure_title(spec),
                                  runs=spec["runs"], episodes=spec["episodes"], eps=eps, first=first)

    def _plot_sweep(self, spec, results, stem) -> list[Path]:
        from rlkit.figures.reward_free import draw_sweep_figure  # drawing only

        at, eps, K = self.record_at(spec), spec["reward_free"]["eps"], spec["episodes"]
        x = np.asarray(spec["sweep"]["values"], dtype=np.float64)
        parts = sweeps.split(spec, results)
        first = {label: np.stack([episodes_to_eps(p[label]["suboptimality"], at, eps) for p in parts], 1)
                 for label in parts[0]}  # (runs, G)
        env = make_env(spec["env"], 1, "cpu", spec["dtype"])
        order = theory_curve("reward_free.reference_episodes", x, env.theory_params(), {"eps": eps})
        return draw_sweep_figure(x, first, Path(stem), title=figure_title(spec),
                                 xlabel=spec["sweep"]["label"], runs=spec["runs"], episodes=K, eps=eps, order=order,
                                 fixed="" if spec["plot"].get("title") else _env_text(spec["env"]))


def _env_text(env: dict) -> str:
    """The instance's fixed arguments as a reader writes them: ``"dim 4, gap 0.05"``."""
    return ", ".join(f"{k} {v}" for k, v in env.items() if k != "id")


def _median(x: np.ndarray):
    m = float(np.median(x))
    return None if math.isinf(m) else m
