"""The experiment specs and data shipped with rlkit, the optional extras each spec needs, and its expected time.

The specs are the top-level ``experiments/*.toml`` of a source checkout, installed with the package as
``rlkit/specs`` (a link to ``experiments/``, as ``rlkit/envs`` links ``envs/``), so ``rlkit run quickstart`` works
from any directory; the shipped transfer matrices ``data/transfer/*.npz`` are installed as ``rlkit/data``.

    spec_path("quickstart")              # a shipped spec by name (or any path to a TOML file)
    needed_extras(load_spec(path))       # ["rl"] for a transfer matrix built with Stable-Baselines3
    check_extras(spec)                   # RLKitError naming the extra and the pip command, before any work
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from rlkit.core.errors import RLKitError

PACKAGE = Path(__file__).resolve().parents[1]
SPECS_DIR = PACKAGE / "specs"
"""The installed specs (``experiments/`` of the source tree)."""
DATA_DIR = PACKAGE / "data"
"""The installed data (``data/`` of the source tree): ``transfer/<name>.npz``."""

EXTRAS: dict[str, tuple[str, ...]] = {
    "rl": ("stable_baselines3",),
    "traffic": ("sumo", "libsumo", "sumo_rl"),
    "distributed": ("ray",),
}
"""Each optional extra of ``pyproject.toml`` that a spec can need -> the modules it installs."""

WALL_TIMES: dict[str, str] = {
    "quickstart": "40 s",
    "episodic_quickstart": "3 min",
    "dynlin_ucb_synthetic": "2.5 min",
    "dynlin_ucb_ads": "2.5 min",
    "gfucb_figure": "2.5 min",
    "gfucb_tasks": "4 min",
    "gfucb_refit": "3 min",
    "gfucb_digits": "3 min",
    "gfucb_mdp": "1 min",
    "ftrl_logbarrier": "4 min",
    "ftrl_logbarrier_actions": "5 min",
    "ftrl_logbarrier_episodes": "6 min",
    "ftrl_logbarrier_episodes_coupled": "6 min",
    "ftrl_logbarrier_episodes_diagnostics": "4 min",
    "reward_free_horizon": "3.5 min",
    "reward_free_curve": "2.5 min",
    "r2pvi_linear_mdp": "1 min",
    "r2pvi_linear_mdp_authors": "1 min",
    "r2pvi_put_option": "30 s",
    "r2pvi_timing": "5 min",
    "mbtl_synthetic": "1 min",
    "mbtl_cartpole": "10 min",
    "mbtl_pendulum": "10 min",
    "mbtl_cartpole_n100": "60 min",
    "mbtl_pendulum_n100": "60 min",
    "mbtl_traffic": "25 min",
}
"""Expected wall time of each shipped spec on 2 CPU cores (``rlkit run NAME``, two workers), rounded up: from the
runs behind the paper pages, and for the quickstarts, R2PVI's offline specs and ``mbtl_synthetic`` from one run each
on a shared 2-core machine (its compute seconds halved). A spec not listed shows ``?``."""


def shipped_specs() -> list[Path]:
    """The shipped specs, sorted by name."""
    return sorted(SPECS_DIR.glob("*.toml"))


def spec_path(spec: str | Path) -> Path:
    """``spec`` as a file: a path that exists, else the shipped spec of that name (``quickstart``,
    ``quickstart.toml``, or ``experiments/quickstart.toml`` outside a source checkout). Anything else is returned as
    given (the loader then says it does not exist)."""
    path = Path(spec)
    if path.exists() or path.parent not in (Path("."), Path("experiments")):
        return path
    shipped = SPECS_DIR / (path.name if path.suffix == ".toml" else f"{path.name}.toml")
    return shipped if shipped.is_file() else path


def data_path(path: str | Path) -> Path:
    """A data file: ``path`` if it exists, else the shipped file it names (``data/transfer/x.npz``,
    ``transfer/x.npz`` or ``x`` for a shipped transfer matrix); otherwise ``path`` as given."""
    path = Path(path)
    if path.exists():
        return path
    parts = path.parts[1:] if path.parts[:1] == ("data",) else path.parts
    for candidate in (DATA_DIR.joinpath(*parts), DATA_DIR / "transfer" / f"{path.stem}.npz"):
        if parts and candidate.is_file():
            return candidate
    return path


def _strings(tree) -> list[str]:
    if isinstance(tree, dict):
        return [s for v in tree.values() for s in _strings(v)]
    if isinstance(tree, list):
        return [s for v in tree for s in _strings(v)]
    return [tree] if isinstance(tree, str) else []


def needed_extras(spec: dict) -> list[str]:
    """The optional extras a (raw or resolved) spec needs: ``rl`` to build a transfer matrix (Stable-Baselines3
    trains the policies), ``traffic`` for the SUMO traffic family or environment; sorted."""
    out = set()
    if spec.get("kind") == "transfer_build":
        out.add("rl")
    env_id = (spec.get("env") or {}).get("id", "") if isinstance(spec.get("env"), dict) else ""
    family = (spec.get("family") or {}).get("name", "") if isinstance(spec.get("family"), dict) else ""
    if "Traffic" in str(env_id) or family == "traffic":
        out.add("traffic")
    return sorted(out)


def installed(extra: str) -> bool:
    """Whether every module of ``extra`` (see :data:`EXTRAS`) can be imported (without importing it)."""
    return all(importlib.util.find_spec(m) is not None for m in EXTRAS[extra])


def install_command(extras: list[str]) -> str:
    """The pip command that installs ``extras`` in a source checkout, and for an installed wheel."""
    names = ",".join(extras)
    return f'pip install -e ".[{names}]" (in a source checkout; otherwise pip install "rlkit[{names}]")'


def check_extras(spec: dict, *, backend: str = "local") -> None:
    """Raise :class:`rlkit.core.errors.RLKitError` naming the missing extras of ``spec`` (and of the Ray backend)
    with the command that installs them; called before any directory is claimed or any unit starts."""
    extras = needed_extras(spec) + (["distributed"] if backend == "ray" else [])
    missing = [e for e in extras if not installed(e)]
    if missing:
        modules = ", ".join(m for e in missing for m in EXTRAS[e])
        name = spec.get("name", "this spec")
        raise RLKitError(f"spec {name!r} needs the extra(s) {missing} ({modules}), not installed: "
                         f"{install_command(missing)}")
