"""The experiment-kind contract: how a kind of experiment plugs into the generic runner.

The runner (:mod:`rlkit.runner.run`) knows nothing about bandits or offline RL. A *kind* turns a spec into
independent *units* of work, computes one unit into named numpy arrays, and summarises and plots the
stored arrays. The runner stores each unit's arrays atomically with a checksum, skips verified units on a
rerun, and spreads the rest over worker processes (or Ray). New kinds (offline sweeps over a perturbation,
timing sweeps, transfer curves) register themselves with :data:`rlkit.core.registry.KINDS` and need no change to
the runner.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


def figure_title(spec: dict) -> str:
    """A figure's title: the spec's ``[plot] title``, else its name in words (``"episodic quickstart"``)."""
    return str(spec.get("plot", {}).get("title") or spec["name"].replace("_", " "))


@dataclass(frozen=True)
class Unit:
    """One independent piece of work: ``agent`` (its label in the spec) over runs ``start .. stop-1``.

    What a "run" indexes is the kind's business (a seed for online bandits, a replication for an offline
    sweep, a grid point for a timing sweep); run ``i`` must give the same arrays whatever chunk holds it.
    """

    agent: str
    start: int
    stop: int

    @property
    def key(self) -> str:
        """The unit's name, also its chunk files' name: a label's path separators are escaped (``/`` as ``%2F``), so
        a label such as ``"constant eta/gamma"`` names a file, not a folder."""
        agent = self.agent.replace("/", "%2F").replace("\\", "%5C")
        return f"{agent}__runs{self.start:06d}-{self.stop:06d}"


class ExperimentKind:
    """Base class of experiment kinds. Subclasses set ``name`` and implement the four methods."""

    name: str = ""
    budget: str | None = None
    """The spec key of the kind's budget: ``"rounds"`` (T) for bandits, ``"episodes"`` (K) for episodic kinds, or
    ``None`` for kinds whose work the spec fixes otherwise (a sweep, a matrix). Budget expressions (``"logT"``,
    ``"@1 / T"``, :mod:`rlkit.runner.spec_values`) are evaluated at it."""
    overrides: tuple[str, ...] = ("seed",)
    """The top-level keys the command line may override (``--runs``, ``--rounds``, ``--episodes``, ``--seed``);
    any other override is refused with one line naming the ones this kind takes."""

    def resolve(self, spec: dict) -> dict:
        """Validate ``spec`` and fill defaults; raise :class:`rlkit.core.checks.SpecError` naming the bad key."""
        raise NotImplementedError

    def units(self, spec: dict) -> list[Unit]:
        """The units of work of a resolved spec (typically every agent x chunks of ``chunk_size`` runs)."""
        raise NotImplementedError

    def schedule(self, spec: dict, units: list[Unit]) -> list[Unit]:
        """The order in which to start ``units`` (default: as given). Starting the longest first shortens the
        wall time of a parallel run; the results do not depend on the order."""
        return units

    def run_unit(self, spec: dict, unit: Unit, device: str) -> dict[str, np.ndarray]:
        """Compute one unit. Arrays have the unit's runs on axis 0 where that makes sense.

        A kind whose units take other units' arrays (see :meth:`inputs`) accepts them as a keyword argument:
        ``run_unit(spec, unit, device, inputs={unit.key: arrays})``."""
        raise NotImplementedError

    def stages(self, spec: dict) -> list[tuple[str, list[Unit]]]:
        """The units in stages run one after another, each with a label for its progress bar (default: one
        stage holding every unit). A unit may take the arrays of units of earlier stages (:meth:`inputs`)."""
        return [("", self.units(spec))]

    def inputs(self, spec: dict, unit: Unit) -> list[Unit]:
        """Units of earlier stages whose stored arrays ``unit`` needs (default: none). The runner reads them
        from the results directory and passes them to :meth:`run_unit` (through Ray's object store on Ray)."""
        return []

    def summarize(self, spec: dict, results: dict[str, dict[str, np.ndarray]]) -> dict:
        """``results`` maps agent label -> arrays concatenated over its units in run order; returns JSON-able."""
        raise NotImplementedError

    def plot(self, spec: dict, results: dict[str, dict[str, np.ndarray]], stem: Path) -> list[Path]:
        """Draw the kind's figure(s) to ``stem.png`` / ``stem.pdf``; return the written paths."""
        raise NotImplementedError
