"""rlkit against the dynamical-linear-bandit authors' own code (Mussi, Metelli, Restelli, ICML 2023), per agent,
at 1 and 10 runs, on the paper's synthetic system, timed alternately in one process.

    python benchmarks/dlb_reference.py --authors PATH [--authors-python PY] [--rounds 100000] [--runs 1 10]
                                       [--repeats 2] [--agents DynLin-UCB(log T) AR2 ...] [--config sigma0dot01]
    python benchmarks/dlb_reference.py --authors PATH --authors-python PY --compare --runs 20 [--json FILE]

``PATH`` is a local checkout of the authors' repository (github marcomussi/DLB); nothing of it is part of rlkit.
Their agents run through their own ``Runner`` and ``DynLinEnvironment`` one trial after another, with the
parameters their ``scripts/main.py`` derives from the configuration file (``config/testcase_synt_<config>.json``),
in a worker process of ``--authors-python`` (default: this interpreter; their code needs numpy < 2.3, which
still turns a ``(1, 1)`` array into a scalar: give an interpreter with e.g. ``numpy==1.24.4`` and tqdm
otherwise) that times itself after its imports;
rlkit's run as the experiment ``experiments/dynlin_ucb_synthetic.toml`` does: all runs in one tensor program
through :func:`rlkit.agents.bandit_loop.run_bandit` under ``torch.inference_mode``, three regret curves recorded, one
thread. Each timing is the wall time from building the environment and agent to the end of the runs; the two
implementations alternate (rlkit, authors, rlkit, authors, ...) and the best of ``--repeats`` is kept, so a
load spike on a shared machine hits both; ``--clock cpu`` times each side's CPU time instead of the wall clock.
Prints seconds, the ratio authors / rlkit, and each side's mean
steady-state pseudo-regret ``sum_t (J* - <h, u_t>)`` (the two differ by the departures listed in
``rlkit/dynlin_ucb/dynlin_ucb.py`` and by their randomness, not by the problem). Timings only; not a test.

``--compare`` measures regret instead of time: ``--runs N`` runs a side for every row of ``PAIRS`` (rlkit's
agent against the authors'), each mean with the half-width of its 95% Student-t interval and whether the two
intervals overlap; ``--json FILE`` keeps every run's number. Rows labelled ``[...]`` are diagnostics that
separate a constant from an implementation: rlkit's agent given the authors' constant
(:mod:`rlkit.dynlin_ucb.authors_constants`, ``count="rounds"`` for DynLin-UCB's ``beta_t``), or the authors'
agent with one documented fault mended by a subclass defined here (their files are not touched):
``AR2 [set emptied]`` (a pulled arm leaves the triggered set) and ``Batch-EXP3 [aligned]`` (the estimate at a
batch's last round, from that batch's rewards). Seeds: rlkit's runs are seed 0's runs ``0..N-1``; the authors'
are theirs (``np.random.seed(1)`` before the noise and in every agent's constructor, trial ``i`` the noise's
row ``i``). The results are on docs/papers/dynlin_ucb.md; the test against the authors' recorded numbers is
``tests/dynlin_ucb/test_authors_reference.py``.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def _rlkit_agents():
    """The experiment spec's agents (experiments/dynlin_ucb_synthetic.toml), by label."""
    from rlkit.baselines import LinUCB
    from rlkit.dynlin_ucb import AR2, EXP3, DLinUCB, DynLinUCB, authors_constants
    from rlkit.dynlin_ucb.dynlin_ucb import epoch_schedule

    return {
        "DynLin-UCB(log T)": lambda env, T: DynLinUCB.for_env(env, rounds=T, seed=0, lam="logT"),
        "DynLin-UCB(1)": lambda env, T: DynLinUCB.for_env(env, rounds=T, seed=0, lam=1.0),
        "Lin-UCB(log T)": lambda env, T: LinUCB.for_env(env, rounds=T, seed=0, lam=math.log(T), delta=1 / T,
                                                        validate=False),
        "Lin-UCB(1)": lambda env, T: LinUCB.for_env(env, rounds=T, seed=0, lam=1.0, delta=1 / T, validate=False),
        "D-Lin-UCB(log T)": lambda env, T: DLinUCB.for_env(env, rounds=T, seed=0, lam="logT", gamma=0.999999,
                                                           delta=1 / T, validate=False),
        "D-Lin-UCB(1)": lambda env, T: DLinUCB.for_env(env, rounds=T, seed=0, lam=1.0, gamma=0.999999999,
                                                       delta=1 / T, validate=False),
        "AR2": lambda env, T: AR2.for_env(env, rounds=T, seed=0, validate=False),
        "EXP3": lambda env, T: EXP3.for_env(env, rounds=T, seed=0, validate=False),
        "Batch-EXP3": lambda env, T: EXP3.for_env(env, rounds=T, seed=0, batch="dynlin"),
        # diagnostics: rlkit's agents with the authors' constants, to separate a constant from an implementation
        "DynLin-UCB(log T) [authors' beta]": lambda env, T: DynLinUCB.for_env(
            env, rounds=T, seed=0, lam="logT", **_authors_beta(env)),
        "DynLin-UCB(1) [authors' beta]": lambda env, T: DynLinUCB.for_env(env, rounds=T, seed=0, lam=1.0,
                                                                        **_authors_beta(env)),
        "Lin-UCB(log T) [authors' radius]": lambda env, T: LinUCB.for_env(
            env, rounds=T, seed=0, lam=math.log(T), delta=1 / T, validate=False,
            **authors_constants.linucb_logt_radius(env.theory_params())),
        "Lin-UCB(1) [authors' radius]": lambda env, T: LinUCB.for_env(
            env, rounds=T, seed=0, lam=1.0, theory=False, validate=False,
            alpha=authors_constants.linucb_one_alpha(env.theory_params(), env.actions_np, T)),
        "D-Lin-UCB(log T) [authors' radius]": lambda env, T: DLinUCB.for_env(
            env, rounds=T, seed=0, lam="logT", gamma=0.999999, delta=1 / T, validate=False,
            **authors_constants.linucb_logt_radius(env.theory_params())),
        "D-Lin-UCB(1) [authors' radius]": lambda env, T: DLinUCB.for_env(
            env, rounds=T, seed=0, lam=1.0, gamma=0.999999999, delta=1 / T, validate=False,
            **authors_constants.dlinucb_one_radius(env.theory_params(), env.actions_np)),
        "EXP3 [g = 2T/3]": lambda env, T: EXP3.for_env(env, rounds=T, seed=0, validate=False,
                                                       gamma=authors_constants.exp3_gamma(env.n_arms, T)),
        "Batch-EXP3 [g = 2T/3H]": lambda env, T: EXP3.for_env(
            env, rounds=T, seed=0, batch="dynlin",
            gamma=authors_constants.exp3_gamma(env.n_arms, T / epoch_schedule(env.theory_params()["rho"], T)[-1])),
    }


