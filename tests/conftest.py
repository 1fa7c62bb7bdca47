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

import re

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


TIERS = ("unit", "invariant", "statistical", "integration")
_INTEGRATION = ("tests/integration/", "tests/runner/", "tests/figures/", "tests/kinds/", "test_specs.py",
                "test_task_sweep.py", "test_traffic", "test_build.py", "test_checkers.py", "test_processes.py")
_INVARIANT = re.compile(r"invariant|equivarian|permut|determinis|independent|batch|monoton|same_seed|seeded|"
                        r"does_not_depend|never|symmetr|read_only|round_trip")


def _tier(item) -> str:
    """A test's tier: its own ``unit`` / ``invariant`` / ``statistical`` / ``integration`` marker, else by place and
    name: files that drive the CLI, the runner, worker processes, figures or real clients are integration; a
    ``slow`` test of a learning, coverage or ordering claim is statistical; names of properties (equivariance,
    determinism, batch independence, monotonicity) are invariants; the rest are units (closed forms, solvers,
    brute force)."""
    for name in TIERS:
        if item.get_closest_marker(name) is not None:
            return name
    path = item.nodeid.split("::")[0]
    if any(part in path for part in _INTEGRATION):
        return "integration"
    if item.get_closest_marker("slow") is not None:
        return "statistical"
    return "invariant" if _INVARIANT.search(item.name) else "unit"


def pytest_collection_modifyitems(config, items):
    for item in items:
        tier = _tier(item)
        if item.get_closest_marker(tier) is None:
            item.add_marker(getattr(pytest.mark, tier))
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
