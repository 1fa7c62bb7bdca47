"""TransferMatrix: validation, normalisation (not clipped), read-only views, the .npz format, the authors' CSVs."""

import json

import numpy as np
import pytest

from rlkit.core.checks import RLKitError
from rlkit.mbtl import TransferMatrix
from rlkit.mbtl.synthetic import golden_sine, sd_mbtl


def test_normalised_values_are_not_clipped_and_are_read_only():
    m = TransferMatrix([[0.0, 600.0], [250.0, -50.0]], [1.0, 2.0], (0.0, 500.0), multitask=[100.0, 500.0])
    N = m.normalized(0)
    assert np.allclose(N, [[0.0, 1.2], [0.5, -0.1]])  # leaves [0, 1] like the authors' normalisation
    assert np.allclose(m.normalized_multitask(0), [0.2, 1.0])
    with pytest.raises(ValueError):
        N[0, 0] = 1.0
    with pytest.raises(ValueError):
        m.values[0, 0, 0] = 1.0
    assert m.trials == 1 and m.n == 2


def test_save_load_round_trip(tmp_path):
    m = TransferMatrix(np.arange(18.0).reshape(2, 3, 3), [0.5, 1.0, 2.0], (-2.0, 20.0), np.ones((2, 3)),
                       np.full((2, 3, 3), 0.1), {"family": "cartpole", "context": "masscart"})
    path = m.save(tmp_path / "m.npz")
    back = TransferMatrix.load(path)
    for a in ("values", "contexts", "multitask", "std"):
        assert np.array_equal(getattr(back, a), getattr(m, a))
    assert back.bounds == (-2.0, 20.0) and back.meta == m.meta
    with np.load(path, allow_pickle=False) as z:  # the documented keys, no pickles
        assert set(z.files) == {"format", "values", "contexts", "bounds", "multitask", "std", "meta"}
        assert str(z["format"]) == "rlkit.transfer_matrix/1" and json.loads(str(z["meta"]))["family"] == "cartpole"


def _authors_csvs(tmp_path, trials=11):
    """One asymmetric CSV per trial in the authors' naming: entry (s, j) of trial t is 100 (t + 1) + 10 s + j, so
    a transposed, reordered or mixed-up read gives other numbers. Trials 0..10: ``_10_`` sorts before ``_2_``."""
    paths = []
    for t in range(trials):
        paths.append(tmp_path / f"cartpole_masscart_{t}_transfer_result.csv")
        np.savetxt(paths[-1], 100.0 * (t + 1) + 10.0 * np.arange(3)[:, None] + np.arange(3)[None, :], delimiter=",")
    return paths


def _layout_ok(m) -> bool:
    """values[t, s, j] is trial t's return of the source-s policy on target j (rows sources, columns targets)."""
    t, s, j = np.meshgrid(np.arange(11), np.arange(3), np.arange(3), indexing="ij")
    return m.values.shape == (11, 3, 3) and np.array_equal(m.values, 100.0 * (t + 1) + 10.0 * s + j)


def test_authors_csv_layout(tmp_path, monkeypatch):
    """Rows are sources and columns targets, trials in the order given (numeric, not lexicographic: trial 10 is
    last). Negative controls: a transposed loader and lexicographically sorted paths must fail the same check."""
    paths = _authors_csvs(tmp_path)
    m = TransferMatrix.from_csv(paths, (0, 2000))
    assert _layout_ok(m)
    assert m.normalized(1)[0, 2] == pytest.approx((200.0 + 2.0) / 2000)  # source 0 on target 2, trial 1
    assert not _layout_ok(TransferMatrix.from_csv(sorted(paths), (0, 2000)))  # _10_ before _2_
    loadtxt = np.loadtxt
    monkeypatch.setattr(np, "loadtxt", lambda *a, **k: loadtxt(*a, **k).T)  # a loader with the axes swapped
    assert not _layout_ok(TransferMatrix.from_csv(paths, (0, 2000)))


@pytest.mark.parametrize("kwargs, match", [
    ({"values": np.zeros((3, 4))}, r"square \(N, N\) matrix"),
    ({"values": np.zeros((2, 3, 2))}, r"square \(N, N\) matrix"),
    ({"values": np.array([[0.0, np.nan], [1.0, 1.0]])}, r"values must be finite, got nan at index \(0, 0, 1\)"),
    ({"values": np.zeros((2, 2)), "contexts": [2.0, 1.0]}, "strictly increasing"),
    ({"values": np.zeros((2, 2)), "contexts": [1.0]}, r"contexts must have shape \(2,\)"),
    ({"values": np.zeros((2, 2)), "bounds": (1.0, 1.0)}, "lower < upper"),
    ({"values": np.zeros((2, 2)), "bounds": (0.0, np.inf)}, "lower < upper"),
    ({"values": np.zeros((2, 2)), "multitask": np.zeros(3)}, r"multitask must have shape \(1, 2\)"),
    ({"values": np.zeros((2, 2)), "meta": {"x": object()}}, "JSON-serialisable"),
])
def test_bad_matrices_are_refused(kwargs, match):
    with pytest.raises(RLKitError, match=match):
        TransferMatrix(**kwargs)


def test_bad_files_are_refused(tmp_path):
    with pytest.raises(RLKitError, match="does not exist"):
        TransferMatrix.load(tmp_path / "none.npz")
    np.savez(tmp_path / "other.npz", values=np.zeros((2, 2)))
    with pytest.raises(RLKitError, match="not a transfer matrix file"):
        TransferMatrix.load(tmp_path / "other.npz")
    (tmp_path / "junk.npz").write_text("junk")
    with pytest.raises(RLKitError, match="is not a transfer matrix"):
        TransferMatrix.load(tmp_path / "junk.npz")
    with pytest.raises(RLKitError, match=r"trial must be an integer in \[0, 0\]"):
        golden_sine(4).normalized(3)


def test_synthetic_family_matches_its_ground_truth():
    clean = sd_mbtl(12, 2, seed=3, f_amp=0.1, g_amp=0.05, w_left=0.01, w_right=0.03, noise=0.0)
    truth = clean.meta["truth"]
    M, f, g = clean.values[0], np.array(truth["f"]), np.array(truth["g"])
    i = 5
    for d in (1, 3):  # asymmetric linear gap around the set point, per grid step
        assert M[i, i + d] == pytest.approx(0.8 + f[i] + g[i + d] - 0.03 * d)
        assert M[i, i - d] == pytest.approx(0.8 + f[i] + g[i - d] - 0.01 * d)
    assert np.allclose(np.diag(M), truth["set_point"]) and np.array_equal(clean.values[0], clean.values[1])
    noisy = sd_mbtl(12, 2, seed=3, f_amp=0.1, g_amp=0.05, w_left=0.01, w_right=0.03, noise=0.02)
    resid = noisy.values - np.array(truth["clean"])
    assert not np.allclose(resid[0], resid[1]) and 0.01 < resid.std() < 0.03  # each trial its own noise
    assert np.array_equal(noisy.values, sd_mbtl(12, 2, seed=3, f_amp=0.1, g_amp=0.05, w_left=0.01, w_right=0.03,
                                                noise=0.02).values)
    with pytest.raises(RLKitError, match="noise must be >= 0"):
        sd_mbtl(5, noise=-1)
