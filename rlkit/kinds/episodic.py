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
from rlkit.kinds.bandit import PLOT_KEYS, BanditKind
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

    def resolve(self, spec: dict) -> dict:
        out = super().resolve(spec)
        refs = out["plot"].get("references", [])
        labels = {a["label"] for a in out["agents"]}
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
        return out

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

    def schedule(self, spec: dict, units: list[Unit]) -> list[Unit]:
        return units

    def metrics(self, spec: dict):
        """A ``metrics(env, agent, k) -> {name: (B,)}`` callback for :func:`run_episodes`, or ``None``."""
        return None

    def play(self, spec: dict, env, agent, seeds, record_at: np.ndarray) -> dict[str, np.ndarray]:
        return run_episodes(env, agent, spec["episodes"], seeds, record_at, metrics=self.metrics(spec))
