"""DynLin-UCB (Mussi, Metelli, Restelli, ICML 2023, "Dynamical Linear Bandits", Algorithm 1).

For a dynamical linear bandit (:class:`rlkit.envs.DynamicalLinearBandit`) the steady-state reward of a held
action ``u`` is ``<h, u>``. DynLin-UCB learns ``h`` by ridge regression on one sample per epoch:

* epoch ``m = 1, 2, ...`` lasts ``H_m = 1 + floor(log m / log(1 / rho_bar))`` rounds, so the transient of the
  previous action has decayed by ``rho_bar^{H_m - 1} <= 1/m`` when the epoch's last reward is observed;
* at the first round of the epoch it plays ``u_m = argmax_{u in U} <h_hat, u> + beta ||u||_{V^{-1}}`` and holds
  it for the whole epoch;
* only the epoch's last reward ``y`` enters the regression: ``V += u u^T``, ``b += y u``, ``h_hat = V^{-1} b``.

``theory=True`` uses the paper's radius (``t`` = the number of regression samples, i.e. completed epochs)::

    beta_t = c1 sqrt(lam) + (c2 / sqrt(lam)) log(e (t + 1))
             + sqrt(2 sbar^2 (log(1/delta) + (d/2) log(1 + t U^2 / (d lam))))
    c1 = Theta + Omega Bbar Phi / (1 - rho_bar),   c2 = U Omega Phi (U Bbar / (1 - rho_bar) + U / (1 - rho_bar))
    sbar^2 = sigma^2 + Omega^2 Phi^2 sigma_state^2 / (1 - rho_bar^2),   delta = 1 / T by default

with ``Theta = ||theta||``, ``Omega = ||omega||``, ``Bbar = ||B||_2``, ``U = max ||u||``, ``Phi`` the bound
``sup_tau ||A^tau|| / rho_bar^tau``, ``sigma`` the reward noise and ``sigma_state`` the state noise.
:meth:`for_env` reads these from the environment. ``lam`` is a number or ``"logT"`` (``log T``; the paper
runs ``lam in {1, log T}``). ``theory=False`` uses a constant radius ``alpha``.

Departures and choices:

* ``t`` in ``beta_t`` counts regression samples, i.e. completed epochs (the default, ``count="epochs"``); the
  authors' code counts rounds (``LinearAgent._beta_t`` uses its round counter), which ``count="rounds"``
  reproduces. Settled from the algorithm's construction (the paper's Algorithm 1 and Theorem are not in the
  stored public copies, which give the abstract only): ``beta_t`` bounds ``||h_hat - h||_V`` after ``t``
  regression samples. Its middle term is the bias of those samples: the sample of epoch ``l`` carries the
  previous action's transient, at most ``rho_bar^{H_l - 1} <= 1/l`` by the choice of ``H_l``, and
  ``sum_{l <= t} 1/l <= log(e t)`` holds with ``l`` an epoch index, not a round; the last term is the
  self-normalised bound (Abbasi-Yadkori et al. 2011, Thm 2 with the determinant-trace inequality), whose ``t`` is
  the number of samples in ``V``. Counting rounds (``H``-fold more on average) only enlarges the radius: on the
  synthetic system at ``T = 10^5`` (20 runs a side, docs/papers/dynlin_ucb.md) the steady-state regret is
  2,187 +- 2 counting epochs and 2,424 +- 3 counting rounds for lam = log T (5,884 +- 4 and 6,931 +- 5 for
  lam = 1); the authors' code gives 2,423 +- 4 and 6,931 +- 4, which rlkit matches with ``count="rounds"`` and
  the authors' ``sbar`` (``sigma`` = the state noise).
* ``sbar`` with two noise levels: equal to the paper's ``s^2 (1 + Omega^2 Phi^2 / (1 - rho^2))`` when the reward
  and state noise have the same level ``s``; for the MIMO form the reward noise is ``sqrt(m) s`` (the authors'
  code uses ``s``, understating it).
* The first epoch's action is the UCB argmax like every other (all ties at ``h_hat = 0``, broken towards the
  lowest index); the authors' code draws it uniformly, and its first epoch lasts two rounds (its first
  regression round is round 1, not 0), which shifts every later epoch by one round. Both are one epoch's worth
  of regret at most.
* ``floor(log m / log(1/rho_bar))`` is taken with a ``1e-9`` tolerance so exact powers ``m = rho_bar^{-k}``
  start the longer epoch despite rounding.

Epoch structure for fast rollouts: :meth:`hold_length` tells the loop how many rounds the current action is
held, and :meth:`update_held` takes those rounds' rewards ``(B, n)`` at once (one decision and one regression
update per epoch, exactly the algorithm above). Played one round at a time (:meth:`update`) it does the same.
Across epochs, :meth:`keeps` (the rollout's look-ahead) computes the decisions at the next epochs' starts in
closed form (:mod:`rlkit.agents.lookahead`) from the rewards the held action would earn; while no run would
switch, those epochs are played as one block and enter the regression as one weighted update (the same
``V`` and ``b`` as one update per epoch).

Shapes: ``contexts: (B, K, d)``, ``actions: (B,)``, ``rewards: (B,)`` or ``(B, n)``, ``h_hat: (B, d)``.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from rlkit.agents.bandit import BanditAgent
from rlkit.agents.hold import Hold
from rlkit.agents.lookahead import first_switch, repeated_arm
from rlkit.agents.ridge import Ridge
from rlkit.core.checks import (
    RLKitError,
    check_choice,
    check_finite,
    check_int,
    check_nonnegative,
    check_open_unit,
    check_positive,
    check_radius_choice,
    check_shape,
    env_placement,
)
from rlkit.core.registry import AGENTS
from rlkit.theory.dynlin_ucb import confidence_radius, epoch_length, radius_constants


def epoch_schedule(rho_bar: float, rounds: int) -> list[int]:
    """Lengths ``H_1, H_2, ...`` of the epochs that start within ``rounds`` rounds (the last may overrun it)."""
    rho_bar = check_open_unit("rho_bar", rho_bar)
    out, total, m = [], 0, 0
    while total < rounds:
        m += 1
        out.append(epoch_length(m, rho_bar))
        total += out[-1]
    return out


def resolve_lam(lam, rounds: int | None) -> float:
    """``lam`` as a number; the string ``"logT"`` means ``log(rounds)``."""
    if isinstance(lam, str):
        check_choice("lam", lam, ("logT",))
        if rounds is None:
            raise RLKitError("lam='logT' needs the number of rounds T, got rounds=None")
        return check_positive("lam (log T)", math.log(rounds))
    return check_positive("lam", lam)


@AGENTS.register(alias="DynLin-UCB")
class DynLinUCB(BanditAgent):
    """DynLin-UCB: epoch-held optimistic actions for dynamical linear bandits (Mussi, Metelli, Restelli 2023, Alg. 1).

    Mussi, Metelli, Restelli (ICML 2023), "Dynamical Linear Bandits", Algorithm 1. Learns the cumulative Markov
    parameter ``h_hat: (B, d)`` by ridge regression on one reward per epoch (the epoch's last) of
    ``H_m = 1 + floor(log m / log(1/rho_bar))`` rounds, playing at each epoch's start
    ``u_m = argmax_u <h_hat, u> + beta_t ||u||_{V^{-1}}`` and holding it for the epoch (``hold_length``).
    ``theory=True`` uses the paper's ``beta_t`` (formula and constants ``c1``, ``c2``, ``sbar`` in the module
    docstring).

    Batched over ``B`` runs: ``act(contexts: (B, K, d)) -> (B,)``, ``update(contexts, actions: (B,), rewards:
    (B,))`` or ``update_held(..., rewards: (B, n))`` for ``n`` held rounds; ``h_hat: (B, d)``.

    Departures and choices (the module docstring gives the reasoning and numbers): ``t`` in ``beta_t`` counts
    completed epochs by default (the authors' code counts rounds: ``count="rounds"``); ``sbar`` with separate
    reward and state noise levels; the first epoch's action is the UCB argmax (ties to the lowest index; the
    authors' code draws it uniformly and its first epoch lasts two rounds); ``floor`` in ``H_m`` with a ``1e-9``
    tolerance.

    The shared parameters ``n_runs``, ``n_arms``, ``dim``, ``seed``, ``device``, ``dtype``, ``validate`` are those
    of every bandit agent (:class:`rlkit.agents.BanditAgent`); ``for_env`` fills the sizes and placement.

    Parameters
    ----------
    rho_bar : float
        Bound on the spectral radius of ``A``, in ``(0, 1)``: sets the epoch lengths and the radius (``for_env``:
        ``rho(A)``).
    rounds : int, default None
        The horizon ``T``, for ``lam="logT"`` and the default ``delta = 1/T`` (``for_env``: the run's rounds).
    lam : float or "logT", default 1.0
        Ridge regularisation ``lambda``; ``"logT"`` means ``log(rounds)`` (the paper runs ``lam in {1, log T}``).
    theory : bool, default True
        Use the paper's radius ``beta_t``; ``False`` uses the constant ``alpha``.
    alpha : float, default None
        Constant radius with ``theory=False`` (``None``: 1); refused with ``theory=True``.
    Theta : float, default 1.0
        Bound on ``||theta||`` (``for_env``: the environment's).
    Omega : float, default 1.0
        Bound on ``||omega||`` (``for_env``: the environment's).
    Bbar : float, default 1.0
        Bound on ``||B||_2`` (``for_env``: the environment's).
    phi_bar : float, default 1.0
        ``Phi``, the bound ``sup_tau ||A^tau|| / rho_bar^tau`` (``for_env``: computed for ``rho_bar``).
    U : float, default 1.0
        Bound on the actions' norm ``max ||u||`` (``for_env``: the environment's).
    sigma : float, default 1.0
        Reward noise level (``for_env``: the environment's reward noise).
    sigma_state : float, default None
        State noise level (``None``: ``sigma``; ``for_env``: the environment's).
    delta : float, default None
        Confidence level of ``beta_t`` (``None``: ``1 / rounds``, which ``theory=True`` then needs; 0.5 with
        ``theory=False`` and no ``rounds``, or ``rounds = 1``).
    count : {"epochs", "rounds"}, default "epochs"
        What ``t`` in ``beta_t`` counts: regression samples (completed epochs), or rounds played as in the
        authors' code.
    """

    def __init__(self, n_runs: int, n_arms: int, dim: int, *, rho_bar: float, rounds: int | None = None,
                 lam=1.0, theory: bool = True, alpha: float | None = None, Theta: float = 1.0, Omega: float = 1.0,
                 Bbar: float = 1.0, phi_bar: float = 1.0, U: float = 1.0, sigma: float = 1.0,
                 sigma_state: float | None = None, delta: float | None = None, count: str = "epochs",
                 seed=0, device=None, dtype=None, validate: bool = True):
        super().__init__(n_runs, n_arms, dim, seed=seed, device=device, dtype=dtype, validate=validate)
        self.rho_bar = check_open_unit("rho_bar", rho_bar)
        self.rounds = None if rounds is None else check_int("rounds", rounds)
        self.lam = resolve_lam(lam, self.rounds)
        self.theory, self.alpha = check_radius_choice(theory, alpha)
        self.count = check_choice("count", count, ("epochs", "rounds"))
        if delta is None:
            if self.theory and self.rounds is None:
                raise RLKitError("delta defaults to 1/T: give rounds or delta")
            delta = 1.0 / self.rounds if self.rounds is not None and self.rounds > 1 else 0.5
        self.delta = check_open_unit("delta", delta)
        Theta, Omega, Bbar = (check_nonnegative(k, v) for k, v in (("Theta", Theta), ("Omega", Omega), ("Bbar", Bbar)))
        self.phi_bar, self.U = check_positive("phi_bar", phi_bar), check_positive("U", U)
        sigma = check_nonnegative("sigma", sigma)
        sigma_state = sigma if sigma_state is None else check_nonnegative("sigma_state", sigma_state)
        self.c1, self.c2, self.sbar2 = radius_constants(self.rho_bar, Theta=Theta, Omega=Omega, Bbar=Bbar,
                                                        phi_bar=self.phi_bar, U=self.U, sigma=sigma,
                                                        sigma_state=sigma_state)
        self.ridge = Ridge(self.n_runs, self.dim, self.lam, self.device, self.dtype, track_logdet=False)
        self.epoch = 0  # epochs started
        self.rounds = 0  # rounds played
        self._hold = Hold("epoch")  # rounds left in the current epoch
        self._action: torch.Tensor | None = None
        self._kept_until = 0  # rounds a look-ahead (keeps) allowed the held action to run to

    @classmethod
    def for_env(cls, env, *, rounds, seed, device=None, dtype=None, **params):
        """Read ``Theta, Omega, Bbar, U, sigma, sigma_state`` and (unless given) ``rho_bar = rho(A)`` and its
        ``Phi`` from a :class:`rlkit.envs.DynamicalLinearBandit`."""
        tp = env.theory_params()
        if "rho_bar" not in params:
            params["rho_bar"] = tp["rho"]
            params.setdefault("phi_bar", tp["phi"])
        elif "phi_bar" not in params and hasattr(env, "A_np"):
            from rlkit.envs.bandits.dynamical_linear_bandit import phi_constant

            params["phi_bar"] = phi_constant(env.A_np, params["rho_bar"])
            if math.isinf(params["phi_bar"]):
                raise RLKitError(f"rho_bar must be >= rho(A) = {tp['rho']:.6g} for a finite Phi_bar, got "
                                 f"{params['rho_bar']!r}; pass phi_bar to use a smaller rho_bar anyway")
        for key, src in (("Theta", "Theta"), ("Omega", "Omega"), ("Bbar", "Bbar"), ("U", "U"),
                         ("sigma", "sigma_reward"), ("sigma_state", "sigma_state")):
            if src in tp:
                params.setdefault(key, tp[src])
        params.setdefault("rounds", rounds)
        return cls(env.num_envs, env.n_arms, env.dim, seed=seed, **env_placement(env, device, dtype), **params)

    # ------------------------------------------------------------------ maths
    def beta(self, t: int | None = None) -> float:
        """``beta_t`` (``t`` defaults to the current count: epochs completed, or rounds played)."""
        if not self.theory:
            return self.alpha
        if t is None:
            t = self.ridge.t if self.count == "epochs" else self.rounds
        return confidence_radius(t, d=self.dim, lam=self.lam, delta=self.delta, U=self.U, c1=self.c1, c2=self.c2,
                                 sbar2=self.sbar2)

    @property
    def h_hat(self) -> torch.Tensor:
        """Ridge estimate of the Markov parameter ``h``, ``(B, d)``."""
        return self.ridge.theta

    def hold_length(self) -> int:
        """Rounds left in the current epoch (the action returned by :meth:`act` is held for them)."""
        return self._hold.left

    # --------------------------------------------------------------- protocol
    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        if self._hold.left == 0:
            self._check_contexts(contexts)
            self.epoch += 1
            self._hold.start(epoch_length(self.epoch, self.rho_bar))
            mean = (contexts @ self.ridge.theta.unsqueeze(-1)).squeeze(-1)  # (B, K)
            self._action = (mean + self.beta() * self.ridge.cov.inv_norm(contexts)).argmax(-1)
        return self._action

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        self._check_update(contexts, actions, rewards)
        self._advance(contexts, actions, rewards, 1)

    def keeps(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> int:
        """Leading rounds ``j in [1, m]`` in which every run keeps ``actions``, given the rewards ``(B, m)`` holding
        them would earn: up to the start of the first later epoch whose decision switches in some run."""
        self._check_held(contexts, actions, rewards)
        m = rewards.shape[1]
        starts = self._epoch_ends(m)  # later epochs' first rounds (offsets) inside the window
        starts = starts[starts < m]
        if starts.size == 0:
            return m
        i = np.arange(1, starts.size + 1)  # regression updates before each of those decisions
        ends = torch.as_tensor(starts - 1, device=self.device)  # epochs' last rounds
        mean, quad, _ = repeated_arm(self.ridge, contexts, self.chosen(contexts, actions),
                                     torch.as_tensor(i, device=self.device, dtype=self.dtype),
                                     rewards.index_select(1, ends).cumsum(1))
        if self.theory:
            t = self.ridge.t + i if self.count == "epochs" else self.rounds + starts
            beta = torch.as_tensor(self.beta(t), device=self.device, dtype=self.dtype).unsqueeze(-1)
        else:
            beta = self.alpha
        p = first_switch(mean + beta * quad.sqrt(), actions)
        self._kept_until = self.rounds + (int(starts[p]) if p < starts.size else m)
        return self._kept_until - self.rounds

    def _epoch_ends(self, n: int) -> np.ndarray:
        """Offsets (from the current round) of the ends of the current epoch and of the following ones, up to
        the first end at or after ``n``."""
        ends = [self._hold.left]
        m = self.epoch
        while ends[-1] < n:
            lengths = epoch_length(np.arange(m + 1, m + 1 + n), self.rho_bar)
            ends.extend((ends[-1] + np.cumsum(lengths)).tolist())
            m += n
        ends = np.asarray(ends, dtype=np.int64)
        return ends[: int(np.searchsorted(ends, n)) + 1]

    def update_held(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        """Rewards ``(B, n)`` of ``n`` rounds of the held action: at most :meth:`hold_length` rounds, or as many as
        the last :meth:`keeps` allowed (then every epoch completed inside the block is one regression sample)."""
        check_shape("rewards", rewards, (self.n_runs, None))
        if self.validate:
            check_finite("rewards", rewards)
        n = rewards.shape[1]
        if n <= self._hold.left:
            self._advance(contexts, actions, rewards.select(1, -1), n)
            return
        if self.rounds + n > self._kept_until:
            raise RLKitError(f"updates must follow act() and cover at most the {self._hold.left} rounds left in the "
                             f"epoch (or the rounds keeps() allowed), got {n}")
        ends = self._epoch_ends(n)
        done = ends[ends <= n]  # epochs completed in the block (the first is the current one)
        samples = rewards.index_select(1, torch.as_tensor(done - 1, device=self.device))
        k = done.size
        self.ridge.update(self.chosen(contexts, actions), samples.mean(1), float(k), samples=k)
        started = int((ends < n).sum())  # epochs begun inside the block
        self.epoch += started
        self.rounds += n
        self._hold.start(int(ends[started]) - n)

    def _advance(self, contexts, actions, last_reward, n: int) -> None:
        done = self._hold.consume(n)
        self.rounds += n
        if done:
            self.ridge.update(self.chosen(contexts, actions), last_reward)
