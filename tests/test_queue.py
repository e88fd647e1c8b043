"""The server's training queue: N at a time, first come first served, Cancel, and runs of closed tabs stopped."""

import threading
import time

import pytest

from textclf.data.features import FeatureConfig
from textclf.serve.jobs import TrainingJob
from textclf.limits import MAX_TRAININGS_ENV, max_trainings
from textclf.serve.queue import OwnerWatch, TrainingQueue
from textclf.learn.train import TrainConfig


class FakeJob(TrainingJob):
    """A job whose "training" lasts until the test lets it finish; records the order in which jobs trained."""

    order: list[str] = []

    def __init__(self, name, queue, **kwargs):
        super().__init__(None, FeatureConfig(), TrainConfig(), name=name, queue=queue, **kwargs)
        self.finish = threading.Event()
        self.training = threading.Event()

    def _train(self) -> None:
        with self._lock:
            self._progress.status = "running"
        FakeJob.order.append(self.name)
        self.training.set()
        self.finish.wait(10)
        with self._lock:
            self._progress.status = "done"


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_one_slot_three_jobs_wait_in_order_and_cancel_leaves_the_line():
    FakeJob.order = []
    queue = TrainingQueue(slots=1)
    first, second, third = (FakeJob(n, queue).start() for n in ("first", "second", "third"))
    first.training.wait(5)
    assert first.progress().status == "running"
    assert second.progress().status == "waiting" and second.progress().ahead == 0
    assert third.progress().ahead == 1
    assert third.progress().describe() == "Waiting: 1 run ahead of you."
    assert queue.counts() == (1, 2)

    second.stop()  # Cancel while waiting
    assert second.progress().status == "cancelled" and second.done
    assert third.progress().ahead == 0
    assert "next" in third.progress().describe()
    assert queue.counts() == (1, 1)

    first.finish.set()
    third.training.wait(5)
    assert third.progress().status == "running"
    third.finish.set()
    third.join(5)
    assert FakeJob.order == ["first", "third"]  # the cancelled one never trained
    assert queue.counts() == (0, 0)


def test_two_slots_let_two_train_and_keep_arrival_order():
    FakeJob.order = []
    queue = TrainingQueue(slots=2)
    jobs = [FakeJob(f"job{i}", queue).start() for i in range(5)]
    wait_until(lambda: queue.counts() == (2, 3))
    assert [j.progress().ahead for j in jobs[2:]] == [0, 1, 2]
    for job in jobs:
        job.finish.set()
        job.join(5)
    assert FakeJob.order == [f"job{i}" for i in range(5)]


def test_waiting_message_counts_runs_ahead():
    queue = TrainingQueue(slots=1)
    jobs = [FakeJob(f"job{i}", queue).start() for i in range(4)]
    jobs[0].training.wait(5)
    assert jobs[3].progress().describe() == "Waiting: 2 runs ahead of you."
    for job in jobs:
        job.finish.set()
    for job in jobs:
        job.join(5)


def test_waiting_job_of_a_closed_tab_leaves_the_line():
    FakeJob.order = []
    queue = TrainingQueue(slots=1)
    busy = FakeJob("busy", queue).start()
    busy.training.wait(5)
    tab_open = True
    orphan = FakeJob("orphan", queue, owner_alive=lambda: tab_open, owner_grace=0.2).start()
    later = FakeJob("later", queue).start()
    assert later.progress().ahead == 1
    tab_open = False
    orphan.join(5)
    assert orphan.progress().status == "cancelled" and orphan.owner_gone
    assert later.progress().ahead == 0
    busy.finish.set()
    later.finish.set()
    later.join(5)
    assert FakeJob.order == ["busy", "later"]


def test_running_job_of_a_closed_tab_is_stopped_and_frees_its_slot(tiny_corpus):
    queue = TrainingQueue(slots=1)
    tab_open = threading.Event()
    tab_open.set()
    config = TrainConfig(hidden=(8,), epochs=200, batch_size=4, log_every=2)
    job = TrainingJob(tiny_corpus, FeatureConfig(), config, queue=queue, owner_alive=tab_open.is_set,
                      owner_grace=0.0).start()
    wait_until(lambda: job.progress().step > 0, timeout=120)
    tab_open.clear()
    job.join(60)
    assert job.done and job.owner_gone
    p = job.progress()
    assert p.status == "cancelled" and "was closed" in p.message
    assert p.step < p.total_steps  # stopped long before its 200 epochs
    assert job.result is None  # not kept in memory: nobody is left to look at it
    assert queue.counts() == (0, 0)


def test_owner_watch_waits_for_the_grace_period():
    now = [0.0]
    alive = [True]
    watch = OwnerWatch(lambda: alive[0], grace=30, clock=lambda: now[0])
    assert not watch.gone()
    alive[0] = False
    assert not watch.gone()
    now[0] = 29
    assert not watch.gone()
    alive[0] = True  # the tab reconnected: the clock starts again
    assert not watch.gone()
    alive[0] = False
    now[0] = 40
    assert not watch.gone()
    now[0] = 70
    assert watch.gone()


def test_max_trainings_from_the_environment(monkeypatch):
    monkeypatch.setenv(MAX_TRAININGS_ENV, "3")
    assert max_trainings() == 3 and TrainingQueue().slots == 3
    monkeypatch.delenv(MAX_TRAININGS_ENV)
    assert max_trainings() >= 1
    monkeypatch.setenv(MAX_TRAININGS_ENV, "0")
    with pytest.raises(ValueError, match=MAX_TRAININGS_ENV):
        max_trainings()


def test_live_views_refresh_less_often_when_more_runs_train_or_wait_than_slots():
    queue = TrainingQueue(slots=2)
    assert queue.refresh_seconds(0.5) == 0.5  # an idle server: as often as asked
    tickets = [object() for _ in range(8)]
    for ticket in tickets:
        queue.enter(ticket)
    assert queue.refresh_seconds(0.5) == 1.5  # 8 runs for 2 slots: less often, but at least every 1.5 s
    assert queue.refresh_seconds(0.5, longest=4.0) == 2.0  # a quarter as often
    assert queue.refresh_seconds(2.0) == 2.0  # a view slower than the cap by design keeps its pace
    for ticket in tickets[:6]:
        queue.leave(ticket)
    assert queue.refresh_seconds(0.5) == 0.5
