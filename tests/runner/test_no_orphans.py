"""Killing `rlkit run` with worker processes leaves no process behind, and the rerun ends byte-identical.

The run starts in a new session, so every process it creates (the spawn workers, multiprocessing's resource
tracker) carries the session id of the `rlkit` process; after the kill no process of that session may
survive beyond a bounded wait. SIGKILL reaches the parent alone (the workers end through
PR_SET_PDEATHSIG / their parent watchdog), SIGTERM likewise (the parent stops them), SIGINT the whole
process group as Ctrl-C in a terminal does (the workers ignore it, the parent stops them and prints one line).

Isolated cells (a traffic build's training runs) start sessions of their own, so the session does not find
them: the traffic test marks the run's environment with a token, which every process it starts inherits
(workers, cells, multiprocessing's helpers, a sumo child), and looks for that token in ``/proc/*/environ``;
it also records every descendant (``/proc/<pid>/task/*/children``, recursively) just before the kill.
"""

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from rlkit.runner.run import run
from tests.helpers import write_spec

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads sessions from /proc (Linux)")]

WAIT_S = 20.0  # bound on how long any process of the killed run may outlive the kill


def session_members(sid: int) -> list[int]:
    """Pids of the live (not zombie) processes whose session id is ``sid``."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # state, ppid, pgrp, session, ...
        if fields[0] != "Z" and int(fields[3]) == sid:
            pids.append(int(name))
    return pids


def chunk_bytes(out) -> dict[str, bytes]:
    """Every finished chunk (data and checksum; not the informational .seconds) of a results directory."""
    return {p.name: p.read_bytes() for p in sorted((out / "chunks").glob("*")) if p.suffix in (".npz", ".sha256")}


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    return write_spec(tmp_path_factory.mktemp("spec"), rounds=2000, runs=4, chunk=1)  # 8 units of ~0.3 s


@pytest.fixture(scope="module")
def clean(spec, tmp_path_factory):
    out = run(spec, out=tmp_path_factory.mktemp("clean") / "r", workers=1, progress=False)
    return chunk_bytes(out)


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGINT to the group"])
def test_kill_with_workers_leaves_no_process_and_resumes_identically(spec, clean, tmp_path, how):
    out = tmp_path / "r"
    cmd = [sys.executable, "-m", "rlkit.cli", "run", str(spec), "--out", str(out), "--workers", "2", "--quiet",
           "--no-plot"]
    proc = subprocess.Popen(cmd, start_new_session=True, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list((out / "chunks").glob("*.sha256")):  # workers are computing
        time.sleep(0.05)
    assert len(session_members(proc.pid)) >= 3, "expected the parent and two workers to be running"
    if how == "SIGKILL":
        os.kill(proc.pid, signal.SIGKILL)
    elif how == "SIGTERM":
        os.kill(proc.pid, signal.SIGTERM)
    else:
        os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=WAIT_S)
    killed_at = time.time()
    while session_members(proc.pid) and time.time() - killed_at < WAIT_S:
        time.sleep(0.05)
    assert session_members(proc.pid) == [], f"processes of the killed run survived {WAIT_S:.0f} s"
    if how == "SIGTERM":
        assert proc.returncode == 143 and err.strip() == (
            "rlkit: stopped by SIGTERM; finished chunks are kept, run the same command again to resume")
    elif how != "SIGKILL":
        assert proc.returncode == 130 and err.strip() == (
            "rlkit: interrupted; finished chunks are kept, run the same command again to resume")
    before = chunk_bytes(out)
    assert 0 < len(before) < len(clean), "the kill should land mid-way"
    run(spec, out=out, workers=1, progress=False)  # resume
    after = chunk_bytes(out)
    assert {k: after[k] for k in before} == before  # nothing written before the kill changed
    assert after == clean  # byte-identical to the uninterrupted run


# ------------------------------------------------------------------ processes found by token and by descent
def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state, ppid, pgrp, session, ..., starttime
    at index 19), or ``None`` if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()


def alive(pid: int, started: str) -> bool:
    """Whether process ``pid`` started at ``started`` (its starttime: pids may be reused) runs (not a zombie)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z" and fields[19] == started


