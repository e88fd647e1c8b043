"""An analyst with their own file finds each row in it: spreadsheet row numbers on Evaluate, label errors, Explain."""

import csv
import io
from dataclasses import replace

import numpy as np
import pytest

from tests.test_app import on_page, texts, tiny_model  # noqa: F401 - the model is a fixture
from tests.test_app_runs import download, media  # noqa: F401 - media is a fixture


@pytest.fixture(scope="module")
def own_file(tiny_corpus, tiny_model):
    """Returns (corpus, model) as if the tiny corpus came from a file, its rows shuffled and a few labels flipped."""
    rng = np.random.default_rng(1)
    n_train, n_test = len(tiny_corpus.train_texts), len(tiny_corpus.test_texts)
    rows = rng.permutation(n_train + n_test)  # 0-based data rows
    labels = tiny_corpus.train_labels.copy()
    labels[[0, 41, 82]] = (labels[[0, 41, 82]] + 1) % 3  # mislabelled training rows for the label check to find
    corpus = replace(tiny_corpus, train_labels=labels, description={"source": "csv", "name": "tickets.csv"},
                     file_rows=(rows[:n_train], rows[n_train:]))
    return corpus, replace(tiny_model, corpus=corpus)


def test_evaluate_numbers_test_texts_by_their_file_row(own_file, media):
    corpus, model = own_file
    at = on_page("views/evaluate.py", corpus, model)
    assert not at.exception, at.exception
    table = [d.value for d in at.dataframe if "correct" in d.value.columns][-1]
    test_rows = corpus.file_rows[1]
    assert (table["file row"] == test_rows[table["post"]] + 2).all()  # the header is row 1
    assert "*file row* is the row number your spreadsheet shows (the header is row 1)." in texts(at)
    raw = media(download(at, f"These {len(corpus.test_texts)} test texts (CSV)"))
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert "post" not in rows[0] and {int(r["file row"]) for r in rows} == set((test_rows + 2).tolist())
    by_row = {int(r["file row"]): r["text"] for r in rows}
    assert all(by_row[r + 2] == t for r, t in zip(test_rows, corpus.test_texts))


def test_explain_from_the_label_errors_list_speaks_of_a_file_row_and_its_questioned_label(own_file):
    """It said "A test text whose true class is billing" of a training row whose label the check doubts."""
    corpus, model = own_file
    at = on_page("views/evaluate.py", corpus, model)
    [b for b in at.button if b.label == "Find likely label errors"][0].click()
    at.run()
    assert not at.exception, at.exception
    issues = [d.value for d in at.dataframe if "quality" in d.value.columns][-1]
    assert "row" not in issues.columns and "*file row* is the row number your spreadsheet shows" in texts(at)
    train_rows = corpus.file_rows[0]
    flipped = {int(train_rows[i]) + 2 for i in (0, 41, 82)}
    assert flipped & set(issues["file row"].tolist())
    first = int(issues["file row"][0])
    at.session_state["issues_table_evaluate"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    [b for b in at.button if b.label == "Explain this row"][0].click()
    at.run()
    assert not at.exception, at.exception
    part = "a training row" if first - 2 in set(train_rows.tolist()) else "a test row"
    caption = [c.value for c in at.caption if "the label the check questions" in c.value]
    assert caption and caption[0].startswith(f"Row {first} of your file, {part}, labelled **"), caption
    assert "A test text whose true class" not in texts(at)


def test_explain_names_the_file_row_of_a_test_text(own_file):
    corpus, model = own_file
    at = on_page("views/explain.py", corpus, model)
    assert not at.exception, at.exception
    box = at.selectbox[0]
    row = int(corpus.file_rows[1][3]) + 2
    assert box.format_func(3).startswith(f"row {row} [")
    box.set_value(3).run()
    assert not at.exception, at.exception
    assert f"A test text (row {row} of your file) whose true class is **" in texts(at)
