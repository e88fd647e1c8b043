"""Classifying new texts: probabilities, exact occlusion words, the table, labels, and the JSON shape."""

import numpy as np
import pandas as pd
import pytest

from textclf.learn.classifier import Classifier
from textclf.data.features import FeatureConfig, Featurizer
from textclf.analysis import predict
from textclf.learn.model import ModelSpec, init_params, predict_proba_sparse
from textclf.analysis.predict import (NO_KNOWN_WORDS, NO_TEXT, check_labels, check_text_column, prediction_table,
                             predictions_json, predict_texts)
from textclf.data.own_files import BadTable


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
    from textclf.store.export import to_csv_bytes
    from textclf.analysis.predict import SAMPLE_SIZE, read_new_texts, sample_table

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


def test_rows_without_a_prediction_are_never_scored_against_their_labels(tiny_classifier):
    """60 rows without any word the model knows showed "Accuracy 33.3%", all counted as the commonest class."""
    texts = ["zzz qqq xxx"] * 6 + ["puck goalie rink", "apple banana", "", "engine brake"]
    labels = ["hockey", "fruit", "cars"] * 2 + ["hockey", "fruit", "fruit", ""]
    check = check_labels(labels, predict_texts(tiny_classifier, texts))
    assert check.n_compared == 2 and check.n_no_known_words == 6 and check.n_no_text == 1
    assert check.n_no_label == 1 and check.n_rows == 10
    assert check.evaluation.confusion.sum() == 2 and check.evaluation.accuracy == 1.0
    assert check.note() == ("Compared 2 of 10 rows; left out: 1 without a label; 1 without text; "
                            "6 without any word the model knows, so without a prediction.")
    nothing = check_labels(labels[:6], predict_texts(tiny_classifier, texts[:6]))
    assert nothing.evaluation is None and nothing.n_compared == 0
    assert "Compared 0 of 6 rows" in nothing.note()


def test_the_verdict_columns_are_shown_first(tiny_classifier):
    from textclf.analysis.predict import shown_columns

    table = pd.DataFrame({"id": [1], "text": ["puck goalie"], "label": ["hockey"], "status": ["open"]})
    result = prediction_table(table, predict_texts(tiny_classifier, table["text"]))
    order = shown_columns(result, table.shape[1], "text")
    assert order[:4] == ["status (model)", "predicted class", "probability", "text"]
    assert sorted(order) == sorted(result.columns)


def test_a_corpus_is_described_by_the_data_its_models_were_trained_on(tiny_corpus):
    from dataclasses import replace

    assert tiny_corpus.described_by(dict(tiny_corpus.description))
    assert not tiny_corpus.described_by({}) and not tiny_corpus.described_by({"source": "csv", "name": "tickets"})
    news = replace(tiny_corpus, description={"source": "20newsgroups", "categories": ["b", "a"]})
    assert news.described_by({"source": "20newsgroups", "categories": ["a", "b"], "remove_metadata": False})
    assert not news.described_by({"source": "20newsgroups", "categories": ["a"]})
    assert not news.described_by({"source": "csv", "name": "tickets", "fingerprint": news.fingerprint()})
    own = replace(tiny_corpus, description={"source": "csv", "name": "t.csv", "fingerprint": "abc"})
    assert own.described_by({"source": "csv", "name": "renamed.csv", "fingerprint": "abc"})
    assert not own.described_by({"source": "csv", "name": "t.csv", "fingerprint": "def"})
