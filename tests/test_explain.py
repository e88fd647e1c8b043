"""LIME: the fast neighbourhood equals stock lime, is deterministic, and refuses texts it cannot explain."""

import numpy as np
import pytest

from textclf.explain import MAX_EXPLAIN_CHARS, ExplainError, explain, explain_stock

TEXTS = [
    "Apple apple APPLE banana, and the engine!",  # one word in three spellings: three LIME features
    "The engine's brake... brake-brake CLUTCH; goalie? puck puck.",
    # more distinct words than num_features: lime picks the highest weights
    "plum lemon grape melon peach cherry tyre wheel gearbox piston exhaust rink skate stick penalty faceoff",
]


@pytest.mark.parametrize("text", TEXTS)
def test_fast_lime_equals_stock_lime(tiny_classifier, text):
    fast = explain(tiny_classifier, text, num_samples=1000, seed=3)
    stock = explain_stock(tiny_classifier, text, num_samples=1000, seed=3)
    stock_weights = dict(stock)
    assert {w for w, _ in fast.weights} == set(stock_weights)
    assert len(stock_weights) == min(10, fast.n_words)
    for word, weight in fast.weights:
        assert weight == pytest.approx(stock_weights[word], abs=1e-6)
    assert max(abs(w) for _, w in fast.weights) > 1e-3  # a real explanation, not all zeros


def test_explanation_fields(tiny_classifier):
    text = TEXTS[0]
    result = explain(tiny_classifier, text, num_samples=500)
    probs = tiny_classifier.predict_proba([text])[0]
    np.testing.assert_allclose(result.probabilities, probs, rtol=1e-5, atol=1e-6)
    assert result.predicted == result.explained_class == int(np.argmax(probs))
    assert result.n_words == 7 and result.n_known_words == 7  # Apple, apple, APPLE, banana, and, the, engine
    assert {w for w, _ in result.weights} <= {"Apple", "apple", "APPLE", "banana", "and", "the", "engine"}
    weights = [abs(w) for _, w in result.weights]
    assert weights == sorted(weights, reverse=True)
    other = explain(tiny_classifier, text, class_index=(result.predicted + 1) % 3, num_samples=500)
    assert other.explained_class == (result.predicted + 1) % 3


def test_same_seed_same_weights(tiny_classifier):
    text = TEXTS[1]
    first = explain(tiny_classifier, text, num_samples=500, seed=11)
    again = explain(tiny_classifier, text, num_samples=500, seed=11)
    other = explain(tiny_classifier, text, num_samples=500, seed=12)
    assert first.weights == again.weights
    assert first.weights != other.weights


@pytest.mark.parametrize("text, says", [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("?!... --- ((()))", "no words"),
    ("word " * (MAX_EXPLAIN_CHARS // 5 + 1), "100,000"),
])
def test_unexplainable_texts_raise_readable_errors(tiny_classifier, text, says):
    with pytest.raises(ExplainError, match=says) as err:
        explain(tiny_classifier, text, num_samples=100)
    assert "\n" not in str(err.value) and len(str(err.value)) < 200


def test_bad_arguments_raise_explain_error(tiny_classifier):
    with pytest.raises(ExplainError, match="class"):
        explain(tiny_classifier, "apple", class_index=3, num_samples=100)
    with pytest.raises(ExplainError, match="samples"):
        explain(tiny_classifier, "apple", num_samples=1)


def test_text_without_known_words_still_predicts(tiny_classifier):
    result = explain(tiny_classifier, "Zebra quokka, xylophone!", num_samples=200)
    assert result.n_words == 3 and result.n_known_words == 0
    assert 0 <= result.predicted < 3
    assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(result.probabilities, tiny_classifier.predict_proba(["zebra"])[0], rtol=1e-5)
    assert all(abs(w) < 1e-9 for _, w in result.weights)  # removing unknown words changes nothing
