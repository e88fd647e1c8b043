"""Heavy work (training, the reference models) in worker processes at a lower CPU priority.

A training thread in the web server's own process competes with every page for Python's lock and for the
cores: under a class's load, pages went silent for a minute. A worker is a separate Python process that does
one task at a time and sends its progress events back through a socket; the run's thread in the server only
relays them. Workers stay alive between tasks, so a run does not pay for starting Python and importing JAX.

Workers are started as `python -m textclf.serve.workers`, not with multiprocessing's spawn: spawn re-runs the
parent's main module in the child, and inside Streamlit that module is the app's script.
"""

from __future__ import annotations

import inspect
import os
import socket
import subprocess
import sys
import threading
import traceback
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable, Generator, Iterator

from textclf.limits import worker_nice

PROCESSES_ENV = "TEXTCLF_TRAIN_PROCESSES"  # "0": train in threads of the server's process (no workers)
_ROOT = Path(__file__).resolve().parent.parent  # the folder holding the textclf package
_STOP = "stop"


def use_processes() -> bool:
    """Returns whether the app works in worker processes ($TEXTCLF_TRAIN_PROCESSES, default yes)."""
    return os.environ.get(PROCESSES_ENV, "1").strip().lower() not in ("0", "no", "false", "off")


@dataclass(frozen=True)
class Failure:
    """A task that raised in the worker: the reason in one line, and the traceback for the server's log."""

    reason: str
    details: str


@dataclass(frozen=True)
class Done:
    """The end of a task, with the function's return value (None for a generator's events)."""

    value: Any = None


class WorkerDied(RuntimeError):
    """The worker process ended in the middle of a task (killed, or out of memory)."""


class Worker:
    """One Python process that runs one task at a time: a module-level function and its keyword arguments."""

    def __init__(self, nice: int):
        mine, theirs = socket.socketpair()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(_ROOT), os.environ.get("PYTHONPATH", "")]))
        # glibc gives each thread its own memory arena and keeps what was freed there; a process that does one
        # task at a time needs few (measured: a two-topic run's worker peaked at 547 MB instead of 647 MB).
        env.setdefault("MALLOC_ARENA_MAX", "2")
        self._process = subprocess.Popen([sys.executable, "-m", "textclf.serve.workers", str(theirs.fileno()), str(nice)],
                                         pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL)
        theirs.close()  # the child's end lives on in the child only: its exit then shows here as end of file
        self._conn = Connection(mine.detach())
        self._task = 0

    @property
    def alive(self) -> bool:
        """Returns True while the process runs."""
        return self._process.poll() is None

    @property
    def pid(self) -> int:
        """Returns the process id."""
        return self._process.pid

    def run(self, fn: Callable, kwargs: dict, should_stop: Callable[[], bool] = lambda: False,
            poll: float = 0.05) -> Iterator:
        """Yields what `fn(**kwargs)` yields in the worker, then its Done (a plain function: only its Done).

        A function with a `should_stop` parameter gets one that turns True soon after `should_stop()` here
        does (asked every `poll` seconds). A Failure raises RuntimeError, a dead worker WorkerDied.
        """
        self._task += 1
        stop_sent = False
        try:
            self._conn.send((self._task, fn, kwargs))
            while True:
                if not stop_sent and should_stop():
                    self._conn.send((_STOP, self._task))
                    stop_sent = True
                if not self._conn.poll(poll):
                    if not self.alive:
                        raise EOFError
                    continue
                event = self._conn.recv()
                if isinstance(event, Failure):
                    print(event.details, file=sys.stderr, flush=True)  # the server's log keeps the traceback
                    raise RuntimeError(event.reason)
                yield event
                if isinstance(event, Done):
                    return
        except (EOFError, OSError) as err:
            raise WorkerDied("the worker process ended unexpectedly (perhaps the server ran out of memory)") from err

    def close(self) -> None:
        """Asks the process to end, and makes sure it does."""
        try:
            self._conn.send(None)
        except OSError:
            pass
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)
        self._conn.close()


