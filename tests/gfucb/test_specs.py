"""CLI smoke for the GFUCB specs (tiny budget) and the bandit kind's sweep: units, summary, figure, bad specs."""

import json
from pathlib import Path

import pytest

from rlkit.cli.main import main
from rlkit.core.checks import SpecError
from rlkit.core.registry import KINDS
from rlkit.runner.run import load_spec, resolve

pytestmark = pytest.mark.usefixtures("single_thread")  # small tensors: one torch thread

SPECS = Path(__file__).resolve().parents[2] / "experiments"


def run(name, tmp_path, rounds=12, runs=2):
    out = tmp_path / name
    rc = main(["run", str(SPECS / f"{name}.toml"), "--rounds", str(rounds), "--runs", str(runs), "--workers", "1",
               "--out", str(out), "--quiet"])
    assert rc == 0
    return out, json.loads((out / "summary.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["gfucb_figure", "gfucb_refit", "gfucb_digits"])
def test_bandit_specs_run_and_plot(name, tmp_path):
    out, summary = run(name, tmp_path)
    for label, terms in summary["agents"].items():
        assert set(terms) == {"regret_per_task"}, label
        assert terms["regret_per_task"]["final_mean"] > 0, label
    assert (out / f"{name}.png").is_file() and (out / f"{name}.pdf").is_file()


@pytest.mark.slow
def test_tasks_sweep_runs_and_plots(tmp_path):
    out, summary = run("gfucb_tasks", tmp_path)
    assert summary["sweep"]["param"] == "n_tasks" and summary["sweep"]["values"] == [1, 2, 5, 10, 20]
    shared = summary["sweep"]["agents"]["GFUCB exact class"]["regret_per_task"]["final_mean"]
    # with one task, sharing across tasks and learning each alone are the same algorithm on the same seeds
    alone = summary["sweep"]["agents"]["GFUCB exact class, independent"]["regret_per_task"]["final_mean"]
    assert len(shared) == 5 and shared[0] == pytest.approx(alone[0], rel=1e-12)
    assert (out / "gfucb_tasks.png").is_file()


def test_sweep_units_cover_every_point_and_run_once():
    spec = resolve(load_spec(SPECS / "gfucb_tasks.toml"))
    kind = KINDS.get("bandit")()
    units = kind.units(spec)
    assert len(units) == 4 * 5 * 2  # agents x points x chunks of 10 runs
    per_agent = sorted((u.start, u.stop) for u in units if u.agent == "Neural GFUCB")
    assert per_agent == [(s, s + 10) for s in range(0, 100, 10)]
    first = kind.schedule(spec, units)[0]
    assert first.start // spec["runs"] == 4  # M = 20 (the slowest point) starts first


def test_bad_sweep_specs(tmp_path):
    spec = load_spec(SPECS / "gfucb_tasks.toml")
    with pytest.raises(SpecError, match="sweep.values must be a non-empty list of distinct values"):
        resolve({**spec, "sweep": {"param": "n_tasks", "values": []}})
    with pytest.raises(SpecError, match=r"env \(rlkit/MultitaskRepresentationBandit-v0\): n_tasks must be an integer"):
        resolve({**spec, "sweep": {"param": "n_tasks", "values": [1, 0]}})
    with pytest.raises(SpecError, match="has no parameter 'n_taskz'"):
        resolve({**spec, "sweep": {"param": "n_taskz", "values": [1]}})
    bad_theory = {**spec["plot"], "references": [{"theory": "gfucb.per_task_rate", "agent": "Nobody", "over": "sweep"}]}
    with pytest.raises(SpecError, match=r"plot.references\[0\].agent 'Nobody' is not an agent label"):
        resolve({**spec, "plot": bad_theory})
    with pytest.raises(SpecError, match="group_size must divide n_tasks = 5, got 2"):
        resolve({**spec, "agents": [{"algo": "GFUCB", "group_size": 2}]})
