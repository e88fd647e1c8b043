"""The Train page as a class uses it: one run at a time, teacher links that hold, honest results and references."""

import dataclasses
import functools
import re
import threading
import time

import pytest

from views import common, server
from tests.test_app import (linked_train_page, new_app, on_page, start_lesson, texts,
                            tiny_model)  # noqa: F401 - tiny_model is a fixture
from textclf.data import Corpus
from textclf.analysis.evaluate import evaluate_predictions
from textclf.data.features import FeatureConfig
from textclf.serve.jobs import JobStillRunning, TrainedModel, TrainingJob, start_next
from textclf.learn.train import TrainConfig
from textclf.serve.workers import PROCESSES_ENV


def press_train(at, hidden: str, epochs: int, batch_size: int) -> TrainingJob:
    """Sets the network, epochs and batch size, presses Train and returns the job it started."""
    at.text_input(key="hidden_text").set_value(hidden)
    at.number_input(key="epochs").set_value(epochs)
    at.number_input(key="batch_size").set_value(batch_size)
    train_button(at).click()
    at.run()
    assert not at.exception, at.exception
    return at.session_state["job"]


def long_run(at) -> TrainingJob:
    """Presses Train with settings that keep the run going until stopped; returns the job."""
    job = press_train(at, "16", 200, 1)
    assert not job.done
    return job


def train_button(at):
    return [b for b in at.button if b.label == "Train"][0]


def finish(job: TrainingJob) -> None:
    job.stop()
    job.join(60)


def other_corpus(corpus: Corpus, name: str) -> Corpus:
    """Returns a different data set of the same shape (the texts reversed), named like an uploaded file."""
    return Corpus([t[::-1] for t in corpus.train_texts], corpus.train_labels, [t[::-1] for t in corpus.test_texts],
                  corpus.test_labels, corpus.class_names, {"source": "csv", "name": name})


def test_train_is_disabled_while_a_run_goes(tiny_corpus):
    at = on_page("views/train.py", tiny_corpus)
    job = long_run(at)
    try:
        assert train_button(at).disabled, "Train is disabled in the very redraw that follows the click"
        at.run()
        assert train_button(at).disabled and at.session_state["job"] is job
    finally:
        finish(job)
    at.run()
    assert not train_button(at).disabled


def test_the_core_refuses_to_replace_a_running_job(tiny_corpus):
    config = TrainConfig(hidden=(8,), epochs=200, batch_size=1)
    first = TrainingJob(tiny_corpus, FeatureConfig(), config).start()
    second = TrainingJob(tiny_corpus, FeatureConfig(), TrainConfig(hidden=(8,), epochs=1, batch_size=8))
    try:
        with pytest.raises(JobStillRunning, match="still going"):
            start_next(first, second)
        assert second.progress().status == "starting" and not first.done, "nothing started, nothing lost"
    finally:
        finish(first)
    assert start_next(first, second) is second
    second.join(60)
    assert second.result is not None


def test_a_hidden_setup_keeps_train_disabled_and_hides_the_preset_and_the_link(tiny_corpus):
    at = linked_train_page({"epochs": "200", "batch_size": "1", "hide": "hyperparameters"}, tiny_corpus)
    assert not at.exception, at.exception
    assert not at.button_group, "no Tutorial/Recommended switch to replace the teacher's settings"
    assert not at.code, "no link that would show the hidden values"
    train_button(at).click()
    at.run()
    job = at.session_state["job"]
    try:
        assert train_button(at).disabled
        assert job.config.epochs == 200
    finally:
        finish(job)


def test_the_copied_link_carries_the_settings_as_they_are_now(tiny_corpus):
    at = on_page("views/train.py", tiny_corpus)
    assert not at.get("form"), "settings in an st.form reach the server only on Train, so a link would miss them"
    at.number_input(key="epochs").set_value(3).run()
    assert "epochs=3" in at.code[0].value
    assert "cannot carry your own file" in "\n".join(w.value for w in at.warning)


def test_after_a_data_change_the_last_run_is_not_shown_as_this_datas(tiny_corpus):
    at = on_page("views/train.py", tiny_corpus)
    at.text_input(key="hidden_text").set_value("8")
    at.number_input(key="epochs").set_value(1)
    train_button(at).click()
    at.run()
    at.session_state["job"].join(60)
    at.run()
    assert "Training took" in texts(at)
    at.session_state["custom_corpus"] = other_corpus(tiny_corpus, "tickets.csv")
    at.run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Training took" not in shown and "Your last run was trained on **tiny synthetic corpus**" in shown
    assert not at.get("plotly_chart"), "the old run's chart is not drawn next to the new data"


