"""Every edge of the Python API and the CLI that issue 15 lists gives one clear line naming the argument, what
was expected and what was given (the CLI: ``rlkit: error: ...``, status 2, no traceback, nothing written)."""

import json

import gymnasium as gym
import pytest
import torch

import rlkit.agents.bandit as bandit_base
import rlkit.core.checks as checks
import rlkit.envs  # noqa: F401  (registers the environments)
from rlkit.agents.bandit_loop import run_bandit
from rlkit.baselines import EpsilonGreedy, LinUCB
from rlkit.cli.main import main
from rlkit.core.checks import RLKitError
from rlkit.runner.run import run
from tests.helpers import write_spec

B, K, D = 2, 4, 3


def linear_env():
    return gym.make_vec("rlkit/LinearBandit-v0", num_envs=B, vectorization_mode="vector_entry_point", n_arms=K,
                        dim=D)


def agent_and_contexts(cls=LinUCB):
    env = linear_env()
    contexts, _ = env.reset(seed=0)
    return cls.for_env(env, rounds=10, seed=0), contexts


def dlb():
    env = gym.make_vec("rlkit/DynamicalLinearBandit-v0", num_envs=B, vectorization_mode="vector_entry_point")
    env.reset(seed=0)
    return env


def long(*v):
    return torch.tensor(v, dtype=torch.long)


def zeros_rewards():
    return torch.zeros(B, dtype=torch.float64)


def _float32_act():
    agent, ctx = agent_and_contexts()
    agent.act(ctx.float())


def _float32_update():
    agent, ctx = agent_and_contexts(EpsilonGreedy)
    agent.update(ctx.float(), long(0, 1), zeros_rewards())


def _other_device():
    agent, ctx = agent_and_contexts()
    agent.act(ctx.to("meta"))


def _nan_contexts():
    agent, ctx = agent_and_contexts()
    agent.act(torch.full_like(ctx, float("nan")))


def _inf_contexts_update():
    agent, ctx = agent_and_contexts()
    bad = ctx.clone()
    bad[1, 2, 0] = float("inf")
    agent.update(bad, long(0, 1), zeros_rewards())


def _wrong_arms():
    agent, ctx = agent_and_contexts()
    agent.act(torch.zeros(B, K + 1, D, dtype=torch.float64))


def _rounds(h):
    def f():
        env = linear_env()
        run_bandit(env, LinUCB.for_env(env, rounds=10, seed=0), h, seed=0)

    return f


def _env_step(actions):
    def f():
        env = linear_env()
        env.reset(seed=0)
        env.step(actions)

    return f


def _dlb_step():
    dlb().step(long(0, 7))


def _dlb_step_held():
    dlb().step_held(long(0, 6), 5)


def _dlb_peek():
    dlb().peek_held(long(-1, 0), 5)


def _update_out_of_range():
    agent, ctx = agent_and_contexts()
    agent.update(ctx, long(0, 9), zeros_rewards())


def _update_float_actions():
    agent, ctx = agent_and_contexts()
    agent.update(ctx, torch.tensor([0.0, 1.5]), zeros_rewards())


def _api_device():
    run({}, device="bogus")


