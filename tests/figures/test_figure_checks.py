"""Figure checks (rlkit.figures.checks): each check fails on a figure built to break it, and every committed spec's
figures, drawn from a tiny run of that spec (2 runs, a few dozen rounds or episodes), pass them all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.cpu_only(reason="figures are drawn from numpy arrays on the host")

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "experiments").glob("*.toml"))


def _fig(**kw):
    from rlkit.figures.plot import panels

    return panels("A title", "round t", "regret", **kw)


# ------------------------------------------------------------ negative controls
def test_a_clean_figure_passes_and_each_defect_is_caught():
    from rlkit.figures.checks import check_figure
    from rlkit.figures.plot import draw_bound, draw_curves, legend, styled

    t = np.arange(1.0, 101.0)
    rng = np.random.default_rng(0)
    a = np.cumsum(rng.uniform(0, 1, (6, 100)), 1)
    b = 2.0 * a

    @styled
    def clean():
        fig, (ax,) = _fig()
        c = draw_curves(ax, t, {"DynLin-UCB(log T)": a, "Lin-UCB(1)": b})
        legend(fig, ax, centres=c)
        return fig, ax

    fig, _ = clean()
    assert check_figure(fig) == []

    fig, ax = clean()  # small type
    ax.text(0.5, 0.5, "tiny", fontsize=5, transform=ax.transAxes)
    assert any("5.0 pt" in p for p in check_figure(fig))

    fig, ax = clean()  # two curves in one style
    ax.plot(t, b[0] * 3, color=ax.get_lines()[-1].get_color(), linestyle=ax.get_lines()[-1].get_linestyle(),
            marker=ax.get_lines()[-1].get_marker(), label="again")
    assert any("share colour" in p for p in check_figure(fig))

    fig, ax = clean()  # a legend entry with nothing on the axes
    ax.plot(t, -1e6 * np.ones_like(t), label="far below")
    ax.set_ylim(0, 300)
    assert any("no point inside" in p for p in check_figure(fig))

    @styled
    def together(merge: bool):
        fig, (ax,) = _fig()
        c = draw_curves(ax, t, {"DynLin-UCB(log T)": a, "Lin-UCB(1)": a + 1e-9})
        legend(fig, ax, centres=c if merge else None)
        return fig

    assert any("run together" in p for p in check_figure(together(False)))
    assert check_figure(together(True)) == []

    @styled
    def bound(honest: bool):
        fig, (ax,) = _fig()
        draw_curves(ax, t, {"DynLin-UCB(log T)": a})
        draw_bound(ax, t, 10 * t, "a bound", trivial=2 * t if honest else None)
        if not honest:
            ax.plot(t, 2 * t, gid="trivial", label="trivial")
        legend(fig, ax)
        return fig

    assert check_figure(bound(True)) == []
    assert any("not called vacuous" in p for p in check_figure(bound(False)))

    fig, ax = clean()
    ax.set_title("GFUCB (n_tasks=10)")
    assert sum("carries" in p for p in check_figure(fig)) == 2


def test_coincident_curves_are_named_together_in_one_legend_entry():
    from rlkit.figures.plot import draw_curves, legend, styled

    t = np.arange(1.0, 51.0)
    a = np.tile(np.sqrt(t), (6, 1))

    @styled
    def draw():
        fig, (ax,) = _fig()
        c = draw_curves(ax, t, {"R2PVI-TV": a, "DRVI-L(rho=0.1)": a.copy(), "PEVI": 3 * a})
        legend(fig, ax, centres=c)
        return fig

    texts = [" ".join(x.get_text().split()) for x in draw().legends[0].get_texts()]
    assert texts == ["R2PVI-TV = DRVI-L(rho=0.1) (coincide)", "PEVI"]

    @styled
    def linear():  # agents at one per-round loss: the legend says the rate they share
        fig, (ax,) = _fig()
        c = draw_curves(ax, t, {"Lin-UCB(1)": np.tile(0.215 * t, (6, 1)), "EXP3": np.tile(0.2151 * t, (6, 1)),
                                "DynLin-UCB(log T)": a})
        legend(fig, ax, centres=c)
        return fig

    texts = [" ".join(x.get_text().split()) for x in linear().legends[0].get_texts()]
    assert texts[0] == "Lin-UCB(1) = EXP3 (coincide: each about 0.215 x t, linear)"  # x-label "round t"


def test_few_runs_are_drawn_each_and_many_as_a_t_band():
    from scipy.stats import t as student

    from rlkit.figures.plot import band_caption, draw_curves, styled, t_band

    x = np.arange(10.0)
    rng = np.random.default_rng(1)

    @styled
    def lines(n):
        fig, (ax,) = _fig()
        draw_curves(ax, x, {"MBTL": rng.normal(size=(n, 10))})
        return ax

    assert len(lines(3).get_lines()) == 4 and not lines(3).collections  # 3 thin lines + the mean, no band
    assert len(lines(8).get_lines()) == 1 and len(lines(8).collections) == 1
    assert "each of the 3 runs" in band_caption(3) and "95% t-interval" in band_caption(8)
    Y = rng.normal(size=(8, 4))
    mean, lo, hi = t_band(Y)
    se = Y.std(0, ddof=1) / np.sqrt(8)
    assert np.allclose(hi - mean, student.ppf(0.975, 7) * se) and np.allclose(mean - lo, hi - mean)


# -------------------------------------------------- every committed spec's figures
def _tiny(spec: dict) -> dict:
    """The spec at a test's size: 2 runs, a few dozen rounds or episodes, two points per sweep."""
    s = {**spec}
    kind = s["kind"]
    if "runs" in s:
        s["runs"] = 2
        s["chunk_size"] = 2
    if "rounds" in s:
        s["rounds"] = min(s["rounds"], 30)
    if "episodes" in s and kind in ("episodic", "reward_free"):
        s["episodes"] = min(s["episodes"], 30)
    if "sweep" in s:
        sw = dict(s["sweep"])
        if "values" in sw:
            sw["values"] = sw["values"][:2]
        else:
            sw["points"] = sw["points"][:2]
        s["sweep"] = sw
    if kind == "reward_free":
        s["reward_free"] = {**s["reward_free"], "checkpoints": 6, "random_rewards": 2}
    if kind == "offline_sweep":
        s["evaluate"] = {**s["evaluate"], "episodes": 5}
    if kind == "timing_sweep":
        s["repeats"] = 2
        s["data"] = {**s["data"], "episodes": 50}
        s["sweeps"] = [{**sw, "values": sorted(sw["values"])[:2]} for sw in s["sweeps"]]
    return s