class WorkerPool:
    """Up to `size` idle workers kept warm; `run` and `call` borrow one for a task and give it back afterwards.

    The training queue decides how many runs go at once; the pool only supplies the processes, starting a
    fresh one when none is idle or when one has died.
    """

    def __init__(self, size: int, nice: int | None = None, warm: bool = True):
        self.size = size
        self._nice = worker_nice() if nice is None else nice
        self._idle: list[Worker] = []
        self._lock = threading.Lock()
        if warm:  # started now, they import JAX while the visitor is still choosing data
            self._idle = [Worker(self._nice) for _ in range(size)]

    def _borrow(self) -> Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker
                worker.close()
        return Worker(self._nice)

    def _give_back(self, worker: Worker) -> None:
        with self._lock:
            if worker.alive and len(self._idle) < self.size:
                self._idle.append(worker)
                return
        worker.close()

    def run(self, fn: Callable, kwargs: dict, should_stop: Callable[[], bool] = lambda: False) -> Generator:
        """Yields the events of `fn(**kwargs)` run by a worker of this pool (see Worker.run), without the Done;
        returns (as the generator's value) what `fn` returned."""
        worker = self._borrow()
        healthy = False
        try:
            for event in worker.run(fn, kwargs, should_stop):
                if isinstance(event, Done):
                    healthy = True
                    return event.value
                yield event
        except RuntimeError as err:
            healthy = not isinstance(err, WorkerDied)
            raise
        finally:
            if healthy:
                self._give_back(worker)
            else:  # a worker that died, or was left mid-task (the generator was closed), is not reused
                worker.close()

    def call(self, fn: Callable, *args: Any) -> Any:
        """Returns `fn(*args)` computed by a worker of this pool (raises RuntimeError with the worker's reason)."""
        events = self.run(_apply, {"fn": fn, "args": args})
        try:
            while True:
                next(events)  # a plain function sends no events, only its Done
        except StopIteration as end:
            return end.value

    def pids(self) -> list[int]:
        """Returns the process ids of the idle workers (for memory reports)."""
        with self._lock:
            return [w.pid for w in self._idle]

    def close(self) -> None:
        """Ends every idle worker."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


def _apply(fn: Callable, args: tuple) -> Any:
    return fn(*args)


def _portable(event):
    """Returns `event` ready to cross the socket: a trained model's parameters as plain NumPy arrays."""
    if type(event).__name__ != "Outcome":
        return event
    import jax

    classifier = replace(event.finished.classifier, params=jax.device_get(event.finished.classifier.params))
    return replace(event, finished=replace(event.finished, classifier=classifier))


def serve(conn: Connection) -> None:
    """The worker's loop: one task at a time until it gets None or the server goes away."""
    kept = KeptSteps()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        task_id, fn, kwargs = message
        if kept.should_forget(steps_key(fn, kwargs)):
            _forget_compiled_steps()
        stopped = False

        def should_stop() -> bool:
            nonlocal stopped
            while not stopped and conn.poll():
                stopped = conn.recv() == (_STOP, task_id)  # a late stop of an earlier task is ignored
            return stopped

        try:
            if "should_stop" in inspect.signature(fn).parameters:
                kwargs = {**kwargs, "should_stop": should_stop}
            value = fn(**kwargs)
            if inspect.isgenerator(value):
                for event in value:
                    conn.send(_portable(event))
                value = None
            conn.send(Done(value))
        except (BrokenPipeError, ConnectionResetError, EOFError):
            return
        except Exception as err:  # noqa: BLE001 - the server shows the reason on the page
            conn.send(Failure(str(err) or type(err).__name__, traceback.format_exc()))


class KeptSteps:
    """Decides when a worker drops the compiled steps JAX keeps in memory: before a task on other data.

    A lesson retrains on the same data again and again; those runs find their steps in memory and start at once
    instead of loading them from the disk cache (0.7 s on 4 topics). Other data has other shapes, and a worker
    that kept every run's steps grew to 0.9 GB in a class: so steps are kept for one data choice only, and for
    at most `runs` tasks on it (each learning rate or network size compiles steps of its own).
    """

    def __init__(self, runs: int = 4):
        self.runs, self._key, self._count = runs, None, 0

    def should_forget(self, key: tuple | None) -> bool:
        """Returns True when the steps kept so far must go before the task with `key` runs (None: a task that
        trains nothing, such as the reference models, which neither drops nor counts)."""
        if key is None:
            return False
        forget = self._key is not None and (key != self._key or self._count >= self.runs)
        if forget or self._key is None:
            self._key, self._count = key, 0
        self._count += 1
        return forget


def steps_key(fn: Callable, kwargs: dict) -> tuple | None:
    """Returns what decides a training task's compiled shapes (the function, its data and its vocabulary
    options), or None for a task that is not training."""
    if "features" not in kwargs:
        return None
    corpus = kwargs.get("corpus")
    return (getattr(fn, "__qualname__", repr(fn)), repr(getattr(corpus, "description", None)),
            repr(kwargs.get("features")))


def _forget_compiled_steps() -> None:
    """Drops the compiled steps JAX keeps in memory; the next run loads its steps from the disk cache."""
    import jax  # already loaded: main() set up its compilation cache

    jax.clear_caches()


def main(argv: list[str]) -> None:
    """Runs a worker on the socket whose file descriptor is argv[0], at nice value argv[1]."""
    try:
        os.nice(int(argv[1]))  # the web server's process comes first on the cores
    except OSError:
        pass
    from textclf.learn.model import enable_compilation_cache

    enable_compilation_cache()
    serve(Connection(int(argv[0])))


if __name__ == "__main__":  # through the package, so what crosses the socket is textclf.serve.workers.Done, not __main__'s
    from textclf.serve import workers

    workers.main(sys.argv[1:])
