"""AR2, "alternating and restarting" (Chen, Golrezaei, Bouneffouf, 2023, "Non-Stationary Bandits with
Auto-Regressive Temporal Dependency"), the autoregressive-bandit baseline of the dynamical linear bandit
paper (Mussi, Metelli, Restelli, ICML 2023, Sec. 6).

Arms' rewards are modelled as AR(1) processes with coefficient ``alpha``: an arm last seen at round ``tau``
with reward ``X`` is predicted to pay ``alpha^{t - tau} X`` at round ``t``. Time is cut into epochs of
``epoch`` rounds; each epoch restarts the estimates and begins by pulling every arm once. Then, per round:

* the *superior* arm ``i_sup`` is the better (by prediction) of the last two arms played;
* an arm ``j`` is *triggered* once its prediction gap to ``i_sup`` falls within its uncertainty,
  ``r_hat(i_sup) - r_hat(j) <= c1 sigma sqrt((alpha^2 - alpha^{2 (t - tau_j + 1)}) / (1 - alpha^2))``;
* on odd rounds the earliest-triggered arm is pulled, otherwise ``i_sup``; a pulled arm leaves the triggered set.

``theory=True`` takes the constants the dynamical-bandit authors used: ``epoch = ceil(K alpha^-3 sigma^-3)``,
``c1 = 24 c0`` with ``c0 = sqrt(4 log(1/(alpha sigma)) + 4 log(epoch) + 2 log(4 K))`` [check against the AR2
paper]; :meth:`for_env` sets ``alpha`` to the spectral radius of a dynamical linear bandit (the authors'
script took the largest complex eigenvalue) and ``sigma`` to its noise level.

Departures from the authors' script: triggered arms leave the set once pulled and the set is cleared at
each restart (their code never clears it); ties among earliest-triggered arms go to the lowest index (they
draw at random); the exploration phase predicts ``alpha^{t - tau} X`` like every other round.

Shapes: ``contexts: (B, K, d)`` (only ``K`` is used), ``actions: (B,)``, ``rewards: (B,)``.
"""

from __future__ import annotations

import math

import torch

from rlkit.bandits.base import BanditAgent
from rlkit.checks import RLKitError, check_int, check_open_unit, check_positive
from rlkit.registry import AGENTS


@AGENTS.register("AR2")
class AR2(BanditAgent):
    def __init__(self, n_runs: int, n_arms: int, dim: int, *, alpha: float, sigma: float, theory: bool = True,
                 epoch: int | None = None, c1: float | None = None, seed=0, device=None, dtype=None,
                 validate: bool = True):
        super().__init__(n_runs, n_arms, dim, seed=seed, device=device, dtype=dtype, validate=validate)
        self.alpha = check_open_unit("alpha", alpha)
        self.sigma = check_positive("sigma", sigma)
        K = self.n_arms
        if epoch is None or c1 is None:
            if not theory:
                raise RLKitError("epoch and c1 must be given when theory=False")
            ep = math.ceil(K * self.alpha**-3 * self.sigma**-3)
            c0 = math.sqrt(max(0.0, 4 * math.log(1 / (self.alpha * self.sigma)) + 4 * math.log(ep)
                               + 2 * math.log(4 * K)))
            epoch = ep if epoch is None else epoch
            c1 = 24 * c0 if c1 is None else c1
        self.epoch = check_int("epoch", min(int(epoch), 1 << 62), minimum=K)
        self.c1 = check_positive("c1", c1)
        kw = {"device": self.device, "dtype": self.dtype}
        self._arms = torch.arange(K, device=self.device)
        self._inf = torch.tensor(math.inf, **kw)
        self.est = torch.zeros(self.n_runs, K, **kw)
        self.tau = torch.zeros(self.n_runs, K, **kw)
        self.trig = torch.full((self.n_runs, K), math.inf, **kw)
        self.last = torch.zeros(self.n_runs, dtype=torch.long, device=self.device)
        self.last2 = self.last.clone()
        self.t = 0  # rounds played
        self._a2 = self.alpha**2

    @classmethod
    def for_env(cls, env, *, horizon, seed, device=None, dtype=None, **params):
        tp = env.theory_params()
        if "rho" in tp:
            params.setdefault("alpha", tp["rho"])
        if "sigma_state" in tp:
            params.setdefault("sigma", tp["sigma_state"])
        return super().for_env(env, horizon=horizon, seed=seed, device=device, dtype=dtype, **params)

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        self._check_contexts(contexts)
        t, K = self.t + 1, self.n_arms  # 1-based round
        k = self.t % self.epoch  # round inside the epoch
        if k == 0:
            self.trig.fill_(math.inf)
        if k < K:
            return self._arms[k].expand(self.n_runs)
        e_last = self.est.gather(-1, self.last.unsqueeze(-1))
        e_last2 = self.est.gather(-1, self.last2.unsqueeze(-1))
        sup = torch.where(e_last >= e_last2, self.last.unsqueeze(-1), self.last2.unsqueeze(-1))  # (B, 1)
        gap = self.est.gather(-1, sup) - self.est
        spread = (self._a2 - self._a2 ** (t - self.tau + 1)) / (1 - self._a2)
        width = self.c1 * self.sigma * spread.clamp_min(0).sqrt()
        new = (gap <= width) & (self._arms != sup) & torch.isinf(self.trig)
        self.trig = torch.where(new, float(t), self.trig)
        earliest = self.trig.argmin(-1)
        action = sup.squeeze(-1)
        if t % 2 == 1:
            action = torch.where(torch.isfinite(self.trig).any(-1), earliest, action)
        self.trig.scatter_(-1, action.unsqueeze(-1), self._inf.expand(self.n_runs, 1))
        return action

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        self._check_update(contexts, actions, rewards)
        self.t += 1
        self.est.mul_(self.alpha)
        self.est.scatter_(-1, actions.unsqueeze(-1), (self.alpha * rewards).unsqueeze(-1))
        self.tau.scatter_(-1, actions.unsqueeze(-1), torch.full_like(rewards, float(self.t)).unsqueeze(-1))
        self.last2, self.last = self.last, actions
