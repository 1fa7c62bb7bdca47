"""Killing `rlkit run` with worker processes leaves no process behind, and the rerun ends byte-identical.

The run starts in a new session, so every process it creates (the spawn workers, multiprocessing's resource
tracker) carries the session id of the `rlkit` process; after the kill no process of that session may
survive beyond a bounded wait. SIGKILL reaches the parent alone (the workers end through
PR_SET_PDEATHSIG / their parent watchdog), SIGTERM likewise (the parent stops them), SIGINT the whole
process group as Ctrl-C in a terminal does (the workers ignore it, the parent stops them and prints one line).
"""

import os
import signal
import subprocess
import sys
import time

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
