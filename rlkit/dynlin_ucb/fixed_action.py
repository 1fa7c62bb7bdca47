"""Constant-action baselines of the dynamical linear bandit experiments (Mussi, Metelli, Restelli, ICML 2023, Sec. 6).

* :class:`FixedArm` plays one arm index forever; ``Clairvoyant`` is the one that plays the optimal arm of the
  environment (``env.optimal_arm``: ``u* = argmax <h, u>`` for a dynamical linear bandit), the benchmark
  whose steady-state regret is zero.
* :class:`FixedAction` plays one action *vector* ``u: (d,)`` forever, which need not be in the learners'
  finite menu; ``Expert`` is the paper's human allocation, the advertisers' real spend shares capped per
  campaign (:func:`rlkit.envs.bandits.dynamical_linear_bandit.budget_allocation`), ``(0.003, 0.497, 1.0)``. Its
  actions are ``(B, d)`` vectors, which :class:`rlkit.envs.DynamicalLinearBandit` accepts.

Both never learn, and hold their action for the whole run (``hold_length`` is unbounded, so a rollout plays
them in long held blocks).
"""

from __future__ import annotations

import torch

from rlkit.agents.bandit import BanditAgent
from rlkit.core.checks import RLKitError, check_int, check_shape
from rlkit.core.registry import AGENTS

_FOREVER = 1 << 62


class _Constant(BanditAgent):
    """Base of the never-learning baselines: the action is held for the whole run."""

    def hold_length(self) -> int:
        return _FOREVER

    def update(self, contexts, actions, rewards) -> None:
        check_shape("rewards", rewards, (self.n_runs,))

    def update_held(self, contexts, actions, rewards) -> None:
        check_shape("rewards", rewards, (self.n_runs, None))


@AGENTS.register()
class FixedArm(_Constant):
    """One arm index played forever: ``act(contexts: (B, K, d)) -> (B,)`` all equal to ``arm``.

    A constant baseline of the dynamical linear bandit experiments (Mussi, Metelli, Restelli, ICML 2023, Sec. 6):
    it never learns (``update`` only checks ``rewards: (B,)``) and holds its arm for the whole run (``hold_length``
    unbounded, so a rollout plays it in long held blocks).

    The shared parameters ``n_runs``, ``n_arms``, ``dim``, ``seed``, ``device``, ``dtype``, ``validate`` are those
    of every bandit agent (:class:`rlkit.agents.BanditAgent`); ``for_env`` fills the sizes and placement.

    Parameters
    ----------
    arm : int
        The arm index played every round, in ``[0, K)``.
    """

    def __init__(self, n_runs: int, n_arms: int, dim: int, *, arm: int, seed=0, device=None, dtype=None,
                 validate: bool = True):
        super().__init__(n_runs, n_arms, dim, seed=seed, device=device, dtype=dtype, validate=validate)
        self.arm = check_int("arm", arm, minimum=0)
        if self.arm >= self.n_arms:
            raise RLKitError(f"arm must lie in [0, {self.n_arms}), got {self.arm}")
        self._actions = torch.full((self.n_runs,), self.arm, dtype=torch.long, device=self.device)

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        return self._actions


@AGENTS.register()
class Clairvoyant(FixedArm):
    """The optimal arm played forever (``env.optimal_arm``): the benchmark of zero steady-state regret.

    The clairvoyant benchmark of the dynamical linear bandit experiments (Mussi, Metelli, Restelli, ICML 2023,
    Sec. 6): :class:`FixedArm` with the environment's optimal arm, ``u* = argmax <h, u>`` over the menu for a
    dynamical linear bandit (the steady-state reward). ``act(contexts: (B, K, d)) -> (B,)``; never learns.

    The shared parameters ``n_runs``, ``n_arms``, ``dim``, ``seed``, ``device``, ``dtype``, ``validate`` are those
    of every bandit agent (:class:`rlkit.agents.BanditAgent`); ``for_env`` fills the sizes and placement.

    Parameters
    ----------
    arm : int
        The arm played, in ``[0, K)`` (``for_env``: ``env.optimal_arm``; an environment without one is refused).
    """

    @classmethod
    def for_env(cls, env, *, rounds, seed, device=None, dtype=None, **params):
        if not hasattr(env, "optimal_arm"):
            raise RLKitError(f"Clairvoyant needs an environment with an optimal_arm, got {type(env).__name__}")
        params.setdefault("arm", env.optimal_arm)
        return super().for_env(env, rounds=rounds, seed=seed, device=device, dtype=dtype, **params)


