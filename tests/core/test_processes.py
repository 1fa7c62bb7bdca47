"""run_cell: fresh process per cell, retries on death/timeout/error, finished cells stored and never rerun."""

import importlib.util
import logging
import os
import signal
import time
from pathlib import Path

import pytest

from rlkit.core.checks import RLKitError
from rlkit.core.processes import CellError, run_cell


def _square(x):
    return {"x": x, "square": x * x, "pid": os.getpid()}


def _attempt(marker: str) -> int:
    """Count this call in ``marker``; return the attempt number (1, 2, ...)."""
    path = Path(marker)
    n = len(path.read_text()) + 1 if path.exists() else 1
    path.write_text("x" * n)
    return n


def _die_first(marker: str):
    if _attempt(marker) == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return "survived"


def _sleep(marker: str, seconds: float):
    _attempt(marker)
    time.sleep(seconds)


def _raise(marker: str, bad_input: bool):
    _attempt(marker)
    if bad_input:
        raise RLKitError("steps must be >= 1, got 0")
    raise ValueError("diverged")


def _libsumo_rollout(marker: str, cache: str):
    """A libsumo episode in the cell's own process; the first attempt is killed mid-episode."""
    from rlkit.envs import TrafficSignal

    attempt = _attempt(marker)
    with TrafficSignal(episode_seconds=200, cache_dir=cache) as env:
        env.reset(seed=11)
        rewards = []
        for i in range(20):
            rewards.append(env.step(i % 4)[1])
            if attempt == 1 and i == 5:
                os.kill(os.getpid(), signal.SIGKILL)
    return rewards


def test_result_returned_stored_and_never_recomputed(tmp_path):
    out = tmp_path / "cells" / "a.pkl"
    first = run_cell(_square, (7,), out=out, start_method="fork")
    assert first["square"] == 49 and first["pid"] != os.getpid() and out.exists()
    assert run_cell(_raise, (str(tmp_path / "m"), False), out=out, start_method="fork") == first  # stored
    assert not (tmp_path / "m").exists()  # nothing ran
    assert run_cell(_square, kwargs={"x": 3}, start_method="fork")["square"] == 9  # no `out`: just the result


def test_a_dying_cell_is_retried(tmp_path, caplog):
    marker = tmp_path / "m"
    with caplog.at_level(logging.WARNING, logger="rlkit.core.processes"):
        assert run_cell(_die_first, (str(marker),), retries=1, start_method="fork") == "survived"
    assert len(marker.read_text()) == 2 and "killed by SIGKILL" in caplog.text
    marker.unlink()
    with pytest.raises(CellError, match="attempt 1: process killed by SIGKILL without a result"):
        run_cell(_die_first, (str(marker),), retries=0, start_method="fork")


def test_timeouts_and_errors_are_bounded_and_reported(tmp_path):
    start = time.perf_counter()
    with pytest.raises(CellError, match=r"all 2 attempts: attempt 1: no result within 0.5 s \(killed\); attempt 2"):
        run_cell(_sleep, (str(tmp_path / "t"), 60), timeout=0.5, retries=1, start_method="fork")
    assert time.perf_counter() - start < 10 and len((tmp_path / "t").read_text()) == 2
    with pytest.raises(CellError, match="raised ValueError: diverged"):
        run_cell(_raise, (str(tmp_path / "e"), False), retries=2, start_method="fork")
    assert len((tmp_path / "e").read_text()) == 3  # retried
    with pytest.raises(RLKitError, match="rejected its input: RLKitError: steps must be >= 1"):
        run_cell(_raise, (str(tmp_path / "b"), True), retries=2, start_method="fork")
    assert len((tmp_path / "b").read_text()) == 1  # bad input is not retried


def test_bad_arguments():
    with pytest.raises(RLKitError, match="picklable"):
        run_cell(lambda: 1)
    with pytest.raises(RLKitError, match="retries"):
        run_cell(_square, (1,), retries=-1)
    with pytest.raises(RLKitError, match="start_method"):
        run_cell(_square, (1,), start_method="thread")


@pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("sumo", "libsumo", "sumo_rl")),
                    reason='needs the traffic extra: pip install "rlkit[traffic]"')
@pytest.mark.slow
def test_libsumo_cell_killed_mid_episode_is_rerun_in_a_fresh_process(tmp_path):
    cache, marker, out = tmp_path / "cache", tmp_path / "m", tmp_path / "cell.pkl"
    rewards = run_cell(_libsumo_rollout, (str(marker), str(cache)), out=out, timeout=120, retries=1)
    assert len(marker.read_text()) == 2 and len(rewards) == 20
    from rlkit.envs import TrafficSignal

    with TrafficSignal(episode_seconds=200, cache_dir=cache) as env:  # the same episode, in this process
        env.reset(seed=11)
        assert [env.step(i % 4)[1] for i in range(20)] == rewards
    assert run_cell(_libsumo_rollout, (str(marker), str(cache)), out=out) == rewards  # stored: not rerun
    assert len(marker.read_text()) == 2
