"""Negative-entropy FTRL over magnitude-reduced linear-Q loss estimates: **a reconstruction** of Algorithm 2 of
Dai, Luo, Wei, Zimmert (ICML 2023, "Refined Regret for Adversarial MDPs with Linear Function Approximation",
arXiv 2301.12942), built from the authors' talk slides; the paper's algorithm box could not be read.

What the slides give [S: slides 12-15 of the authors' ICML 2023 deck]: Algorithm 2 keeps the linear-Q pipeline of
Algorithm 1 (loss estimate, covariance ridge ``gamma``, bonus ``beta``) but runs FTRL with the **negative-entropy**
regulariser (no ``poly(A)`` factor) on loss estimates passed through the magnitude-reduced estimator

    Zhat = Z - (Z)_- + E[(Z)_-],     (Z)_- = min(Z, 0),

(:func:`rlkit.ftrl.magnitude_reduction.magnitude_reduced`) with ``E[Zhat] = E[Z]``, ``E[Zhat^2] <= 4 E[Z^2]`` and
``Zhat >= E[(Z)_-]``; it moves the estimate's range from ``[-1/gamma, 1/gamma]`` to ``[-gamma^{-1/2}, 1/gamma]``,
so the classical FTRL condition ``lhat >= -1/eta`` holds with ``eta = K^{-1/2}``, ``gamma = K^{-1}``; the same
``beta = eta = K^{-1/2}`` schedule gives ``Otilde(sqrt(d H^6 K))``. "``E[(Z)_-]`` is only calculable with simulators."

Not on the slides, so **chosen here [I]**, with the reasoning:

* **Which Z.** Per episode ``k``, layer ``h`` and every ``(s, a)``, the loss estimate is
  ``lhat_{k,h}(s, a) = x_{k,h}(s, a) L_{k,h}`` with the importance weight
  ``x_{k,h}(s, a) = phi(s, a)^T Sigma_plus_{k,h} phi(s_{k,h}, a_{k,h})`` and the observed loss-to-go
  ``L_{k,h} in [0, H]``. We take ``Z = x_{k,h}(s, a)`` (one variable per ``(h, s, a)``, the law over the episode's
  trajectory under ``pi_k``) and use ``lhat = Zhat L_{k,h}``. Reasons: (1) a loss-free simulator can compute the
  law of ``x`` (it depends only on ``pi_k``, the transitions and ``Sigma_plus``) but not that of ``x L`` (the loss
  of a simulated trajectory is never seen), and the slide says the expectation is computed with the simulator;
  (2) since ``L >= 0`` the negative part of ``lhat`` is the negative part of ``x`` times ``L``, so
  ``lhat >= H E[(x)_-] >= -H sqrt(E[x^2]) >= -H gamma^{-1/2}`` (``E[x^2] = phi^T Sigma_plus Sigma Sigma_plus phi
  <= 1/gamma`` for ``||phi|| <= 1`` and the exact ``Sigma_plus``): the slide's range ``[-gamma^{-1/2}, 1/gamma]``
  up to the factor ``H`` of the loss-to-go; (3) the truncation is per ``(s, a)``, as the brief of the slide ("applying
  the estimator to lhat") reads.
* **The price of that choice.** ``E[lhat] = E[x L] - Cov((x)_-, L)``: the expectation is kept exactly for the
  factor ``x`` and for ``lhat`` whenever ``(x)_-`` and ``L`` are uncorrelated (e.g. losses not depending on the
  visited features), otherwise a bias of at most ``H sqrt(Var((x)_-))`` per entry. The paper may truncate
  differently (it may, for instance, bound ``L`` by ``H`` inside the negative part); this is not known.
* **How E[(x)_-] is computed.** ``negative_samples`` fresh simulator roll-outs of ``pi_k`` from ``s_1`` (one
  simulator call per episode), ``x_m(s, a) = phi(s, a)^T Sigma_plus_h phi(s_h^m, a_h^m)`` for every ``(h, s, a)``
  at once and the mean of the negative parts (:func:`~rlkit.ftrl.magnitude_reduction.negative_part_mean`);
  ``negative_part="exact"`` sums over the exact occupancy of ``pi_k`` instead (an oracle for small instances and
  the tests, counted in the simulator's ``exact_calls``). The Monte Carlo mean makes ``Zhat >= E[(Z)_-]`` hold
  with the estimated mean in place of the exact one.

Everything else is :class:`~rlkit.ftrl.linear_q_po.LinearQPolicyOptimization` (covariance estimators, schedules,
the dilated bonus; see its docstring): ``pi_k(a | s) ~ exp(-eta sum_{tau < k} (lhat_tau - B_tau)(s, a))``.

Parameters (beside the base class's, whose defaults here are the slides' shared schedule for Algorithms 1 and 2,
``schedule="dai2023"``, with :class:`~rlkit.ftrl.ftrl_logbarrier.FTRLLogBarrier`'s ``gamma = 3 K^{-1}`` and
``beta = 0.03 K^{-1/2}`` but ``eta = 1 K^{-1/2}``: negative entropy needs ``eta |lhat| <= 1`` on the negative side,
``eta H gamma^{-1/2} <= 1``, i.e. an eta constant at most ``sqrt(3) / H = 0.87`` at ``H = 2``; Algorithm 1's 100
breaks it 115-fold and measured a near-linear regret, 1 gave slopes near sqrt(K): see
``experiments/ftrl_logbarrier_episodes_diagnostics.toml``):
``negative_part`` (``"mc"``, default, or ``"exact"``), ``negative_samples`` (default 64: roll-outs per episode for
``E[(x)_-]``).

Shapes: ``x, Zhat, lhat: (B, H, S, A)``; the rest as in :mod:`rlkit.ftrl.linear_q_po`.
Simulator cost per episode (per run): the covariance step's, ``negative_samples`` trajectories, and the bonus's.
"""

