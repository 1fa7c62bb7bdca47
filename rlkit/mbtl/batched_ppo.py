"""PPO for many independent runs as one tensor program: every (trial, source context) policy of a transfer
matrix trains at once, each with its own networks, optimiser moments, gradient clipping and random streams.

This is Stable-Baselines3's PPO (Schulman et al. 2017, "Proximal Policy Optimization Algorithms", Algorithm 1
with the clipped objective, eq. 7; GAE of Schulman et al. 2016, eq. 16) as SB3 2.x implements it, re-written
for a leading run axis ``R``:

* **Networks**: SB3's ``MlpPolicy`` for PPO: separate policy and value MLPs (``64 x 64``, tanh), orthogonal
  initialisation (gain ``sqrt 2`` hidden, 0.01 action head, 1 value head, zero biases), a categorical head
  (discrete actions) or a diagonal Gaussian with a state-independent ``log_std`` (continuous), or with
  ``use_sde`` SB3's generalised state-dependent exploration (gSDE, Raffin et al. 2022: ``full_std``, the
  policy latent detached as the noise features, ``log_std: (64, action_dim)``, the exploration matrix
  resampled every ``sde_sample_freq`` steps and at every rollout's start, one per environment). Weights are
  stacked ``(R, in, out)`` and every layer is one ``torch.baddbmm`` over the runs.
* **Rollouts**: ``n_envs`` environments per run in a :class:`rlkit.envs.contextual.batched.BatchedContextualEnv`
  of ``R * n_envs`` environments (SB3's ``DummyVecEnv`` auto-reset); a time-limit truncation adds
  ``gamma V(final obs)`` to the reward (SB3's bootstrap); continuous actions are clipped to the bounds for
  the environment and stored unclipped.
* **Update**: ``n_epochs`` passes over the rollout in minibatches of ``batch_size`` (a fresh permutation per
  run and epoch), advantages normalised per minibatch and run (``(A - mean) / (std + 1e-8)``, unbiased std),
  the clipped surrogate, the value MSE (no value clipping), the entropy bonus, one Adam step (``eps = 1e-5``,
  SB3's) and gradient-norm clipping at ``max_grad_norm`` **per run** (each run's total norm over its own
  parameters, ``torch.nn.utils.clip_grad_norm_``'s rule). ``torch.optim.Adam`` over the stacked tensors is
  exactly ``R`` independent Adams: its moments are per element and its step counter is common to all runs,
  which all step together. The loss summed over runs has each run's loss as its only term in that run's
  gradient.

**Random streams.** Each run owns a ``torch.Generator`` seeded from its seed; it draws the run's
initialisation, and at every rollout's start all the rollout's random numbers (action noise, reset states,
multi-task context draws, the epochs' minibatch permutations). Those draws are the only loop over runs
(``R`` generator calls per rollout, none per step), and they make run ``i`` of a batch the same as run ``i``
trained alone (``tests/mbtl/test_batched_ppo.py``). Streams are not SB3's (which seeds one global generator),
so a run equals an SB3 run in distribution, not draw for draw; the same test compares final returns of 20
seeds of each.

**Why not TorchRL's pieces**: ``ClipPPOLoss`` and its GAE module take one actor and one critic module and
reduce the loss over the whole batch; independent agents would need a functional ensemble of both with a
per-agent reduction and per-agent gradient clipping, and its GAE does not take SB3's bootstrap-into-reward
truncation and episode-start convention. The loss and GAE here are a dozen lines each, and TorchRL is not a
dependency of rlkit.

**Departures from SB3**: no ``target_kl`` early stop, no value clipping (``clip_range_vf``), no schedules
(constant ``learning_rate`` and ``clip_range``), no observation/reward normalisation, no ``policy_kwargs``
(the defaults above): the specs use none of them, and :class:`PPOConfig` refuses them by name.

Shapes: ``R`` runs, ``E = n_envs`` environments per run, ``T = n_steps``; observations ``(R, E, D)``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
import torch

from rlkit.core.checks import RLKitError, check_int, check_positive, resolve_device_dtype

HIDDEN = 64
SDE_EPS = 1e-6  # SB3's epsilon in the gSDE variance


@dataclass
class PPOConfig:
    """SB3 ``PPO``'s hyper-parameters, with SB3's defaults and names (``from_params`` reads a spec's
    ``train.params``, the keyword arguments the SB3 class would take)."""

    learning_rate: float = 3e-4
    n_steps: int = 2048
    batch_size: int = 64
    n_epochs: int = 10
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_range: float = 0.2
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    normalize_advantage: bool = True
    use_sde: bool = False
    sde_sample_freq: int = -1
    log_std_init: float = 0.0

    @classmethod
    def from_params(cls, params: dict | None) -> PPOConfig:
        params = dict(params or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(params) - known)
        if unknown:
            raise RLKitError(f"train.params {unknown} are not supported by the batched PPO trainer; it takes "
                             f"{sorted(known)} (use trainer = 'sb3' for others)")
        cfg = cls(**params)
        for name in ("n_steps", "batch_size", "n_epochs"):
            setattr(cfg, name, check_int(f"train.params.{name}", getattr(cfg, name)))
        for name in ("learning_rate", "clip_range", "max_grad_norm"):
            setattr(cfg, name, check_positive(f"train.params.{name}", getattr(cfg, name)))
        return cfg


def _orthogonal(shape_out_in, gain, generator) -> torch.Tensor:
    w = torch.empty(shape_out_in)
    torch.nn.init.orthogonal_(w, gain=gain, generator=generator)
    return w.T.contiguous()  # (in, out): x @ W


class BatchedPPO:
    """SB3 PPO for ``R`` independent runs at once (module docstring).

    Args:
        env_cls: a :class:`~rlkit.envs.contextual.batched.BatchedContextualEnv` subclass.
        context: the context parameter that varies across runs (a name of ``env_cls.CONTEXT``).
        values: ``(R,)`` each run's context value (ignored for multi-task runs).
        seeds: ``(R,)`` ints, each run's seed.
        config: :class:`PPOConfig` (default: SB3's defaults).
        n_envs: environments per run (default 1).
        context_in_obs: the environment's option (default false).
        multitask: ``(R,)`` bool, runs that draw their context uniformly from ``grid`` at every episode
            (the Multi-task baseline); default none.
        grid: ``(N,)`` the values multi-task runs draw from.
        device, dtype: where the runs live and the networks' float type (default CPU, float32 as SB3).
        env_dtype: the environments' float type (default float64, gymnasium's arithmetic).
    """

    def __init__(self, env_cls, context: str, values, seeds, config: PPOConfig | None = None, n_envs: int = 1,
                 context_in_obs: bool = False, multitask=None, grid=None, device=None, dtype=torch.float32,
                 env_dtype=torch.float64):
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        self.cfg = config or PPOConfig()
        self.E = check_int("n_envs", n_envs)
        seeds = [int(s) for s in np.asarray(seeds).reshape(-1)]
        self.R = len(seeds)
        if context not in env_cls.CONTEXT:
            raise RLKitError(f"context must be one of {sorted(env_cls.CONTEXT)}, got {context!r}")
        values = torch.as_tensor(np.asarray(values, dtype=np.float64).reshape(-1))
        if values.shape != (self.R,):
            raise RLKitError(f"values must have one context value per run ({self.R}), got shape "
                             f"{tuple(values.shape)}")
        self.multitask = torch.zeros(self.R, dtype=torch.bool) if multitask is None else torch.as_tensor(
            np.asarray(multitask, dtype=bool).reshape(-1))
        if self.multitask.shape != (self.R,):
            raise RLKitError(f"multitask must have one flag per run ({self.R}), got shape "
                             f"{tuple(self.multitask.shape)}")
        if bool(self.multitask.any()) and grid is None:
            raise RLKitError("multi-task runs need the grid of context values to draw from (grid)")
        self.grid = None if grid is None else torch.as_tensor(np.asarray(grid, dtype=np.float64), device=self.device)
        self.context = context
        self.multitask = self.multitask.to(self.device)
        self.env = env_cls({context: values.repeat_interleave(self.E)}, context_in_obs=context_in_obs,
                           device=self.device, dtype=env_dtype)
        self.D, self.discrete = self.env.obs_dim, env_cls.discrete
        self.A = env_cls.n_actions if self.discrete else env_cls.action_dim
        if self.cfg.use_sde and self.discrete:
            raise RLKitError("use_sde needs continuous actions")
        self.generators = [torch.Generator().manual_seed(s) for s in seeds]
        self._init_params()
        self.optimizer = torch.optim.Adam(self.params, lr=self.cfg.learning_rate, eps=1e-5, fused=True)
        self.num_timesteps = 0
        self.obs = None
        self.episode_starts = torch.ones(self.R, self.E, dtype=torch.bool, device=self.device)

    # ------------------------------------------------------------ networks
    def _init_params(self) -> None:
        D, A, H = self.D, self.A, HIDDEN
        shapes = [("pi1", D, H, math.sqrt(2)), ("pi2", H, H, math.sqrt(2)), ("act", H, A, 0.01),
                  ("vf1", D, H, math.sqrt(2)), ("vf2", H, H, math.sqrt(2)), ("val", H, 1, 1.0)]
        weights = {name: [] for name, *_ in shapes}
        for g in self.generators:  # one run's initialisation from its own stream
            for name, i, o, gain in shapes:
                weights[name].append(_orthogonal((o, i), gain, g))
        self.names = []
        self.params = []
        for name, _, o, _ in shapes:
            self._add(f"{name}.W", torch.stack(weights[name]))
            self._add(f"{name}.b", torch.zeros(self.R, o))
        if not self.discrete:
            shape = (self.R, HIDDEN, A) if self.cfg.use_sde else (self.R, A)
            self._add("log_std", torch.full(shape, float(self.cfg.log_std_init)))

    def _add(self, name: str, value: torch.Tensor) -> None:
        p = torch.nn.Parameter(value.to(self.device, self.dtype))
        self.names.append(name)
        self.params.append(p)
        setattr(self, name.replace(".", "_"), p)

    @staticmethod
    def _linear(x, W, b):
        return torch.baddbmm(b[:, None, :], x, W)

    def _p(self, name: str, runs):
        p = getattr(self, name)
        return p if runs is None else p[runs]

    def latent(self, obs: torch.Tensor, runs=None):
        """``(latent_pi, value)`` of observations ``(R, n, D)``: ``(R, n, 64)``, ``(R, n)`` (``runs``: an index of
        the runs whose networks to use, ``obs`` then ``(len(runs), n, D)``)."""
        return self._pi_latent(obs, runs), self.value(obs, runs)

    def _pi_latent(self, obs, runs=None):
        h = torch.tanh(self._linear(obs, self._p("pi1_W", runs), self._p("pi1_b", runs)))
        return torch.tanh(self._linear(h, self._p("pi2_W", runs), self._p("pi2_b", runs)))

    def value(self, obs: torch.Tensor, runs=None) -> torch.Tensor:
        v = torch.tanh(self._linear(obs, self._p("vf1_W", runs), self._p("vf1_b", runs)))
        v = torch.tanh(self._linear(v, self._p("vf2_W", runs), self._p("vf2_b", runs)))
        return self._linear(v, self._p("val_W", runs), self._p("val_b", runs))[..., 0]

    def _std(self, latent: torch.Tensor) -> torch.Tensor:
        """The Gaussian's standard deviation ``(R, n, A)``: ``exp(log_std)``, or gSDE's
        ``sqrt(latent^2 @ exp(log_std)^2 + eps)`` with the latent detached."""
        if self.cfg.use_sde:
            var = torch.bmm(latent.detach().square(), self.log_std.exp().square())
            return torch.sqrt(var + SDE_EPS)
        return self.log_std.exp()[:, None, :].expand(-1, latent.shape[1], -1)

    def distribution(self, obs: torch.Tensor):
        """``(head, std, latent, value)``: logits or mean ``(R, n, A)``, the std (continuous), the policy latent."""
        latent, value = self.latent(obs)
        head = self._linear(latent, self.act_W, self.act_b)
        return head, (None if self.discrete else self._std(latent)), latent, value

    def log_prob_entropy(self, head, std, actions):
        if self.discrete:
            logp = torch.log_softmax(head, -1)
            lp = logp.gather(-1, actions.long()[..., None])[..., 0]
            return lp, -(logp.exp() * logp).sum(-1)
        normal = torch.distributions.Normal(head, std)
        return normal.log_prob(actions).sum(-1), normal.entropy().sum(-1)

    @torch.no_grad()
    def predict(self, obs: torch.Tensor, runs=None) -> torch.Tensor:
        """Deterministic actions for observations ``(R, n, D)``: argmax or the Gaussian's mean (``runs`` as
        :meth:`latent`)."""
        latent = self._pi_latent(obs.to(self.dtype), runs)
        head = self._linear(latent, self._p("act_W", runs), self._p("act_b", runs))
        return head.argmax(-1) if self.discrete else head

    @torch.no_grad()
    def evaluate(self, targets, initial_states: torch.Tensor, context_in_obs: bool | None = None,
                 target_chunk: int | None = None, runs=None) -> torch.Tensor:
        """Zero-shot returns of every run's deterministic policy on every target: ``(R, J, M)`` (``runs``: an
        index of the runs to evaluate, default all).

        Args:
            targets: ``(J,)`` values of the varying context (the others at their defaults).
            initial_states: ``(J, M, STATE_DIM)`` the start of episode ``m`` on target ``j``, the same for every
                run (common random numbers; e.g. ``env_cls.gymnasium_reset_states`` of the SB3 path's seeds).
            context_in_obs: the environments' option (default: the training environments').
            target_chunk: targets evaluated at once (default: all); bounds the memory, ``R * chunk * M``
                environments in lockstep.

        Every episode runs to its end (termination or the time limit) as one batch; the return is undiscounted.
        """
        targets = torch.as_tensor(np.asarray(targets, dtype=np.float64).reshape(-1))
        J = len(targets)
        if initial_states.ndim != 3 or initial_states.shape[:1] != (J,):
            raise RLKitError(f"initial_states must have shape ({J}, episodes, {self.env.STATE_DIM}), got "
                             f"{tuple(initial_states.shape)}")
        M = initial_states.shape[1]
        cio = self.env.context_in_obs if context_in_obs is None else context_in_obs
        chunk = J if target_chunk is None else check_int("target_chunk", target_chunk)
        runs = None if runs is None else torch.as_tensor(runs, dtype=torch.long, device=self.device)
        R = self.R if runs is None else len(runs)
        out = []
        for j0 in range(0, J, chunk):
            tj = targets[j0:j0 + chunk]
            c = len(tj)
            env = type(self.env)({self.context: tj.repeat_interleave(M).repeat(R)}, context_in_obs=cio,
                                 device=self.device, dtype=self.env.dtype)
            obs = env.reset(states=initial_states[j0:j0 + chunk].reshape(c * M, -1).repeat(R, 1))
            total = torch.zeros(R * c * M, dtype=torch.float64, device=self.device)
            active = torch.ones(R * c * M, dtype=torch.bool, device=self.device)
            while bool(active.any()):
                action = self.predict(obs.reshape(R, c * M, -1), runs)
                if not self.discrete:
                    action = action.clamp(env.action_low, env.action_high)
                obs, reward, terminated, truncated, _ = env.step(action.reshape(R * c * M, -1).squeeze(-1)
                                                                 if self.discrete else
                                                                 action.reshape(R * c * M, -1),
                                                                 auto_reset=False)
                total += torch.where(active, reward.to(torch.float64), torch.zeros_like(total))
                active &= ~(terminated | truncated)
            out.append(total.reshape(R, c, M))
        return torch.cat(out, 1)

    # ------------------------------------------------------------ random draws
    def _draws(self) -> dict[str, torch.Tensor]:
        """Every random number of one rollout and its update, per run from its own generator: ``(R, ...)``."""
        T, E, S, cfg = self.cfg.n_steps, self.E, self.env.STATE_DIM, self.cfg
        n = T * E
        out = {"reset": [], "ctx": [], "noise": [], "perm": []}
        for g in self.generators:
            out["reset"].append(torch.rand(T + 1, E, S, generator=g, dtype=torch.float64))
            out["ctx"].append(torch.rand(T + 1, E, generator=g, dtype=torch.float64))
            if self.discrete:
                out["noise"].append(torch.rand(T, E, generator=g))
            elif cfg.use_sde:
                k = 1 if cfg.sde_sample_freq <= 0 else math.ceil(T / cfg.sde_sample_freq)
                out["noise"].append(torch.randn(max(k, 1), E, HIDDEN, self.A, generator=g))
            else:
                out["noise"].append(torch.randn(T, E, self.A, generator=g))
            out["perm"].append(torch.stack([torch.randperm(n, generator=g) for _ in range(cfg.n_epochs)]))
        return {k: torch.stack(v).to(self.device) for k, v in out.items()}

    def _contexts(self, u: torch.Tensor) -> dict | None:
        """Multi-task runs' next contexts from uniform draws ``(R, E)``; ``None`` without multi-task runs."""
        if self.grid is None or not bool(self.multitask.any()):
            return None
        idx = (u * len(self.grid)).long().clamp(max=len(self.grid) - 1)
        drawn = self.grid[idx]
        current = self.env.context[self.context].reshape(self.R, self.E)
        return {self.context: torch.where(self.multitask[:, None], drawn, current).reshape(-1)}

    # ------------------------------------------------------------ training
    def learn(self, total_timesteps: int) -> BatchedPPO:
        """Train every run for ``total_timesteps`` more steps (rounded up to whole rollouts, as SB3)."""
        target = self.num_timesteps + check_int("total_timesteps", total_timesteps)
        while self.num_timesteps < target:
            self.rollouts(1)
        return self

    def rollouts(self, k: int) -> BatchedPPO:
        """Collect ``k`` rollouts of ``n_steps x n_envs`` steps per run and update after each."""
        for _ in range(k):
            draws = self._draws()
            buf = self._collect(draws)
            self._update(buf, draws["perm"])
        return self

    @torch.no_grad()
    def _collect(self, draws):
        cfg, R, E, T = self.cfg, self.R, self.E, self.cfg.n_steps
        if self.obs is None:
            ctx = self._contexts(draws["ctx"][:, T])
            if ctx is not None:
                self.env.set_context(ctx)
            self.obs = self.env.reset(noise=draws["reset"][:, T].reshape(R * E, -1)).reshape(R, E, -1)
        act_shape = (T, R, E) if self.discrete else (T, R, E, self.A)
        buf = {"obs": torch.zeros(T, R, E, self.D, device=self.device, dtype=self.dtype),
               "actions": torch.zeros(act_shape, device=self.device, dtype=self.dtype),
               "rewards": torch.zeros(T, R, E, device=self.device, dtype=self.dtype),
               "starts": torch.zeros(T, R, E, device=self.device, dtype=self.dtype),
               "values": torch.zeros(T, R, E, device=self.device, dtype=self.dtype),
               "log_probs": torch.zeros(T, R, E, device=self.device, dtype=self.dtype)}
        expl = None
        for t in range(T):
            obs = self.obs.to(self.dtype)
            head, std, latent, value = self.distribution(obs)
            if self.discrete:
                cdf = torch.softmax(head, -1).cumsum(-1)[..., :-1]
                action = (draws["noise"][:, t][..., None] > cdf).sum(-1)
                env_action = action.reshape(-1)
            else:
                if cfg.use_sde:
                    if t == 0 or (cfg.sde_sample_freq > 0 and t % cfg.sde_sample_freq == 0):
                        k = 0 if cfg.sde_sample_freq <= 0 else t // cfg.sde_sample_freq
                        expl = draws["noise"][:, k] * self.log_std.exp()[:, None]  # (R, E, 64, A)
                    noise = torch.einsum("reh,reha->rea", latent, expl)
                else:
                    noise = std * draws["noise"][:, t]
                action = head + noise
                env_action = action.clamp(self.env.action_low, self.env.action_high).reshape(R * E, -1)
            lp, _ = self.log_prob_entropy(head, std, action)
            nxt, reward, terminated, truncated, final = self.env.step(
                env_action, reset_noise=draws["reset"][:, t].reshape(R * E, -1),
                next_context=self._contexts(draws["ctx"][:, t]))
            reward = reward.reshape(R, E).to(self.dtype)
            terminated, truncated = terminated.reshape(R, E), truncated.reshape(R, E)
            if bool(truncated.any()):  # SB3: bootstrap the time-limit truncation into the reward
                v_final = self.value(final.reshape(R, E, -1).to(self.dtype))
                reward = reward + cfg.gamma * torch.where(truncated, v_final, torch.zeros_like(v_final))
            buf["obs"][t], buf["actions"][t], buf["rewards"][t] = obs, action.to(self.dtype), reward
            buf["starts"][t], buf["values"][t], buf["log_probs"][t] = self.episode_starts.to(self.dtype), value, lp
            self.obs = nxt.reshape(R, E, -1)
            self.episode_starts = terminated | truncated
        self.num_timesteps += T * E
        # GAE (SB3's RolloutBuffer.compute_returns_and_advantage)
        last_value = self.value(self.obs.to(self.dtype))
        adv = torch.zeros_like(buf["rewards"])
        gae = torch.zeros(R, E, device=self.device, dtype=self.dtype)
        for t in reversed(range(T)):
            if t == T - 1:
                nonterminal, next_value = 1.0 - self.episode_starts.to(self.dtype), last_value
            else:
                nonterminal, next_value = 1.0 - buf["starts"][t + 1], buf["values"][t + 1]
            delta = buf["rewards"][t] + cfg.gamma * next_value * nonterminal - buf["values"][t]
            gae = delta + cfg.gamma * cfg.gae_lambda * nonterminal * gae
            adv[t] = gae
        buf["advantages"], buf["returns"] = adv, adv + buf["values"]
        # (T, R, E, ...) -> (R, T * E, ...) in SB3's swap_and_flatten order (env-major)
        return {k: v.movedim(0, 1).transpose(1, 2).reshape(R, T * E, *v.shape[3:]) for k, v in buf.items()}

    def _update(self, buf, perms) -> None:
        cfg, n = self.cfg, self.cfg.n_steps * self.E
        for epoch in range(cfg.n_epochs):
            for start in range(0, n, cfg.batch_size):
                idx = perms[:, epoch, start:start + cfg.batch_size]
                mb = {k: torch.gather(v, 1, idx.reshape(*idx.shape, *([1] * (v.ndim - 2))).expand(
                    -1, -1, *v.shape[2:])) for k, v in buf.items()}
                head, std, _, values = self.distribution(mb["obs"])
                log_prob, entropy = self.log_prob_entropy(head, std, mb["actions"])
                adv = mb["advantages"]
                if cfg.normalize_advantage and adv.shape[1] > 1:
                    adv = (adv - adv.mean(1, keepdim=True)) / (adv.std(1, keepdim=True) + 1e-8)
                ratio = torch.exp(log_prob - mb["log_probs"])
                clipped = ratio.clamp(1 - cfg.clip_range, 1 + cfg.clip_range)
                policy_loss = -torch.min(adv * ratio, adv * clipped).mean(1)
                value_loss = (mb["returns"] - values).square().mean(1)
                entropy_loss = -entropy.mean(1)
                loss = policy_loss + cfg.ent_coef * entropy_loss + cfg.vf_coef * value_loss  # (R,)
                self.optimizer.zero_grad(set_to_none=True)
                loss.sum().backward()
                self._clip_per_run()
                self.optimizer.step()

    def _clip_per_run(self) -> None:
        """``clip_grad_norm_(max_grad_norm)`` on each run's own parameters: ``(R,)`` total norms."""
        norms = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad.reshape(self.R, -1), dim=1)
                                                   for p in self.params], 1), dim=1)
        coef = (self.cfg.max_grad_norm / (norms + 1e-6)).clamp(max=1.0)
        for p in self.params:
            p.grad.mul_(coef.reshape(-1, *([1] * (p.ndim - 1))))

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict:
        """Everything a resumed run needs: parameters, Adam's moments, the generators, the environments."""
        return {"config": asdict(self.cfg), "params": [p.detach().cpu() for p in self.params],
                "optimizer": self.optimizer.state_dict(), "generators": [g.get_state() for g in self.generators],
                "num_timesteps": self.num_timesteps, "obs": None if self.obs is None else self.obs.cpu(),
                "episode_starts": self.episode_starts.cpu(), "env_state": self.env.state.cpu(),
                "env_steps": self.env.steps.cpu(), "env_context": {k: v.cpu() for k, v in self.env.context.items()}}

    def load_state_dict(self, state: dict) -> None:
        with torch.no_grad():
            for p, v in zip(self.params, state["params"]):
                p.copy_(v)
        self.optimizer.load_state_dict(state["optimizer"])
        for g, s in zip(self.generators, state["generators"]):
            g.set_state(s)
        self.num_timesteps = int(state["num_timesteps"])
        self.obs = None if state["obs"] is None else state["obs"].to(self.device)
        self.episode_starts = state["episode_starts"].to(self.device)
        self.env.state = state["env_state"].to(self.device, self.env.dtype)
        self.env.steps = state["env_steps"].to(self.device)
        self.env.context = {k: v.to(self.device, self.env.dtype) for k, v in state["env_context"].items()}
