"""A sweep over the task count M through the episodic kind: units per (agent, M, chunk), figures, confidence-set
curves, spec errors."""


import numpy as np

from rlkit.cli.main import main
from tests.helpers import run_spec

SPEC = """
name = "tiny_multitask"
kind = "episodic"
episodes = 12
runs = 2
seed = 3

[env]
id = "rlkit/MultitaskLinearMDP-v0"
n_states = 4
n_actions = 2
horizon = 3
n_candidates = 4

[sweep]
param = "n_tasks"
values = [1, 3]

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
    _, out, summary = run_spec(tmp_path, SPEC, "r")
    assert (out / "tiny_multitask_regret.png").exists() and (out / "tiny_multitask_1_regret.png").exists()
    assert set(summary["sweep"]["agents"]) == {"GFUCB-MDP", "LSVI-UCB (raw)"}
    assert summary["points"][1]["point"] == {"n_tasks": 3}
    assert summary["points"][1]["agents"]["GFUCB-MDP"]["regret"]["runs"] == 2
    chunk = np.load(out / "chunks" / "GFUCB-MDP__runs000002-000004.npz")  # M = 3: runs 2 R .. 2 R + 2
    assert chunk["regret"].shape[0] == 2 and np.all(chunk["regret"][:, -1] > 0)
    assert np.all((chunk["candidates_kept"] >= 0) & (chunk["candidates_kept"] <= 4))  # the confidence set's size
    assert set(np.unique(chunk["true_kept"])) <= {0.0, 1.0}
    assert set(np.load(out / "chunks" / "LSVI-UCB (raw)__runs000002-000004.npz")) == {"regret"}


def test_spec_errors_are_one_line(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    for bad, message in (("values = []", "sweep.values must be a non-empty list"), ("values = [1, 0]", "n_tasks"),
                         ("values = [3, 3]", "distinct values")):
        spec.write_text(SPEC.replace("values = [1, 3]", bad))
        assert main(["run", str(spec), "--out", str(tmp_path / "r"), "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err
