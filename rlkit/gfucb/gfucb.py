"""GFUCB over a finite representation class, exact (reconstruction of Lu, Zhao, Du, Huang, NeurIPS 2022).

Paper: "Provable General Function Class Representation Learning in Multitask Bandits and MDPs" (arXiv
2205.15701). **Reconstruction**: the paper's body could not be read (only its abstract and the start of its
introduction, its experiment figure and third-party summaries; no code is public), so no algorithm or equation
number is followed. What the readable sources state: ``M`` contextual bandits played concurrently, a shared
representation ``phi`` from a general class ``Phi`` with one linear head per task, and an upper-confidence
algorithm (GFUCB) that keeps a confidence set over the multihead functions ``f_i(x) = <phi(x), theta_i>``.
Everything below is the standard Russo-Van Roy / MTLR-OFUL machinery those statements match
(the project's paper notes, Sec. 3 and 7.1, reconstructed from the abstract and the cited works).

Per round, for each group of ``g`` tasks sharing a representation (:class:`MultitaskBanditAgent`; ``g = M`` by
default) and every candidate ``phi_j`` of the finite class ``Phi = {phi_1 .. phi_P}`` (known to the learner):

1. **Per-task ridge heads** ``theta_hat_{j,i} = A_{j,i}^{-1} b_{j,i}``, ``A_{j,i} = lam I + sum_s phi_j(x_{s,i})
   phi_j(x_{s,i})^T`` (one :class:`rlkit.core.linalg.Covariance` over ``(B, P, M)``), and the candidate's penalised
   multitask loss ``J*(phi_j) = sum_i min_theta [sum_s (<phi_j(x_{s,i}), theta> - y_{s,i})^2 + lam ||theta||^2]
   = sum_i (sum_s y_{s,i}^2 - b_{j,i}^T theta_hat_{j,i})``. The multitask least-squares estimate is
   ``phi_hat = argmin_j J*(phi_j)`` with its heads.
2. **Confidence set** (loss-difference form) ``C_t = {(phi_j, theta_{1:g}) : J(phi_j, theta) - J*(phi_hat) <=
   beta'_t}``, ``J`` the penalised loss. For each candidate it is the block ellipsoid
   ``sum_i (theta_i - theta_hat_{j,i})^T A_{j,i} (theta_i - theta_hat_{j,i}) <= rho_j = beta'_t - r_j``,
   ``r_j = J*(phi_j) - J*(phi_hat) >= 0`` (empty when ``r_j > beta'_t``).
3. **Joint optimism** (:mod:`rlkit.gfucb.joint_optimism`): ``max_j max_x sum_i <phi_j(x_i), theta_hat_{j,i}> +
   sqrt(rho_j sum_i ||phi_j(x_i)||^2_{A_{j,i}^{-1}})``: the exact joint argmax by enumeration when
   ``K^g <= max_joint`` (``optimism="joint"``, and ``"auto"`` then), otherwise the documented separable
   relaxation (``"relaxed"``, an upper bound on the joint index; its actions maximise the bound, not the index),
   or per-task optimism (``"per_task"``: each task spends the whole radius).

``beta'_t`` with ``theory=True`` (notes Sec. 3, Russo-Van Roy's Prop. 5 for ``n = g t`` pooled samples, ``alpha =
1/n``, ``C = S * feature_bound``)::

    beta_t  = 8 sigma^2 log(N / delta) + 2 alpha n (8 C + sqrt(8 sigma^2 log(4 n^2 / delta)))
    log N   = log N(Phi, alpha / (2 S)) + g k log(1 + 4 S feature_bound / alpha)     (log N(Phi) = log P, exact)
    beta'_t = beta_scale * beta_t + lam g S^2

``theory=False`` uses a constant radius ``alpha`` (``beta' = alpha^2``: with ``M = 1`` and the identity class this
agent is LinUCB with the same ``alpha``, decision for decision).

Departures (all ours, since nothing is the paper's): the set is the loss-difference form ``J(f) - J(f_hat) <=
beta`` rather than the notes' empirical-distance form ``||f - f_hat||^2_n <= beta``; both coincide within the
estimated ``phi`` and the former contains ``f*`` under the same beta by Russo-Van Roy's own lemma (it needs
``4 sigma^2 log(N/delta)`` where the distance form needs ``8``), reduces to OFUL's ellipsoid for one candidate,
and needs no cross-candidate Gram matrices. Ridge (``lam``) instead of plain least squares, paid for by the
``lam g S^2`` term; the head-norm constraint ``||theta_i|| <= S`` is dropped from the set (a larger set: still
optimistic). ``beta_scale`` (default 1) is a documented multiplier of the theory radius.

Shapes: contexts ``(B, M, K, p)``; the class maps them to ``(B, P, M, K, k)``; ``theta_hat: (B, P, M, k)``,
``J*: (B, P, G)``; actions ``(B, M)``.
"""

from __future__ import annotations

import math

import torch

