"""GFUCB for multitask episodic MDPs over a finite class of shared representations: a **reconstruction**.

Lu, Zhao, Du, Huang, "Provable General Function Class Representation Learning in Multitask Bandits and MDPs"
(NeurIPS 2022, arXiv 2205.15701) extend GFUCB to ``M`` episodic MDPs played concurrently whose Q-functions share
a representation ``phi`` from a class ``Phi`` with per-task linear heads, under low inherent Bellman error. The
paper's MDP section could not be read (abstract and third-party summaries only),
so **everything below is our reconstruction**, assembled from the verified setting and the algorithms GFUCB's
MDP part generalises: ELEANOR's global optimism (Zanette, Lazaric, Kochenderfer, Brunskill 2020), its multitask
form in MTLR-OFUL's RL extension (Hu, Chen, Jin, Li, Wang 2021, §5), GOLF's Bellman-residual confidence set
(Jin, Liu, Miryoosefi 2021) and LSVI-UCB (Jin, Yang, Wang, Jordan 2020, Alg. 1). It is not the paper's algorithm.

The class is finite: ``P`` candidate feature maps ``phi_p(s, a) in R^k`` (the true one optionally among them),
the same for every step. At the start of episode ``t`` (``t`` episodes of data per task), for all runs,
candidates ``p`` and tasks ``i`` at once:

1. **Per-candidate, per-task optimistic LSVI** (LSVI-UCB on ``phi_p``), ``h = H-1 .. 0``::

       Lambda^{p,i}_h = lam I + sum_tau phi_p phi_p^T,   y^{p,i}_tau = r^i_tau + V^{p,i}_{h+1}(s^i_{tau,h+1})
       w^{p,i}_h = Lambda^{-1} sum_tau phi_p y^{p,i}_tau
       Q^{p,i}_h = min{ <phi_p, w^{p,i}_h> + beta ||phi_p||_{Lambda^{-1}}, H },   V^{p,i}_h = max_a Q^{p,i}_h

2. **Multitask confidence set over the candidates** (GOLF's test, pooled over the tasks): with
   ``L_q(y) = min_w ||Phi_q w - y||^2 + lam ||w||^2`` the ridge residual of regressing targets ``y`` on
   candidate ``q``, candidate ``p`` is kept iff for every step ``h``

       E^p_h = sum_i L_p(y^{p,i}_h) - min_q sum_i L_q(y^{p,i}_h) <= beta_sel(t)

   i.e. ``p``'s own Bellman targets are fitted by ``p`` nearly as well as by the best candidate of the
   multihead class (one ``q`` for all tasks). In a linear MDP in ``phi*`` the conditional mean of *any*
   target ``r + V(s')`` is linear in ``phi*``, so the true candidate's excess is noise only. Pooling the
   tasks is where the multitask gain comes from: a wrong representation misfits every task, so its excess
   grows ``M`` times faster, while the radius grows like ``M k + log P`` (the class ``Phi`` is paid once).
   ``pool_tasks=False`` runs the same test per task (``M = 1`` radius): independent learning.
3. **Global optimism over the candidates** (ELEANOR, Hu et al.): play the candidate of the confidence set
   with the largest ``sum_i E_{s ~ rho_i} V^{p,i}_0(s)`` (``rho_i``: the empirical start distribution; per task
   with ``pool_tasks=False``), greedily (ties to the lowest action). If no candidate is kept (a misspecified
   class or a small tuned radius), the one with the smallest ``max_h E^p_h`` is played [ours].

What is made tractable, and how (each a departure from exact ELEANOR/GOLF-style optimism):

* The heads are not optimised jointly inside the confidence set (ELEANOR's non-convex program). Given a
  candidate they are LSVI-UCB's local optimistic ones, so the confidence set is over candidates only
  (a union bound: the true candidate passes step 2 and its LSVI-UCB bonus covers its heads; optimism
  holds for the most optimistic kept candidate). Step 1's bonus uses the per-task radius, not the pooled
  block ellipsoid ``sum_i ||theta_i - c_i||^2_{G_i} <= beta``.
* The residual test is run on the candidate's own optimistic targets (step 1), so ``E^p_h`` tests that
  ``T_h V^{p}_{h+1}`` is representable in ``phi_p`` for the values the candidate actually plans with.
* One candidate for all steps ``h`` (``phi*`` of :class:`rlkit.envs.MultitaskLinearMDP` is step-independent).
* Observed rewards are regressed (as in :class:`rlkit.baselines.LSVIUCB`), and sums over past episodes are written
  with counts ``N^i_h(s, a, s')`` and summed rewards, an exact reformulation.

Constants. ``theory=True``: ``beta`` = :func:`rlkit.theory.gfucb_mdp.bonus_radius` (LSVI-UCB's ``c k H sqrt(iota)``
with a union over the ``P`` candidates; ``c`` unspecified by Jin et al., default 1) and ``beta_sel(t)`` =
``sel_scale`` x :func:`rlkit.theory.gfucb_mdp.selection_radius` (the notes' reconstructed ``beta_t``, default
scale 1; it eliminates nothing at feasible horizons, hence the documented scale). ``theory=False``: a tuned
constant ``beta`` and ``beta_sel`` = :func:`rlkit.theory.gfucb_mdp.chi2_radius` with noise scale ``sel_sigma``.

Relation to LSVI-UCB: with ``P = 1`` the confidence set always holds the candidate (``E = 0``), and the agent is
:class:`rlkit.baselines.LSVIUCB` on that candidate's features for every task, decision for decision (same ``beta``,
``lam``; ``theory=True`` gives the same radius). With ``M = 1`` pooled and independent coincide.

Shapes: ``candidates: (P, S, A, k)`` or ``(B, P, S, A, k)``; ``Lambda``: :class:`rlkit.core.linalg.Covariance`
with batch shape ``(B, P, M, H)``; ``N: (B, M, H, S, A, S)``; per-candidate ``Q: (B, P, M, H, S, A)``; the played ``Q``
and policy ``(B, *t, H, S, A)``; after each ``begin_episode`` the diagnostics ``Q_candidates: (B, P, M, H, S, A)``,
``excess_steps: (B, P, H)`` (pooled) or ``(B, P, M, H)``, ``excess`` (its max over steps), ``kept`` (``excess <=
radius``: ``(B, P)`` or ``(B, P, M)``), ``chosen: (B,)`` or ``(B, M)`` and ``radius``.
"""