def test_reference_models_never_block_the_page(tiny_corpus, monkeypatch):
    release = threading.Event()

    def slow_baselines(corpus):
        assert release.wait(60)
        return {"nb": {"name": "Slow reference", "setting": "alpha=1, words", "accuracy": 0.5, "macro_f1": 0.5,
                       "seconds": 1.0}}

    monkeypatch.setattr(server, "run_baselines", slow_baselines)
    monkeypatch.setenv(PROCESSES_ENV, "0")  # a function defined here cannot be sent to another process
    server._baseline_work.clear()  # earlier tests computed the real ones for this data
    corpus = other_corpus(tiny_corpus, "slow.csv")
    at = new_app()
    at.session_state["custom_corpus"] = corpus
    at.run()
    at.switch_page("views/train.py")
    at.run(timeout=20)  # the reference models are still running: the page must not wait for them
    assert not at.exception, at.exception
    assert "Computing the reference models in the background" in texts(at)
    release.set()
    assert server.baseline_work(corpus).wait(30)
    at.run()
    assert [m.label for m in at.metric] == ["Slow reference"]


def test_early_stopping_is_not_reported_as_a_stop(tiny_corpus, tiny_model):
    finished = dataclasses.replace(tiny_model.finished, reason="early_stopping", best_epoch=2)
    model = TrainedModel(finished, tiny_model.evaluation, tiny_corpus, tiny_model.features, tiny_model.config)
    at = on_page("views/evaluate.py", tiny_corpus, model)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "stopped early" not in shown and "ended early" not in shown
    assert "early stopping chose epoch 2" in shown
    first = tiny_model.finished.history[:1]
    stopped = TrainedModel(dataclasses.replace(tiny_model.finished, reason="stopped", history=first,
                                               message="Stopped by request after epoch 1."),
                           tiny_model.evaluation, tiny_corpus, tiny_model.features, tiny_model.config)
    shown = texts(on_page("views/evaluate.py", tiny_corpus, stopped))
    planned = tiny_model.finished.planned_epochs
    assert f"This model is unfinished: you stopped it after epoch 1 of {planned}." in shown
    assert "Stopped by request" not in shown and "unfinished (stopped by you)" not in shown  # said once


def test_labels_from_files_never_become_links(tiny_corpus, tiny_model):
    evil = "[x](http://evil.example) <a href='http://evil.example'>y</a>"
    names = (evil, "cars", "hockey")
    corpus = dataclasses.replace(tiny_corpus, class_names=names, description={"source": "csv", "name": evil})
    ev = evaluate_predictions(corpus.test_labels, tiny_model.evaluation.predictions, names)
    model = TrainedModel(tiny_model.finished, ev, corpus, tiny_model.features, tiny_model.config)
    for page in ("views/data.py", "views/train.py", "views/evaluate.py"):
        at = on_page(page, corpus, model)
        assert not at.exception, at.exception
        shown = texts(at)
        assert "](http://evil" not in shown and not re.search(r"(?<!\\)<a href", shown), page
        for chart in at.get("plotly_chart"):
            assert "<a href" not in chart.proto.spec, page


@pytest.mark.parametrize("archive", ["missing", "truncated"])
def test_lesson_without_readable_data_says_so(archive, tmp_path, monkeypatch):
    path = tmp_path / "20news-bydate.tar.gz"
    if archive == "truncated":
        path.write_bytes(b"\x1f\x8b\x08\x00" + b"\0" * 100)
    monkeypatch.setenv("TEXTCLF_20NEWS_ARCHIVE", str(path))
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "empty_cache"))
    common.load_corpus.clear()
    at = new_app()
    at.session_state["categories"] = ["sci.crypt", "sci.med"]
    at.run()
    at.switch_page("views/lesson.py").run()
    for button in [b for b in at.button if b.label == "Run the lesson"]:
        button.click()
        at.run()
    assert not at.exception, at.exception
    assert "cannot be loaded" in texts(at)


