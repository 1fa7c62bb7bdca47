"""LinUCB on every task's raw contexts, independently: the linear no-representation baseline of a multitask bandit.

:class:`rlkit.baselines.LinUCB` (Abbasi-Yadkori, Pal, Szepesvari 2011) with its ``B x M`` (run, task) pairs as
``B M`` independent runs: contexts ``(B, M, K, p)`` are played as ``(B M, K, p)``, so nothing is shared across
tasks and the reward is modelled as linear in the raw context (misspecified when the shared representation is not
linear). Every parameter is LinUCB's; run ``b``'s task ``i`` draws its streams from its own child of run ``b``'s
seed. A baseline of ours for the GFUCB experiments (not in the paper's figure).
"""

from __future__ import annotations

import numpy as np
import torch

from rlkit.agents.multitask import MultitaskBanditAgent
from rlkit.baselines.linucb import LinUCB
from rlkit.core.registry import AGENTS
from rlkit.core.seeding import as_sequences, child_sequence

_TASK_TAG = 0x7A5C0000  # spawn-key offset of a run's per-task children (distinct from the ENV/AGENT roles)


def task_sequences(seed, n_runs: int, n_tasks: int) -> list[np.random.SeedSequence]:
    """One SeedSequence per (run, task), run-major: the children of each run's sequence."""
    return [child_sequence(s, _TASK_TAG + i) for s in as_sequences(seed, n_runs) for i in range(n_tasks)]


@AGENTS.register()
class PerTaskLinUCB(MultitaskBanditAgent):
    """LinUCB run independently on each task's raw contexts (a baseline; see the module docstring).

    ``act(contexts: (B, M, K, p)) -> (B, M)``: OFUL per task on the raw ``p``-dimensional contexts, no shared
    representation.

    The shared parameters ``n_runs``, ``n_tasks``, ``n_arms``, ``dim``, ``group_size``, ``seed``, ``device``,
    ``dtype``, ``validate`` are those of every multitask agent
    (:class:`rlkit.agents.multitask.MultitaskBanditAgent`); ``group_size = g`` shares the representation within
    groups of ``g`` tasks (``1``: independent learning).

    Parameters
    ----------
    lam : float, default 1.0
        Ridge regularisation.
    theory : bool, default True
        OFUL's radius (Theorem 2 of Abbasi-Yadkori et al.); ``False``: the constant ``alpha``.
    alpha : float, default None
        Constant radius when ``theory=False`` (the figure's spec: 0.3).
    sigma : float, default 1.0
        Reward noise level in the theory radius (``for_env``: the environment's).
    S : float, default 1.0
        Bound on the heads' norms ``||theta_i||`` (``for_env``: the environment's).
    delta : float, default 0.01
        Confidence level of the theory radius.
    """

    def __init__(self, n_runs: int, n_tasks: int, n_arms: int, dim: int, *, lam: float = 1.0, theory: bool = True,
                 alpha: float | None = None, sigma: float = 1.0, S: float = 1.0, delta: float = 0.01, seed=0,
                 device=None, dtype=None, validate: bool = True):
        super().__init__(n_runs, n_tasks, n_arms, dim, group_size=1, seed=seed, device=device, dtype=dtype,
                         validate=validate)
        self.inner = LinUCB(self.n_runs * self.n_tasks, n_arms, dim, lam=lam, theory=theory, alpha=alpha, sigma=sigma,
                            S=S, delta=delta, seed=task_sequences(seed, self.n_runs, self.n_tasks), device=device,
                            dtype=dtype, validate=False)

    env_constants = ("sigma", "S")

    def act(self, contexts: torch.Tensor) -> torch.Tensor:
        self._check_contexts(contexts)
        return self.inner.act(contexts.reshape(-1, *contexts.shape[2:])).reshape(self.n_runs, self.n_tasks)

    def update(self, contexts: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        self._check_update(contexts, actions, rewards)
        self.inner.update(contexts.reshape(-1, *contexts.shape[2:]), actions.reshape(-1), rewards.reshape(-1))
