"""The device x dtype switch of the test suite, as module constants for helpers outside fixtures.

``RLKIT_TEST_DEVICE`` (default ``cpu``) and ``RLKIT_TEST_DTYPE`` (default ``float64``; or ``float32``) choose where
the tests build their tensors, agents and environments. ``TKW`` is ``{"device": DEVICE, "dtype": DTYPE}`` for
constructors and tensor factories; ``tol(f64, f32)`` picks the tolerance of the working dtype. Every float32
tolerance a test passes is written beside it with its reason (the size of the computation it bounds): float32 has
a unit roundoff of 2**-24 ~ 6e-8, so a sum or solve of n terms of size s is good to about n * s * 6e-8, and a
d x d ridge solve loses a further factor of its condition number.
"""

import os

import torch

DEVICE = torch.device(os.environ.get("RLKIT_TEST_DEVICE", "cpu"))
DTYPE = {"float64": torch.float64, "float32": torch.float32}[os.environ.get("RLKIT_TEST_DTYPE", "float64")]
TKW = {"device": DEVICE, "dtype": DTYPE}
FLOAT32 = DTYPE == torch.float32


def tol(f64: float, f32: float | None = None) -> float:
    """The tolerance for the working dtype: ``f64`` in float64, ``f32`` (default ``max(f64, 1e-4)``) in float32."""
    return f64 if not FLOAT32 else (max(f64, 1e-4) if f32 is None else f32)


def place(x: torch.Tensor) -> torch.Tensor:
    """``x`` (test data drawn on the CPU in float64, so that both dtypes see the same numbers) on the test device,
    floating tensors in the working dtype."""
    return x.to(**TKW) if x.is_floating_point() else x.to(DEVICE)
