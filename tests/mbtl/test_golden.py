"""Golden values of the notes (section 7, the authors' functions run unmodified) and the reference sequences."""

import numpy as np
import pytest

from rlkit.mbtl import MBTL, Equidistant, Greedy, SequentialOracle, equidistant_sequence, greedy_sequence
from rlkit.mbtl.metrics import independent, oracle_transfer
from rlkit.mbtl.synthetic import golden_sine

pytest.importorskip("sklearn")  # the rl extra: MBTL's Gaussian process

GOLDEN = {
    0.02: {"picks": [24, 25, 42, 10, 27, 0, 28, 26, 49, 48],
           "curve": [.4365, .4391, .6045, .7923, .7930, .7942, .7946, .7947, .8052, .8074],
           "oracle_picks": [12, 45, 7, 42, 15, 48, 10, 5, 9, 47], "oracle_first": .624, "oracle_second": .7942,
           "oracle_last": .8289, "oracle_transfer": .8321},
    0.005: {"picks": [24, 25, 1, 0, 2, 32, 3, 34, 35, 33],
            "curve": [.6240, .6240, .7072, .7072, .7360, .7360, .7632, .7632, .7704, .7704],
            "oracle_picks": [10, 46, 8, 48, 11, 47, 9, 0, 1, 2], "oracle_first": .8658, "oracle_second": .9100,
            "oracle_last": .9121, "oracle_transfer": .9121},
}


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
    assert independent(M) == pytest.approx(0.8249, abs=1e-4)
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
