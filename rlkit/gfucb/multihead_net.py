"""Shared-trunk, multi-head MLPs for many independent learners at once, and the neural multitask agent base.

:class:`MultiheadNets` holds ``N`` independent networks (one per run and task group) as stacked weight tensors
and runs them with grouped matmuls (``torch.baddbmm``), so a batch of runs trains and predicts as one tensor
program: no Python loop over runs or tasks. Network ``n`` has a trunk ``phi_n(x) = tanh(W2 relu(W1 x + b1) +
b2) in [-1, 1]^k`` and ``g`` linear heads ``f_{n,i}(x) = <phi_n(x), w_{n,i}>``, fitted to the pooled squared
loss of its ``g`` tasks by Adam on minibatches sampled uniformly from its data. Weights: ``W1 (N, p, h)``,
``b1 (N, 1, h)``, ``W2 (N, h, k)``, ``b2 (N, 1, k)``, heads ``(N, g, k)``, each initialised as
``torch.nn.Linear`` initialises its weight and bias: uniform on ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``.

:class:`NeuralMultitaskAgent` is the part every neural multitask agent shares: the data buffer
``X: (B, M, cap, p)``, ``Y: (B, M, cap)``, one network per (run, group of ``group_size`` tasks), and the refit
schedule (warm-started: ``refit_steps`` Adam steps every ``refit_every`` rounds). Training runs under
``torch.inference_mode(False)`` with gradients on, so the agent also works inside the runner's inference mode.
"""

from __future__ import annotations

import math

import torch

from rlkit.agents.multitask import MultitaskBanditAgent
from rlkit.core.checks import check_int, check_nonnegative, check_positive
from rlkit.core.seeding import setup_uniform