def _authors_beta(env) -> dict:
    """DynLin-UCB's radius as the authors' code computes it: ``t`` counts rounds, and ``sbar`` takes the reward
    noise to be the state noise ``s`` (the MIMO reward's noise is ``sqrt(m) s``)."""
    return {"count": "rounds", "sigma": env.theory_params()["sigma_state"]}


CLOCK = time.perf_counter  # --clock cpu: time.process_time
NAMES = ["DynLin-UCB(log T)", "DynLin-UCB(1)", "Lin-UCB(log T)", "Lin-UCB(1)", "D-Lin-UCB(log T)", "D-Lin-UCB(1)",
         "AR2", "EXP3", "Batch-EXP3"]
# --compare: (rlkit's label, the authors' label) per row; "[...]" labels are diagnostics (see _rlkit_agents and
# Authors.run): the same algorithm with the other side's constant, or the authors' agent with one fault mended
PAIRS = [
    ("DynLin-UCB(log T)", "DynLin-UCB(log T)"), ("DynLin-UCB(log T) [authors' beta]", "DynLin-UCB(log T)"),
    ("DynLin-UCB(1)", "DynLin-UCB(1)"), ("DynLin-UCB(1) [authors' beta]", "DynLin-UCB(1)"),
    ("Lin-UCB(log T)", "Lin-UCB(log T)"), ("Lin-UCB(log T) [authors' radius]", "Lin-UCB(log T)"),
    ("Lin-UCB(1)", "Lin-UCB(1)"), ("Lin-UCB(1) [authors' radius]", "Lin-UCB(1)"),
    ("D-Lin-UCB(log T)", "D-Lin-UCB(log T)"), ("D-Lin-UCB(log T) [authors' radius]", "D-Lin-UCB(log T)"),
    ("D-Lin-UCB(1)", "D-Lin-UCB(1)"),
    ("D-Lin-UCB(1) [authors' radius]", "D-Lin-UCB(1)"),
    ("AR2", "AR2"), ("AR2", "AR2 [set emptied]"),
    ("EXP3", "EXP3"), ("EXP3 [g = 2T/3]", "EXP3"),
    ("Batch-EXP3", "Batch-EXP3"), ("Batch-EXP3 [g = 2T/3H]", "Batch-EXP3 [aligned]"),
]
DEFAULT_AGENTS = ["DynLin-UCB(log T)", "DynLin-UCB(1)", "AR2", "EXP3"]


