"""The ``traffic`` context family: MBTL's traffic-signal domain on SUMO for ``transfer_build`` specs.

Cho, Jayawardana, Li & Wu, "Model-Based Transfer Learning for Contextual RL", NeurIPS 2024, traffic-signal
control of one 4-arm, 4-lane junction (:class:`rlkit.envs.TrafficSignal`, its departures from MBTL in that
module's docstring). Contexts (:attr:`TrafficFamily.contexts`, ``(default, low, high)``):

* ``inflow``: vehicles per hour, all approaches together. MBTL's base is 1000 cars per 5400-s episode
  (666.7 veh/h) and its grid 50, 100, ..., 2500 cars per episode: ``scale = [0.05, 2.5]``, ``n = 50``.
* ``speed_limit`` (m/s; MBTL's base 14, grid 0.5 .. 25) and ``lane_length`` (m; base 750, grid 50 .. 2500).

The contexts that do not vary stay at MBTL's base values unless ``[family] options`` set them; the other
options are :class:`~rlkit.envs.TrafficSignal` keyword arguments (``episode_seconds``, ``backend``, ...).

**Training** (:meth:`TrafficFamily.train`): Stable-Baselines3 DQN with MBTL's network and settings through
:func:`rlkit.mbtl.sb3.train`, the trainer of every family (``[train] algo = "DQN"``, ``n_envs = 1``; ``params``
override :func:`rlkit.mbtl.families.traffic_dqn.dqn_defaults`). **Evaluation**
(:meth:`TrafficFamily.evaluate_targets`): :func:`rlkit.mbtl.sb3.evaluate` one episode at a time, scoring the
greedy policy's episodes with MBTL's score (:func:`rlkit.mbtl.families.traffic_dqn.mbtl_score`, the negative
increase of the accumulated waiting time per simulated second), a whole chunk of targets in one process.

**One simulation per process.** libsumo runs the simulation inside the process and allows one at a time, so
every training run and every evaluation chunk runs in a fresh process of its own
(:func:`rlkit.core.processes.run_cell`), started by the build unit that needs it: a cell whose process
dies (a SUMO crash, a kill, out of memory), hangs past its time limit or raises is run again (up to
:attr:`TrafficFamily.retries` more times) without touching any other unit, and finished units stay stored
by the build as usual. Inside a cell the one environment is closed before the next is made (the
multi-task environment makes one per episode).

**Normalisation bounds**: the default :attr:`~TrafficFamily.bounds` are MBTL's ``(-100, 0)``
(:data:`rlkit.mbtl.families.traffic_dqn.SCORE_BOUNDS`). On this family they put every sensible policy at 0.94-1.0, so
``experiments/mbtl_traffic.toml`` sets its own bounds (see there and the README).
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from rlkit.core.checks import RLKitError
from rlkit.core.processes import run_cell
from rlkit.envs.traffic.network import DEFAULT_INFLOW, DEFAULT_LANE_LENGTH
from rlkit.mbtl.families.base import FAMILIES, ContextFamily
from rlkit.mbtl.families.traffic_dqn import SCORE_BOUNDS

MBTL_SPEED_LIMIT = 14.0  # m/s: MBTL's base speed for the inflow and lane-length grids (their CLI value)


def _threads() -> int:
    import torch

    return torch.get_num_threads()  # what the build unit was given (spec `threads`)


def _train_cell(make_env, steps: int, seed: int, params: dict, threads: int) -> bytes:
    """One DQN training run (MBTL's settings overridden by ``params``) in this (fresh) process: the policy as SB3
    zip bytes, trained by :func:`rlkit.mbtl.sb3.train` as every family's policies are."""
    import torch

    from rlkit.mbtl import sb3
    from rlkit.mbtl.families.traffic_dqn import dqn_defaults

    torch.set_num_threads(threads)
    return sb3.train(make_env, "DQN", steps, seed, 1, "MlpPolicy", {**dqn_defaults(), **params})


def _evaluate_cell(model: bytes, makes: Sequence, seeds: Sequence[Sequence[int]], deterministic: bool,
                   threads: int) -> list[list[float]]:
    """MBTL's score of ``model`` in one episode per seed on each target, in this (fresh) process.

    The evaluation of every family (:func:`rlkit.mbtl.sb3.evaluate`) with ``batch = 1`` (one simulation at a
    time: a target's environment plays its episodes one after another and is closed before the next target's
    is made) and MBTL's score (:func:`rlkit.mbtl.families.traffic_dqn.mbtl_score`); what differs from the
    default :meth:`ContextFamily.evaluate_targets` is only that the whole chunk runs in one fresh process with
    one policy load (libsumo: one simulation per process; a crash or hang is contained and retried).
    """
    import torch

    from rlkit.mbtl import sb3
    from rlkit.mbtl.families.traffic_dqn import mbtl_score

    torch.set_num_threads(threads)
    policy = sb3.load(model, "DQN")
    return [sb3.evaluate(policy, make, row_seeds, deterministic, batch=1, score=mbtl_score).tolist()
            for make, row_seeds in zip(makes, seeds)]


class TrafficFamily(ContextFamily):
    """The traffic-signal family (inflow, speed limit, lane length) of MBTL on SUMO; DQN per source (module doc).

    Attributes:
        retries: further attempts of a training run or evaluation chunk whose process fails.
        min_steps_per_second: the slowest rate a cell may run at before it counts as hung: a cell is
            killed after ``60 + work / min_steps_per_second`` seconds (``work``: its agent steps).
    """

    contexts = {"inflow": (DEFAULT_INFLOW, 0.0, 5000.0), "speed_limit": (MBTL_SPEED_LIMIT, 0.5, 25.0),
                "lane_length": (DEFAULT_LANE_LENGTH, 50.0, 2500.0)}
    bounds = SCORE_BOUNDS
    retries = 2
    min_steps_per_second = 2.0

    def make_env(self, context: str, value: float, options: dict) -> gym.Env:
        from rlkit.envs.traffic.signal import TrafficSignal

        self._context(context)
        base = {name: default for name, (default, _, _) in self.contexts.items()}
        try:
            return TrafficSignal(**{**base, **options, context: float(value)})
        except TypeError as e:
            raise RLKitError(f"family.options are not accepted by TrafficSignal: {e}") from None

    def _timeout(self, steps: float) -> float:
        return 60.0 + steps / self.min_steps_per_second

    def train(self, make_env, train: dict, seed: int) -> bytes:
        """One DQN policy (MBTL's network and settings, :func:`rlkit.mbtl.sb3.train`) trained in a fresh process."""
        bad = {k: v for k, v in (("algo", train["algo"]), ("n_envs", train["n_envs"]), ("policy", train["policy"]))
               if v != {"algo": "DQN", "n_envs": 1, "policy": "MlpPolicy"}[k]}
        if bad:
            raise RLKitError(f"the traffic family trains SB3 DQN on one simulation: train.algo = \"DQN\", "
                             f"n_envs = 1, policy = \"MlpPolicy\"; got {bad}")
        steps = int(train["timesteps"])
        return run_cell(_train_cell, (make_env, steps, int(seed), dict(train["params"]), _threads()),
                        timeout=self._timeout(steps), retries=self.retries)

    def evaluate(self, model: bytes, make_env, train: dict, evaluate: dict, seeds: Sequence[int]) -> np.ndarray:
        return self.evaluate_targets(model, [make_env], train, evaluate, [seeds])[0]

    def evaluate_targets(self, model: bytes, makes: Sequence, train: dict, evaluate: dict,
                         seeds: Sequence[Sequence[int]]) -> list[np.ndarray]:
        """MBTL's score per episode on every target of a chunk, all in one fresh process (one policy load)."""
        steps = sum(len(s) for s in seeds) * self._decisions(makes[0])
        rows = run_cell(_evaluate_cell, (model, list(makes), [list(map(int, s)) for s in seeds],
                                         bool(evaluate["deterministic"]), _threads()),
                        timeout=self._timeout(steps), retries=self.retries)
        return [np.asarray(r, dtype=np.float64) for r in rows]

    @staticmethod
    def _decisions(make) -> int:
        from rlkit.envs.traffic.network import MBTL_EPISODE_SECONDS

        options = getattr(make, "options", {}) or {}
        return int(options.get("episode_seconds", MBTL_EPISODE_SECONDS)) // int(options.get("green_time", 10))


if "traffic" not in FAMILIES:
    FAMILIES.register("traffic")(TrafficFamily())
