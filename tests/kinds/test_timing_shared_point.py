"""The timing sweep measures a point two sweeps share once, and reads older results directories (every point
stored) as they were written."""

from rlkit.kinds.timing_sweep import points, rows

SPEC = {"sweeps": [{"param": "episodes", "values": [100, 1000]}, {"param": "d", "values": [10, 30]}],
        "data": {"episodes": 1000}, "env": {"d": 30}}


def test_a_shared_point_is_one_run_read_by_both_sweeps():
    assert points(SPEC) == [(0, "episodes", 100), (0, "episodes", 1000), (1, "d", 10)]  # d = 30 at N = 1000 is shared
    spec = {**SPEC, "runs": 3}
    assert rows(spec, 0) == [0, 1] and rows(spec, 1) == [2, 1]


def test_no_shared_point_when_the_fixed_sizes_differ():
    spec = {**SPEC, "data": {"episodes": 500}, "runs": 4}
    assert len(points(spec)) == 4 and rows(spec, 1) == [2, 3]


def test_an_older_directory_with_every_point_keeps_its_rows():
    assert rows({**SPEC, "runs": 4}, 1) == [2, 3]
