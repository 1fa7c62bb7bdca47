"""Plot helpers: bootstrap band, log-log slope, theory look-up."""

import numpy as np
import pytest

from rlkit.checks import SpecError
from rlkit.plot import bootstrap_band, loglog_slope, theory_curve

pytestmark = pytest.mark.cpu_only(reason="figures are drawn from numpy arrays on the host")


def test_bootstrap_band_covers_the_mean_and_matches_the_normal_interval():
    rng = np.random.default_rng(0)
    Y = rng.normal(3.0, 2.0, size=(400, 3))
    mean, lo, hi = bootstrap_band(Y)
    assert np.all(lo < mean) and np.all(mean < hi)
    half = 1.96 * Y.std(0, ddof=1) / np.sqrt(400)
    assert np.allclose(hi - lo, 2 * half, rtol=0.1)
    m1, l1, h1 = bootstrap_band(Y[:1])
    assert np.array_equal(m1, l1) and np.array_equal(m1, h1)


def test_loglog_slope_recovers_powers():
    t = np.geomspace(1, 1e4, 200)
    assert loglog_slope(t, 3 * t**0.5) == pytest.approx(0.5)
    assert loglog_slope(t, t) == pytest.approx(1.0)


def test_theory_curve_takes_what_it_accepts():
    label, values = theory_curve("oful.regret_bound", np.array([10.0, 100.0]), {"d": 3, "K": 9, "sigma": 0.1})
    assert label.startswith("OFUL") and values.shape == (2,) and np.all(values > 0)
    with pytest.raises(SpecError, match="plot.theory must name a function of rlkit.theory"):
        theory_curve("nope.nothing", np.array([1.0]), {})
