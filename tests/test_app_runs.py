"""The Saved runs page: private workspaces, runs after training, load, rename, delete, ticks kept by run id."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app import new_app, on_page, texts
from textclf.markdown_text import plain
from textclf.store.bundles import bundle_bytes
from textclf.store.runs import RunStore
from textclf.learn.train import TrainConfig, run_to_end, train
from textclf.store.workspaces import new_workspace, published_store, valid_workspace, workspace_store

WS = "w" * 32  # a well-formed workspace id
TEACHER = "a-long-enough-teacher-token"


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path / "runs"))
    return workspace_store(WS)


@pytest.fixture(scope="module")
def tiny_finished(tiny_corpus):
    return run_to_end(train(tiny_corpus, config=TrainConfig(hidden=(8,), epochs=2, batch_size=8)))


def save(store, finished, name, corpus=None, reason="completed"):
    data = dict(corpus.description) if corpus is not None else {"source": "tiny synthetic corpus"}
    return store.save(finished.classifier, name=name, data=data, history=finished.history, metrics={"accuracy": 0.5},
                      train_seconds=1.0, reason=reason)


@pytest.fixture
def saved_run(store, tiny_finished):
    return save(store, tiny_finished, "first <b>try</b>")


def runs_page(corpus=None, ws=WS, teacher=None) -> AppTest:
    at = new_app()
    if corpus is not None:
        at.session_state["custom_corpus"] = corpus
    if ws is not None:
        at.query_params["ws"] = ws
    if teacher is not None:
        at.query_params["teacher"] = teacher
    at.run()
    return at.switch_page("views/runs.py").run()


def tick(at, *names):
    """Ticks the rows of the runs with these names, as a click in the table does."""
    table = at.dataframe[0]
    shown = list(table.value["name"])
    at.session_state[table.key] = {"selection": {"rows": [shown.index(n) for n in names], "columns": [],
                                                 "cells": []}}
    return at.run()


def press(at, label):
    [b for b in at.button if b.label == label][0].click()
    return at.run()


def confirm_and_delete(at, run_id):
    """Ticks the run's confirmation box, then presses Delete, as a user does."""
    at.checkbox(key=f"confirm_{run_id}").check()
    at.run()
    return press(at, "Delete")


def names(at):
    return list(at.dataframe[0].value["name"])


def test_empty_store_says_how_runs_appear(store):
    at = runs_page()
    assert not at.exception
    assert "No saved runs yet" in texts(at)


def test_first_visit_gets_a_private_workspace_in_the_address(store):
    at = new_app().run()
    ws = at.query_params["ws"]
    ws = ws[0] if isinstance(ws, list) else ws
    assert valid_workspace(ws) and len(ws) >= 32 and at.session_state["workspace"] == ws
    other = new_app().run().query_params["ws"]
    assert other != ws  # every visitor their own
    bad = new_app()
    bad.query_params["ws"] = "../../etc"
    bad.run()
    assert valid_workspace(bad.session_state["workspace"]) and bad.session_state["workspace"] != "../../etc"
    assert not bad.exception and "unknown link parameter" not in texts(bad)


def test_two_workspaces_do_not_see_each_others_runs(store, tiny_finished):
    save(store, tiny_finished, "mine")
    save(workspace_store(new_workspace()), tiny_finished, "someone else's")
    at = runs_page()
    assert names(at) == ["mine"]
    stranger = runs_page(ws=new_workspace())
    assert "No saved runs yet" in texts(stranger)


def train_one_small_epoch(at) -> None:
    """Presses Train on the Train page with 8 units for 1 epoch and waits for the run to end."""
    at.text_input(key="hidden_text").set_value("8")
    at.number_input(key="epochs").set_value(1)
    at.button[0].click()
    at.run()
    at.session_state["job"].join(60)
    at.run()


