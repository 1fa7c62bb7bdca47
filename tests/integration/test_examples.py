"""Every script of ``examples/`` (one per paper) runs, at small sizes, and returns its metric with the shapes it
documents."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMALL = {
    "dynlin_ucb": ["--runs", "2", "--rounds", "2000"],
    "gfucb": ["--runs", "2", "--rounds", "40"],
    "ftrl": ["--runs", "2", "--episodes", "20"],
    "reward_free": ["--runs", "2", "--episodes", "20", "--horizon", "5"],
    "r2pvi": ["--replications", "2", "--episodes", "20"],
    "mbtl": ["--steps", "3"],
}
pytestmark = pytest.mark.cpu_only("the scripts build their environments on the CPU")


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_example_per_paper():
    assert {p.stem for p in ROOT.joinpath("examples").glob("*.py")} == set(SMALL)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_example_runs(name, single_thread, capsys):
    out = load(name).main(SMALL[name])
    assert out and capsys.readouterr().out.strip()
    for value in out.values():
        if name in ("dynlin_ucb", "reward_free"):
            assert all(v.shape[0] == 2 for v in value.values())  # (B, P) curves of 2 runs
        elif name == "r2pvi":
            assert all(v.shape == (2,) for v in value.values())  # (R,) returns
        elif name == "mbtl":
            assert value.shape[1] == 3  # (trials, steps)
        else:
            assert value.shape[0] == 2
