"""Seeding: one root seed -> ``numpy.random.SeedSequence`` tree -> per-run random streams.

The tree is ``root -> run i -> {environment (0), agent (1)} -> named stream``. Every stream is derived from
``(root, i, role, name)`` alone, so

* run ``i`` sees the same environment noise whatever agent runs on it (common random numbers: agent
  differences are paired), and
* a run's numbers do not depend on how runs are split into chunks or batches, nor on the block size used
  to buffer them: run 37 computed in a batch of 2048 is bit-identical to run 37 computed alone.

:class:`BatchRNG` serves batched draws ``(B, *shape)`` as torch tensors. Each (distribution, shape) pair is
its own stream per run, refilled in blocks: the Python loop over runs happens once per block (amortised
over up to 1024 steps), never per step. No global RNG state is touched anywhere in rlkit.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence

import numpy as np
import torch

from rlkit.core.checks import RLKitError

ENV = 0
AGENT = 1

_MAX_BUFFER_ELEMENTS = 1 << 22  # per stream: ~32 MB of float64


def _entropy(seed) -> int:
    if isinstance(seed, np.random.SeedSequence):
        return seed.entropy
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise RLKitError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def run_sequence(seed: int, run: int) -> np.random.SeedSequence:
    """SeedSequence of run ``run`` under root ``seed``."""
    return np.random.SeedSequence(_entropy(seed), spawn_key=(int(run),))


def run_sequences(seed: int, runs: int | Sequence[int] | range) -> list[np.random.SeedSequence]:
    """SeedSequences of the given runs (``runs`` an int ``n`` means runs ``0 .. n-1``)."""
    if isinstance(runs, (int, np.integer)):
        runs = range(int(runs))
    return [run_sequence(seed, r) for r in runs]


def child_sequence(seq: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The node ``key`` below ``seq`` in the seed tree: the same entropy, ``spawn_key`` extended by ``key``.

    Every derived stream of rlkit (a run's roles, an agent's named streams, a task, an episode, a cell) is one
    of these, so a stream depends only on the root seed and its path, never on how many were drawn before."""
    return np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, *(int(k) for k in key)))


def role_sequence(run_seq: np.random.SeedSequence, role: int) -> np.random.SeedSequence:
    """Child of a run for a role: :data:`ENV` or :data:`AGENT`."""
    return child_sequence(run_seq, role)


def stream_sequence(seq: np.random.SeedSequence, name: str) -> np.random.SeedSequence:
    """The stream named ``name`` below ``seq`` (the child keyed by the CRC-32 of the name), as
    :meth:`BatchRNG.stream` names an agent's streams."""
    return child_sequence(seq, zlib.crc32(name.encode()))


def as_sequences(seeds, n: int | None = None) -> list[np.random.SeedSequence]:
    """Normalise what a user may pass as ``seed`` for a batch of ``n`` runs.

    Accepts an int root seed (runs ``0..n-1``), a list of ints (one root per run), or a list of SeedSequences.
    """
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if n is None:
            raise RLKitError("n must be given when seed is a single integer")
        return run_sequences(int(seeds), n)
    if isinstance(seeds, np.random.SeedSequence):
        seeds = [seeds]
    seeds = list(seeds)
    if n is not None and len(seeds) != n:
        raise RLKitError(f"seed must give one seed per run ({n}), got {len(seeds)}")
    return [s if isinstance(s, np.random.SeedSequence) else np.random.SeedSequence(_entropy(s)) for s in seeds]


def setup_normal(rng: BatchRNG, name: str):
    """A function ``(*shape) -> (B, *shape)`` of standard normal draws from the runs' named setup-time generators
    (one numpy generator per run, consumed in call order). For what is drawn once (an instance, network weights):
    nothing is buffered, unlike :meth:`BatchRNG.normal`."""
    return _setup_draws(rng, name, "standard_normal")


def setup_uniform(rng: BatchRNG, name: str):
    """As :func:`setup_normal`, uniform draws on ``[0, 1)``."""
    return _setup_draws(rng, name, "random")


def _setup_draws(rng: BatchRNG, name: str, method: str):
    gens = rng.numpy_generators(name)

    def draw(*shape: int) -> torch.Tensor:
        return torch.from_numpy(np.stack([getattr(g, method)(tuple(int(s) for s in shape)) for g in gens]))

    return draw


