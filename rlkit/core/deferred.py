"""Value checks read at checkpoints instead of every step: ``validate="checkpoint"``.

An agent's value checks (finite rewards and contexts, indices in range) need one read from the device per
update when they run eagerly (``validate=True``). With ``validate="checkpoint"`` the agent records each check
as a boolean *tensor* (no host read) and ORs it into a pending flag; the loops (:func:`rlkit.agents.run_bandit`,
:func:`rlkit.agents.run_episodes`, and so the experiment runner) call :meth:`DeferredChecks.raise_pending` at
each checkpoint, where one read per kind of check tells whether any step since the previous checkpoint broke
it. The run then stops with the same :class:`~rlkit.core.errors.RLKitError` message an eager check would have
given, saying that it was found at a checkpoint; the agent's state may already hold the bad values. An index out
of range that the agent uses before the checkpoint fails at that use instead (a raw ``IndexError`` on the CPU, a
device-side assert on an accelerator): the mode is for loops whose actions come from the agent's own ``act``, as
in the runner, which uses it on accelerators only (on the CPU a read costs nothing and the eager checks stop at
the bad step).
"""

from __future__ import annotations

import torch

from rlkit.core.errors import RLKitError

MODES = (True, False, "checkpoint")


def check_validate(validate) -> bool | str:
    """``validate`` as one of ``True`` (eager checks), ``False`` (none) or ``"checkpoint"`` (deferred)."""
    if isinstance(validate, str):
        if validate != "checkpoint":
            raise RLKitError(f"validate must be True, False or 'checkpoint', got {validate!r}")
        return validate
    if isinstance(validate, (bool, int)) and validate in (0, 1):
        return bool(validate)
    raise RLKitError(f"validate must be True, False or 'checkpoint', got {validate!r}")


class DeferredChecks:
    """Pending value checks of one agent: ``message -> bool tensor`` (True: broken since the last checkpoint)."""

    def __init__(self):
        self._pending: dict[str, torch.Tensor] = {}

    def add(self, message: str, broken: torch.Tensor) -> None:
        """Record a check (``broken``: a 0-d bool tensor) without reading it."""
        held = self._pending.get(message)
        self._pending[message] = broken if held is None else held | broken

    def raise_pending(self, owner: str) -> None:
        """Read the pending checks (one host read each) and raise the first broken one's message."""
        pending, self._pending = self._pending, {}
        for message, broken in pending.items():
            if bool(broken):
                raise RLKitError(f"{message} (found at a checkpoint by {owner}, validate='checkpoint': some update "
                                 f"since the previous checkpoint received it)")


class DeferredValidation:
    """The ``validate`` switch of an agent base: ``validate`` (the mode) and ``deferred`` (the pending checks of
    ``"checkpoint"``, else ``None``), and :meth:`check_deferred`, which the loops call at every checkpoint."""

    def _set_validate(self, validate) -> None:
        self.validate = check_validate(validate)
        self.deferred = DeferredChecks() if self.validate == "checkpoint" else None

    def check_deferred(self) -> None:
        """Raise what a deferred value check (``validate="checkpoint"``) found since the last call; the loops call
        it at every checkpoint. Does nothing in the other modes."""
        if self.deferred is not None:
            self.deferred.raise_pending(type(self).__name__)