def marked(token: str) -> dict[int, str]:
    """Live (not zombie) processes whose environment holds ``token``: pid -> command line."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                if token.encode() not in f.read():
                    continue
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = _stat(int(name))
        if fields is not None and fields[0] != "Z":
            found[int(name)] = cmd
    return found


def descendants(pid: int) -> dict[int, tuple[str, int]]:
    """Every descendant of ``pid`` (children of each of its threads, recursively): pid -> (starttime, session)."""
    found, todo = {}, [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{p}/task/{task}/children") as f:
                    kids = [int(c) for c in f.read().split()]
            except OSError:
                continue
            for kid in kids:
                fields = _stat(kid)
                if kid not in found and fields is not None:
                    found[kid] = (fields[19], int(fields[3]))
                    todo.append(kid)
    return found


def _has_libsumo(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/maps") as f:
            return "libsumo" in f.read()
    except OSError:
        return False


def training_cells(token: str, root: int) -> list[int]:
    """The run's isolated cells (a session of their own) whose simulation runs (libsumo loaded in the cell, or a
    sumo child in its session): training is under way."""
    procs = marked(token)
    session = {pid: int((_stat(pid) or [0, 0, 0, -1])[3]) for pid in procs}
    sumo = {session[pid] for pid, cmd in procs.items() if "--remote-port" in cmd}  # TraCI's sumo processes
    return [pid for pid in procs if pid != root and session[pid] == pid and (pid in sumo or _has_libsumo(pid))]


TRAFFIC_SPEC = """
name = "orphans_traffic"
kind = "transfer_build"
seed = 1
trials = 1
[family]
name = "traffic"
context = "inflow"
values = [300.0, 1500.0]
options = {{ episode_seconds = 200, lane_length = 300.0, cache_dir = "{cache}", backend = "{backend}" }}
[train]
algo = "DQN"
timesteps = 100000     # minutes of training: the kill lands while both training cells run
multitask = false
[evaluate]
episodes = 1
chunk_size = 2
"""


@pytest.mark.parametrize("backend", ["libsumo", "traci"])
def test_kill_of_a_traffic_build_leaves_no_worker_cell_or_sumo(tmp_path, backend):
    pytest.importorskip("sumo")
    from rlkit.envs.traffic.simulation import ensure_sumo

    ensure_sumo()  # sumo_rl imports only with SUMO_HOME set
    for module in ("libsumo", "sumo_rl", "stable_baselines3"):
        pytest.importorskip(module)
    spec = tmp_path / "orphans_traffic.toml"
    spec.write_text(TRAFFIC_SPEC.format(cache=tmp_path / "cache", backend=backend))
    token = f"rlkit-orphans-{uuid.uuid4().hex}"
    cmd = [sys.executable, "-m", "rlkit.cli", "run", str(spec), "--out", str(tmp_path / "r"), "--workers", "2",
           "--quiet", "--no-plot"]
    log = tmp_path / "stderr.txt"
    with open(log, "w") as err:  # a file, not a pipe: the workers and cells hold it too
        proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=err,
                                env={**os.environ, "RLKIT_ORPHANS_TOKEN": token})
    try:
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None and not training_cells(token, proc.pid):
            time.sleep(0.1)
        assert proc.poll() is None, f"the build ended before the kill: {log.read_text()[-2000:]}"
        assert training_cells(token, proc.pid), "no training cell loaded SUMO within 120 s"
        before = descendants(proc.pid)  # pid -> (starttime, session), just before the kill
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=WAIT_S)
        cells = [p for p, (_, sid) in before.items() if sid == p]  # isolated cells: sessions of their own
        workers = [p for p, (_, sid) in before.items() if sid == proc.pid]  # the workers, the resource tracker
        assert cells and workers, f"expected workers and cells below the run, got {before}"
        killed_at = time.time()
        while time.time() - killed_at < WAIT_S and (marked(token) or any(alive(p, t) for p, (t, _) in before.items())):
            time.sleep(0.1)
        left = marked(token)
        left.update({p: "(a descendant)" for p, (t, _) in before.items() if alive(p, t) and p not in left})
        assert not left, (f"processes of the killed build survived {WAIT_S:.0f} s: "
                          + textwrap.shorten(str(left), 2000))
    finally:  # a failed test leaves nothing behind either (the processes are this test's, found by its token)
        with contextlib.suppress(OSError):
            proc.kill()
        proc.wait()
        for pid in marked(token):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


VECTOR_SCRIPT = """
import sys, time
import gymnasium as gym
import numpy as np
from rlkit.envs.traffic.worker_vector_env import WorkerVectorEnv

class Hung(gym.Wrapper):  # a simulation that stops answering
    def step(self, action):
        time.sleep(600)
        return self.env.step(action)

def make():
    return Hung(gym.make("CartPole-v1"))

if __name__ == "__main__":
    vec = WorkerVectorEnv([make, make], timeout=900.0, context=sys.argv[1])
    vec.reset(seed=0)
    vec.env.step_async(np.array([0, 0]))  # both workers now sleep in step
    print(" ".join(str(pid) for _, pid, _ in vec.workers()), flush=True)
    time.sleep(600)
"""


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_worker_vector_env_workers_end_with_their_parent(tmp_path, start_method):
    script = tmp_path / "vector.py"
    script.write_text(VECTOR_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), start_method], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    workers = {}
    try:
        line = proc.stdout.readline()  # the worker pids, once both are busy in a step
        workers = {int(pid): _stat(int(pid))[19] for pid in line.split()}
        assert len(workers) == 2, f"expected two worker pids, got {line!r}"
        time.sleep(0.5)  # the step command reaches the workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=WAIT_S)
        killed_at = time.time()
        while time.time() - killed_at < WAIT_S and any(alive(p, t) for p, t in workers.items()):
            time.sleep(0.05)
        assert not [p for p, t in workers.items() if alive(p, t)], f"workers outlived their parent by {WAIT_S:.0f} s"
    finally:
        with contextlib.suppress(OSError):
            proc.kill()
        proc.wait()
        for pid, started in workers.items():
            if alive(pid, started):
                os.kill(pid, signal.SIGKILL)
