"""The core of rlkit: what every layer above may use, and which imports nothing of rlkit outside itself.

* :mod:`~rlkit.core.checks`: argument checks and :class:`~rlkit.core.checks.RLKitError` (one clear line
  naming the argument, what was expected and what was given);
* :mod:`~rlkit.core.registry`: the name -> class registries of agents and experiment kinds;
* :mod:`~rlkit.core.seeding`: one root seed -> a ``SeedSequence`` tree (experiment -> run -> role), batched
  random streams;
* :mod:`~rlkit.core.linalg`: the covariance kernel (:class:`~rlkit.core.linalg.Covariance`);
* :mod:`~rlkit.core.dp`: exact dynamic programming on finite MDP tables;
* :mod:`~rlkit.core.tables`: batched table look-ups and inverse-CDF row sampling;
* :mod:`~rlkit.core.stats`: standard error, bootstrap band, log-log slope;
* :mod:`~rlkit.core.atomic_io`: atomic file writes;
* :mod:`~rlkit.core.processes`: child processes that end with their parent, and isolated cells with retries.
"""

from rlkit.core.checks import RLKitError, SpecError
from rlkit.core.linalg import Covariance

__all__ = ["Covariance", "RLKitError", "SpecError"]