def test_the_per_class_table_shows_every_row_without_scrolling(tiny_corpus, tiny_model, monkeypatch):
    import streamlit as st

    calls, original = [], st.dataframe

    def recording(data, *args, **kwargs):
        calls.append((getattr(data, "data", data), kwargs))
        return original(data, *args, **kwargs)

    monkeypatch.setattr(st, "dataframe", recording)
    at = on_page("views/evaluate.py", tiny_corpus, tiny_model)
    assert not at.exception, at.exception
    report = [(frame, kwargs) for frame, kwargs in calls if "precision" in getattr(frame, "columns", [])]
    assert report, "the per-class report is drawn"
    frame, kwargs = report[-1]
    # Sized to its content: every row shows, and no empty strip under the last (a pixel count left one).
    assert kwargs.get("height") == "content", kwargs


def test_the_tab_icon_is_not_fetched_from_the_internet(monkeypatch):
    import streamlit as st

    icons, original = [], st.set_page_config

    def recording(*args, **kwargs):
        icons.append(kwargs.get("page_icon"))
        return original(*args, **kwargs)

    monkeypatch.setattr(st, "set_page_config", recording)
    at = new_app().run()
    assert not at.exception, at.exception
    # Streamlit's browser side loads a ":material/...:" tab icon from fonts.gstatic.com; an emoji is drawn locally.
    assert icons and not any(str(icon).startswith(":material") for icon in icons)


def test_lesson_button_is_disabled_while_its_runs_go(archive_path):
    at = start_lesson(["rec.autos", "rec.sport.hockey"])
    jobs = at.session_state["lesson_jobs"]
    try:
        assert [b for b in at.button if b.label == "Run the lesson"][0].disabled
    finally:
        for job in jobs.values():
            finish(job)


def test_time_left_leaves_out_the_time_before_the_first_step():
    from textclf.serve.jobs import Progress

    # 20 s went into the vocabulary and compiling; then 5 steps took 5 s: 100 steps left take about 100 s
    p = Progress("running", step=10, total_steps=110, elapsed=25.0, first_step=(5, 20.0))
    assert p.seconds_left == 100.0
    assert Progress("running", step=5, total_steps=110, elapsed=20.0, first_step=(5, 20.0)).seconds_left is None


def test_a_run_with_a_retraining_to_come_says_it_is_in_part_one_of_two():
    """Recommended runs showed "about 5 s left", then a retraining phase as long again began: it read as a hang."""
    from textclf.serve.jobs import Progress

    first = Progress("running", step=10, total_steps=110, steps_per_epoch=10, elapsed=25.0, first_step=(5, 20.0),
                     refit_follows=True).describe()
    assert first.startswith("Part 1 of 2 (then retraining on every training post): Epoch 2 of 11")
    assert first.endswith("about 100 s left in this part")
    second = Progress("running", step=130, total_steps=200, phase="refit", offset=110, refit_follows=True)
    assert second.describe().startswith("Part 2 of 2: retraining the chosen model on every training post")
    plain = Progress("running", step=10, total_steps=110, steps_per_epoch=10, elapsed=25.0, first_step=(5, 20.0))
    assert plain.describe() == "Epoch 2 of 11 · step 10 of 110 · about 100 s left"


def test_the_chart_is_rebuilt_only_when_the_run_has_news(tiny_corpus, monkeypatch):
    from textclf import plots

    built = []

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    real = plots.training_figure
    monkeypatch.setattr(plots, "training_figure", counting)
    job = TrainingJob(tiny_corpus, FeatureConfig(),
                      TrainConfig(hidden=(8,), epochs=2, batch_size=8)).start()
    job.join(120)
    at = new_app()
    at.session_state["custom_corpus"] = tiny_corpus
    at.session_state["job"] = job
    at.run()
    at.switch_page("views/train.py").run()
    assert not at.exception, at.exception
    at.run()  # a redraw with nothing new: the figure from the last draw is reused
    assert "Training took" in texts(at) and len(built) == 1


def test_a_second_tab_of_the_workspace_follows_the_run_going(tiny_corpus, monkeypatch):
    """A second tab said "not trained yet" with Train enabled while the first tab's run went."""
    # In a thread: the suite's shared worker pool may hold a worker an earlier test ended (its run would fail).
    monkeypatch.setattr(server, "training_workers", lambda: None)
    at = on_page("views/train.py", tiny_corpus)
    job = long_run(at)
    try:
        second = new_app()
        second.query_params["ws"] = at.session_state["workspace"]
        second.session_state["custom_corpus"] = tiny_corpus
        second.run()
        second = second.switch_page("views/train.py").run()
        assert not second.exception, second.exception
        assert second.session_state["job"] is job
        assert train_button(second).disabled and any(b.label == "Stop" for b in second.button)
        stranger = on_page("views/train.py", tiny_corpus)  # another workspace sees nothing of it
        assert stranger.session_state["job"] is None and not train_button(stranger).disabled
    finally:
        finish(job)
    second.run()
    assert not train_button(second).disabled


