"""Saved runs: save, list, load, rename and delete; ids checked before the disk is touched; names never become paths."""

import builtins
import io
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from textclf.store import runs
from textclf.store.modelfiles import META_FILE, PARAMS_FILE
from textclf.store.runs import RUN_ID, RunInfo, RunNotFound, RunStore, runs_dir

TEXTS = ["Apple banana, apple!", "the engine's brake", "puck puck goalie", "nothing known here"]


@pytest.fixture(autouse=True)
def no_user_folder(tmp_path, monkeypatch):
    """Points the default runs folder into tmp_path, so no test can write to the user's data folder."""
    monkeypatch.setenv(runs.RUNS_ENV, str(tmp_path / "default-runs"))


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs")


def _metrics(classifier):
    from textclf.analysis.evaluate import evaluate_predictions

    return evaluate_predictions(np.array([0, 1, 2, 0]), classifier.predict(TEXTS), classifier.class_names).to_json()


def _save(store, classifier, name="tiny run", **changes):
    kwargs = dict(name=name, data={"source": "tiny synthetic corpus", "n_train": 108}, metrics=_metrics(classifier),
                  history=classifier.info["history"], train_seconds=1.5, reason="completed")
    return store.save(classifier, **{**kwargs, **changes})


def test_save_writes_model_and_description(store, tiny_classifier):
    info = _save(store, tiny_classifier)
    assert RUN_ID.fullmatch(info.id) and info.path == store.root / info.id
    assert sorted(os.listdir(store.root)) == [info.id]  # no temporary folder left behind
    assert sorted(os.listdir(info.path)) == ["model", "run.json"]
    assert sorted(os.listdir(info.path / "model")) == [META_FILE, PARAMS_FILE]
    run = json.loads((info.path / "run.json").read_text())
    assert run["id"] == info.id and run["name"] == "tiny run" and run["reason"] == "completed"
    assert run["config"] == json.loads(json.dumps({"train": tiny_classifier.info["train_config"],
                                                   "features": tiny_classifier.info["feature_config"]}))
    assert run["history"] == tiny_classifier.info["history"]
    assert run["data"] == {"source": "tiny synthetic corpus", "n_train": 108}
    metrics = run["metrics"]
    assert set(metrics) >= {"test_accuracy", "macro_f1", "confusion_matrix", "class_names", "val_accuracy"}
    assert metrics["class_names"] == list(tiny_classifier.class_names)
    assert info.created.tzinfo is not None and run["created"].endswith("+00:00")
    assert info.id.startswith(info.created.strftime("%Y%m%d-%H%M%S"))


def test_accuracies(store, tiny_classifier):
    history = [{"epoch": 1, "val_accuracy": 0.5}, {"epoch": 2, "val_accuracy": 0.75}, {"epoch": 3, "val_accuracy": 0.6}]
    info = _save(store, tiny_classifier, history=history, metrics={**_metrics(tiny_classifier), "accuracy": 0.25})
    assert info.val_accuracy == 0.75  # the best epoch, not the last
    assert info.test_accuracy == 0.25
    no_val = _save(store, tiny_classifier, history=[{"epoch": 1, "val_accuracy": None}])
    assert no_val.val_accuracy is None


def test_list_is_newest_first_and_survives_a_restart(store, tiny_classifier):
    first = _save(store, tiny_classifier, name="first")
    second = _save(store, tiny_classifier, name="second")
    third = _save(store, tiny_classifier, name="third")
    assert [r.name for r in store.list()] == ["third", "second", "first"]
    assert len({first.id, second.id, third.id}) == 3
    restarted = RunStore(store.root)
    assert restarted.list() == store.list()
    assert restarted.get(second.id) == second
    assert restarted.skipped == []


def test_load_gives_the_same_predictions(store, tiny_classifier):
    info = _save(store, tiny_classifier)
    loaded = RunStore(store.root).load_classifier(info.id)
    np.testing.assert_array_equal(loaded.predict(TEXTS), tiny_classifier.predict(TEXTS))
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), tiny_classifier.predict_proba(TEXTS), atol=1e-3)
    assert loaded.class_names == tiny_classifier.class_names


def test_rename(store, tiny_classifier):
    info = _save(store, tiny_classifier)
    renamed = store.rename(info.id, "  better\nname  ")
    assert renamed.name == "better name"
    assert RunStore(store.root).get(info.id).name == "better name"
    assert renamed.id == info.id and renamed.metrics == info.metrics and renamed.history == info.history
    assert sorted(os.listdir(info.path)) == ["model", "run.json"]  # no temporary file left


