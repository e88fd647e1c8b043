"""Which run each workspace has going, so every browser tab of a workspace follows it (not only the one that started it)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textclf.jobs import TrainingJob as Job


class WorkspaceJobs:
    """The latest run started in each workspace, while it goes; safe to use from every session's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}  # workspace id -> its latest run

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
