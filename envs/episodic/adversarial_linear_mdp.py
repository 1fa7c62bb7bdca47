"""Layered episodic MDP with linear features and an oblivious adversary's linear losses (batched over runs).

The instance of each run (our construction [I]; the papers it serves have no experiments):

* ``H`` layers of ``n = n_states`` states each (states are per-layer indices ``0 .. n-1``, the layer is the
  step ``h``), ``A`` actions, start state ``0`` (``start = "single"``) or a uniformly drawn layer-0 state
  (``start = "uniform"``: the contexts of a contextual bandit).
* Features ``phi(s, a)`` in ``R^d`` on the probability simplex (``phi >= 0``, ``sum_i phi_i = 1``, so
  ``||phi||_2 <= 1``): ``Dirichlet(feature_alpha 1_d)`` draws, or one-hot ``e_(s, a)`` (``d = n A``) in the
  tabular preset. Shared by all layers and all runs (drawn from ``feature_seed``): ``phi: (S, A, d)``.
* Transitions linear in the features, ``P_h(s' | s, a) = sum_i phi_i(s, a) nu_{h, i}(s')`` with next-layer
  measures ``nu_{h, i} ~ Dirichlet(transition_alpha 1_n)``: a linear MDP (Jin et al. 2020), hence also
  linear-Q: ``Q^pi_h(s, a) = phi(s, a)^T (g_{k, h} + sum_{s'} nu_h(s') V^pi_{h+1}(s'))`` for every policy.
* Losses ``l_{k, h}(s, a) = <phi(s, a), g_{k, h}>`` with ``g_{k, h} in [0, 1]^d``, so ``l in [0, 1]``. The
  adversary is **oblivious**: ``g_{k, h}`` depends only on ``k`` and the run's environment seed, never on the
  learner. It cycles through ``n_phases`` phase means ``m_{j, h} ~ U[loss_low, loss_high]^d`` (drawn with the
  instance), each held for ``phase_length`` episodes, ``j = (k // phase_length) mod n_phases``
  (``adversary = "switching"``; ``"stochastic"`` is one phase); ``loss_noise = "bernoulli"`` draws
  ``g_{k, h, i} ~ Bernoulli(m_{j, h, i})`` afresh every episode from the environment's loss stream,
  ``"none"`` plays the phase mean itself.

Presets: ``"general"`` (Dirichlet features, single start), ``"tabular"`` (one-hot features, ``d = n A``: the
tabular adversarial MDP), ``"contextual_bandit"`` (``H = 1``, ``start = "uniform"``: an adversarial linear
contextual bandit with ``n`` contexts and ``A`` arms).

The learner observes ``l_{k, h}(s_h, a_h)`` along its trajectory (bandit feedback; ``objective = "loss"``). It may
know what the theory assumes known: ``phi``, ``H``, ``A`` (``theory_params``). The exact model
(``transitions()``, ``initial_distribution()`` and ``objective_table()`` = the current episode's losses
``(B, H, S, A)``) is for the evaluator (:func:`rlkit.agents.episode_loop.run_episodes`: regret against the best fixed
policy in hindsight by dynamic programming on the summed losses) and for :class:`rlkit.ftrl.simulator.Simulator`,
which hands trajectories, never losses, to algorithms.

Shapes: ``phi: (S, A, d)``, ``P: (B, H, S, A, S)``, phase means ``(B, n_phases, H, d)``, losses ``(B, H, S, A)``.
"""

from __future__ import annotations

import numpy as np
import torch

from rlkit.core.checks import RLKitError, check_choice, check_int, check_positive
from rlkit.core.seeding import BatchRNG
from rlkit.core.tables import sa_values
from rlkit.envs.episodic.base import FiniteEpisodicEnv, SingleEpisodicEnv

PRESETS = {
    "general": {"features": "dirichlet", "start": "single", "horizon": 3},
    "tabular": {"features": "one_hot", "start": "single", "horizon": 3},
    "contextual_bandit": {"features": "dirichlet", "start": "uniform", "horizon": 1},
}


