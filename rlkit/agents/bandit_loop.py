"""The batched online bandit loop: one agent on one batched environment, all runs in one tensor program.

:func:`run_bandit` plays ``rounds`` rounds and records, for every regret term the environment declares in
``env.regret_terms`` (name -> (optimal key, achieved key) of ``info``; ``"reward"`` = the observed reward),
the cumulative regret of every run at the given checkpoints. Nothing leaves the device inside the loop; the
recorded curves are copied to the host once at the end. A term whose ``info`` values carry axes after the runs
axis (a multitask environment's ``(B, M)`` tasks) is averaged over them: its curve is the regret per task,
total / ``M``.

Held actions (optional): an agent with ``hold_length()`` (rounds its last ``act`` is held, e.g. an
epoch) gets those rounds in blocks of at most 65536: the environment's ``step_held(actions, n)`` (or
``n`` plain steps) returns rewards and ``info`` as ``(B, n)``, checkpoints inside the block are read
from the per-round regret terms, and the agent receives ``update_held(contexts, actions, rewards (B, n))``.
Agents without ``hold_length`` (or holding 1 round) run the plain per-round loop.

Look-ahead (optional, ``lookahead=True``): a deterministic agent that may keep its action for many rounds
(LinUCB, D-LinUCB once they settle; DynLin-UCB across epochs) exposes ``keeps(contexts, actions, rewards:
(B, m)) -> j``: given the rewards the action just chosen would earn over the next ``m`` rounds, the number
``j in [1, m]`` of leading rounds in which every run would still play it, had it been updated on the earlier
ones as usual (a holding agent keeps at least the rest of its hold that fits in ``m``). On an
environment with ``peek_held(actions, m)`` (rewards of ``m`` held rounds without moving) the loop peeks,
asks ``keeps`` and plays exactly those ``j`` rounds as a held block (``update_held``). The agent makes the
same decisions as in the per-round loop (up to rounding); it is only asked once per run of identical
decisions instead of once per round. The look-ahead length doubles while whole peeks are kept and falls
back to twice the last kept run otherwise; a look-ahead that gains no round (an agent still exploring)
pauses it for 1, 2, 4, ... (at most 256) decisions and one that gains halves the pause, so it costs little
while it cannot help.
"""

from __future__ import annotations

import bisect

import numpy as np
import torch

from rlkit.core.checks import RLKitError, check_int

_MAX_HELD = 1 << 16  # rounds per held block (longer holds are served in blocks; memory stays bounded)
_MAX_LOOKAHEAD = 256  # rounds peeked at most (the look-ahead costs O(m K) per peek)
_MAX_BACKOFF = 256  # most decisions taken without look-ahead after a fruitless one


def checkpoints(rounds: int, n: int = 200) -> np.ndarray:
    """Rounds (1-based, sorted, unique, ending at ``rounds``) at which curves are recorded: ``n`` log-spaced
    and ``n`` evenly spaced points, so both log-log and linear plots are smooth."""
    pts = np.concatenate([np.geomspace(1, rounds, n), np.linspace(1, rounds, n)])
    return np.unique(np.clip(np.round(pts).astype(np.int64), 1, rounds))


def _steps(env, actions, n: int):
    """``n`` rounds of a held action on an environment without ``step_held``: ``n`` steps stacked into
    ``(contexts, rewards (B, n), info)`` with ``(B, n)`` entries."""
    steps = [env.step(actions) for _ in range(n)]
    info = {k: torch.stack([s[4][k] for s in steps], 1) for k in steps[0][4]}
    return steps[-1][0], torch.stack([s[1] for s in steps], 1), info


