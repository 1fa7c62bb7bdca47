"""``rlkit transfer select MATRIX``: play selection strategies on a transfer matrix, print and plot the curves.

``MATRIX`` is a ``.npz`` written by :meth:`rlkit.mbtl.TransferMatrix.save` (e.g. ``data/transfer/*.npz``)
or a results directory of a ``transfer_build`` experiment. ``--strategy`` takes names of the standard set
(:data:`rlkit.mbtl.compare.STANDARD`, default: all that the matrix supports).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rlkit.core.checks import RLKitError
from rlkit.mbtl.compare import REPORT_K, STANDARD
from rlkit.mbtl.matrix import TransferMatrix


def add_parser(sub) -> None:
    t = sub.add_parser("transfer", help="MBTL source-task selection on a transfer matrix")
    tsub = t.add_subparsers(dest="transfer_command", required=True)
    s = tsub.add_parser("select", help="play selection strategies on a transfer matrix")
    s.add_argument("matrix", help="transfer matrix (.npz) or a transfer_build results directory")
    s.add_argument("--strategy", action="append", metavar="NAME",
                   help=f"one of {', '.join(STANDARD)} (repeat for several; default: all)")
    s.add_argument("--slope", type=float, default=None,
                   help="MBTL's gap slope per grid step, normalised (default: the matrix's meta, else 0.005)")
    s.add_argument("--acquisition", default="ucb_log", help="MBTL's acquisition (default ucb_log)")
    s.add_argument("--gap", default="linear", help="MBTL's gap model: linear, estimated, true, none")
    s.add_argument("--steps", type=int, help="number of selection steps K (default: N)")
    s.add_argument("--seed", type=int, default=0, help="root seed (GP restarts, random orders)")
    s.add_argument("--random-orders", type=int, default=100, help="random orders per trial (default 100)")
    s.add_argument("--plot", metavar="STEM", help="also draw the figure to STEM.png / .pdf and the matrix's heat "
                   "map to STEM_heatmap.png / .pdf")
    s.add_argument("--title", help="figure title (default: the matrix's name)")
    s.add_argument("--bounds", type=float, nargs=2, metavar=("LOWER", "UPPER"),
                   help="normalisation bounds instead of the matrix's own (e.g. the paper's, to compare)")


def open_matrix(path: str | Path) -> TransferMatrix:
    """A matrix file (or a shipped one by name, e.g. ``mbtl_cartpole``: :func:`rlkit.runner.catalog.data_path`), or
    the matrix of a finished ``transfer_build`` (or ``transfer``) results directory."""
    from rlkit.runner.catalog import data_path

    path = data_path(path)
    if path.is_dir():
        from rlkit.core.registry import KINDS
        from rlkit.runner.run import load_plugins
        from rlkit.runner.store import ResultStore

        load_plugins()
        store = ResultStore(path)
        spec = store.spec()
        if spec.get("kind") == "transfer":
            from rlkit.kinds.transfer_select import load_matrix

            return load_matrix(spec["matrix"])
        if spec.get("kind") != "transfer_build":
            raise RLKitError(f"{str(path)!r} holds results of kind {spec.get('kind')!r}, not a transfer matrix "
                             "(kind transfer_build or transfer)")
        kind = KINDS.get("transfer_build")()
        units = kind.units(spec)
        missing = [u for u in units if not store.has(u)]
        if missing:
            raise RLKitError(f"{str(path)!r} is an unfinished build ({len(missing)} of {len(units)} units missing); "
                             "run the same `rlkit run` command again to finish it")
        return kind.matrix(spec, store.gather(units))
    return TransferMatrix.load(path)


def select(args: argparse.Namespace) -> int:
    matrix = open_matrix(args.matrix)
    if getattr(args, "bounds", None):
        matrix = TransferMatrix(matrix.values, matrix.contexts, args.bounds, matrix.multitask, matrix.std,
                                {**matrix.meta, "bounds_from": "command line"})
    from rlkit.kinds.transfer_select import selection
    from rlkit.mbtl.compare import selection_agents

    slope = args.slope if args.slope is not None else float(matrix.meta.get("slope", 0.005))
    agents = selection_agents(matrix, slope=slope, random_runs=args.random_orders, names=args.strategy,
                              mbtl={"acquisition": args.acquisition, "gap": args.gap})
    title = args.title or matrix.meta.get("name", "transfer")
    _, summary, figures = selection(matrix, agents, args.seed, args.steps, stem=args.plot, title=title,
                                    heatmap=True)
    K = summary["steps"]
    ks = sorted({k for k in (*REPORT_K, K) if k <= K})  # N once, also when it is one of REPORT_K
    print(f"{matrix!r}; k* levels (Independent{', Multi-task' if len(summary['levels_for_k_star']) > 1 else ''}): "
          + ", ".join(f"{v:.4f}" for v in summary["levels_for_k_star"]))
    print(f"{'strategy':<28}" + "".join(f"{'k=' + str(k):>9}" for k in ks) + f"{'N/k*':>9}")
    for label, row in summary["agents"].items():
        ratio = row.get("n_over_k_star", "")
        ratio = "never" if ratio is None else (f"{ratio:.1f}x" if ratio != "" else "")
        print(f"{label:<28}" + "".join(f"{row['at_k'][str(k)]:>9.4f}" for k in ks) + f"{ratio:>9}")
    for label, row in summary["agents"].items():
        if "picks" in row:
            print(f"picks {label} (trial 0): {row['picks'][0][:K]}")
    for path in figures:
        print(f"figure: {path}")
    return 0
