"""CLI smoke tests of the offline_sweep and timing_sweep kinds: run, plot, resume, refuse a different spec."""

import json
from pathlib import Path

import numpy as np
import pytest

from rlkit.cli.main import main
from tests.helpers import run_spec

pytestmark = pytest.mark.cpu_only(reason="the command line, its processes and files")

SWEEP = """
name = "tiny_sweep"
kind = "offline_sweep"
runs = 4
seed = 1
chunk_size = 2

[env]
id = "rlkit/RobustLinearMDP-v0"

[data]
episodes = 20
behaviour = "uniform"

[evaluate]
grid = [0.0, 1.0]
episodes = 10

[[agents]]
label = "PEVI"
algo = "PEVI"
gamma = 0.1

[[agents]]
label = "R2PVI-chi2"
algo = "R2PVI"
divergence = "chi2"
lam = 0.1
gamma = 0.1
"""

TIMING = """
name = "tiny_timing"
kind = "timing_sweep"
repeats = 2

[env]
id = "rlkit/AmericanPutOption-v0"
d = 8

[data]
episodes = 20
behaviour = "constant:0"

[[sweeps]]
param = "episodes"
values = [10, 20]

[[sweeps]]
param = "d"
values = [4, 8]

[[agents]]
label = "R2PVI-TV"
algo = "R2PVI"
"""


@pytest.mark.slow
def test_offline_sweep_runs_plots_resumes_and_refuses(tmp_path: Path):
    spec, out, summary = run_spec(tmp_path, SWEEP, "tiny_sweep")
    assert set(summary["agents"]) == {"PEVI", "R2PVI-chi2"}
    ret = summary["agents"]["PEVI"]["exact_return"]["mean"]
    assert len(ret) == 2 and ret[0] >= ret[1]  # the shift hurts PEVI
    assert (out / "tiny_sweep.png").is_file() and (out / "tiny_sweep.pdf").is_file()
    chunks = sorted((out / "chunks").glob("*.npz"))
    assert len(chunks) == 4
    stamps = {p: p.stat().st_mtime_ns for p in chunks}
    before = {p: np.load(p)["return"].copy() for p in chunks}
    assert main(["run", str(spec), "--out", str(out), "--workers", "1", "--quiet", "--no-plot"]) == 0
    assert {p: p.stat().st_mtime_ns for p in chunks} == stamps  # resumed: nothing recomputed
    assert main(["plot", str(out)]) == 0
    other = tmp_path / "other.toml"
    other.write_text(SWEEP.replace("episodes = 20", "episodes = 30"))
    assert main(["run", str(other), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    assert all(np.array_equal(np.load(p)["return"], before[p]) for p in chunks)  # nothing lost


def test_offline_sweep_chunking_does_not_change_results(tmp_path: Path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(SWEEP)
    b.write_text(SWEEP.replace("chunk_size = 2", "chunk_size = 4"))
    for spec, out in ((a, "ra"), (b, "rb")):
        assert main(["run", str(spec), "--out", str(tmp_path / out), "--workers", "1", "--quiet", "--no-plot"]) == 0
    sa = json.loads((tmp_path / "ra" / "summary.json").read_text())["agents"]
    sb = json.loads((tmp_path / "rb" / "summary.json").read_text())["agents"]
    assert sa == sb


def test_timing_sweep_runs_and_plots(tmp_path: Path):
    _, out, summary = run_spec(tmp_path, TIMING, "tiny_timing")
    rows = summary["agents"]["R2PVI-TV"]
    assert [(r["param"], r["value"]) for r in rows] == [("episodes", 10), ("episodes", 20), ("d", 4), ("d", 8)]
    assert all(r["min_s"] > 0 for r in rows)
    assert (out / "tiny_timing_episodes.png").is_file() and (out / "tiny_timing_d.png").is_file()


def test_bad_specs_are_refused(tmp_path: Path, capsys):
    cases = {
        "agent": SWEEP.replace('algo = "PEVI"', 'algo = "NoSuchAgent"'),
        "lam": SWEEP.replace("lam = 0.1", "lam = 0.0"),
        "env.id": SWEEP.replace("RobustLinearMDP-v0", "Nope-v0"),
        "evaluate.grid": SWEEP.replace("grid = [0.0, 1.0]", "grid = []"),
        "param": SWEEP.replace("grid = [0.0, 1.0]", "grid = [0.0, 2.0]"),
    }
    for word, text in cases.items():
        spec = tmp_path / f"bad_{word}.toml"
        spec.write_text(text)
        assert main(["run", str(spec), "--out", str(tmp_path / word), "--quiet"]) == 2
        assert word in capsys.readouterr().err
