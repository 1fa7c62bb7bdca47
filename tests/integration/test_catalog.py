"""The shipped specs and data: found by name from any directory, listed with what they do, how long they take and
the extras they need; a spec whose extra is missing is refused before any work, naming the install command."""

import subprocess
import sys
from pathlib import Path

import pytest

from rlkit.cli.main import main, spec_rows
from rlkit.core.errors import RLKitError
from rlkit.runner import catalog
from rlkit.runner.run import load_spec, run

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.cpu_only("the command line and files on disk")


def test_every_shipped_spec_is_installed_with_a_description_and_a_wall_time():
    shipped = {p.name for p in catalog.shipped_specs()}
    assert shipped == {p.name for p in ROOT.joinpath("experiments").glob("*.toml")}
    for name, description, wall, _ in spec_rows():
        assert description, f"{name}: no description"
        assert wall != "?", f"{name}: no expected wall time in rlkit.runner.catalog.WALL_TIMES"
    assert not set(catalog.WALL_TIMES) - {Path(s).stem for s in shipped}, "wall times of specs that do not exist"


def test_specs_and_matrices_by_name_from_another_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_spec("quickstart")["kind"] == "bandit"
    assert load_spec("quickstart.toml")["name"] == "quickstart"
    assert load_spec("experiments/episodic_quickstart.toml")["kind"] == "episodic"  # the clone's path, elsewhere
    assert catalog.data_path("mbtl_cartpole").is_file()
    assert catalog.data_path("data/transfer/mbtl_pendulum.npz").is_file()
    with pytest.raises(RLKitError, match="does not exist"):
        load_spec("no_such_spec")


def test_rlkit_show_prints_the_resolved_spec(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["show", "dynlin_ucb_synthetic", "--rounds", "1000"]) == 0
    out = capsys.readouterr().out
    assert '"rounds": 1000' in out
    assert f'"lam": {__import__("math").log(1000)!r}' in out  # lam = "logT" evaluated at the overridden budget


def test_needed_extras():
    assert catalog.needed_extras(load_spec("mbtl_cartpole")) == ["rl"]
    assert catalog.needed_extras(load_spec("mbtl_traffic")) == ["rl", "traffic"]
    assert catalog.needed_extras(load_spec("quickstart")) == []  # negative control


def test_a_missing_extra_is_refused_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setattr(catalog, "installed", lambda extra: extra != "rl")
    out = tmp_path / "out"
    with pytest.raises(RLKitError, match=r"needs the extra\(s\) \['rl'\].*pip install -e \"\.\[rl\]\""):
        run("mbtl_cartpole", out=out)
    assert not out.exists()  # nothing claimed
    with pytest.raises(RLKitError, match=r"\['distributed'\]"):
        monkeypatch.setattr(catalog, "installed", lambda extra: extra != "distributed")
        run("mbtl_synthetic", out=out, backend="ray")
    assert not out.exists()


def test_rlkit_run_quickstart_by_name_from_another_directory(tmp_path):
    done = subprocess.run([sys.executable, "-m", "rlkit.cli", "run", "quickstart", "--runs", "2", "--rounds", "50",
                           "--workers", "1", "--no-plot", "--quiet", "--out", "q"], cwd=tmp_path,
                          capture_output=True, text=True, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "q" / "summary.json").is_file()