def _checked(monkeypatch):
    """Capture every figure at save time and record its problems."""
    import matplotlib.pyplot as plt

    import rlkit.figures.plot as figures_plot
    from rlkit.figures.checks import check_figure

    found = {}

    def keep(fig, stem):
        found[Path(stem).name] = check_figure(fig)
        plt.close(fig)
        return [Path(stem).with_suffix(".png")]

    monkeypatch.setattr(figures_plot, "_save", keep)
    return found


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_every_committed_spec_figure_passes_the_checks(path, tmp_path, monkeypatch):
    from rlkit.runner.run import load_spec, plot, run

    spec = load_spec(path)
    found = _checked(monkeypatch)
    if spec["kind"] == "transfer_build":  # trains policies: its figure code on a small synthetic matrix instead
        from rlkit.kinds.transfer_select import selection
        from rlkit.mbtl.compare import selection_agents
        from rlkit.mbtl.synthetic import synthetic

        matrix = synthetic("sd_mbtl", n=10, trials=2, seed=0)
        matrix.meta["context"] = spec["family"]["context"]
        agents = selection_agents(matrix, spec.get("agents"), slope=spec.get("plot", {}).get("slope", 0.005),
                                  random_runs=5)
        selection(matrix, agents, 0, stem=tmp_path / spec["name"], title=spec["plot"].get("title", spec["name"]),
                  heatmap=True)
    else:
        if spec["kind"] == "transfer":
            spec = {**spec, "matrix": {**spec["matrix"], "n": 12, "trials": 2}}
        out = run(_tiny(spec), out=tmp_path / "r", workers=1, progress=False)
        plot(out)
    assert found, "no figure drawn"
    problems = {name: p for name, p in found.items() if p}
    assert not problems, problems
