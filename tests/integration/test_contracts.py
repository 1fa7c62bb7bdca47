"""One contract per setting, checked across every paper: placement, bad input, names.

* every agent of every committed spec, built by ``for_env`` on a float32 environment, is a float32 agent (and
  the offline learners take the dtype of the environment they are built for);
* a NaN or an out-of-range index reaches no agent family silently: bandit, multitask, episodic and offline
  agents each raise an :class:`RLKitError` that names the argument;
* the registry: a class's name and its paper's spelling both resolve, and a near miss gets a suggestion.
"""

import sys
from pathlib import Path

import gymnasium as gym
import pytest
import torch

import rlkit.envs  # noqa: F401
from rlkit.core.errors import RLKitError, SpecError
from rlkit.core.registry import AGENTS, KINDS
from rlkit.kinds.bandit import make_env
from rlkit.runner.run import load_plugins, resolve

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.cpu_only(reason="placement is checked against a float32 CPU environment")

ROOT = Path(__file__).resolve().parents[2]
load_plugins()


def _online_agents():
    """(spec name, resolved spec, agent table) for every agent of every online spec."""
    out = []
    for path in sorted((ROOT / "experiments").glob("*.toml")):
        spec = tomllib.loads(path.read_text())
        if spec["kind"] in ("bandit", "episodic", "reward_free"):
            spec.setdefault("name", path.stem)
            resolved = resolve(spec)
            out += [(path.stem, resolved, a) for a in resolved["agents"]]
    return out


ONLINE = _online_agents()


@pytest.mark.parametrize("name, spec, table", ONLINE, ids=[f"{n}-{a['label']}" for n, _, a in ONLINE])
def test_for_env_puts_every_online_agent_on_the_environments_dtype(name, spec, table):
    env = make_env(spec["env"], 2, "cpu", "float32")
    length = KINDS.get(spec["kind"])().length_key
    params = {k: v for k, v in table.items() if k not in ("label", "algo")}
    agent = AGENTS.get(table["algo"]).for_env(env, **{length: spec[length]}, seed=0, **params)
    assert agent.dtype == torch.float32 and agent.device == torch.device("cpu")


def test_every_online_agent_class_is_probed():
    probed = {AGENTS.key(a["algo"]) for _, _, a in ONLINE}
    assert {"LinUCB", "LinTS", "EpsilonGreedy", "Uniform", "DynLinUCB", "DLinUCB", "AR2", "EXP3", "GFUCB",
            "NeuralGFUCB", "PerTaskLinUCB", "NeuralEpsilonGreedy", "GFUCBMDP", "LSVIUCB", "UniformPolicy",
            "FTRLLogBarrier", "DilatedBonusPO", "HFUCRLRFE", "UCRLRFE", "UCRLRFEPlus"} <= probed


@pytest.mark.parametrize("algo", ["R2PVI", "PEVI", "DRPVI", "DRVI_L"])
def test_offline_learners_take_the_environments_dtype(algo):
    from rlkit.envs import RobustLinearMDP

    agent = AGENTS.get(algo).for_env(RobustLinearMDP(dtype=torch.float32))
    assert agent.dtype == torch.float32


# ------------------------------------------------------------------ bad input, family by family
def test_bandit_agents_refuse_nan_contexts():
    from rlkit.baselines import LinUCB

    env = gym.make_vec("rlkit/LinearBandit-v0", num_envs=2, vectorization_mode="vector_entry_point", n_arms=3, dim=2)
    agent = LinUCB.for_env(env, rounds=10, seed=0)
    contexts, _ = env.reset(seed=0)
    contexts[0, 1, 0] = float("nan")
    with pytest.raises(RLKitError, match=r"contexts must be finite, got nan at index \(0, 1, 0\)"):
        agent.act(contexts)


def test_multitask_agents_check_contexts_as_bandit_agents_do():
    from rlkit.gfucb import GFUCB

    env = gym.make_vec("rlkit/MultitaskRepresentationBandit-v0", num_envs=2, vectorization_mode="vector_entry_point")
    agent = GFUCB.for_env(env, rounds=10, seed=0)
    contexts, _ = env.reset(seed=0)
    bad = contexts.clone()
    bad[1, 0, 2, 0] = float("nan")
    with pytest.raises(RLKitError, match=r"contexts must be finite, got nan at index \(1, 0, 2, 0\)"):
        agent.act(bad)
    with pytest.raises(RLKitError, match="contexts must have dtype torch.float64"):
        agent.act(contexts.float())
    theta_before = agent.ridge.theta.clone()
    actions = agent.act(contexts)
    with pytest.raises(RLKitError, match="rewards must be finite"):
        agent.update(contexts, actions, torch.full(actions.shape, float("nan"), dtype=torch.float64))
    assert torch.equal(agent.ridge.theta, theta_before)  # the ridge state is untouched by the refused update