def test_training_on_the_train_page_saves_into_the_workspace(store, tiny_corpus):
    at = on_page("views/train.py", tiny_corpus)
    ws = at.session_state["workspace"]
    train_one_small_epoch(at)
    assert "Saved under Saved runs" in texts(at)
    runs = workspace_store(ws).list()  # a new store object: what a restarted server would read
    assert len(runs) == 1 and runs[0].data["source"] == "tiny synthetic corpus"
    assert RunStore().list() == []  # not in the plain (command line) store
    at.switch_page("views/runs.py").run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 1


def test_a_selected_run_can_be_renamed_and_deleted(store, saved_run):
    at = tick(runs_page(), "first <b>try</b>")
    assert not at.exception, at.exception
    assert at.get("download_button"), "a selected run offers its bundle for download"
    at.text_input(key=f"rename_{saved_run.id}").set_value("second try")
    press(at, "Rename")
    assert store.get(saved_run.id).name == "second try"
    confirm_and_delete(at, saved_run.id)
    assert store.list() == []


def test_the_ticked_run_is_kept_by_id_when_a_row_is_added(store, tiny_finished):
    save(store, tiny_finished, "older")
    save(store, tiny_finished, "ticked")
    at = tick(runs_page(), "ticked")
    assert "ticked" in texts(at)
    elsewhere = save(workspace_store(new_workspace()), tiny_finished, "uploaded")  # the newest run: listed first
    at.file_uploader(key="bundle_upload").upload("run.zip", bundle_bytes(elsewhere.path), "application/zip").run()
    assert "Added the run" in texts(at)
    assert sorted(names(at)) == ["older", "ticked", "uploaded"]
    ticked = [r for r in store.list() if r.name == "ticked"][0]
    at.text_input(key=f"rename_{ticked.id}").set_value("renamed")
    press(at, "Rename")
    assert sorted(r.name for r in store.list()) == ["older", "renamed", "uploaded"]


def test_the_ticked_run_is_kept_by_id_when_another_is_deleted(store, tiny_finished):
    newest = save(store, tiny_finished, "newest")  # saved first, but listed by date: make it the newest
    ticked = save(store, tiny_finished, "ticked")
    last = save(store, tiny_finished, "to delete")
    at = tick(runs_page(), "ticked")
    store.delete(last.id)  # e.g. from another tab
    store.delete(newest.id)
    at.run()
    assert names(at) == ["ticked"]
    confirm_and_delete(at, ticked.id)
    assert store.list() == []


def test_partial_runs_are_marked_and_can_be_hidden(store, tiny_finished):
    save(store, tiny_finished, "complete")
    save(store, tiny_finished, "stopped early", reason="stopped")
    at = runs_page()
    assert sorted(names(at)) == ["complete", "stopped early (partial)"]
    at.toggle(key="show_partial").set_value(False)
    at.run()
    assert names(at) == ["complete"]


def test_damaged_folders_are_listed_with_a_reason_and_deletable(store, tiny_finished):
    import json

    keep = save(store, tiny_finished, "fine")
    for i, damage in enumerate([lambda r: r["config"].update(train=[1]), lambda r: r["data"].update(categories=3),
                                lambda r: r["metrics"].update(macro_f1="x")]):
        bad = save(store, tiny_finished, f"bad {i}")
        run = json.loads((bad.path / "run.json").read_text())
        damage(run)
        (bad.path / "run.json").write_text(json.dumps(run))
    deep = save(store, tiny_finished, "deep")
    (deep.path / "run.json").write_text("[" * 100_000)
    at = runs_page()
    assert not at.exception, at.exception
    assert names(at) == ["fine"]
    assert texts(at).count("Damaged run folder") == 4 and "levels deep" in texts(at)
    for _ in range(4):
        press(at, "Delete")
        assert not at.exception
    assert [r.id for r in store.list()] == [keep.id] and store.skipped == []
    assert "Damaged run folder" not in texts(at)


