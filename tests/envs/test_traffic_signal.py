"""TrafficSignal on real SUMO: gymnasium contract, seeding, physics, context files, one libsumo per process, faults."""

import importlib.util
import os
import signal
import subprocess
import sys
import time

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

if not all(importlib.util.find_spec(m) for m in ("sumo", "libsumo", "traci", "sumo_rl")):
    pytest.skip('needs the traffic extra: pip install "rlkit[traffic]"', allow_module_level=True)

from rlkit.core.checks import RLKitError  # noqa: E402
from rlkit.envs import SimulationError, TrafficContext, TrafficSignal, make_vector_env  # noqa: E402
from rlkit.envs.traffic.network import intersection_files  # noqa: E402


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("traffic-cache")


def cycle(i: int) -> int:
    """A fixed signal plan: each green for two decisions, in turn."""
    return (i // 2) % 4


def rollout(env, seed, steps, policy=cycle):
    _, info = env.reset(seed=seed)
    rewards, infos = [], [info]
    for i in range(steps):
        _, r, terminated, truncated, info = env.step(policy(i))
        rewards.append(r)
        infos.append(info)
        if terminated or truncated:
            break
    return rewards, infos


@pytest.mark.parametrize("backend", ["libsumo", "traci"])
def test_check_env(cache, backend):
    env = gym.make("rlkit/TrafficSignal-v0", episode_seconds=60, cache_dir=cache, backend=backend)
    try:
        # check_env's close check builds a second environment while this one is open: libsumo refuses that
        # (one simulation per process), so there it is skipped and closing twice is checked below instead.
        check_env(env.unwrapped, skip_render_check=True, skip_close_check=backend == "libsumo")
        obs, _ = env.reset(seed=0)
        assert env.observation_space.shape == (37,) and env.action_space.n == 4
        for i in range(6):
            obs, r, terminated, truncated, info = env.step(cycle(i))
            assert env.observation_space.contains(obs) and np.isfinite(r) and not terminated
        assert truncated and info["sim_time"] == 60.0  # 6 decisions of 10 s
    finally:
        env.close()
        env.close()


def test_same_seed_same_rewards_and_traci_agrees(cache):
    with TrafficSignal(inflow=1200, episode_seconds=400, cache_dir=cache) as env:
        a, _ = rollout(env, 7, 40)
        b, _ = rollout(env, 7, 40)
        c, _ = rollout(env, 8, 40)
        env.reset(seed=7)
        followed = rollout(env, None, 40)[0]  # unseeded reset: SUMO's seed drawn from the seeded generator
    assert a == b and a != c and any(r != 0 for r in a)
    with TrafficSignal(inflow=1200, episode_seconds=400, cache_dir=cache) as env:
        env.reset(seed=7)
        assert rollout(env, None, 40)[0] == followed
    with TrafficSignal(inflow=1200, episode_seconds=400, cache_dir=cache, backend="traci") as env:
        assert rollout(env, 7, 40)[0] == a


@pytest.mark.parametrize("limit", [5.0, 20.0])
def test_speeds_never_exceed_the_limit(cache, limit):
    with TrafficSignal(inflow=900, speed_limit=limit, lane_length=300, episode_seconds=300,
                       cache_dir=cache) as env:
        env.reset(seed=1)
        conn, means, fastest = env.simulation.conn, [], 0.0
        for i in range(30):
            *_, info = env.step(cycle(i))
            means.append(info["mean_speed"])
            speeds = [conn.vehicle.getSpeed(v) for v in conn.vehicle.getIDList()]
            fastest = max([fastest, *speeds])
    assert max(means) <= limit + 1e-9 and fastest <= limit + 1e-9
    assert fastest > 0.9 * limit  # the limit binds: free-flowing cars reach it


def test_waiting_time_grows_with_inflow(cache):
    mean_wait = {}
    for inflow in (300.0, 1500.0):
        with TrafficSignal(inflow=inflow, episode_seconds=600, cache_dir=cache) as env:
            mean_wait[inflow] = [np.mean([i["waiting_time"] for i in rollout(env, s, 60)[1]]) for s in (0, 1, 2)]
    low, high = np.array(mean_wait[300.0]), np.array(mean_wait[1500.0])
    assert np.all(high > 2 * low), mean_wait  # 5x the vehicles: 3.5-6x the waiting on these seeds


def test_context_files_are_reused_and_regenerated(tmp_path):
    base = TrafficContext(inflow=500, speed_limit=10, lane_length=200)
    net, routes = intersection_files(base, cache=tmp_path)
    stamp = (net.stat().st_mtime_ns, routes.stat().st_mtime_ns)
    assert str(tmp_path) in str(net) and 'speed="10.00"' in net.read_text()
    assert intersection_files(base, cache=tmp_path) == (net, routes)
    assert (net.stat().st_mtime_ns, routes.stat().st_mtime_ns) == stamp  # reused, not rewritten
    faster, routes2 = intersection_files(TrafficContext(inflow=500, speed_limit=12, lane_length=200), cache=tmp_path)
    assert faster != net and routes2 == routes and 'speed="12.00"' in faster.read_text()
    longer, _ = intersection_files(TrafficContext(inflow=500, speed_limit=10, lane_length=400), cache=tmp_path)
    assert longer not in (net, faster) and 'length="400.00"' in longer.read_text()
    busier = intersection_files(TrafficContext(inflow=900, speed_limit=10, lane_length=200), cache=tmp_path)[1]
    assert busier != routes and net.stat().st_mtime_ns == stamp[0]
    good = net.read_text()
    net.write_text(good.replace('speed="10.00"', 'speed="99.00"'))  # damaged or edited: checksum fails
    assert intersection_files(base, cache=tmp_path)[0] == net and net.read_text() == good


def test_context_validation_and_grids(cache):
    for bad in ({"inflow": -1}, {"speed_limit": 0}, {"lane_length": 5}, {"speed": 3}):
        with pytest.raises(RLKitError):
            TrafficContext.coerce(bad)
    with pytest.raises(RLKitError, match="more than one departure per second"):
        intersection_files(TrafficContext(inflow=50_000), cache=cache)
    with pytest.raises(RLKitError, match="yellow_time must be < green_time"):
        TrafficSignal(green_time=4, yellow_time=4)


def test_sumo_home_is_set_from_the_wheel_when_missing_or_wrong(monkeypatch, tmp_path):
    import sumo

    from rlkit.envs.traffic.simulation import ensure_sumo

    for value in (None, str(tmp_path)):  # missing, or pointing at no SUMO
        if value is None:
            monkeypatch.delenv("SUMO_HOME", raising=False)
        else:
            monkeypatch.setenv("SUMO_HOME", value)
        assert ensure_sumo() == sumo.SUMO_HOME == os.environ["SUMO_HOME"]


def test_second_libsumo_env_in_a_process_is_an_error(cache):
    first = TrafficSignal(episode_seconds=60, cache_dir=cache)
    try:
        first.reset(seed=0)
        with pytest.raises(RLKitError, match="one simulation per process"):
            TrafficSignal(cache_dir=cache)
        with TrafficSignal(episode_seconds=60, cache_dir=cache, backend="traci") as other:  # TraCI may coexist
            other.reset(seed=0)
            other.step(0)
        first.step(0)
    finally:
        first.close()
    with TrafficSignal(episode_seconds=60, cache_dir=cache) as again:  # released by close()
        again.reset(seed=0)


def test_traci_sumo_killed_or_hung_mid_episode(cache):
    with TrafficSignal(inflow=1000, episode_seconds=300, cache_dir=cache, backend="traci", timeout=2.0) as env:
        reference, _ = rollout(env, 5, 10)
        rollout(env, 5, 4)
        os.kill(env.simulation.pid, signal.SIGKILL)
        start = time.perf_counter()
        with pytest.raises(SimulationError, match="exited with code -9"):
            env.step(0)
        assert time.perf_counter() - start < 2.0
        assert rollout(env, 5, 10)[0] == reference  # reset afterwards: a fresh, identical simulation
        rollout(env, 5, 4)
        hung = env.simulation.pid
        os.kill(hung, signal.SIGSTOP)
        start = time.perf_counter()
        with pytest.raises(SimulationError, match="stopped answering"):
            env.step(0)
        assert time.perf_counter() - start < 2.0 + 3.0  # the 2-s timeout, not a hang
        with pytest.raises(ProcessLookupError):
            os.kill(hung, 0)  # the hung sumo was killed
        assert rollout(env, 5, 10)[0] == reference


def test_libsumo_error_check(cache):
    import libsumo

    with TrafficSignal(episode_seconds=300, cache_dir=cache) as env:
        reference, _ = rollout(env, 2, 8)
        rollout(env, 2, 3)
        libsumo.close()  # the simulation disappears behind the environment's back
        with pytest.raises(SimulationError, match="libsumo"):
            env.step(0)
        with pytest.raises(RLKitError, match="reset"):
            env.step(0)
        assert rollout(env, 2, 8)[0] == reference
        rollout(env, 2, 3)
        net, routes = intersection_files(env.context, cache=cache)
        libsumo.load(["-n", str(net), "-r", str(routes), "--no-step-log", "true"])  # someone restarts libsumo
        with pytest.raises(SimulationError, match="replaced or restarted"):
            env.step(0)
        assert rollout(env, 2, 8)[0] == reference


def test_vector_env_matches_single_and_survives_a_killed_worker(cache):
    kwargs = {"episode_seconds": 300, "cache_dir": cache}
    single = []
    for seed in (3, 4):
        with TrafficSignal(**kwargs) as env:
            single.append(rollout(env, seed, 8, policy=lambda i: i % 4)[0])
    vec = make_vector_env(2, timeout=30.0, **kwargs)
    try:
        def run():
            vec.reset(seed=[3, 4])
            return np.array([vec.step(np.array([i % 4, i % 4]))[1] for i in range(8)]).T
        np.testing.assert_array_equal(run(), single)  # one libsumo per worker, same seeds, same rewards
        vec.step(np.array([0, 0]))
        os.kill(vec.workers()[1][1], signal.SIGKILL)
        start = time.perf_counter()
        with pytest.raises(SimulationError, match="worker 1 .* exited with code -9"):
            vec.step(np.array([0, 0]))
        assert time.perf_counter() - start < 10.0
        with pytest.raises(SimulationError, match="reset"):
            vec.step(np.array([0, 0]))
        np.testing.assert_array_equal(run(), single)  # reset restarted the dead worker
        vec.timeout = 2.0
        os.kill(vec.workers()[0][1], signal.SIGSTOP)  # a hung worker
        start = time.perf_counter()
        with pytest.raises(SimulationError, match="no answer within 2.0 s"):
            vec.step(np.array([0, 0]))
        assert time.perf_counter() - start < 2.0 + 3.0
        vec.timeout = 30.0
        np.testing.assert_array_equal(run(), single)
    finally:
        vec.close()


def test_import_without_sumo_and_a_clear_error(tmp_path):
    code = (
        "import sys, os\n"
        "for m in ('sumo', 'sumo_rl', 'libsumo', 'traci', 'sumolib'): sys.modules[m] = None\n"
        "os.environ.pop('SUMO_HOME', None)\n"
        "import gymnasium as gym, rlkit.envs\n"
        "from rlkit.core.checks import RLKitError\n"
        "try:\n"
        "    gym.make('rlkit/TrafficSignal-v0')\n"
        "except RLKitError as e:\n"
        "    print('ERR', e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert 'ERR' in done.stdout and 'pip install "rlkit[traffic]"' in done.stdout
