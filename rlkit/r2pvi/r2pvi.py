"""R2PVI: Robust Regularized Pessimistic Value Iteration (Tang, Liu & Xu, ICML 2025, arXiv 2411.18612,
the algorithm of its Sec. 4, numbered 1 there as far as the authors' code and notes tell; the TV, KL and chi^2 duals
it uses are in :mod:`rlkit.r2pvi.divergences`).

Offline learning in a d-rectangular linear robust regularised MDP: the adversary perturbs each factor
distribution ``mu0_{h,i}`` and pays ``lam D_f``, so ``Q^lam_h = <phi, theta_h + w_h>`` with
``w_{h,i} = inf_mu E_mu V_{h+1} + lam D_f(mu || mu0_{h,i})``. Each step (backward, ``V_{H+1} = 0``):

* ``Lambda_h = sum_tau phi_tau phi_tau^T + gamma I``;
* ``w_h`` by the dual estimator of the chosen divergence (:mod:`rlkit.r2pvi.divergences`):
  TV ``Lambda^{-1} sum phi [V]_{min_s V + lam}``; KL ``-lam log max(Lambda^{-1} sum phi e^{-V/lam}, e^{-H/lam})``;
  chi^2 ``max_a z1(a) - (z2(a) - z1(a)^2) / (4 lam)`` with ``z1, z2`` the ridge estimates of ``E[V]_a``
  and ``E[V]_a^2``;
* ``Gamma_h = beta sum_i phi_i sqrt((Lambda_h^{-1})_ii)`` and ``Q_h = clip(<phi, theta_h + w_h> - Gamma_h, 0, H-h+1)``.

Args: ``divergence`` (``"tv"``, ``"kl"``, ``"chi2"``), ``lam`` (> 0; smaller is more robust), ``beta``,
``gamma`` (ridge), ``penalty`` (``"paper"`` default, ``"l2"`` the authors' code, ``"elliptical"``),
``theory`` (``beta`` from the paper's theorems as the notes give them, not verified against the paper, whose
theorems could not be read; see :mod:`rlkit.theory.r2pvi`; the authors' code and every spec use a fixed ``beta``).
Options that reproduce the authors' code instead of the paper (``experiments/r2pvi_linear_mdp_authors.toml``):
``chi2_search="inf"`` (their linear-MDP script takes the infimum of the chi^2 objective over ``a in [0, H]``;
the dual is the supremum, the default ``"sup"``), ``tv_min="observed"`` (the TV threshold ``min V + lam``
over the observed next states only; the default ``"probes"`` adds the environment's probe states).

Departures: the reward parameter ``theta_h`` is the environment's when it gives one (as in the authors'
code), else its ridge estimate. From the authors' code (the paper's algorithm is followed): the chi^2
supremum is exact (piecewise-quadratic search) instead of Nelder-Mead, and it is a supremum in both
experiments (their linear-MDP script minimises over the threshold); ``min_s V``
of the TV threshold includes the environment's probe states (all states of a finite MDP, the absorbing
state of the put option), not only the observed next states; ``Lambda_h`` is rebuilt at every fit.
Shapes: ``M: (R, d, N)``, ``V: (R, N)`` -> ``(R, d)``.
"""

from __future__ import annotations

from rlkit.agents.offline import LinearVI
from rlkit.core.checks import check_choice, check_positive
from rlkit.core.registry import AGENTS
from rlkit.r2pvi import divergences
from rlkit.theory.r2pvi import beta_r2pvi

DIVERGENCES = ("tv", "kl", "chi2")


@AGENTS.register()
class R2PVI(LinearVI):
    """Robust regularised pessimistic VI (Tang, Liu & Xu 2025) with a TV, KL or chi^2 penalty; ``fit(dataset)``.

    ``fit(dataset)`` runs the backward induction for every replication of the dataset at once and returns the
    greedy policy (``LinearPolicy``, evaluated by :func:`rlkit.agents.exact_return` or test episodes); the duals
    are exact (:mod:`rlkit.r2pvi.divergences`). The module docstring gives each step and the departures.

    The shared parameters ``beta``, ``gamma``, ``penalty``, ``theory``, ``delta``, ``reward``, ``device``,
    ``dtype``, ``validate`` are those of every linear offline agent (:class:`rlkit.agents.offline.LinearVI`).

    Parameters
    ----------
    divergence : str, default "tv"
        The regulariser ``D_f``: ``"tv"``, ``"kl"`` or ``"chi2"``.
    lam : float, default 0.1
        The regularisation weight (> 0); smaller is more robust (the simulated MDP's specs use 0.1, the put
        option's 0.025).
    chi2_search : str, default "sup"
        The chi^2 dual is a supremum over its threshold (``"sup"``, the paper); ``"inf"`` reproduces the authors'
        linear-MDP script, which takes the infimum over ``[0, H]``.
    tv_min : str, default "probes"
        The TV threshold ``min_s V + lam`` over the observed next states and the environment's probe states
        (``"probes"``), or over the observed ones only (``"observed"``, the authors' code).
    """

    def __init__(self, divergence: str = "tv", lam: float = 0.1, chi2_search: str = "sup", tv_min: str = "probes",
                 **kwargs):
        super().__init__(**kwargs)
        self.divergence = check_choice("divergence", divergence, DIVERGENCES)
        self.lam = check_positive("lam", lam)
        self.chi2_search = check_choice("chi2_search", chi2_search, ("sup", "inf"))
        self.tv_min = check_choice("tv_min", tv_min, ("probes", "observed"))

    def target(self, M, V, v_min, h, H):
        if self.divergence == "tv":
            return divergences.tv(M, V, self.lam, v_min if self.tv_min == "probes" else None)
        if self.divergence == "kl":
            return divergences.kl(M, V, self.lam, cap=float(H))
        return divergences.chi2(M, V, self.lam, self.chi2_search, a_max=float(H))

    def theory_beta(self, d, H, K):
        return beta_r2pvi(self.divergence, d, H, K, self.lam, self.delta)
