"""Small specs shared by the experiment, CLI and reliability tests, and the write-run-read helper of the spec tests."""

import json

from rlkit.cli.main import main

TINY_SPEC = """
name = "tiny"
kind = "bandit"
rounds = {rounds}
runs = {runs}
seed = 4
chunk_size = {chunk}

[env]
id = "rlkit/LinearBandit-v0"
n_arms = 5
dim = 3
sigma = 0.2

[[agents]]
algo = "LinUCB"

[[agents]]
label = "eps"
algo = "EpsilonGreedy"
epsilon = 0.2

[plot]
theory = "oful.regret_bound"
"""


def write_spec(tmp_path, rounds=50, runs=6, chunk=3, extra="", name="tiny.toml"):
    path = tmp_path / name
    path.write_text(TINY_SPEC.format(rounds=rounds, runs=runs, chunk=chunk) + extra)
    return path


def run_spec(tmp_path, text: str, name: str, *extra: str):
    """Write ``text`` as ``tmp_path/<name>.toml`` and run it from the CLI (one worker, quiet, ``extra`` options) into
    ``tmp_path/<name>``; assert it succeeds and return ``(spec, out, summary)``."""
    spec = tmp_path / f"{name}.toml"
    spec.write_text(text)
    out = tmp_path / name
    assert main(["run", str(spec), "--out", str(out), "--workers", "1", "--quiet", *extra]) == 0
    return spec, out, json.loads((out / "summary.json").read_text())


class Frozen:
    """A negative control for learning tests: an episodic agent whose observations are dropped. It acts and plans
    as the agent does, but its model never moves, so a "learns" check must fail for it."""

    def __init__(self, agent):
        self._agent = agent

    def observe(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return getattr(self._agent, name)
