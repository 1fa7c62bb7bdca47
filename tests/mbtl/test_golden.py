"""Golden values of the authors' functions run unmodified (tests/data/mbtl) and the reference sequences."""

import numpy as np
import pytest

from rlkit.mbtl import MBTL, Equidistant, Greedy, SequentialOracle, equidistant_sequence, greedy_sequence
from rlkit.mbtl.metrics import independent, oracle_transfer
from rlkit.mbtl.synthetic import golden_sine
from tests.reference import reference

pytest.importorskip("sklearn")  # the rl extra: MBTL's Gaussian process

REF = reference("mbtl", "golden")  # the authors' functions run unmodified (tests/data/mbtl/SOURCE.md)
GOLDEN = {float(theta): values for theta, values in REF["by_theta"].items()}


@pytest.mark.parametrize("theta", sorted(GOLDEN))
def test_mbtl_reproduces_the_reference_picks_and_curve(theta):
    """The reference drew its GP restarts from the global RNG after np.random.seed(42): RandomState(42)."""
    M = golden_sine(50, theta).normalized(0)
    picks, curve = MBTL(50, slope=theta, random_state=np.random.RandomState(42)).run(M, 10)
    assert picks.tolist() == GOLDEN[theta]["picks"]
    assert np.allclose(curve, GOLDEN[theta]["curve"], atol=1e-3)


@pytest.mark.parametrize("theta", sorted(GOLDEN))
def test_sequential_oracle_and_levels(theta):
    g = GOLDEN[theta]
    M = golden_sine(50, theta).normalized(0)
    picks, curve = SequentialOracle(M).run(M, 10)
    assert picks.tolist() == g["oracle_picks"]
    assert curve[0] == pytest.approx(g["oracle_first"], abs=1e-3)
    assert curve[1] == pytest.approx(g["oracle_second"], abs=1e-3)
    assert curve[-1] == pytest.approx(g["oracle_last"], abs=1e-3)
    assert independent(M) == pytest.approx(REF["independent"], abs=1e-4)
    assert oracle_transfer(M) == pytest.approx(g["oracle_transfer"], abs=1e-4)


def test_greedy_sequences():
    assert greedy_sequence(50, 10) == [24, 41, 8, 32, 16, 36, 3, 12, 20, 28]
    assert greedy_sequence(100, 10) == [49, 82, 16, 32, 65, 40, 73, 93, 5, 24]
    M = np.zeros((50, 50))
    assert Greedy(50).run(M, 10)[0].tolist() == greedy_sequence(50, 10)


def test_equidistant_sequences_budget_10_and_the_sweep():
    assert equidistant_sequence(50, 10) == [47, 42, 37, 32, 27, 22, 17, 12, 7, 2]
    assert equidistant_sequence(100, 10) == [94, 84, 74, 64, 54, 45, 35, 25, 15, 5]
    sweep = Equidistant(50).run(np.zeros((50, 50)), 50)[0].tolist()
    assert sweep[:5] == [49, 48, 47, 46, 45] and sorted(sweep) == list(range(50))  # B = N: a descending sweep
    assert equidistant_sequence(100, 100)[:3] == [99, 98, 97]
