"""The reward_free kind and [sweep] tables through the CLI: run, resume, plot, summaries, spec errors."""

import json
import re

import pytest

from rlkit.cli.main import main
from rlkit.runner.run import load_spec, resolve

pytestmark = pytest.mark.usefixtures("single_thread")

SWEEP = """
name = "tiny_rf"
kind = "reward_free"
episodes = 30
runs = 2
seed = 1

[reward_free]
eps = 0.1
random_rewards = 2
checkpoints = 6
figure = "sweep"

[env]
id = "rlkit/LowerBoundMDP-v0"
dim = 3
gap = 0.05

[sweep]
param = "horizon"
values = [2, 4]

[[agents]]
algo = "HF-UCRL-RFE++"
beta_scale = 5e-4
moments = 2

[[agents]]
algo = "UCRL-RFE"
beta_scale = 0.1
"""

CURVE = """
name = "tiny_curve"
kind = "reward_free"
episodes = 12
runs = 2

[reward_free]
checkpoints = 4

[env]
id = "rlkit/LowerBoundMDP-v0"

[sweep]
points = [
    { id = "rlkit/LowerBoundMDP-v0", dim = 2, horizon = 3, gap = 0.05 },
    { id = "rlkit/HardMixtureMDP-v0", dim = 2, horizon = 3, gap = 0.05 },
    { id = "rlkit/MixtureRiverSwim-v0", n_states = 3, horizon = 3 },
]

[[agents]]
algo = "HF-UCRL-RFE++"
beta_scale = 5e-4
moments = 2

[[agents]]
algo = "UCRL-RFE+"
beta_scale = 2e-3
"""


def _run(tmp_path, text, name="s.toml", out="r", extra=()):
    spec = tmp_path / name
    spec.write_text(text)
    return main(["run", str(spec), "--out", str(tmp_path / out), "--workers", "1", "--quiet", *extra])


@pytest.mark.slow
def test_sweep_runs_resumes_and_plots(tmp_path):
    assert _run(tmp_path, SWEEP) == 0
    out = tmp_path / "r"
    assert (out / "tiny_rf.png").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert [p["point"] for p in summary["points"]] == [{"horizon": 2}, {"horizon": 4}]
    hf = summary["points"][1]["agents"]["HF-UCRL-RFE++"]
    assert len(hf["episodes_to_eps"]) == 2 and hf["certificate_holds"] == 1.0
    chunks = sorted(p.name for p in (out / "chunks").glob("*.npz"))
    assert chunks == ["HF-UCRL-RFE++__runs000000-000002.npz", "HF-UCRL-RFE++__runs000002-000004.npz",
                      "UCRL-RFE__runs000000-000002.npz", "UCRL-RFE__runs000002-000004.npz"]
    first = (out / "chunks" / chunks[1]).read_bytes()
    assert _run(tmp_path, SWEEP, extra=("--no-plot",)) == 0  # resumes: nothing recomputed
    assert (out / "chunks" / chunks[1]).read_bytes() == first


@pytest.mark.slow
def test_curves_over_instances(tmp_path):
    assert _run(tmp_path, CURVE) == 0
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert len(summary["points"]) == 3 and (tmp_path / "r" / "tiny_curve.png").exists()
    assert "final_certificate_mean" in summary["points"][2]["agents"]["HF-UCRL-RFE++"]


@pytest.mark.slow
def test_generic_episodic_kind_sweeps_env_parameters(tmp_path):
    text = """
name = "tiny_sweep"
kind = "episodic"
episodes = 10
runs = 2

[env]
id = "rlkit/RandomTabularMDP-v0"
n_states = 3
n_actions = 2

[sweep]
points = [{ horizon = 2 }, { horizon = 3, n_states = 4 }]

[[agents]]
algo = "UniformPolicy"
"""
    assert _run(tmp_path, text) == 0
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert [p["point"] for p in summary["points"]] == [{"horizon": 2}, {"horizon": 3, "n_states": 4}]
    assert summary["points"][0]["agents"]["UniformPolicy"]["regret"]["runs"] == 2
    assert (tmp_path / "r" / "tiny_sweep_0.png").exists() and (tmp_path / "r" / "tiny_sweep_1.png").exists()


@pytest.mark.parametrize("edit,message", [
    (("eps = 0.1", "eps = 0.0"), r"reward_free.eps must lie in \(0, 1\]"),
    (("eps = 0.1", "eps = 1.5"), r"reward_free.eps must lie in \(0, 1\]"),
    (('algo = "UCRL-RFE"', 'algo = "UniformPolicy"'), "is not a reward-free agent"),
    (("checkpoints = 6", "checkpoints = 6\nwidth = 2"), r"unknown reward_free key\(s\) \['width'\]"),
    (('id = "rlkit/LowerBoundMDP-v0"\ndim = 3\ngap = 0.05', 'id = "rlkit/RandomTabularMDP-v0"'),
     "is not a linear mixture MDP"),
    (("values = [2, 4]", "values = []"), "sweep.values must be a non-empty list"),
    (("values = [2, 4]", "values = [2, 0]"), "horizon must be an integer >= 1"),
    (('param = "horizon"\nvalues = [2, 4]', "points = [{ horizon = 2 }, { horizon = 4 }]"),
     "needs a \\[sweep\\] of one \\[env\\] parameter over numbers"),
    (('param = "horizon"', 'param = "horizon"\nstep = 2'), r"unknown sweep key\(s\) \['step'\]"),
    (("values = [2, 4]", "values = [2, 4]\npoints = [{ horizon = 3 }]"), "either 'param' and 'values' or 'points'"),
    (("values = [2, 4]", "values = [2, 2]"), "distinct values"),
])
def test_spec_errors_are_one_line(tmp_path, capsys, edit, message):
    assert _run(tmp_path, SWEEP.replace(*edit)) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert re.search(message, err), err


@pytest.mark.parametrize("path,points", [("experiments/reward_free_horizon.toml", 5),
                                         ("experiments/reward_free_curve.toml", 3)])
def test_shipped_specs_resolve(path, points):
    spec = resolve(load_spec(path))
    assert spec["runs"] == 10 and len(spec["sweep"]["points"]) == points
    assert [a["algo"] for a in spec["agents"]] == ["HF-UCRL-RFE++", "UCRL-RFE", "UCRL-RFE+"]
    if points == 5:
        assert spec["sweep"]["values"] == [5, 10, 20, 40, 80]
