"""Pessimistic value iteration with linear function approximation: the backward induction written once.

Every offline algorithm of rlkit (PEVI, R2PVI, DRPVI, DRVI-L) is the same loop; they
differ only in how the next-step value ``V_{h+1}(s'_tau)`` is turned into the weight vector of ``Q_h``
(:meth:`LinearVI.target`) and in the penalty's form. For ``h = H .. 1`` (0-based ``H-1 .. 0`` in code):

1. ``Lambda_h = sum_tau phi_tau phi_tau^T + gamma I`` through :class:`rlkit.core.linalg.Covariance` (a rank-N
   update, refreshed exactly when ``N >= d``), and ``M_h = Lambda_h^{-1} Phi_h^T: (R, d, N)``, so that the
   ridge estimate of ``E_{mu_h} g(V)`` is ``M_h g(V)``;
2. ``V_{h+1}(s'_tau) = max_a Q_{h+1}(s'_tau, a)`` from the already fitted step (``0`` after the last step);
3. ``w_h = theta_h + target(M_h, V_{h+1})`` where ``theta_h`` is the known reward parameter when the
   environment gives one (``env.theta``), else its ridge estimate ``M_h r_h``;
4. ``Q_h(s, a) = clip(<phi(s, a), w_h> - Gamma_h(s, a), 0, H - h + 1)`` and ``pi_h = argmax_a Q_h``;
   actions whose value is known in closed form (stopping actions, ``env.stop_reward``) take that value.

Penalties ``Gamma_h(s, a)``:
    ``"paper"``       ``beta sum_i phi_i sqrt((Lambda_h^{-1})_ii)``  (d-rectangular, R2PVI/DRPVI papers)
    ``"l2"``          ``beta sqrt(sum_i phi_i^2 (Lambda_h^{-1})_ii)``  (the authors' code; never larger)
    ``"elliptical"``  ``beta sqrt(phi^T Lambda_h^{-1} phi)``  (PEVI, Jin et al. 2021)

Everything is batched over a leading replication axis ``R`` (the dataset's replications): one fit trains
``R`` independent agents as one tensor program. Shapes: ``w: (R, H, d)``; ``Q(obs: (R, *e), h) -> (R, *e, A)``.
"""

from __future__ import annotations

import torch

from rlkit.core.checks import (
    RLKitError,
    check_choice,
    check_finite,
    check_like,
    check_nonnegative,
    check_positive,
    env_placement,
    resolve_device_dtype,
)
from rlkit.core.linalg import Covariance

PENALTIES = ("paper", "l2", "elliptical")
BLOCK_ELEMENTS = 1 << 23  # features held at once while fitting (64 MB in float64)


class LinearPolicy:
    """The greedy policy of a fitted linear pessimistic Q: ``act(obs: (R, *e), h) -> (R, *e)`` long.

    ``w: (R, H, d)`` weights, ``Lambda_inv: (R, H, d, d)`` inverse Gram matrices, ``beta``, ``penalty``.
    """

    def __init__(self, env, w: torch.Tensor, Lambda_inv: torch.Tensor, beta: float, penalty: str):
        self.env = env
        self.w = w
        self.Lambda_inv = Lambda_inv
        self.beta = float(beta)
        self.penalty = penalty
        self.horizon = w.shape[1]

    @property
    def replications(self) -> int:
        return self.w.shape[0]

    def bonus(self, phi: torch.Tensor, h: int) -> torch.Tensor:
        """``Gamma_h``: ``phi: (R, *e, d) -> (R, *e)``."""
        R, d = phi.shape[0], phi.shape[-1]
        Li = self.Lambda_inv[:, h]
        if self.penalty == "elliptical":
            flat = phi.reshape(R, -1, d)
            return self.beta * ((flat @ Li) * flat).sum(-1).clamp_min(0.0).sqrt().reshape(phi.shape[:-1])
        diag = torch.diagonal(Li, dim1=-2, dim2=-1).reshape(R, *([1] * (phi.dim() - 2)), d)
        if self.penalty == "paper":
            return self.beta * (phi * diag.sqrt()).sum(-1)
        return self.beta * (phi * phi * diag).sum(-1).sqrt()

    def q_learned(self, phi: torch.Tensor, h: int) -> torch.Tensor:
        """``clip(<phi, w_h> - Gamma_h, 0, H - h + 1)`` for features ``phi: (R, *e, L, d)`` -> ``(R, *e, L)``."""
        R, d = phi.shape[0], phi.shape[-1]
        flat = phi.reshape(R, -1, d)
        if self.penalty == "paper":  # Gamma is linear in phi: <phi, w> - Gamma = <phi, w - beta sqrt(diag)>
            u = self.w[:, h] - self.beta * torch.diagonal(self.Lambda_inv[:, h], dim1=-2, dim2=-1).sqrt()
            q = (flat @ u.unsqueeze(-1)).reshape(phi.shape[:-1])
        else:
            q = (flat @ self.w[:, h].unsqueeze(-1)).reshape(phi.shape[:-1]) - self.bonus(phi, h)
        return q.clamp(0.0, float(self.horizon - h))

    def q_from_features(self, phi: torch.Tensor, stop: torch.Tensor, h: int) -> torch.Tensor:
        """``Q_h`` from the learned actions' features ``phi: (R, *e, L, d)`` and stop values ``stop: (R, *e, A)``."""
        q = self.q_learned(phi, h)
        learned = self.env.learned_actions
        if learned is None:
            return torch.where(torch.isnan(stop), q, stop)
        out = stop.clone()
        out[..., learned] = torch.where(torch.isnan(stop[..., learned]), q, stop[..., learned])
        return out

    def features(self, obs: torch.Tensor) -> torch.Tensor:
        """Features of the learned actions at ``obs``: ``(R, *e, L, d)``."""
        return self.env.phi_learned(obs)

    def q_values(self, obs: torch.Tensor, h: int) -> torch.Tensor:
        """``Q_h(obs, a)`` for every action: ``(R, *e, A)``."""
        return self.q_from_features(self.features(obs), self.env.stop_reward(obs), h)

    def value(self, obs: torch.Tensor, h: int) -> torch.Tensor:
        return self.q_values(obs, h).max(-1).values

    def act(self, obs: torch.Tensor, h: int) -> torch.Tensor:
        return self.q_values(obs, h).argmax(-1)


