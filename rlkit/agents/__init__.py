"""The shared agent layer: one base class per setting and the loops that drive them.

* :class:`BanditAgent` (``act(contexts (B, K, d)) -> (B,)``, ``update(contexts, actions, rewards)``) and
  :class:`MultitaskBanditAgent` (an extra task axis ``M``), driven by :func:`run_bandit`;
* :class:`EpisodicAgent` (``begin_episode``, ``act(states, h)``, ``observe(...)``, ``end_episode``, ``policy()``),
  driven by :func:`run_episodes`, which evaluates the policy exactly by dynamic programming;
* :class:`LinearVI` (``fit(dataset) -> LinearPolicy``) for offline learning, with :func:`exact_return` and
  :func:`monte_carlo_return` to evaluate the fitted policy;
* mechanics used by several agents: :class:`~rlkit.agents.ridge.Ridge` (ridge regression on the covariance
  kernel), :class:`~rlkit.agents.hold.Hold` (held actions), :mod:`~rlkit.agents.lookahead`.

Algorithms live in :mod:`rlkit.baselines` and in one package per paper; this layer imports neither.
"""

from rlkit.agents.bandit import BanditAgent
from rlkit.agents.bandit_loop import checkpoints, run_bandit
from rlkit.agents.episode_loop import run_episodes
from rlkit.agents.episodic import EpisodicAgent
from rlkit.agents.multitask import MultitaskBanditAgent
from rlkit.agents.offline import LinearPolicy, LinearVI
from rlkit.agents.offline_evaluation import exact_return, monte_carlo_return

__all__ = ["BanditAgent", "EpisodicAgent", "LinearPolicy", "LinearVI", "MultitaskBanditAgent", "checkpoints",
           "exact_return", "monte_carlo_return", "run_bandit", "run_episodes"]
