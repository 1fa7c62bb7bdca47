"""Held-action bookkeeping for agents that decide once and play the decision for several rounds.

An agent that holds its action (an epoch of DynLin-UCB, a batch of Batch-EXP3) exposes ``hold_length()``
so the rollout can play the held rounds in one call and hand back their rewards ``(B, n)`` through
``update_held``; played one round at a time it receives them one by one. :class:`Hold` counts the rounds
left and checks that updates never run past the current hold.
"""

from __future__ import annotations

from rlkit.core.checks import RLKitError


class Hold:
    """Counter of the rounds left in a held action (an epoch, a batch); refuses updates past the hold."""

    def __init__(self, what: str = "hold"):
        self.what = what
        self.left = 0

    def start(self, n: int) -> None:
        self.left = int(n)

    def consume(self, n: int) -> bool:
        """Account for ``n`` played rounds; True when the hold is over (time for the agent's update)."""
        if self.left == 0 or n > self.left:
            raise RLKitError(f"updates must follow act() and cover at most the {self.left} rounds left in the "
                             f"{self.what}, got {n}")
        self.left -= n
        return self.left == 0
