"""Experiment kinds: each module registers one kind with :data:`rlkit.registry.KINDS`.

The contract is :class:`rlkit.kinds.base.ExperimentKind`; the runner is :mod:`rlkit.experiment`.
"""

from rlkit.kinds import (
    bandit,  # noqa: F401  (registers kind "bandit")
    episodic,  # noqa: F401  (registers kind "episodic")
    offline_sweep,  # noqa: F401  (registers kind "offline_sweep")
    reward_free,  # noqa: F401  (registers kind "reward_free")
    timing_sweep,  # noqa: F401  (registers kind "timing_sweep")
    transfer_build,  # noqa: F401  (registers kind "transfer_build")
    transfer_select,  # noqa: F401  (registers kind "transfer")
)
from rlkit.kinds.base import ExperimentKind, Unit

__all__ = ["ExperimentKind", "Unit"]
