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

Units are (agent, chunk of runs); each stores ``{curve: (runs, P)}`` at the checkpoints
:func:`rlkit.rollout.checkpoints` of ``episodes``: the exact regret of :func:`rlkit.episodes.run_episodes`
(per task where the environment has tasks) and any curves a subclass's ``metrics`` adds (reward-free
exploration's planning step). Summaries and figures are the bandit kind's, over episodes.
"""

from __future__ import annotations

import numpy as np

from rlkit.checks import SpecError
from rlkit.episodes import run_episodes
from rlkit.kinds.bandit import BanditKind
from rlkit.kinds.base import Unit
from rlkit.registry import KINDS


@KINDS.register("episodic")
class EpisodicKind(BanditKind):
    """Online episodic agents on a finite episodic MDP: exact regret (or a subclass's metrics) vs episodes."""

    name = "episodic"
    length_key = "episodes"
    x_label = "episode k"

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
