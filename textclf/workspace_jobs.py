"""Which run each workspace has going and which browser tabs show the workspace, so every tab follows the run
(not only the one that started it) and the run goes on while any of them is open."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Callable

from textclf.limits import SESSION_GONE_SECONDS
from textclf.queue import OwnerWatch

if TYPE_CHECKING:
    from textclf.jobs import TrainingJob as Job


class WorkspaceJobs:
    """The latest run started in each workspace, while it goes, and the workspace's open tabs; safe to use from
    every session's thread."""

    def __init__(self, forget_after: float = SESSION_GONE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}  # workspace id -> its latest run
        # workspace id -> tab id -> (is it open now?, has it been closed for a while?)
        self._tabs: dict[str, dict[str, tuple[Callable[[], bool], OwnerWatch]]] = {}
        self._forget_after, self._clock = forget_after, clock

    def started(self, workspace: str, job: Job) -> None:
        """Notes that `job` was started in `workspace` (it replaces an earlier one)."""
        with self._lock:
            self._jobs = {ws: j for ws, j in self._jobs.items() if not j.done}  # finished runs are let go
            self._jobs[workspace] = job

    def running(self, workspace: str) -> Job | None:
        """Returns the run going in `workspace`, or None when there is none (or it has ended)."""
        with self._lock:
            job = self._jobs.get(workspace)
            if job is not None and job.done:
                del self._jobs[workspace]
                return None
            return job

    def join(self, workspace: str, tab: str, alive: Callable[[], bool]) -> None:
        """Notes that browser tab `tab` (open while `alive()` says so) shows `workspace` (and no other)."""
        with self._lock:
            for ws, tabs in list(self._tabs.items()):
                for other in [t for t, (_, watch) in tabs.items() if (t == tab and ws != workspace) or watch.gone()]:
                    del tabs[other]  # moved to another workspace, or closed long ago
                if not tabs:
                    del self._tabs[ws]
            self._tabs.setdefault(workspace, {}).setdefault(tab, (alive, OwnerWatch(alive, self._forget_after, self._clock)))

    def anyone_alive(self, workspace: str) -> Callable[[], bool]:
        """Returns a check, callable from any thread: is any tab of `workspace` open now? (A run of the workspace
        goes on while one is; with none left it is abandoned.)"""
        def check() -> bool:
            with self._lock:
                checks = [alive for alive, _ in self._tabs.get(workspace, {}).values()]
            return any(alive() for alive in checks)
        return check