from __future__ import annotations

import inspect

import torch

from rlkit.core import dp
from rlkit.core.checks import check_choice, check_int
from rlkit.core.registry import AGENTS
from rlkit.ftrl.ftrl_logbarrier import FTRLLogBarrier
from rlkit.ftrl.linear_q_po import LinearQPolicyOptimization
from rlkit.ftrl.magnitude_reduction import magnitude_reduced, negative_part_mean


def importance_weights(phi: torch.Tensor, Sigma_plus: torch.Tensor, visited: torch.Tensor) -> torch.Tensor:
    """``x(s, a) = phi(s, a)^T Sigma_plus_h v`` for visited features ``v``: ``phi: (S, A, d)``,
    ``Sigma_plus: (B, H, d, d)``, ``visited: (B, H, d)`` or ``(B, M, H, d)`` -> ``(B, H, S, A)`` or
    ``(B, M, H, S, A)``."""
    single = visited.dim() == 3
    x = torch.einsum("sai,bhij,bmhj->bmhsa", phi, Sigma_plus, visited.unsqueeze(1) if single else visited)
    return x.squeeze(1) if single else x


def exact_negative_part(phi: torch.Tensor, Sigma_plus: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """``E[(x(s, a))_-]`` under the occupancy ``q: (B, H, S, A)`` of the visited pair: ``(B, H, S, A)``."""
    x = torch.einsum("sai,bhij,tcj->bhsatc", phi, Sigma_plus, phi)  # x for every visited (t, c)
    return (x.clamp_max(0) * q[:, :, None, None]).sum((-2, -1))


@AGENTS.register()
class MagnitudeReducedFTRL(LinearQPolicyOptimization):
    """Negative-entropy FTRL over magnitude-reduced linear-Q estimates (Dai et al. 2023, Alg. 2, reconstructed).

    **A reconstruction** of Algorithm 2 of Dai, Luo, Wei, Zimmert (ICML 2023, arXiv 2301.12942) from the authors'
    talk slides (the paper's algorithm box could not be read): the pipeline of
    :class:`~rlkit.ftrl.linear_q_po.LinearQPolicyOptimization` with the negative-entropy step,
    ``pi_k(a | s) ~ exp(-eta sum_{tau < k} (lhat_tau - B_tau)(s, a))``, on loss estimates passed through the
    magnitude-reduced estimator ``Zhat = Z - (Z)_- + E[(Z)_-]`` [S]. Chosen here [I], not on the slides: ``Z`` is
    the importance weight ``x_{k,h}(s, a) = phi(s, a)^T Sigma_plus_{k,h} phi(s_{k,h}, a_{k,h})`` and
    ``lhat = Zhat L_{k,h}`` (unbiased for ``x``, biased by ``-Cov((x)_-, L)`` for ``lhat``); ``E[(x)_-]`` by
    simulator Monte Carlo or the exact occupancy. The module docstring gives what the slides say, the choice of
    ``Z`` with its reasoning and its price.

    Shapes: ``x, Zhat, lhat`` and ``Q``: ``(B, H, S, A)``; the rest as in :mod:`rlkit.ftrl.linear_q_po`.

    The other parameters are the base class's (:class:`~rlkit.ftrl.linear_q_po.LinearQPolicyOptimization`, where
    each is described); the defaults of those given as ``None`` are this class's.

    Parameters
    ----------
    negative_part : {"mc", "exact"}, default "mc"
        How ``E[(x)_-]`` is computed: the mean over ``negative_samples`` fresh simulator roll-outs of ``pi_k``, or
        the exact occupancy of ``pi_k`` (an oracle for small instances and the tests).
    negative_samples : int, default 64
        Roll-outs per episode for the Monte Carlo ``E[(x)_-]``.
    schedule : str, default None
        ``None``: ``"dai2023"``, the slides' schedule shared by Algorithms 1 and 2,
        ``(eta, gamma, beta) ~ (K^{-1/2}, K^{-1}, K^{-1/2})`` [S].
    eta : float, default None
        ``None``: 1, i.e. ``1 K^{-1/2}``: negative entropy needs ``eta H gamma^{-1/2} <= 1``, an eta constant at
        most ``sqrt(3) / H``; Algorithm 1's 100 breaks it (see the module docstring).
    gamma : float, default None
        ``None``: 3, i.e. ``3 K^{-1}`` (:class:`~rlkit.ftrl.ftrl_logbarrier.FTRLLogBarrier`'s, tuned).
    beta : float, default None
        ``None``: 0.03, i.e. ``0.03 K^{-1/2}`` (:class:`~rlkit.ftrl.ftrl_logbarrier.FTRLLogBarrier`'s, tuned).
    """

    regulariser = "negentropy"
    paper = "Dai, Luo, Wei, Zimmert (2023)"
    defaults = {**FTRLLogBarrier.defaults, "eta": 1.0}

    def __init__(self, n_runs: int, n_states: int, n_actions: int, horizon: int, *, negative_part: str = "mc",
                 negative_samples: int = 64, **kwargs):
        super().__init__(n_runs, n_states, n_actions, horizon, **kwargs)
        self.negative_part = check_choice("negative_part", negative_part, ("mc", "exact"))
        self.negative_samples = check_int("negative_samples", negative_samples)
        self.Q = torch.zeros(self.n_runs, self.horizon, self.n_states, self.n_actions, device=self.device,
                             dtype=self.dtype)

    def cumulative_losses(self) -> torch.Tensor:
        """``sum_{tau < k} (lhat_tau - B_tau): (B, H, S, A)`` (the estimates are tables, not linear in phi)."""
        return self.Q - self.C

    def negative_part_mean(self, pi: torch.Tensor, Sigma_plus: torch.Tensor) -> torch.Tensor:
        """``E[(x_{k,h}(s, a))_-]: (B, H, S, A)`` under ``pi_k``: simulator roll-outs, or the exact occupancy."""
        if self.negative_part == "exact":
            P, mu = self.simulator.exact_model()
            return exact_negative_part(self.phi, Sigma_plus, dp.occupancy(P, pi, mu))
        states, actions = self.simulator.rollout(pi, self.negative_samples)  # (B, M, H)
        return negative_part_mean(importance_weights(self.phi, Sigma_plus, self.phi[states, actions]), dim=1)

    def end_episode(self) -> None:
        pi = self.policy()
        to_go = self._losses.flip(-1).cumsum(-1).flip(-1)  # L_{k,h}: (B, H)
        Sp = self.covariance_inverse(pi)
        x = importance_weights(self.phi, Sp, self._phi_taken)  # Z = x_{k,h}(s, a): (B, H, S, A)
        self.Q += magnitude_reduced(x, self.negative_part_mean(pi, Sp)) * to_go[..., None, None]
        self.add_bonus(pi, Sp)


def _signature_with_base(cls) -> inspect.Signature:
    """``cls.__init__``'s signature with the keyword parameters it forwards to the base class through ``**kwargs``
    (so a spec's ``[[agents]]`` table may give them: :func:`rlkit.core.registry.accepted_params` reads it)."""
    own = inspect.signature(cls.__init__)
    kept = [p for p in own.parameters.values() if p.kind != p.VAR_KEYWORD]
    names = {p.name for p in kept}
    base = [p for p in inspect.signature(LinearQPolicyOptimization.__init__).parameters.values()
            if p.kind == p.KEYWORD_ONLY and p.name not in names]
    rest = [p for p in own.parameters.values() if p.kind == p.VAR_KEYWORD]
    return own.replace(parameters=kept + base + rest)


MagnitudeReducedFTRL.__init__.__signature__ = _signature_with_base(MagnitudeReducedFTRL)