@AGENTS.register()
class FixedAction(_Constant):
    """One action vector ``u: (d,)`` played forever, inside or outside the arms' menu: ``act -> (B, d)``.

    A constant baseline of the dynamical linear bandit experiments (Mussi, Metelli, Restelli, ICML 2023, Sec. 6).
    Its actions are vectors ``(B, d)``, not arm indices, which :class:`rlkit.envs.DynamicalLinearBandit` accepts;
    it never learns and holds its action for the whole run.

    The shared parameters ``n_runs``, ``n_arms``, ``dim``, ``seed``, ``device``, ``dtype``, ``validate`` are those
    of every bandit agent (:class:`rlkit.agents.BanditAgent`); ``for_env`` fills the sizes and placement.

    Parameters
    ----------
    action : array-like of shape (d,)
        The action vector ``u`` played every round (need not be one of the menu's arms).
    """

    def __init__(self, n_runs: int, n_arms: int, dim: int, *, action, seed=0, device=None, dtype=None,
                 validate: bool = True):
        super().__init__(n_runs, n_arms, dim, seed=seed, device=device, dtype=dtype, validate=validate)
        u = torch.as_tensor(action, device=self.device, dtype=self.dtype)
        check_shape("action", u, (self.dim,))
        self.action = u
        self._actions = u.expand(self.n_runs, -1)

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        """Action vectors ``(B, d)``."""
        return self._actions


@AGENTS.register()
class Expert(FixedAction):
    """The human expert of the DLB advertising experiment: real spend shares, capped (Mussi et al. 2023, Sec. 6).

    Plays ``budget_allocation(spend, total, cap)``
    (:func:`rlkit.envs.bandits.dynamical_linear_bandit.budget_allocation`:
    the shares of ``spend``, each capped at ``cap / total`` with the excess spread over the uncapped ones in
    proportion, times ``total``), ``(0.003, 0.497, 1.0)`` for the advertisers' data; ``act -> (B, d)``. A
    :class:`FixedAction`: never learns, holds its action for the whole run.

    The shared parameters ``n_runs``, ``n_arms``, ``dim``, ``seed``, ``device``, ``dtype``, ``validate`` are those
    of every bandit agent (:class:`rlkit.agents.BanditAgent`); ``for_env`` fills the sizes and placement.

    Parameters
    ----------
    spend : array-like of shape (d,), default None
        Observed spend per campaign, non-negative with a positive sum (``None``: the advertisers' real spend,
        ``ADVERTISING_EXPERT_SPEND``).
    total : float, default 1.5
        Total budget the shares are scaled to.
    cap : float, default 1.0
        Cap on each campaign's allocation.
    action : array-like of shape (d,), default None
        An action vector played instead of the allocation (``None``: ``budget_allocation(spend, total, cap)``;
        given, ``spend``, ``total`` and ``cap`` are ignored).
    """

    def __init__(self, n_runs: int, n_arms: int, dim: int, *, spend=None, total: float = 1.5, cap: float = 1.0,
                 action=None, seed=0, device=None, dtype=None, validate: bool = True):
        from rlkit.envs.bandits.dynamical_linear_bandit import ADVERTISING_EXPERT_SPEND, budget_allocation

        if action is None:
            action = budget_allocation(ADVERTISING_EXPERT_SPEND if spend is None else spend, total, cap)
        super().__init__(n_runs, n_arms, dim, action=action, seed=seed, device=device, dtype=dtype, validate=validate)
