"""Every registered environment, made with ``gymnasium.make`` and its defaults, passes gymnasium's and
Stable-Baselines3's environment checkers (the real clients of the single-instance view)."""

import importlib.util
import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env as gymnasium_check_env

import rlkit.envs  # noqa: F401

pytestmark = [pytest.mark.integration,
              pytest.mark.cpu_only(reason="the single-instance gymnasium view is numpy in and out")]

IDS = sorted(k for k in gym.registry if k.startswith("rlkit/"))
SUMO = "rlkit/TrafficSignal-v0"


def _make(env_id):
    """The environment with its defaults. TrafficSignal's default backend is libsumo, which runs one simulation per
    process: gymnasium's checker builds a second instance from the spec while the first is open, so the checker
    pass uses the TraCI backend (a sumo subprocess per instance; the same simulation, the same numbers)."""
    if env_id == SUMO:
        if not all(importlib.util.find_spec(m) for m in ("sumo", "libsumo", "traci", "sumo_rl")):
            pytest.skip('needs the traffic extra: pip install "rlkit[traffic]"')
        return gym.make(env_id, backend="traci")
    return gym.make(env_id)


@pytest.mark.filterwarnings("ignore:.*maximum value is infinity")  # AmericanPutOption's exercised state is s = inf
@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_checker(env_id):
    env = _make(env_id)
    try:
        gymnasium_check_env(env, skip_render_check=True)
    finally:
        env.close()


@pytest.mark.filterwarnings("ignore:.*maximum value is infinity")
@pytest.mark.parametrize("env_id", IDS)
def test_stable_baselines3_checker(env_id):
    sb3_env_checker = pytest.importorskip("stable_baselines3.common.env_checker")
    env = _make(env_id)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # SB3's advice (e.g. "normalise the observation space")
            sb3_env_checker.check_env(env, warn=True)
    finally:
        env.close()


def test_every_registered_environment_is_checked():
    assert len(IDS) == 15 and SUMO in IDS
