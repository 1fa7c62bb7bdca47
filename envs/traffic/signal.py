"""Traffic-signal control of one four-arm intersection on SUMO, a contextual task family (MBTL's traffic domain).

Context (Cho, Jayawardana, Li & Wu, "Model-Based Transfer Learning for Contextual RL", NeurIPS 2024, Sec. 5 /
the authors' ``traffic-signal`` code): inflow, speed limit and lane length of a 4-arm, 4-lane junction
(:mod:`rlkit.envs.traffic.network` writes one network and route file per context into a cache directory).

The agent is sumo-rl's signal agent (``sumo_rl.environment.traffic_signal.TrafficSignal``, sumo-rl 1.4.5):

* **Action** ``Discrete(4)``: the green to show next, in the order NS through (+right), NS left, EW through
  (+right), EW left (MBTL's four actions).
* **Timing**: one decision every ``green_time = 10`` s (MBTL's green). Switching to another green spends
  the first ``yellow_time = 4`` s of that interval in yellow (MBTL's yellow), and a green, once shown, is
  held at least ``green_time - yellow_time`` s. *Departure*: MBTL shows 4 s yellow and then a full 10 s
  green (a 14-s step after a switch); sumo-rl keeps a fixed 10-s step, so the green after a switch lasts 6 s.
* **Observation** ``Box(0, 1, (37,))``: sumo-rl's default, the one-hot current green (4), whether the
  minimum green has passed (1), and for each of the 16 incoming lanes its density and its queue (vehicles
  over the lane's capacity). *Departure*: MBTL observes 80 occupancy cells (10 distance bins x 8 lane
  groups); the density/queue view is scale-free across lane lengths.
* **Reward** ``"diff-waiting-time"`` (default; MBTL's): the drop in the total accumulated waiting time of
  the vehicles on the incoming lanes since the last decision, in units of 100 s (sumo-rl's scale; MBTL
  uses seconds). sumo-rl's other rewards (``"average-speed"``, ``"queue"``, ``"pressure"``) are accepted.
* **Episode**: ``episode_seconds = 5400`` simulated seconds (MBTL's), truncated (never terminated);
  SUMO's waiting-time memory spans the episode (MBTL's ``--waiting-time-memory``), no teleporting.

``info`` after every reset and step: ``sim_time`` (s), ``waiting_time`` (s, the reward's quantity: total
accumulated waiting time of vehicles on incoming lanes), ``queue`` (halted vehicles on incoming lanes),
``vehicles`` and ``mean_speed`` (m/s, over vehicles on the 8 arms; 0 when there are none). MBTL's
evaluation score is computed from ``waiting_time`` by :func:`rlkit.mbtl.families.traffic_dqn.episode_score`.

**Seeding**: ``reset(seed=s)`` runs SUMO with ``--seed s`` (departures and driver imperfection), so the
same seed and actions give the same rewards, under libsumo and TraCI alike; a reset without a seed draws
SUMO's seed from the environment's generator (seeded by the last seeded reset).

**Backends**: libsumo by default (one simulation per process, enforced: constructing a second libsumo
environment while one is open raises :class:`~rlkit.core.checks.RLKitError`); ``backend="traci"`` runs sumo as a
child process with a per-answer ``timeout``. Vectorise with processes: :func:`make_vector_env`.
Failures surface as :class:`~rlkit.envs.traffic.simulation.SimulationError` in bounded time (see that
module); ``reset()`` afterwards starts a fresh simulation. ``close()`` always releases the simulation.

``import rlkit.envs`` never needs SUMO; constructing this environment without it raises an
:class:`~rlkit.core.checks.RLKitError` saying ``pip install "rlkit[traffic]"``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from rlkit.core.checks import RLKitError, check_choice, check_int, check_open_unit, check_positive
from rlkit.envs.traffic.network import (
    DEFAULT_INFLOW,
    DEFAULT_LANE_LENGTH,
    DEFAULT_SPEED_LIMIT,
    GREEN_GROUPS,
    INCOMING_EDGES,
    MBTL_EPISODE_SECONDS,
    N_LANES,
    OUTGOING_EDGES,
    TLS_ID,
    TrafficContext,
    intersection_files,
)
from rlkit.envs.traffic.simulation import INSTALL_HINT, Simulation, SimulationError, ensure_sumo
from rlkit.envs.traffic.worker_vector_env import WorkerVectorEnv

REWARDS = ("diff-waiting-time", "average-speed", "queue", "pressure")
N_ACTIONS = len(GREEN_GROUPS)
OBS_DIM = N_ACTIONS + 1 + 2 * len(INCOMING_EDGES) * N_LANES


def _sumo_rl():
    """sumo-rl's signal agent and default observation (imported lazily: SUMO is an optional extra)."""
    ensure_sumo()
    try:
        from sumo_rl.environment.observations import DefaultObservationFunction
        from sumo_rl.environment.traffic_signal import TrafficSignal as SignalAgent
    except ImportError as e:
        raise RLKitError(f"the traffic environments need sumo-rl: {INSTALL_HINT} ({e})") from None
    return SignalAgent, DefaultObservationFunction


