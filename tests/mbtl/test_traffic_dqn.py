"""MBTL's traffic score and DQN through the traffic family: a tiny real training and seeded evaluation."""

import importlib.util
import types

import numpy as np
import pytest

from rlkit.core.checks import RLKitError
from rlkit.mbtl.families.traffic_dqn import SCORE_BOUNDS, episode_score, mbtl_score
from rlkit.mbtl.matrix import TransferMatrix

needs_traffic = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("sumo", "libsumo", "sumo_rl", "stable_baselines3")),
    reason='needs the traffic and rl extras: pip install "rlkit[traffic,rl]"')


def test_score_is_mbtls_negative_waiting_increase_per_second():
    # W: 0 -> 5 -> 3 -> 10: increases 5 and 7 count, the decrease does not; 12 / 10 s
    assert episode_score([0.0, 5.0, 3.0, 10.0], 10) == pytest.approx(-1.2)
    assert episode_score([4.0, 2.0, 1.0], 100) == 0.0
    env = types.SimpleNamespace(unwrapped=types.SimpleNamespace(episode_seconds=10))
    assert mbtl_score(env, [{"waiting_time": w} for w in (0.0, 5.0, 3.0, 10.0)]) == pytest.approx(-1.2)
    assert SCORE_BOUNDS == (-100.0, 0.0)
    normalised = TransferMatrix(np.array([[-100.0, -50.0], [0.0, 10.0]]), [1.0, 2.0], SCORE_BOUNDS).normalized(0)
    np.testing.assert_allclose(normalised, [[0.0, 0.5], [1.0, 1.1]])  # MBTL's bounds, not clipped
    with pytest.raises(RLKitError):
        episode_score([1.0], 10)


@needs_traffic
@pytest.mark.slow
def test_tiny_training_and_evaluation_through_the_family(tmp_path, monkeypatch):
    import tempfile

    from rlkit.mbtl.families.base import FAMILIES, EnvMaker

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))  # where SB3's default logger would make its folder
    monkeypatch.setenv("TMPDIR", str(tmp))  # the same for the training process of its own
    family = FAMILIES.get("traffic")
    options = {"episode_seconds": 200, "lane_length": 300.0, "cache_dir": str(tmp_path / "cache")}
    make = EnvMaker("traffic", "inflow", options, value=900.0)
    busy = EnvMaker("traffic", "inflow", options, value=1800.0)
    train = {"algo": "DQN", "n_envs": 1, "policy": "MlpPolicy", "timesteps": 300, "params": {"learning_starts": 200}}
    model = family.train(make, train, 0)  # 15 episodes of 20 decisions, 100 gradient steps, in a cell
    assert not list(tmp.glob("SB3-*"))  # no folder of SB3's default logger left behind
    ev = {"deterministic": True, "batch": 2}
    score, other = family.evaluate_targets(model, [make, busy], train, ev, [[100, 101], [100, 101]])
    np.testing.assert_array_equal(family.evaluate(model, make, train, ev, [100, 101]), score)  # seeded
    assert score.shape == (2,) and np.all(score > SCORE_BOUNDS[0]) and np.all(score <= 0.0)
    assert other.mean() < score.mean()  # twice the traffic waits more, whatever the policy (zero-shot transfer)