def test_published_runs_are_read_only_for_students_and_managed_by_the_teacher(store, tiny_finished, monkeypatch):
    monkeypatch.setenv("TEXTCLF_TEACHER_TOKEN", TEACHER)
    save(store, tiny_finished, "lesson run")
    teacher = tick(runs_page(teacher=TEACHER), "lesson run")
    assert "teacher" not in teacher.query_params  # never left in a projected address bar
    press(teacher, "Publish to class")
    assert [r.name for r in published_store().list()] == ["lesson run"]

    student = tick(runs_page(ws=new_workspace()), "lesson run")
    assert names(student) == ["lesson run"]
    assert not [b for b in student.button if b.label in ("Rename", "Delete", "Publish to class", "Unpublish")]
    assert "only your own runs can be renamed or deleted" in texts(student)
    fake = tick(runs_page(ws=new_workspace(), teacher="a-wrong-token-of-some-length"), "lesson run")
    assert not [b for b in fake.button if b.label == "Unpublish"]

    teacher = tick(runs_page(teacher=TEACHER), "lesson run")
    shown = list(teacher.dataframe[0].value["from"])
    assert sorted(shown) == ["class", "yours"]
    at = runs_page(teacher=TEACHER)
    table = at.dataframe[0]
    row = list(table.value["from"]).index("class")
    at.session_state[table.key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    press(at, "Unpublish")
    assert published_store().list() == []


def test_loading_a_run_of_the_current_data_makes_it_the_model(store, tiny_corpus, tiny_finished):
    from dataclasses import replace

    corpus = replace(tiny_corpus, description=dict(tiny_corpus.description, name="tiny"))
    run = save(store, tiny_finished, "loadable", corpus)
    at = tick(runs_page(corpus), "loadable")
    press(at, "Load into Evaluate and Explain")
    assert not at.exception, at.exception
    assert "Loaded \"loadable\"" in texts(at)
    assert at.session_state["model"].run_id == run.id
    at.switch_page("views/evaluate.py").run()
    assert not at.exception and any(m.label == "Test accuracy" for m in at.metric)


def test_runs_folder_under_a_file_is_reported_and_training_still_works(tmp_path, monkeypatch, tiny_corpus):
    (tmp_path / "afile").write_text("not a folder")
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path / "afile" / "runs"))
    at = runs_page()
    assert not at.exception, at.exception
    assert "Saving runs does not work here" in texts(at) and "Training still works" in texts(at)
    at = on_page("views/train.py", tiny_corpus)
    train_one_small_epoch(at)
    assert not at.exception, at.exception
    assert at.session_state["job"].result is not None  # trained and kept in the session
    assert "could not be saved" in texts(at)


@pytest.fixture
def media(monkeypatch):
    """Keeps the files AppTest serves (downloads), which it otherwise drops after each run; returns a reader."""
    import os

    from streamlit.testing.v1 import app_test
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    storages = []

    def keeping(*args, **kwargs):
        storages.append(MemoryMediaFileStorage(*args, **kwargs))
        return storages[-1]

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", keeping)

    def read(button) -> bytes:
        file_id = os.path.splitext(button.proto.url.rsplit("/", 1)[-1])[0]
        return [s._files_by_id[file_id] for s in storages if file_id in s._files_by_id][-1].content

    return read


def download(at, label):
    found = [d for d in at.get("download_button") if d.proto.label == label]
    assert found, f"no download button {label!r}"
    return found[0]


def test_the_runs_table_downloads_as_a_spreadsheet_safe_csv(store, tiny_finished, media):
    import csv
    import io

    first = save(store, tiny_finished, "=SUM(1,2)")
    second = save(store, tiny_finished, "plain ünïcode")
    at = runs_page()
    assert not at.exception, at.exception
    button = download(at, "Download this table (CSV)")
    raw = media(button)
    assert raw.startswith("\ufeff".encode())  # a BOM, so Excel reads the accents
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    by_id = {r["run id"]: r for r in rows}
    assert set(by_id) == {first.id, second.id}
    assert by_id[first.id]["name"] == "'=SUM(1,2)"  # never read as a formula
    assert by_id[second.id]["name"] == "plain ünïcode" and by_id[second.id]["from"] == "yours"
    assert float(by_id[first.id]["epochs"]) == len(tiny_finished.history)

    at = tick(at, "=SUM(1,2)", "plain ünïcode")  # two ticked: their comparison downloads too
    rows = list(csv.DictReader(io.StringIO(media(download(at, "Download the comparison (CSV)")).decode("utf-8-sig"))))
    columns = list(rows[0])[2:]  # one column per run, named after it
    assert sorted(columns) == sorted([f"'=SUM(1,2) ({first.id[-6:]})", f"plain ünïcode ({second.id[-6:]})"])


