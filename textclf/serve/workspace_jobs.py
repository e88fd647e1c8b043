"""Which run each workspace has going and which browser tabs show the workspace, so every tab follows the run
(not only the one that started it) and the run goes on while any of them is open."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Callable

from textclf.limits import SESSION_GONE_SECONDS
from textclf.serve.queue import OwnerWatch

MAX_REMEMBERED = 10_000  # workspaces whose last saved run is remembered (a few hundred kB at most)

if TYPE_CHECKING:
    from textclf.serve.jobs import TrainingJob as Job


class WorkspaceJobs:
    """The latest run started in each workspace, while it goes, and the workspace's open tabs; safe to use from
    every session's thread."""

    def __init__(self, forget_after: float = SESSION_GONE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}  # workspace id -> its latest run
        self._saved: dict[str, str] = {}  # workspace id -> the saved run id of its last finished run (oldest first)
        # workspace id -> tab id -> (is it open now?, has it been closed for a while?)
        self._tabs: dict[str, dict[str, tuple[Callable[[], bool], OwnerWatch]]] = {}
        self._forget_after, self._clock = forget_after, clock

    def started(self, workspace: str, job: Job) -> None:
        """Notes that `job` was started in `workspace` (it replaces an earlier one)."""
        with self._lock:
            for ws in [ws for ws, j in self._jobs.items() if j.done]:
                self._let_go(ws)  # finished runs are let go; their saved run's id is kept
            self._jobs[workspace] = job

    def running(self, workspace: str) -> Job | None:
        """Returns the run going in `workspace`, or None when there is none (or it has ended)."""
        with self._lock:
            job = self._jobs.get(workspace)
            if job is not None and job.done:
                self._let_go(workspace)
                return None
            return job

    def last_saved(self, workspace: str) -> str | None:
        """Returns the saved run id of the last run that finished in `workspace` on this server, or None."""
        with self._lock:
            job = self._jobs.get(workspace)
            if job is not None and job.done:
                self._let_go(workspace)
            return self._saved.get(workspace)

    def _let_go(self, workspace: str) -> None:
        """Forgets the finished run of `workspace`, keeping only its saved run's id (the lock is held)."""
        result = self._jobs.pop(workspace).result
        if result is not None and result.run_id:
            self._saved.pop(workspace, None)
            self._saved[workspace] = result.run_id
            while len(self._saved) > MAX_REMEMBERED:
                del self._saved[next(iter(self._saved))]

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
