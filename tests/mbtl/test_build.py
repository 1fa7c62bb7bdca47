"""A real transfer-matrix build (SB3 PPO, N = 3, a few hundred steps): end to end, killed and resumed with
identical cells, and the same matrix on Ray as on local processes."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from rlkit.cli.main import main
from rlkit.core.registry import KINDS
from rlkit.mbtl import TransferMatrix
from rlkit.runner.run import load_plugins, run
from rlkit.runner.store import ResultStore

pytest.importorskip("stable_baselines3")

TINY = """
name = "tiny_build"
kind = "transfer_build"
seed = 3
trials = 1
[family]
name = "cartpole"
context = "masscart"
n = 3
options = { context_in_obs = true }
[train]
algo = "PPO"
trainer = "sb3"
timesteps = 256
params = { n_steps = 128, batch_size = 64, n_epochs = 2 }
[evaluate]
episodes = 30
batch = 1
[plot]
slope = 0.1
"""


def cells(out):
    store = ResultStore(out)
    load_plugins()
    kind = KINDS.get("transfer_build")()
    spec = store.spec()
    return {u.key: store.read(u)["returns"] for u in kind.units(spec) if u.agent.startswith("eval_")}


def matrix(out):
    store = ResultStore(out)
    load_plugins()
    kind = KINDS.get("transfer_build")()
    return kind.matrix(store.spec(), store.gather(kind.units(store.spec())))


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "tiny_build.toml"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="module")
def clean(spec_path, tmp_path_factory):
    return run(spec_path, out=tmp_path_factory.mktemp("clean") / "r", workers=1, progress=False)


@pytest.mark.slow
def test_build_end_to_end(clean, capsys):
    m = matrix(clean)
    assert m.values.shape == (1, 3, 3) and m.multitask.shape == (1, 3) and m.bounds == (0.0, 500.0)
    assert np.allclose(m.contexts, [0.1, 5.05, 10.0]) and np.all(m.values >= 1) and np.all(m.values <= 500)
    assert len(cells(clean)) == 12  # (3 sources + multi-task) x 3 targets, one cell per unit
    main(["plot", str(clean)])
    assert (clean / "tiny_build.png").exists() and (clean / "tiny_build_heatmap.png").exists()
    assert np.array_equal(TransferMatrix.load(clean / "tiny_build_matrix.npz").values, m.values)
    assert main(["transfer", "select", str(clean), "--steps", "3"]) == 0
    assert "Multi-task" in capsys.readouterr().out


@pytest.mark.slow
def test_killed_build_resumes_with_identical_cells(spec_path, clean, tmp_path):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "rlkit.cli", "run", str(spec_path), "--out", str(out), "--workers", "1", "--quiet",
           "--no-plot"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and len(list((out / "chunks").glob("eval_*.sha256"))) < 2:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {p.name: p.read_bytes() for p in (out / "chunks").glob("eval_*") if not p.name.startswith(".")}
    n_done = sum(name.endswith(".sha256") for name in before)
    assert 2 <= n_done < 12, f"the kill should land during evaluation, found {n_done} finished cells"
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for name, data in before.items():  # cells finished before the kill are kept as they were
        if name.endswith(".npz"):
            assert (out / "chunks" / name).read_bytes() == data
    resumed, reference = cells(out), cells(clean)
    assert resumed.keys() == reference.keys()
    for key in reference:
        assert np.array_equal(resumed[key], reference[key]), key


@pytest.mark.slow
def test_ray_gives_the_same_matrix_as_local_processes(spec_path, clean, tmp_path):
    ray = pytest.importorskip("ray")
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        on_ray = run(spec_path, out=tmp_path / "ray", backend="ray", progress=False)
    finally:
        ray.shutdown()
    assert np.array_equal(matrix(on_ray).values, matrix(clean).values)
    assert np.array_equal(matrix(on_ray).multitask, matrix(clean).multitask)


def test_sb3_training_leaves_the_global_rngs_and_the_temporary_folder_as_they_were(tmp_path, monkeypatch):
    import random
    import tempfile

    import gymnasium as gym
    import torch

    from rlkit.mbtl import sb3

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where SB3's default logger would make its folder
    state = random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state()  # noqa: NPY002
    model = sb3.train(lambda i: gym.make("rlkit/ContextualCartPole-v0"), "PPO", 64, seed=1,
                      params={"n_steps": 64, "batch_size": 32, "n_epochs": 1})
    returns = sb3.evaluate(sb3.load(model, "PPO"), lambda: gym.make("rlkit/ContextualCartPole-v0"), [0, 1, 2])
    assert returns.shape == (3,) and np.all(returns >= 1)
    one_env = sb3.evaluate(sb3.load(model, "PPO"), lambda: gym.make("rlkit/ContextualCartPole-v0"), [0, 1, 2],
                           batch=1, score=lambda env, infos: len(infos) - 1)  # reward 1 per step: steps = return
    np.testing.assert_array_equal(one_env, returns)  # the episodes one after another in one environment
    assert random.getstate() == state[0] and np.array_equal(np.random.get_state()[1], state[1])  # noqa: NPY002
    assert torch.equal(torch.get_rng_state(), state[2])
    assert not list(tmp_path.glob("SB3-*"))  # no folder of SB3's default logger left behind