from __future__ import annotations

import math

import torch

from rlkit.agents.episodic import EpisodicAgent
from rlkit.core.checks import RLKitError, check_int, check_nonnegative, check_open_unit, check_positive
from rlkit.core.linalg import Covariance
from rlkit.core.registry import AGENTS
from rlkit.theory.gfucb_mdp import bonus_radius, chi2_radius, selection_radius


@AGENTS.register(alias="GFUCB-MDP")
class GFUCBMDP(EpisodicAgent):
    """Multitask optimistic LSVI over a finite class of shared representations (GFUCB's MDP part, reconstructed).

    **Reconstruction** (the paper's MDP section could not be read): LSVI-UCB per candidate and task, a GOLF-style
    Bellman-residual test pooled over the tasks keeps the candidates, and the most optimistic kept candidate is
    played. Policy ``(B, M, H, S, A)`` (``task_shape = (M,)``). With one candidate it is LSVI-UCB.

    The shared parameters ``n_runs``, ``n_states``, ``n_actions``, ``horizon``, ``task_shape``, ``seed``,
    ``device``, ``dtype``, ``validate`` are those of every episodic agent (:class:`rlkit.agents.EpisodicAgent`).

    Parameters
    ----------
    candidates : tensor (P, S, A, k)
        The finite class of feature maps (``for_env``: the environment's, the true one optionally among them).
    episodes : int, default 1000
        ``K``, for the theory radii (``for_env``: the budget).
    theory : bool, default True
        The bonus radius of :func:`rlkit.theory.gfucb_mdp.bonus_radius` and the selection radius ``sel_scale`` x
        :func:`rlkit.theory.gfucb_mdp.selection_radius`; ``False``: the constant ``beta`` and the chi^2 radius.
    beta : float, default None
        Constant bonus radius when ``theory=False``.
    c : float, default 1.0
        LSVI-UCB's unspecified absolute constant in the theory bonus.
    sel_scale : float, default 1.0
        Multiplies the theory selection radius (unscaled it eliminates nothing at feasible horizons).
    sel_sigma : float, default 1.0
        Noise scale of the chi^2 selection radius when ``theory=False``.
    pool_tasks : bool, default True
        Pool the residual test over the tasks (multitask); ``False`` runs it per task (independent learning).
    lam : float, default 1.0
        Ridge regularisation of every ``Lambda``.
    delta : float, default 0.01
        Confidence level.
    """

    def __init__(self, n_runs: int, n_states: int, n_actions: int, horizon: int, *, candidates, episodes: int = 1000,
                 theory: bool = True, beta: float | None = None, c: float = 1.0, sel_scale: float = 1.0,
                 sel_sigma: float = 1.0, pool_tasks: bool = True, lam: float = 1.0, delta: float = 0.01, **kwargs):
        super().__init__(n_runs, n_states, n_actions, horizon, **kwargs)
        if len(self.task_shape) > 1:
            raise RLKitError(f"task_shape must be () or (M,), got {self.task_shape}")
        self.n_tasks = self.task_shape[0] if self.task_shape else 1
        self.cand = self._check_candidates(candidates)  # (b, P, S A, k), b in {1, B}
        self.n_candidates, self.dim = self.cand.shape[1], self.cand.shape[-1]
        self.episodes = check_int("episodes", episodes)
        self.theory = bool(theory)
        if self.theory and beta is not None:
            raise RLKitError(f"beta must be None when theory=True (the bonus is LSVI-UCB's c k H sqrt(iota)), got "
                             f"beta={beta!r}; pass theory=False to use a tuned beta")
        self.c = check_positive("c", c)
        self.sel_scale = check_positive("sel_scale", sel_scale)
        self.sel_sigma = check_positive("sel_sigma", sel_sigma)
        self.pool_tasks = bool(pool_tasks)
        self.lam = check_positive("lam", lam)
        self.delta = check_open_unit("delta", delta)
        H, S, A, M, P, k = self.horizon, self.n_states, self.n_actions, self.n_tasks, self.n_candidates, self.dim
        self.beta = (bonus_radius(self.episodes, dim=k, horizon=H, n_candidates=P, delta=self.delta, c=self.c)
                     if self.theory else check_nonnegative("beta", 1.0 if beta is None else beta))
        B = self.n_runs
        self.cov = Covariance(k, (B, P, M, H), lam=self.lam, device=self.device, dtype=self.dtype)
        self.counts = torch.zeros(B, M, H, S, A, S, device=self.device, dtype=self.dtype)
        self.reward_sums = torch.zeros(B, M, H, S, A, device=self.device, dtype=self.dtype)
        self.start_counts = torch.zeros(B, M, S, device=self.device, dtype=self.dtype)
        self._episode_sa = torch.zeros(B, M, H, dtype=torch.long, device=self.device)
        self._cand_b = self.cand.expand(B, P, S * A, k)
        self._cols_t = self._cand_b.transpose(1, 2).reshape(B, S * A, P * k).transpose(-1, -2)  # (B, P k, SA)
        self._outer = (self._cand_b.unsqueeze(-1) * self._cand_b.unsqueeze(-2)).reshape(B, P, S * A, k * k)
        self.Q: torch.Tensor | None = None
        self.Q_candidates: torch.Tensor | None = None
        self.excess_steps: torch.Tensor | None = None
        self.kept: torch.Tensor | None = None
        self.excess: torch.Tensor | None = None
        self.chosen: torch.Tensor | None = None
        self.radius: float | None = None

    @classmethod
    def for_env(cls, env, *, episodes: int, seed, device=None, dtype=None, **params):
        if "candidates" not in params:
            if getattr(env, "candidates", None) is None:
                raise RLKitError(f"GFUCB-MDP needs a candidate class of features (candidates: (P, S, A, k)); "
                                 f"{type(env).__name__} has no `candidates`")
            params["candidates"] = env.candidates
        return super().for_env(env, episodes=episodes, seed=seed, device=device, dtype=dtype, **params)

    def _check_candidates(self, candidates) -> torch.Tensor:
        S, A = self.n_states, self.n_actions
        if isinstance(candidates, (list, tuple)):
            dims = sorted({tuple(torch.as_tensor(c).shape) for c in candidates})
            if len(dims) != 1:
                raise RLKitError(f"candidates must all have the same shape (S, A, k) = ({S}, {A}, k), got {dims}")
            candidates = torch.stack([torch.as_tensor(c) for c in candidates])
        cand = torch.as_tensor(candidates, device=self.device, dtype=self.dtype)
        if cand.dim() == 4:
            cand = cand.unsqueeze(0)
        if cand.dim() != 5 or tuple(cand.shape[2:4]) != (S, A) or cand.shape[0] not in (1, self.n_runs) \
                or cand.shape[1] < 1 or cand.shape[-1] < 1:
            raise RLKitError(f"candidates must have shape (P, S, A, k) = (P, {S}, {A}, k) or (B, P, S, A, k) with "
                             f"B = {self.n_runs}, got {tuple(cand.shape)}")
        if self.validate and not bool(torch.isfinite(cand).all()):
            raise RLKitError("candidates must be finite")
        return cand.reshape(cand.shape[0], cand.shape[1], S * A, cand.shape[-1])

    # ------------------------------------------------------------------ radii
    def selection_radius(self, t: int) -> float:
        """``beta_sel(t)`` after ``t`` episodes (pooled: ``M`` tasks; independent: one task's)."""
        m = self.n_tasks if self.pool_tasks else 1
        kw = {"n_candidates": self.n_candidates, "n_tasks": m, "dim": self.dim, "horizon": self.horizon,
              "delta": self.delta}
        if self.theory:
            return self.sel_scale * selection_radius(t, **kw)
        return chi2_radius(**kw, sigma=self.sel_sigma)

    # --------------------------------------------------------------- planning
    def _policy_table(self) -> torch.Tensor:
        B, P, M, H, S, A, k = (self.n_runs, self.n_candidates, self.n_tasks, self.horizon, self.n_states,
                               self.n_actions, self.dim)
        Phi = self._cand_b  # (B, P, SA, k)
        X = S * A
        # ||phi_p(s, a)||^2 in (Lambda^{p,i}_h)^{-1} for every (p, i, h, s, a): one matmul on phi phi^T, (B, P, X, M, H)
        quad = self._outer @ self.cov.inverse.reshape(B, P, M * H, k * k).transpose(-1, -2)
        width = quad.clamp_min(0).sqrt().reshape(B, P, X, M, H)
        Q = torch.empty(B, P, M, H, S, A, device=self.device, dtype=self.dtype)
        excess = torch.zeros((B, P, H) if self.pool_tasks else (B, P, M, H), device=self.device, dtype=self.dtype)
        V_next = torch.zeros(B, P, M, S, device=self.device, dtype=self.dtype)
        for h in range(H - 1, -1, -1):
            # summed Bellman targets of every candidate's V_{h+1} per (s, a): R_h + N_h V_{h+1}, (B, M, X, P)
            target = self.counts[:, :, h].reshape(B, M, X, S) @ V_next.permute(0, 2, 3, 1) \
                + self.reward_sums[:, :, h].reshape(B, M, X, 1)
            # Phi_q^T y^p for every (features q, targets p): (B, M, q, k, p); u = Lambda_q^{-1} Phi_q^T y^p
            b_all = self._cols_t @ target.transpose(1, 2).reshape(B, X, M * P)  # (B, q k, M p)
            b_all = b_all.reshape(B, P, k, M, P).permute(0, 3, 1, 2, 4)
            u = self.cov.inverse[:, :, :, h].transpose(1, 2) @ b_all  # (B, M, q, k, p)
            if P > 1:
                fit = (u * b_all).sum(-2)  # ||y^p||^2 - L_q(y^p), (B, M, q, p)
                own = torch.diagonal(fit, dim1=2, dim2=3)  # (B, M, P)
                if self.pool_tasks:
                    excess[..., h] = fit.sum(1).amax(1) - own.sum(1)
                else:
                    excess[..., h] = (fit.amax(2) - own).transpose(1, 2)
            w = torch.diagonal(u, dim1=2, dim2=4).permute(0, 3, 2, 1)  # each candidate's own heads, (B, P, k, M)
            q = (Phi @ w + self.beta * width[..., h]).clamp_max(float(H))  # (B, P, X, M)
            Q[:, :, :, h] = q.transpose(2, 3).reshape(B, P, M, S, A)
            V_next = Q[:, :, :, h].amax(-1)
        stat = excess.amax(-1)  # max over steps: (B, P) or (B, P, M)
        self.radius = self.selection_radius(self.episode)
        kept = stat <= self.radius
        rho = self.start_counts / self.episode if self.episode > 0 else torch.full_like(self.start_counts, 1.0 / S)
        value = (V_next * rho.unsqueeze(1)).sum(-1)  # (B, P, M): E_{s ~ rho_i} V^{p,i}_0(s)
        if self.pool_tasks:
            value = value.sum(-1)  # (B, P)
        best = torch.where(kept, value, torch.full_like(value, -math.inf)).argmax(1)
        chosen = torch.where(kept.any(1), best, stat.argmin(1))  # (B,) or (B, M)
        idx = chosen[:, None, None, None, None, None] if self.pool_tasks else chosen[:, None, :, None, None, None]
        Q_played = torch.gather(Q, 1, idx.expand(B, 1, M, H, S, A)).squeeze(1)  # (B, M, H, S, A)
        self.Q_candidates, self.excess_steps = Q, excess
        self.kept, self.excess, self.chosen = kept, stat, chosen
        self.Q = Q_played.reshape(*self.batch_shape, H, S, A)
        return torch.nn.functional.one_hot(self.Q.argmax(-1), A).to(self.dtype)

    # --------------------------------------------------------------- learning
    def observe(self, states, actions, feedback, next_states, h: int) -> None:
        self._check_step(states, actions, feedback, next_states, h)
        B, M, S, A = self.n_runs, self.n_tasks, self.n_states, self.n_actions
        s, a, s2 = states.reshape(B, M), actions.reshape(B, M), next_states.reshape(B, M)
        r = feedback.reshape(B, M).to(self.dtype)
        sa = s * A + a
        self.counts[:, :, h].view(B, M, S * A * S).scatter_add_(-1, (sa * S + s2).unsqueeze(-1),
                                                                 torch.ones_like(r).unsqueeze(-1))
        self.reward_sums[:, :, h].view(B, M, S * A).scatter_add_(-1, sa.unsqueeze(-1), r.unsqueeze(-1))
        if h == 0:
            self.start_counts.scatter_add_(-1, s.unsqueeze(-1), torch.ones_like(r).unsqueeze(-1))
        self._episode_sa[:, :, h] = sa

    def end_episode(self) -> None:
        B, P, M, H, k = self.n_runs, self.n_candidates, self.n_tasks, self.horizon, self.dim
        idx = self._episode_sa.reshape(B, 1, M * H, 1).expand(B, P, M * H, k)
        x = torch.gather(self._cand_b, 2, idx).reshape(B, P, M, H, k)  # phi_p(s^i_h, a^i_h)
        self.cov.update(x)
