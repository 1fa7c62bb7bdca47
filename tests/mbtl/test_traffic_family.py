"""The ``traffic`` family through the ``transfer_build`` kind: a real 2 x 2 SUMO/DQN matrix, built with its
cells in fresh processes, a cell killed mid-build and retried, the same numbers as in-process evaluation."""

import contextlib
import importlib.util
import logging
import os
import pickle
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from rlkit.cli.main import main
from rlkit.core.checks import RLKitError
from rlkit.core.registry import KINDS
from rlkit.core.seeding import ENV, role_sequence, run_sequence
from rlkit.mbtl.families.base import FAMILIES, EnvMaker
from rlkit.mbtl.families.traffic import TrafficFamily
from rlkit.mbtl.families.traffic_dqn import SCORE_BOUNDS
from rlkit.runner.run import load_plugins, load_spec, resolve, run
from rlkit.runner.store import ResultStore

needs_traffic = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("sumo", "libsumo", "sumo_rl", "stable_baselines3", "sklearn")),
    reason='needs the traffic and rl extras: pip install "rlkit[traffic,rl]"')

TINY = """
name = "tiny_traffic"
kind = "transfer_build"
seed = 5
trials = 1
[family]
name = "traffic"
context = "inflow"
values = [300.0, 1500.0]
options = {{ episode_seconds = 200, lane_length = 300.0, cache_dir = "{cache}" }}
[train]
algo = "DQN"
timesteps = 300
multitask = false
params = {{ learning_starts = 100 }}
[evaluate]
episodes = 1
chunk_size = 2
[plot]
slope = 0.1
"""


def test_family_is_registered_and_checks_its_trainer():
    family = FAMILIES.get("traffic")
    assert isinstance(family, TrafficFamily) and family.bounds == SCORE_BOUNDS == (-100.0, 0.0)
    cars = family.grid("inflow", 10, (0.25, 2.5)) * 5400 / 3600  # veh/h -> cars per 5400-s episode
    np.testing.assert_allclose(cars, np.arange(250, 2501, 250))  # every 5th of MBTL's 50 inflows
    # MBTL's 50-task grids, the other contexts at MBTL's base (1000 cars per 5400 s, 14 m/s, 750 m)
    inflow = family.grid("inflow", 50, (0.05, 2.5))
    np.testing.assert_allclose(inflow * 5400 / 3600, np.arange(50, 2501, 50))
    assert inflow[19] == pytest.approx(1000 * 3600 / 5400)  # the default: 1000 cars per episode
    speed, length = family.contexts["speed_limit"][0], family.contexts["lane_length"][0]
    assert (speed, length) == (14.0, 750.0)
    np.testing.assert_allclose(family.grid("speed_limit", 50, (0.5 / speed, 25 / speed)), np.arange(0.5, 25.1, 0.5))
    np.testing.assert_allclose(family.grid("lane_length", 50, (50 / length, 2500 / length)), np.arange(50, 2501, 50))
    with pytest.raises(RLKitError, match="context inflow must lie in"):
        family.check_values("inflow", [-1.0])
    with pytest.raises(RLKitError, match='algo = "DQN", n_envs = 1.*got \\{\'algo\': \'PPO\'\\}'):
        family.train(None, {"algo": "PPO", "n_envs": 1, "policy": "MlpPolicy", "timesteps": 10, "params": {}}, 0)


def test_env_maker_pickles_and_keeps_the_seed_streams():
    seq = np.random.SeedSequence(7, spawn_key=(0, 3, 1))
    maker = pickle.loads(pickle.dumps(EnvMaker("cartpole", "masscart", {}, values=(1.0, 2.0), seed=seq)))
    env = maker(2)  # the multi-task environment of copy 2: stream (0, 3, 1, 2), as the build's closures had
    expected = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(0, 3, 1, 2))).integers(2)
    assert env.reset(seed=None)[1]["context_value"] == (1.0, 2.0)[int(expected)]
    assert EnvMaker("cartpole", "masscart", {}, value=2.0)().unwrapped.masscart == 2.0