def test_delete(store, tiny_classifier):
    keep = _save(store, tiny_classifier, name="keep")
    gone = _save(store, tiny_classifier, name="gone")
    store.delete(gone.id)
    assert [r.id for r in store.list()] == [keep.id]
    assert sorted(os.listdir(store.root)) == [keep.id]
    with pytest.raises(RunNotFound, match="no saved run"):
        store.get(gone.id)
    with pytest.raises(RunNotFound):
        store.delete(gone.id)
    with pytest.raises(RunNotFound):
        store.load_classifier(gone.id)


def test_unknown_id_is_not_found(store):
    assert store.list() == []  # the root does not exist yet
    with pytest.raises(RunNotFound, match="20000101-000000-abcdef"):
        store.get("20000101-000000-abcdef")
    with pytest.raises(KeyError):  # RunNotFound is a KeyError, for callers that treat runs as a mapping
        store.rename("20000101-000000-abcdef", "x")


def _no_file_access(monkeypatch):
    def refuse(*args, **kwargs):
        pytest.fail(f"the file system was touched with {args!r}")

    for module, names in [(os, ["stat", "lstat", "scandir", "listdir", "open", "rename", "replace", "remove",
                                "unlink", "rmdir", "mkdir", "makedirs"]),
                          (builtins, ["open"]), (io, ["open"]), (shutil, ["rmtree", "copytree"])]:
        for name in names:
            monkeypatch.setattr(module, name, refuse)


BAD_IDS = ["../../etc", "/tmp", "", "x" * 500, "..", ".", "20261128-153012-a1b2c3/../..", "20261128-153012-A1B2C3",
           "20261128-153012-a1b2c3\n", " 20261128-153012-a1b2c3", "20261128-153012-a1b2c", None, 42]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("method", ["get", "load_classifier", "delete", "rename"])
def test_bad_ids_are_refused_before_any_file_access(store, bad, method, monkeypatch):
    args = (bad, "new name") if method == "rename" else (bad,)
    with monkeypatch.context() as m:
        _no_file_access(m)
        with pytest.raises(RunNotFound) as err:
            getattr(store, method)(*args)
    message = str(err.value)
    assert "is not a run id" in message and len(message) < 200


def test_file_access_guard_works(store, monkeypatch):
    with monkeypatch.context() as m:
        _no_file_access(m)
        with pytest.raises(pytest.fail.Exception):
            store.get("20261128-153012-a1b2c3")  # well formed, so the store looks on disk


@pytest.mark.parametrize("name, stored", [
    ("../../evil", "../../evil"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ("a/b", "a/b"),
    ("con", "con"),
    ("C:\\Windows\\x", "C:\\Windows\\x"),
    ("x" * 10_000, "x" * 100),
    ("bell\x07 null\x00 esc\x1b[31m", "bell null esc[31m"),
    ("\u202eevil\u202c", "evil"),
    ("  ", None),
    ("", None),
    (None, None),
])
def test_hostile_names_stay_in_run_json(store, tiny_classifier, name, stored):
    info = _save(store, tiny_classifier, name=name)
    assert os.listdir(store.root) == [info.id]
    assert sorted(os.listdir(info.path)) == ["model", "run.json"]
    assert not (store.root.parent / "evil").exists()
    expected = stored if stored is not None else f"Run of {info.created.day} {info.created:%b %H:%M}"
    assert info.name == expected
    assert json.loads((info.path / "run.json").read_text())["name"] == expected
    assert 1 <= len(info.name) <= 100


def test_damaged_run_folders_are_skipped(store, tiny_classifier):
    good = _save(store, tiny_classifier)
    for broken, damage in [("20260101-000000-aaaaaa", None), ("20260101-000000-bbbbbb", "{not json"),
                           ("20260101-000000-cccccc", "[1, 2]"), ("20260101-000000-dddddd", "\udcff")]:
        folder = shutil.copytree(good.path, store.root / broken)
        if damage is None:
            (folder / "run.json").unlink()
        else:
            (folder / "run.json").write_bytes(damage.encode("utf-8", "surrogateescape"))
    copied = shutil.copytree(good.path, store.root / "20260101-000000-eeeeee")  # run.json names another id
    no_model = shutil.copytree(good.path, store.root / "20260101-000000-ffffff")
    (no_model / "model" / PARAMS_FILE).unlink()
    (store.root / "20260101-000000-777777").write_text("a file, not a folder")
    (store.root / "notes").mkdir()
    (store.root / ".saving-half").mkdir()  # a save in progress (or one that crashed)
    assert [r.id for r in store.list()] == [good.id]
    assert sorted(name for name, _ in store.skipped) == [f"20260101-000000-{c * 6}" for c in "abcdef"]
    assert all(reason for _, reason in store.skipped)
    assert copied.name in dict(store.skipped)
    with pytest.raises(RunNotFound, match="damaged"):
        store.get("20260101-000000-bbbbbb")


def test_a_crash_while_saving_leaves_no_run(store, tiny_classifier, monkeypatch):
    def crash(classifier, folder):
        Path(folder).mkdir(parents=True)
        (Path(folder) / PARAMS_FILE).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(runs.modelfiles, "save_model", crash)
    with pytest.raises(OSError, match="disk full"):
        _save(store, tiny_classifier)
    assert store.list() == [] and store.skipped == []
    assert os.listdir(store.root) == []


def test_runs_dir_respects_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(runs.RUNS_ENV, str(tmp_path / "chosen"))
    assert runs_dir() == tmp_path / "chosen" and (tmp_path / "chosen").is_dir()
    store = RunStore()
    assert store.root == tmp_path / "chosen"


@pytest.mark.parametrize("platform, env, expected", [
    ("linux", {"XDG_DATA_HOME": "xdg"}, "xdg/textclf/runs"),
    ("linux", {"XDG_DATA_HOME": "relative/ignored"}, "home/.local/share/textclf/runs"),
    ("linux", {}, "home/.local/share/textclf/runs"),
    ("darwin", {}, "home/Library/Application Support/textclf/runs"),
    ("win32", {"LOCALAPPDATA": "local"}, "local/textclf/runs"),
])
def test_runs_dir_defaults_to_the_user_data_folder(tmp_path, monkeypatch, platform, env, expected):
    monkeypatch.delenv(runs.RUNS_ENV)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "platform", platform)
    for key, value in env.items():
        monkeypatch.setenv(key, value if value.startswith("relative") else str(tmp_path / value))
    assert runs_dir() == tmp_path / expected
    assert (tmp_path / expected).is_dir()


