"""A run killed with SIGKILL mid-way and started again ends identical to an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from rlkit.runner.store import ResultStore
from tests.helpers import write_spec

pytestmark = pytest.mark.cpu_only(reason="killed processes and result files")


def _cmd(spec, out):
    return [sys.executable, "-m", "rlkit.cli", "run", str(spec), "--out", str(out), "--workers", "1", "--quiet",
            "--no-plot"]


def _chunks(out):
    return {p.name: p.read_bytes() for p in sorted((out / "chunks").glob("*"))} if (out / "chunks").exists() else {}


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    spec = write_spec(tmp_path, rounds=1500, runs=8, chunk=2)  # 8 units of about a second each
    killed = tmp_path / "killed"
    proc = subprocess.Popen(_cmd(spec, killed), start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((killed / "chunks").glob("*.sha256"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {k: v for k, v in _chunks(killed).items() if not k.startswith(".")}
    n_done = sum(k.endswith(".sha256") for k in done_before)
    assert 2 <= n_done < 8, f"the kill should land mid-way, found {n_done} finished chunks"

    subprocess.run(_cmd(spec, killed), check=True)
    after = _chunks(killed)
    for name, data in done_before.items():  # what was written before the kill is kept as it was
        if name.endswith(".sha256"):
            assert after[name] == data and after[name.replace(".sha256", ".npz")] == done_before[
                name.replace(".sha256", ".npz")]

    clean = tmp_path / "clean"
    subprocess.run(_cmd(spec, clean), check=True)
    store_k, store_c = ResultStore(killed), ResultStore(clean)
    from rlkit.core.registry import KINDS
    from rlkit.runner.run import load_plugins

    load_plugins()
    units = KINDS.get("bandit")().units(store_c.spec())
    for unit in units:
        a, b = store_k.read(unit), store_c.read(unit)
        assert a.keys() == b.keys()
        for key in a:
            assert np.array_equal(a[key], b[key]), unit.key
