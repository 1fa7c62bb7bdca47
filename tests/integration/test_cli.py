"""CLI smoke tests with a tiny budget: run, plot, list, version, one-line errors."""

import subprocess
import sys

import pytest

from rlkit import __version__
from rlkit.cli.main import main
from tests.helpers import write_spec

pytestmark = pytest.mark.cpu_only(reason="the command line, its processes and files")


def test_run_then_plot(tmp_path, capsys):
    spec = write_spec(tmp_path, rounds=30, runs=2, chunk=2)
    assert main(["run", str(spec), "--out", str(tmp_path / "r"), "--workers", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "results:" in out and "tiny.png" in out
    assert main(["plot", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "tiny.pdf").exists()


def test_overrides_reach_the_spec(tmp_path):
    spec = write_spec(tmp_path)
    assert main(["run", str(spec), "--out", str(tmp_path / "r"), "--rounds", "7", "--runs", "1", "--seed", "9",
                 "--workers", "1", "--quiet", "--no-plot"]) == 0
    stored = (tmp_path / "r" / "spec.json").read_text()
    assert '"rounds": 7' in stored and '"runs": 1' in stored and '"seed": 9' in stored


def test_errors_are_one_line(tmp_path, capsys):
    spec = write_spec(tmp_path, extra='\n[[agents]]\nalgo = "Nope"\n')
    assert main(["run", str(spec), "--out", str(tmp_path / "r"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rlkit: error: unknown agent 'Nope'") and "\n" not in err
    assert main(["plot", str(tmp_path / "nothing")]) == 2
    assert "not a results directory" in capsys.readouterr().err


def test_list_and_version_through_the_console_script():
    listing = subprocess.run([sys.executable, "-m", "rlkit.cli", "list"], capture_output=True, text=True, check=True)
    assert "rlkit/LinearBandit-v0" in listing.stdout and "LinUCB" in listing.stdout and "bandit" in listing.stdout
    version = subprocess.run([sys.executable, "-m", "rlkit.cli", "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"rlkit {__version__}"