def test_a_run_goes_on_while_any_tab_of_its_workspace_is_open(tiny_corpus, monkeypatch):
    """Closing the tab that started a run stopped it, though a second tab of the workspace was following it."""
    import streamlit as st

    from textclf.serve import jobs
    from textclf.serve import queue

    monkeypatch.setattr(server, "training_workers", lambda: None)
    open_tabs = {"first": True, "second": True}
    monkeypatch.setattr(server, "session_alive", lambda: (lambda tab=st.session_state["test_tab"]: open_tabs[tab]))
    monkeypatch.setattr(jobs, "OwnerWatch", lambda alive, grace: queue.OwnerWatch(alive, 0.0))  # no 30 s of grace
    first = new_app()
    first.session_state["test_tab"], first.session_state["custom_corpus"] = "first", tiny_corpus
    first.run()
    first = first.switch_page("views/train.py").run()
    job = long_run(first)
    try:
        second = new_app()
        second.query_params["ws"] = first.session_state["workspace"]
        second.session_state["test_tab"], second.session_state["custom_corpus"] = "second", tiny_corpus
        second.run()
        assert second.session_state["job"] is job
        wait_for(lambda: job.progress().step > 0)
        open_tabs["first"] = False
        step = job.progress().step
        wait_for(lambda: job.done or job.progress().step > step + 20)
        assert not job.done and not job.owner_gone  # the second tab watches: it goes on
        open_tabs["second"] = False  # the last tab of the workspace is gone: the run is abandoned
        job.join(60)
        assert job.done and job.owner_gone and job.progress().status == "cancelled"
        assert job not in server.training_queue()._running  # its slot is free for others
    finally:
        finish(job)


