"""Online bandit agents, batched over runs.

``act(contexts (B, K, d)) -> (B,)``, ``update(contexts, actions, rewards)``.
"""

from rlkit.bandits.base import BanditAgent
from rlkit.bandits.epsilon_greedy import EpsilonGreedy
from rlkit.bandits.lints import LinTS
from rlkit.bandits.linucb import LinUCB
from rlkit.bandits.uniform import Uniform

__all__ = ["BanditAgent", "EpsilonGreedy", "LinTS", "LinUCB", "Uniform"]
