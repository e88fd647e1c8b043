"""Fixing an own file's labels: a planted wrong label corrected, rows dropped, look-alike classes merged."""

import csv
import io

import pandas as pd
import pytest

from textclf.analysis.label_fixes import (DROP, KEEP, USE_SUGGESTED, FixSummary, apply_fixes, before_after,
                                          corrected_corpus, decisions_from_actions,
                                          lookalike_merges)
from textclf.analysis.label_issues import checked_rows, find_label_issues
from textclf.data.own_files import corpus_from_table, read_table
from textclf.store.export import to_csv_bytes


def _frame():
    return pd.DataFrame({"ID": ["T1", "T2", "T3", "T4"], "text": ["refund please", "=HYPERLINK(1)", "crash", "x"],
                         "label": ["billing", "technical", "billing", " techincal "], "note": ["a", "b", "c", "d"]})


def test_an_accepted_suggestion_relabels_its_row_and_keeps_every_column():
    fixed, summary = apply_fixes(_frame(), "label", decisions_from_actions([2], ["technical"], [USE_SUGGESTED]), {})
    assert list(fixed.columns) == ["ID", "text", "label", "note"]
    assert fixed["label"].tolist() == ["billing", "technical", "technical", " techincal "]
    assert fixed["note"].tolist() == ["a", "b", "c", "d"]
    assert summary == FixSummary(relabelled=1, dropped=0, merged={}, rows_after=4)
    assert summary.sentence() == "1 row relabelled; the corrected file has 4 rows."


def test_kept_rows_change_nothing_and_the_original_frame_is_untouched():
    frame = _frame()
    fixed, summary = apply_fixes(frame, "label", decisions_from_actions([2, 0], ["technical", "x"], [KEEP, KEEP]), {})
    assert fixed.equals(frame) and not summary.changed
    apply_fixes(frame, "label", {2: "technical", 0: None}, {"techincal": "technical"})
    assert frame.equals(_frame())


def test_a_dropped_row_is_removed_and_the_rest_keep_their_order():
    fixed, summary = apply_fixes(_frame(), "label", decisions_from_actions([1], ["billing"], [DROP]), {})
    assert fixed["ID"].tolist() == ["T1", "T3", "T4"] and summary.dropped == 1 and summary.rows_after == 3


def test_a_look_alike_class_is_merged_into_the_larger_one():
    counts = {"technical": 40, "techincal": 3, "billing": 30, "Billing ": 1, "sales": 20}
    assert lookalike_merges(counts) == {"techincal": "technical", "Billing ": "billing"}
    fixed, summary = apply_fixes(_frame(), "label", {}, {"techincal": "technical"})
    assert fixed["label"].tolist() == ["billing", "technical", "billing", "technical"]
    assert summary.merged == {"techincal": 1}
    assert summary.sentence() == '"techincal" (1 row) merged; the corrected file has 4 rows.'


def test_a_row_outside_the_file_or_an_unknown_action_is_refused():
    with pytest.raises(ValueError, match="not a data row"):
        apply_fixes(_frame(), "label", {9: None}, {})
    with pytest.raises(ValueError, match="action must be"):
        decisions_from_actions([1], ["x"], ["maybe"])


def test_the_corrected_file_is_spreadsheet_safe():
    fixed, _ = apply_fixes(_frame(), "label", {0: None}, {})
    rows = list(csv.DictReader(io.StringIO(to_csv_bytes(fixed).decode("utf-8-sig"))))
    assert rows[0]["text"] == "'=HYPERLINK(1)" and rows[0]["ID"] == "T2"


def test_a_planted_wrong_label_is_found_accepted_and_gone_from_the_corrected_file():
    words = {"fruit": "apple banana cherry grape melon peach", "cars": "engine wheel brake clutch tyre gearbox",
             "space": "orbit rocket comet planet lunar shuttle"}
    lines = ["ID,text,label"]
    for i in range(60):
        name = list(words)[i % 3]
        vocab = words[name].split()
        lines.append(f"R{i},{' '.join(vocab[(i + k) % 6] for k in range(5))},{name}")
    lines[1 + 7] = lines[1 + 7].rsplit(",", 1)[0] + ",fruit"  # a cars row labelled fruit
    frame = read_table("\n".join(lines).encode())
    corpus, _ = corpus_from_table(frame, "text", "label", test_share=0.25)
    texts, labels, rows = checked_rows(corpus)
    issues = find_label_issues(texts, labels, corpus.class_names, rows)
    assert 7 in issues.rows.tolist()
    suggested = [corpus.class_names[s] for s in issues.suggested]
    decisions = decisions_from_actions(issues.rows, suggested, [USE_SUGGESTED] * len(issues.rows))
    fixed, summary = apply_fixes(frame, "label", decisions, {})
    assert fixed.loc[7, "label"] == "cars" and fixed.loc[7, "ID"] == "R7" and summary.relabelled >= 1
    again, _ = corpus_from_table(fixed, "text", "label", test_share=0.25)
    texts, labels, rows = checked_rows(again)
    assert 7 not in find_label_issues(texts, labels, again.class_names, rows).rows.tolist()


def test_the_corrected_file_is_read_with_the_original_columns_and_split():
    frame = pd.DataFrame({"body": [f"words {i}" for i in range(20)], "team": ["a", "b"] * 10,
                          "part": ["train", "train", "test", "test"] * 5})
    original, _ = corpus_from_table(frame, "body", "team", "part", name="t.csv")
    fixed, _ = apply_fixes(frame, "team", {0: "b", 1: None}, {})
    corpus, report = corrected_corpus(fixed, original.description)
    assert corpus.description["name"] == "corrected t.csv" and report.split_column == "part"
    assert len(corpus.train_texts) + len(corpus.test_texts) == 19 and corpus.train_labels[0] == 1


def test_before_and_after_is_one_plain_sentence():
    assert before_after(0.8, 0.85).startswith("Before the fixes: 80.0% test accuracy. After: 85.0%, 5.0% higher than")
    assert "the same as" in before_after(0.8, 0.8) and "lower" in before_after(0.9, 0.8)
    assert "no finished run" in before_after(None, 0.8)


def test_label_counts_read_labels_as_own_files_do():
    from textclf.analysis.label_fixes import label_counts

    frame = pd.DataFrame({"label": [" a", "a", "cafe\u0301", "caf\u00e9", "", "b"]})
    assert label_counts(frame, "label") == {"a": 2, "caf\u00e9": 2, "b": 1}
