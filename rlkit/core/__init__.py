"""The core of rlkit: what every layer above may use, and which imports nothing of rlkit outside itself.

* :mod:`~rlkit.core.errors`: :class:`~rlkit.core.errors.RLKitError` (one clear line naming the argument, what
  was expected and what was given) and :class:`~rlkit.core.errors.SpecError`;
* :mod:`~rlkit.core.checks`: the argument checks that raise them;
* :mod:`~rlkit.core.registry`: the name -> class registries of agents and experiment kinds;
* :mod:`~rlkit.core.seeding`: one root seed -> a ``SeedSequence`` tree (experiment -> run -> role), batched
  random streams;
* :mod:`~rlkit.core.linalg`: the covariance kernel (:class:`~rlkit.core.linalg.Covariance`);
* :mod:`~rlkit.core.dp`: exact dynamic programming on finite MDP tables;
* :mod:`~rlkit.core.tables`: batched table look-ups and inverse-CDF row sampling;
* :mod:`~rlkit.core.stats`: standard error, bootstrap band, log-log slope;
* :mod:`~rlkit.core.atomic_io`: atomic file writes;
* :mod:`~rlkit.core.processes`: child processes that end with their parent, and isolated cells with retries;
* :mod:`~rlkit.core.deferred`: value checks read at checkpoints (``validate="checkpoint"``);
* :mod:`~rlkit.core.protocols`: the contract of every environment and agent family.
"""

from rlkit.core.errors import RLKitError, SpecError

__all__ = ["Covariance", "RLKitError", "SpecError"]


def __getattr__(name):  # the covariance kernel needs torch: imported on first use, not with the package
    if name == "Covariance":
        from rlkit.core.linalg import Covariance

        return Covariance
    raise AttributeError(f"module 'rlkit.core' has no attribute {name!r}")
