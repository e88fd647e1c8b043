"""Uploading your own CSV on the Data page, and a bundle on the Saved runs page, through the widgets."""

import io
import json
import zipfile

import pytest

from tests.test_app import new_app, texts
from textclf.markdown_text import plain
from views.status import PATH
from textclf.store.bundles import bundle_bytes
from textclf.store.runs import RunStore
from textclf.store.workspaces import workspace_store
from textclf.learn.train import TrainConfig, run_to_end, train

TEAMS = {"billing": ["invoice", "refund", "charge", "payment"], "network": ["router", "wifi", "outage", "vpn"],
         "accounts": ["password", "login", "locked", "reset"]}


def tickets_csv() -> bytes:
    rows = ["id,created,text,team"]
    for t, (team, words) in enumerate(TEAMS.items()):
        for i in range(20):
            w = words[i % 4], words[(i + 1) % 4]
            rows.append(f'{t * 100 + i},2026-01-{i + 1:02d},"Hello, my {w[0]} and {w[1]} problem, ""urgent""",{team}')
    return ("\n".join(rows) + "\n").encode()


def data_page():
    at = new_app().run()
    at.switch_page("views/data.py").run()
    at.button_group(key="source").set_value("Your own file").run()
    return at


def test_upload_guess_columns_preview_and_use(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path))
    at = data_page()
    at.file_uploader(key="csv_upload").upload("tickets.csv", tickets_csv(), "text/csv").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="text_column").value == "text"
    assert at.selectbox(key="label_column").value == "team"
    assert "Using 60 rows in 3 classes" in texts(at)
    [b for b in at.button if b.label == "Use this data"][0].click()
    at.run()
    corpus = at.session_state["custom_corpus"]
    assert corpus.class_names == ("accounts", "billing", "network")
    assert len(corpus.train_texts) + len(corpus.test_texts) == 60
    assert plain("tickets.csv") in texts(at)  # the sidebar and the page name the data in use (escaped)
    assert at.session_state["preset"] == "recommended"  # your own file starts from the best measured preset
    assert at.session_state["scaling"] == "tfidf" and at.session_state["nb_mixture"]
    # The word options are there for your own file too; the preset lets the held-back texts choose word pairs,
    # so the pairs switch itself is off limits until that choice is switched off.
    assert at.session_state["choose_pairs"] and at.toggle(key="pairs").disabled
    at.toggle(key="choose_pairs").set_value(False).run()
    at.toggle(key="pairs").set_value(True).run()
    assert not at.exception and at.session_state["pairs"]
    at.toggle(key="pairs").set_value(False).run()
    at.toggle(key="choose_pairs").set_value(True).run()  # a changed form would be kept as it is (tested below)
    at.switch_page("views/train.py").run()
    assert not at.exception and "60" not in [t.value for t in at.error]
    at.switch_page("views/data.py").run()
    at.button_group(key="source").set_value("20 Newsgroups").run()
    assert not at.exception and at.session_state["preset"] == "tutorial"  # the lesson's own default again


def test_own_settings_are_kept_when_an_own_file_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path))
    at = data_page()
    at.session_state["epochs"] = 9
    at.file_uploader(key="csv_upload").upload("tickets.csv", tickets_csv(), "text/csv").run()
    [b for b in at.button if b.label == "Use this data"][0].click()
    at.run()
    assert at.session_state["preset"] == "tutorial" and at.session_state["epochs"] == 9


@pytest.mark.parametrize("name, content, says", [
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not text"),
    ("empty.csv", b"", "empty"),
    ("one.csv", b"text,label\nhello there,a\nhow are you,a\n", "at least two classes"),
])
def test_hostile_uploads_get_a_readable_message(name, content, says):
    at = data_page()
    at.file_uploader(key="csv_upload").upload(name, content, "text/csv").run()
    assert not at.exception, at.exception
    shown = " ".join(e.value for e in at.error)
    assert says in shown, shown
    assert at.session_state["custom_corpus"] is None


def test_the_sidebar_says_a_chosen_own_file_is_not_loaded_yet(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path))
    at = data_page()
    for step in ("chosen", "failed upload"):
        if step == "failed upload":
            at.file_uploader(key="csv_upload").upload("bad.csv", b"only one column\nhello\n", "text/csv").run()
            assert at.error, "the upload fails"
        side = " ".join(str(e.value) for kind in ("markdown", "caption") for e in getattr(at.sidebar, kind))
        assert "**Data:** your file — not loaded yet (see 1. Data)" in side, (step, side)
        assert "newsgroups" not in side and "2. Train" not in side.replace(PATH, ""), (step, side)
        assert "Next step: **1. Data**" in side, (step, side)
    at.button_group(key="source").set_value("20 Newsgroups").run()  # back to the newsgroups: Train is next again
    side = " ".join(str(e.value) for kind in ("markdown", "caption") for e in getattr(at.sidebar, kind))
    assert "**Data:** 4 newsgroups" in side and "Next step: **2. Train**" in side, side


