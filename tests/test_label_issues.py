"""Likely label errors: known flips on a synthetic corpus are found, and rows keep the file's numbering."""

import numpy as np
import pandas as pd
import pytest

from textclf.data import Corpus
from textclf.analysis.label_issues import (CannotCheck, checked_rows, corpus_label_issues, find_label_issues, flip_labels,
                                  panel_intro, precision_recall, row_origin)
from textclf.data.own_files import corpus_from_table

WORDS = {
    "fruit": "apple banana cherry grape melon peach plum lemon mango kiwi".split(),
    "cars": "engine wheel brake clutch tyre gearbox piston exhaust bumper axle".split(),
    "hockey": "puck goalie stick skate rink slapshot penalty faceoff icing crease".split(),
    "space": "orbit rocket shuttle nasa launch comet planet lunar satellite astronaut".split(),
}
FILLER = "the a is and of it very today with on".split()


def _texts(n_per_class, seed=0):
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for label, words in enumerate(WORDS.values()):
        for _ in range(n_per_class):
            tokens = list(rng.choice(words, 6)) + list(rng.choice(FILLER, 4))
            rng.shuffle(tokens)
            texts.append(" ".join(tokens))
            labels.append(label)
    return texts, np.array(labels)


def test_known_flips_are_found():
    texts, clean = _texts(100)
    noisy, flipped = flip_labels(clean, len(WORDS), share=0.05, seed=1)
    assert len(flipped) == 20 and (noisy[flipped] != clean[flipped]).all()
    issues = find_label_issues(texts, noisy, tuple(WORDS))
    precision, recall = precision_recall(issues.rows, flipped)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
    # the suggestion is the true class, and the ranking puts the least likely given labels first
    hits = np.isin(issues.rows, flipped)
    assert (issues.suggested[hits] == clean[issues.rows[hits]]).mean() >= 0.9
    assert (np.diff(issues.quality) >= -1e-9).all()
    as_json = issues.to_json()
    assert as_json["n_rows"] == 400 and set(as_json["issues"][0]) == {"row", "given", "suggested", "quality"}


def test_clean_labels_give_few_issues():
    texts, clean = _texts(60, seed=3)
    issues = find_label_issues(texts, clean, tuple(WORDS))
    assert len(issues.rows) <= 2


def test_rows_are_file_rows_with_empty_cells_and_a_split():
    texts, clean = _texts(30, seed=2)
    noisy, flipped = flip_labels(clean, len(WORDS), share=0.05, seed=4)
    names = np.array(list(WORDS))
    table_rows, flipped_file_rows = [], []
    for i, (text, label) in enumerate(zip(texts, noisy)):
        if i % 10 == 3:  # rows the corpus drops: empty text, empty label
            table_rows.append({"text": "", "label": "fruit"})
            table_rows.append({"text": "apple engine", "label": " "})
        if i in set(flipped.tolist()):
            flipped_file_rows.append(len(table_rows))
        table_rows.append({"text": text, "label": names[label]})
    table = pd.DataFrame(table_rows)
    corpus, report = corpus_from_table(table, "text", "label", test_share=0.25)
    assert report.rows_dropped_empty == 2 * 12
    train_rows, test_rows = corpus.file_rows
    for rows, part in ((train_rows, corpus.train_texts), (test_rows, corpus.test_texts)):
        assert [table["text"][r] for r in rows] == list(part)
    texts_checked, _, rows = checked_rows(corpus)
    assert len(rows) == 120 and (np.diff(rows) > 0).all()  # every labelled row, in file order
    issues = corpus_label_issues(corpus)
    precision, recall = precision_recall(issues.rows, np.array(flipped_file_rows))
    assert precision >= 0.8 and recall >= 0.8, (precision, recall, issues.rows, flipped_file_rows)
    for row, given in zip(issues.rows, issues.given):
        assert table["label"][row].strip() == corpus.class_names[given]  # the row number points at the file row


def test_newsgroup_style_corpus_numbers_training_rows(tiny_corpus):
    texts, labels, rows = checked_rows(tiny_corpus)
    assert texts == tiny_corpus.train_texts and rows.tolist() == list(range(len(texts)))