def in_page_order(at):
    """Returns the main area's elements as (type, label or value) in the order the page draws them."""
    out = []

    def walk(node):
        children = getattr(node, "children", None)
        if children:
            for i in sorted(children):
                walk(children[i])
        else:
            proto = getattr(node, "proto", None)
            out.append((node.type, getattr(proto, "label", "") or str(getattr(node, "value", ""))[:40]))

    walk(at.main)
    return out


def test_a_ticked_runs_actions_come_before_its_curves(store, saved_run):
    """At 720 px the two curve charts filled the screen under the table; Load, Download and Rename were out of view."""
    at = tick(runs_page(), "first <b>try</b>")
    shown = in_page_order(at)
    kinds = [kind for kind, _ in shown]
    load = shown.index(("button", "Load into Evaluate and Explain"))
    assert load < kinds.index("plotly_chart"), shown
    assert kinds.index(at.dataframe[0].type) < load  # right under the table


def test_a_new_tab_of_a_workspace_says_it_has_saved_runs(store, tiny_finished):
    """A new tab (or a reload) of a workspace said "Model: not trained yet" although the workspace had saved runs."""
    save(store, tiny_finished, "first")
    save(store, tiny_finished, "second")
    at = new_app()
    at.query_params["ws"] = WS
    at.run()
    assert not at.exception, at.exception
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    assert "not trained yet" not in sidebar
    assert "none loaded in this tab" in sidebar and "**2 saved runs**" in sidebar
    assert any("Saved runs" in str(link.proto) for link in at.sidebar.get("page_link"))
    fresh = new_app().run()  # a workspace of its own, with nothing saved
    assert "**Model:** not trained yet" in [m.value for m in fresh.sidebar.markdown]


def test_uploading_a_run_already_saved_points_at_its_row_and_adds_nothing(store, tiny_finished):
    save(store, tiny_finished, "older")
    mine = save(store, tiny_finished, "mine")  # the newest: row 1
    at = runs_page()
    at.file_uploader(key="bundle_upload").upload("textclf-run.zip", bundle_bytes(mine.path), "application/zip").run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "This run is already in your saved runs (row 1 of the table, ticked below)" in shown, shown
    assert "Added the run" not in shown and not at.error
    assert names(at) == ["mine", "older"] and len(store.list()) == 2
    assert '**Selected:** mine' in shown  # its actions are right there
    at.run()  # the next click keeps the tick, and adds nothing either
    assert names(at) == ["mine", "older"] and "**Selected:** mine" in texts(at)


@pytest.mark.parametrize("members", [["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"],
                                     ["photos/cat.jpg", "readme.txt"]])
def test_a_zip_that_is_no_bundle_gets_a_plain_message(store, members):
    import io
    import zipfile

    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        for name in members:
            zf.writestr(name, "x")
    at = runs_page()
    at.file_uploader(key="bundle_upload").upload("sheet.zip", data.getvalue(), "application/zip").run()
    assert not at.exception, at.exception
    [error] = [e.value.replace("\\", "") for e in at.error]  # without the escapes that keep it plain text
    assert error.startswith("This file is not a textclf run bundle (it has no run.json or model.json"), error
    assert "download a bundle from Saved runs" in error and "plain file names" not in error
    assert store.list() == []


