"""MBTL: model-based transfer learning, the source-task selector (Cho, Jayawardana, Li, Wu, NeurIPS 2024).

Paper: "Model-Based Transfer Learning for Contextual Reinforcement Learning", arXiv 2408.04498. The paper's
body (theorems, appendix) was not read; this file follows the authors' code (``MBTL`` in ``MBTL/utils.py``
of github jhoon-cho/MBTL, called with ``acquisition_function='new_ucb_beta_log', gap_function='linear',
noise_std=0.1, n_restarts_optimizer=9``) and reproduces its picks on the notes' golden matrices.

Model: ``J(pi_x, x') ~ J(pi_x, x) - gap(x, x')``, a performance set point (a Gaussian process over the
context) minus a generalisation gap (linear: ``theta |x - x'|``, ``theta`` per grid step in normalised
units). Tasks are grid indices ``0 .. N-1`` (the GP's inputs too, as in the reference).

Loop (0-based step ``k``):

1. ``k = 0``: the midpoint ``argmin_i |i - (N-1)/2|`` (ties to the lower index: 24 for N = 50, 49 for 100).
2. ``k >= 1``: fit ``GaussianProcessRegressor(ConstantKernel(1, (1e-3, 1e3)) * RBF(1, (1e-2, 1e2)),
   alpha=noise_std**2, n_restarts_optimizer=9)`` (zero prior mean, no ``normalize_y``) to the trained tasks
   ``x_l`` with targets ``V_l(x_l)``, the **best-so-far** value at ``x_l`` right after step ``l`` (the max
   over sources trained up to ``l``; it can exceed the diagonal), and predict ``mu_i, sigma_i`` on the grid.
3. Acquisition (``"ucb_log"``, the reference's ``new_ucb_beta_log``)::

       a(i) = (1/N) sum_j max(mu_i + beta_k sigma_i - gap(i, j) - Vobs(j), 0),   beta_k = sqrt(log(k + 1))

   with ``Vobs(j) = max(0, max_{trained s} J(s, j))`` (the reference's zero rows of untrained sources give
   the floor at 0).
4. The next task is the highest-``a`` task not yet chosen; training it reveals its row of the matrix.

Options (reference name in brackets):

* ``acquisition``: ``"ucb_log"`` (``new_ucb_beta_log``, default), ``"ucb"`` (``new_ucb``, beta = 1),
  ``"ucb_inverse"`` (``new_ucb_beta``, beta = 1/(k+1)), ``"mean"`` (``new``, beta = 0), ``"ucb_dist"``
  (``new_ucb_dist``: the sum over 500 multipliers beta ~ N(0, 1) truncated to [0, inf)), ``"transfer"``
  (``new_ucb_transfer``: GP targets are the estimated generalised performance of each trained source,
  ``(1/N) sum_j max(V_l(x_l) - gap(x_l, j), 0)``, and ``a(i) = (1/N) sum_j max(mu_i + sigma_i/(k+1) -
  Vobs(j), 0)``); plain BO acquisitions without transfer credit: ``"gp_mean"`` (``EI``, which in the
  reference is the posterior mean), ``"gp_ucb"`` (``UCB``: mu + 1.96 sigma), ``"gp_lcb"`` (``LCB``),
  ``"gp_std"`` (``VR``).
* ``gap``: ``"linear"`` (fixed ``slope``, default), ``"estimated"`` (each trained source ``s`` fits
  ``np.polyfit(|s - j|, |J(s, j) - J(s, s)|, 1)`` to its observed row; a candidate takes the slope of its
  nearest trained source, ties to the lower), ``"true"`` (the oracle gap ``J(i, i) - J(i, j)`` read from the
  matrix), ``"none"`` (no transfer credit: only ``j = i`` counts; the reference's HalfCheetah ``slope = 10``
  has the same effect).

Departures from the reference, all deliberate:

* Seeded GP: sklearn's optimiser restarts draw from ``random_state`` (a ``numpy.random.RandomState`` made
  from :mod:`rlkit.core.seeding`, or one the caller passes), never from the global generator
  (the reference leaves ``random_state=None`` after ``np.random.seed(42)``; passing
  ``RandomState(42)`` reproduces its draws exactly).
* ``gap`` acts on the acquisition. In the reference ``gap_function`` only changes ``V_estimate``, which its
  default acquisition never reads, except ``'linear_estimated'``, whose loop leaves the slope of the trained
  source nearest to the *last* grid index in the variable the next acquisition uses (one slope for every
  candidate). ``gap="linear"`` is exactly the reference; ``"estimated"`` and ``"true"`` do what their names say.
* Ties in the acquisition go to the lowest index (a stable sort); the reference's ``np.argsort(-a)`` does
  not fix the order of ties. The golden picks agree.

Shapes: ``mu, sigma, a: (N,)``; ``gap: (N, N)`` [candidate source, target]; the best-so-far ``V: (N,)``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from rlkit.core.checks import RLKitError, check_choice, check_int, check_nonnegative, check_positive
from rlkit.core.registry import AGENTS
from rlkit.core.seeding import as_sequences
from rlkit.mbtl.strategies.base import TransferStrategy

ACQUISITIONS = ("ucb_log", "ucb", "ucb_inverse", "mean", "ucb_dist", "transfer", "gp_mean", "gp_ucb", "gp_lcb",
                "gp_std")
GAPS = ("linear", "estimated", "true", "none")


def midpoint(n: int) -> int:
    """The first MBTL task: the grid index nearest to the middle, ties to the lower."""
    return int(np.abs(np.arange(n) - (n - 1) / 2).argmin())


def gp_regressor(noise_std: float, n_restarts: int, random_state):
    """The reference's GP: constant x RBF kernel, zero mean, unnormalised targets, ``alpha = noise_std**2``."""
    try:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel
    except ImportError:
        raise RLKitError("MBTL's Gaussian process needs scikit-learn: pip install 'rlkit[rl]'") from None

    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(length_scale=1.0, length_scale_bounds=(1e-2, 1e2))
    return GaussianProcessRegressor(kernel=kernel, alpha=noise_std**2, n_restarts_optimizer=n_restarts,
                                    random_state=random_state)


