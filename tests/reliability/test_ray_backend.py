"""The Ray backend gives the same chunks as local processes (runs where the `distributed` extra is installed)."""

import numpy as np
import pytest

from rlkit.experiment import run
from rlkit.results import ResultStore
from tests.helpers import write_spec

pytestmark = pytest.mark.cpu_only(reason="Ray workers and result files")

ray = pytest.importorskip("ray")


@pytest.mark.slow
def test_ray_backend_matches_local(tmp_path):
    spec = write_spec(tmp_path, horizon=40, runs=4, chunk=2)
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        on_ray = run(spec, out=tmp_path / "ray", backend="ray", progress=False)
    finally:
        ray.shutdown()
    local = run(spec, out=tmp_path / "local", workers=1, progress=False)
    a, b = ResultStore(on_ray), ResultStore(local)
    chunks = sorted(p.name for p in (local / "chunks").glob("*.npz"))
    assert chunks == sorted(p.name for p in (on_ray / "chunks").glob("*.npz")) and len(chunks) == 4
    for name in chunks:
        with np.load(on_ray / "chunks" / name) as x, np.load(local / "chunks" / name) as y:
            assert all(np.array_equal(x[k], y[k]) for k in y.files)
    assert a.spec() == b.spec()
