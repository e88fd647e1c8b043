"""Classifying new texts: probabilities, exact occlusion words, the table, labels, and the JSON shape."""

import numpy as np
import pandas as pd
import pytest

from textclf.classifier import Classifier
from textclf.features import FeatureConfig, Featurizer
from textclf import predict
from textclf.model import ModelSpec, init_params, predict_proba_sparse
from textclf.predict import (NO_KNOWN_WORDS, NO_TEXT, check_labels, check_text_column, prediction_table,
                             predictions_json, predict_texts)
from textclf.tabular import BadTable


def _brute_force_drops(classifier, text, target):
    """Returns {word: drop of class `target`'s probability with every occurrence of the word removed}."""
    featurizer = classifier.featurizer
    counts = featurizer.counts([text])
    full = predict_proba_sparse(classifier.params, classifier.spec, featurizer.scale(counts))[0, target]
    drops = {}
    for j in counts.indices:
        without = counts.copy()
        without[0, j] = 0
        without.eliminate_zeros()
        p = predict_proba_sparse(classifier.params, classifier.spec, featurizer.scale(without))[0, target]
        drops[featurizer.vocabulary[j]] = full - p
    return drops


def _random_classifier(corpus, scaling):
    featurizer = Featurizer.fit(corpus.train_texts, FeatureConfig(scaling=scaling))
    spec = ModelSpec(featurizer.vocab_size, (16, 8), corpus.n_classes)
    import jax

    return Classifier(featurizer, spec, init_params(jax.random.PRNGKey(3), spec), corpus.class_names)


@pytest.mark.parametrize("scaling", ["count", "binary", "log", "tfidf"])
def test_occlusion_is_exact_for_every_scaling(tiny_corpus, scaling):
    classifier = _random_classifier(tiny_corpus, scaling)
    texts = tiny_corpus.test_texts[:6] + ["apple apple engine puck", "melon"]
    result = predict_texts(classifier, texts, top=3)
    np.testing.assert_allclose(result.probabilities, classifier.predict_proba(texts), atol=1e-5)
    for i, text in enumerate(texts):
        drops = _brute_force_drops(classifier, text, result.predicted[i])
        expected = [w for w, d in sorted(drops.items(), key=lambda kv: -kv[1]) if d > 1e-6][:3]
        got = result.top_words[i]
        # ties within float noise may swap; the pushes themselves must agree
        assert [round(drops[w], 5) for w in got] == [round(drops[w], 5) for w in expected], (text, got, expected)


@pytest.mark.parametrize("scaling", ["count", "tfidf"])
def test_chunks_of_few_texts_or_few_entries_give_the_same_words(tiny_corpus, scaling, monkeypatch):
    """A compiled call reads at most ROW_BLOCK texts and ENTRY_CHUNK entries; where the cuts fall changes nothing."""
    classifier = _random_classifier(tiny_corpus, scaling)
    texts = tiny_corpus.test_texts + ["melon", "", "puck", "apple apple engine puck"] * 3
    whole = predict_texts(classifier, texts, top=3)
    for row_block, entry_chunk in ((3, 32_768), (2048, 5), (1, 4)):
        monkeypatch.setattr(predict, "ROW_BLOCK", row_block)
        monkeypatch.setattr(predict, "ENTRY_CHUNK", entry_chunk)
        cut = predict_texts(classifier, texts, top=3)
        assert cut.top_words == whole.top_words
        np.testing.assert_array_equal(cut.probabilities, whole.probabilities)


def test_trained_model_top_words_are_the_class_words(tiny_classifier):
    result = predict_texts(tiny_classifier, ["the puck and the goalie on the rink today"])
    assert tiny_classifier.class_names[result.predicted[0]] == "hockey"
    assert set(result.top_words[0]) <= {"puck", "goalie", "rink"} and result.top_words[0]
    assert result.runner_up[0] != result.predicted[0]