@pytest.fixture
def episodic():
    from rlkit.baselines import LSVIUCB

    env = gym.make_vec("rlkit/RandomTabularMDP-v0", num_envs=2, vectorization_mode="vector_entry_point",
                       n_states=3, n_actions=2, horizon=2)
    agent = LSVIUCB.for_env(env, episodes=10, seed=0)
    states, _ = env.reset(seed=0)
    agent.begin_episode()
    return agent, states, agent.act(states, 0)


def test_episodic_agents_refuse_float_indices_out_of_range_states_and_nan_feedback(episodic):
    agent, s, a = episodic
    zero = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(RLKitError, match="actions must be action indices of an integer dtype"):
        agent.observe(s, a.double(), zero, s, 0)
    with pytest.raises(RLKitError, match=r"states must lie in \[0, 3\), got values 7..7"):
        agent.observe(s + 7, a, zero, s, 0)
    with pytest.raises(RLKitError, match=r"next_states must lie in \[0, 3\)"):
        agent.observe(s, a, zero, s - 5, 0)
    with pytest.raises(RLKitError, match=r"actions must lie in \[0, 2\)"):
        agent.observe(s, a + 2, zero, s, 0)
    with pytest.raises(RLKitError, match="feedback must be finite"):
        agent.observe(s, a, zero + float("nan"), s, 0)
    with pytest.raises(RLKitError, match=r"states must lie in \[0, 3\)"):
        agent.act(s + 3, 0)


def test_offline_learners_refuse_what_is_not_a_dataset_and_nan_rewards():
    from rlkit.envs import RobustLinearMDP, collect
    from rlkit.r2pvi import R2PVI

    with pytest.raises(RLKitError, match="dataset must be an rlkit.envs.Dataset .* got list"):
        R2PVI().fit([1, 2, 3])
    data = collect(RobustLinearMDP(), "uniform", 5, seed=0, replications=2)
    data.rewards[0, 0, 0] = float("nan")
    with pytest.raises(RLKitError, match="dataset.rewards must be finite"):
        R2PVI().fit(data)


# ------------------------------------------------------------------ names
def test_class_name_and_paper_name_resolve_to_one_class_and_near_misses_get_a_suggestion():
    from rlkit.baselines import LSVIUCB
    from rlkit.reward_free import HFUCRLRFE

    assert AGENTS.get("LSVIUCB") is AGENTS.get("LSVI-UCB") is LSVIUCB
    assert AGENTS.get("HFUCRLRFE") is AGENTS.get("HF-UCRL-RFE++") is HFUCRLRFE
    assert AGENTS.alias("DRVI_L") == "DRVI-L" and AGENTS.alias("LinUCB") is None
    for name in AGENTS.names():  # the key is the class name, for every agent
        assert AGENTS.get(name).__name__ == name
    with pytest.raises(SpecError, match=r"unknown agent 'LSVI_UCB'; did you mean 'LSVIUCB' or 'LSVI-UCB'\?"):
        AGENTS.get("LSVI_UCB")
    with pytest.raises(SpecError, match=r"unknown agent 'linucb'; did you mean 'LinUCB'\?"):
        AGENTS.get("linucb")


# ------------------------------------------------------------------ budgets and command-line overrides
def _one_spec_per_kind():
    seen = {}
    for path in sorted((ROOT / "experiments").glob("*.toml")):
        spec = tomllib.loads(path.read_text())
        seen.setdefault(spec["kind"], (path.stem, spec))
    return sorted(seen.items())


KIND_SPECS = _one_spec_per_kind()
SMALL = {"runs": 2, "rounds": 10, "episodes": 10, "seed": 3}


def test_every_kind_has_a_committed_spec_and_declares_its_budget():
    assert {k for k, _ in KIND_SPECS} == set(KINDS.names())
    budgets = {name: KINDS.get(name).budget for name in KINDS.names()}
    assert budgets["bandit"] == "rounds" and budgets["episodic"] == budgets["reward_free"] == "episodes"


@pytest.mark.parametrize("kind, named", KIND_SPECS, ids=[k for k, _ in KIND_SPECS])
@pytest.mark.parametrize("override", sorted(SMALL))
def test_an_override_is_applied_or_refused_in_one_line_naming_what_the_kind_takes(kind, named, override):
    from rlkit.runner.run import OVERRIDES

    name, spec = named
    cls = KINDS.get(kind)
    assert set(cls.overrides) <= set(OVERRIDES) and "seed" in cls.overrides
    if override in cls.overrides:
        if kind == "transfer_build":
            pytest.importorskip("stable_baselines3")
        assert resolve({**spec, "name": name}, **{override: SMALL[override]})[override] == SMALL[override]
    else:
        takes = ", ".join(f"--{o}" for o in cls.overrides)
        with pytest.raises(RLKitError, match=f"^--{override} does not apply to a '{kind}' spec; it takes {takes}$"):
            resolve({**spec, "name": name}, **{override: SMALL[override]})


