"""A training run in a background thread, with a snapshot of its progress that any thread can read."""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import asdict, dataclass, field, replace
from typing import Callable

import jax

from textclf.learn.classifier import Classifier
from textclf.data.corpus import Corpus
from textclf.analysis.evaluate import Evaluation, evaluate_predictions
from textclf.data.features import FeatureConfig
from textclf.limits import SESSION_GONE_SECONDS
from textclf.serve.outcome import Outcome, run_events
from textclf.serve.queue import OwnerWatch, TrainingQueue
from textclf.store.runs import RunInfo, RunStore
from textclf.store.unfinished import RunNote
from textclf.learn.train import EpochEnd, Finished, Started, StepLoss, TrainConfig, refit_steps_at_most
from textclf.serve.workers import WorkerPool


@dataclass
class Progress:
    """What a chart needs, copied out under the job's lock."""

    status: str  # "waiting" | "starting" | "running" | "stopping" | "done" | "failed" | "cancelled"
    step: int = 0
    total_steps: int = 0
    steps_per_epoch: int = 1
    step_losses: list[tuple[int, float]] = field(default_factory=list)  # (step, loss)
    epochs: list[dict] = field(default_factory=list)  # history records
    elapsed: float = 0.0
    message: str = ""
    phase: str = "train"  # "refit": retraining on every training post for the chosen number of epochs
    offset: int = 0  # steps of earlier phases
    refit_steps_per_epoch: int = 0  # steps per epoch of the retraining (more posts: more steps)
    first_step: tuple[int, float] | None = None  # (step, elapsed) when steps began: the pace leaves out compiling
    ahead: int | None = None  # while waiting: runs before this one in the server's queue
    refit_follows: bool = False  # the settings retrain on every training post after this phase (a second part)
    refit_steps_max: int = 0  # during the first part: the most steps the retraining to come can take
    compare_from: int | None = None  # the step where a second model, with word pairs, began (learn.choice)
    compare_epochs: list[dict] = field(default_factory=list)  # that model's history records

    @property
    def refit_from(self) -> int | None:
        """Returns the step where retraining on every training post began, or None without a retraining."""
        return self.offset if self.phase == "refit" else None

    @property
    def _refit_to_come(self) -> int:
        return self.refit_steps_max if self.refit_follows and self.phase in ("train", "compare") else 0

    @property
    def fraction(self) -> float:
        """Returns the share of steps done, 0..1; in a first part, of its steps and the most the retraining takes."""
        total = self.total_steps + self._refit_to_come  # a bar full at the end of part 1 read as "done"
        return min(1.0, self.step / total) if self.total_steps else 0.0

    @property
    def seconds_per_step(self) -> float | None:
        """Returns the pace since steps began, or None before two loss points."""
        if not self.step or self.first_step is None or self.step <= self.first_step[0]:
            return None
        step0, time0 = self.first_step
        return (self.elapsed - time0) / (self.step - step0)

    @property
    def seconds_left(self) -> float | None:
        """Returns an estimate of the remaining training time of this part from the pace so far."""
        pace = self.seconds_per_step
        return None if pace is None or not self.total_steps else pace * (self.total_steps - self.step)

    def describe(self) -> str:
        """Returns one line for a progress bar, e.g. "Epoch 2 of 5 · step 80 of 305 · about 3 s left"."""
        if self.status == "waiting":
            if not self.ahead:
                return "Waiting: yours is the next run to start (the server trains a few at a time)."
            return f"Waiting: {self.ahead} run{'s' if self.ahead != 1 else ''} ahead of you."
        if self.status == "starting":
            return "Preparing the vocabulary ..."
        if self.status == "stopping":
            return "Stopping after this step ..."
        left = self.seconds_left
        if self.phase == "compare":
            return (f"Part 1 of 2, trying word pairs too (the held-back texts choose) · step {self.step:,} of "
                    f"{self.total_steps:,}" + (f" · about {left:.0f} s left" if left is not None else ""))
        if self.phase == "refit":
            return (f"Part 2 of 2: retraining the chosen model on every training post · step {self.step:,} of "
                    f"{self.total_steps:,}" + (f" · about {left:.0f} s left" if left is not None else ""))
        n_epochs = max(1, self.total_steps // max(self.steps_per_epoch, 1))
        epoch = min(self.step // max(self.steps_per_epoch, 1) + 1, n_epochs)
        # A time left that ignores the retraining to come read as a hang when the second part began.
        part = "Part 1 of 2 (then retraining on every training post): " if self.refit_follows else ""
        line = f"{part}Epoch {epoch} of {n_epochs} · step {self.step:,} of {self.total_steps:,}"
        if left is None:
            return line
        line += f" · about {left:.0f} s left{' in this part' if part else ''}"
        if self._refit_to_come:  # its epochs are chosen at the end of this part: at most as many as this part's
            line += (f", then at most {n_epochs} epoch{'s' if n_epochs != 1 else ''} of retraining (up to about "
                     f"{self.seconds_per_step * self._refit_to_come:.0f} s more)")
        return line


@dataclass(frozen=True)
class TrainedModel:
    """A finished (or stopped) run: the model, its test metrics and how training ended."""

    finished: Finished
    evaluation: Evaluation  # on the corpus's test set, computed once
    corpus: Corpus
    features: FeatureConfig
    config: TrainConfig
    run_id: str | None = None  # where it is saved, if it is
    advice: str | None = None  # which setting would help, when the model is unsure on many test texts

    @property
    def classifier(self) -> Classifier:
        """Returns the trained classifier."""
        return self.finished.classifier


@dataclass(frozen=True)
class ModelOnly:
    """A saved run loaded without its data (e.g. a bundle in a new workspace): it can classify and explain texts,
    but has no test texts to be graded on or to pick from."""

    classifier: Classifier
    name: str
    data: dict  # the run's description of its data (``info.data``), e.g. the name of the file it was trained on
    run_id: str | None = None

    @staticmethod
    def data_step(data: dict) -> str:
        """Returns the end of a sentence saying how a run trained on `data` gets its data back, e.g. "upload ..."."""
        if data.get("source") == "20newsgroups":
            return "this server needs the newsgroups (see 1. Data); then load the run again from Saved runs."
        name = data.get("name")
        return (f"upload the file it was trained on{f' ({name})' if name else ''} on 1. Data, then load the run "
                "again from Saved runs.")


def trained_model_from_run(info: RunInfo, classifier: Classifier, corpus: Corpus) -> TrainedModel:
    """Returns a saved run as a TrainedModel, evaluated again on `corpus`'s test set."""
    predictions = classifier.predict(corpus.test_texts)
    evaluation = evaluate_predictions(corpus.test_labels, predictions, corpus.class_names)
    config = info.config.get("train") or {}
    finished = Finished(classifier, list(info.history), info.reason,
                        f"Loaded the saved run \"{info.name}\".", info.train_seconds,
                        split={k: info.data.get(k) for k in ("n_train", "n_val", "n_test")})
    features = FeatureConfig(**(info.config.get("features") or {}))
    known = {k: v for k, v in config.items() if k in TrainConfig.__dataclass_fields__}
    known["hidden"] = tuple(known.get("hidden", (128, 64)))
    return TrainedModel(finished, evaluation, corpus, features, TrainConfig(**known), run_id=info.id)


class TrainingJob:
    """Runs `train` in a daemon thread; `progress()` and `result` are safe to read from any thread.

    With a `store`, the finished (or stopped) run is saved there; a failed save keeps the model in
    memory and leaves the reason in `save_error`. With a `queue`, the run waits for a free slot first.
    With `owner_alive` (e.g. "is a browser tab of this workspace still open?"), a run whose owner has been gone
    for `owner_grace` seconds is stopped (or taken out of the line) and its model is not kept in memory.
    With `workers`, a worker process trains, evaluates and saves the run; this thread relays its events.
    """

    def __init__(self, corpus: Corpus, features: FeatureConfig, config: TrainConfig, store: RunStore | None = None,
                 name: str | None = None, queue: TrainingQueue | None = None,
                 owner_alive: Callable[[], bool] | None = None, owner_grace: float = SESSION_GONE_SECONDS,
                 workers: WorkerPool | None = None, preset: str | None = None):
        self.workers, self.preset = workers, preset  # preset: the form's base, saved with the run
        self.corpus, self.features, self.config = corpus, features, config
        self.store, self.name, self.save_error = store, name, None
        self.queue = queue
        self._owner = OwnerWatch(owner_alive, owner_grace) if owner_alive is not None else None
        self.owner_gone = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._progress = Progress("waiting" if queue is not None else "starting")
        self._started = time.perf_counter()
        self.result: TrainedModel | None = None
        self._thread = threading.Thread(target=self._run, name="textclf-train", daemon=True)
        # Beside the workspace's saved runs while this run goes: a tab that reconnects to another server process
        # after this one dies learns from it that the run ended there (see textclf/store/unfinished.py).
        self._note = RunNote(store.root, config.epochs, name or "your run") if store is not None else None

    def start(self) -> "TrainingJob":
        """Returns self after joining the queue (if any) and starting the thread."""
        if self._note is not None:
            self._note.started()
        if self.queue is not None:
            self.queue.enter(self)  # here, not in the thread: the line keeps the order of the clicks
        self._thread.start()
        return self

    def stop(self) -> None:
        """Asks training to end after the current step (the model trained so far is kept), or leaves the line."""
        self._stop.set()
        cancelled = self.queue is not None and self.queue.leave(self)
        with self._lock:
            if cancelled:
                self._cancel("Cancelled before it started.")
            elif self._progress.status == "running":
                self._progress.status = "stopping"

    def _cancel(self, message: str) -> None:
        self._progress.status, self._progress.message, self._progress.ahead = "cancelled", message, None
        self._progress.elapsed = 0.0

    def _should_stop(self) -> bool:
        if self._stop.is_set():
            return True
        if self._owner is not None and self._owner.gone():
            self.owner_gone = True
            self._stop.set()
            return True
        return False

    def join(self, timeout: float | None = None) -> None:
        """Waits for the thread to end."""
        self._thread.join(timeout)

    @property
    def done(self) -> bool:
        """Returns True once the job has finished, failed or was cancelled."""
        return self._progress.status in ("done", "failed", "cancelled")

    def settings(self) -> dict:
        """Returns the run's settings as a saved run's config holds them (train, features, preset)."""
        return {"train": asdict(self.config), "features": asdict(self.features), "preset": self.preset}

    def progress(self) -> Progress:
        """Returns a copy of the progress so far."""
        ahead = self.queue.ahead(self) if self.queue is not None else None
        with self._lock:
            p = self._progress
            elapsed = p.elapsed if self.done or p.status == "waiting" else time.perf_counter() - self._started
            return Progress(p.status, p.step, p.total_steps, p.steps_per_epoch, list(p.step_losses),
                            list(p.epochs), elapsed, p.message, p.phase, p.offset, p.refit_steps_per_epoch,
                            p.first_step, ahead if p.status == "waiting" else None, self.config.refit,
                            p.refit_steps_max, p.compare_from, list(p.compare_epochs))

    def _run(self) -> None:
        try:
            self._wait_and_train()
        finally:
            if self._note is not None:
                self._note.ended()

    def _wait_and_train(self) -> None:
        if self.queue is not None:
            if not self.queue.wait_turn(self, give_up=self._should_stop):
                with self._lock:
                    self._cancel("Cancelled before it started." if not self.owner_gone else
                                 "Taken out of the line because every browser tab showing it was closed.")
                return
            with self._lock:
                if self._progress.status == "waiting":
                    self._progress.status = "starting"
                self._started = time.perf_counter()  # the waiting time is not training time
        try:
            self._train()
        finally:
            if self.queue is not None:
                self.queue.release(self)

    def _events(self):
        task = {"corpus": self.corpus, "features": self.features, "config": self.config, "store": self.store,
                "name": self.name, "preset": self.preset}
        if self.workers is not None:
            return self.workers.run(run_events, task, self._should_stop)
        return run_events(should_stop=self._should_stop, **task)

    def _train(self) -> None:
        try:
            for event in self._events():
                if not isinstance(event, Outcome):
                    with self._lock:
                        self._apply(event)
                    if isinstance(event, EpochEnd) and self._note is not None and self._progress.phase == "train":
                        self._note.epoch(event.epoch)
                    continue
                with self._lock:
                    self._apply(event.finished)
                self.save_error = event.save_error
                if self.owner_gone:  # nobody is left to look at it: keep it on disk only
                    with self._lock:
                        self._cancel("Stopped because every browser tab showing it was closed"
                                     + ("; the model trained so far is under Saved runs." if event.run_id else "."))
                    return
                finished = event.finished
                if self.workers is not None:  # back from the worker as NumPy: on the device once, not per call
                    classifier = replace(finished.classifier, params=jax.device_put(finished.classifier.params))
                    finished = replace(finished, classifier=classifier)
                self.result = TrainedModel(finished, event.evaluation, self.corpus, self.features, self.config,
                                           event.run_id, event.advice)
                with self._lock:
                    self._progress.status = "done"
                    self._progress.message = finished.message
        except Exception as err:  # noqa: BLE001 - the page shows the reason instead of a dead thread
            with self._lock:
                self._progress.status = "failed"
                self._progress.message = f"Training failed: {err}"
                self._progress.elapsed = time.perf_counter() - self._started
            traceback.print_exc()

    def _apply(self, event) -> None:
        p = self._progress
        p.elapsed = time.perf_counter() - self._started
        if isinstance(event, Started):
            p.status = "stopping" if self._stop.is_set() else "running"
            if event.phase == "refit":  # the curve goes on; the chart's epochs stay those of the first phase
                p.phase, p.offset, p.total_steps = "refit", p.step, p.step + event.total_steps
                p.refit_steps_per_epoch = event.steps_per_epoch
            elif event.phase == "compare":  # word pairs tried too: the curve goes on, the bar counts both options
                p.phase, p.offset, p.total_steps = "compare", p.step, p.step + event.total_steps
                p.compare_from = p.step
            else:
                p.total_steps, p.steps_per_epoch = event.total_steps, event.steps_per_epoch
                p.refit_steps_max = refit_steps_at_most(event.n_train, event.n_val, self.config)
        elif isinstance(event, StepLoss):
            p.step = p.offset + event.step
            if p.first_step is None:
                p.first_step = (p.step, p.elapsed)
            p.step_losses.append((p.step, event.loss))
        elif isinstance(event, EpochEnd) and p.phase in ("train", "compare"):
            (p.epochs if p.phase == "train" else p.compare_epochs).append(
                {"epoch": event.epoch, "train_loss": event.train_loss, "train_accuracy": event.train_accuracy,
                 "val_accuracy": event.val_accuracy})


class JobStillRunning(RuntimeError):
    """A new run was asked for while the previous one of the same session is still going."""


def start_next(previous: TrainingJob | None, job: TrainingJob) -> TrainingJob:
    """Returns `job`, started; raises JobStillRunning (starting nothing) while `previous` has not ended.

    A session holds one run at a time: replacing a running job would lose it unsaved.
    """
    if previous is not None and not previous.done:
        raise JobStillRunning("a training run is still going: wait for it to end, or press Stop first")
    return job.start()