class MultiheadNets:
    """``n_runs * n_groups`` independent trunk + ``n_heads`` head networks, batched (see the module docstring)."""

    def __init__(self, uniform, n_runs: int, n_groups: int, n_heads: int, dim: int, hidden: int, rep_dim: int, *,
                 lr: float, weight_decay: float = 0.0, device=None, dtype=torch.float64):
        self.n_nets, self.n_heads, self.rep_dim = n_runs * n_groups, n_heads, rep_dim
        N, p, h, k = self.n_nets, dim, hidden, rep_dim

        def draw(*shape, fan_in):  # uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), as torch.nn.Linear
            return ((2.0 * uniform(n_groups, *shape) - 1.0) / math.sqrt(fan_in)).reshape(N, *shape).to(device, dtype)

        with torch.inference_mode(False):
            self.params = {
                "W1": draw(p, h, fan_in=p),
                "b1": draw(1, h, fan_in=p),
                "W2": draw(h, k, fan_in=h),
                "b2": draw(1, k, fan_in=h),
                "heads": draw(n_heads, k, fan_in=k),
            }
            for v in self.params.values():
                v.requires_grad_(True)
            self.optimizer = torch.optim.Adam(list(self.params.values()), lr=lr, weight_decay=weight_decay)
        self._nets = torch.arange(N, device=device).unsqueeze(-1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Trunk features ``(N, n, p) -> (N, n, k)``."""
        P = self.params
        hidden = torch.relu(torch.baddbmm(P["b1"], x, P["W1"]))
        return torch.tanh(torch.baddbmm(P["b2"], hidden, P["W2"]))

    def heads(self) -> torch.Tensor:
        """Head weights ``(N, g, k)`` (detached)."""
        return self.params["heads"].detach()

    def loss(self, x: torch.Tensor, task: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Sum over networks of each network's mean squared error on ``x: (N, n, p)``, ``task, y: (N, n)``."""
        w = self.params["heads"].gather(1, task.unsqueeze(-1).expand(-1, -1, self.rep_dim))  # (N, n, k)
        pred = (self.features(x) * w).sum(-1)
        return (pred - y).pow(2).mean(-1).sum()

    def fit(self, X: torch.Tensor, Y: torch.Tensor, t: int, steps: int, batch: int, uniform) -> None:
        """``steps`` Adam steps on minibatches of ``batch`` samples per network from its data ``X: (N, g, cap, p)``,
        ``Y: (N, g, cap)`` (rounds ``0 .. t-1`` filled); ``uniform()`` gives ``(N, batch)`` uniforms in ``[0, 1)``."""
        g = X.shape[1]
        with torch.inference_mode(False), torch.enable_grad():
            for _ in range(steps):
                s = (uniform() * (g * t)).long().clamp_max(g * t - 1)
                task, rnd = s // t, s % t
                loss = self.loss(X[self._nets, task, rnd], task, Y[self._nets, task, rnd])
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()


class NeuralMultitaskAgent(MultitaskBanditAgent):
    """Base of the neural multitask agents: data buffer, one :class:`MultiheadNets` network per run and task
    group, and the warm-started refit schedule.

    The shared parameters ``n_runs``, ``n_tasks``, ``n_arms``, ``dim``, ``group_size``, ``seed``, ``device``,
    ``dtype``, ``validate`` are those of every multitask agent
    (:class:`rlkit.agents.multitask.MultitaskBanditAgent`); ``group_size = g`` shares the representation within
    groups of ``g`` tasks (``1``: independent learning).

    Parameters
    ----------
    hidden : int, default 64
        Width of the MLP trunk's hidden layer.
    rep_dim : int, default 8
        Size ``k`` of the learnt representation (the trunk's output; one linear head per task on it).
    lr : float, default 0.01
        Adam's learning rate.
    weight_decay : float, default 0.0
        Adam's weight decay.
    refit_every : int, default 5
        Rounds between refits of the network (warm-started).
    refit_steps : int, default 20
        Adam steps per refit, on minibatches of the pooled buffer.
    batch_size : int, default 128
        Minibatch size of a refit step.
    capacity : int, default 1024
        Rounds the data buffer holds (``for_env``: the budget ``T``, so nothing is dropped).
    """

    def __init__(self, n_runs: int, n_tasks: int, n_arms: int, dim: int, *, group_size: int | None = None,
                 hidden: int = 64, rep_dim: int = 8, lr: float = 0.01, weight_decay: float = 0.0, refit_every: int = 5,
                 refit_steps: int = 20, batch_size: int = 128, capacity: int = 1024, seed=0, device=None, dtype=None,
                 validate: bool = True):
        super().__init__(n_runs, n_tasks, n_arms, dim, group_size=group_size, seed=seed, device=device, dtype=dtype,
                         validate=validate)
        self.rep_dim = check_int("rep_dim", rep_dim)
        self.refit_every = check_int("refit_every", refit_every)
        self.refit_steps = check_int("refit_steps", refit_steps, 0)
        self.batch_size = check_int("batch_size", batch_size)
        self.net = MultiheadNets(setup_uniform(self.rng, "init"), self.n_runs, self.n_groups, self.group_size,
                                 self.dim, check_int("hidden", hidden), self.rep_dim, lr=check_positive("lr", lr),
                                 weight_decay=check_nonnegative("weight_decay", weight_decay), device=self.device,
                                 dtype=self.dtype)
        self._batches = self.rng.stream("minibatches")
        self.t = 0
        self._alloc(check_int("capacity", capacity))

    @classmethod
    def for_env(cls, env, *, rounds, seed, device=None, dtype=None, **params):
        params.setdefault("capacity", rounds)
        return super().for_env(env, rounds=rounds, seed=seed, device=device, dtype=dtype, **params)

    def _alloc(self, cap: int) -> None:
        with torch.inference_mode(False):
            X = torch.zeros(self.n_runs, self.n_tasks, cap, self.dim, device=self.device, dtype=self.dtype)
            Y = torch.zeros(self.n_runs, self.n_tasks, cap, device=self.device, dtype=self.dtype)
        if self.t:
            X[:, :, : self.t], Y[:, :, : self.t] = self.X[:, :, : self.t], self.Y[:, :, : self.t]
        self.X, self.Y = X, Y

    def _grouped(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, M, ...) -> (B G, g, ...)``: each network's tasks."""
        return x.reshape(self.n_runs * self.n_groups, self.group_size, *x.shape[2:])

    def task_features(self, contexts: torch.Tensor) -> torch.Tensor:
        """Each task's contexts through its group's trunk: ``(B, M, K, p) -> (B, M, K, k)``."""
        B, M, K, p = contexts.shape
        x = self._grouped(contexts).reshape(B * self.n_groups, self.group_size * K, p)
        with torch.no_grad():
            return self.net.features(x).reshape(B, M, K, self.rep_dim)

    def task_predictions(self, contexts: torch.Tensor) -> torch.Tensor:
        """The networks' own heads on each task's contexts, ``(B, M, K)``."""
        heads = self.net.heads().reshape(self.n_runs, self.n_tasks, 1, self.rep_dim)
        return (self.task_features(contexts) * heads).sum(-1)

    def _store(self, contexts, actions, rewards) -> tuple[torch.Tensor, bool]:
        """Append the round to the buffer; refit the networks when due. Returns the played contexts ``(B, M, p)``
        and whether a refit happened."""
        self._check_update(contexts, actions, rewards)
        if self.t == self.X.shape[2]:
            self._alloc(2 * self.t)
        x = self.chosen(contexts, actions)
        self.X[:, :, self.t] = x
        self.Y[:, :, self.t] = rewards
        self.t += 1
        if self.refit_steps == 0 or self.t % self.refit_every:
            return x, False
        n_nets = self.n_runs * self.n_groups
        self.net.fit(self._grouped(self.X), self._grouped(self.Y), self.t, self.refit_steps, self.batch_size,
                     lambda: self._batches.uniform(self.n_groups, self.batch_size).reshape(n_nets, self.batch_size))
        return x, True
