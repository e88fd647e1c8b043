"""A bundle alone in a fresh workspace: Explain works on a pasted text, Evaluate and topic words say what they need."""

import pytest

from tests.test_app import new_app, texts
from textclf.learn.train import TrainConfig, run_to_end, train
from textclf.store.bundles import bundle_bytes, import_bundle
from textclf.store.runs import RunStore
from textclf.store.workspaces import workspace_store

FILE = {"source": "csv", "name": "tickets.csv", "text_column": "text", "label_column": "label"}


@pytest.fixture(scope="module")
def bundle(tiny_corpus, tmp_path_factory):
    """Returns the bundle of a small run trained on an own file (the tiny corpus, described as tickets.csv)."""
    finished = run_to_end(train(tiny_corpus, config=TrainConfig(hidden=(16,), epochs=3, batch_size=8,
                                                                learning_rate=1e-2)))
    run = RunStore(tmp_path_factory.mktemp("elsewhere")).save(
        finished.classifier, name="tickets model", data=dict(FILE), history=finished.history,
        metrics={"accuracy": 0.9}, train_seconds=1.0, reason="completed")
    return bundle_bytes(run.path)


def press(at, label):
    [b for b in at.button if b.label == label][0].click()
    return at.run()


def fresh_workspace_with(bundle, monkeypatch, tmp_path):
    """Returns the app in a new workspace of a new server folder, the bundle uploaded and loaded on Saved runs."""
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path / "runs"))
    at = new_app().run()
    at.switch_page("views/runs.py").run()
    at.file_uploader(key="bundle_upload").upload("textclf-run.zip", bundle, "application/zip").run()
    table = at.dataframe[0]
    at.session_state[table.key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    return press(at, "Load into Evaluate and Explain")


def test_a_bundle_alone_explains_a_pasted_text(bundle, monkeypatch, tmp_path):
    at = fresh_workspace_with(bundle, monkeypatch, tmp_path)
    assert not at.exception, at.exception
    shown = texts(at)
    assert 'Loaded "tickets model" without its data' in shown.replace("\\", ""), shown
    assert "upload the file it was trained on (tickets.csv)" in shown.replace("\\", "")
    assert "loaded without its data" in " ".join(m.value for m in at.sidebar.markdown)
    assert "It works on 4. Explain" in " ".join(c.value for c in at.sidebar.caption)  # not read as a list item
    at.switch_page("views/explain.py").run()
    assert not at.exception, at.exception
    assert "No model yet" not in texts(at)
    assert not [s for s in at.selectbox if s.label.startswith("Start from a test")]  # no test texts in a bundle
    assert "is loaded without its data: paste any text below" in texts(at)
    at.text_area(key="explain_text").set_value("The goalie stopped the puck on the rink today").run()
    at = press(at, "Explain")
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Predicted class: **hockey**" in shown, shown
    assert "Words that mattered for" in shown
    assert "Should you believe this explanation?" in shown and "What flips it?" in shown  # the model is enough
    assert len(at.get("plotly_chart")) >= 7  # probabilities, weights, stability, deletion, three methods


def test_evaluate_and_topic_words_say_what_they_need_from_a_bundle_alone(bundle, monkeypatch, tmp_path):
    at = fresh_workspace_with(bundle, monkeypatch, tmp_path)
    at.switch_page("views/evaluate.py").run()
    assert not at.exception, at.exception
    said = " ".join(i.value for i in at.info).replace("\\", "")
    assert 'To grade "tickets model", Evaluate needs test texts with their right classes' in said, said
    assert "upload the file it was trained on (tickets.csv) on 1. Data" in said
    assert "5. Classify new texts" in said and not at.metric
    at.switch_page("views/topic_words.py").run()
    assert not at.exception, at.exception
    said = " ".join(i.value for i in at.info).replace("\\", "")
    assert "is measured on the test texts it was graded on" in said and "tickets.csv" in said, said


def test_classifys_hint_leads_to_an_explain_page_that_works(bundle, monkeypatch, tmp_path):
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path / "runs"))
    at = new_app().run()
    import_bundle(workspace_store(at.session_state["workspace"]), bundle)
    at.switch_page("views/classify.py").run()
    assert not at.exception, at.exception
    assert "Paste it on 4. Explain" in texts(at)
    at = press(at, "Explain a text with this run on 4. Explain")
    assert not at.exception, at.exception
    assert "4. Explain" in at.title[0].value and "No model yet" not in texts(at)
    at.switch_page("views/explain.py")  # AppTest's next run would go back to the page it was told last
    at.text_area(key="explain_text").set_value("apple banana and a cherry").run()
    at = press(at, "Explain")
    assert "Predicted class: **fruit**" in texts(at)
