"""A transfer matrix's training and evaluation as batched tensor programs (the ``transfer_build`` kind's
default for families with a batched environment).

Every (trial, source context) policy, and each trial's multi-task policy, is one run of a
:class:`rlkit.mbtl.batched_ppo.BatchedPPO`: ``R = trials x (N + 1)`` runs (``N`` without multi-task), run
``t * (N + 1) + s`` being source ``s`` of trial ``t`` (``s = N`` the multi-task policy). Each run's seed is the
one the SB3 path gives that unit (``rlkit.kinds.transfer_build``), and evaluation starts every episode on
target ``j`` of trial ``t`` from the state gymnasium's ``reset(seed)`` gives for the SB3 path's seeds, so the
two paths share their common random numbers.
"""

from __future__ import annotations

import io
import math

import numpy as np
import torch

from rlkit.core.seeding import AGENT, ENV, child_sequence, role_sequence, run_sequence
from rlkit.mbtl.batched_ppo import BatchedPPO, PPOConfig


def seed_int(seq: np.random.SeedSequence) -> int:
    """A seed for an API that takes an int (SB3, a gymnasium reset, a torch generator) from the stream ``seq``."""
    return int(seq.generate_state(1)[0] % (2**31 - 1))


def sources(spec: dict) -> int:
    """Policies per trial: ``N`` sources plus the multi-task policy if the spec trains one."""
    return len(spec["family"]["values"]) + (1 if spec["train"]["multitask"] else 0)


def run_seeds(spec: dict) -> list[int]:
    """``(R,)`` the training seed of every run (the SB3 path's seed of the same unit)."""
    S = sources(spec)
    return [seed_int(child_sequence(role_sequence(run_sequence(spec["seed"], t), AGENT), s, 0))
            for t in range(spec["trials"]) for s in range(S)]


def rollout_steps(spec: dict) -> int:
    cfg = PPOConfig.from_params(spec["train"]["params"])
    return cfg.n_steps * spec["train"]["n_envs"]


def chunks(spec: dict) -> tuple[int, int]:
    """``(rollouts per chunk, chunks)``: the training's checkpoints (the budget rounded up to whole rollouts)."""
    per = rollout_steps(spec)
    total = math.ceil(spec["train"]["timesteps"] / per)
    chunk = max(1, spec["train"]["chunk_timesteps"] // per)
    return chunk, math.ceil(total / chunk)


def trainer(spec: dict, env_cls, device="cpu") -> BatchedPPO:
    """The batched trainer of a resolved ``transfer_build`` spec, freshly initialised."""
    fam, N, S = spec["family"], len(spec["family"]["values"]), sources(spec)
    values = [fam["values"][s] if s < N else fam["values"][0] for _ in range(spec["trials"]) for s in range(S)]
    multitask = [s == N for _ in range(spec["trials"]) for s in range(S)]
    return BatchedPPO(env_cls, fam["context"], values, run_seeds(spec), PPOConfig.from_params(spec["train"]["params"]),
                      n_envs=spec["train"]["n_envs"], context_in_obs=bool(fam["options"].get("context_in_obs", False)),
                      multitask=multitask, grid=fam["values"], device=device)


def save_state(ppo: BatchedPPO) -> np.ndarray:
    """The trainer's state as bytes (``uint8``) for a stored unit."""
    buf = io.BytesIO()
    torch.save(ppo.state_dict(), buf)
    return np.frombuffer(buf.getvalue(), dtype=np.uint8).copy()


def load_state(ppo: BatchedPPO, data: np.ndarray) -> BatchedPPO:
    ppo.load_state_dict(torch.load(io.BytesIO(np.asarray(data, dtype=np.uint8).tobytes()), weights_only=False))
    return ppo


def initial_states(spec: dict, env_cls, t: int) -> torch.Tensor:
    """``(N, episodes, STATE_DIM)`` the test episodes' starts on every target of trial ``t``."""
    ev, N = spec["evaluate"], len(spec["family"]["values"])
    env_seq = role_sequence(run_sequence(spec["seed"], t), ENV)
    seeds = [(child_sequence(env_seq, j).generate_state(ev["episodes"]) % (2**31 - 1)).tolist() for j in range(N)]
    return env_cls.gymnasium_reset_states([s for row in seeds for s in row]).reshape(N, ev["episodes"], -1)


def evaluate_trial(ppo: BatchedPPO, spec: dict, env_cls, t: int, target_chunk: int | None = None) -> np.ndarray:
    """``(sources, N, episodes)`` returns of trial ``t``'s policies on every target."""
    S = sources(spec)
    runs = list(range(t * S, (t + 1) * S))
    returns = ppo.evaluate(spec["family"]["values"], initial_states(spec, env_cls, t), target_chunk=target_chunk,
                           runs=runs)
    return returns.cpu().numpy()
