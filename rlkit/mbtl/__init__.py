"""Model-based transfer learning for contextual RL (Cho, Jayawardana, Li, Wu, NeurIPS 2024): MBTL.

Which source tasks to train, one at a time, so that zero-shot transfer covers a grid of ``N`` contexts:

* :class:`TransferMatrix` (:mod:`~rlkit.mbtl.matrix`): zero-shot performance ``[trial, source, target]``, the
  context grid, normalisation bounds, a documented ``.npz`` format;
* strategies (``select() -> task``, ``observe(task, performance)``; :mod:`~rlkit.mbtl.strategies`):
  :class:`MBTL` (Gaussian-process model of the generalisation gap, Bayesian optimisation of the next source),
  :class:`Greedy`, :class:`Equidistant`, :class:`RandomOrder`, :class:`SequentialOracle`, and the reference
  levels :class:`Independent`, :class:`MultiTask`, :class:`OracleTransfer`; :func:`play` runs one against a
  matrix and returns its curve;
* metrics (:mod:`~rlkit.mbtl.metrics`): generalised performance against the number of trained tasks, ``N/k*``;
* where matrices come from: synthetic SD-MBTL-style matrices with ground truth (:mod:`~rlkit.mbtl.synthetic`),
  and context families trained with Stable-Baselines3 (:mod:`~rlkit.mbtl.families`: CartPole, Pendulum, the
  SUMO traffic signal with its DQN, each training cell in an isolated process).
"""

from rlkit.mbtl.matrix import TransferMatrix
from rlkit.mbtl.strategies import (
    MBTL,
    Equidistant,
    Greedy,
    Independent,
    MultiTask,
    OracleTransfer,
    RandomOrder,
    ReferenceLevel,
    SequentialOracle,
    TransferStrategy,
    equidistant_sequence,
    greedy_sequence,
    play,
)

__all__ = ["MBTL", "Equidistant", "Greedy", "Independent", "MultiTask", "OracleTransfer", "RandomOrder",
           "ReferenceLevel", "SequentialOracle", "TransferMatrix", "TransferStrategy", "equidistant_sequence",
           "greedy_sequence", "play"]
