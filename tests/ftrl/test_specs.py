"""The FTRL experiments through the CLI on tiny sizes: the episodic kind's reference rates, the episodic kind's sweep
kind (units, seeds, summary, figure, resume) and their spec errors; the committed specs resolve."""

import json
from pathlib import Path

import numpy as np
import pytest

from rlkit.agents.bandit_loop import checkpoints
from rlkit.cli.main import main
from rlkit.runner.run import load_spec, resolve
from tests.helpers import run_spec

ROOT = Path(__file__).resolve().parents[2]

ENV = """
[env]
id = "rlkit/AdversarialLinearMDP-v0"
n_states = 3
horizon = 2
dim = 3
phase_length = 5
"""

AGENTS = """
[[agents]]
label = "FTRL"
algo = "FTRLLogBarrier"
eta = 2.0
gamma = 0.1
beta = 0.01
n_samples = 6

[[agents]]
label = "Hedge"
algo = "DilatedBonusPO"
eta = 0.5
gamma = 0.1
n_samples = 6

[[agents]]
label = "uniform"
algo = "UniformPolicy"
"""

REGRET = """
name = "tiny_ftrl"
kind = "episodic"
episodes = 30
runs = 3
seed = 2
""" + ENV + "n_actions = 3\n" + AGENTS + """
[plot]
loglog = true

[[plot.references]]
theory = "ftrl_logbarrier.sqrt_rate"
agent = "FTRL"

[[plot.references]]
theory = "ftrl_logbarrier.two_thirds_rate"
agent = "Hedge"
"""

SWEEP = """
name = "tiny_sweep"
kind = "episodic"
episodes = 20
runs = 4
seed = 2
chunk_size = 2
""" + ENV + """
[sweep]
param = "n_actions"
values = [2, 3, 5]
label = "number of actions A"
""" + AGENTS


def test_regret_spec_with_reference_rates(tmp_path, monkeypatch):
    """Both reference rates are drawn: dotted, labelled with their function, through their agent's final mean, and
    with the shape of their rate (y(K) / y(1) = sqrt(K) and K^(2/3), written here). A figure without them, or with
    a rate swapped, fails."""
    import rlkit.figures.plot as figures_plot

    figures = {}
    save = figures_plot.save

    def keep(fig, stem):
        figures[stem.name] = fig
        return save(fig, stem)

    import importlib
    import pkgutil

    import rlkit.figures

    for info in pkgutil.iter_modules(rlkit.figures.__path__):  # every figure module that holds the helper
        module = importlib.import_module(f"rlkit.figures.{info.name}")
        if getattr(module, "save", None) is save:
            monkeypatch.setattr(module, "save", keep)
    _, out, summary = run_spec(tmp_path, REGRET, "r")
    assert (out / "tiny_ftrl.png").exists()
    assert set(summary["agents"]) == {"FTRL", "Hedge", "uniform"}
    refs = {}  # rates are drawn in the rate grammar: grey dotted (gid "rate"), named by an inline note on the line
    for ax in figures["tiny_ftrl"].axes:
        for line in ax.get_lines():
            if line.get_gid() != "rate":
                continue
            x, y = (np.asarray(v, dtype=np.float64) for v in line.get_data())
            for note in ax.texts:
                if hasattr(note, "xy") and np.any(np.isclose(x, note.xy[0]) & np.isclose(y, note.xy[1])):
                    refs.setdefault(note.get_text(), line)
    assert set(refs) == {"sqrt(K) rate", "K^(2/3) rate"}
    for label, agent, power in (("sqrt(K) rate", "FTRL", 0.5), ("K^(2/3) rate", "Hedge", 2.0 / 3.0)):
        x, y = (np.asarray(v, dtype=np.float64) for v in refs[label].get_data())
        np.testing.assert_allclose(y / y[-1], (x / x[-1]) ** power, rtol=1e-9)
        final = summary["agents"][agent]["regret"]["final_mean"]
        assert y[-1] == pytest.approx(final, rel=1e-6), agent  # anchored at the agent's last mean


def test_sweep_kind_units_seeds_summary_and_resume(tmp_path):
    spec, out, summary = run_spec(tmp_path, SWEEP, "s")
    assert (out / "tiny_sweep.png").exists()
    assert summary["sweep"]["values"] == [2, 3, 5] and summary["sweep"]["param"] == "n_actions"
    ftrl = summary["sweep"]["agents"]["FTRL"]["regret"]
    assert len(ftrl["final_mean"]) == 3 and ftrl["runs"] == 4
    assert summary["points"][1]["agents"]["FTRL"]["regret"]["final_mean"] == pytest.approx(ftrl["final_mean"][1])
    assert all((out / f"tiny_sweep_{g}.png").exists() for g in range(3))  # each point's curves
    chunks = sorted(p.name for p in (out / "chunks").glob("FTRL__*.npz"))
    assert len(chunks) == 6  # 3 values x 2 chunks of 2 runs
    first = (out / "chunks" / chunks[0]).read_bytes()
    assert main(["run", str(spec), "--out", str(out), "--workers", "1", "--quiet", "--no-plot"]) == 0
    assert (out / "chunks" / chunks[0]).read_bytes() == first
    # a sweep point equals the plain episodic kind at that value with the same seeds (common random numbers)
    single = tmp_path / "one.toml"
    single.write_text(SWEEP.replace("chunk_size = 2", "")
                      .split("[sweep]")[0] + "n_actions = 3\n" + AGENTS)
    assert main(["run", str(single), "--out", str(tmp_path / "one"), "--workers", "1", "--quiet", "--no-plot"]) == 0
    one = json.loads((tmp_path / "one" / "summary.json").read_text())["agents"]["FTRL"]["regret"]["final_mean"]
    assert one == pytest.approx(ftrl["final_mean"][1], rel=1e-12)