API_CASES = [
    ("contexts of another dtype (act)", _float32_act,
     "contexts must have dtype torch.float64 (the agent's dtype), got torch.float32"),
    ("contexts of another dtype (update)", _float32_update,
     "contexts must have dtype torch.float64 (the agent's dtype), got torch.float32"),
    ("contexts on another device", _other_device, "contexts must be on device 'cpu' (the agent's device), got a "
                                                  "tensor on 'meta'"),
    ("NaN contexts", _nan_contexts, "contexts must be finite, got nan at index (0, 0, 0)"),
    ("inf contexts (update)", _inf_contexts_update, "contexts must be finite, got inf at index (1, 2, 0)"),
    ("contexts with another number of arms", _wrong_arms,
     "contexts must be a tensor of shape (B, K, d) = (2, 4, 3) (the agent's n_runs, n_arms, dim), got (2, 5, 3)"),
    ("run_bandit rounds 0", _rounds(0), "rounds must be an integer >= 1, got 0"),
    ("run_bandit rounds < 0", _rounds(-3), "rounds must be an integer >= 1, got -3"),
    ("env.step arm out of range", _env_step(long(0, 7)), "actions must be arm indices in [0, 4), got values 0..7"),
    ("env.step negative arm", _env_step(long(-1, 0)), "actions must be arm indices in [0, 4), got values -1..0"),
    ("env.step non-integer actions", _env_step(torch.tensor([0.5, 1.0])),
     "actions must be arm indices in [0, 4) of an integer dtype (e.g. torch.long), got dtype torch.float32"),
    ("DLB step arm out of range", _dlb_step, "actions must be arm indices in [0, 6), got values 0..7"),
    ("DLB step_held arm out of range", _dlb_step_held, "actions must be arm indices in [0, 6), got values 0..6"),
    ("DLB peek_held negative arm", _dlb_peek, "actions must be arm indices in [0, 6), got values -1..0"),
    ("agent.update arm out of range", _update_out_of_range, "actions must be arm indices in [0, 4), got values 0..9"),
    ("agent.update non-integer actions", _update_float_actions,
     "actions must be arm indices of an integer dtype (e.g. torch.long), got dtype torch.float32"),
    ("run(device='bogus')", _api_device, "device must be a torch device such as 'cpu', 'cuda' or 'cuda:0', "
                                         "got 'bogus'"),
]


@pytest.mark.parametrize("what, call, message", API_CASES, ids=[c[0] for c in API_CASES])
def test_api_edges(what, call, message):
    with pytest.raises(RLKitError) as info:
        call()
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_an_unchecked_agent_is_documented_as_unchecked():
    """``validate=False`` skips the value checks (documented), never the metadata checks."""
    env = linear_env()
    contexts, _ = env.reset(seed=0)
    agent = LinUCB.for_env(env, rounds=10, seed=0, validate=False)
    agent.act(torch.full_like(contexts, float("nan")))  # not read: no error
    with pytest.raises(RLKitError, match="contexts must have dtype"):
        agent.act(contexts.float())
    assert "*not checked*" in bandit_base.__doc__ and "*not checked*" in checks.__doc__


def _spec_dir(tmp_path):
    write_spec(tmp_path)
    return [str(tmp_path)]


def _corrupt(tmp_path):
    spec = write_spec(tmp_path, rounds=5, runs=1, chunk=1)
    assert main(["run", str(spec), "--out", str(tmp_path / "r"), "--quiet", "--no-plot", "--workers", "1"]) == 0
    (tmp_path / "r" / "spec.json").write_text('{"kind": "bandit", ')
    return [str(spec), "--out", str(tmp_path / "r")]


CLI_CASES = [
    ("--device bogus", lambda p: [str(write_spec(p)), "--device", "bogus"],
     "rlkit: error: --device must be a torch device such as 'cpu', 'cuda' or 'cuda:0', got 'bogus'"),
    ("a directory as the spec", _spec_dir, "rlkit: error: spec must be a TOML file, got the directory"),
    ("a corrupt spec.json", _corrupt, "rlkit: error: '"),
]
if not torch.cuda.is_available():
    CLI_CASES.append(("--device cuda without CUDA", lambda p: [str(write_spec(p)), "--device", "cuda"],
                      "rlkit: error: --device must be an available device, got 'cuda' but CUDA is not available"))


@pytest.mark.parametrize("what, args, message", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_edges(tmp_path, capsys, what, args, message):
    argv = args(tmp_path)
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    capsys.readouterr()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(["run", *argv, "--quiet", "--workers", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(message) and "\n" not in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written, nothing removed
    if what == "a corrupt spec.json":
        assert "spec.json' is corrupt (not JSON" in err
        assert main(["plot", str(tmp_path / "r")]) == 2
        assert "is corrupt" in capsys.readouterr().err


def test_summary_json_is_strict(tmp_path):
    """A slope that is not defined (an all-zero curve: Clairvoyant, or here a 1-round run) is null."""
    out = run(write_spec(tmp_path, rounds=1, runs=1, chunk=1), out=tmp_path / "r", workers=1, progress=False)
    text = (out / "summary.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    summary = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert summary["agents"]["eps"]["regret"]["loglog_slope"] is None
