"""A fixture for tests of small tensor programs: one torch thread while the test runs (on a loaded 2-core machine two
threads spin against each other and cost many times the CPU of one), restored afterwards."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
