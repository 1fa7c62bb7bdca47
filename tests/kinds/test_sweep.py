"""The [sweep] mechanism of the online kinds (rlkit.kinds.sweep): spec forms, points, run layout, summaries."""

import numpy as np
import pytest

from rlkit.core.checks import SpecError
from rlkit.kinds import sweep as sweeps
from rlkit.kinds.bandit import BanditKind
from rlkit.runner.run import resolve

BASE = {"name": "s", "kind": "bandit", "rounds": 20, "runs": 3, "env": {"id": "rlkit/LinearBandit-v0", "dim": 3},
        "agents": [{"algo": "LinUCB", "theory": False, "alpha": 1.0}, {"algo": "Uniform"}]}


def test_param_values_and_points_forms():
    spec = resolve({**BASE, "sweep": {"param": "n_arms", "values": [2, 8, 4], "label": "arms K"}})
    assert spec["sweep"]["points"] == [{"n_arms": 2}, {"n_arms": 8}, {"n_arms": 4}]
    assert [p["n_arms"] for p in sweeps.points(spec)] == [2, 8, 4] and sweeps.numeric(spec)
    assert sweeps.point_label(spec, 1) == "arms K = 8"
    assert sweeps.rank(spec) == {1: 0, 2: 1, 0: 2}  # the largest value starts first
    other = {"id": "rlkit/LinearBandit-v0", "dim": 2, "n_arms": 3}
    spec = resolve({**BASE, "sweep": {"points": [{"n_arms": 5}, other]}})
    assert sweeps.points(spec) == [{"id": "rlkit/LinearBandit-v0", "dim": 3, "n_arms": 5}, other]  # an id replaces
    assert not sweeps.numeric(spec) and sweeps.rank(spec) == {0: 0, 1: 1}
    assert resolve(BASE).get("sweep") is None and sweeps.points(resolve(BASE)) == [BASE["env"]]


@pytest.mark.parametrize("sweep, message", [
    ({"param": "n_arms"}, "sweep must have 'param' and 'values'"),
    ({"param": "n_arms", "values": 3}, "sweep.values must be a non-empty list of distinct values"),
    ({"param": "n_arms", "values": [2, 2]}, "distinct values"),
    ({"param": "dim", "values": [2, 3]}, "sweep.param 'dim' is also set in"),
    ({"param": "n_arms", "values": [2], "points": [{"n_arms": 2}]}, "either 'param' and 'values' or 'points'"),
    ({"points": []}, "sweep.points must be a non-empty list"),
    ({"points": [{"n_arms": 2}], "every": 2}, r"unknown sweep key\(s\) \['every'\]"),
    ({"param": "n_arms", "values": [2, 0]}, "n_arms"),  # every point's environment is built now
    ([1, 2], "sweep must be a table"),
])
def test_bad_sweeps_name_the_key(sweep, message):
    with pytest.raises(SpecError, match=message):
        resolve({**BASE, "sweep": sweep})


def test_references_over_a_sweep_need_a_numeric_parameter_sweep():
    ref = {"theory": "oful.regret_bound", "agent": "LinUCB", "over": "sweep"}
    with pytest.raises(SpecError, match="over = 'sweep' but the spec has no"):
        resolve({**BASE, "plot": {"references": [ref]}})
    with pytest.raises(SpecError, match="over must be 'curve' or 'sweep'"):
        resolve({**BASE, "plot": {"references": [{**ref, "over": "both"}]}})
    spec = resolve({**BASE, "sweep": {"param": "n_arms", "values": [2, 4]}, "plot": {"references": [ref]}})
    assert spec["plot"]["references"] == [ref]


def test_units_layout_split_finals_and_summary():
    spec = resolve({**BASE, "chunk_size": 2, "sweep": {"param": "n_arms", "values": [2, 4]}})
    kind = BanditKind()
    units = [u for u in kind.units(spec) if u.agent == "Uniform"]
    assert [(u.start, u.stop) for u in units] == [(0, 2), (2, 3), (3, 5), (5, 6)]  # point g holds g R .. (g+1) R
    P = 4
    Y = np.arange(6 * P, dtype=float).reshape(6, P)  # run r's curve; finals are 3, 7, ..., 23
    results = {"LinUCB": {"regret": Y}, "Uniform": {"regret": 2 * Y}}
    parts = sweeps.split(spec, results)
    assert np.array_equal(parts[1]["LinUCB"]["regret"], Y[3:])
    F = sweeps.finals(spec, results, "regret")["LinUCB"]
    assert F.shape == (3, 2) and np.array_equal(F[:, 1], Y[3:, -1])  # (runs, points)
    summary = sweeps.summary(spec, results)
    entry = summary["agents"]["LinUCB"]["regret"]
    assert entry["final_mean"] == [7.0, 19.0] and entry["runs"] == 3
    assert entry["final_se"][0] == pytest.approx(np.std([3.0, 7.0, 11.0], ddof=1) / np.sqrt(3))
    assert entry["loglog_slope"] == pytest.approx(np.log(19 / 7) / np.log(2))