def test_table_keeps_every_row_in_file_order_and_marks_empty_cells(tiny_classifier):
    table = pd.DataFrame({"id": ["a", "b", "c", "d"],
                          "text": ["puck goalie rink", "", "   ", "zzz qqq"],
                          "predicted class": ["x", "y", "z", "w"]})  # a column with one of our names
    predictions = predict_texts(tiny_classifier, table["text"].tolist())
    out = prediction_table(table, predictions, threshold=0.5)
    assert len(out) == 4 and out["id"].tolist() == ["a", "b", "c", "d"]
    assert out["predicted class"].tolist() == ["x", "y", "z", "w"]  # the file's own column is untouched
    assert out["predicted class (model)"][0] == "hockey" and out["predicted class (model)"][1] == ""
    assert out["status"].tolist()[1:] == [NO_TEXT, NO_TEXT, NO_KNOWN_WORDS]
    assert out["status"][0] == "sure"
    # Without any known word the model could only echo the commonest class: no class, no probability.
    assert out["predicted class (model)"][3] == "" and out["runner-up class"][3] == ""
    assert np.isnan(out["probability"][3]) and not np.isnan(out["probability"][0])
    unsure = prediction_table(table, predictions, threshold=1.01)
    assert unsure["status"][0] == "unsure"


def test_label_check_only_counts_known_labels(tiny_classifier):
    texts = ["puck goalie rink", "apple banana", "engine brake wheel", "puck skate", ""]
    labels = ["hockey", "fruit", "cars", "curling", "fruit"]
    check = check_labels(labels, predict_texts(tiny_classifier, texts))
    assert check.n_compared == 3 and check.n_unknown == 1 and check.n_no_text == 1
    assert check.unknown_labels == ("curling",)
    assert check.evaluation.accuracy == 1.0
    assert check.evaluation.confusion.sum() == 3
    assert "curling" in check.note()


def test_text_column_refusals(tiny_classifier):
    table = pd.DataFrame({"text": ["", " "], "label": ["a", "b"]})
    with pytest.raises(BadTable, match="no column called"):
        check_text_column(table, "body")
    with pytest.raises(BadTable, match="no text in any row"):
        check_text_column(table, "text")


def test_json_is_capped_and_rows_are_numbered_from_zero(tiny_classifier):
    texts = ["puck goalie", ""] + ["apple"] * 10
    out = predictions_json(predict_texts(tiny_classifier, texts), max_rows=5)
    assert out["n_rows"] == 12 and out["truncated"] is True
    assert [p["row"] for p in out["predictions"]] == [0, 1, 2, 3, 4]
    assert set(out["predictions"][0]) == {"row", "predicted", "probability", "runner_up", "top_words"}
    assert out["predictions"][1]["predicted"] is None
    assert out["predictions"][0]["predicted"] == "hockey"


def test_the_sample_file_takes_test_texts_of_every_class_in_turn(tiny_corpus):
    from textclf.export import to_csv_bytes
    from textclf.predict import SAMPLE_SIZE, read_new_texts, sample_table

    texts = list(tiny_corpus.test_texts)
    texts[0] = "   "  # a blank text is never offered
    texts[1] = "x" * 5000
    sample = sample_table(texts, tiny_corpus.test_labels)
    assert list(sample.columns) == ["text"] and len(sample) == SAMPLE_SIZE
    assert sample["text"][0] == texts[1][:3000]  # the first class's first non-blank text, cut short
    picked = [texts.index(t) if t in texts else 1 for t in sample["text"]]
    assert [tiny_corpus.test_labels[i] for i in picked[:6]] == [0, 1, 2, 0, 1, 2]  # each class in turn
    assert len(set(picked)) == SAMPLE_SIZE and 0 not in picked
    assert len(sample_table(texts, tiny_corpus.test_labels, n=4)) == 4
    back = read_new_texts(to_csv_bytes(sample), "sample-texts.csv")  # the file reads back as it was written
    assert back["text"].tolist() == sample["text"].tolist()
