"""Tuned baselines: chosen on the network's validation split, refitted, and described by what won."""

import re

import numpy as np

from textclf.analysis.baselines import BASELINES, Counts, best_baseline, describe_baseline, plain_setting, run_baselines
from textclf.data import Corpus
from textclf.data.features import keras_tokenize


def test_every_baseline_reports_its_winning_setting(tiny_corpus):
    results = run_baselines(tiny_corpus)
    assert set(results) == set(BASELINES)
    for key, result in results.items():
        param, grid = BASELINES[key][1], BASELINES[key][2]
        match = re.fullmatch(rf"{param}=([0-9.]+), (words|words\+pairs)", result["setting"])
        assert match and float(match.group(1)) in grid, result["setting"]
        assert 0 <= result["val_accuracy"] <= 1 and result["accuracy"] > 0.9 and 0 < result["macro_f1"] <= 1
    assert best_baseline(results)["accuracy"] == max(r["accuracy"] for r in results.values())
    assert re.fullmatch(r"Linear SVM with (strong|medium|light) regularisation \([0-9.]+\) on single words"
                        r"( and word pairs)?", describe_baseline(results["linear_svc"]))
    for result in results.values():  # what a page shows: no parameter names, no "words+pairs"
        assert "=" not in result["plain_setting"] and "+" not in result["plain_setting"]


def test_winning_settings_are_said_in_plain_words():
    assert plain_setting("complement_nb", 0.03, 1) == "very light smoothing (0.03) on single words"
    assert plain_setting("complement_nb", 1.0, 2) == "strong smoothing (1) on single words and word pairs"
    # A small C is strong regularisation: the SVM's scale runs the other way round.
    assert plain_setting("linear_svc", 0.1, 1) == "strong regularisation (0.1) on single words"
    assert plain_setting("linear_svc", 1.0, 1) == "light regularisation (1) on single words"
    assert describe_baseline({"name": "Complement Naive Bayes", "setting": "alpha=0.3, words",
                              "plain_setting": plain_setting("complement_nb", 0.3, 1)}) == \
        "Complement Naive Bayes with medium smoothing (0.3) on single words"


def test_word_pairs_are_counted_like_a_bigram_vectorizer(tiny_corpus):
    counts = Counts(tiny_corpus.train_texts, tiny_corpus.test_texts)
    row = counts.pairs[0]
    tokens = keras_tokenize(tiny_corpus.train_texts[0])
    assert row.sum() == len(tokens) - 1  # every adjacent pair of a training post is known
    test_tokens = keras_tokenize(tiny_corpus.test_texts[0])
    assert counts.test_pairs[0].sum() <= len(test_tokens) - 1


def test_pairs_win_when_only_word_order_tells_the_classes_apart():
    rng = np.random.default_rng(0)
    words = ["red", "blue", "green", "cat", "dog", "fox", "big", "small"]

    def texts(n):
        out, labels = [], []
        for i in range(n):
            first, second = sorted(rng.choice(words, 2, replace=False))
            label = i % 2
            out.append(f"{first} {second}" if label else f"{second} {first}")  # same words; the order is the class
            labels.append(label)
        return out, np.array(labels)

    train_texts, train_labels = texts(400)
    test_texts, test_labels = texts(100)
    corpus = Corpus(train_texts, train_labels, test_texts, test_labels, ("descending", "ascending"),
                    {"source": "word order test"})
    results = run_baselines(corpus)
    assert results["linear_svc"]["setting"].endswith("words+pairs")
    assert results["linear_svc"]["accuracy"] > 0.9


def test_data_too_small_for_the_validation_split_gets_the_apps_sentence():
    import pytest

    texts = ["apple banana", "engine brake", "puck goalie"] * 3
    labels = np.array([0, 1, 2] * 3)
    corpus = Corpus(texts, labels, texts[:3], labels[:3], ("a", "b", "c"), {"source": "tiny"})
    with pytest.raises(ValueError) as err:
        run_baselines(corpus)
    assert str(err.value).startswith("The validation share (10%) keeps back 1 of the 9 training texts"), err.value
    assert "test_size" not in str(err.value)