class Authors:
    """The authors' agents, environment and runner, with the parameters of their ``scripts/main.py``."""

    def __init__(self, path: str, config: str):
        root = Path(path)
        sys.path.insert(0, str(root))
        try:
            self.agents = importlib.import_module("dynlinucb.experimental.agents")
            self.env_mod = importlib.import_module("dynlinucb.experimental.environment")
            self.runner_mod = importlib.import_module("dynlinucb.experimental.runner")
            self.spectr = importlib.import_module("dynlinucb.core.utils").spectr
        finally:
            sys.path.remove(str(root))
        self.cfg = json.loads((root / "config" / f"testcase_synt_{config}.json").read_text())

    def run(self, name: str, T: int, trials: int) -> np.ndarray:
        """Steady-state pseudo-regret ``(trials,)`` of one agent; ``T`` rounds per trial."""
        c, ag = self.cfg, self.agents
        A, B, C, D = (np.array(c[k]) for k in "ABCD")
        n, p, m, sigma = c["n"], c["p"], c["m"], c["noise_sigma"]
        out_map = np.ones((1, p))
        # their script's noise, from the legacy global generator their agents also draw from (as they run it)
        np.random.seed(1)  # noqa: NPY002
        noise = np.random.normal(0, sigma, (trials, T, n))  # noqa: NPY002
        out_noise = np.random.normal(0, sigma, (trials, T, m))  # noqa: NPY002
        ll = []
        for pi in itertools.permutations(range(p)):  # the budget allocations, as their script builds them
            budget, u = c["max_daily_budget"] - p * c["min_camp_budget"], np.ones(p) * c["min_camp_budget"]
            for i in range(p):
                delta = min(budget, c["max_camp_budget"] - u[i])
                u[pi[i]] += delta
                budget -= delta
            ll.append(np.copy(u))
        U = np.unique(np.array(ll), axis=0)
        K = U.shape[0]
        rho = max(np.linalg.eigvals(A))
        omega, u_val = np.linalg.norm(out_map @ C, 2), max(np.linalg.norm(u, 2) for u in U)
        b_val, phi, theta = np.linalg.norm(B, 2), self.spectr(A), np.linalg.norm(out_map @ D, 2)
        lin = (K, p, U, T, np.log(T), rho, omega, theta, u_val, b_val, phi, sigma**2, 1.0 / T)
        M = (theta + omega * b_val / (1 - rho)) * u_val
        if name == "DynLin-UCB(log T)":
            agent = ag.LinearAgent(*lin, dynlinucb=True)
        elif name == "Lin-UCB(log T)":
            agent = ag.LinearAgent(*lin, linucb=True)
        elif name == "D-Lin-UCB(log T)":
            agent = ag.LinearAgent(*lin, gamma=0.999999, dlinucb=True)
        elif name == "DynLin-UCB(1)":
            agent = ag.DynLinUCBAgent(K, p, U, T, 1, rho, omega, theta, u_val, b_val, phi, sigma**2)
        elif name == "Lin-UCB(1)":
            agent = ag.LinUCBAgent(K, p, U, T, 1, theta, c["max_daily_budget"], sigma)
        elif name == "D-Lin-UCB(1)":
            agent = ag.DLinUCBAgent(K, p, U, T, 1, theta, c["max_daily_budget"], 0.999999999, sigma)
        elif name in ("AR2", "AR2 [set emptied]"):
            epochs = math.ceil(K * rho ** (-3) * sigma ** (-3))
            c0 = np.sqrt(4 * np.log(1 / (rho * sigma)) + 4 * np.log(epochs) + 2 * np.log(4 * K))
            agent = (ag.AR2Agent if name == "AR2" else _emptied_ar2(ag.AR2Agent))(K, rho, epochs, c0, sigma)
        elif name == "EXP3":
            lr = min(1, np.sqrt(K * np.log(K) / ((math.e - 1) * 2 * T / 3)))
            agent = ag.Exp3Agent(K, gamma=lr, eta=lr / K, max_reward=4 * M, add_factor=2 * M)
        elif name in ("Batch-EXP3", "Batch-EXP3 [aligned]"):
            aux = aux_sum = 0
            while aux_sum < T:
                aux += 1
                aux_sum += 1 + math.floor(np.log(aux) / np.log(1 / rho))
            size = math.ceil(np.log(aux) / np.log(1 / rho))
            lr = min(1, np.sqrt(K * np.log(K) / ((math.e - 1) * 2 * (T / size) / 3)))
            agent = (ag.BatchExp3Agent if name == "Batch-EXP3" else _aligned_batch_exp3(ag.BatchExp3Agent))(
                K, gamma=lr, eta=lr / K, max_reward=4 * M, add_factor=2 * M, batch_size=size, horizon=T, method="mean")
        else:
            raise ValueError(name)
        env = self.env_mod.DynLinEnvironment(A, B, C, D, n, p, m, T, noise, out_noise, trials, out_map)
        runner = self.runner_mod.Runner(env, agent, trials, T, p, K, U)
        actions = _quiet(runner)()  # (trials, T, p): their loop without the progress bar
        h = (out_map @ (D + C @ np.linalg.inv(np.eye(n) - A) @ B)).ravel()
        return (np.max(U @ h) - actions @ h).sum(1)


