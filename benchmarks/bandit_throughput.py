"""Decisions per second of the LinUCB online loop (act + reward + update), K = 20 arms, d = 10.

Side by side in one process, on the same problem (a linear bandit with fixed contexts on the unit sphere,
||theta|| = 1, noise sd 0.1):

* rlkit: ``LinUCB`` on ``LinearBandit`` batched over B = 1, 10, 64, 2048 runs (and more on a GPU), driven
  through ``act`` / ``env.step`` / ``update`` as a user of the Python API would (B = 1 is one agent on one
  environment);
* rlkit's rollout, :func:`rlkit.agents.bandit_loop.run_bandit`, playing a whole run of ``--rollout-rounds`` rounds at
  ``--rollout-batches`` (what ``rlkit run`` does for every unit): on a fixed-context linear bandit it lets LinUCB
  look ahead (``LinearBandit.peek_held`` / ``LinUCB.keeps``), asking the agent once per stretch of identical
  decisions instead of once per round, with the same decisions up to rounding. Its figure is rounds played per
  second (one decision per round and run, asked or not), from reset, the first exploring rounds included;
* a textbook per-run numpy loop: one Sherman-Morrison update per decision, runs one after the other (its
  decisions/s do not depend on the number of runs: it is the figure a single run of plain numpy reaches);
* a plain batched torch loop that inverts V with ``torch.linalg.inv`` every round (same device and dtype);
* MABWiser's ``LinUCB`` and contextualbandits' ``LinUCB`` (install the ``bench`` extra), one decision at a
  time through their public predict / partial_fit API. Both keep one ridge model per arm (disjoint LinUCB)
  fed with the round's context; the per-decision work is of the same order.

Prints every figure, its ratio to the numpy per-run loop and the ratio of rlkit at the largest B to it.
Timings are wall-clock on whatever machine runs it; nothing here is asserted.

    python benchmarks/bandit_throughput.py [--batches 1 10 64 2048] [--threads 1] [--seconds 3] [--clock cpu]
        [--rollout-batches 1 10] [--rollout-rounds 100000]
    python benchmarks/bandit_throughput.py --device cuda --dtype float32 --batches 2048 65536 262144 --no-peers
"""

from __future__ import annotations

import argparse
import time
import warnings

import gymnasium as gym
import numpy as np
import torch

import rlkit.envs  # noqa: F401
from rlkit.agents.bandit_loop import run_bandit
from rlkit.baselines import LinUCB

K, D, SIGMA = 20, 10, 0.1


def linucb_loop(B: int, device: str = "cpu", dtype=torch.float64, wrap=None, validate: bool = False):
    """The loop a user of the Python API writes (act, env.step, update); returns ``steps(n)``. ``wrap(agent, env)``
    may return stand-ins for both (the per-decision profile counts through them); ``validate`` is the agent's."""
    env = gym.make_vec("rlkit/LinearBandit-v0", num_envs=B, vectorization_mode="vector_entry_point", n_arms=K, dim=D,
                       sigma=SIGMA, device=device, dtype=dtype)
    agent = LinUCB.for_env(env, rounds=10**6, seed=0, device=device, dtype=dtype, validate=validate)
    ctx, _ = env.reset(seed=0)
    if wrap is not None:
        agent, env = wrap(agent, env)

    def steps(n):
        nonlocal ctx
        for _ in range(n):
            a = agent.act(ctx)
            nxt, r, _, _, _ = env.step(a)
            agent.update(ctx, a, r)
            ctx = nxt
        _sync(device)

    return steps


def rlkit_rate(B: int, seconds: float, device: str, dtype) -> float:
    return _rate(linucb_loop(B, device, dtype), B, seconds)


