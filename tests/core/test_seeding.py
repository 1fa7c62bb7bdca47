"""The seeding tree: chunk- and batch-invariant per-run streams, no global RNG."""

import numpy as np
import pytest
import torch

from rlkit.core.checks import RLKitError
from rlkit.core.seeding import AGENT, ENV, BatchRNG, as_sequences, role_sequence, run_sequences

pytestmark = pytest.mark.cpu_only(reason="numpy SeedSequence streams on the host")


def rng_for(seed, runs, role=ENV):
    return BatchRNG([role_sequence(s, role) for s in run_sequences(seed, runs)])


def test_a_run_is_the_same_in_any_batch():
    big, small = rng_for(7, range(10)), rng_for(7, [3, 4])
    for _ in range(5):
        a, b = big.normal(4), small.normal(4)
        assert torch.equal(a[3:5], b)
        assert torch.equal(big.uniform(2)[3:5], small.uniform(2))


def test_block_size_does_not_change_the_stream():
    # 5000 runs x 1000 values per step forces a block of one step; a single run buffers 1024 steps
    wide = rng_for(3, 5000).normal(1000)
    alone = rng_for(3, [4999]).normal(1000)
    assert torch.equal(wide[4999:], alone)


def test_roles_streams_and_seeds_differ():
    env, agent = rng_for(1, 4, ENV), rng_for(1, 4, AGENT)
    assert not torch.equal(env.normal(3), agent.normal(3))
    assert not torch.equal(rng_for(1, 4).stream("a").normal(3), rng_for(1, 4).stream("b").normal(3))
    assert not torch.equal(rng_for(1, 4).normal(3), rng_for(2, 4).normal(3))
    x = rng_for(1, 4).normal(3)
    assert not torch.equal(x[0], x[1])  # runs are independent, not copies


def test_draws_have_the_right_distribution():
    x = rng_for(0, 64).normal(500).flatten()
    u = rng_for(0, 64).uniform(500).flatten()
    assert abs(float(x.mean())) < 0.02 and abs(float(x.var()) - 1) < 0.03
    assert float(u.min()) >= 0 and float(u.max()) < 1 and abs(float(u.mean()) - 0.5) < 0.01


def test_global_rng_untouched():
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002 (the legacy global state is what we check)
    torch_state = torch.get_rng_state().clone()
    rng_for(5, 8).normal(3)
    assert np.array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_bad_seeds():
    with pytest.raises(RLKitError, match="seed must be a non-negative integer"):
        run_sequences(-1, 3)
    with pytest.raises(RLKitError, match="one seed per run"):
        as_sequences([1, 2], 3)


def test_looking_ahead_and_taking_blocks_give_the_per_step_draws():
    """``normal_ahead`` shows the next draws without consuming them and ``normal_take(n)`` consumes ``n`` at once:
    both are exactly the numbers one ``normal()`` per step gives, across block boundaries (a block is 1024 steps)."""
    steps = rng_for(5, 3)
    per_step = torch.stack([steps.normal() for _ in range(4096)], 1)  # (3, 4096)
    rng = rng_for(5, 3)
    pos = 0
    for n in (1, 700, 323, 400, 1, 1200, 375):  # ends a block exactly at 1024, crosses 2048, ends at 3000
        ahead = rng.normal_ahead(5000)
        assert 1 <= ahead.shape[1] <= 1024 and torch.equal(ahead, per_step[:, pos : pos + ahead.shape[1]])
        assert torch.equal(rng.normal_ahead(5000), ahead)  # nothing consumed
        assert torch.equal(rng.normal_take(n), per_step[:, pos : pos + n])
        pos += n
    assert pos == 3000 and rng.normal_ahead(3).shape == (3, 3)