LENGTHS = """
name = "tiny_lengths"
kind = "episodic"
episodes = 40
runs = 3
seed = 2
""" + ENV + "n_actions = 3\n" + AGENTS.replace('eta = 2.0', 'eta = 2.0\nschedule = "dai2023"') + """
[sweep]
param = "episodes"
values = [10, 40]
label = "episodes K"

[[plot.references]]
theory = "ftrl_logbarrier.sqrt_rate"
agent = "FTRL"
over = "sweep"
"""


def test_a_sweep_of_the_episodes_is_a_separate_run_per_k_with_its_schedule(tmp_path):
    _, out, summary = run_spec(tmp_path, LENGTHS, "k")
    assert (out / "tiny_lengths.png").exists() and not (out / "tiny_lengths_0.png").exists()
    ftrl = summary["sweep"]["agents"]["FTRL"]["regret"]
    lo, hi = ftrl["loglog_slope_ci"]
    assert len(ftrl["final_mean"]) == 2 and lo <= ftrl["loglog_slope"] <= hi
    # the point K = 10 is the plain episodic kind run for 10 episodes (its schedule at K = 10), not a checkpoint
    # of the K = 40 run
    single = tmp_path / "one.toml"
    single.write_text(LENGTHS.split("[sweep]")[0].replace("episodes = 40", "episodes = 10"))
    assert main(["run", str(single), "--out", str(tmp_path / "one"), "--workers", "1", "--quiet", "--no-plot"]) == 0
    one = json.loads((tmp_path / "one" / "summary.json").read_text())["agents"]["FTRL"]["regret"]
    assert one["final_mean"] == pytest.approx(ftrl["final_mean"][0], rel=1e-12)
    single.write_text(LENGTHS.split("[sweep]")[0])
    assert main(["run", str(single), "--out", str(tmp_path / "two"), "--workers", "1", "--quiet", "--no-plot"]) == 0
    curve = np.load(next((tmp_path / "two" / "chunks").glob("FTRL__*.npz")))["regret"]  # (runs, P) of the K = 40 run
    at_10 = np.flatnonzero(checkpoints(40) == 10)[0]
    assert curve[:, at_10].mean() != pytest.approx(ftrl["final_mean"][0], rel=1e-6)  # the schedule depends on K


@pytest.mark.parametrize("text, message", [
    (SWEEP.replace('param = "n_actions"', 'param = "n_actions"\nstep = 2'), "unknown sweep key"),
    (SWEEP.replace("values = [2, 3, 5]", "values = []"), "sweep.values must be"),
    (SWEEP.replace("values = [2, 3, 5]", "values = [2, 0]"), "n_actions"),
    (SWEEP.replace('param = "n_actions"', 'params = "n_actions"'), "unknown sweep key(s) ['params']"),
    (SWEEP.replace("n_states = 3", "n_states = 3\nn_actions = 2"), "also set in [env]"),
    (LENGTHS.replace("values = [10, 40]", "values = [10, 0.5]"), "sweep.values (episodes)"),
    (REGRET.replace('agent = "Hedge"', 'agent = "EXP3"'), "not an agent label"),
    (REGRET.replace('theory = "ftrl_logbarrier.sqrt_rate"', 'theory = "nope.f"'), "plot.theory must name"),
    (REGRET.replace("eta = 2.0", "eta = -2.0"), "eta must be > 0"),
], ids=["sweep-key", "no-values", "bad-value", "no-sweep", "twice", "length", "ref-agent", "ref-theory", "eta"])
def test_spec_errors_are_one_line(tmp_path, capsys, text, message):
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    assert main(["run", str(spec), "--out", str(tmp_path / "r"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


@pytest.mark.parametrize("name", ["ftrl_logbarrier.toml", "ftrl_logbarrier_actions.toml",
                                  "ftrl_logbarrier_episodes.toml"])
def test_committed_specs_resolve(name):
    spec = resolve(load_spec(ROOT / "experiments" / name))
    assert spec["runs"] == 10
    labels = [a["label"] for a in spec["agents"]]
    assert any("FTRL" in lab for lab in labels) and "Uniform policy" in labels
    if "sweep" not in spec:
        assert spec["episodes"] >= 10_000
    elif spec["sweep"]["param"] == "episodes":  # the test of the sqrt(K) claim: 10^2 to 10^5, the bonus on
        assert min(spec["sweep"]["values"]) <= 100 and max(spec["sweep"]["values"]) >= 100_000
        assert all(a.get("beta", 1) > 0 and a.get("bonus") != "none" for a in spec["agents"] if "schedule" in a)
    else:
        assert spec["sweep"]["param"] == "n_actions" and len(spec["sweep"]["values"]) >= 3
    for a in spec["agents"]:  # labels say what runs
        if a.get("bonus") == "none" or a.get("beta") == 0:
            assert "no bonus" in a["label"]
        if "schedule" in a:
            assert a["schedule"].startswith(("dai", "luo")) == ("schedule" in a["label"])
    assert np.isfinite(spec["episodes"])