def rollout_rate(B: int, rounds: int, device: str, dtype) -> tuple[float, float]:
    """Rounds per second (times ``B`` runs) of one :func:`run_bandit` rollout of ``rounds`` rounds from reset, and
    the fraction of rounds in which the agent was asked (``act`` calls / rounds)."""
    env = gym.make_vec("rlkit/LinearBandit-v0", num_envs=B, vectorization_mode="vector_entry_point", n_arms=K, dim=D,
                       sigma=SIGMA, device=device, dtype=dtype)
    agent = LinUCB.for_env(env, rounds=rounds, seed=0, device=device, dtype=dtype, validate=False)
    asked = 0
    act = agent.act

    def counted(contexts):
        nonlocal asked
        asked += 1
        return act(contexts)

    agent.act = counted
    with torch.inference_mode():
        t0 = CLOCK()
        run_bandit(env, agent, rounds, seed=0)
        _sync(device)
        elapsed = CLOCK() - t0
    return B * rounds / elapsed, asked / rounds


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def torch_inverse_rate(B: int, seconds: float, device: str = "cpu", dtype=torch.float64) -> float:
    g = torch.Generator().manual_seed(0)
    kw = {"device": device, "dtype": dtype}
    X = torch.randn(B, K, D, generator=g, dtype=torch.float64).to(**kw)
    X /= X.norm(dim=-1, keepdim=True)
    theta = torch.randn(B, D, generator=g, dtype=torch.float64).to(**kw)
    theta /= theta.norm(dim=-1, keepdim=True)
    V = torch.eye(D, **kw).repeat(B, 1, 1)
    b = torch.zeros(B, D, **kw)
    rows = torch.arange(B, device=device)
    noise = (SIGMA * torch.randn(1024, B, generator=g, dtype=torch.float64)).to(**kw)

    def steps(n):
        nonlocal V, b
        for i in range(n):
            Vi = torch.linalg.inv(V)
            th = (Vi @ b.unsqueeze(-1)).squeeze(-1)
            ucb = X @ th.unsqueeze(-1) + torch.sqrt(torch.einsum("bki,bij,bkj->bk", X, Vi, X)).unsqueeze(-1)
            a = ucb.squeeze(-1).argmax(-1)
            x = X[rows, a]
            r = (x * theta).sum(-1) + noise[i % 1024]
            V = V + x.unsqueeze(-1) * x.unsqueeze(-2)
            b = b + r.unsqueeze(-1) * x
        _sync(device)

    return _rate(steps, B, seconds)


def numpy_loop_rate(B: int, seconds: float) -> float:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((B, K, D))
    X /= np.linalg.norm(X, axis=-1, keepdims=True)
    theta = rng.standard_normal((B, D))
    theta /= np.linalg.norm(theta, axis=-1, keepdims=True)
    V_inv = np.repeat(np.eye(D)[None], B, 0)
    b = np.zeros((B, D))

    def steps(n):
        for _ in range(n):
            for i in range(B):  # the textbook loop: one run after another
                Vi = V_inv[i]
                th = Vi @ b[i]
                width = np.sqrt(np.einsum("ki,ij,kj->k", X[i], Vi, X[i]))
                a = int(np.argmax(X[i] @ th + width))
                x = X[i, a]
                r = x @ theta[i] + SIGMA * rng.standard_normal()
                u = Vi @ x
                V_inv[i] = Vi - np.outer(u, u) / (1.0 + x @ u)
                b[i] += r * x

    return _rate(steps, B, seconds)


def mabwiser_rate(seconds: float) -> float | None:
    try:
        from mabwiser.mab import MAB, LearningPolicy
    except ImportError:
        return None
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(D)
    mab = MAB(arms=list(range(K)), learning_policy=LearningPolicy.LinUCB(alpha=1.0, l2_lambda=1.0), seed=0)
    ctx0 = rng.standard_normal((K, D))
    mab.fit(decisions=list(range(K)), rewards=list(ctx0 @ theta), contexts=ctx0)

    def steps(n):
        for _ in range(n):
            x = rng.standard_normal((1, D))
            a = mab.predict(x)
            mab.partial_fit([a], [float(x[0] @ theta + SIGMA * rng.standard_normal())], x)

    return _rate(steps, 1, seconds)


