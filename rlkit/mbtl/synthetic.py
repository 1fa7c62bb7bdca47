"""Synthetic transfer matrices with known structure, for fast tests and CI.

``sd_mbtl``: the family of SD-MBTL (Structure Detection for Contextual RL, arXiv 2601.08120; its notebook
uses an 8x8x8 grid and noise 0, 5, 15, 30 on a raw scale), on a 1-D grid of ``n`` tasks in normalised units::

    J[i, j] = bias + f(i) + g(j) - (w_left * (i - j)^+ + w_right * (j - i)^+) + noise * eps[i, j]

a performance set point ``bias + f(i)`` of the source, a target offset ``g(j)``, an asymmetric linear
generalisation gap per grid step (``w_left`` for targets left of the source, ``w_right`` for targets to
its right) and Gaussian noise. ``f`` and ``g`` are sinusoids with ``f_periods`` / ``g_periods`` periods over
the grid and phases drawn from the seed; each trial draws its own noise (the structure is shared). With
``w_left = w_right = theta`` and ``g = 0`` this is exactly MBTL's model with slope ``theta``.

``golden_sine``: the matrix of the notes' golden values (the authors' MBTL run on it is the reference):
``J[i, j] = clip(0.8 + 0.15 sin(i / 6) - theta |i - j|, 0, 1)``.

Both return a :class:`TransferMatrix` with bounds (0, 1) (already normalised) whose ``meta["truth"]`` holds
the ground truth: the noise-free matrix, the set point, the slopes.
"""

from __future__ import annotations

import numpy as np

from rlkit.core.checks import RLKitError, check_int, check_nonnegative
from rlkit.core.seeding import ENV, role_sequence, run_sequence
from rlkit.mbtl.matrix import TransferMatrix


def sd_mbtl(n: int = 50, trials: int = 1, seed: int = 0, bias: float = 0.8, f_amp: float = 0.1,
            g_amp: float = 0.0, f_periods: float = 1.0, g_periods: float = 1.0, w_left: float = 0.01,
            w_right: float = 0.01, noise: float = 0.0) -> TransferMatrix:
    """SD-MBTL-style matrix ``(trials, n, n)``: set point + target offset - asymmetric linear gap + noise."""
    n, trials = check_int("n", n, 2), check_int("trials", trials)
    for name, value in (("f_amp", f_amp), ("g_amp", g_amp), ("w_left", w_left), ("w_right", w_right),
                        ("noise", noise), ("f_periods", f_periods), ("g_periods", g_periods)):
        check_nonnegative(name, value)
    structure = np.random.default_rng(role_sequence(run_sequence(seed, 0), ENV))
    phase_f, phase_g = structure.uniform(0, 2 * np.pi, size=2)
    x = np.arange(n, dtype=np.float64)
    f = f_amp * np.sin(2 * np.pi * f_periods * x / n + phase_f)
    g = g_amp * np.sin(2 * np.pi * g_periods * x / n + phase_g)
    d = x[None, :] - x[:, None]  # target - source, (n, n)
    clean = bias + f[:, None] + g[None, :] - (w_left * np.maximum(-d, 0) + w_right * np.maximum(d, 0))
    eps = np.stack([np.random.default_rng(role_sequence(run_sequence(seed, t + 1), ENV)).standard_normal((n, n))
                    for t in range(trials)])
    truth = {"clean": clean.tolist(), "set_point": (bias + f + g).tolist(), "f": f.tolist(), "g": g.tolist(),
             "w_left": w_left, "w_right": w_right, "noise": noise}
    meta = {"name": "sd_mbtl", "family": "synthetic", "context": "grid index", "seed": seed, "truth": truth}
    return TransferMatrix(clean[None] + noise * eps, None, (0.0, 1.0), None, None, meta)


def golden_sine(n: int = 50, theta: float = 0.02) -> TransferMatrix:
    """The notes' golden matrix ``clip(0.8 + 0.15 sin(i/6) - theta |i - j|, 0, 1)``, ``(1, n, n)``."""
    n = check_int("n", n, 2)
    theta = check_nonnegative("theta", theta)
    i = np.arange(n, dtype=np.float64)
    b = 0.8 + 0.15 * np.sin(i / 6)
    M = np.clip(b[:, None] - theta * np.abs(i[:, None] - i[None, :]), 0.0, 1.0)
    meta = {"name": "golden_sine", "family": "synthetic", "context": "grid index",
            "truth": {"set_point": b.tolist(), "w_left": theta, "w_right": theta, "noise": 0.0}}
    return TransferMatrix(M, None, (0.0, 1.0), None, None, meta)


SYNTHETIC = {"sd_mbtl": sd_mbtl, "golden_sine": golden_sine}


def synthetic(name: str, **params) -> TransferMatrix:
    """A synthetic family by name (``sd_mbtl`` or ``golden_sine``) with its parameters."""
    if name not in SYNTHETIC:
        raise RLKitError(f"unknown synthetic family {name!r}; known: {sorted(SYNTHETIC)}")
    try:
        return SYNTHETIC[name](**params)
    except TypeError as e:
        raise RLKitError(f"synthetic family {name!r}: {e}") from None
