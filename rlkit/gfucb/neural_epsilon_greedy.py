"""Neural epsilon-greedy and annealed epsilon-greedy: the baselines of the GFUCB figure (Lu, Zhao, Du, Huang 2022).

The figure's baselines are "Epsilon Greedy 1 task" and "Annealed Epsilon Greedy 1 task"; their network, epsilon and
schedule are not readable (the paper's body could not be read), so these are ours: the same network and refit
schedule as :class:`rlkit.gfucb.NeuralGFUCB` (:class:`rlkit.gfucb.multihead_net.NeuralMultitaskAgent`), and
each task plays ``argmax_x f_i(x)`` of its network's own head, except that with probability ``eps_t`` it plays a
uniformly random action. ``decay=False``: ``eps_t = epsilon``; ``decay=True`` (annealed): ``eps_t = min(1,
epsilon K / t)`` at round ``t`` (1-based), the schedule of :class:`rlkit.baselines.EpsilonGreedy` (Auer,
Cesa-Bianchi, Fischer 2002). ``group_size = 1`` (default here) is the figure's single-task learner.
Shapes: contexts ``(B, M, K, p)``, actions ``(B, M)``.
"""

from __future__ import annotations

import torch

from rlkit.core.checks import RLKitError
from rlkit.core.registry import AGENTS
from rlkit.gfucb.multihead_net import NeuralMultitaskAgent


@AGENTS.register()
class NeuralEpsilonGreedy(NeuralMultitaskAgent):
    """Epsilon-greedy (or annealed) on a neural multihead network (ours; see the module docstring).

    The paper's figure's baselines (single-task epsilon-greedy and annealed epsilon-greedy, ``group_size = 1``)
    with our network and schedules. ``act(contexts: (B, M, K, p)) -> (B, M)``.

    The shared parameters ``hidden``, ``rep_dim``, ``lr``, ``weight_decay``, ``refit_every``, ``refit_steps``,
    ``batch_size``, ``capacity`` are the network and its refits
    (:class:`rlkit.gfucb.multihead_net.NeuralMultitaskAgent`).

    The shared parameters ``n_runs``, ``n_tasks``, ``n_arms``, ``dim``, ``group_size``, ``seed``, ``device``,
    ``dtype``, ``validate`` are those of every multitask agent
    (:class:`rlkit.agents.multitask.MultitaskBanditAgent`); ``group_size = g`` shares the representation within
    groups of ``g`` tasks (``1``: independent learning).

    Parameters
    ----------
    epsilon : float, default 0.1
        Exploration probability (with ``decay=True`` the constant of ``eps_t = min(1, epsilon K / t)``).
    decay : bool, default False
        Anneal the exploration (the figure's "annealed epsilon-greedy").
    """

    def __init__(self, n_runs: int, n_tasks: int, n_arms: int, dim: int, *, epsilon: float = 0.1,
                 decay: bool = False, group_size: int | None = 1, hidden: int = 64, rep_dim: int = 8, lr: float = 0.01,
                 weight_decay: float = 0.0, refit_every: int = 5, refit_steps: int = 20,
                 batch_size: int = 128, capacity: int = 1024, seed=0, device=None, dtype=None, validate: bool = True):
        super().__init__(n_runs, n_tasks, n_arms, dim, group_size=group_size, hidden=hidden, rep_dim=rep_dim, lr=lr,
                         weight_decay=weight_decay, refit_every=refit_every,
                         refit_steps=refit_steps, batch_size=batch_size, capacity=capacity, seed=seed, device=device,
                         dtype=dtype, validate=validate)
        if not 0.0 <= float(epsilon) <= (float("inf") if decay else 1.0):
            raise RLKitError(f"epsilon must lie in [0, 1] (or be >= 0 with decay=True), got {epsilon!r}")
        self.epsilon = float(epsilon)
        self.decay = bool(decay)
        self._coins = self.rng.stream("explore")

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        self._check_contexts(contexts)
        k = contexts.shape[2]
        eps = min(1.0, self.epsilon * k / (self.t + 1)) if self.decay else self.epsilon
        u = self._coins.uniform(self.n_tasks, 2)  # (B, M, 2): explore coin, random action
        greedy = self.task_predictions(contexts).argmax(-1)
        random_arm = (u[..., 1] * k).long().clamp_max(k - 1)
        return torch.where(u[..., 0] < eps, random_arm, greedy)

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        self._store(contexts, actions, rewards)