def test_a_class_with_one_example_is_refused():
    with pytest.raises(CannotCheck, match="at least two examples"):
        find_label_issues(["apple", "apple pie", "engine"], np.array([0, 0, 1]), ("fruit", "cars"))


def test_a_class_missing_from_the_checked_rows_is_tolerated():
    texts, labels = _texts(20)
    keep = labels != 3
    corpus = Corpus([t for t, k in zip(texts, keep) if k], labels[keep], [], np.array([], int), tuple(WORDS))
    issues = corpus_label_issues(corpus)
    assert issues.n_rows == 60 and (issues.suggested != 3).all()


def test_cleanlab_never_forks_a_process_pool(monkeypatch):
    """A forked copy of `streamlit run` keeps its SIGTERM handler: a pool's workers never exit, the page hangs."""
    import multiprocessing

    import cleanlab.filter

    def no_pool(*args, **kwargs):
        raise AssertionError("cleanlab forked a process pool")

    monkeypatch.setattr(multiprocessing, "Pool", no_pool)
    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: 4)  # as on a 4-core server
    if getattr(cleanlab.filter, "psutil_exists", False):
        monkeypatch.setattr(cleanlab.filter.psutil, "cpu_count", lambda logical=True: 4)
    texts, clean = _texts(30, seed=5)
    noisy, _ = flip_labels(clean, len(WORDS), share=0.05, seed=5)
    assert find_label_issues(texts, noisy, tuple(WORDS)).n_rows == len(texts)


def test_two_sessions_checking_at_once_get_their_own_results(monkeypatch):
    """cleanlab hands arrays to its helpers through module globals: concurrent calls must not mix them."""
    import threading
    import time

    import cleanlab.filter

    first = _texts(30, seed=6), 6
    second = _texts(50, seed=7), 8
    expected = [find_label_issues(t, flip_labels(c, len(WORDS), 0.05, seed)[0], tuple(WORDS)).rows
                for (t, c), seed in (first, second)]
    prune = cleanlab.filter._prune_by_class

    def slow_prune(args):
        time.sleep(0.05)  # widens the window in which another call could overwrite the globals
        return prune(args)

    monkeypatch.setattr(cleanlab.filter, "_prune_by_class", slow_prune)
    start, got, errors = threading.Barrier(2), [None, None], []

    def check(i, texts, clean, seed):
        start.wait()
        try:
            got[i] = find_label_issues(texts, flip_labels(clean, len(WORDS), 0.05, seed)[0], tuple(WORDS)).rows
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=check, args=(i, t, c, seed)) for i, ((t, c), seed) in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert [list(g) for g in got] == [list(e) for e in expected]


def test_own_file_rows_are_numbered_as_a_spreadsheet_shows_them():
    """Row 0 was "the first row under the header": in Excel that row is 2, and the analyst looked at the wrong one."""
    from textclf.data.own_files import read_table

    texts, clean = _texts(30, seed=2)
    noisy, flipped = flip_labels(clean, len(WORDS), share=0.05, seed=4)
    names = list(WORDS)
    lines = ["text,label"] + [f"{t},{names[y]}" for t, y in zip(texts, noisy)]
    corpus, _ = corpus_from_table(read_table("\n".join(lines).encode()), "text", "label", test_share=0.25)
    texts_checked, labels, rows = checked_rows(corpus)
    issues = find_label_issues(texts_checked, labels, corpus.class_names, rows)
    table = issues.table(texts_checked, own_file=True)
    assert list(table.columns[:3]) == ["file row", "given label", "suggested label"] and "row" not in table.columns
    assert len(table) >= 3
    for file_row, given, text in zip(table["file row"], table["given label"], table["text"]):
        assert lines[file_row - 1] == f"{text},{given}"  # line 1 is the header, as a spreadsheet numbers rows
    assert "row" in issues.table(texts_checked).columns  # the newsgroups' training posts keep their numbers


def test_row_origin_says_file_row_and_part_or_training_post(tiny_corpus):
    from dataclasses import replace

    own = replace(tiny_corpus, description={"source": "csv"},
                  file_rows=(np.arange(len(tiny_corpus.train_texts)) * 2,
                             np.arange(len(tiny_corpus.test_texts)) * 2 + 1))
    assert row_origin(own, 4) == "Row 6 of your file, a training row"
    assert row_origin(own, 5) == "Row 7 of your file, a test row"
    newsgroups = replace(tiny_corpus, description={"source": "20newsgroups"})
    assert row_origin(newsgroups, 4) == "Training post #4"