def _children() -> dict[int, str]:
    """Spawned child processes of this process (pid -> command line), excluding multiprocessing's helpers."""
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and "spawn_main" in cmd:
            out[int(d.name)] = cmd
    return out


@needs_traffic
@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the cell processes through /proc")
def test_tiny_build_end_to_end_with_a_killed_cell(tmp_path, caplog, capsys):
    spec_path = tmp_path / "tiny_traffic.toml"
    spec_path.write_text(TINY.format(cache=tmp_path / "cache"))
    out = tmp_path / "r"
    seen, killed, stop = [], [], threading.Event()

    def kill_third_cell():  # cells run one after another (workers=1): 2 trainings, then 2 evaluation rows
        while not stop.is_set() and not killed:
            for pid in _children():
                if pid not in seen:
                    seen.append(pid)
            if len(seen) >= 3:
                time.sleep(0.5)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(seen[2], signal.SIGKILL)
                killed.append(seen[2])
            time.sleep(0.05)

    watcher = threading.Thread(target=kill_third_cell, daemon=True)
    watcher.start()
    trained = {}
    try:
        with caplog.at_level(logging.WARNING, logger="rlkit.core.processes"):
            run(spec_path, out=out, workers=1, progress=False)
    finally:
        stop.set()
        watcher.join()
    assert killed and "attempt 1/3 failed: process killed by SIGKILL" in caplog.text  # retried, not lost
    load_plugins()
    kind, store = KINDS.get("transfer_build")(), ResultStore(out)
    spec = store.spec()
    units = kind.units(spec)
    assert all(store.has(u) for u in units) and len(units) == 2 + 2
    for u in units[:2]:
        trained[u.key] = store.read(u)["model"]
    m = kind.matrix(spec, store.gather(units))
    assert m.values.shape == (1, 2, 2) and m.bounds == SCORE_BOUNDS and m.multitask is None
    assert np.all(m.values < 0) and np.all(m.values > -100)
    assert np.all(m.values[0, :, 1] < m.values[0, :, 0])  # 5x the traffic waits more, whatever the policy

    # every cell equals the same episodes run here, in this process (same policy bytes, same seeds)
    from rlkit.mbtl import sb3
    from rlkit.mbtl.families.traffic_dqn import mbtl_score

    env_seq = role_sequence(run_sequence(spec["seed"], 0), ENV)
    for s, key in enumerate(trained):
        policy = sb3.load(trained[key][0].tobytes(), "DQN")
        for j, value in enumerate(spec["family"]["values"]):
            (seed,) = (role_sequence(env_seq, j).generate_state(1) % (2**31 - 1)).tolist()
            def make(value=value):
                return FAMILIES.get("traffic").make_env("inflow", value, spec["family"]["options"])

            assert sb3.evaluate(policy, make, [seed], score=mbtl_score)[0] == m.values[0, s, j]
    assert main(["plot", str(out)]) == 0
    assert (out / "tiny_traffic.png").exists() and (out / "tiny_traffic_matrix.npz").exists()
    assert main(["transfer", "select", str(out / "tiny_traffic_matrix.npz"), "--bounds", "-10", "0"]) == 0
    table = capsys.readouterr().out
    assert "bounds=(-10.0, 0.0)" in table and "Sequential Oracle" in table
    assert main(["transfer", "select", str(out / "tiny_traffic_matrix.npz"), "--bounds", "0", "0"]) == 2
    assert "bounds must be finite with lower < upper" in capsys.readouterr().err


@needs_traffic
def test_the_shipped_spec_resolves():
    spec = resolve(load_spec("experiments/mbtl_traffic.toml"))
    assert spec["family"]["name"] == "traffic" and len(spec["family"]["values"]) == 10
    assert spec["family"]["bounds"] == [-6.0, 0.0] and spec["train"]["algo"] == "DQN"
    assert {a["label"] for a in spec["agents"]} >= {"MBTL", "Greedy", "Random", "Multi-task", "Oracle Transfer"}
