"""The network and route files of one traffic-signal context, generated with SUMO's netconvert and cached.

A context (:class:`TrafficContext`) is the inflow (vehicles per hour entering the junction, all approaches
together), the speed limit (m/s, every lane) and the lane length (m, every approach and exit edge). The
intersection follows the one MBTL trains on (Vidali's TLCS, used by Cho et al., NeurIPS 2024: 4 arms, 4
lanes each way; lane 0 turns right or goes straight, lanes 1-2 go straight, lane 3 turns left; a static
program of four greens, each followed by its yellow: NS through, NS left, EW through, EW left).

* The network depends on (speed limit, lane length): netconvert builds it from plain node/edge/connection
  files, the speed limit written as every edge's ``speed`` and the lane length as every edge's ``length``;
  its traffic-light program is then replaced by the four-green program above, the link indices read from
  the generated connections (so the program is right whatever order netconvert numbers the links in).
* The routes depend on (inflow, turn share): one ``<flow>`` per origin-destination pair with a per-second
  departure ``probability`` (Bernoulli departures drawn by SUMO's seeded RNG, so one file serves every
  seed); a share ``1 - turn_share`` of the vehicles goes straight (4 routes), ``turn_share`` turns (8 routes,
  left or right), as in MBTL's generator. The vehicle type is MBTL's (accel 1, decel 4.5, length 5, minGap
  2.5, maxSpeed 25, sigma 0.5) with ``speedFactor=1, speedDev=0`` (MBTL: ``norm(1,0)``), so no vehicle
  drives above the speed limit (SUMO's default ``speedDev=0.1`` would let drivers exceed it by 10-20%).

Files live in a cache directory, never in the source tree: ``cache_dir`` if given, else ``$RLKIT_CACHE_DIR``,
else ``$XDG_CACHE_HOME/rlkit`` (``~/.cache/rlkit``), under ``traffic/``. A file's name is a hash of its
parameters (with the generator version and the SUMO version), and a JSON record beside it holds the
parameters and the file's SHA-256: a file is reused when its record matches, regenerated when it does not
(changed parameters give a new name; a damaged or edited file fails its checksum). Files are written to
temporary names and renamed into place, so processes generating the same context at once are safe.

**Departures from MBTL** (documented in the README too): MBTL draws a fixed number of cars per 5400-s
episode with Weibull-distributed departure times (a peak mid-episode) and writes a route file per episode;
we use a constant Bernoulli rate (``TrafficContext.from_cars_per_episode`` converts a count to the same
mean rate). MBTL departs at ``min(speed limit, 10)`` m/s on a random lane; we use ``departSpeed="max"``
and ``departLane="best"`` (a left-turner starts in the left lane instead of changing lanes on a short arm).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from rlkit.core.atomic_io import atomic_write
from rlkit.core.checks import RLKitError, check_nonnegative, check_open_unit, check_positive

GENERATOR_VERSION = 2
MBTL_EPISODE_SECONDS = 5400
DEFAULT_INFLOW = 1000 * 3600 / MBTL_EPISODE_SECONDS  # MBTL's base: 1000 cars per 5400-s episode = 666.7 veh/h
DEFAULT_SPEED_LIMIT = 13.89  # m/s (50 km/h), MBTL's network
DEFAULT_LANE_LENGTH = 750.0  # m, MBTL's network
MIN_LANE_LENGTH = 20.0

ARMS = ("N", "E", "S", "W")
# For each arm: the arm reached going straight, turning right, turning left (right-hand traffic).
_MOVES = {"N": ("S", "W", "E"), "E": ("W", "N", "S"), "S": ("N", "E", "W"), "W": ("E", "S", "N")}
N_LANES = 4
INCOMING_EDGES = tuple(f"{a}2TL" for a in ARMS)
OUTGOING_EDGES = tuple(f"TL2{a}" for a in ARMS)
TLS_ID = "TL"
# The four greens, in action order: (arms, movement directions) given green.
GREEN_GROUPS = ((("N", "S"), ("s", "r")), (("N", "S"), ("l",)), (("E", "W"), ("s", "r")), (("E", "W"), ("l",)))
VTYPE = {"accel": "1.0", "decel": "4.5", "length": "5.0", "minGap": "2.5", "maxSpeed": "25", "sigma": "0.5",
         "speedFactor": "1", "speedDev": "0"}


@dataclass(frozen=True)
class TrafficContext:
    """One traffic-signal task: inflow (veh/h, all approaches together), speed limit (m/s), lane length (m)."""

    inflow: float = DEFAULT_INFLOW
    speed_limit: float = DEFAULT_SPEED_LIMIT
    lane_length: float = DEFAULT_LANE_LENGTH

    def __post_init__(self):
        object.__setattr__(self, "inflow", check_nonnegative("inflow (vehicles per hour)", self.inflow))
        object.__setattr__(self, "speed_limit", check_positive("speed_limit (m/s)", self.speed_limit))
        length = check_positive("lane_length (m)", self.lane_length)
        if length < MIN_LANE_LENGTH:
            raise RLKitError(f"lane_length must be >= {MIN_LANE_LENGTH} m (room for queued cars), got {length!r}")
        object.__setattr__(self, "lane_length", length)

    @classmethod
    def from_cars_per_episode(cls, cars: float, episode_seconds: float = MBTL_EPISODE_SECONDS, **kwargs):
        """The context whose mean inflow is ``cars`` per ``episode_seconds`` (MBTL states inflow this way)."""
        rate = check_nonnegative("cars", cars) * 3600.0 / check_positive("episode_seconds", episode_seconds)
        return cls(inflow=rate, **kwargs)

    @classmethod
    def coerce(cls, value) -> TrafficContext:
        """A context from a :class:`TrafficContext` or a mapping of its fields."""
        if isinstance(value, TrafficContext):
            return value
        if isinstance(value, Mapping):
            unknown = set(value) - {"inflow", "speed_limit", "lane_length"}
            if unknown:
                raise RLKitError(f"context has unknown keys {sorted(unknown)}; "
                                 "expected inflow, speed_limit, lane_length")
            return cls(**value)
        raise RLKitError(f"context must be a TrafficContext or a mapping of inflow/speed_limit/lane_length, "
                         f"got {value!r}")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def cache_dir(path: str | os.PathLike | None = None) -> Path:
    """The traffic cache directory (created): ``path``, else ``$RLKIT_CACHE_DIR``, else the user cache dir."""
    if path is None:
        root = os.environ.get("RLKIT_CACHE_DIR")
        if root:
            path = Path(root) / "traffic"
        else:
            base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
            path = Path(base) / "rlkit" / "traffic"
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def intersection_files(context: TrafficContext, *, turn_share: float = 0.25,
                       cache: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """``(net_file, route_file)`` of ``context``, generated on first use and reused after."""
    context = TrafficContext.coerce(context)
    turn_share = check_open_unit("turn_share", turn_share)
    root = cache_dir(cache)
    net = cached_file(root, "net", {"speed_limit": context.speed_limit, "lane_length": context.lane_length},
                      ".net.xml", lambda p: _write_network(p, context.speed_limit, context.lane_length))
    routes = cached_file(root, "routes", {"inflow": context.inflow, "turn_share": turn_share}, ".rou.xml",
                         lambda p: _write_routes(p, context.inflow, turn_share))
    return net, routes


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sumo_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eclipse-sumo")
    except PackageNotFoundError:
        return "unknown"


def cached_file(root: Path, kind: str, params: dict, suffix: str, write) -> Path:
    """``root/<kind>-<hash of params><suffix>``: reused if its JSON record matches, else written by ``write(path)``.

    The record ``<kind>-<hash>.json`` (parameters, generator and SUMO versions, SHA-256 of the file) is
    written after the file, so a file without a matching record is never trusted.
    """
    record = {"kind": kind, "params": params, "generator": GENERATOR_VERSION, "sumo": _sumo_version()}
    key = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]
    path = root / f"{kind}-{key}{suffix}"
    meta = root / f"{kind}-{key}.json"
    if path.exists() and meta.exists():
        try:
            stored = json.loads(meta.read_text())
        except (OSError, ValueError):
            stored = None
        if stored is not None and stored.get("record") == record and stored.get("sha256") == _sha256(path):
            return path
    tmpdir = Path(tempfile.mkdtemp(prefix=f".{kind}-{key}-", dir=root))
    try:
        out = tmpdir / f"out{suffix}"
        write(out)
        digest = _sha256(out)
        os.replace(out, path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    atomic_write(meta, json.dumps({"record": record, "sha256": digest}, sort_keys=True, indent=1).encode())
    return path


def _num(x: float) -> str:
    return format(float(x), ".10g")


def _write_network(out: Path, speed_limit: float, lane_length: float) -> None:
    """netconvert the four-arm junction, then install the four-green program (see the module docstring)."""
    work = out.parent
    far = lane_length + 20.0  # dead ends beyond the junction; the lanes' length is set exactly below
    at = {"N": (0.0, far), "E": (far, 0.0), "S": (0.0, -far), "W": (-far, 0.0)}
    nodes = [f'  <node id="{TLS_ID}" x="0" y="0" type="traffic_light"/>']
    nodes += [f'  <node id="D{a}" x="{_num(x)}" y="{_num(y)}" type="dead_end"/>' for a, (x, y) in at.items()]
    (work / "n.nod.xml").write_text("<nodes>\n" + "\n".join(nodes) + "\n</nodes>\n")
    lanes = f'numLanes="{N_LANES}" speed="{_num(speed_limit)}" length="{_num(lane_length)}"'
    edges = [f'  <edge id="{a}2TL" from="D{a}" to="{TLS_ID}" {lanes}/>' for a in ARMS]
    edges += [f'  <edge id="TL2{a}" from="{TLS_ID}" to="D{a}" {lanes}/>' for a in ARMS]
    (work / "n.edg.xml").write_text("<edges>\n" + "\n".join(edges) + "\n</edges>\n")
    cons = []
    for a, (straight, right, left) in _MOVES.items():
        cons.append(f'  <connection from="{a}2TL" to="TL2{right}" fromLane="0" toLane="0"/>')
        cons += [f'  <connection from="{a}2TL" to="TL2{straight}" fromLane="{i}" toLane="{i}"/>' for i in range(3)]
        cons.append(f'  <connection from="{a}2TL" to="TL2{left}" fromLane="3" toLane="3"/>')
    (work / "n.con.xml").write_text("<connections>\n" + "\n".join(cons) + "\n</connections>\n")
    raw = work / "raw.net.xml"
    _run_netconvert(work, raw)
    tree = ET.parse(raw)
    _install_program(tree.getroot())
    tree.write(out, encoding="UTF-8", xml_declaration=True)


def _install_program(net: ET.Element, green: int = 10, yellow: int = 4) -> None:
    """Replace the signal's phases by the four greens of :data:`GREEN_GROUPS`, each followed by its yellow."""
    links = {}
    for con in net.iter("connection"):
        if con.get("tl") == TLS_ID:
            links[int(con.get("linkIndex"))] = (con.get("from")[0], con.get("dir"))
    n = len(links)
    if sorted(links) != list(range(n)) or n != len(ARMS) * (N_LANES + 1):
        raise RLKitError(f"netconvert produced unexpected signal links {sorted(links)} (expected 0..19)")
    logic = next((t for t in net.iter("tlLogic") if t.get("id") == TLS_ID), None)
    if logic is None:
        raise RLKitError("netconvert produced no traffic-light program for the junction")
    for phase in list(logic):
        logic.remove(phase)
    for arms, dirs in GREEN_GROUPS:
        on = [links[i][0] in arms and links[i][1] in dirs for i in range(n)]
        for duration, lit in ((green, "G"), (yellow, "y")):
            state = "".join(lit if o else "r" for o in on)
            ET.SubElement(logic, "phase", {"duration": str(duration), "state": state})


