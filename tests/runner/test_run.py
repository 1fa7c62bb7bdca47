"""The runner: determinism across workers and chunking, resume, refusal of a different spec, bad specs."""

import json

import numpy as np
import pytest

from rlkit.core.checks import RLKitError, SpecError
from rlkit.runner.run import load_spec, plot, resolve, run
from rlkit.runner.store import ResultStore
from tests.helpers import write_spec

pytestmark = pytest.mark.cpu_only(reason="the runner, its worker processes and the result files on disk")


def arrays(out):
    store = ResultStore(out)
    spec = store.spec()
    from rlkit.core.registry import KINDS

    return store.gather(KINDS.get(spec["kind"])().units(spec))


def test_results_do_not_depend_on_workers_or_chunking(tmp_path):
    a = run(write_spec(tmp_path, chunk=3), out=tmp_path / "a", workers=1, progress=False)
    b = run(write_spec(tmp_path, chunk=3), out=tmp_path / "b", workers=2, progress=False)
    c = run(write_spec(tmp_path, chunk=6, name="other.toml"), out=tmp_path / "c", workers=1, progress=False)
    ra, rb, rc = arrays(a), arrays(b), arrays(c)
    for label in ("LinUCB", "eps"):
        assert np.array_equal(ra[label]["regret"], rb[label]["regret"])
        assert np.array_equal(ra[label]["regret"], rc[label]["regret"])
        assert ra[label]["regret"].shape[0] == 6
    summary = json.loads((a / "summary.json").read_text())
    assert set(summary["agents"]) == {"LinUCB", "eps"}
    assert summary["agents"]["eps"]["regret"]["final_mean"] == pytest.approx(ra["eps"]["regret"][:, -1].mean())
    # each agent's compute time, summed over its two chunks' recorded seconds
    recorded = {p.stem: float(p.read_text()) for p in (a / "chunks").glob("*.seconds")}
    assert len(recorded) == 4 and all(v > 0 for v in recorded.values())
    eps = sum(v for k, v in recorded.items() if k.startswith("eps__"))
    assert summary["compute_seconds"]["eps"] == pytest.approx(eps)


def test_rerun_skips_verified_chunks_and_recomputes_corrupt_ones(tmp_path):
    spec = write_spec(tmp_path)
    out = run(spec, out=tmp_path / "r", workers=1, progress=False)
    chunks = sorted((out / "chunks").glob("*.npz"))
    assert len(chunks) == 4
    before = {p: p.stat().st_mtime_ns for p in chunks}
    reference = arrays(out)
    chunks[0].write_bytes(chunks[0].read_bytes()[:100])  # a torn write
    (out / "chunks" / (chunks[1].stem + ".sha256")).unlink()  # a chunk whose checksum never landed
    run(spec, out=out, workers=1, progress=False)
    after = {p: p.stat().st_mtime_ns for p in chunks}
    assert after[chunks[2]] == before[chunks[2]] and after[chunks[3]] == before[chunks[3]]  # skipped
    again = arrays(out)
    for label in reference:
        assert np.array_equal(reference[label]["regret"], again[label]["regret"])


def test_a_different_spec_is_refused_and_nothing_is_lost(tmp_path):
    out = run(write_spec(tmp_path), out=tmp_path / "r", workers=1, progress=False)
    stored = (out / "spec.json").read_text()
    with pytest.raises(SpecError, match=r"different spec \(rounds: 50 \(stored\) vs 60 \(now\)"):
        run(write_spec(tmp_path), out=out, rounds=60, workers=1, progress=False)
    assert (out / "spec.json").read_text() == stored
    assert len(list((out / "chunks").glob("*.sha256"))) == 4


def test_plot_writes_png_and_pdf(tmp_path):
    out = run(write_spec(tmp_path, rounds=200), out=tmp_path / "r", workers=1, progress=False)
    paths = plot(out)
    assert {p.suffix for p in paths} == {".png", ".pdf"}
    assert all(p.stat().st_size > 1000 for p in paths)


@pytest.mark.parametrize(
    "extra,message",
    [
        ('\n[[agents]]\nalgo = "NoSuchAgent"\n', "unknown agent 'NoSuchAgent'; known: "),
        ('\n[[agents]]\nlabel = "x"\nalgo = "LinUCB"\nalhpa = 1.0\n', r"unknown parameter\(s\) \['alhpa'\] for LinUCB"),
        ('\n[[agents]]\nalgo = "LinUCB"\n', "label 'LinUCB' is used twice"),
    ],
)
def test_bad_agents_are_named(tmp_path, extra, message):
    with pytest.raises(SpecError, match=message):
        resolve(load_spec(write_spec(tmp_path, extra=extra)))


def test_bad_specs_are_named(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    with pytest.raises(SpecError, match="env.id 'rlkit/Nope-v0' is not a registered environment"):
        resolve({**spec, "env": {"id": "rlkit/Nope-v0"}})
    with pytest.raises(SpecError, match="rounds must be an integer >= 1, got 0"):
        resolve(spec, rounds=0)
    with pytest.raises(SpecError, match=r"unknown top-level key\(s\) \['hoirzon'\]"):
        resolve({**spec, "hoirzon": 3})
    with pytest.raises(SpecError, match="unknown experiment kind 'nope'"):
        resolve({**spec, "kind": "nope"})
    with pytest.raises(SpecError, match=r"agents\[0\] \(LinUCB\): lam must be > 0 and finite, got 0.0"):
        resolve({**spec, "agents": [{"algo": "LinUCB", "lam": 0.0}]})
    with pytest.raises(SpecError, match=r"agents\[0\] \(LinUCB\): delta must lie in the open interval"):
        resolve({**spec, "agents": [{"algo": "LinUCB", "delta": 1.0}]})
    with pytest.raises(SpecError, match="does not exist"):
        load_spec(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("kind = [")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(bad)
    with pytest.raises(RLKitError, match="not a results directory"):
        plot(tmp_path)