def test_run_info_is_frozen(store, tiny_classifier):
    info = _save(store, tiny_classifier)
    with pytest.raises(AttributeError):
        info.name = "changed"
    assert isinstance(info, RunInfo) and info.model_dir == info.path / "model"


@pytest.mark.parametrize("damage, says", [
    (lambda r: r["config"].update(train=[1, 2]), "config/train"),
    (lambda r: r["data"].update(categories=12), "data/categories"),
    (lambda r: r.update(data="a string"), "data"),
    (lambda r: r["history"][0].pop("epoch"), "'epoch' is a required property"),
    (lambda r: r["metrics"].update(macro_f1="very good"), "metrics/macro_f1"),
    (lambda r: r.update(name={"nested": [1]}), "name"),
])
def test_hostile_run_json_on_disk_is_listed_as_damaged_with_its_reason(store, tiny_classifier, damage, says):
    good = _save(store, tiny_classifier, name="good")
    bad = _save(store, tiny_classifier, name="bad")
    run = json.loads((bad.path / "run.json").read_text())
    damage(run)
    (bad.path / "run.json").write_text(json.dumps(run))
    assert [r.id for r in store.list()] == [good.id]
    assert list(dict(store.skipped)) == [bad.id] and says in dict(store.skipped)[bad.id]
    store.delete(bad.id)  # a damaged run can still be removed
    assert store.list()[0].id == good.id and store.skipped == []


def test_a_deeply_nested_run_json_never_takes_the_list_down(store, tiny_classifier, monkeypatch):
    good = _save(store, tiny_classifier, name="good")
    bad = _save(store, tiny_classifier, name="bad")
    (bad.path / "run.json").write_text("[" * 2_000_000 + "]" * 2_000_000)
    huge = _save(store, tiny_classifier, name="huge")
    (huge.path / "run.json").write_bytes(b" " * (5 * 2**20) + b"{}")
    assert [r.id for r in store.list()] == [good.id]
    reasons = dict(store.skipped)
    assert "levels deep" in reasons[bad.id] and "over its limit" in reasons[huge.id]
    with pytest.raises(RunNotFound, match="damaged"):
        store.get(bad.id)


def test_a_run_stopped_by_the_user_is_kept_and_marked_partial(store, tiny_classifier):
    stopped = _save(store, tiny_classifier, reason="stopped")
    done = _save(store, tiny_classifier, reason="early_stopping")
    assert stopped.partial and not done.partial
    assert json.loads((stopped.path / "run.json").read_text())["partial"] is True
    assert {r.id: r.partial for r in RunStore(store.root).list()} == {stopped.id: True, done.id: False}


def test_runs_folder_under_a_regular_file_is_reported_not_raised(tmp_path, tiny_classifier, monkeypatch):
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv(runs.RUNS_ENV, str(tmp_path / "afile" / "runs"))
    store = RunStore()  # no NotADirectoryError here: training must still start
    assert "cannot be used" in store.problem() and str(tmp_path / "afile") in store.problem()
    assert store.list() == []
    with pytest.raises(OSError):
        _save(store, tiny_classifier)