class TrafficSignal(gym.Env):
    """A single signalised intersection on SUMO via sumo-rl; context = inflow, speed limit, lane length.

    Args:
        inflow, speed_limit, lane_length: the context (veh/h, m/s, m; see ``TrafficContext``).
        episode_seconds: simulated seconds per episode (MBTL: 5400).
        green_time, yellow_time: seconds per decision and of the yellow inside it (MBTL: 10, 4).
        turn_share: share of vehicles that turn (left or right; MBTL: 0.25).
        reward: one of :data:`REWARDS` (sumo-rl's reward functions).
        backend: ``"libsumo"`` (in-process, one per process) or ``"traci"`` (a sumo child process).
        timeout: seconds TraCI waits for each answer from sumo (TraCI only; libsumo is checked per step).
        cache_dir: where the context's network and route files go (default: the user cache directory).
    """

    metadata = {"render_modes": []}
    fixed_ts = False  # read by sumo-rl's signal agent: the agent, not the static program, sets the phases

    def __init__(self, inflow: float = DEFAULT_INFLOW, speed_limit: float = DEFAULT_SPEED_LIMIT,
                 lane_length: float = DEFAULT_LANE_LENGTH, *, episode_seconds: int = MBTL_EPISODE_SECONDS,
                 green_time: int = 10, yellow_time: int = 4, turn_share: float = 0.25,
                 reward: str = "diff-waiting-time", backend: str = "libsumo", timeout: float = 60.0,
                 cache_dir: str | os.PathLike | None = None):
        self.context = TrafficContext(inflow, speed_limit, lane_length)
        self.episode_seconds = check_int("episode_seconds", episode_seconds)
        self.green_time = check_int("green_time", green_time)
        self.yellow_time = check_int("yellow_time", yellow_time)
        if self.yellow_time >= self.green_time:
            raise RLKitError(f"yellow_time must be < green_time (the yellow is part of the decision interval), "
                             f"got yellow_time={yellow_time!r}, green_time={green_time!r}")
        self.turn_share = check_open_unit("turn_share", turn_share)
        self.reward_name = check_choice("reward", reward, REWARDS)
        self.cache_dir = cache_dir
        self.action_space = gym.spaces.Discrete(N_ACTIONS)
        self.observation_space = gym.spaces.Box(0.0, 1.0, shape=(OBS_DIM,), dtype=np.float32)
        self._agent = None
        self.vehicles: dict = {}  # per-vehicle waiting-time book-keeping, owned by sumo-rl's agent
        self._clock = 0.0
        _, self.observation_class = _sumo_rl()
        self._sim = Simulation(backend, check_positive("timeout", timeout))  # claims libsumo: one per process

    # ----------------------------------------------------------------- what sumo-rl's agent reads
    @property
    def sim_step(self) -> float:
        return self._sim.conn.simulation.getTime()

    @property
    def backend(self) -> str:
        return self._sim.backend

    @property
    def simulation(self) -> Simulation:
        """The running :class:`~rlkit.envs.traffic.simulation.Simulation` (its ``conn`` is the TraCI API)."""
        return self._sim

    @contextlib.contextmanager
    def _guard(self, what: str):
        try:
            yield
        except SimulationError:
            self._agent = None
            self._sim.abandon()
            raise
        except self._sim.errors as e:
            self._agent = None
            raise self._sim.failure(what, e) from e

    # ----------------------------------------------------------------- gymnasium API
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if options and "context" in options:
            self.context = TrafficContext.coerce(options["context"])
        sumo_seed = int(seed) % (2**31 - 1) if seed is not None else int(self.np_random.integers(2**31 - 1))
        net, routes = intersection_files(self.context, turn_share=self.turn_share, cache=self.cache_dir)
        args = ["-n", str(net), "-r", str(routes), "--seed", str(sumo_seed), "--begin", "0",
                "--waiting-time-memory", str(self.episode_seconds), "--time-to-teleport", "-1",
                "--max-depart-delay", "-1", "--no-step-log", "true", "--no-warnings", "true"]
        self._agent = None
        SignalAgent, _ = _sumo_rl()
        with self._guard("reset"):
            self._sim.start(args)
            self.vehicles = {}
            self._clock = 0.0
            self._sim.check_time(self._clock, "reset")
            agent = SignalAgent(self, TLS_ID, self.green_time, self.yellow_time,
                                self.green_time - self.yellow_time, self.episode_seconds, 0,
                                self.reward_name, self._sim.conn)
            if agent.num_green_phases != N_ACTIONS or agent.observation_space.shape != (OBS_DIM,):
                raise RLKitError(f"generated network has {agent.num_green_phases} greens and observation shape "
                                 f"{agent.observation_space.shape}; expected {N_ACTIONS} and ({OBS_DIM},)")
            obs = agent.compute_observation()
            info = self._info(agent, waiting=0.0)
        self._agent = agent
        return obs, info

    def step(self, action):
        agent = self._agent
        if agent is None:
            raise RLKitError("call reset() before step() (also after a simulation failure)")
        if not self.action_space.contains(action):
            raise RLKitError(f"action must be an integer in [0, {N_ACTIONS}), got {action!r}")
        with self._guard("step"):
            self._sim.check_time(self._clock)
            agent.set_next_phase(int(action))
            conn = self._sim.conn
            for _ in range(self.green_time + 1):
                conn.simulationStep()
                self._clock += 1.0
                agent.update()
                if agent.next_action_time == self._clock:
                    break
            else:
                self._sim.check_time(self._clock)
                raise SimulationError(f"the signal agent never came due (clock {self._clock} s); "
                                      "the simulation is out of step")
            self._sim.check_time(self._clock)
            obs = agent.compute_observation()
            reward = float(agent.compute_reward())
            info = self._info(agent)
        truncated = self._clock >= self.episode_seconds
        return obs, reward, False, truncated, info

    def _info(self, agent, waiting: float | None = None) -> dict:
        conn = self._sim.conn
        if waiting is None:
            if self.reward_name == "diff-waiting-time":
                waiting = agent.last_measure * 100.0  # what the reward just measured
            else:
                waiting = float(sum(agent.get_accumulated_waiting_time_per_lane()))
        counts = [conn.edge.getLastStepVehicleNumber(e) for e in INCOMING_EDGES + OUTGOING_EDGES]
        speeds = [conn.edge.getLastStepMeanSpeed(e) for e in INCOMING_EDGES + OUTGOING_EDGES]
        n = sum(counts)
        mean_speed = float(np.dot(counts, speeds) / n) if n else 0.0
        return {"sim_time": self._clock, "waiting_time": float(waiting), "queue": int(agent.get_total_queued()),
                "vehicles": int(n), "mean_speed": mean_speed}

    def close(self):
        """Stop the simulation and release it (libsumo: this process's one simulation). Never raises."""
        self._agent = None
        sim = getattr(self, "_sim", None)
        if sim is not None:
            sim.close()

    def __del__(self):
        with contextlib.suppress(Exception):
            self.close()


