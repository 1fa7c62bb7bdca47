"""A transfer-matrix build with the batched trainer (the default for CartPole and Pendulum): end to end, a build
stopped after its first training chunk resumes to the identical matrix, and a matrix cell is the batched
trainer's run alone evaluated on that target."""

import shutil

import numpy as np
import pytest

from rlkit.core.checks import SpecError
from rlkit.core.registry import KINDS
from rlkit.envs.contextual.batched_cartpole import BatchedCartPole
from rlkit.mbtl import batched_build
from rlkit.mbtl.batched_ppo import BatchedPPO, PPOConfig
from rlkit.runner.run import load_plugins, resolve, run
from rlkit.runner.store import ResultStore

TINY = """
name = "tiny_batched"
kind = "transfer_build"
seed = 3
trials = 2
[family]
name = "cartpole"
context = "masscart"
n = 3
options = { context_in_obs = true }
[train]
algo = "PPO"
timesteps = 384
chunk_timesteps = 256
params = { n_steps = 128, batch_size = 64, n_epochs = 2 }
[evaluate]
episodes = 4
[plot]
slope = 0.1
"""


def matrix(out):
    store = ResultStore(out)
    load_plugins()
    kind = KINDS.get("transfer_build")()
    return kind.matrix(store.spec(), store.gather(kind.units(store.spec())))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "tiny_batched.toml"
    path.write_text(TINY)
    return path, run(path, out=tmp_path_factory.mktemp("b") / "r", workers=1, progress=False)


def test_batched_build_end_to_end(built):
    _, out = built
    m = matrix(out)
    assert m.values.shape == (2, 3, 3) and m.multitask.shape == (2, 3) and m.meta["train"]["trainer"] == "batched"
    assert np.all(m.values >= 1) and np.all(m.values <= 500)
    stored = sorted(p.name.split("__")[0] for p in (out / "chunks").glob("*.sha256"))
    assert stored == ["evalb_t0", "evalb_t1", "trainb_c000", "trainb_c001"]  # 3 rollouts: chunks of 2 and 1


def test_stopped_build_resumes_to_the_same_matrix(built, tmp_path):
    path, out = built
    copy = tmp_path / "r"
    shutil.copytree(out, copy)
    for p in (copy / "chunks").iterdir():  # as if killed after the first training chunk was stored
        if not p.name.startswith("trainb_c000"):
            p.unlink()
    run(path, out=copy, workers=1, progress=False)
    a, b = matrix(out), matrix(copy)
    assert np.array_equal(a.values, b.values) and np.array_equal(a.multitask, b.multitask)


def test_a_cell_is_the_run_alone(built):
    path, out = built
    spec = ResultStore(out).spec()
    m = matrix(out)
    t, s, S = 1, 2, batched_build.sources(spec)
    seed = batched_build.run_seeds(spec)[t * S + s]
    alone = BatchedPPO(BatchedCartPole, "masscart", [spec["family"]["values"][s]], [seed],
                       PPOConfig.from_params(spec["train"]["params"]), context_in_obs=True).learn(384)
    returns = alone.evaluate(spec["family"]["values"], batched_build.initial_states(spec, BatchedCartPole, t))
    np.testing.assert_allclose(returns.mean(-1)[0].numpy(), m.values[t, s])


def test_batched_trainer_refuses_what_it_cannot_train():
    spec = {"name": "x", "kind": "transfer_build", "family": {"name": "cartpole", "context": "masscart", "n": 3},
            "train": {"algo": "DQN", "trainer": "batched"}}
    with pytest.raises(SpecError, match="trainer = 'batched' needs"):
        resolve(spec)
    spec["train"] = {"algo": "PPO", "params": {"target_kl": 0.1}}
    with pytest.raises(SpecError, match="target_kl"):
        resolve(spec)
    spec["train"] = {"algo": "PPO", "trainer": "sb3"}
    assert resolve(spec)["train"]["trainer"] == "sb3"