class LinearVI:
    """Base class of the linear offline agents: pessimistic value iteration over every replication at once.

    ``fit(dataset) -> LinearPolicy``: backward induction on a :class:`rlkit.envs.Dataset` of ``R`` replications
    (features ``(R, N, d)`` per step), returning the greedy policy of every replication; subclasses implement
    :meth:`target` (the plain or robust estimate of ``E V_{h+1}``) and may set ``beta``.

    Parameters
    ----------
    beta : float, default 1.0
        Penalty multiplier (``theory=True`` agents compute it from the paper at ``fit`` time).
    gamma : float, default 1.0
        Ridge parameter of ``Lambda_h = sum phi phi^T + gamma I`` (the papers' ``lambda`` of the Gram matrix).
    penalty : str, default None
        ``"paper"``, ``"l2"`` or ``"elliptical"`` (see the module docstring); ``None``: the class's default.
    theory : bool, default False
        Use the paper's ``beta`` (:meth:`theory_beta`) instead of the given one.
    delta : float, default 0.05
        Confidence level of the theory ``beta``.
    reward : str, default "known"
        ``"known"`` uses the environment's reward parameter ``theta_h`` where it gives one (as the authors' code
        does for the robust methods); ``"regress"`` always regresses the observed rewards (the authors' PEVI, and
        Jin et al.'s Algorithm 2).
    device : torch.device or str, default None
        Where the fit runs (``None``: the CPU).
    dtype : torch.dtype, default None
        The working dtype (``None``: float64).
    validate : bool, default True
        Check that the dataset's rewards are finite before fitting (one host read per ``fit``).
    """

    default_penalty = "paper"

    def __init__(self, *, beta: float = 1.0, gamma: float = 1.0, penalty: str | None = None, theory: bool = False,
                 delta: float = 0.05, reward: str = "known", device=None, dtype=None, validate: bool = True):
        self.beta = check_nonnegative("beta", beta)
        self.gamma = check_positive("gamma", gamma)
        self.penalty = check_choice("penalty", penalty or self.default_penalty, PENALTIES)
        self.theory = bool(theory)
        self.delta = check_positive("delta", delta)
        self.reward = check_choice("reward", reward, ("known", "regress"))
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        self.validate = bool(validate)

    @classmethod
    def for_env(cls, env=None, *, beta: float = 1.0, gamma: float = 1.0, penalty: str | None = None,
                theory: bool = False, delta: float = 0.05, reward: str = "known", device=None, dtype=None, **params):
        """Build the agent (the experiment runner's entry point): placed on ``env``'s device and dtype unless
        ``device``/``dtype`` are given; offline agents read nothing else from ``env`` (the data come to ``fit``).

        Its signature lists the parameters every linear offline agent accepts, beside the subclass's own.
        """
        return cls(beta=beta, gamma=gamma, penalty=penalty, theory=theory, delta=delta, reward=reward,
                   **env_placement(env, device, dtype), **params)

    # ------------------------------------------------------------ hooks
    def target(self, M: torch.Tensor, V: torch.Tensor, v_min: torch.Tensor, h: int, H: int) -> torch.Tensor:
        """Robust (or plain) estimate of ``E_{mu_h,i} V_{h+1}`` for every factor ``i``: ``(R, d)``.

        ``M: (R, d, N)`` ridge weights, ``V: (R, N)`` next values, ``v_min: (R,)`` = ``min_s V_{h+1}(s)`` over
        the observed next states and the environment's probe states.
        """
        raise NotImplementedError

    def theory_beta(self, d: int, H: int, K: int) -> float:  # pragma: no cover - per algorithm
        raise NotImplementedError

    # ------------------------------------------------------------ fit
    def fit(self, dataset) -> LinearPolicy:
        """Backward induction on ``dataset`` (all its replications at once); returns the greedy policy.

        What depends on the data only (features, ``Lambda_h``, ``M_h``) is computed for blocks of steps at
        once, within a memory budget; only the dual step runs per step.
        """
        if not all(hasattr(dataset, k) for k in ("states", "actions", "rewards", "env")):
            raise RLKitError(f"dataset must be an rlkit.envs.Dataset (made by rlkit.envs.collect), got "
                             f"{type(dataset).__name__}")
        check_like("dataset.rewards", dataset.rewards, device=self.device)
        if self.validate:
            check_finite("dataset.rewards", dataset.rewards)
        env = dataset.env
        R, N, H = dataset.actions.shape
        d, A = env.dim, env.n_actions
        if H != env.horizon:
            raise RLKitError(f"dataset horizon ({H}) must equal the environment's horizon ({env.horizon})")
        beta = self.theory_beta(d, H, N) if self.theory else self.beta
        theta = env.theta if self.reward == "known" else None
        w = torch.zeros(R, H, d, dtype=self.dtype, device=self.device)
        Lambda_inv = torch.zeros(R, H, d, d, dtype=self.dtype, device=self.device)
        policy = LinearPolicy(env, w, Lambda_inv, beta, self.penalty)
        probes = env.probe_states()  # (P,): evaluated beside every step's next states for min_s V
        L = A if env.learned_actions is None else len(env.learned_actions)
        block = max(1, BLOCK_ELEMENTS // (R * N * (L + 2) * d))
        for top in range(H, 0, -block):
            steps = range(max(0, top - block), top)
            phi = dataset.features(steps).to(self.dtype)  # (R, nb, N, d)
            cov = Covariance(d, batch_shape=(R, len(steps)), lam=self.gamma, device=self.device, dtype=self.dtype)
            cov.update(phi)
            Lambda_inv[:, steps.start:steps.stop] = cov.inverse
            Ms = cov.inverse @ phi.transpose(-1, -2)  # (R, nb, d, N)
            if theta is not None:
                ths = theta[steps.start:steps.stop].to(self.dtype).expand(R, -1, -1)
            else:
                r = dataset.rewards[:, :, steps.start:steps.stop].transpose(1, 2).to(self.dtype)  # (R, nb, N)
                ths = (Ms @ r.unsqueeze(-1))[..., 0]
            nb = len(steps)
            nxt = dataset.states[:, :, steps.start + 1:steps.stop + 1]  # (R, N, nb)
            nxt = torch.cat([nxt, probes.to(nxt.dtype).reshape(1, -1, 1).expand(R, -1, nb)], 1).transpose(1, 2)
            nphi = policy.features(nxt).to(self.dtype)  # (R, nb, N + P, L, d)
            nstop = env.stop_reward(nxt).to(self.dtype)  # (R, nb, N + P, A)
            # stopping values, split once per block: of the learned actions (NaN where not stopping) and the
            # best of the others (always stopping actions)
            learned = env.learned_actions
            lstop = nstop if learned is None else nstop[..., learned]
            rest = [] if learned is None else [a for a in range(A) if a not in learned]
            best_rest = nstop[..., rest].amax(-1) if rest else None  # (R, nb, N + P)
            known = ~torch.isnan(lstop)
            any_known = bool(known.any())  # one host read per block
            for j in range(nb - 1, -1, -1):
                h = steps[j]
                if h == H - 1:
                    w[:, h] = ths[:, j]  # V_{H+1} = 0: every dual of the zero function is 0
                    continue
                q = policy.q_learned(nphi[:, j], h + 1)
                if any_known:
                    q = torch.where(known[:, j], lstop[:, j], q)
                V = q.max(-1).values  # (R, N + P)
                if best_rest is not None:
                    V = torch.maximum(V, best_rest[:, j])
                v_min = V.min(-1).values
                w[:, h] = ths[:, j] + self.target(Ms[:, j], V[:, :N], v_min, h, H)
        return policy