def estimated_slope(row: np.ndarray, task: int) -> float:
    """Slope of the least-squares line of ``|J(s, j) - J(s, s)|`` against ``|s - j|`` over the row of source ``s``."""
    n = row.shape[0]
    distance = np.abs(np.arange(n) - task).astype(np.float64)
    return float(np.polyfit(distance, np.abs(row - row[task]), 1)[0])


@AGENTS.register()
class MBTL(TransferStrategy):
    """MBTL source selection: GP set point on best-so-far values minus a linear generalisation gap, UCB-style.

    Args:
        n_tasks: ``N``, the size of the context grid.
        slope: ``theta``, the gap per grid step in normalised units (the reference: 0.005 for CartPole and
            Pendulum on 100-point grids, 0.001 traffic signal, 10 HalfCheetah). Used by ``gap="linear"``.
        acquisition: one of :data:`ACQUISITIONS` (default ``"ucb_log"``, the reference's choice).
        gap: one of :data:`GAPS` (default ``"linear"``).
        noise_std: the GP's observation noise (``alpha = noise_std**2``), 0.1 in the reference.
        n_restarts: optimiser restarts of the GP's hyper-parameter fit, 9 in the reference.
        matrix: the true normalised ``(N, N)`` matrix; needed (and only read) by ``gap="true"``.
        seed: an int or SeedSequence for the GP restarts (and ``"ucb_dist"``'s multipliers).
        random_state: a ``numpy.random.RandomState`` to use instead of ``seed`` (e.g. ``RandomState(42)`` to
            replay the reference's draws).

    The full docstring of :mod:`rlkit.mbtl.strategies.mbtl` lists the loop, the options and the departures.
    """

    def __init__(self, n_tasks: int, *, slope: float = 0.005, acquisition: str = "ucb_log", gap: str = "linear",
                 noise_std: float = 0.1, n_restarts: int = 9, matrix=None, seed=0, random_state=None):
        super().__init__(n_tasks)
        self.slope = check_nonnegative("slope", slope)
        self.acquisition = check_choice("acquisition", acquisition, ACQUISITIONS)
        self.gap = check_choice("gap", gap, GAPS)
        self.noise_std = check_positive("noise_std", noise_std)
        self.n_restarts = check_int("n_restarts", n_restarts, 0)
        N = self.n_tasks
        if gap == "true":
            if matrix is None:
                raise RLKitError("gap='true' needs the true matrix (pass matrix=, or build with for_matrix)")
            matrix = np.asarray(matrix, dtype=np.float64)
            if matrix.shape != (N, N):
                raise RLKitError(f"matrix must have shape ({N}, {N}), got {matrix.shape}")
        self._matrix = matrix if gap == "true" else None
        if random_state is None:
            random_state = np.random.RandomState(np.random.MT19937(as_sequences([seed], 1)[0]))
        elif not isinstance(random_state, np.random.RandomState):
            raise RLKitError(f"random_state must be a numpy.random.RandomState, got {type(random_state).__name__}")
        self.random_state = random_state
        self._distance = np.abs(np.arange(N)[:, None] - np.arange(N)[None, :]).astype(np.float64)  # (N, N)
        self._best = np.full(N, -np.inf)  # V(j): best-so-far over trained sources
        self._targets: list[float] = []  # GP targets, one per trained task
        self._rows: dict[int, np.ndarray] = {}
        self.last_acquisition: np.ndarray | None = None  # a(i) of the last GP step, (N,)
        self.last_posterior: tuple[np.ndarray, np.ndarray] | None = None  # (mu, sigma) of the last GP step

    @classmethod
    def for_matrix(cls, matrix, *, seed=0, **params):
        if params.get("gap") == "true":
            params["matrix"] = matrix
        return cls(matrix.shape[0], seed=seed, **params)

    # ---------------------------------------------------------------- the loop
    def select(self) -> int:
        k = len(self.chosen)
        if k >= self.n_tasks:
            raise RLKitError(f"MBTL has selected all {self.n_tasks} tasks; nothing is left")
        if k == 0:
            return midpoint(self.n_tasks)
        mu, sigma = self._posterior()
        a = self._acquire(mu, sigma, k)
        self.last_posterior, self.last_acquisition = (mu, sigma), a
        order = np.argsort(-a, kind="stable")
        taken = np.zeros(self.n_tasks, dtype=bool)
        taken[self.chosen] = True
        return int(order[~taken[order]][0])

    def observe(self, task: int, performance: np.ndarray) -> None:
        task = self._check_observation(task, performance)  # before any state changes
        performance = np.asarray(performance, dtype=np.float64)
        super().observe(task, performance)
        self._rows[int(task)] = performance.copy()
        self._best = np.maximum(self._best, performance)
        if self.acquisition == "transfer":  # estimated generalised performance of the new source
            gap = self._gap_matrix()[task]
            self._targets.append(float(np.maximum(self._best[task] - gap, 0.0).mean()))
        else:
            self._targets.append(float(self._best[task]))

    # -------------------------------------------------------------- the model
    def _posterior(self) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.exceptions import ConvergenceWarning
        from threadpoolctl import threadpool_limits

        gp = gp_regressor(self.noise_std, self.n_restarts, self.random_state)
        X = np.asarray(self.chosen, dtype=np.float64)[:, None]
        # at most N points: one BLAS thread is fastest (several spin for nothing, 10x slower on a busy machine)
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore", ConvergenceWarning)
            gp.fit(X, np.asarray(self._targets))
            mu, sigma = gp.predict(np.arange(self.n_tasks, dtype=np.float64)[:, None], return_std=True)
        return mu, sigma

    def _gap_matrix(self) -> np.ndarray:
        """``gap(i, j)``: ``(N, N)`` [candidate source, target]."""
        if self.gap == "linear":
            return self.slope * self._distance
        if self.gap == "true":
            M = self._matrix
            return np.diag(M)[:, None] - M
        if self.gap == "none":
            return np.where(self._distance == 0, 0.0, np.inf)
        trained = np.asarray(sorted(self._rows))
        slopes = np.array([estimated_slope(self._rows[s], s) for s in trained])
        nearest = np.abs(np.arange(self.n_tasks)[:, None] - trained[None, :]).argmin(1)  # ties to the lower
        return slopes[nearest][:, None] * self._distance

    def _acquire(self, mu: np.ndarray, sigma: np.ndarray, k: int) -> np.ndarray:
        acq = self.acquisition
        if acq == "gp_mean":
            return mu
        if acq == "gp_ucb":
            return mu + 1.96 * sigma
        if acq == "gp_lcb":
            return mu - 1.96 * sigma
        if acq == "gp_std":
            return sigma
        v_obs = np.maximum(self._best, 0.0)  # (N,)
        if acq == "transfer":
            return np.maximum((mu + sigma / (k + 1))[:, None] - v_obs[None, :], 0.0).mean(1)
        gap = self._gap_matrix()
        if acq == "ucb_dist":
            from scipy.stats import truncnorm

            betas = truncnorm.rvs(0.0, np.inf, size=500, random_state=self.random_state)
            upper = mu[None, :] + betas[:, None] * sigma[None, :]  # (500, N)
            return np.maximum(upper[:, :, None] - gap[None] - v_obs[None, None, :], 0.0).mean(2).sum(0)
        beta = {"ucb_log": math.sqrt(math.log(k + 1)), "ucb": 1.0, "ucb_inverse": 1.0 / (k + 1), "mean": 0.0}[acq]
        return np.maximum((mu + beta * sigma)[:, None] - gap - v_obs[None, :], 0.0).mean(1)
