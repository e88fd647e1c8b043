"""A note in the workspace folder while a training run is under way, so that a browser tab that reconnects to
another server process (after a crash, a restart or a kill) learns that its run ended without a result.

One small JSON file per run (`training-<id>.json`, beside the workspace's run folders, which never match its
name), written by a temporary name and renamed into place, so a reader sees a whole note or none. The owner is
the server process (host, pid and the kernel's start time of that pid, which a reused pid does not share).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path

PREFIX = "training-"
# On another machine the pid cannot be checked: a note is taken as alive for this long after its last word.
OTHER_HOST_ALIVE_SECONDS = 6 * 3600.0


@dataclass(frozen=True)
class Interrupted:
    """A run whose server process ended before the run did: how far it had got."""

    epoch: int  # epochs finished (0: it was waiting in line or compiling)
    epochs: int  # epochs asked for
    name: str  # the run's name, as it would have been saved

    def sentence(self) -> str:
        """Returns what the page tells its user, in one sentence."""
        where = (f"after epoch {self.epoch} of {self.epochs}" if self.epoch else
                 "before its first epoch ended")
        return (f"The server restarted while your run “{self.name}” was training ({where}), so it was not "
                "finished or saved; your saved runs are safe. Press Train to run it again.")


def _process_start(pid: int) -> str | None:
    """Returns the kernel's start time of process `pid` (field 22 of /proc/PID/stat), or None if it is gone.

    A killed process stays a zombie until its parent reaps it, which can be after its tabs have reconnected
    elsewhere: a zombie counts as gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return None if fields[0] in ("Z", "X") else fields[19]
    except (OSError, IndexError):
        return None


def _owner() -> dict:
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "pid_start": _process_start(pid)}


def _write(path: Path, note: dict) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(note))
    os.replace(tmp, path)


class RunNote:
    """The note of one run of this process in workspace folder `root`; every method swallows disk errors (a
    note that cannot be written only means a less precise message after a crash)."""

    def __init__(self, root: Path, epochs: int, name: str):
        self.path = Path(root) / f"{PREFIX}{secrets.token_hex(8)}.json"
        self._note = {**_owner(), "epochs": int(epochs), "epoch": 0, "name": str(name)[:200], "said": time.time()}

    def started(self) -> None:
        """Writes the note (the run is waiting in line or starting)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _write(self.path, self._note)
        except OSError:
            pass

    def epoch(self, epoch: int) -> None:
        """Notes that `epoch` epochs are done."""
        self._note.update(epoch=int(epoch), said=time.time())
        try:
            if self.path.exists():
                _write(self.path, self._note)
        except OSError:
            pass

    def ended(self) -> None:
        """Removes the note: the run ended here, with whatever result it had."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass


def _is_alive(note: dict) -> bool:
    if note.get("host") != socket.gethostname():
        return time.time() - float(note.get("said", 0)) < OTHER_HOST_ALIVE_SECONDS
    pid = note.get("pid")
    return isinstance(pid, int) and _process_start(pid) is not None and _process_start(pid) == note.get("pid_start")


def interrupted(root: Path) -> list[Interrupted]:
    """Returns the runs of workspace folder `root` whose server process has ended, and removes their notes (each
    is told once). Notes that cannot be read are removed too; those of live processes are left alone."""
    found = []
    try:
        paths = sorted(Path(root).glob(f"{PREFIX}*.json"))
    except OSError:
        return []
    for path in paths:
        try:
            note = json.loads(path.read_text()[:10_000])
            if _is_alive(note):
                continue
            found.append(Interrupted(int(note.get("epoch", 0)), int(note.get("epochs", 0)), str(note.get("name", ""))))
        except (OSError, ValueError, TypeError, AttributeError):
            pass  # a torn or foreign file: dropped below, it can never be told
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
    return found
