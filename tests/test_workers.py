"""Training and the reference models in worker processes: same results, Stop, failures, a killed worker."""

import os
import signal
import time

import numpy as np
import pytest

from textclf.analysis.baselines import run_baselines
from textclf.data import Corpus
from textclf.data.features import FeatureConfig
from textclf.serve.jobs import TrainingJob
from textclf.serve.outcome import Outcome, run_events
from textclf.store.runs import RunStore
from textclf.learn.train import StepLoss, TrainConfig
from textclf.serve.workers import KeptSteps, WorkerDied, WorkerPool, steps_key

SMALL = TrainConfig(hidden=(16,), epochs=3, batch_size=8, learning_rate=1e-2)
ENDLESS = TrainConfig(hidden=(16,), epochs=5000, batch_size=8, learning_rate=1e-3)


@pytest.fixture(scope="module")
def pool():
    workers = WorkerPool(1, nice=5)
    yield workers
    workers.close()


def wait_until(condition, seconds=120.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_worker_trains_exactly_what_a_thread_trains(tiny_corpus, pool, tmp_path):
    store = RunStore(tmp_path)
    in_worker = TrainingJob(tiny_corpus, FeatureConfig(), SMALL, store=store, name="w", workers=pool).start()
    in_worker.join(120)
    in_thread = TrainingJob(tiny_corpus, FeatureConfig(), SMALL).start()
    in_thread.join(120)
    assert in_worker.progress().status == "done", in_worker.progress().message
    a, b = in_worker.result.classifier, in_thread.result.classifier
    probe = tiny_corpus.test_texts
    np.testing.assert_allclose(a.predict_proba(probe), b.predict_proba(probe), atol=1e-6)
    assert in_worker.result.evaluation.accuracy == in_thread.result.evaluation.accuracy
    assert [e["epoch"] for e in in_worker.progress().epochs] == [1, 2, 3]
    assert in_worker.progress().step_losses == in_thread.progress().step_losses
    # The worker saved it: the run is on disk under the id the job reports.
    assert in_worker.result.run_id and [r.id for r in store.list()] == [in_worker.result.run_id]


def test_the_worker_runs_at_a_lower_priority(pool):
    worker = pool._borrow()
    try:
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 5
    finally:
        pool._give_back(worker)


def test_stop_reaches_the_worker_and_a_late_stop_does_not_stop_the_next_run(tiny_corpus, pool):
    job = TrainingJob(tiny_corpus, FeatureConfig(), ENDLESS, workers=pool).start()
    wait_until(lambda: job.progress().step > 0)
    job.stop()
    job.join(120)
    assert job.progress().status == "done" and job.result.finished.reason == "stopped"
    events = list(pool.run(run_events, {"corpus": tiny_corpus, "features": FeatureConfig(), "config": SMALL}))
    assert isinstance(events[-1], Outcome) and events[-1].finished.reason == "completed"
    assert sum(isinstance(e, StepLoss) for e in events) >= 1


def test_a_failing_run_says_why_in_one_line_and_the_worker_goes_on(tiny_corpus, pool):
    empty = Corpus(["!!!", "???", "...", ";;;"] * 5, np.array([0, 1] * 10), ["!!"] * 4, np.array([0, 1] * 2),
                   ("a", "b"), {"source": "punctuation"})
    job = TrainingJob(empty, FeatureConfig(), SMALL, workers=pool).start()
    job.join(120)
    p = job.progress()
    assert p.status == "failed" and p.message.startswith("Training failed:") and "\n" not in p.message
    again = TrainingJob(tiny_corpus, FeatureConfig(), SMALL, workers=pool).start()
    again.join(120)
    assert again.progress().status == "done"


def test_a_killed_worker_fails_its_run_and_the_next_run_gets_a_fresh_one(tiny_corpus):
    workers = WorkerPool(1, nice=0)
    try:
        job = TrainingJob(tiny_corpus, FeatureConfig(), ENDLESS, workers=workers).start()
        wait_until(lambda: job.progress().step > 0)
        busy = set(_children()) - set(workers.pids())
        assert busy, "the run's worker is a child of this process"
        for pid in busy:
            os.kill(pid, signal.SIGKILL)
        job.join(60)
        p = job.progress()
        assert p.status == "failed" and "ended unexpectedly" in p.message
        again = TrainingJob(tiny_corpus, FeatureConfig(), SMALL, workers=workers).start()
        again.join(120)
        assert again.progress().status == "done"
    finally:
        workers.close()


def test_a_function_call_in_a_worker_returns_its_value(tiny_corpus, pool):
    there, here = pool.call(run_baselines, tiny_corpus), run_baselines(tiny_corpus)
    assert {k: (v["accuracy"], v["setting"]) for k, v in there.items()} == {
        k: (v["accuracy"], v["setting"]) for k, v in here.items()}
    with pytest.raises(RuntimeError) as err:
        pool.call(int, "not a number")
    assert not isinstance(err.value, WorkerDied) and "invalid literal" in str(err.value)


def _children() -> list[int]:
    """Returns the process ids of this process's living children."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me and fields[0] != "Z":
                found.append(int(entry))
    return found


def test_workers_keep_few_memory_arenas(pool):
    worker = pool._borrow()
    try:
        environ = open(f"/proc/{worker.pid}/environ", "rb").read().split(b"\0")
        assert b"MALLOC_ARENA_MAX=2" in environ or os.environ.get("MALLOC_ARENA_MAX")
    finally:
        pool._give_back(worker)


def test_a_worker_keeps_compiled_steps_for_one_data_choice_only():
    kept = KeptSteps(runs=3)
    tutorial, other = ("run_events", "4 topics", "words"), ("run_events", "20 topics", "words")
    assert [kept.should_forget(tutorial) for _ in range(3)] == [False, False, False], "retraining keeps its steps"
    assert kept.should_forget(None) is False, "the reference models neither drop nor count"
    assert kept.should_forget(tutorial) is True, "after `runs` tasks on the same data they go all the same"
    assert kept.should_forget(tutorial) is False
    assert kept.should_forget(other) is True, "other data: other shapes, so the old steps go first"
    assert kept.should_forget(other) is False


def test_the_steps_key_names_the_data_and_vocabulary_of_a_training_task(tiny_corpus):
    task = {"corpus": tiny_corpus, "features": FeatureConfig(), "config": SMALL}
    assert steps_key(run_events, task) == steps_key(run_events, {**task, "config": ENDLESS}), \
        "settings of the loop do not change the data's shapes"
    assert steps_key(run_events, task) != steps_key(run_events, {**task, "features": FeatureConfig(max_features=50)})
    assert steps_key(run_baselines, {"corpus": tiny_corpus}) is None
