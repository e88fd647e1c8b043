"""A run whose server process dies: the note it leaves in the workspace, and the sentence a reconnected tab shows."""

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.test_app import new_app
from textclf.learn.train import TrainConfig
from textclf.serve.jobs import TrainingJob
from textclf.serve.queue import TrainingQueue
from textclf.store.unfinished import PREFIX, RunNote, interrupted
from textclf.store.workspaces import workspace_store

ROOT = Path(__file__).resolve().parent.parent
WS = "u" * 32


def notes(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{PREFIX}*.json"))


def note_of_a_process_that_died(folder: Path, epoch: int, epochs: int = 5, name: str = "4 topics, 5 epochs") -> None:
    """Leaves the note of a run that a separate Python process had going, then ends that process."""
    code = ("import sys; from pathlib import Path; from textclf.store.unfinished import RunNote; "
            f"n = RunNote(Path(sys.argv[1]), {epochs}, {name!r}); n.started(); n.epoch({epoch})")
    subprocess.run([sys.executable, "-c", code, str(folder)], cwd=ROOT, check=True, timeout=60)


def test_a_live_process_note_is_left_alone_and_removed_when_the_run_ends(tmp_path):
    note = RunNote(tmp_path, 5, "mine")
    note.started()
    note.epoch(2)
    assert len(notes(tmp_path)) == 1
    assert interrupted(tmp_path) == []  # this process is alive: its run is not lost
    assert len(notes(tmp_path)) == 1
    note.ended()
    assert notes(tmp_path) == []


def test_a_dead_process_run_is_told_once_with_its_epoch(tmp_path):
    note_of_a_process_that_died(tmp_path, epoch=3)
    [lost] = interrupted(tmp_path)
    assert (lost.epoch, lost.epochs, lost.name) == (3, 5, "4 topics, 5 epochs")
    assert "after epoch 3 of 5" in lost.sentence() and "Press Train" in lost.sentence()
    assert notes(tmp_path) == [] and interrupted(tmp_path) == []


def test_a_killed_process_not_yet_reaped_counts_as_gone(tmp_path):
    code = ("import sys; from pathlib import Path; from textclf.store.unfinished import RunNote; "
            "n = RunNote(Path(sys.argv[1]), 5, 'zombie'); n.started(); n.epoch(1)")
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT)
    try:
        stat = Path(f"/proc/{child.pid}/stat")
        deadline = time.monotonic() + 60
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "Z":  # exited, and nobody has waited for it
            assert time.monotonic() < deadline, "the child did not end"
            time.sleep(0.05)
        [lost] = interrupted(tmp_path)
        assert (lost.name, lost.epoch) == ("zombie", 1)
    finally:
        child.wait()


def test_a_reused_pid_does_not_keep_a_dead_run_alive(tmp_path):
    note = RunNote(tmp_path, 4, "old")
    note.started()
    path = notes(tmp_path)[0]
    content = json.loads(path.read_text())
    content["pid_start"] = "1"  # our pid, but a process that started at another time held it
    path.write_text(json.dumps(content))
    [lost] = interrupted(tmp_path)
    assert lost.epoch == 0 and "before its first epoch ended" in lost.sentence()


def test_a_torn_note_is_dropped_without_an_error(tmp_path):
    (tmp_path / f"{PREFIX}broken.json").write_text('{"pid": ')
    (tmp_path / f"{PREFIX}list.json").write_text("[1, 2]")
    assert interrupted(tmp_path) == []
    assert notes(tmp_path) == []


def test_a_missing_workspace_folder_has_nothing_to_tell(tmp_path):
    assert interrupted(tmp_path / "never-made") == []
    assert not (tmp_path / "never-made").exists()


def test_a_job_notes_itself_while_it_waits_and_removes_the_note_when_it_ends(tiny_corpus, tmp_path):
    from textclf.data.features import FeatureConfig

    store = workspace_store(WS, tmp_path)
    queue = TrainingQueue(slots=1)
    queue.enter("someone else")  # the only slot is taken: the job waits in line
    assert queue.wait_turn("someone else")
    job = TrainingJob(tiny_corpus, FeatureConfig(), TrainConfig(hidden=(8,), epochs=2, batch_size=8), store=store,
                      name="waiting run", queue=queue).start()
    deadline = time.monotonic() + 30
    while not notes(store.root) and time.monotonic() < deadline:
        time.sleep(0.05)
    [path] = notes(store.root)
    assert json.loads(path.read_text())["name"] == "waiting run"
    job.stop()
    job.join(30)
    assert job.done and notes(store.root) == []


def test_a_finished_job_leaves_no_note(tiny_corpus, tmp_path):
    from textclf.data.features import FeatureConfig

    store = workspace_store(WS, tmp_path)
    job = TrainingJob(tiny_corpus, FeatureConfig(), TrainConfig(hidden=(8,), epochs=2, batch_size=8), store=store,
                      name="quick").start()
    job.join(120)
    assert job.progress().status == "done"
    assert notes(store.root) == [] and len(store.list()) == 1


def test_a_tab_that_comes_back_after_a_restart_says_so_once(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path / "runs"))
    store = workspace_store(WS)
    note_of_a_process_that_died(store.root, epoch=2, epochs=8, name="[x](http://evil.example) run")
    at = new_app()
    at.query_params["ws"] = WS
    at.run()
    warned = [w.value for w in at.sidebar.warning]
    assert any("The server restarted" in w and "after epoch 2 of 8" in w for w in warned), warned
    assert all("](http" not in w for w in warned), warned  # the run's name is shown as typed, not as a link
    assert not at.exception
    at.run()  # the same tab keeps telling it until it trains again
    assert any("The server restarted" in w.value for w in at.sidebar.warning)
    again = new_app()  # another tab later: it was told already
    again.query_params["ws"] = WS
    again.run()
    assert not any("The server restarted" in w.value for w in again.sidebar.warning)
