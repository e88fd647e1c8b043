"""A fair training queue: at most `slots` runs train at once on the server, the rest wait in arrival order."""

from __future__ import annotations

import threading
import time
from typing import Callable, Hashable

from textclf.limits import LIVE_VIEW_MAX_SECONDS, SESSION_GONE_SECONDS, max_trainings


class TrainingQueue:
    """First come, first served slots for trainings, shared by every session of one server process.

    A ticket (any hashable, e.g. a job) enters with `enter`, waits in `wait_turn`, and frees its slot with
    `release`. `leave` takes a waiting ticket out of the line (Cancel).
    """

    def __init__(self, slots: int | None = None):
        self.slots = max_trainings() if slots is None else slots
        if self.slots < 1:
            raise ValueError("a training queue needs at least one slot")
        self._cond = threading.Condition()
        self._waiting: list[Hashable] = []  # in arrival order
        self._running: set[Hashable] = set()

    def enter(self, ticket: Hashable) -> None:
        """Puts `ticket` at the end of the line."""
        with self._cond:
            self._waiting.append(ticket)
            self._cond.notify_all()

    def wait_turn(self, ticket: Hashable, give_up: Callable[[], bool] = lambda: False, poll: float = 0.5) -> bool:
        """Returns True once `ticket` holds a slot; False if it left the line or `give_up()` said so first."""
        with self._cond:
            while ticket in self._waiting:
                if self._waiting[0] is ticket and len(self._running) < self.slots:
                    self._waiting.pop(0)
                    self._running.add(ticket)
                    self._cond.notify_all()
                    return True
                if give_up():
                    self._waiting.remove(ticket)
                    self._cond.notify_all()
                    return False
                self._cond.wait(poll)
            return False

    def leave(self, ticket: Hashable) -> bool:
        """Returns True if `ticket` was waiting and is now out of the line."""
        with self._cond:
            if ticket not in self._waiting:
                return False
            self._waiting.remove(ticket)
            self._cond.notify_all()
            return True

    def release(self, ticket: Hashable) -> None:
        """Frees the slot of `ticket` (no-op if it holds none) so the next in line can start."""
        with self._cond:
            self._running.discard(ticket)
            self._cond.notify_all()

    def refresh_seconds(self, base: float, longest: float = LIVE_VIEW_MAX_SECONDS) -> float:
        """Returns how often a live view should redraw: `base`, stretched while more runs train or wait than
        slots, but never beyond `longest` (a view quiet for longer looks frozen).

        Every redraw starts a script thread on the server; with many sessions training, fewer redraws leave
        more of the server to clicks.
        """
        with self._cond:
            busy = len(self._running) + len(self._waiting)
        return min(max(base, longest), base * max(1.0, busy / self.slots))

    def ahead(self, ticket: Hashable) -> int | None:
        """Returns how many waiting runs are before `ticket`, or None when it is not waiting."""
        with self._cond:
            return self._waiting.index(ticket) if ticket in self._waiting else None

    def counts(self) -> tuple[int, int]:
        """Returns (running, waiting)."""
        with self._cond:
            return len(self._running), len(self._waiting)


class OwnerWatch:
    """Says whether the owner of a run (a browser session) is gone: not alive for `grace` seconds in a row."""

    def __init__(self, alive: Callable[[], bool], grace: float = SESSION_GONE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self._alive, self._grace, self._clock = alive, grace, clock
        self._missing_since: float | None = None

    def gone(self) -> bool:
        """Returns True once the owner has been missing for longer than the grace period."""
        if self._alive():
            self._missing_since = None
            return False
        now = self._clock()
        if self._missing_since is None:
            self._missing_since = now
        return now - self._missing_since >= self._grace