class BatchRNG:
    """Batched random draws for ``B`` independent runs, one numpy stream per run and per (kind, shape).

    Args:
        seqs: ``B`` SeedSequences, one per run (e.g. ``role_sequence(run_sequence(seed, i), ENV)``).
        device, dtype: where and in which precision draws are returned.

    ``normal(*shape)`` and ``uniform(*shape)`` return ``(B, *shape)`` tensors. ``stream(name)`` gives an
    independent BatchRNG (for example one per environment component) derived by name.
    """

    def __init__(self, seqs: Sequence[np.random.SeedSequence], device=None, dtype=torch.float64):
        self.seqs = list(seqs)
        if not self.seqs:
            raise RLKitError("seqs must hold at least one SeedSequence, got an empty list")
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.dtype = dtype
        self._buffers: dict[tuple, _Buffer] = {}

    @property
    def batch_size(self) -> int:
        return len(self.seqs)

    def stream(self, name: str) -> BatchRNG:
        return BatchRNG([stream_sequence(s, name) for s in self.seqs], self.device, self.dtype)

    def normal(self, *shape: int) -> torch.Tensor:
        """Standard normal draws, ``(B, *shape)``."""
        return self._draw("normal", tuple(int(s) for s in shape))

    def uniform(self, *shape: int) -> torch.Tensor:
        """Uniform draws on ``[0, 1)``, ``(B, *shape)``."""
        return self._draw("uniform", tuple(int(s) for s in shape))

    def numpy_generators(self, name: str) -> list[np.random.Generator]:
        """One fresh numpy Generator per run for a named stream (setup-time use: instance sampling)."""
        return [np.random.default_rng(stream_sequence(s, name)) for s in self.seqs]

    def normal_ahead(self, n: int) -> torch.Tensor:
        """The next draws of :meth:`normal` ``()`` as ``(B, m)``, ``1 <= m = min(n, draws left in the current block)``,
        *without* consuming them: the numbers the next ``m`` calls of ``normal()`` return (an environment that lets
        the rollout look ahead, :meth:`rlkit.envs.LinearBandit.peek_held`)."""
        s = self._stream("normal", ())
        return s.block[s.pos : s.pos + min(int(n), s.size - s.pos)].T

    def normal_take(self, n: int) -> torch.Tensor:
        """The next ``n`` draws of :meth:`normal` ``()`` as ``(B, n)``, consumed: the numbers ``n`` calls of
        ``normal()`` would return, one column per call."""
        parts = []
        left = int(n)
        while left:
            s = self._stream("normal", ())
            m = min(left, s.size - s.pos)
            parts.append(s.block[s.pos : s.pos + m])
            s.pos += m
            left -= m
        return (parts[0] if len(parts) == 1 else torch.cat(parts)).T

    def _stream(self, kind: str, shape: tuple[int, ...]) -> _Buffer:
        """The buffer of a (kind, shape) stream, refilled from its generators when its block is used up."""
        key = (kind, shape)
        s = self._buffers.get(key)
        if s is None:
            per_step = max(1, math.prod(shape)) * self.batch_size
            s = self._buffers[key] = _Buffer(self.numpy_generators(f"{kind}{shape}"),
                                             int(min(1024, max(1, _MAX_BUFFER_ELEMENTS // per_step))))
        if s.pos >= s.size:
            if kind == "normal":
                arrays = [g.standard_normal((s.size, *shape)) for g in s.gens]
            else:
                arrays = [g.random((s.size, *shape)) for g in s.gens]
            s.block = torch.from_numpy(np.stack(arrays, axis=1)).to(device=self.device, dtype=self.dtype)
            s.steps = s.block.unbind(0)  # one view per step, made at once (no tensor call per draw)
            s.pos = 0
        return s

    def _draw(self, kind: str, shape: tuple[int, ...]) -> torch.Tensor:
        s = self._buffers.get((kind, shape))
        if s is None or s.pos >= s.size:
            s = self._stream(kind, shape)
        s.pos += 1
        return s.steps[s.pos - 1]


class _Buffer:
    """One (kind, shape) stream of a :class:`BatchRNG`: its per-run generators, the current block of draws
    ``block: (size, B, *shape)``, the same block as one view per step (``steps``) and the read position."""

    __slots__ = ("gens", "size", "block", "steps", "pos")

    def __init__(self, gens: list, size: int):
        self.gens, self.size = gens, size
        self.block: torch.Tensor | None = None
        self.steps: tuple = ()
        self.pos = size  # used up: the first draw fills the block
