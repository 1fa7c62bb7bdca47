"""CLI smoke: both DynLin-UCB experiment specs run end to end at a tiny rounds and draw their figures."""

import json
import math
from pathlib import Path

import pytest

from rlkit.cli.main import main

pytestmark = pytest.mark.cpu_only(reason="the command line, its processes and files")

SPECS = Path(__file__).resolve().parents[2] / "experiments"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["dynlin_ucb_synthetic", "dynlin_ucb_ads"])
def test_spec_runs_from_the_cli(name, tmp_path):
    out = tmp_path / name
    rc = main(["run", str(SPECS / f"{name}.toml"), "--rounds", "300", "--runs", "2", "--workers", "1",
               "--out", str(out), "--quiet"])
    assert rc == 0
    summary = json.loads((out / "summary.json").read_text())
    agents = summary["agents"]
    expected = {"DynLin-UCB(log T)", "Lin-UCB(1)", "D-Lin-UCB(log T)", "AR2", "EXP3", "Batch-EXP3", "Clairvoyant"}
    assert expected <= set(agents)
    assert agents["Clairvoyant"]["steady_state_regret"]["final_mean"] == 0.0
    for label, terms in agents.items():
        assert set(terms) == {"regret", "realised_regret", "steady_state_regret"}
        assert terms["steady_state_regret"]["final_mean"] >= 0.0, label
    if name == "dynlin_ucb_ads":
        assert agents["Expert"]["steady_state_regret"]["final_mean"] == pytest.approx(0.2157 * 300, rel=2e-3)
    stored = json.loads((out / "spec.json").read_text())  # T-dependent values follow --rounds
    assert_follows_horizon(stored, 300)
    assert (out / f"{name}_steady_state_regret.png").is_file()
    assert (out / f"{name}_realised_regret.pdf").is_file()


@pytest.mark.parametrize("name", ["dynlin_ucb_synthetic", "dynlin_ucb_ads"])
def test_agents_deciding_every_round_start_first(name):
    from rlkit.core.registry import KINDS
    from rlkit.runner.run import load_spec, resolve

    spec = resolve(load_spec(SPECS / f"{name}.toml"))
    kind = KINDS.get(spec["kind"])()
    units = kind.units(spec)
    order = [u.agent for u in kind.schedule(spec, units)]
    assert set(order[:2]) == {"AR2", "EXP3"} and sorted(order) == sorted(u.agent for u in units)
    assert order.index("Batch-EXP3") > 1  # EXP3 deciding once per batch is not a per-round unit


def assert_follows_horizon(spec: dict, T: int):
    by_label = {a["label"]: a for a in spec["agents"]}
    for label in ("DynLin-UCB(log T)", "Lin-UCB(log T)", "D-Lin-UCB(log T)"):
        assert by_label[label]["lam"] == math.log(T), label
    for label in ("Lin-UCB(1)", "Lin-UCB(log T)", "D-Lin-UCB(1)", "D-Lin-UCB(log T)"):
        assert by_label[label]["delta"] == 1.0 / T, label
    assert by_label["Lin-UCB(1)"]["lam"] == 1.0
    assert spec["plot"]["theory_params"]["lam"] == math.log(T)


@pytest.mark.parametrize("name", ["dynlin_ucb_synthetic", "dynlin_ucb_ads"])
@pytest.mark.parametrize("T", [None, 5000])
def test_t_dependent_values_are_resolved_once_per_run(name, T):
    """``"logT"`` and ``"@1 / rounds"`` are evaluated at the spec's rounds or at ``--rounds``."""
    from rlkit.runner.run import load_spec, resolve

    spec = resolve(load_spec(SPECS / f"{name}.toml"), rounds=T)
    assert spec["rounds"] == (T or 1_000_000)
    assert_follows_horizon(spec, spec["rounds"])
