"""Per-context SB3 DQN on TrafficSignal: tiny real training, stored policy, seeded evaluation, MBTL's score."""

import importlib.util

import numpy as np
import pytest

from rlkit.core.checks import RLKitError
from rlkit.mbtl.families.traffic_dqn import SCORE_BOUNDS, episode_score, evaluate, evaluate_many, normalise, train_dqn

needs_traffic = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("sumo", "libsumo", "sumo_rl", "stable_baselines3")),
    reason='needs the traffic and rl extras: pip install "rlkit[traffic,rl]"')


def test_score_is_mbtls_negative_waiting_increase_per_second():
    # W: 0 -> 5 -> 3 -> 10: increases 5 and 7 count, the decrease does not; 12 / 10 s
    assert episode_score([0.0, 5.0, 3.0, 10.0], 10) == pytest.approx(-1.2)
    assert episode_score([4.0, 2.0, 1.0], 100) == 0.0
    assert SCORE_BOUNDS == (-100.0, 0.0)
    np.testing.assert_allclose(normalise([-100.0, -50.0, 0.0, 10.0]), [0.0, 0.5, 1.0, 1.1])  # not clipped
    with pytest.raises(RLKitError):
        episode_score([1.0], 10)


@needs_traffic
@pytest.mark.slow
def test_tiny_training_and_evaluation(tmp_path, monkeypatch):
    import tempfile

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))  # where SB3's default logger would make its folder
    monkeypatch.setenv("TMPDIR", str(tmp))  # the same for a training process of its own
    context = {"inflow": 900.0, "speed_limit": 13.89, "lane_length": 300.0}
    env_kwargs = {"episode_seconds": 200, "cache_dir": str(tmp_path / "cache")}
    kwargs = {"out_dir": tmp_path / "policies", "env_kwargs": env_kwargs, "dqn_kwargs": {"learning_starts": 200}}
    path = train_dqn(context, 300, 0, **kwargs)  # 15 episodes of 20 decisions, 100 gradient steps
    assert path.is_file() and path.with_suffix(".json").is_file()
    stamp = path.stat().st_mtime_ns
    assert train_dqn(context, 300, 0, **kwargs) == path and path.stat().st_mtime_ns == stamp  # stored
    assert not list(tmp.glob("SB3-*"))  # no folder of SB3's default logger left behind
    score = evaluate(path, context, 2, 100, env_kwargs=env_kwargs)
    assert score == evaluate(path, context, 2, 100, env_kwargs=env_kwargs)  # seeded
    assert SCORE_BOUNDS[0] < score <= 0.0
    other = evaluate(path, {**context, "inflow": 1800.0}, 2, 100, env_kwargs=env_kwargs)  # zero-shot transfer
    assert other < score  # twice the traffic waits more, whatever the policy
    row = evaluate_many(path, [{**context, "inflow": 1800.0}, context], 2, 100, env_kwargs=env_kwargs)
    assert row == [other, score]  # one process, the task switched between episodes: the same numbers
    ret = evaluate(path, context, 1, 100, env_kwargs=env_kwargs, metric="return")
    assert np.isfinite(ret)
    with pytest.raises(RLKitError, match="policy_path"):
        evaluate(tmp_path / "missing.zip", context, 1, 0)