class AdversarialLinearMDP(FiniteEpisodicEnv):
    """Batched layered linear MDP with an oblivious adversary's linear losses in ``[0, 1]`` (module docstring)."""

    objective = "loss"

    def __init__(self, num_envs: int = 1, n_states: int = 4, n_actions: int = 3, horizon: int | None = None,
                 dim: int = 4, preset: str = "general", adversary: str = "switching", n_phases: int = 4,
                 phase_length: int = 1000, loss_noise: str = "bernoulli", loss_low: float = 0.0,
                 loss_high: float = 1.0, feature_alpha: float = 1.0, transition_alpha: float = 1.0,
                 feature_seed: int = 0, instance_seed: int | None = None, device=None, dtype=None):
        self.preset = check_choice("preset", preset, tuple(PRESETS))
        cfg = PRESETS[self.preset]
        if horizon is None:
            horizon = cfg["horizon"]
        if self.preset == "contextual_bandit" and horizon != 1:
            raise RLKitError(f"horizon must be 1 in the contextual_bandit preset, got {horizon}")
        super().__init__(num_envs, n_states, n_actions, horizon, device=device, dtype=dtype)
        self.features, self.start = cfg["features"], cfg["start"]
        self.adversary = check_choice("adversary", adversary, ("switching", "stochastic"))
        self.n_phases = 1 if self.adversary == "stochastic" else check_int("n_phases", n_phases)
        self.phase_length = check_int("phase_length", phase_length)
        self.loss_noise = check_choice("loss_noise", loss_noise, ("bernoulli", "none"))
        for name, v in (("loss_low", loss_low), ("loss_high", loss_high)):
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0.0 <= float(v) <= 1.0:
                raise RLKitError(f"{name} must be a number in [0, 1] (losses lie in [0, 1]), got {v!r}")
        if float(loss_low) > float(loss_high):
            raise RLKitError(f"loss_low must be <= loss_high, got {loss_low} > {loss_high}")
        self.loss_low, self.loss_high = float(loss_low), float(loss_high)
        self.feature_alpha = check_positive("feature_alpha", feature_alpha)
        self.transition_alpha = check_positive("transition_alpha", transition_alpha)
        self.instance_seed = instance_seed
        self.feature_seed = check_int("feature_seed", feature_seed, 0)
        S, A = self.n_states, self.n_actions
        self.dim = S * A if self.features == "one_hot" else check_int("dim", dim)
        self.phi: torch.Tensor = torch.eye(S * A, device=self.device, dtype=self.dtype).reshape(S, A, S * A) \
            if self.features == "one_hot" else self._dirichlet_features()

    def _dirichlet_features(self) -> torch.Tensor:
        # The features are known to the learner before the first episode (agents read them at construction), so
        # they are fixed by feature_seed, not by the run seed: every run shares phi; transitions and losses vary.
        g = np.random.default_rng(np.random.SeedSequence([self.feature_seed, 17]))
        phi = g.dirichlet(np.full(self.dim, self.feature_alpha), size=(self.n_states, self.n_actions))
        return torch.as_tensor(phi, device=self.device, dtype=self.dtype)

    # ------------------------------------------------------------ instance
    def _sample_instance(self, rng: BatchRNG) -> None:
        H, S, d, J = self.horizon, self.n_states, self.dim, self.n_phases
        gens = [np.random.default_rng(np.random.SeedSequence(int(self.instance_seed)))] \
            if self.instance_seed is not None else rng.numpy_generators("mdp")
        nu = np.stack([g.dirichlet(np.full(S, self.transition_alpha), size=(H, d)) for g in gens])  # (B, H, d, S)
        means = np.stack([g.uniform(self.loss_low, self.loss_high, size=(J, H, d)) for g in gens])
        if len(gens) == 1:  # one instance shared by every run (instance_seed)
            nu, means = nu.repeat(self.num_envs, 0), means.repeat(self.num_envs, 0)
        to = dict(device=self.device, dtype=self.dtype)
        self.nu = torch.as_tensor(nu, **to)
        self._P = torch.einsum("sai,bhit->bhsat", self.phi, self.nu).contiguous()  # (B, H, S, A, S)
        self.phase_means = torch.as_tensor(means, **to)  # (B, J, H, d)
        self._mu = torch.zeros(S, **to)
        if self.start == "single":
            self._mu[0] = 1.0
        else:
            self._mu[:] = 1.0 / S
        self._loss_rng = self.rng.stream("losses")
        self._g: torch.Tensor | None = None
        self._losses: torch.Tensor | None = None

    def _begin_episode(self, k: int) -> None:
        mean = self.phase_means[:, (k // self.phase_length) % self.n_phases]  # (B, H, d)
        # One draw per episode whatever the noise model, so the loss stream is the same for every setting.
        u = self._loss_rng.uniform(self.horizon, self.dim)
        self._g = (u < mean).to(self.dtype) if self.loss_noise == "bernoulli" else mean
        # phi sums to one, so the loss lies in [0, 1] up to rounding, which the clamp removes
        self._losses = torch.einsum("sai,bhi->bhsa", self.phi, self._g).clamp_(0.0, 1.0)  # (B, H, S, A)

    # ------------------------------------------------------------ model
    def transitions(self) -> torch.Tensor:
        return self._P

    def initial_distribution(self) -> torch.Tensor:
        return self._mu

    def objective_table(self) -> torch.Tensor:
        """The current episode's losses ``l_k: (B, H, S, A)``, in ``[0, 1]``."""
        return self._losses

    def loss_vectors(self) -> torch.Tensor:
        """The current episode's adversary vectors ``g_k: (B, H, d)`` (evaluator and tests only)."""
        return self._g

    def _feedback(self, states, actions, h):
        loss = sa_values(self._losses[:, h], states, actions)
        return loss, {"expected_loss": loss}

    def theory_params(self) -> dict:
        return {**super().theory_params(), "d": self.dim}


class AdversarialLinearMDPEnv(SingleEpisodicEnv):
    """Single-instance ``gymnasium.make("rlkit/AdversarialLinearMDP-v0")`` (reward = minus the loss)."""

    batched_class = AdversarialLinearMDP
