"""The ``rlkit`` command: run experiment specs, plot results, list what exists.

    rlkit run SPEC [--runs N] [--rounds T | --episodes K] [--seed S] [--device D] [--workers W] [--out DIR]
                   [--backend local|ray] [--address A] [--no-plot] [--quiet]
    rlkit plot DIR
    rlkit list
    rlkit show SPEC
    rlkit transfer select MATRIX [--strategy NAME ...] [--slope S] [--steps K] [--plot STEM]
    rlkit reproduce PAPER [--scale quick|paper] [--out DIR] [--workers W] | rlkit reproduce --list
    rlkit --version

``SPEC`` is a path to a TOML file or the name of a shipped spec (``rlkit run quickstart``; ``rlkit list`` shows
them with what they do, their wall time on 2 cores and the optional extras they need).

Errors in what the user gave (spec, arguments, directories) print one line and exit with status 2. Ctrl-C
(SIGINT) and SIGTERM stop a run cleanly: the worker processes end at once, finished chunks are kept, one line
is printed and the status is 130 (SIGINT) or 143 (SIGTERM); running the same command again resumes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from rlkit import __version__
from rlkit.core.checks import RLKitError


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``rlkit: error: argument --rounds: invalid int value: '1e4'``, status 2), as
    every other bad value the CLI reports; ``--help`` still prints the usage."""

    def error(self, message: str):
        print(f"rlkit: error: {message} (see rlkit {self.prog.partition(' ')[2] or ''} --help)".replace("  ", " "),
              file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rlkit", description="Provably efficient bandit and RL algorithms, batched.")
    p.add_argument("--version", action="version", version=f"rlkit {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run (or resume) an experiment spec")
    r.add_argument("spec", help="experiment spec: a TOML file, or a shipped spec's name (e.g. quickstart)")
    r.add_argument("--runs", type=int, help="override the number of runs")
    r.add_argument("--rounds", type=int, help="override the rounds T (bandit specs)")
    r.add_argument("--episodes", type=int, help="override the episodes K (episodic and reward-free specs)")
    r.add_argument("--seed", type=int, help="override the root seed")
    r.add_argument("--device", default="cpu", help="torch device, e.g. cuda (default: cpu)")
    r.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    r.add_argument("--out", help="results directory (default: results/<spec name>)")
    r.add_argument("--backend", default="local", choices=["local", "ray"], help="where units run")
    r.add_argument("--address", help="Ray cluster address (with --backend ray), e.g. auto")
    r.add_argument("--no-plot", action="store_true", help="do not draw the figure after the run")
    r.add_argument("--quiet", action="store_true", help="no progress bar")

    pl = sub.add_parser("plot", help="draw the figures of a results directory")
    pl.add_argument("dir", help="results directory written by `rlkit run`")

    sub.add_parser("list", help="list environments, agents, experiment kinds and the shipped specs")

    sh = sub.add_parser("show", help="print a spec resolved (defaults filled, budget expressions evaluated)")
    sh.add_argument("spec", help="a TOML file or a shipped spec's name")
    sh.add_argument("--runs", type=int, help="override the number of runs")
    sh.add_argument("--rounds", type=int, help="override the rounds T (bandit specs)")
    sh.add_argument("--episodes", type=int, help="override the episodes K (episodic and reward-free specs)")
    sh.add_argument("--seed", type=int, help="override the root seed")

    from rlkit.cli.transfer import add_parser as add_transfer_parser

    add_transfer_parser(sub)

    rp = sub.add_parser("reproduce", help="run a paper's specs, draw its figures with its values, write REPORT.md")
    rp.add_argument("paper", nargs="?", help="the paper (see --list)")
    rp.add_argument("--list", action="store_true", help="list the papers and each one's cost at both scales")
    rp.add_argument("--scale", default="quick", choices=["quick", "paper"], help="quick (minutes) or the paper's sizes")
    rp.add_argument("--out", help="where the runs, figures and REPORT.md go (default: reproduce/<paper>-<scale>)")
    rp.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    rp.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _list() -> None:
    import gymnasium as gym

    from rlkit.core.registry import AGENTS, KINDS
    from rlkit.runner.run import load_plugins

    load_plugins()
    print("environments:")
    for env_id in sorted(k for k in gym.registry if k.startswith("rlkit/")):
        print(f"  {env_id:<32} {first_line(environment_class(env_id))}")
    print("agents:")
    for name, label in zip(AGENTS.names(), AGENTS.labels(), strict=True):  # "LSVIUCB (LSVI-UCB)": key (alias)
        print(f"  {label:<28} {first_line(AGENTS.get(name))}")
    print("experiment kinds:")
    for name in KINDS.names():
        print(f"  {name:<16} {first_line(KINDS.get(name))}")
    print("experiment specs (rlkit run NAME; wall time on 2 cores; extras needed):")
    for name, description, wall, extras in spec_rows():
        print(f"  {name:<26} {wall:>7}  {','.join(extras) or '-':<11} {description}")


def spec_rows() -> list[tuple[str, str, str, list[str]]]:
    """``(name, description, wall time on 2 cores, extras)`` of each shipped spec."""
    from rlkit.runner.catalog import WALL_TIMES, needed_extras, shipped_specs
    from rlkit.runner.run import load_spec

    rows = []
    for path in shipped_specs():
        spec = load_spec(path)
        rows.append((path.stem, str(spec.get("description", "")), WALL_TIMES.get(path.stem, "?"),
                     needed_extras(spec)))
    return rows


def _show(args) -> None:
    from rlkit.runner.catalog import needed_extras, spec_path
    from rlkit.runner.run import load_spec, resolve

    spec = load_spec(args.spec)
    resolved = resolve(spec, runs=args.runs, rounds=args.rounds, episodes=args.episodes, seed=args.seed)
    print(f"# {spec_path(args.spec)}" + (f" (needs the extras {needed_extras(spec)})" if needed_extras(spec) else ""))
    print(json.dumps(resolved, indent=2, default=str))


def first_line(obj) -> str:
    """The first line of ``obj``'s own docstring (a class's is not inherited), or ``""``."""
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    lines = (doc or "").strip().splitlines()
    return lines[0].strip() if lines else ""


def environment_class(env_id: str):
    """The class a registered gymnasium id builds (its vector entry point when it has one)."""
    import gymnasium as gym

    spec = gym.registry[env_id]
    entry = spec.vector_entry_point or spec.entry_point
    entry = getattr(entry, "target", entry)  # rlkit.envs.EntryPoint: its "module:Class"
    if isinstance(entry, str):
        module, _, name = entry.partition(":")
        import importlib

        return getattr(importlib.import_module(module), name)
    return entry


class Stopped(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that a run stops the way Ctrl-C stops it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum, frame):
    raise Stopped(signum)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            from rlkit.core.checks import check_device
            from rlkit.runner.run import plot, run

            check_device("--device", args.device)  # blamed on the flag, before any directory or worker
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, _raise_stopped)
            out = run(args.spec, out=args.out, runs=args.runs, rounds=args.rounds, episodes=args.episodes,
                      seed=args.seed, device=args.device, workers=args.workers, backend=args.backend,
                      address=args.address, progress=not args.quiet)
            print(f"results: {out}")
            seconds = json.loads((out / "summary.json").read_text()).get("compute_seconds", {})
            if seconds:
                print("compute seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))
            if not args.no_plot:
                for path in plot(out):
                    print(f"figure: {path}")
        elif args.command == "plot":
            from rlkit.runner.run import plot

            for path in plot(args.dir):
                print(f"figure: {path}")
        elif args.command == "list":
            _list()
        elif args.command == "show":
            _show(args)
        elif args.command == "reproduce":
            from rlkit.runner.reproduce import listing, reproduce

            if args.list or not args.paper:
                print(listing())
            else:
                reproduce(args.paper, args.scale, args.out, args.workers, progress=not args.quiet)
        elif args.command == "transfer":
            from rlkit.cli.transfer import select

            return select(args)
    except (RLKitError, FileNotFoundError, PermissionError) as e:
        print(f"rlkit: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (``rlkit list | head``): no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt as e:
        signum = getattr(e, "signum", signal.SIGINT)
        what = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
        print(f"rlkit: {what}; finished chunks are kept, run the same command again to resume", file=sys.stderr)
        return 128 + int(signum)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
