"""The ``transfer`` kind and ``rlkit transfer select``: determinism, summaries, figures, one-line errors."""

import importlib.util
import json

import numpy as np
import pytest

from rlkit.cli.main import main
from rlkit.core.checks import SpecError
from rlkit.mbtl import TransferMatrix
from rlkit.mbtl.synthetic import sd_mbtl
from rlkit.runner.run import load_spec, resolve, run

pytest.importorskip("sklearn")  # MBTL's Gaussian process
HAS_SB3 = importlib.util.find_spec("stable_baselines3") is not None
needs_sb3 = pytest.mark.skipif(not HAS_SB3,
                               reason='building transfer matrices needs the rl extra: pip install "rlkit[rl]"')

SPEC = """
name = "syn"
kind = "transfer"
seed = 2
steps = 8
[matrix]
synthetic = "sd_mbtl"
n = 12
trials = 2
w_left = 0.03
w_right = 0.05
noise = 0.01
[[agents]]
algo = "MBTL"
slope = 0.04
n_restarts = 2
[[agents]]
label = "Random"
algo = "RandomOrder"
runs = 20
[[agents]]
algo = "SequentialOracle"
[[agents]]
algo = "Independent"
[[agents]]
algo = "OracleTransfer"
"""


def write(tmp_path, text=SPEC, name="syn.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_transfer_kind_is_deterministic_and_summarises(tmp_path):
    a = run(write(tmp_path), out=tmp_path / "a", workers=1, progress=False)
    b = run(write(tmp_path, SPEC.replace("steps = 8", "steps = 8\nchunk_size = 2"), "b.toml"), out=tmp_path / "b",
            workers=1, progress=False)
    from rlkit.core.registry import KINDS
    from rlkit.runner.store import ResultStore

    kind = KINDS.get("transfer")()
    ga, gb = (ResultStore(d).gather(kind.units(ResultStore(d).spec())) for d in (a, b))
    for label in ga:  # the same numbers whatever the chunking of trials
        assert all(np.array_equal(ga[label][k], gb[label][k]) for k in ("picks", "curve"))
        assert ga[label]["curve"].shape[0] == 2
    s = json.loads((a / "summary.json").read_text())
    bound = s["agents"]["OracleTransfer"]["mean_curve"]
    for label in ("MBTL", "Random", "SequentialOracle"):
        curve = s["agents"][label]["mean_curve"]
        assert len(curve) == 8 and all(c <= o + 1e-12 for c, o in zip(curve, bound))
        assert all(np.diff(curve) >= -1e-12)
    assert s["agents"]["MBTL"]["picks"][0][0] == 5 and len(s["agents"]["MBTL"]["picks"]) == 2  # midpoint of 12
    assert set(s["agents"]["MBTL"]["at_k"]) == {"1", "2", "5", "8"}
    from rlkit.runner.run import plot

    paths = plot(a)
    assert paths[0].name == "syn.png" and paths[0].stat().st_size > 0


def test_the_shipped_specs_resolve():
    for name in ("mbtl_synthetic",) + (("mbtl_cartpole", "mbtl_pendulum", "mbtl_cartpole_n100", "mbtl_pendulum_n100")
                                      if HAS_SB3 else ()):
        spec = resolve(load_spec(f"experiments/{name}.toml"))
        assert {a["label"] for a in spec["agents"]} >= {"MBTL", "Greedy", "Random", "Oracle Transfer"}


@pytest.mark.parametrize("edit, match", [
    (lambda s: s.replace('synthetic = "sd_mbtl"', 'synthetic = "sd_mbtl"\nfile = "m.npz"'), "exactly one of"),
    (lambda s: s.replace("steps = 8", "steps = 13"), "steps must be at most the number of tasks N = 12"),
    (lambda s: s + '\n[[agents]]\nalgo = "MultiTask"\n', "has no multitask row"),
    (lambda s: s + '\n[[agents]]\nalgo = "LinUCB"\n', "is not a transfer strategy"),
    (lambda s: s + '\n[[agents]]\nalgo = "Nope"\n', "unknown agent 'Nope'"),
    (lambda s: s.replace("slope = 0.04", "slope = 0.04\nbeta = 2"), r"unknown parameter\(s\) \['beta'\]"),
    (lambda s: s.replace("slope = 0.04", 'acquisition = "EI"'), "acquisition must be one of"),
    (lambda s: s.replace("seed = 2", "seed = 2\nhorizon = 5"), r"unknown top-level key\(s\) \['horizon'\]"),
])
def test_bad_selection_specs(tmp_path, edit, match):
    with pytest.raises(SpecError, match=match):
        resolve(load_spec(write(tmp_path, edit(SPEC))))


BUILD = """
name = "b"
kind = "transfer_build"
[family]
name = "cartpole"
context = "masscart"
n = 3
[train]
timesteps = 64
"""


@pytest.mark.parametrize("edit, match", [
    (lambda s: s.replace("n = 3", "values = [0.05, 1.0]"), r"context masscart must lie in \[0.1, 10.0\]"),
    (lambda s: s.replace("n = 3", "values = [2.0, 1.0]"), "at least two increasing numbers"),
    (lambda s: s.replace('"cartpole"', '"walker"'), "unknown context family 'walker'"),
    (lambda s: s.replace('"masscart"', '"gravity"'), "unknown context 'gravity'"),
    (lambda s: s.replace("timesteps = 64", 'timesteps = 64\nalgo = "TRPO"'), "train.algo must be one of"),
    (lambda s: s.replace("n = 3", "n = 3\noptions = { wind = 2 }"), "not accepted by rlkit/ContextualCartPole"),
    (lambda s: s + "\n[evaluate]\nepisodes = 0\n", "evaluate.episodes must be an integer >= 1"),
])
@needs_sb3
def test_bad_build_specs(tmp_path, edit, match):
    with pytest.raises(SpecError, match=match):
        resolve(load_spec(write(tmp_path, edit(BUILD), "b.toml")))


def test_select_cli_prints_the_table_and_plots(tmp_path, capsys):
    path = sd_mbtl(10, 2, seed=1, w_left=0.04, w_right=0.04, noise=0.01).save(tmp_path / "m.npz")
    assert main(["transfer", "select", str(path), "--strategy", "MBTL", "--strategy", "Greedy", "--strategy",
                 "Independent", "--slope", "0.04", "--steps", "6", "--plot", str(tmp_path / "fig")]) == 0
    out = capsys.readouterr().out
    assert "MBTL" in out and "k=5" in out and "picks MBTL (trial 0): [4," in out and "N/k*" in out
    assert (tmp_path / "fig.png").exists()


def test_select_cli_errors_are_one_line(tmp_path, capsys):
    good = sd_mbtl(6).save(tmp_path / "m.npz")
    assert main(["transfer", "select", str(good), "--strategy", "Best"]) == 2
    assert capsys.readouterr().err.strip().startswith("rlkit: error: unknown strategy 'Best'")
    assert main(["transfer", "select", str(good), "--strategy", "MultiTask"]) == 2
    assert "needs a matrix with a multitask row" in capsys.readouterr().err
    for name, values in (("nan", [[0.0, np.nan], [1.0, 1.0]]), ("rect", [[0.0, 1.0, 2.0], [1.0, 1.0, 0.0]])):
        arrays = {k: v for k, v in np.load(good).items()}
        arrays["values"] = np.array(values)[None]
        np.savez(tmp_path / f"{name}.npz", **arrays)
        assert main(["transfer", "select", str(tmp_path / f"{name}.npz")]) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and ("must be finite" in err if name == "nan" else "square" in err)
    assert main(["transfer", "select", str(tmp_path / "none.npz")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert TransferMatrix.load(good).n == 6


def test_a_matrix_file_spec_is_bound_to_the_file(tmp_path):
    path = sd_mbtl(8, 1, seed=4, w_left=0.05, w_right=0.05).save(tmp_path / "m.npz")
    text = f'name = "f"\nkind = "transfer"\n[matrix]\nfile = "{path}"\n[[agents]]\nalgo = "Greedy"\n'
    out = run(write(tmp_path, text, "f.toml"), out=tmp_path / "r", workers=1, progress=False)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["agents"]["Greedy"]["picks"] == [[3, 6, 1, 4, 2, 5, 0, 0]]  # the reference's repeats, N = 8
    sd_mbtl(8, 1, seed=5).save(path)  # another matrix under the same name: a different spec
    with pytest.raises(SpecError, match="different spec"):
        run(write(tmp_path, text, "f.toml"), out=tmp_path / "r", workers=1, progress=False)
