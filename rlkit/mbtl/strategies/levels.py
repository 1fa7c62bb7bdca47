"""The reference levels of MBTL's figures: Independent, Multi-task and Oracle Transfer (one value per matrix)."""

from __future__ import annotations

import numpy as np

from rlkit.core.checks import RLKitError
from rlkit.core.registry import AGENTS
from rlkit.mbtl import metrics
from rlkit.mbtl.strategies.base import ReferenceLevel


@AGENTS.register()
class Independent(ReferenceLevel):
    """Independent training: every target gets its own policy (N trained models); the mean of the diagonal."""

    @staticmethod
    def value(matrix: np.ndarray, multitask: np.ndarray | None = None) -> float:
        return metrics.independent(matrix)


@AGENTS.register()
class MultiTask(ReferenceLevel):
    """Multi-task training: one policy trained on all contexts (a context drawn per episode), on every target."""

    needs = "multitask"

    @staticmethod
    def value(matrix: np.ndarray, multitask: np.ndarray | None = None) -> float:
        if multitask is None:
            raise RLKitError("the Multi-task level needs the matrix's multitask row (a build with "
                             "train.multitask = true); this matrix has none")
        return metrics.multitask(multitask)


@AGENTS.register()
class OracleTransfer(ReferenceLevel):
    """Oracle Transfer: every target uses its best source (all N trained); an upper bound of every strategy."""

    @staticmethod
    def value(matrix: np.ndarray, multitask: np.ndarray | None = None) -> float:
        return metrics.oracle_transfer(matrix)