def test_headline_counts_in_words():
    from textclf.analysis.label_issues import LabelIssues

    def issues(k):
        return LabelIssues(np.arange(k), np.arange(k), np.zeros(k, int), np.ones(k, int), np.full(k, 0.1),
                           ("a", "b"), 1200, 0.42)

    assert issues(1).headline() == "1 likely label error among 1,200 rows (0.4 s)"
    assert issues(3).headline() == "3 likely label errors among 1,200 rows (0.4 s)"
    assert issues(3).headline("training posts") == "3 likely label errors among 1,200 training posts (0.4 s)"


def test_the_panel_does_not_promise_errors_it_may_not_find(tiny_corpus):
    intro = panel_intro(tiny_corpus, 120)
    assert "Every real data set" not in intro
    assert "Many real data sets have a few mislabelled rows." in intro
    assert "all 120 training" in intro
    own, _ = corpus_from_table(pd.DataFrame({"text": [f"text {i}" for i in range(20)], "label": ["x", "y"] * 10}),
                               "text", "label")
    assert "all 4 rows of your file" in panel_intro(own, 4) and panel_intro(own, 4).startswith("**Rows whose")


def test_the_time_said_includes_loading_the_checker(monkeypatch):
    """The first check's wait is mostly loading cleanlab: "(0.0 s)" was shown after a 2.4 s wait."""
    import builtins
    import time

    real_import = builtins.__import__

    def slow_cleanlab(name, *args, **kwargs):
        if name == "cleanlab.filter":
            time.sleep(0.3)  # stands in for the first, slow import in a fresh server
        return real_import(name, *args, **kwargs)

    texts, labels = _texts(15)
    monkeypatch.setattr(builtins, "__import__", slow_cleanlab)
    issues = find_label_issues(texts, labels, tuple(WORDS))
    assert issues.seconds >= 0.3


def test_the_files_own_id_column_is_listed_beside_each_suspect_row():
    from textclf.data.own_files import read_table

    texts, clean = _texts(30, seed=2)
    noisy, _ = flip_labels(clean, len(WORDS), share=0.05, seed=4)
    names = list(WORDS)
    lines = ["ID,text,label"] + [f"T-{1000 + i},{t},{names[y]}" for i, (t, y) in enumerate(zip(texts, noisy))]
    corpus, _ = corpus_from_table(read_table("\n".join(lines).encode()), "text", "label", test_share=0.25)
    assert corpus.file_ids[0] == "ID"
    texts_checked, labels, rows = checked_rows(corpus)
    issues = find_label_issues(texts_checked, labels, corpus.class_names, rows)
    table = issues.table(texts_checked, own_file=True, ids=corpus.file_ids)
    assert list(table.columns[:3]) == ["file row", "ID", "given label"]
    assert len(table) >= 3
    for file_row, ident, text in zip(table["file row"], table["ID"], table["text"]):
        assert lines[file_row - 1].startswith(f"{ident},{text},")  # the ID of that very row
    no_ids, _ = corpus_from_table(read_table("\n".join(line.split(",", 1)[1] for line in lines).encode()),
                                  "text", "label", test_share=0.25)
    assert no_ids.file_ids is None


@pytest.mark.parametrize("header, ident", [("Ticket,text,label", "Ticket"), ("Row ID,text,label", "Row ID"),
                                           ("ref-no,text,label", None), ("case,text,label", "case")])
def test_an_id_column_is_found_by_its_name_or_by_being_unique_per_row(header, ident):
    from textclf.data.own_files import read_table

    lines = [header] + [f"C{i},some words number {i % 3},{'ab'[i % 2]}" for i in range(12)]
    corpus, _ = corpus_from_table(read_table("\n".join(lines).encode()), "text", "label", test_share=0.25)
    expected = ident or "ref-no"  # not a known name, but unique on every row
    assert corpus.file_ids[0] == expected
    assert list(corpus.file_ids[1][:2]) == ["C0", "C1"]


