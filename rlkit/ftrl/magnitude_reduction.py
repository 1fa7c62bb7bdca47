"""The magnitude-reduced estimator of Dai, Luo, Wei, Zimmert (ICML 2023), as their talk states it.

For a random variable ``Z`` that is unbounded below (an importance-weighted loss estimate of a linear-Q MDP
lies in ``[-1/gamma, 1/gamma]``), the talk (slides 13-15 of the authors' ICML 2023 deck) defines

    Zhat = Z - (Z)_- + E[(Z)_-],      (Z)_- = min(Z, 0),

and states three properties: ``E[Zhat] = E[Z]`` (the expectation is kept), ``E[Zhat^2] <= 4 E[Z^2]`` (the second
moment grows by at most 4x) and ``Zhat >= E[(Z)_-]`` (bounded below by a constant, which moves the estimate's range
to ``[-1/sqrt(gamma), 1/gamma]`` and lets Algorithm 2 use negative-entropy FTRL without a ``poly(A)`` factor).
``E[(Z)_-]`` "is only calculable with simulators": :func:`negative_part_mean` estimates it from simulated
copies of ``Z``.

What the slides do not say: which ``Z`` Algorithm 2 truncates and how ``E[(Z)_-]`` is computed when the simulator
returns no losses. :class:`rlkit.ftrl.magnitude_reduced_po.MagnitudeReducedFTRL` is Algorithm 2 as reconstructed
here (its docstring gives the choice of ``Z`` and why); these two functions are the estimator itself.

Shapes: any; ``negative_mean`` broadcasts against ``Z``.
"""

from __future__ import annotations

import torch


def magnitude_reduced(Z: torch.Tensor, negative_mean: torch.Tensor) -> torch.Tensor:
    """``Z - min(Z, 0) + negative_mean`` with ``negative_mean = E[min(Z, 0)]`` (exact, or
    :func:`negative_part_mean` of simulated copies)."""
    return Z - Z.clamp_max(0) + negative_mean


def negative_part_mean(samples: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """The Monte Carlo estimate of ``E[min(Z, 0)]`` from i.i.d. copies of ``Z`` along ``dim``."""
    return samples.clamp_max(0).mean(dim)