@pytest.fixture
def read_only(monkeypatch):
    """Returns a function that makes a folder refuse every change, as a read-only mount does.

    Tests run as root, whom chmod does not stop, so the refusals of the system calls are played here.
    """
    import builtins
    import errno
    import io
    import os

    roots = []

    def inside(path) -> bool:
        return isinstance(path, (str, os.PathLike)) and any(
            os.path.abspath(os.fspath(path)).startswith(str(r)) for r in roots)

    def refuse(path):
        raise PermissionError(errno.EROFS, "Read-only file system", os.fspath(path))

    def guard(real, n_paths=1):
        def call(*args, **kwargs):
            for path in args[:n_paths]:
                if inside(path):
                    if real is os.mkdir and os.path.exists(path):
                        raise FileExistsError(errno.EEXIST, "File exists", os.fspath(path))
                    refuse(path)
            return real(*args, **kwargs)
        return call

    def guard_open(real):
        def call(file, mode="r", *args, **kwargs):
            if inside(file) and any(c in mode for c in "wax+"):
                refuse(file)
            return real(file, mode, *args, **kwargs)
        return call

    for name, n in (("rename", 2), ("replace", 2), ("mkdir", 1), ("unlink", 1), ("rmdir", 1)):
        monkeypatch.setattr(os, name, guard(getattr(os, name), n))
    monkeypatch.setattr(builtins, "open", guard_open(builtins.open))
    monkeypatch.setattr(io, "open", guard_open(io.open))
    return lambda root: roots.append(os.path.abspath(root))


def test_a_read_only_runs_folder_gives_one_sentence_for_rename_delete_and_upload(store, saved_run, read_only,
                                                                                  tiny_finished):
    bundle = bundle_bytes(save(RunStore(store.root.parent / "elsewhere"), tiny_finished, "from a bundle").path)
    at = tick(runs_page(), "first <b>try</b>")
    read_only(store.root)
    at.text_input(key=f"rename_{saved_run.id}").set_value("second try")
    press(at, "Rename")
    assert not at.exception, at.exception
    assert plain("could not be renamed: the runs folder is read-only here") in texts(at)
    confirm_and_delete(at, saved_run.id)
    assert not at.exception, at.exception
    assert plain("could not be deleted: the runs folder is read-only here") in texts(at)
    at.file_uploader(key="bundle_upload").upload("run.zip", bundle, "application/zip").run()
    assert not at.exception, at.exception
    assert plain("could not be saved: the runs folder is read-only here") in texts(at)
    assert [r.name for r in store.list()] == ["first <b>try</b>"]


def test_a_look_at_saved_runs_creates_no_workspace_folder(store, tiny_finished):
    at = runs_page()
    assert not at.exception, at.exception
    assert "No saved runs yet" in texts(at)
    assert not store.root.exists()  # made by the first run saved, not by a visit
    save(store, tiny_finished, "first")
    assert names(runs_page()) == ["first"]


def test_a_reload_keeps_teacher_mode_in_its_own_workspace_only(store, tiny_finished, monkeypatch):
    monkeypatch.setenv("TEXTCLF_TEACHER_TOKEN", TEACHER)
    save(store, tiny_finished, "lesson run")
    first = tick(runs_page(teacher=TEACHER), "lesson run")
    kept = first.query_params["tp"]
    kept = kept[0] if isinstance(kept, list) else kept
    assert TEACHER not in str(dict(first.query_params))  # the token itself never stays in the address

    def reload(ws, tp):  # a reload is a new browser session with the same address
        at = new_app()
        at.query_params["ws"], at.query_params["tp"] = ws, tp
        at.run()
        return tick(at.switch_page("views/runs.py").run(), "lesson run")

    assert [b for b in reload(WS, kept).button if b.label == "Publish to class"]
    other = new_workspace()
    save(workspace_store(other), tiny_finished, "lesson run")
    assert not [b for b in reload(other, kept).button if b.label == "Publish to class"]  # another workspace
    monkeypatch.delenv("TEXTCLF_TEACHER_TOKEN")
    assert not [b for b in reload(WS, kept).button if b.label == "Publish to class"]  # no token on the server
