"""Reward-free exploration on finite linear mixture MDPs: the agents' shared base class and planning mechanics.

A reward-free agent explores for ``K`` episodes without rewards (the episodic protocol of
:mod:`rlkit.agents.episodic`, feedback zero), then :meth:`RewardFreeAgent.plan` returns, for any batch of reward
functions, the policies it would output in the planning phase:

    plan(rewards: (R, H, S, A) or (B, R, H, S, A)) -> policies (B, R, H, S, A)   one-hot, greedy
    certificate() -> (B,) or None          a data-dependent bound on the suboptimality of every planned policy

Rewards must satisfy the horizon-free normalisation (Assumption 2.6.1 of W. Zhang's thesis): entries ``>= 0`` and
every trajectory's total ``<= 1``, checked exactly on the features' support (:meth:`MixtureFeatures.max_total`).

Shared mechanics, batched over any leading shape (runs, candidate rewards, moments):

* :func:`pair_tables`: per episode, the Gram matrices ``G(s, a)_{nm} = phi_n^T Sigma^{-1} phi_m`` of the (at most
  ``N``) next-state features of every pair and the predicted weights ``P_theta(next_n | s, a)``, so that
  ``||psi_V(s, a)||^2_{Sigma^{-1}} = v^T G(s, a) v`` and ``[P_theta V](s, a) = p^T v`` with ``v = V(next(s, a))``:
  a backup then costs ``O(N^2)`` per pair instead of ``O(N d + d^2)``.
* :func:`optimistic_plan`: the PLAN routine of the UCRL-RFE baselines (thesis Alg. 1),
  ``Q_h = [r_h + P_theta V_{h+1} + beta ||psi_{V_{h+1}}||_{Sigma^{-1}}]_{[0, cap]}``, greedy.
* :func:`max_uncertainty`: ``max_{f in {0,1}^S} ||psi_f(s, a)||_{Sigma^{-1}}`` and its maximiser, exactly, by
  enumerating the vertices of the box over the pair's support (a convex function of ``f`` attains its maximum
  over a box at a vertex; only the ``N`` supported next states matter).
* :func:`suboptimality`: the exact suboptimality ``V*_1(s_1; r) - V^pi_1(s_1; r)`` under the true model, by DP.
"""

from __future__ import annotations

import torch

from rlkit.agents.episodic import EpisodicAgent
from rlkit.core import dp
from rlkit.core.checks import RLKitError, check_int, check_open_unit, check_positive
from rlkit.envs.episodic.linear_mixture_features import MixtureFeatures

TOTAL_TOL = 1e-9
"""Slack on the trajectory-total check ``<= 1`` (float sums of ``H`` entries ``1/H``)."""


