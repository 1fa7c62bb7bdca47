"""Plot helpers: bootstrap band, log-log slope, theory look-up."""

import numpy as np
import pytest

from rlkit.core.checks import SpecError
from rlkit.core.stats import bootstrap_band, loglog_slope, loglog_slope_band
from rlkit.theory import theory_curve

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


def test_loglog_slope_band_is_exact_for_run_scaled_powers_and_covers_noisy_ones():
    x = np.array([1e2, 1e3, 1e4, 1e5])
    rng = np.random.default_rng(0)
    Y = rng.uniform(0.5, 2.0, size=(10, 1)) * x**0.5  # every run (and so every resample) is c_i x^0.5
    assert loglog_slope_band(x, Y) == pytest.approx((0.5, 0.5, 0.5))
    covered, separated = 0, 0
    for seed in range(40):  # independent multiplicative noise per run and point: a 95% interval
        noise = np.random.default_rng(seed).lognormal(0.0, 0.3, size=(10, 4))
        _, lo, hi = loglog_slope_band(x, noise * x ** (2 / 3), seed=seed)
        covered += lo <= 2 / 3 <= hi
        separated += lo > 0.5  # negative control: a K^(2/3) curve is told apart from sqrt(K)
    assert covered >= 34 and separated == 40
    assert np.isnan(loglog_slope_band(x, -Y)[0])


def test_theory_curve_takes_what_it_accepts():
    label, values = theory_curve("oful.regret_bound", np.array([10.0, 100.0]), {"d": 3, "K": 9, "sigma": 0.1})
    assert label.startswith("OFUL") and values.shape == (2,) and np.all(values > 0)
    with pytest.raises(SpecError, match="plot.theory must name a function of rlkit.theory"):
        theory_curve("nope.nothing", np.array([1.0]), {})


# ---------------------------------------------------------------- styles and figure layout (issue 15)
def _figure_labels():
    """The agent labels of every committed spec whose figures draw agents (the labels that share a legend)."""
    from pathlib import Path

    from rlkit.mbtl.compare import standard_agents
    from rlkit.runner.run import load_spec

    for path in sorted((Path(__file__).resolve().parents[2] / "experiments").glob("*.toml")):
        spec = load_spec(path)
        if "agents" in spec:
            yield path.name, [str(a.get("label", a["algo"])) for a in spec["agents"]]
        elif spec.get("kind", "").startswith("transfer"):
            yield path.name, [a["label"] for a in standard_agents(0.01)]


def test_every_figure_tells_its_agents_apart_and_a_label_keeps_its_style():
    from rlkit.figures.plot import STYLES, style_for, styles_for

    seen = 0
    for name, labels in _figure_labels():
        styles = styles_for(labels)
        pairs = [(styles[lb]["color"], styles[lb]["linestyle"]) for lb in labels]
        assert len(set(pairs)) == len(pairs), f"{name}: two agents share a colour and line style: {labels}"
        for lb in labels:
            if lb in STYLES:
                assert styles[lb] == style_for(lb), f"{name}: {lb} lost its project style"
        seen += 1
    assert seen >= 15
    assert style_for("DynLin-UCB(log T)")["color"] == style_for("DynLin-UCB(1)")["color"]  # one algorithm's variants
    assert style_for("GFUCB 10 tasks") == style_for("Neural GFUCB")  # one agent under two labels: one style


def test_unknown_labels_get_stable_distinct_styles_for_many_agents():
    from rlkit.figures.plot import style_for, styles_for

    labels = [f"agent-{i}" for i in range(16)] + ["DynLin-UCB(log T)", "AR2"]
    styles = styles_for(labels)
    assert len({(s["color"], s["linestyle"]) for s in styles.values()}) == len(labels)
    assert styles == styles_for(labels)  # deterministic
    assert style_for("agent-3") == style_for("agent-3")


def test_slope_is_undefined_unless_the_curve_is_positive_over_the_decade():
    t = np.geomspace(1, 1e4, 200)
    y = 2 * t**0.5
    y[-5] = 0.0
    assert np.isnan(loglog_slope(t, y))
    assert np.isnan(loglog_slope(t, -y))
    assert loglog_slope(t, 2 * t**0.5) == pytest.approx(0.5)


def test_bandit_figure_layout(tmp_path, monkeypatch):
    """Linear and log-log panels, one legend outside both, sizes and the runs' meaning in the title, the zero curve
    named, the bound only on the figure of its regret notion (on the log-log panel), labelled with its agent, with
    the trivial bound beside it and called vacuous when above it."""
    import rlkit.figures.bandit as bandit_figure
    import rlkit.kinds.bandit as bandit
    from rlkit.runner.run import resolve

    figures = {}

    def keep(fig, stem):
        fig.canvas.draw()
        figures[stem.name] = fig
        return [stem]

    monkeypatch.setattr(bandit_figure, "save", keep)
    spec = resolve({"name": "f", "kind": "bandit", "rounds": 1000, "runs": 3,
                    "env": {"id": "rlkit/DynamicalLinearBandit-v0"},
                    "agents": [{"label": "DynLin-UCB(log T)", "algo": "DynLinUCB", "lam": "logT"},
                               {"label": "Clairvoyant", "algo": "Clairvoyant"}],
                    "plot": {"theory": "dynlin_ucb.beta_regret_bound", "theory_params": {"lam": "logT"},
                             "theory_agent": "DynLin-UCB(log T)"}})
    P = len(bandit.checkpoints(1000))
    rng = np.random.default_rng(0)
    grow = np.cumsum(rng.uniform(0, 1, (3, P)), 1)
    terms = ("regret", "realised_regret", "steady_state_regret")
    results = {"DynLin-UCB(log T)": {k: grow for k in terms}, "Clairvoyant": {k: np.zeros((3, P)) for k in terms}}
    bandit.BanditKind().plot(spec, results, tmp_path / "f")
    assert set(figures) == {f"f_{k}" for k in terms}
    for name, fig in figures.items():
        lin, log = fig.axes
        assert lin.get_xscale() == "linear" and log.get_xscale() == "log"
        title = fig._suptitle.get_text()
        assert "T = $10^{3}$, K = 6, d = 3, 3 runs" in title and "each of the 3 runs" in title
        legend = fig.legends[0]
        labels = [" ".join(x.get_text().split()) for x in legend.get_texts()]  # entries wrap to the print width
        assert "Clairvoyant (identically 0)" in labels
        box = legend.get_window_extent()
        for ax in fig.axes:
            assert not box.overlaps(ax.get_window_extent()), "the legend covers an axes"
        bound = [x for x in labels if "bound, for DynLin-UCB(log T)" in x]
        assert bool(bound) == (name == "f_steady_state_regret")
        gids = {line.get_gid() for line in lin.get_lines()}
        assert not gids & {"bound", "bound-vacuous"}, "a bound on the linear panel"
        if bound:
            assert "vacuous" in bound[0] and any("trivial bound" in x for x in labels)
            assert {"bound-vacuous", "trivial"} <= {line.get_gid() for line in log.get_lines()}


def test_standard_error_is_the_sample_sd_over_root_n_and_zero_for_one_run():
    from rlkit.core.stats import standard_error

    Y = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    assert standard_error(Y) == pytest.approx([2.0 / np.sqrt(3), 4.0 / np.sqrt(3)])
    assert standard_error(Y, axis=1) == pytest.approx(np.abs(Y[:, 1] - Y[:, 0]) / np.sqrt(2) / np.sqrt(2))
    assert np.array_equal(standard_error(Y[:1]), [0.0, 0.0]) and float(standard_error(np.array([4.0]))) == 0.0
