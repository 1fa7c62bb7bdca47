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