def _emptied_ar2(base):
    """The authors' AR2 with one change: a pulled arm leaves the triggered set (their list only grows, and the
    block meant to clear it at a restart sits in a branch that cannot reach it), so the arms explored on odd
    rounds are those triggered since their last pull, as in Chen et al.'s alternation."""

    class EmptiedAR2(base):
        def pull_arm(self):
            arm = super().pull_arm()
            if arm in self.triggered_arms:
                self.triggered_arms.remove(arm)
                self.tau_trig[arm] = np.inf
            return arm

    return EmptiedAR2


def _aligned_batch_exp3(base):
    """The authors' Batch-EXP3 with one change: the estimate is made at a batch's last round, from that batch's
    ``H`` rewards (theirs is made at the second round of the next batch, crediting the new arm with the previous
    arm's last ``H - 2`` rewards and its own first two)."""

    class AlignedBatchExp3(base):
        def __init__(self, *args, batch_size, horizon, **kwargs):
            super().__init__(*args, batch_size=batch_size, horizon=horizon, **kwargs)
            self.t_estimate = np.arange(batch_size - 1, horizon + batch_size + 1, batch_size)

    return AlignedBatchExp3


def _quiet(runner):
    def perform():
        out = np.zeros((runner.n_trials, runner.horizon, runner.action_size))
        for i in range(runner.n_trials):  # their perform_simulations, less tqdm
            runner.environment.reset(i)
            runner.agent.reset()
            out[i] = runner._run_simulation()
        return out

    return perform


def rlkit_run(name: str, T: int, runs: int) -> tuple[float, np.ndarray]:
    """Seconds and steady-state pseudo-regret ``(runs,)`` of rlkit's agent, built and run as the experiment does."""
    import torch

    from rlkit.agents.bandit_loop import checkpoints, run_bandit
    from rlkit.envs.bandits.dynamical_linear_bandit import DynamicalLinearBandit

    t0 = CLOCK()
    env = DynamicalLinearBandit(num_envs=runs, config="synthetic", noise=0.01)
    agent = _rlkit_agents()[name](env, T)
    with torch.inference_mode():
        out = run_bandit(env, agent, T, seed=0, record_at=checkpoints(T))
    return CLOCK() - t0, out["steady_state_regret"][:, -1]


def authors_run(python: str, path: str, config: str, name: str, T: int, runs: int) -> tuple[float, np.ndarray]:
    """Seconds and steady-state pseudo-regret ``(runs,)`` of the authors' agent, from a worker process."""
    cmd = [python, __file__, "--worker", "--authors", path, "--config", config, "--rounds", str(T),
           "--runs", str(runs), "--agents", name, "--clock", "cpu" if CLOCK is time.process_time else "wall"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the authors' code failed ({' '.join(cmd)}):\n{done.stderr.strip()[-2000:]}\n"
                         "(numpy >= 2.3 rejects their (1, 1)-array scalars: pass --authors-python with numpy 2.2)")
    res = json.loads(done.stdout.strip().splitlines()[-1])
    return res["seconds"], np.asarray(res["regret"])


def mean_ci(x: np.ndarray) -> tuple[float, float]:
    """Mean and the half-width of its 95% Student-t confidence interval."""
    from scipy import stats

    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))


