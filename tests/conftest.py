import numpy as np
import pytest
import torch


@pytest.fixture
def gen():
    """A seeded torch generator for test data (never the global RNG)."""
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
