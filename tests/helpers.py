"""Small specs shared by the experiment, CLI and reliability tests."""

TINY_SPEC = """
name = "tiny"
kind = "bandit"
horizon = {horizon}
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


def write_spec(tmp_path, horizon=50, runs=6, chunk=3, extra="", name="tiny.toml"):
    path = tmp_path / name
    path.write_text(TINY_SPEC.format(horizon=horizon, runs=runs, chunk=chunk) + extra)
    return path
