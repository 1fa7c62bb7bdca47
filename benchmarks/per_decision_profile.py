"""Where the time of a small batch goes: tensor operations, allocations and host reads per decision.

For each agent at B = 1 and B = 10 runs it plays a short stretch after a warm-up and counts, attributed to
the part of the loop that issued them (the agent's ``act`` / ``update`` / ``update_held`` / ``keeps``, the
environment's ``step`` / ``step_held`` / ``peek_held``, and the rollout's own bookkeeping):

* ``torch`` calls: every call into torch from Python (functions, tensor methods, indexing), the unit of
  per-operation overhead;
* ``aten`` operations below them, split into ``alloc`` (a new tensor: neither a view nor in place) and the rest;
* ``sync``: reads of a tensor's value back to the host (``.item()``, ``bool(t)``, ``int(t)``): a
  synchronisation on a GPU;

then times the same stretch without the counters (microseconds per round, one thread). Counts are exact and
do not depend on the machine's load; the times do.

    python benchmarks/per_decision_profile.py [--batches 1 10] [--rounds 2000] [--agents LinUCB AR2 ...] [--validate]

Agents: ``LinUCB`` drives a linear bandit (K = 20, d = 10) through ``act`` / ``env.step`` / ``update`` as a
user would; the others play the DynLin-UCB synthetic experiment's configuration through
:func:`rlkit.agents.bandit_loop.run_bandit` under ``torch.inference_mode`` (as the experiment runner does).
"""

from __future__ import annotations

import argparse
import collections
import time

import numpy as np
import torch
from bandit_throughput import linucb_loop
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from rlkit.agents.bandit_loop import run_bandit
from rlkit.dynlin_ucb import AR2, EXP3, DLinUCB, DynLinUCB
from rlkit.envs.bandits.dynamical_linear_bandit import DynamicalLinearBandit

_SYNC = {"_local_scalar_dense", "is_nonzero", "item"}


class _Tally:
    """Per-part counters; ``part`` is the part of the loop currently running."""

    def __init__(self):
        self.part = "rollout"
        self.calls, self.ops, self.allocs, self.syncs = (collections.Counter() for _ in range(4))


class _Calls(TorchFunctionMode):
    def __init__(self, tally):
        super().__init__()
        self.tally = tally

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") not in ("__get__", "__set__"):  # attribute reads (shape, dtype) are free
            self.tally.calls[self.tally.part] += 1
        return func(*args, **(kwargs or {}))


class _Ops(TorchDispatchMode):
    def __init__(self, tally):
        super().__init__()
        self.tally = tally

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        part, schema = self.tally.part, func._schema
        self.tally.ops[part] += 1
        view = any(r.alias_info is not None for r in schema.returns)
        if not view and not schema.is_mutable:
            self.tally.allocs[part] += 1
        if func.overloadpacket.__name__ in _SYNC:
            self.tally.syncs[part] += 1
        return func(*args, **(kwargs or {}))


class _Parts:
    """Wraps an object's methods so the tally (and a timer) know which part of the loop runs."""

    def __init__(self, obj, names, tally, timer, prefix):
        self._obj = obj
        for name in names:
            fn = getattr(obj, name, None)
            if fn is not None:
                setattr(self, name, self._wrap(fn, f"{prefix}.{name}", tally, timer))

    @staticmethod
    def _wrap(fn, label, tally, timer):
        def call(*args, **kwargs):
            before = tally.part
            tally.part = label
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timer[label] += time.perf_counter() - t0
                tally.part = before

        return call

    def __getattr__(self, name):
        return getattr(self._obj, name)


VALIDATE = {"validate": False}  # --validate: every agent checks its inputs' values (the agents' default)


def _linucb_loop(B, rounds, wrap):
    play = linucb_loop(B, wrap=wrap, **VALIDATE)  # the same loop as benchmarks/bandit_throughput.py
    play(200)  # warm-up: tracked arms, buffers
    return play, rounds


DLB_AGENTS = {
    # the DynLin-UCB experiment's settings (validate = false where its spec says so, unless --validate)
    "DynLin-UCB(log T)": lambda env, T: DynLinUCB.for_env(env, rounds=T, seed=0, lam="logT"),
    "D-Lin-UCB(log T)": lambda env, T: DLinUCB.for_env(env, rounds=T, seed=0, lam="logT", gamma=1 - 1.0 / T,
                                                       delta=1.0 / T, **VALIDATE),
    "EXP3": lambda env, T: EXP3.for_env(env, rounds=T, seed=0, **VALIDATE),
    "AR2": lambda env, T: AR2.for_env(env, rounds=T, seed=0, **VALIDATE),
}


def _dlb_loop(name, B, rounds, wrap):
    T = 10**6  # the experiment's rounds fixes the agents' constants; we play the first rounds of it

    def play(n):
        env = DynamicalLinearBandit(num_envs=B, config="synthetic", noise=0.01)
        agent, env = wrap(DLB_AGENTS[name](env, T), env)
        with torch.inference_mode():
            run_bandit(env, agent, n, seed=0, record_at=np.array([n]))

    return play, rounds


def profile(name, B, rounds):
    tally, timer = _Tally(), collections.Counter()
    acts = [0]

    def wrap(agent, env):
        a = _Parts(agent, ("act", "update", "update_held", "keeps", "hold_length"), tally, timer, "agent")
        inner_act = a.act

        def act(ctx):
            acts[0] += 1
            return inner_act(ctx)

        a.act = act
        return a, _Parts(env, ("step", "step_held", "peek_held", "reset"), tally, timer, "env")

    make = (lambda r, w: _linucb_loop(B, r, w)) if name == "LinUCB" else (lambda r, w: _dlb_loop(name, B, r, w))
    play, n = make(rounds, wrap)
    acts[0] = 0
    with _Calls(tally), _Ops(tally):
        play(n)
    decisions = acts[0]
    # timing without counters (and without the part timers' share of the totals)
    plain_play, _ = make(rounds, lambda a, e: (a, e))
    plain_play(n // 4)
    t0 = time.perf_counter()
    plain_play(n)
    seconds = time.perf_counter() - t0
    return decisions, tally, seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batches", type=int, nargs="+", default=[1, 10])
    p.add_argument("--rounds", type=int, default=2000)
    p.add_argument("--agents", nargs="+", default=["LinUCB", *DLB_AGENTS])
    p.add_argument("--validate", action="store_true", help="agents check their inputs' values (their default)")
    a = p.parse_args()
    VALIDATE["validate"] = a.validate
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread; counts per round (decisions per round in brackets)")
    for name in a.agents:
        for B in a.batches:
            decisions, tally, seconds = profile(name, B, a.rounds)
            n = a.rounds
            tot = [sum(c.values()) / n for c in (tally.calls, tally.ops, tally.allocs, tally.syncs)]
            print(f"{name:<18} B = {B:<3} {seconds / n * 1e6:8.1f} us/round  ({decisions / n:.3f} decisions/round)  "
                  f"torch calls {tot[0]:6.1f}  aten ops {tot[1]:6.1f}  allocs {tot[2]:6.1f}  syncs {tot[3]:5.2f}")
            for part in sorted(tally.ops, key=lambda k: -tally.ops[k]):
                print(f"    {part:<20} calls {tally.calls[part] / n:6.1f}  ops {tally.ops[part] / n:6.1f}  "
                      f"allocs {tally.allocs[part] / n:6.1f}  syncs {tally.syncs[part] / n:5.2f}")


if __name__ == "__main__":
    main()