def wait_for(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_part_one_also_estimates_the_retraining_to_come():
    """Part 1 said "about 100 s left in this part" and nothing of the retraining after it, which may take longer."""
    from textclf.serve.jobs import Progress

    # 1 s a step; the retraining runs at most this part's 11 epochs of 15 steps (its posts include validation's)
    p = Progress("running", step=10, total_steps=110, steps_per_epoch=10, elapsed=25.0, first_step=(5, 20.0),
                 refit_follows=True, refit_steps_max=165)
    assert p.describe().endswith("about 100 s left in this part, then at most 11 epochs of retraining "
                                 "(up to about 165 s more)")
    assert p.fraction == 10 / (110 + 165)  # the bar is not full when part 1 ends
    refit = dataclasses.replace(p, phase="refit", offset=110, step=130, total_steps=200, first_step=(5, 20.0),
                                elapsed=145.0)
    assert refit.describe().endswith("step 130 of 200 · about 70 s left") and refit.fraction == 130 / 200


def test_the_bound_on_the_retraining_holds_for_a_real_run(tiny_corpus):
    config = TrainConfig(hidden=(8,), epochs=3, batch_size=7, refit=True, val_fraction=0.2, log_every=2)
    job = TrainingJob(tiny_corpus, FeatureConfig(), config).start()
    seen = []
    while not job.done:
        p = job.progress()
        if p.phase == "train" and p.total_steps:
            seen.append(p.refit_steps_max)
        time.sleep(0.005)
    job.join(120)
    p = job.progress()
    assert p.status == "done" and p.phase == "refit", p.message
    # 120 posts in batches of 7: 18 steps an epoch, at most 3 epochs
    assert seen and set(seen) == {54} and p.refit_steps_per_epoch * config.epochs == 54
    assert p.total_steps - p.offset <= 54


def quick_run(at) -> TrainingJob:
    """Presses Train with settings that end within seconds; waits for the run and redraws; returns the job."""
    job = press_train(at, "8", 2, 8)
    job.join(120)
    at.run()
    assert not at.exception, at.exception
    return job


def second_tab(at, corpus, page: str = "views/train.py"):
    """Returns a new session of `at`'s workspace (another browser tab, or a reload), on `page`."""
    tab = new_app()
    tab.query_params["ws"] = at.session_state["workspace"]
    tab.session_state["custom_corpus"] = corpus
    tab.run()
    tab = tab.switch_page(page).run()
    assert not tab.exception, tab.exception
    return tab


def tick_fragments(at, monkeypatch) -> None:
    """Reruns only `at`'s fragments, as their run_every timers do in a browser (AppTest has no timers)."""
    from streamlit.testing.v1 import local_script_runner

    ids = list(at._fragment_storage._fragments)
    assert ids, "no fragment would ever redraw this idle tab"
    with monkeypatch.context() as m:
        m.setattr(local_script_runner, "RerunData", functools.partial(
            local_script_runner.RerunData, fragment_id_queue=ids, is_fragment_scoped_rerun=True))
        at.run()
    assert not at.exception, at.exception


def test_an_idle_tab_notices_a_new_run_of_its_workspace(tiny_corpus, monkeypatch):
    """A second tab showing the last result kept showing it while the first tab trained anew: idle tabs never rerun."""
    monkeypatch.setattr(server, "training_workers", lambda: None)
    at = on_page("views/train.py", tiny_corpus)
    old = quick_run(at)
    second = second_tab(at, tiny_corpus)
    shown = second.session_state["model"]
    assert shown is not None and not train_button(second).disabled
    tick_fragments(second, monkeypatch)  # nothing new: the tab stays as it is
    assert second.session_state["job"] is None and second.session_state["model"] is shown
    job = long_run(at)
    try:
        assert job is not old
        tick_fragments(second, monkeypatch)  # the tab is idle: only its timers run
        assert second.session_state["job"] is job
        assert train_button(second).disabled and any(b.label == "Stop" for b in second.button)
    finally:
        finish(job)


def test_a_reloaded_tab_starts_with_the_run_its_workspace_just_trained(tiny_corpus, monkeypatch):
    """A reload after training said "none loaded in this tab": the run just trained had to be found by hand."""
    monkeypatch.setattr(server, "training_workers", lambda: None)
    at = on_page("views/train.py", tiny_corpus)
    job = quick_run(at)
    assert job.result.run_id
    reloaded = second_tab(at, tiny_corpus, "views/evaluate.py")
    model = reloaded.session_state["model"]
    assert model is not None and model.run_id == job.result.run_id
    note = [c.value for c in reloaded.sidebar.caption if c.value.startswith("Loaded your latest run:")]
    assert len(note) == 1 and "8 units, 2 epochs" in note[0] and note[0].endswith("Other runs are under Saved runs.")
    assert "none loaded in this tab" not in texts(reloaded)
    stranger = on_page("views/evaluate.py", tiny_corpus)  # another workspace loads nothing
    assert stranger.session_state["model"] is None
    own = new_app()  # a tab with a model of its own keeps it
    own.query_params["ws"] = at.session_state["workspace"]
    own.session_state["custom_corpus"], own.session_state["model"] = tiny_corpus, at.session_state["model"]
    own.run()
    assert own.session_state["model"] is at.session_state["model"] and "latest_loaded" not in own.session_state


def test_lock_and_hide_choices_outlive_a_visit_to_another_page(tiny_corpus):
    at = on_page("views/train.py", corpus=tiny_corpus)
    at.multiselect(key="share_locks").set_value(["hyperparameters"]).run()
    at.multiselect(key="share_hides").set_value(["data"]).run()
    at.switch_page("views/data.py").run()
    at.switch_page("views/train.py").run()
    assert not at.exception, at.exception
    assert at.multiselect(key="share_locks").value == ["hyperparameters"]
    assert at.multiselect(key="share_hides").value == ["data"]
    link = at.get("code")[0].value
    assert "lock=hyperparameters" in link and "hide=data" in link, link


def test_a_model_no_better_than_guessing_says_so_on_train():
    from tests.plain_tickets import plain_tickets_csv
    from textclf.data.own_files import corpus_from_table, read_table

    frame = read_table(plain_tickets_csv())
    corpus, _ = corpus_from_table(frame, "text", "label", test_share=0.2, name="tickets.csv")
    at = new_app()
    at.session_state["custom_corpus"] = corpus
    at.run()
    at.switch_page("views/train.py").run()
    job = press_train(at, "8", 2, 8)
    job.join(120)
    at.run()
    assert not at.exception, at.exception
    accuracy = job.result.evaluation.accuracy
    assert accuracy < 0.5  # 12 test rows of three teams, words barely shared between rows
    tips = [i.value for i in at.info if "not clearly better than always answering the most common class" in i.value]
    assert tips and tips[0].startswith(f"{accuracy:.1%} on 12 test texts") and ". Try the Recommended preset" in tips[0]
