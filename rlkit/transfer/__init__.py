"""MBTL source-task selection and its baselines, transfer matrices, and the families that build them.

* :class:`TransferMatrix` (:mod:`~rlkit.transfer.matrix`): zero-shot performance [trial, source, target],
  the context grid, normalisation bounds, a documented ``.npz`` format.
* Strategies (``select() -> task``, ``observe(task, performance)``, :mod:`~rlkit.transfer.base`):
  :class:`MBTL`, :class:`Greedy`, :class:`Equidistant` (sweep and grid), :class:`RandomOrder`,
  :class:`SequentialOracle`; reference levels :class:`Independent`, :class:`MultiTask`,
  :class:`OracleTransfer`. All are registered in :data:`rlkit.core.registry.AGENTS`.
* Metrics (:mod:`~rlkit.transfer.metrics`): generalised performance vs the number of trained tasks, N / k*.
* Synthetic SD-MBTL-style matrices with ground truth (:mod:`~rlkit.transfer.synthetic`), contextual
  environment families and the SB3 trainer that build real matrices (:mod:`~rlkit.transfer.family`,
  :mod:`~rlkit.transfer.sb3`); the experiment kinds ``transfer`` and ``transfer_build`` run them.
"""

from rlkit.transfer.base import ReferenceLevel, TransferStrategy, play
from rlkit.transfer.equidistant import Equidistant, equidistant_sequence
from rlkit.transfer.greedy import Greedy, greedy_sequence
from rlkit.transfer.levels import Independent, MultiTask, OracleTransfer
from rlkit.transfer.matrix import TransferMatrix
from rlkit.transfer.mbtl import MBTL
from rlkit.transfer.random_order import RandomOrder
from rlkit.transfer.sequential_oracle import SequentialOracle

__all__ = ["TransferMatrix", "TransferStrategy", "ReferenceLevel", "play", "MBTL", "Greedy", "greedy_sequence",
           "Equidistant", "equidistant_sequence", "RandomOrder", "SequentialOracle", "Independent", "MultiTask",
           "OracleTransfer"]
