"""What the server keeps per browser session (uploaded files), and letting it go once the session is over."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time
from typing import Callable

from textclf.limits import UPLOADS_KEPT_SECONDS
from textclf.serve.queue import OwnerWatch


def give_memory_back() -> None:
    """Frees what ended sessions left (their tables and texts) and hands the freed memory back to the system.

    Millions of small strings of a large upload, once freed, stay in the process's heap: the C library keeps
    the pages for reuse, so the server looked as big as with every closed tab still open. malloc_trim (glibc)
    returns them; elsewhere only the collection runs.
    """
    gc.collect()
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        trim = None
    if trim is not None:
        trim(0)


class SessionJanitor:
    """Calls `release(session_id)` for each watched session that has been gone for `grace` seconds."""

    def __init__(self, alive: Callable[[str], bool], release: Callable[[str], None],
                 grace: float = UPLOADS_KEPT_SECONDS, every: float = 15.0, clock: Callable[[], float] = time.monotonic,
                 after_release: Callable[[], None] = give_memory_back):
        self._alive, self._release, self._grace, self._every, self._clock = alive, release, grace, every, clock
        self._after_release = after_release  # once per sweep that released a session
        self._watched: dict[str, OwnerWatch] = {}
        self._lock = threading.Lock()

    def watch(self, session_id: str) -> None:
        """Starts watching `session_id` (again watching a watched one changes nothing)."""
        with self._lock:
            if session_id not in self._watched:
                self._watched[session_id] = OwnerWatch(lambda: self._alive(session_id), self._grace, self._clock)

    def sweep(self) -> list[str]:
        """Returns the sessions released now, after releasing them."""
        with self._lock:
            gone = [sid for sid, watch in self._watched.items() if watch.gone()]
            for sid in gone:
                del self._watched[sid]
        for sid in gone:
            self._release(sid)
        if gone:
            self._after_release()
        return gone

    @property
    def watched(self) -> int:
        """Returns how many sessions are watched."""
        with self._lock:
            return len(self._watched)

    def start(self) -> "SessionJanitor":
        """Returns self after starting a daemon thread that sweeps every `every` seconds."""
        def loop() -> None:
            while True:
                time.sleep(self._every)
                self.sweep()

        threading.Thread(target=loop, name="textclf-session-janitor", daemon=True).start()
        return self