def test_a_column_repeating_values_is_not_taken_for_ids():
    from textclf.data.own_files import read_table

    lines = ["team,text,label"] + [f"{'xy'[i % 2]},some words number {i},{'ab'[i % 2]}" for i in range(12)]
    corpus, _ = corpus_from_table(read_table("\n".join(lines).encode()), "text", "label", test_share=0.25)
    assert corpus.file_ids is None


def test_weak_checking_models_come_with_a_caution():
    from tests.plain_tickets import plain_tickets_csv
    from textclf.data.own_files import read_table

    corpus, _ = corpus_from_table(read_table(plain_tickets_csv()), "text", "label", test_share=0.2, name="t.csv")
    weak = corpus_label_issues(corpus)
    assert len(weak.rows) and weak.checked_accuracy < 0.85 and not weak.trusted
    assert f"only {weak.checked_accuracy:.0%} of these rows' labels" in weak.caution()
    assert f"the tuned yardstick, does no better ({weak.yardstick_accuracy:.0%}" in weak.caution()
    assert weak.to_json()["checked_accuracy"] == weak.checked_accuracy
    texts, clean = _texts(100)
    noisy, _ = flip_labels(clean, len(WORDS), share=0.05, seed=1)
    strong = find_label_issues(texts, noisy, tuple(WORDS))
    assert len(strong.rows) and strong.checked_accuracy >= 0.85 and strong.trusted and strong.caution() is None


def _word_order_texts(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Returns texts of two words whose order alone is the class ("cat red" or "red cat")."""
    rng = np.random.default_rng(seed)
    words = ["red", "blue", "green", "cat", "dog", "fox", "big", "small"]
    texts, labels = [], []
    for i in range(n):
        first, second = sorted(rng.choice(words, 2, replace=False))
        texts.append(f"{first} {second}" if i % 2 else f"{second} {first}")
        labels.append(i % 2)
    return texts, np.array(labels)


def test_the_checking_models_are_as_good_as_the_tuned_yardstick():
    """Naive Bayes and a fixed linear model on single words judged these rows at chance, and listed good labels."""
    from textclf.analysis.baselines import run_baselines

    texts, labels = _word_order_texts(600)
    corpus = Corpus(texts[:400], labels[:400], texts[400:], labels[400:], ("before", "after"))
    yardstick = run_baselines(corpus)["linear_svc"]
    assert yardstick["accuracy"] >= 0.95 and "pairs" in yardstick["setting"]
    issues = find_label_issues(texts, labels, ("before", "after"))
    assert issues.checked_accuracy >= yardstick["accuracy"] - 0.02, (issues.checked_accuracy, yardstick)
    assert "word pairs" in issues.checking_model and issues.yardstick_accuracy >= 0.95
    assert issues.trusted and len(issues.rows) <= 3
    noisy, flipped = flip_labels(labels, 2, share=0.05, seed=3)
    precision, recall = precision_recall(find_label_issues(texts, noisy, ("before", "after")).rows, flipped)
    assert precision >= 0.8 and recall >= 0.8, (precision, recall)


def test_the_caution_compares_with_the_tuned_yardstick():
    from textclf.analysis.label_issues import LabelIssues

    def issues(checked, yardstick, held=400):
        return LabelIssues(np.arange(5), np.arange(5), np.zeros(5, int), np.ones(5, int), np.full(5, 0.1),
                           ("a", "b"), 2000, 1.0, checked, "Linear SVM", yardstick, held)

    weaker = issues(0.90, 0.97)  # above the absolute bar, yet clearly worse than the yardstick on this data
    assert weaker.below_yardstick and not weaker.trusted
    assert "only 90% of these rows' labels" in weaker.caution() and "yardstick reaches" in weaker.caution()
    assert "(97%)" in weaker.caution()
    assert issues(0.96, 0.97).trusted and issues(0.96, 0.97).caution() is None  # within chance of the yardstick
    assert not issues(0.90, 0.97, held=20).below_yardstick  # 20 held-back rows: 90% is within chance
    hard = issues(0.74, 0.75)  # the data is hard for any quick model
    assert not hard.below_yardstick and not hard.trusted
    assert "does no better (75% of rows it did not see)" in hard.caution()