def _write_routes(out: Path, inflow: float, turn_share: float) -> None:
    """One Bernoulli flow per origin-destination pair; rates sum to ``inflow`` vehicles per hour."""
    rows = ["<routes>", '  <vType id="car" ' + " ".join(f'{k}="{v}"' for k, v in VTYPE.items()) + "/>"]
    flows = []
    for a, (straight, right, left) in _MOVES.items():
        flows.append((a, straight, (1.0 - turn_share) / 4))
        flows += [(a, right, turn_share / 8), (a, left, turn_share / 8)]
    for a, b, share in flows:
        p = inflow / 3600.0 * share
        if p > 1.0:
            raise RLKitError(f"inflow {inflow!r} veh/h asks for more than one departure per second on route "
                             f"{a}->{b}; the most this network accepts is {3600.0 / share:.0f} veh/h")
        rows.append(f'  <route id="{a}_{b}" edges="{a}2TL TL2{b}"/>')
        if p > 0:
            rows.append(f'  <flow id="{a}_{b}" type="car" route="{a}_{b}" begin="0" end="1e9" '
                        f'probability="{_num(p)}" departLane="best" departSpeed="max"/>')
    rows.append("</routes>")
    out.write_text("\n".join(rows) + "\n")


def _run_netconvert(workdir: Path, out: Path) -> None:
    from rlkit.envs.traffic.simulation import sumo_binary

    cmd = [sumo_binary("netconvert"), "--node-files", str(workdir / "n.nod.xml"), "--edge-files",
           str(workdir / "n.edg.xml"), "--connection-files", str(workdir / "n.con.xml"), "--output-file", str(out),
           "--no-turnarounds", "true", "--tls.default-type", "static", "--no-warnings", "true"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise RLKitError("netconvert did not finish within 120 s") from None
    if done.returncode != 0 or not out.exists():
        raise RLKitError(f"netconvert failed (exit code {done.returncode}): {done.stderr.strip()[-2000:]}")
