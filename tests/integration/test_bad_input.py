"""Bad input everywhere (property-based): every registered agent, environment and kind, driven through its public
methods with wrong shapes, dtypes, NaN/inf, out-of-range and non-integer indices, negative or fractional budgets and
misspelt keyword arguments, answers with one ``RLKitError`` naming the argument (or a correct result), never a raw
error, and keeps its state: after the bad call it decides exactly as a twin that never saw it."""

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rlkit.envs  # noqa: F401
from rlkit.core.errors import RLKitError
from rlkit.core.registry import AGENTS, KINDS
from rlkit.kinds.bandit import make_env
from rlkit.runner.run import load_plugins, resolve
from tests.integration.test_contracts import ONLINE
from tests.placement import DTYPE

pytestmark = [pytest.mark.invariant, pytest.mark.cpu_only(reason="host-side probes of the error paths")]
load_plugins()
SETTINGS = settings(max_examples=10, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
DTYPE_NAME = "float32" if DTYPE == torch.float32 else "float64"


def _first_table_per_algo():
    seen, out = set(), []
    for _name, spec, table in ONLINE:
        key = AGENTS.key(table["algo"])
        if key not in seen:
            seen.add(key)
            out.append((key, spec, table))
    return out


TABLES = _first_table_per_algo()


def _build(spec, table, length=12):
    env = make_env(spec["env"], 2, "cpu", DTYPE_NAME)
    kind = KINDS.get(spec["kind"])().length_key
    # eager validation (the default; some specs turn it off for speed, where the input is the environment's own)
    params = {k: v for k, v in table.items() if k not in ("label", "algo", "validate")}
    agent = AGENTS.get(table["algo"]).for_env(env, **{kind: length}, seed=0, **params)
    return env, agent, kind, params


def _refused(fn, *names):
    """``fn()`` either works or raises one RLKitError whose message names one of ``names``; any other exception
    fails the test. Returns whether it was refused."""
    try:
        fn()
    except RLKitError as e:
        assert any(n in str(e) for n in names), f"{e} (expected to name one of {names})"
        return True
    return False


def _corrupt(x: torch.Tensor, how: str, where: int):
    """One corruption of a valid tensor input."""
    if how == "nan" or how == "inf":
        if not x.is_floating_point():
            return x.double()  # a float where indices are wanted
        y = x.clone()
        y.view(-1)[where % y.numel()] = float(how)
        return y
    if how == "drop_dim":
        return x[..., 0] if x.dim() > 1 else x.unsqueeze(0)
    if how == "extra_dim":
        return x.unsqueeze(0)
    if how == "other_float":
        return x.to(torch.float16) if x.is_floating_point() else x.float()
    if how == "int_for_float":
        return x.long() if x.is_floating_point() else x + 10_000  # indices out of range
    if how == "negative":
        return -x - 1 if not x.is_floating_point() else x
    if how == "list":
        return x.tolist()
    raise AssertionError(how)


CORRUPTIONS = st.sampled_from(["nan", "inf", "drop_dim", "extra_dim", "other_float", "int_for_float", "negative",
                               "list"])


# ------------------------------------------------------------------ builders: budgets and keyword arguments
@pytest.mark.parametrize("key, spec, table", TABLES, ids=[k for k, _, _ in TABLES])
@given(budget=st.one_of(st.integers(-5, 0), st.floats(0.5, 50.5).filter(lambda v: not float(v).is_integer()),
                        st.sampled_from(["10", None, float("nan"), math.inf])))
@SETTINGS
def test_builders_refuse_bad_budgets(key, spec, table, budget):
    env = make_env(spec["env"], 2, "cpu", DTYPE_NAME)
    length = KINDS.get(spec["kind"])().length_key
    params = {k: v for k, v in table.items() if k not in ("label", "algo")}
    with pytest.raises(RLKitError, match=length):
        AGENTS.get(table["algo"]).for_env(env, **{length: budget}, seed=0, **params)


@pytest.mark.parametrize("key, spec, table", TABLES, ids=[k for k, _, _ in TABLES])
def test_builders_name_a_misspelt_keyword(key, spec, table):
    env = make_env(spec["env"], 2, "cpu", DTYPE_NAME)
    length = KINDS.get(spec["kind"])().length_key
    params = {k: v for k, v in table.items() if k not in ("label", "algo")}
    with pytest.raises(RLKitError, match="sede"):
        AGENTS.get(table["algo"]).for_env(env, **{length: 10}, seed=0, sede=1, **params)


# ------------------------------------------------------------------ agents: act / update / observe
BANDITS = [t for t in TABLES if KINDS.get(t[1]["kind"])().length_key == "rounds"]
EPISODIC = [t for t in TABLES if KINDS.get(t[1]["kind"])().length_key == "episodes"]


def _bandit_round(env, agent, ctx):
    a = agent.act(ctx)
    nxt, r, _, _, _ = env.step(a)
    agent.update(ctx, a, r)
    return a, nxt


@pytest.mark.parametrize("key, spec, table", BANDITS, ids=[k for k, _, _ in BANDITS])
@given(how=CORRUPTIONS, where=st.integers(0, 10_000), target=st.sampled_from(["act", "contexts", "actions",
                                                                              "rewards"]))
@SETTINGS
def test_bandit_agents_refuse_bad_input_and_keep_their_state(key, spec, table, how, where, target):
    env, agent, _, _ = _build(spec, table)
    twin_env, twin, _, _ = _build(spec, table)
    ctx, _ = env.reset(seed=3)
    twin_ctx, _ = twin_env.reset(seed=3)
    a, ctx = _bandit_round(env, agent, ctx)
    _bandit_round(twin_env, twin, twin_ctx)
    ctx = ctx
    a = agent.act(ctx)
    assert torch.equal(a, twin.act(twin_env_ctx := ctx.clone()))
    _, r, _, _, _ = env.step(a)
    twin_env.step(a)
    args = {"contexts": ctx, "actions": a, "rewards": r}
    if target == "act":
        refused = _refused(lambda: agent.act(_corrupt(ctx, how, where)), "contexts")
    else:
        bad = dict(args, **{target: _corrupt(args[target], how, where)})
        refused = _refused(lambda: agent.update(bad["contexts"], bad["actions"], bad["rewards"]), target)
    if refused:  # nothing was learnt from the refused call: the agent decides as its twin
        agent.update(ctx, a, r)
        twin.update(twin_env_ctx, a, r)
        nxt = torch.randn_like(ctx)
        assert torch.equal(agent.act(nxt), twin.act(nxt.clone())), (how, target)


def _episode_step(env, agent, states, h):
    a = agent.act(states, h)
    nxt, fb, _, _, _ = env.step(a)
    return a, fb, nxt


@pytest.mark.parametrize("key, spec, table", EPISODIC, ids=[k for k, _, _ in EPISODIC])
@given(how=CORRUPTIONS, where=st.integers(0, 10_000), target=st.sampled_from(["act", "h", "states", "actions",
                                                                              "feedback", "next_states"]))
@SETTINGS
def test_episodic_agents_refuse_bad_input_and_keep_their_state(key, spec, table, how, where, target):
    env, agent, _, _ = _build(spec, table)
    twin_env, twin, _, _ = _build(spec, table)
    states, _ = env.reset(seed=3)
    twin_env.reset(seed=3)
    agent.begin_episode()
    twin.begin_episode()
    a, fb, nxt = _episode_step(env, agent, states, 0)
    assert torch.equal(a, twin.act(states.clone(), 0))
    twin_env.step(a)
    args = {"states": states, "actions": a, "feedback": fb, "next_states": nxt, "h": 0}
    if target == "act":
        refused = _refused(lambda: agent.act(_corrupt(states, how, where), 0), "states")
    elif target == "h":
        bad_h = {"nan": float("nan"), "inf": math.inf, "negative": -1, "list": [0], "drop_dim": 0.5}.get(how, 10_000)
        refused = _refused(lambda: agent.observe(states, a, fb, nxt, bad_h), "h")
    else:
        bad = dict(args, **{target: _corrupt(args[target], how, where)})
        names = (target, "feedback" if target == "feedback" else target.rstrip("s"))
        refused = _refused(lambda: agent.observe(bad["states"], bad["actions"], bad["feedback"], bad["next_states"],
                                                 0), *names)
    if refused:
        agent.observe(states, a, fb, nxt, 0)
        twin.observe(states.clone(), a.clone(), fb.clone(), nxt.clone(), 0)
        for h in range(1, env.horizon):
            assert torch.equal(agent.act(nxt, h), twin.act(nxt.clone(), h)), (how, target)
            break


# ------------------------------------------------------------------ environments
VECTOR_ENVS = sorted(k for k in gym.registry if k.startswith("rlkit/") and gym.registry[k].vector_entry_point)


@pytest.mark.parametrize("env_id", VECTOR_ENVS)
@given(how=CORRUPTIONS, where=st.integers(0, 10_000))
@SETTINGS
def test_environments_refuse_bad_actions_and_keep_their_state(env_id, how, where):
    env = gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point")
    twin = gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point")
    env.reset(seed=5)
    twin.reset(seed=5)
    env.action_space.seed(0)
    good = torch.as_tensor(np.asarray(env.action_space.sample()))
    if hasattr(env, "dtype") and good.is_floating_point():
        good = good.to(env.dtype)
    if _refused(lambda: env.step(_corrupt(good, how, where)), "action"):
        one, two = env.step(good), twin.step(good.clone())
        for x, y in zip(one[:3], two[:3]):
            assert torch.equal(torch.as_tensor(x), torch.as_tensor(y)), (env_id, how)


@pytest.mark.parametrize("env_id", sorted(k for k in gym.registry if k.startswith("rlkit/")
                                          and k != "rlkit/TrafficSignal-v0"))
def test_environments_name_a_misspelt_keyword(env_id):
    with pytest.raises(RLKitError, match="n_armz"):
        gym.make(env_id, n_armz=3, disable_env_checker=True)


# ------------------------------------------------------------------ kinds: spec values
SPECS = sorted({name for name, _, _ in ONLINE})


@pytest.mark.parametrize("name", SPECS)
@given(field=st.sampled_from(["runs", "seed", "length", "chunk_size", "typo"]),
       value=st.sampled_from([-5, 0, 2.5, "ten", None, float("nan")]))
@SETTINGS
def test_kinds_refuse_bad_spec_values(name, field, value):
    from tests.integration.test_contracts import ROOT, tomllib  # tomllib, or tomli before Python 3.11

    spec = tomllib.loads((ROOT / "experiments" / f"{name}.toml").read_text())
    spec.setdefault("name", name)
    length = KINDS.get(spec["kind"])().length_key
    key = {"length": length, "typo": "runz"}.get(field, field)
    if field == "seed" and value == 0:
        return  # seed 0 is a valid seed
    spec[key] = value if field != "typo" else 3
    with pytest.raises(RLKitError, match=key if field != "length" else f"{key}|budget"):
        resolve(spec)


# ------------------------------------------------------------------ offline learners and transfer strategies
@pytest.mark.parametrize("algo", ["R2PVI", "PEVI", "DRPVI", "DRVI_L"])
@given(data=st.sampled_from([[1, 2, 3], None, "data", {"states": 1}, torch.zeros(3)]))
@SETTINGS
def test_offline_learners_refuse_what_is_not_a_dataset(algo, data):
    with pytest.raises(RLKitError, match="dataset"):
        AGENTS.get(algo)().fit(data)


@pytest.mark.parametrize("algo", ["MBTL", "Greedy", "Equidistant", "RandomOrder"])
@given(task=st.sampled_from([-1, 10, 2.5, float("nan"), "3", None]),
       row=st.sampled_from(["short", "nan", "ok"]))
@SETTINGS
def test_transfer_strategies_refuse_bad_observations_and_keep_their_state(algo, task, row):
    cls = AGENTS.get(algo)
    strategy, twin = cls(10), cls(10)
    M = np.linspace(0.0, 1.0, 100).reshape(10, 10)
    performance = {"short": M[0, :5], "nan": np.full(10, np.nan), "ok": M[0]}[row]
    if _refused(lambda: strategy.observe(task, performance), "task", "performance"):
        first = strategy.select()
        assert first == twin.select()
        strategy.observe(first, M[first])
        twin.observe(first, M[first])
        assert strategy.select() == twin.select()