def test_a_run_that_would_be_refused_when_listed_is_not_written(store, tiny_classifier):
    with pytest.raises(ValueError, match="metrics/class_names/0"):
        _save(store, tiny_classifier, metrics={"class_names": ["x" * 5000, "b", "c"]})
    assert store.list() == [] and store.skipped == [] and not store.root.exists()


def test_a_training_job_stopped_by_the_user_saves_a_partial_run(store, tiny_corpus):
    from textclf.data.features import FeatureConfig
    from textclf.serve.jobs import TrainingJob
    from textclf.learn.train import TrainConfig

    job = TrainingJob(tiny_corpus, FeatureConfig(), TrainConfig(hidden=(8,), epochs=200, batch_size=8), store=store)
    job.start()
    job.stop()
    job.join(120)
    assert job.result is not None and job.result.finished.reason == "stopped"
    [run] = store.list()
    assert run.partial and run.id == job.result.run_id


def test_runs_table_and_comparison(store, tiny_classifier):
    done = _save(store, tiny_classifier, "done")
    stopped = _save(store, tiny_classifier, "stopped", reason="stopped")
    from textclf.store import run_tables

    table = run_tables.runs_table([("yours", done), ("class", stopped)])
    assert list(table["name"]) == ["done", "stopped (partial)"] and list(table["from"]) == ["yours", "class"]
    assert list(table["run id"]) == [done.id, stopped.id]
    # What tells runs apart is in view at 1280 px without scrolling sideways: name, data, test accuracy, date,
    # in widths that fit the page's 820 px beside the sidebar (with the tick box column).
    assert list(table.columns[:4]) == ["name", "data", "test", "when"] == list(run_tables.RUNS_WIDTHS)
    assert 32 + sum(run_tables.RUNS_WIDTHS.values()) <= 820
    assert table["epochs"][0] == len(done.history) and table["test"][0] == done.test_accuracy
    assert table["preset"][0] == "Tutorial" and table["hidden units"][0] == "16"
    assert run_tables.runs_table([]).columns[-1] == "run id"  # an empty list still has its columns


def test_unique_name_numbers_names_already_taken():
    assert runs.unique_name("4 topics", []) == "4 topics"
    assert runs.unique_name("4 topics", ["4 topics"]) == "4 topics (2)"
    assert runs.unique_name("4 topics", ["4 topics", "4 topics (2)", "other"]) == "4 topics (3)"
    long = "x" * runs.MAX_NAME
    assert runs.unique_name(long, [long]) == "x" * (runs.MAX_NAME - 4) + " (2)"


def test_saved_run_names_say_where_a_stopped_run_stopped_and_never_repeat(store, tiny_corpus, tiny_classifier):
    from textclf.serve.outcome import base_name, finish_run
    from textclf.learn.train import Finished, TrainConfig

    history = tiny_classifier.info["history"]  # 3 epochs of 3 planned
    base = base_name({"source": "tiny synthetic corpus"}, TrainConfig(hidden=(16,), epochs=3))
    assert base.endswith(", 16 units") and "epoch" not in base
    done = Finished(tiny_classifier, history, "completed", "Finished 3 epochs.", 1.0)
    stopped = Finished(tiny_classifier, history[:1], "stopped", "Stopped by request after epoch 1.", 1.0)
    first = finish_run(tiny_corpus, done, store, base)
    second = finish_run(tiny_corpus, done, store, base)
    third = finish_run(tiny_corpus, stopped, store, base)
    names = {r.id: r.name for r in store.list()}
    accuracy = f"{first.evaluation.accuracy:.1%}"
    assert names[first.run_id] == f"{base}, 3 epochs: test {accuracy}"
    assert names[second.run_id] == f"{base}, 3 epochs: test {accuracy} (2)"
    assert names[third.run_id] == f"{base}, stopped after epoch 1 of 3: test {third.evaluation.accuracy:.1%}"
    assert "3 epochs" not in names[third.run_id]


def test_a_run_keeps_every_setting_of_its_form_and_old_runs_still_load(store, tiny_classifier):
    """The preset the form started from was not saved, so a loaded run could not show it."""
    info = _save(store, tiny_classifier, preset="recommended")
    assert info.config["preset"] == "recommended"
    assert info.config["train"]["epochs"] == 3 and info.config["features"]["scaling"] == "count"
    run_file = info.path / runs.RUN_FILE
    old = json.loads(run_file.read_text(encoding="utf-8"))
    del old["config"]["preset"]  # as every earlier version wrote it
    run_file.write_text(json.dumps(old), encoding="utf-8")
    assert "preset" not in store.get(info.id).config and store.skipped == []
    assert "preset" not in _save(store, tiny_classifier, name="no preset").config