def run_bandit(env, agent, rounds: int, seed, record_at: np.ndarray | None = None,
               progress=None, lookahead: bool = True) -> dict[str, np.ndarray]:
    """Play ``rounds`` rounds; return ``{term: (B, P)}`` cumulative regret at ``record_at`` (``P`` points).

    ``seed`` is passed to ``env.reset`` (an int root seed or one SeedSequence per run). ``progress``, if
    given, is called with the number of rounds done every few thousand rounds. ``lookahead=False`` asks
    the agent every round even when it and the environment support looking ahead.
    """
    rounds = check_int("rounds", rounds)
    if record_at is None:
        record_at = checkpoints(rounds)
    record_at = np.asarray(record_at, dtype=np.int64)
    if record_at.size == 0 or record_at[0] < 1 or record_at[-1] > rounds or np.any(np.diff(record_at) <= 0):
        raise RLKitError(f"record_at must be increasing rounds in [1, {rounds}], got {record_at[:5]}...")
    terms = dict(env.regret_terms)
    names = list(terms)
    contexts, _ = env.reset(seed=seed)
    B = env.num_envs
    # every term's running sum in one (n_terms, B) tensor: one addition per round whatever the number of terms
    regret = _Regret(terms, B, record_at.size, env.device, env.dtype)
    column = 0
    # the checkpoints as plain ints (found without a numpy call), closed by a round never reached
    points = [*record_at.tolist(), rounds + 1]
    next_point = points[0]  # the next checkpoint not yet recorded: points[column]
    held_step = getattr(env, "step_held", None)
    hold = getattr(agent, "hold_length", None)
    keeps = getattr(agent, "keeps", None) if lookahead and getattr(env, "peek_held", None) is not None else None
    deferred = getattr(agent, "check_deferred", None)  # validate="checkpoint": read the value checks at checkpoints
    span = 2  # rounds looked at beyond the current hold
    skip, backoff = 0, 1  # decisions to take without looking ahead after a fruitless look-ahead
    t = 0
    while t < rounds:
        actions = agent.act(contexts)
        n = 1 if hold is None else max(1, min(int(hold()), rounds - t, _MAX_HELD))
        if keeps is not None and skip == 0 and rounds - t > n:
            peeked = env.peek_held(actions, min(n + span, rounds - t))
            m = peeked.shape[1]
            if m > n:
                kept = int(keeps(contexts, actions, peeked))
                if not n <= kept <= m:
                    raise RLKitError(f"{type(agent).__name__}.keeps must return a round count in [{n}, {m}], "
                                     f"got {kept}")
                if kept > n:
                    backoff = max(1, backoff // 2)
                else:  # no round gained: look ahead again only after 1, 2, 4, ... decisions
                    skip, backoff = backoff, min(2 * backoff, _MAX_BACKOFF)
                span = min(2 * span, _MAX_LOOKAHEAD) if kept == m else max(2, 2 * (kept - n))
                n = kept
        elif skip:
            skip -= 1
        if n > 1:
            if held_step is not None:
                next_contexts, rewards, _, _, info = held_step(actions, n)
            else:
                next_contexts, rewards, info = _steps(env, actions, n)
            stop = bisect.bisect_right(points, t + n, column) if t + n >= next_point else column
            crossed = stop > column  # checkpoints inside the block
            cols = torch.as_tensor(record_at[column:stop] - t - 1, device=env.device) if crossed else None
            regret.add_held(rewards, info, column, cols)
            if crossed:
                column = stop
                next_point = points[column]
            agent.update_held(contexts, actions, rewards)
            if crossed and deferred is not None:
                deferred()
            contexts = next_contexts
            if progress is not None and (t + n) // 4096 > t // 4096:
                progress(t + n)
            t += n
            continue
        t += 1
        next_contexts, rewards, _, _, info = env.step(actions)
        regret.add(rewards, info)
        agent.update(contexts, actions, rewards)
        contexts = next_contexts
        if t == next_point:
            regret.record(column)
            column += 1
            next_point = points[column]
            if deferred is not None:
                deferred()
        if progress is not None and t % 4096 == 0:
            progress(t)
    if deferred is not None:  # the rounds after the last checkpoint
        deferred()
    out = regret.out.cpu().numpy()
    return {name: out[i] for i, name in enumerate(names)}


class _Regret:
    """Running regret of every term, ``cum: (n_terms, B)``, and its recorded values ``out: (n_terms, B, P)``.

    Per round ``cum += best - achieved`` with the terms' values stacked (a single term, or terms sharing their
    optimal value, cost one subtraction and one addition); the arithmetic of each term is that of its own sum."""

    def __init__(self, terms: dict, B: int, points: int, device, dtype):
        self.best = [best for best, _ in terms.values()]
        self.got = [got for _, got in terms.values()]
        self.shared = len(set(self.best)) == 1
        self.cum = torch.zeros(len(terms), B, device=device, dtype=dtype)
        self.out = torch.empty(len(terms), B, points, device=device, dtype=dtype)
        self._one = self.cum[0] if len(terms) == 1 else None

    def _achieved(self, rewards, info):
        return [rewards if got == "reward" else info[got] for got in self.got]

    def add(self, rewards, info) -> None:
        """One round; a term whose values have a task axis (``(B, M)``, multitask bandits) adds its mean over tasks."""
        achieved = self._achieved(rewards, info)
        if self._one is not None:
            gap = info[self.best[0]] - achieved[0]
            self._one += gap if gap.dim() == 1 else gap.flatten(1).mean(1)
            return
        if self.shared:
            gap = info[self.best[0]] - torch.stack(achieved)
        else:
            gap = torch.stack([info[b] for b in self.best]) - torch.stack(achieved)
        self.cum += gap if gap.dim() == 2 else gap.flatten(2).mean(2)

    def add_held(self, rewards, info, column: int, cols) -> None:
        """``n`` rounds at once (``rewards`` and ``info`` entries ``(B, n)``); ``cols``: the offsets inside the block
        of the recorded rounds, written from ``column`` on (``None`` if none)."""
        best = info[self.best[0]] if self.shared else torch.stack([info[b] for b in self.best])
        diff = best - torch.stack(self._achieved(rewards, info))  # (n_terms, B, n)
        if cols is None:
            self.cum += diff.sum(2)
            return
        path = self.cum.unsqueeze(2) + diff.cumsum(2)
        self.out[:, :, column : column + cols.shape[0]] = path[:, :, cols]
        self.cum = path[:, :, -1]
        self._one = self.cum[0] if self._one is not None else None

    def record(self, column: int) -> None:
        self.out[:, :, column] = self.cum
