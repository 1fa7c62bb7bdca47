"""Shared fixtures, and the device x dtype switch of the test suite.

``RLKIT_TEST_DEVICE`` (default ``cpu``) and ``RLKIT_TEST_DTYPE`` (default ``float64``; or ``float32``) choose where
the tests build their tensors, agents and environments (``tests/placement.py``: ``DEVICE``, ``DTYPE``, ``TKW``,
``tol``, ``place``; the fixtures ``device``, ``dtype``, ``tkw``, ``tol`` give the same): the maths identities,
environment invariants, determinism and rollout tests of all six papers. So

    RLKIT_TEST_DTYPE=float32 python -m pytest -q -n 2
    RLKIT_TEST_DEVICE=cuda RLKIT_TEST_DTYPE=float32 python -m pytest -q

rerun them in float32 on the CPU, or on a GPU (as BoTorch runs its suite). Test data are drawn on the CPU in
float64 and placed (``place`` / ``.to(**TKW)``), so both dtypes see the same numbers and differ only by rounding;
every float32 tolerance is written beside the test with the size of the computation it bounds. MBTL's strategies
work on numpy matrices on the host by design (no device or dtype): its tests run unchanged on every pass.
Tests marked ``cpu_only`` (figures, the CLI, files on disk, gymnasium's numpy single-instance view, worker
processes) are skipped with their reason when the device is not the CPU; tests marked ``float64_only``
(decision-for-decision comparisons that float32 rounding may flip) when the dtype is float32. On the CPU in
float64 nothing changes: every fixture gives what the tests used before.
"""

import numpy as np
import pytest
import torch

from tests.placement import DEVICE, DTYPE
from tests.placement import tol as pick_tol


def pytest_configure(config):
    config.addinivalue_line("markers", "cpu_only(reason): CPU only; skipped when RLKIT_TEST_DEVICE is not cpu")
    config.addinivalue_line("markers", "float64_only(reason): needs float64; skipped when RLKIT_TEST_DTYPE is float32")


def pytest_report_header(config):
    return f"rlkit test device: {DEVICE}, dtype: {DTYPE}"


def pytest_collection_modifyitems(config, items):
    for item in items:
        for name, off in (("cpu_only", DEVICE.type != "cpu"), ("float64_only", DTYPE != torch.float64)):
            mark = item.get_closest_marker(name)
            if mark is not None and off:
                reason = mark.kwargs.get("reason") or (mark.args[0] if mark.args else name)
                item.add_marker(pytest.mark.skip(reason=f"{name}: {reason}"))


@pytest.fixture
def device():
    """The device tests build their tensors on (``RLKIT_TEST_DEVICE``, default cpu)."""
    return DEVICE


@pytest.fixture
def dtype():
    """The working dtype of agents and environments under test (``RLKIT_TEST_DTYPE``, default float64)."""
    return DTYPE


@pytest.fixture
def tkw(device, dtype):
    """``device`` and ``dtype`` as keyword arguments for constructors and tensor factories."""
    return {"device": device, "dtype": dtype}


@pytest.fixture
def tol(dtype):
    """``tol(f64, f32)``: the tolerance for the working dtype (``f32`` defaults to ``max(f64, 1e-4)``)."""

    return pick_tol


@pytest.fixture
def gen():
    """A seeded torch generator for test data (never the global RNG). It draws on the CPU in float64, so both
    dtypes see the same numbers: place the data with ``.to(**TKW)`` (``tests.placement``)."""
    return torch.Generator().manual_seed(1234)


@pytest.fixture
def npgen():
    return np.random.default_rng(1234)


@pytest.fixture
def single_thread():
    """Run a test with one torch thread (small-tensor loops; avoids oversubscribed thread pools under xdist)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