def compare(a) -> None:
    """Each row of PAIRS: ``--runs`` runs of rlkit's agent and of the authors', mean regret with 95% CIs."""
    runs = a.runs[-1]
    rows = [pr for pr in PAIRS if a.agents is None or pr[0] in a.agents]
    out = {"rounds": a.rounds, "runs": runs, "config": a.config, "rlkit": {}, "authors": {}}
    print(f"synthetic system ({a.config}), T = {a.rounds}, {runs} runs a side; mean steady-state pseudo-regret "
          "+- the 95% confidence interval's half-width")
    print(f"{'rlkit':<34}{'authors':<22}{'rlkit':>18}{'authors':>18}{'diff':>8}  overlap")
    for mine, theirs in rows:
        if mine not in out["rlkit"]:
            out["rlkit"][mine] = rlkit_run(mine, a.rounds, runs)[1].tolist()
        if theirs not in out["authors"]:
            out["authors"][theirs] = authors_run(a.authors_python, a.authors, a.config, theirs, a.rounds,
                                                 runs)[1].tolist()
        (m1, h1), (m2, h2) = mean_ci(out["rlkit"][mine]), mean_ci(out["authors"][theirs])
        overlap = "yes" if abs(m1 - m2) <= h1 + h2 + 1e-9 * abs(m2) else "no"
        print(f"{mine:<34}{theirs:<22}{m1:>11,.0f} +-{h1:>5,.0f}{m2:>11,.0f} +-{h2:>5,.0f}{(m1 / m2 - 1):>+8.0%}"
              f"  {overlap}", flush=True)
        if a.json:
            Path(a.json).write_text(json.dumps(out, indent=1) + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--authors", required=True, help="local checkout of github marcomussi/DLB")
    p.add_argument("--authors-python", default=sys.executable, help="interpreter that runs the authors' code")
    p.add_argument("--config", default="sigma0dot01", help="synthetic configuration (noise level) of theirs")
    p.add_argument("--rounds", type=int, default=100_000)
    p.add_argument("--runs", type=int, nargs="+", default=[1, 10])
    p.add_argument("--repeats", type=int, default=2, help="alternations per (agent, runs); the best is kept")
    p.add_argument("--agents", nargs="+", default=None,
                   choices=sorted(set(NAMES) | {label for pair in PAIRS for label in pair}),
                   help=f"timing: the agents (default {' '.join(DEFAULT_AGENTS)}); --compare: the rows whose "
                        "rlkit label is one of them (default all)")
    p.add_argument("--compare", action="store_true",
                   help="statistics instead of timings: --runs runs per side and agent, each mean with its 95%% "
                        "confidence interval, the diagnostic rows too")
    p.add_argument("--json", help="--compare: also write every run's regret, per side and label, to this file")
    p.add_argument("--clock", default="wall", choices=["wall", "cpu"],
                   help="wall-clock time, or each process's CPU time (steadier on a shared machine)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    global CLOCK
    CLOCK = time.process_time if a.clock == "cpu" else time.perf_counter
    if a.worker:  # one timed run of the authors' code; prints a JSON line
        authors = Authors(a.authors, a.config)
        t0 = CLOCK()
        regret = authors.run(a.agents[0], a.rounds, a.runs[0])
        print(json.dumps({"seconds": CLOCK() - t0, "regret": regret.tolist()}))
        return
    import torch

    torch.set_num_threads(1)
    if a.compare:
        compare(a)
        return
    a.agents = a.agents or DEFAULT_AGENTS
    rlkit_run("DynLin-UCB(1)", 1000, 1)  # warm-up: imports, first-call costs
    print(f"synthetic system, T = {a.rounds}; {a.clock} seconds (best of {a.repeats}, alternating), one thread each")
    print(f"{'agent':<20}{'runs':>5}{'rlkit s':>10}{'authors s':>11}{'authors / rlkit':>17}"
          f"{'regret rlkit':>14}{'regret authors':>16}")
    for name in a.agents:
        for runs in a.runs:
            best = {"rlkit": math.inf, "authors": math.inf}
            regret = {}
            for _ in range(a.repeats):
                for side in ("rlkit", "authors"):
                    if side == "rlkit":
                        seconds, regret[side] = rlkit_run(name, a.rounds, runs)
                    else:
                        seconds, regret[side] = authors_run(a.authors_python, a.authors, a.config, name, a.rounds,
                                                            runs)
                    best[side] = min(best[side], seconds)
            print(f"{name:<20}{runs:>5}{best['rlkit']:>10.2f}{best['authors']:>11.2f}"
                  f"{best['authors'] / best['rlkit']:>16.1f}x{regret['rlkit'].mean():>14,.0f}"
                  f"{regret['authors'].mean():>16,.0f}", flush=True)


if __name__ == "__main__":
    main()
