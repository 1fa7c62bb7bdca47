"""The multitask_episodic kind through the CLI: one unit per (agent, M, chunk), the per-M figure, spec errors."""

import json

import numpy as np

from rlkit.cli import main

SPEC = """
name = "tiny_multitask"
kind = "multitask_episodic"
tasks = [1, 3]
episodes = 12
runs = 2
seed = 3

[env]
id = "rlkit/MultitaskLinearMDP-v0"
n_states = 4
n_actions = 2
horizon = 3
n_candidates = 4

[[agents]]
label = "GFUCB-MDP"
algo = "GFUCB-MDP"
theory = false
beta = 1.0

[[agents]]
label = "LSVI-UCB (raw)"
algo = "LSVI-UCB"
theory = false
beta = 1.0
features = "raw_phi"
"""


def test_run_plot_and_units(tmp_path):
    spec = tmp_path / "tiny.toml"
    spec.write_text(SPEC)
    out = tmp_path / "r"
    assert main(["run", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert (out / "tiny_multitask.png").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["agents"]) == {f"{a} [M={m}]" for a in ("GFUCB-MDP", "LSVI-UCB (raw)") for m in (1, 3)}
    assert summary["agents"]["GFUCB-MDP [M=3]"]["regret"]["runs"] == 2
    chunk = np.load(out / "chunks" / "GFUCB-MDP [M=3]__runs000000-000002.npz")
    assert chunk["regret"].shape[0] == 2 and np.all(chunk["regret"][:, -1] > 0)
    assert np.all((chunk["candidates_kept"] >= 0) & (chunk["candidates_kept"] <= 4))  # the confidence set's size
    assert set(np.unique(chunk["true_kept"])) <= {0.0, 1.0}
    assert set(np.load(out / "chunks" / "LSVI-UCB (raw) [M=3]__runs000000-000002.npz")) == {"regret"}


def test_spec_errors_are_one_line(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    for bad, message in (("tasks = [1, 3]", "tasks must be a non-empty list"), ("tasks = [1, 0]", "tasks entries"),
                         ("tasks = [3, 3]", "must not repeat")):
        spec.write_text(SPEC.replace("tasks = [1, 3]", "" if "non-empty" in message else bad))
        assert main(["run", str(spec), "--out", str(tmp_path / "r"), "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err