from rlkit.agents.multitask import MultitaskBanditAgent
from rlkit.agents.ridge import Ridge
from rlkit.core.checks import (
    RLKitError,
    check_choice,
    check_int,
    check_nonnegative,
    check_open_unit,
    check_positive,
    check_radius_choice,
)
from rlkit.core.registry import AGENTS
from rlkit.gfucb.joint_optimism import enumerate_joint, per_task_index, relaxed_joint
from rlkit.theory.gfucb import theory_beta


@AGENTS.register()
class GFUCB(MultitaskBanditAgent):
    """Exact GFUCB over a finite representation class (reconstructed; see the module docstring).

    **Reconstruction** (the paper's body could not be read): per-candidate ridge heads, the loss-difference confidence
    set, joint optimism over the class. ``act(contexts: (B, M, K, p)) -> (B, M)``; ``theta_hat: (B, P, M, k)``.
    Build it with ``for_env``, which fills ``features``, ``n_candidates`` and ``rep_dim`` from the environment's
    finite class.

    The shared parameters ``n_runs``, ``n_tasks``, ``n_arms``, ``dim``, ``group_size``, ``seed``, ``device``,
    ``dtype``, ``validate`` are those of every multitask agent
    (:class:`rlkit.agents.multitask.MultitaskBanditAgent`); ``group_size = g`` shares the representation within
    groups of ``g`` tasks (``1``: independent learning).

    Parameters
    ----------
    features : callable
        Maps contexts ``(B, M, K, p)`` to every candidate's features ``(B, P, M, K, k)`` (``for_env``: the
        environment's ``representation_class``, drawn at reset).
    n_candidates : int
        ``P``, the size of the finite class.
    rep_dim : int
        ``k``, the representation size.
    lam : float, default 1.0
        Ridge regularisation of the heads.
    theory : bool, default True
        The reconstructed multihead radius ``beta'_t`` (module docstring); ``False``: ``beta' = alpha^2``.
    alpha : float, default None
        Constant radius when ``theory=False`` (with ``M = 1`` and the identity class, LinUCB's ``alpha``).
    beta_scale : float, default 1.0
        Multiplies the theory radius ``beta_t`` (the specs use 1).
    sigma : float, default 1.0
        Reward noise level in the theory radius (``for_env``: the environment's).
    S : float, default 1.0
        Bound on the heads' norms ``||theta_i||`` (``for_env``: the environment's).
    delta : float, default 0.01
        Confidence level of the theory radius.
    feature_bound : float, default 1.0
        Bound on the candidates' feature norms.
    log_N_phi : float, default None
        ``log N(Phi)`` of the class (``None``: ``log P``, exact for a finite class).
    optimism : str, default "auto"
        ``"joint"`` (exact enumeration of the ``K^g`` joint actions), ``"relaxed"`` (the separable upper bound),
        ``"per_task"``, or ``"auto"``: joint when ``K^g <= max_joint``, else relaxed.
    max_joint : int, default 4096
        The largest ``K^g`` enumerated exactly.
    n_eta : int, default 16
        Grid points of the relaxation's one-dimensional minimisation over ``eta``.
    """

    def __init__(self, n_runs: int, n_tasks: int, n_arms: int, dim: int, *, features, n_candidates: int,
                 rep_dim: int, group_size: int | None = None, lam: float = 1.0, theory: bool = True,
                 alpha: float | None = None, beta_scale: float = 1.0, sigma: float = 1.0, S: float = 1.0,
                 feature_bound: float = 1.0, log_N_phi: float | None = None, delta: float = 0.01,
                 optimism: str = "auto", max_joint: int = 4096, n_eta: int = 16, seed=0, device=None, dtype=None,
                 validate: bool = True):
        super().__init__(n_runs, n_tasks, n_arms, dim, group_size=group_size, seed=seed, device=device, dtype=dtype,
                         validate=validate)
        if not callable(features):
            raise RLKitError(f"features must be a callable mapping contexts (B, M, K, p) to (B, P, M, K, k), "
                             f"got {type(features).__name__}")
        self.features = features
        self.n_candidates = check_int("n_candidates", n_candidates)
        self.rep_dim = check_int("rep_dim", rep_dim)
        self.lam = check_positive("lam", lam)
        self.theory, self.alpha = check_radius_choice(theory, alpha)
        self.beta_scale = check_positive("beta_scale", beta_scale)
        self.sigma = check_nonnegative("sigma", sigma)
        self.S = check_nonnegative("S", S)
        self.feature_bound = check_positive("feature_bound", feature_bound)
        self.log_N_phi = (math.log(self.n_candidates) if log_N_phi is None
                          else check_nonnegative("log_N_phi", log_N_phi))
        self.delta = check_open_unit("delta", delta)
        self.optimism = check_choice("optimism", optimism, ("auto", "joint", "relaxed", "per_task"))
        self.max_joint = check_int("max_joint", max_joint)
        self.n_eta = check_int("n_eta", n_eta, 2)
        if self.optimism == "auto":
            self.optimism = "joint" if self.n_arms ** self.group_size <= self.max_joint else "relaxed"
        B, P, M = self.n_runs, self.n_candidates, self.n_tasks
        self.ridge = Ridge((B, P, M), self.rep_dim, self.lam, self.device, self.dtype)
        self.yy = torch.zeros(B, M, device=self.device, dtype=self.dtype)  # sum_s y_{s,i}^2

    env_constants = ("sigma", "S")

    @classmethod
    def for_env(cls, env, *, rounds, seed, device=None, dtype=None, **params):
        if not hasattr(env, "representation_class"):
            raise RLKitError(f"GFUCB needs an environment that gives its finite representation class "
                             f"(representation_class); {type(env).__name__} has none")
        params.setdefault("features", lambda x: env.representation_class(x))  # drawn at reset, read when acting
        params.setdefault("n_candidates", env.n_candidates)
        params.setdefault("rep_dim", env.rep_dim)
        return super().for_env(env, rounds=rounds, seed=seed, device=device, dtype=dtype, **params)

    # ----------------------------------------------------------------- state
    def beta(self) -> float:
        """``beta'_t``: the confidence level of the current round (the same for every run and group)."""
        if not self.theory:
            return self.alpha**2
        raw = theory_beta(self.ridge.t, self.group_size, self.rep_dim, self.log_N_phi, self.sigma, self.S,
                          self.feature_bound, self.delta)
        return self.beta_scale * raw + self.lam * self.group_size * self.S**2

    def candidate_losses(self) -> torch.Tensor:
        """``J*(phi_j)`` summed over each group's tasks, ``(B, P, G)``."""
        per_task = self.yy.unsqueeze(1) - (self.ridge.b * self.ridge.theta).sum(-1)  # (B, P, M)
        return per_task.reshape(self.n_runs, self.n_candidates, self.n_groups, self.group_size).sum(-1)

    def estimate(self) -> torch.Tensor:
        """Index of the least-squares representation ``phi_hat`` of every run and group, ``(B, G)``."""
        return self.candidate_losses().argmin(1)

    def penalized_loss(self, index: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """``J(phi_index, theta)`` per group from the block decomposition, ``index: (B,)``, ``theta: (B, M, k)`` ->
        ``(B, G)``."""
        runs = torch.arange(self.n_runs, device=self.device)
        diff = (theta - self.ridge.theta[runs, index]).unsqueeze(-1)  # (B, M, k, 1)
        A = self.ridge.cov.matrix[runs, index]  # (B, M, k, k)
        quad = (diff.transpose(-1, -2) @ A @ diff).reshape(self.n_runs, self.n_groups, self.group_size).sum(-1)
        return quad + self.candidate_losses()[runs, index]

    def contains(self, index: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """Whether ``(phi_index, theta)`` lies in every group's confidence set, ``(B, G)`` bool."""
        level = self.penalized_loss(index, theta) - self.candidate_losses().min(1).values
        return level <= self.beta()

    def _candidate_features(self, contexts: torch.Tensor) -> torch.Tensor:
        phi = self.features(contexts)
        expected = (self.n_runs, self.n_candidates, self.n_tasks, contexts.shape[2], self.rep_dim)
        if not isinstance(phi, torch.Tensor) or tuple(phi.shape) != expected:
            given = tuple(phi.shape) if isinstance(phi, torch.Tensor) else type(phi).__name__
            raise RLKitError(f"the representation class must map contexts {tuple(contexts.shape)} to features of shape "
                             f"(B, P, M, K, k) = {expected}, got {given}")
        return phi.to(self.dtype)

    # ---------------------------------------------------------------- policy
    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        self._check_contexts(contexts)
        phi = self._candidate_features(contexts)  # (B, P, M, K, k)
        B, P, G, g, K = self.n_runs, self.n_candidates, self.n_groups, self.group_size, contexts.shape[2]
        a = (phi @ self.ridge.theta.unsqueeze(-1)).squeeze(-1).reshape(B, P, G, g, K)
        b = self.ridge.cov.inv_quad(phi).reshape(B, P, G, g, K)
        J = self.candidate_losses()
        rho = self.beta() - (J - J.min(1, keepdim=True).values)  # (B, P, G); < 0: candidate outside the set
        excluded = rho < 0
        rho = rho.clamp_min(0)
        if self.optimism == "per_task":
            index = per_task_index(a, b, rho).masked_fill(excluded[..., None, None], -math.inf)
            return index.max(1).values.argmax(-1).reshape(B, self.n_tasks)
        search = enumerate_joint if self.optimism == "joint" else self._relaxed
        value, actions = search(a, b, rho)  # (B, P, G), (B, P, G, g)
        best = value.masked_fill(excluded, -math.inf).argmax(1)  # (B, G)
        idx = best[:, None, :, None].expand(B, 1, G, g)
        return actions.gather(1, idx).squeeze(1).reshape(B, self.n_tasks)

    def _relaxed(self, a, b, rho):
        return relaxed_joint(a, b, rho, self.n_eta)

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        self._check_update(contexts, actions, rewards)
        phi = self._candidate_features(self.chosen(contexts, actions).unsqueeze(2)).squeeze(3)  # (B, P, M, k)
        r = rewards.to(self.dtype)
        self.ridge.update(phi, r.unsqueeze(1).expand(-1, self.n_candidates, -1))
        self.yy = self.yy + r * r