def test_bundle_upload_on_the_runs_page(tmp_path, monkeypatch, tiny_corpus):
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path / "source"))
    finished = run_to_end(train(tiny_corpus, config=TrainConfig(hidden=(8,), epochs=1, batch_size=8)))
    run = RunStore().save(finished.classifier, name="shared", data=dict(tiny_corpus.description),
                          history=finished.history, metrics={"accuracy": 0.9}, train_seconds=1.0, reason="completed")
    bundle = bundle_bytes(run.path)
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path / "other_machine"))
    at = new_app().run()
    at.switch_page("views/runs.py").run()
    at.file_uploader(key="bundle_upload").upload("textclf-run-download.zip", bundle, "application/zip").run()
    assert not at.exception, at.exception
    assert 'Added the run "shared"' in texts(at)  # its own name, not the file's
    mine = workspace_store(at.session_state["workspace"])
    assert [r.name for r in mine.list()] == ["shared"]
    # download -> upload keeps every field of run.json (the id too: it is free in this workspace)
    assert json.loads((mine.list()[0].path / "run.json").read_text()) == json.loads((run.path / "run.json").read_text())

    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("model.json", "{}")
        z.writestr("../../escape.py", "import os")
    at.file_uploader(key="bundle_upload").upload("evil.zip", evil.getvalue(), "application/zip").run()
    assert not at.exception
    assert any("was not added" in e.value for e in at.error)
    assert len(mine.list()) == 1


def test_classes_too_small_are_all_named_and_their_rows_can_be_left_out():
    """A file was refused naming only "Accounts", though "netwrok" was as rare and neither was a real team."""
    content = tickets_csv() + b'900,2026-02-01,my password is locked,Accounts\n901,2026-02-01,the vpn is down,netwrok\n'
    at = data_page()
    at.file_uploader(key="csv_upload").upload("tickets.csv", content, "text/csv").run()
    assert not at.exception, at.exception
    (error,) = at.error
    assert '"Accounts" has only 1 example (it looks like "accounts")' in error.value.replace("\\", "")
    assert '"netwrok" has only 1 example (it looks like "network")' in error.value.replace("\\", "")
    assert not [b for b in at.button if b.label == "Use this data"]
    box = at.checkbox(key="csv_drop_small")
    assert box.label == "Leave out the 2 rows of these 2 classes and use the rest"
    box.check().run()
    assert not at.exception, at.exception
    assert not at.error
    assert "dropped 2 rows of classes too small to use" in texts(at).replace("\\", "")
    [b for b in at.button if b.label == "Use this data"][0].click()
    at.run()
    corpus = at.session_state["custom_corpus"]
    assert corpus.class_names == tuple(sorted(TEAMS)) and corpus.description["rows_dropped"] == 2


def test_a_chosen_own_file_not_loaded_yet_is_not_replaced_by_the_newsgroups():
    """Train with "Your own file" chosen but no file in use points to 1. Data instead of silently training on
    the newsgroups."""
    at = data_page()
    at.switch_page("views/train.py").run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "no file is in use yet" in shown, shown
    assert not [b for b in at.button if b.label == "Train"], [b.label for b in at.button]


def test_a_class_that_looks_like_a_typo_can_be_merged_into_the_class_it_meant():
    """Too-small look-alike classes could only be left out; "netwrok" meant "network" and its row is worth keeping."""
    content = tickets_csv() + b'901,2026-02-01,the vpn is down,netwrok\n'
    at = data_page()
    at.file_uploader(key="csv_upload").upload("tickets.csv", content, "text/csv").run()
    assert at.error and not [b for b in at.button if b.label == "Use this data"]
    merge = [b for b in at.button if b.label.replace("\\", "") == 'Merge "netwrok" into "network"']
    assert merge
    merge[0].click().run()
    assert not at.exception, at.exception
    assert not at.error
    [b for b in at.button if b.label == "Use this data"][0].click()
    at.run()
    corpus = at.session_state["custom_corpus"]
    assert corpus.class_names == tuple(sorted(TEAMS)) and corpus.description["rows_dropped"] == 0
    assert "the vpn is down" in corpus.train_texts + corpus.test_texts
    table = at.session_state["own_table"][1]  # kept, merged, for the label check's corrected file
    assert table.iloc[-1].tolist()[-1] == "network"


def test_choosing_another_file_keeps_the_one_in_use_until_the_new_one_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path))
    at = data_page()
    at.file_uploader(key="csv_upload").upload("tickets.csv", tickets_csv(), "text/csv").run()
    [b for b in at.button if b.label == "Use this data"][0].click()
    at.run()
    first = at.session_state["custom_corpus"]
    [b for b in at.button if b.label == "Use another file or other columns"][0].click()
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["custom_corpus"] is first  # still in use: Train and the sidebar keep it
    assert "stays in use until you press" in texts(at)
    [b for b in at.button if b.label == f"Keep using {plain('tickets.csv')}"][0].click()
    at.run()
    assert at.session_state["custom_corpus"] is first and [b for b in at.button if b.label.startswith("Use another")]
    [b for b in at.button if b.label == "Use another file or other columns"][0].click()
    at.run()
    other = tickets_csv().replace(b"accounts", b"sales")
    at.file_uploader(key="csv_upload").upload("tickets2.csv", other, "text/csv").run()
    assert not at.exception, at.exception
    assert at.session_state["custom_corpus"] is first and f"keep using **{plain('tickets.csv')}**" in texts(at)
    # the next step is above the preview, so at 1280x720 it is on the first screen
    order = [getattr(e, "label", None) or type(e).__name__ for e in at.main]
    assert order.index("Use this data") < next(i for i, e in enumerate(at.main) if type(e).__name__ == "Dataframe")
    [b for b in at.button if b.label == "Use this data"][0].click()
    at.run()
    assert at.session_state["custom_corpus"].class_names == ("billing", "network", "sales")