def test_a_refused_override_is_one_line_on_the_command_line(capsys):
    from rlkit.cli.main import main

    assert main(["run", str(ROOT / "experiments" / "mbtl_synthetic.toml"), "--runs", "3"]) == 2
    err = capsys.readouterr().err
    assert err == "rlkit: error: --runs does not apply to a 'transfer' spec; it takes --seed\n"
    assert main(["run", str(ROOT / "experiments" / "quickstart.toml"), "--episodes", "3"]) == 2
    assert "--episodes does not apply to a 'bandit' spec; it takes --runs, --rounds, --seed" in capsys.readouterr().err


# ------------------------------------------------------------------ one way from Python to each paper's metric
def test_a_reward_free_run_returns_its_papers_curve_without_a_callback():
    from rlkit.agents import run_episodes
    from rlkit.reward_free import UCRLRFE, planning_metrics

    def once(**kw):
        env = gym.make_vec("rlkit/LowerBoundMDP-v0", num_envs=2, vectorization_mode="vector_entry_point", dim=2,
                           horizon=3)
        agent = UCRLRFE.for_env(env, episodes=6, seed=1, theory=False, beta=0.1)
        return run_episodes(env, agent, 6, seed=1, record_at=[3, 6], **kw)

    default, explicit = once(), once(metrics=planning_metrics())
    assert default.keys() == explicit.keys() and "suboptimality" in default
    for name in default:
        assert default[name].shape == (2, 2)
        assert (default[name] == explicit[name]).all()
    assert ((0 <= default["suboptimality"]) & (default["suboptimality"] <= 1)).all()


def test_an_offline_policy_and_a_transfer_strategy_have_public_evaluations():
    from rlkit.agents import exact_return
    from rlkit.envs import RobustLinearMDP, collect
    from rlkit.mbtl import MBTL
    from rlkit.mbtl.synthetic import synthetic
    from rlkit.r2pvi import R2PVI

    env = RobustLinearMDP()
    policy = R2PVI().fit(collect(env, "uniform", 20, seed=0, replications=3))
    returns = exact_return(env, policy)
    assert returns.shape == (3,) and torch.isfinite(returns).all()
    matrix = synthetic("sd_mbtl", n=10).values[0]
    picks, curve = MBTL(10, seed=0).run(matrix, 4)  # MBTL's curve: generalised performance after each pick
    assert picks.shape == curve.shape == (4,) and len(set(picks.tolist())) == 4
    assert (curve[1:] >= curve[:-1]).all() and curve[-1] <= matrix.max(0).mean()  # never drops, below the oracle


# ------------------------------------------------------------------ the protocols of rlkit.core.protocols
def test_every_environment_and_agent_family_meets_its_protocol():
    from rlkit.core import protocols as P
    from rlkit.envs import RobustLinearMDP

    vector = {"BanditEnv": [], "EpisodicEnv": []}
    for env_id in sorted(k for k in gym.registry if k.startswith("rlkit/")):
        if gym.registry[env_id].vector_entry_point is None:
            continue
        env = gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point")
        family = "BanditEnv" if isinstance(env, P.BanditEnv) else "EpisodicEnv"
        assert isinstance(env, getattr(P, family)), env_id
        assert not (isinstance(env, P.BanditEnv) and isinstance(env, P.EpisodicEnv)), env_id
        vector[family].append(env_id)
    assert len(vector["BanditEnv"]) >= 4 and len(vector["EpisodicEnv"]) >= 6
    assert isinstance(gym.make_vec("rlkit/MultitaskDigitsBandit-v0", num_envs=2,
                                   vectorization_mode="vector_entry_point"), P.MultitaskBanditEnv)
    assert isinstance(RobustLinearMDP(), P.FeatureMDP)
    for _, spec, table in ONLINE:
        env = make_env(spec["env"], 2, "cpu", "float64")
        length = KINDS.get(spec["kind"])().length_key
        params = {k: v for k, v in table.items() if k not in ("label", "algo")}
        agent = AGENTS.get(table["algo"]).for_env(env, **{length: spec[length]}, seed=0, **params)
        protocol = P.BanditAgent if isinstance(env, P.BanditEnv) else P.EpisodicAgent
        assert isinstance(agent, protocol), table["algo"]
    for algo in ("R2PVI", "PEVI", "DRPVI", "DRVI_L"):
        assert isinstance(AGENTS.get(algo)(), P.OfflineLearner)
    from rlkit.mbtl import MBTL, Equidistant, Greedy, RandomOrder

    for cls in (MBTL, Greedy, Equidistant, RandomOrder):
        assert isinstance(cls(10), P.TransferStrategy)
    assert not isinstance(object(), P.EpisodicAgent)  # the check is not vacuous