class RewardFreeAgent(EpisodicAgent):
    """Base class of reward-free exploration agents on finite linear mixture MDPs (features, planning API, checks).

    Explore with the episodic protocol of :class:`rlkit.agents.EpisodicAgent` (no rewards are observed), then
    ``plan(rewards: (B, R, H, S, A)) -> (B, R, H, S, A)`` policies, scored by :func:`suboptimality`.

    Parameters
    ----------
    n_runs, n_states, n_actions, horizon : int
        ``B``, ``S``, ``A``, ``H`` (see :class:`rlkit.agents.EpisodicAgent`).
    phi : tensor (S, A, S, d)
        The mixture features ``phi(s' | s, a)``, ``P(s' | s, a) = <phi(s' | s, a), theta*>`` (``for_env``: the
        environment's).
    start_state : int, default 0
        The fixed initial state ``s_1`` (``for_env``: the environment's).
    theta_bound : float, default 1.0
        ``B >= ||theta*||_2``, used by the theory radii (``for_env``: the environment's).
    **kwargs
        ``task_shape``, ``seed``, ``device``, ``dtype``, ``validate`` of :class:`rlkit.agents.EpisodicAgent`.
    """

    def __init__(self, n_runs: int, n_states: int, n_actions: int, horizon: int, *, phi, start_state: int = 0,
                 theta_bound: float = 1.0, **kwargs):
        super().__init__(n_runs, n_states, n_actions, horizon, **kwargs)
        self.features = MixtureFeatures(phi, self.device, self.dtype)
        if (self.features.n_states, self.features.n_actions) != (self.n_states, self.n_actions):
            raise RLKitError(f"phi must have shape (S, A, S, d) = ({self.n_states}, {self.n_actions}, "
                             f"{self.n_states}, d), got {tuple(self.features.phi.shape)}")
        self.dim = self.features.dim
        self.start_state = check_int("start_state", start_state, 0)
        if self.start_state >= self.n_states:
            raise RLKitError(f"start_state must be a state in [0, {self.n_states}), got {start_state}")
        self.theta_bound = check_positive("theta_bound", theta_bound)

    @classmethod
    def for_env(cls, env, *, episodes: int, seed, device=None, dtype=None, **params):
        """Read the features, start state and ``B`` from a :class:`rlkit.envs.LinearMixtureMDP`."""
        if not hasattr(env, "features") or not hasattr(env, "start_state"):
            raise RLKitError(f"{cls.__name__} needs a linear mixture MDP (features phi(s'|s, a) and a fixed start "
                             f"state); {type(env).__name__} has none")
        params.setdefault("phi", env.phi)
        params.setdefault("start_state", env.start_state)
        params.setdefault("theta_bound", env.theta_bound)
        return super().for_env(env, episodes=episodes, seed=seed, device=device, dtype=dtype, **params)

    def _radius_options(self, episodes, theory, beta, beta_scale, delta) -> None:
        """The radius options every reward-free agent shares: ``episodes`` (``K``), ``theory`` (the paper's radius
        times ``beta_scale``) or a constant ``beta`` (``theory=False``), and ``delta``."""
        self.episodes = check_int("episodes", episodes)
        self.theory = bool(theory)
        if self.theory and beta is not None:
            raise RLKitError(f"beta must be None when theory=True (the radius is the paper's, times beta_scale), "
                             f"got beta={beta!r}; pass theory=False to use a constant radius")
        if not self.theory and beta is None:
            raise RLKitError("theory=False needs a constant radius beta (e.g. beta=1.0)")
        self.beta_scale = check_positive("beta_scale", beta_scale)
        self.beta_const = None if beta is None else check_positive("beta", beta)
        self.delta = check_open_unit("delta", delta)

    # ------------------------------------------------------------ planning
    def plan(self, rewards: torch.Tensor) -> torch.Tensor:
        """Planning-phase policies for a batch of rewards: ``(R, H, S, A)`` or ``(B, R, H, S, A)`` ->
        ``(B, R, H, S, A)`` one-hot."""
        return self._plan(self.check_rewards(rewards))

    def certificate(self) -> torch.Tensor | None:
        """A bound on every planned policy's suboptimality, ``(B,)``, or ``None`` when the algorithm has none."""
        return None

    def default_metrics(self, env, k: int) -> dict[str, torch.Tensor]:
        """What :func:`rlkit.agents.run_episodes` records for this agent when it is given no ``metrics``: the
        planning family's suboptimality (:func:`planning_metrics`), so a reward-free run has its curve too."""
        return planning_metrics()(env, self, k)

    def diagnostics(self) -> dict[str, torch.Tensor]:
        """Per-run ``(B,)`` quantities an experiment records beside the suboptimality (default: none)."""
        return {}

    def _plan(self, rewards: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def check_rewards(self, rewards) -> torch.Tensor:
        """Rewards as ``(B, R, H, S, A)``: finite, ``>= 0``, and every trajectory's total ``<= 1``."""
        r = torch.as_tensor(rewards, device=self.device, dtype=self.dtype)
        tail = (self.horizon, self.n_states, self.n_actions)
        if r.dim() == 4 and tuple(r.shape[1:]) == tail:
            r = r.unsqueeze(0).expand(self.n_runs, *r.shape)
        if r.dim() != 5 or tuple(r.shape[2:]) != tail or r.shape[0] != self.n_runs:
            raise RLKitError(f"rewards must have shape (R, H, S, A) or (B, R, H, S, A) with (H, S, A) = {tail} and "
                             f"B = {self.n_runs}, got {tuple(r.shape)}")
        if not bool(torch.isfinite(r).all()) or not bool((r >= 0).all()):
            raise RLKitError(f"rewards must be finite and >= 0, got min {float(r.nan_to_num(-1.0).min()):.3g}")
        total = self.features.max_total(r, self.start_state)  # (B, R)
        if bool((total > 1.0 + TOTAL_TOL).any()):
            j = int((total > 1.0 + TOTAL_TOL).any(0).nonzero()[0])
            raise RLKitError(f"rewards[{j}] can total {float(total[:, j].max()):.4g} > 1 along a trajectory; "
                             "reward-free planning here assumes every trajectory's total reward is in [0, 1] "
                             "(Assumption 2.6.1): scale it down (e.g. by 1/H)")
        return r


# ---------------------------------------------------------------- mechanics
def pair_tables(features: MixtureFeatures, inverse: torch.Tensor, theta: torch.Tensor | None = None):
    """Per-pair Gram matrices of the next-state features and (optionally) predicted next-state weights.

    ``inverse: (*b, d, d)``, ``theta: (*b, d)`` -> ``G: (*b, S, A, N, N)`` with
    ``G_{nm} = phi_n^T inverse phi_m``, and ``p: (*b, S, A, N)`` with ``p_n = <phi_n, theta>`` (or ``None``).
    """
    F = features.next_phi  # (S, A, N, d)
    G = torch.einsum("sand,...de,same->...sanm", F, inverse, F)
    p = None if theta is None else torch.einsum("sand,...d->...san", F, theta)
    return G, p


def at_pairs(table: torch.Tensor, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """``table[b, s, a]`` per run: ``table: (B, S, A, *t)``, ``states, actions: (B, *p)`` (broadcast) ->
    ``(B, *p, *t)`` (one gather; faster than advanced indexing with three index tensors)."""
    B, S, A = table.shape[:3]
    tail = table.shape[3:]
    states, actions = torch.broadcast_tensors(states, actions)
    flat = (states * A + actions).reshape(B, -1)
    src = table.reshape(B, S * A, -1)
    out = torch.gather(src, 1, flat.unsqueeze(-1).expand(B, flat.shape[1], src.shape[-1]))
    return out.reshape(*states.shape, *tail)


def gather_next(V: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """``V(next_n)`` for a shared index table: ``V: (*b, S)``, ``idx: (*p, N)`` -> ``(*b, *p, N)``."""
    return V[..., idx]


def quad(v: torch.Tensor, G: torch.Tensor) -> torch.Tensor:
    """``v^T G v`` over the last axes: ``v: (..., N)``, ``G: (..., N, N)`` -> ``(...)`` (clamped at 0)."""
    return ((v.unsqueeze(-2) @ G).squeeze(-2) * v).sum(-1).clamp_min(0)


def optimistic_plan(features: MixtureFeatures, G: torch.Tensor, p: torch.Tensor, rewards: torch.Tensor, beta,
                    cap: float):
    """PLAN (thesis Alg. 1): ``Q_h = [r_h + p^T v + beta sqrt(v^T G v)]_{[0, cap]}``, ``v = V_{h+1}(next)``, greedy.

    ``G: (B, S, A, N, N)``, ``p: (B, S, A, N)``, ``rewards: (B, R, H, S, A)``; returns one-hot policies
    ``(B, R, H, S, A)`` and values ``V: (B, R, H + 1, S)``.
    """
    B, R, H, S, A = rewards.shape
    V = torch.zeros(B, R, H + 1, S, device=rewards.device, dtype=rewards.dtype)
    Q = torch.empty(B, R, H, S, A, device=rewards.device, dtype=rewards.dtype)
    G, p = G.unsqueeze(1), p.unsqueeze(1)  # runs, rewards
    idx = features.next_states  # (S, A, N)
    for h in range(H - 1, -1, -1):
        v = gather_next(V[:, :, h + 1], idx)  # (B, R, S, A, N)
        q = rewards[:, :, h] + (v * p).sum(-1) + beta * quad(v, G).sqrt()
        Q[:, :, h] = q.clamp(0.0, cap)
        V[:, :, h] = Q[:, :, h].amax(-1)
    return torch.nn.functional.one_hot(Q.argmax(-1), A).to(rewards.dtype), V


def vertex_table(width: int, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``2^N`` vertices of ``{0, 1}^N`` (``(2^N, N)``) and which are allowed for each pair
    (``(S, A, 2^N)``: no bit set on a padding slot)."""
    bits = ((torch.arange(2**width).unsqueeze(-1) >> torch.arange(width)) & 1).to(torch.bool)
    allowed = ~(bits.unsqueeze(0).unsqueeze(0) & ~valid.unsqueeze(-2)).any(-1)
    return bits, allowed


def max_uncertainty(G: torch.Tensor, bits: torch.Tensor, allowed: torch.Tensor):
    """``max_{f in {0,1}^S} ||psi_f(s, a)||_{Sigma^{-1}}`` for every pair, exactly (vertex enumeration).

    ``G: (*b, S, A, N, N)`` Gram tables, ``bits: (V, N)``, ``allowed: (S, A, V)``. Returns the maxima
    ``(*b, S, A)`` and the maximising vertex ``(*b, S, A, N)`` (0/1 per next-state slot).
    """
    f = bits.to(G.dtype)  # (V, N)
    q = torch.einsum("vn,...sanm,vm->...sav", f, G, f).clamp_min(0)
    q = q.masked_fill(~allowed, -1.0)
    arg = q.argmax(-1)  # (Tensor.max(dim) is far slower than argmax on CPU)
    best = q.gather(-1, arg.unsqueeze(-1)).squeeze(-1)
    return best.clamp_min(0).sqrt(), f[arg]


def capped_plan(P_theta: torch.Tensor, rewards: torch.Tensor):
    """Planning under a parameter: backward DP on ``P_theta`` with values capped to ``[0, 1]`` (thesis Alg. 4
    line 23, no bonus). ``P_theta: (B, S, A, S)``, ``rewards: (B, R, H, S, A)`` -> one-hot ``(B, R, H, S, A)``,
    ``Q: (B, R, H, S, A)``, ``V: (B, R, H + 1, S)``."""
    H = rewards.shape[-3]
    P = P_theta.unsqueeze(1).unsqueeze(2).expand(*P_theta.shape[:1], 1, H, *P_theta.shape[1:])
    return dp.optimal_policy(P, rewards, clip=(0.0, 1.0))


def suboptimality(env, policies: torch.Tensor, rewards: torch.Tensor) -> torch.Tensor:
    """Exact ``V*_1(s_1; r) - V^pi_1(s_1; r)`` under the environment's true model: ``policies, rewards:
    (B, R, H, S, A)`` -> ``(B, R)``."""
    P = env.transitions().unsqueeze(1)  # (B, 1, H, S, A, S)
    mu = env.initial_distribution()
    _, _, V_star = dp.optimal_policy(P, rewards)
    _, V_pi = dp.evaluate_policy(P, rewards, policies)
    return dp.initial_value(V_star, mu) - dp.initial_value(V_pi, mu)


def planning_metrics(random_rewards: int = 0):
    """The checkpoint metrics of reward-free exploration, as a ``metrics`` callback of
    :func:`rlkit.agents.run_episodes`: after episode ``k`` the agent plans (:meth:`RewardFreeAgent.plan`) for the
    environment's planning family (``env.planning_rewards(random_rewards)``: every sparse reward, the task reward
    and ``random_rewards`` random ones), and the callback returns ``(B,)`` curves: ``"suboptimality"`` (the worst
    over the family, the papers' metric), ``"suboptimality_task"`` (the task reward's) and the agent's
    :meth:`~RewardFreeAgent.diagnostics`. Suboptimalities are exact (:func:`suboptimality`)."""
    cache: dict[int, torch.Tensor] = {}

    def planning(env, agent, k):
        if id(env) not in cache:
            cache.clear()
            cache[id(env)] = env.planning_rewards(random_rewards)[0]
        rewards = cache[id(env)]
        sub = suboptimality(env, agent.plan(rewards), rewards)  # (B, R)
        return {"suboptimality": sub.amax(-1), "suboptimality_task": sub[:, env.n_states], **agent.diagnostics()}

    return planning
