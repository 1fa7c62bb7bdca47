"""Online bandit agents, batched over runs.

``act(contexts (B, K, d)) -> (B,)``, ``update(contexts, actions, rewards)``.
"""

from rlkit.agents.bandit import BanditAgent
from rlkit.baselines.epsilon_greedy import EpsilonGreedy
from rlkit.baselines.lints import LinTS
from rlkit.baselines.linucb import LinUCB
from rlkit.baselines.uniform import Uniform
from rlkit.dynlin_ucb.ar2 import AR2  # noqa: E402
from rlkit.dynlin_ucb.d_linucb import DLinUCB  # noqa: E402
from rlkit.dynlin_ucb.dynlin_ucb import DynLinUCB  # noqa: E402, I001
from rlkit.dynlin_ucb.exp3 import EXP3  # noqa: E402
from rlkit.dynlin_ucb.fixed_action import Clairvoyant, Expert, FixedAction, FixedArm  # noqa: E402
from rlkit.gfucb.gfucb import GFUCB  # noqa: E402
from rlkit.gfucb.mtlr_oful import MTLROFUL  # noqa: E402
from rlkit.gfucb.neural_epsilon_greedy import NeuralEpsilonGreedy  # noqa: E402
from rlkit.gfucb.neural_gfucb import NeuralGFUCB  # noqa: E402
from rlkit.gfucb.per_task_linucb import PerTaskLinUCB  # noqa: E402

__all__ = ["BanditAgent", "EpsilonGreedy", "LinTS", "LinUCB", "Uniform"]
__all__ += ["AR2", "Clairvoyant", "DLinUCB", "DynLinUCB", "EXP3", "Expert", "FixedAction", "FixedArm"]
__all__ += ["GFUCB", "MTLROFUL", "NeuralEpsilonGreedy", "NeuralGFUCB", "PerTaskLinUCB"]