def contextualbandits_rate(seconds: float) -> float | None:
    try:
        from contextualbandits.online import LinUCB as CBLinUCB
    except ImportError:
        return None
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(D)
    model = CBLinUCB(nchoices=K, alpha=1.0, random_state=1)
    ctx0 = rng.standard_normal((K, D))
    model.fit(ctx0, np.arange(K), ctx0 @ theta)

    def steps(n):
        for _ in range(n):
            x = rng.standard_normal((1, D))
            a = model.predict(x)
            model.partial_fit(x, a, np.array([float(x[0] @ theta + SIGMA * rng.standard_normal())]))

    return _rate(steps, 1, seconds)


CLOCK = time.perf_counter  # --clock cpu: time.process_time (this process's CPU time: robust on a shared machine)


def _rate(steps, decisions_per_step: int, seconds: float) -> float:
    steps(2)  # warm-up
    n, elapsed = 1, 0.0
    while True:
        t0 = CLOCK()
        steps(n)
        elapsed = CLOCK() - t0
        if elapsed >= seconds / 4 or n > 10**6:
            break
        n *= 4
    return n * decisions_per_step / elapsed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    p.add_argument("--batches", type=int, nargs="+", default=[1, 10, 64, 2048])
    p.add_argument("--seconds", type=float, default=3.0, help="rough time budget per figure")
    p.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    p.add_argument("--rollout-batches", type=int, nargs="*", default=[1, 10],
                   help="batch sizes of the run_bandit rows (none: skip them)")
    p.add_argument("--rollout-rounds", type=int, default=100_000, help="rounds of each run_bandit rollout")
    p.add_argument("--no-peers", action="store_true", help="skip MABWiser and contextualbandits (slow, CPU only)")
    p.add_argument("--clock", default="wall", choices=["wall", "cpu"],
                   help="wall-clock time, or this process's CPU time (steadier on a shared machine; CPU devices only)")
    args = p.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    dtype = getattr(torch, args.dtype)
    print(f"LinUCB online loop, K = {K}, d = {D}; torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"device {args.device}, {args.dtype}, {args.clock} clock")
    numpy_rate = numpy_loop_rate(64, args.seconds)  # first, then rlkit: the same process, one after the other
    rows = [(f"rlkit LinUCB, B = {B}", rlkit_rate(B, args.seconds, args.device, dtype)) for B in args.batches]
    best = rows[-1][1]
    for B in args.rollout_batches:
        rate, asked = rollout_rate(B, args.rollout_horizon, args.device, dtype)
        rows.append((f"rlkit run_bandit, B = {B}, T = {args.rollout_horizon:,} ({asked:.1%} asked)", rate))
    big = max(args.batches[-1], 2048) if args.device.startswith("cuda") else 2048
    peers = [
        (f"torch batched, inverse every round, B = {big}", torch_inverse_rate(big, args.seconds, args.device, dtype)),
        ("numpy per-run Sherman-Morrison loop (per run)", numpy_rate),
    ]
    if not args.no_peers:
        peers += [("MABWiser LinUCB", mabwiser_rate(args.seconds)),
                  ("contextualbandits LinUCB", contextualbandits_rate(args.seconds))]
    last = f"rlkit(B={args.batches[-1]}) / this"
    print(f"{'implementation':<58}{'decisions/s':>16}{'this / numpy loop':>20}{last:>24}")
    for name, rate in rows + peers:
        if rate is None:
            print(f"{name:<58}{'not installed':>16}")
        else:
            print(f"{name:<58}{rate:>16,.0f}{rate / numpy_rate:>19,.2f}x{best / rate:>23,.1f}x")


if __name__ == "__main__":
    main()
