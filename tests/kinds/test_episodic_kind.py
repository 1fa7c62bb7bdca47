"""The episodic experiment kind through the CLI: run, resume, plot, and its spec errors."""

import json

from rlkit.cli.main import main
from tests.helpers import run_spec

SPEC = """
name = "tiny_episodic"
kind = "episodic"
episodes = 40
runs = 4
seed = 1
chunk_size = 2

[env]
id = "rlkit/RandomTabularMDP-v0"
n_states = 3
n_actions = 2
horizon = 3

[[agents]]
algo = "LSVI-UCB"
theory = false
beta = 1.0

[[agents]]
label = "uniform"
algo = "UniformPolicy"
"""


def test_run_resume_plot_and_horizon_override(tmp_path, capsys):
    spec, out, summary = run_spec(tmp_path, SPEC, "r")
    assert (out / "tiny_episodic.png").exists()
    assert summary["episodes"] == 40 and summary["agents"]["uniform"]["regret"]["runs"] == 4
    first = (out / "chunks" / "uniform__runs000000-000002.npz").read_bytes()
    assert main(["run", str(spec), "--out", str(out), "--workers", "1", "--quiet", "--no-plot"]) == 0  # resumes
    assert (out / "chunks" / "uniform__runs000000-000002.npz").read_bytes() == first
    assert main(["run", str(spec), "--out", str(tmp_path / "r2"), "--episodes", "7", "--workers", "1", "--quiet",
                 "--no-plot"]) == 0
    assert json.loads((tmp_path / "r2" / "spec.json").read_text())["episodes"] == 7


def test_spec_errors_are_one_line(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text(SPEC.replace('id = "rlkit/RandomTabularMDP-v0"', 'id = "rlkit/LinearBandit-v0"')
                    .replace("n_states = 3\nn_actions = 2\nhorizon = 3\n", ""))
    assert main(["run", str(spec), "--out", str(tmp_path / "r"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "not a finite episodic environment" in err and "\n" not in err
    spec.write_text(SPEC.replace("episodes = 40", "horizon = 40"))
    assert main(["run", str(spec), "--out", str(tmp_path / "r"), "--quiet"]) == 2
    assert "unknown top-level key(s) ['horizon']" in capsys.readouterr().err
