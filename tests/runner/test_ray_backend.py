"""The Ray backend on a local cluster started here (and shut down after): the same chunks as local processes,
and a worker killed in the middle of a chunk is retried with nothing lost or duplicated.

CI installs the `distributed` extra (`.ci/run`), so these run there; without Ray they are skipped.
"""

import os
import signal
import sys
import threading
import time

import pytest

from rlkit.runner.run import run
from rlkit.runner.store import ResultStore
from tests.helpers import write_spec

pytestmark = pytest.mark.cpu_only(reason="Ray workers and result files")

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def chunk_bytes(out):
    return {p.name: p.read_bytes() for p in sorted((out / "chunks").glob("*")) if p.suffix in (".npz", ".sha256")}


def test_ray_backend_matches_local(cluster, tmp_path):
    spec = write_spec(tmp_path, rounds=40, runs=4, chunk=2)
    on_ray = run(spec, out=tmp_path / "ray", backend="ray", progress=False)
    local = run(spec, out=tmp_path / "local", workers=1, progress=False)
    assert len(chunk_bytes(local)) == 8 and chunk_bytes(on_ray) == chunk_bytes(local)
    assert ResultStore(on_ray).spec() == ResultStore(local).spec()


def busy_ray_workers() -> list[int]:
    """Pids of Ray worker processes running a unit now (Ray titles them ``ray::<function>`` while they work)."""
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if f.read().startswith(b"ray::_compute"):
                        pids.append(int(name))
            except OSError:
                continue
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds Ray's workers through /proc")
def test_a_worker_killed_mid_chunk_is_retried_and_nothing_is_duplicated(cluster, tmp_path, monkeypatch):
    spec = write_spec(tmp_path, rounds=3000, runs=4, chunk=2)  # 4 units of a few seconds
    killed = []

    def kill_first_busy_worker():
        deadline = time.time() + 120
        while time.time() < deadline:
            busy = busy_ray_workers()
            if busy:
                time.sleep(0.5)  # well inside the unit, unless it was ending: then look for the next busy one
                if busy[0] in busy_ray_workers():
                    try:
                        os.kill(busy[0], signal.SIGKILL)
                    except ProcessLookupError:  # it finished (and Ray retired it) in between
                        continue
                    killed.append(busy[0])
                    return
            time.sleep(0.02)

    writes = []
    original = ResultStore.write
    monkeypatch.setattr(ResultStore, "write", lambda self, unit, *a, **k: (writes.append(unit.key),
                                                                            original(self, unit, *a, **k))[1])
    killer = threading.Thread(target=kill_first_busy_worker)
    killer.start()
    out = run(spec, out=tmp_path / "ray", backend="ray", progress=False)
    killer.join()
    assert killed, "no Ray worker was seen running a unit"
    monkeypatch.undo()
    local = run(spec, out=tmp_path / "local", workers=1, progress=False)
    assert sorted(writes) == sorted(set(writes)) and len(writes) == 4  # every unit written once
    assert chunk_bytes(out) == chunk_bytes(local)  # the retried unit gives the same bytes