def make_vector_env(num_envs: int | None = None, contexts: Sequence | None = None, *, timeout: float = 120.0,
                    start_method: str | None = None, **env_kwargs) -> WorkerVectorEnv:
    """``num_envs`` :class:`TrafficSignal` environments, one per worker process (libsumo: one simulation each).

    ``contexts`` (one :class:`~rlkit.envs.traffic.network.TrafficContext` or mapping per worker) sets each
    worker's task; without it all run the default context. ``env_kwargs`` go to every environment;
    ``start_method`` is multiprocessing's (``"fork"``, ``"spawn"``, ...; gymnasium's default when ``None``).
    A dead or silent worker raises :class:`SimulationError` within ``timeout`` seconds; the next ``reset``
    restarts it. Open no libsumo environment in this process meanwhile: AsyncVectorEnv builds one copy of
    the environment here to read its spaces (closed at once), which the one-per-process rule refuses.
    """
    from functools import partial

    if contexts is None:
        contexts = [TrafficContext()] * check_int("num_envs", num_envs if num_envs is not None else 1)
    elif num_envs is not None and num_envs != len(contexts):
        raise RLKitError(f"num_envs ({num_envs}) must equal len(contexts) ({len(contexts)})")
    fns = [partial(TrafficSignal, **TrafficContext.coerce(c).as_dict(), **env_kwargs) for c in contexts]
    return WorkerVectorEnv(fns, timeout=timeout, context=start_method)
