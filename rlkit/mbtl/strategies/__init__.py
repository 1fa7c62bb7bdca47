"""Source-task selection strategies (``select() -> task``, ``observe(task, performance)``) and reference levels.

All are registered in :data:`rlkit.core.registry.AGENTS`; :func:`play` runs one against a transfer matrix.
"""

from rlkit.mbtl.strategies.base import ReferenceLevel, TransferStrategy, play
from rlkit.mbtl.strategies.equidistant import Equidistant, equidistant_sequence
from rlkit.mbtl.strategies.greedy import Greedy, greedy_sequence
from rlkit.mbtl.strategies.levels import Independent, MultiTask, OracleTransfer
from rlkit.mbtl.strategies.mbtl import MBTL
from rlkit.mbtl.strategies.random_order import RandomOrder
from rlkit.mbtl.strategies.sequential_oracle import SequentialOracle

__all__ = ["MBTL", "Equidistant", "Greedy", "Independent", "MultiTask", "OracleTransfer", "RandomOrder",
           "ReferenceLevel", "SequentialOracle", "TransferStrategy", "equidistant_sequence", "greedy_sequence",
           "play"]
