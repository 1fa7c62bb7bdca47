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

    [sweep]                      # optional: every agent at several environments (rlkit.kinds.sweep), or at
    param = "n_actions"          # several lengths (param = "episodes": a separate run of each K, final values)
    values = [2, 4, 8]

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

Units are (agent, chunk of runs) per sweep point; each stores ``{curve: (runs, P)}`` at the checkpoints
:func:`rlkit.agents.bandit_loop.checkpoints` of ``episodes``: the exact regret of
:func:`rlkit.agents.episode_loop.run_episodes` (per task where the environment has tasks: the mean over tasks), the
size of an agent's confidence set over candidate representations where it has one (``candidates_kept``, ``true_kept``:
GFUCB-MDP), and any curves a subclass's ``metrics`` adds (reward-free exploration's planning step). Summaries and
figures are the bandit kind's, over episodes; a reference is ``c f(k)`` with ``c`` chosen so that it passes through
the named agent's mean regret at the last episode, drawn dotted in that agent's colour: a rate to compare slopes with,
not a bound.
"""

from __future__ import annotations

import numpy as np

from rlkit.agents.episode_loop import run_episodes
from rlkit.core.checks import SpecError
from rlkit.core.protocols import EpisodicEnv
from rlkit.core.registry import KINDS
from rlkit.kinds import sweep as sweeps
from rlkit.kinds.bandit import BanditKind


@KINDS.register("episodic")
class EpisodicKind(BanditKind):
    """Online episodic agents on a finite episodic MDP: exact regret (or a subclass's metrics) vs episodes."""

    name = "episodic"
    length_key = budget = "episodes"
    overrides = ("runs", "episodes", "seed")
    x_label = "episode k"
    length_text = "K = {} episodes"

    def check_env(self, env, env_spec: dict) -> None:
        if not isinstance(env, EpisodicEnv):
            raise SpecError(f"env.id {env_spec.get('id')!r} is not a finite episodic environment (kind {self.name!r} "
                            "needs one with next_episode() and an exact model)")

    def schedule(self, spec: dict, units):
        """Larger sweep values first (more states, actions or tasks: the slowest units)."""
        rank = sweeps.rank(spec)
        return sorted(units, key=lambda u: rank[u.start // spec["runs"]])

    def metrics(self, spec: dict):
        """A ``metrics(env, agent, k) -> {name: (B,)}`` callback for :func:`run_episodes`: agents with a confidence
        set over candidate representations (``kept``: ``(B, N)``, GFUCB-MDP) record its size and whether it holds
        the environment's true candidate (``true_index``); others record nothing more."""

        def confidence_set(env, agent, k):
            kept = getattr(agent, "kept", None)
            if kept is None:
                return {}
            out = {"candidates_kept": kept.sum(1).to(env.dtype)}
            if getattr(env, "true_index", None) is not None:
                out["true_kept"] = kept[:, env.true_index].to(env.dtype)
            return out

        return confidence_set

    def play(self, spec: dict, env, agent, seeds, record_at: np.ndarray) -> dict[str, np.ndarray]:
        return run_episodes(env, agent, spec["episodes"], seeds, record_at, metrics=self.metrics(spec))
