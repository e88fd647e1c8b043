"""One function call in a daemon thread, whose result (or error) any thread can read when it is done."""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable


class Background:
    """Runs `fn(*args)` in a daemon thread at once; `done`, `result` and `error` are safe to read anywhere."""

    def __init__(self, fn: Callable[..., Any], *args: Any, name: str = "textclf-background"):
        self.result: Any = None
        self.error: str | None = None
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(fn, args), name=name, daemon=True)
        self._thread.start()

    @property
    def done(self) -> bool:
        """Returns True once the call has returned or raised."""
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Returns `done` after waiting up to `timeout` seconds for the call to end."""
        return self._finished.wait(timeout)

    def _run(self, fn: Callable[..., Any], args: tuple) -> None:
        try:
            self.result = fn(*args)
        except Exception as err:  # noqa: BLE001 - the page shows the reason instead of a dead thread
            self.error = str(err) or type(err).__name__
            traceback.print_exc()
        finally:
            self._finished.set()
