"""LIME: the fast neighbourhood equals stock lime, is deterministic, bounded, and refuses texts it cannot explain."""

import numpy as np
import pytest

from textclf.explain import (MAX_EXPLAIN_CHARS, MAX_LIME_WORDS, MAX_SAMPLES, ExplainError, explain, explain_stock,
                             read_post)
from textclf.explain.lime import removable_words
from textclf.explain.occlusion import occlusion

TEXTS = [
    "Apple apple APPLE banana, and the engine!",  # one word in three spellings: one LIME feature, as the model sees
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
    assert len(stock_weights) == min(10, fast.n_known_words)
    for word, weight in fast.weights:
        assert weight == pytest.approx(stock_weights[word], abs=1e-6)
    assert max(abs(w) for _, w in fast.weights) > 1e-3  # a real explanation, not all zeros


def test_explanation_fields(tiny_classifier):
    text = TEXTS[0]
    result = explain(tiny_classifier, text, num_samples=500)
    probs = tiny_classifier.predict_proba([text])[0]
    np.testing.assert_allclose(result.probabilities, probs, rtol=1e-5, atol=1e-6)
    assert result.predicted == result.explained_class == int(np.argmax(probs))
    assert result.n_words == 5 and result.n_known_words == 5  # apple (any case), banana, and, the, engine
    assert result.removable == ("apple", "banana", "and", "the", "engine")
    assert {w for w, _ in result.weights} == set(result.removable)
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
    with pytest.raises(ExplainError, match="10,000"):
        explain(tiny_classifier, "apple", num_samples=MAX_SAMPLES + 1)
    with pytest.raises(ExplainError, match="second topic"):
        explain(tiny_classifier, "apple", class_index=0, versus=0, num_samples=100)


def test_text_without_known_words_still_predicts(tiny_classifier):
    result = explain(tiny_classifier, "Zebra quokka, xylophone!", num_samples=200)
    assert result.n_words == 3 and result.n_known_words == 0 and result.weights == []
    assert 0 <= result.predicted < 3
    assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(result.probabilities, tiny_classifier.predict_proba(["zebra"])[0], rtol=1e-5)


def test_case_variants_are_one_word(tiny_classifier):
    result = explain(tiny_classifier, "IBM ibm Ibm engine Engine brake", num_samples=300)
    assert result.n_known_words == 2 and result.removable == ("engine", "brake")  # "ibm" is unknown here
    mixed = explain(tiny_classifier, "Puck PUCK puck goalie", num_samples=300)
    assert [w for w, _ in mixed.weights].count("puck") == 1 and len(mixed.weights) == 2


def test_huge_text_is_explained_within_the_bounds(tiny_classifier, monkeypatch):
    # A text with more distinct known words than LIME may remove: a fake 2,000-word vocabulary.
    featurizer = tiny_classifier.featurizer
    words = [f"w{i}" for i in range(2000)]
    text = " ".join(words * 8)  # 100,000 characters or less, 2,000 distinct words
    assert len(text) <= MAX_EXPLAIN_CHARS
    from dataclasses import replace
    from textclf.data.features import Featurizer
    from textclf.learn.model import ModelSpec, init_params
    import jax
    big = Featurizer(featurizer.config, words)
    spec = ModelSpec(len(words), (16,), 3)
    clf = replace(tiny_classifier, featurizer=big, spec=spec, params=init_params(jax.random.PRNGKey(0), spec))
    post = read_post(big, text)
    assert post.n_words == 2000
    keep = removable_words(clf, post, 0, None)
    assert len(keep) == MAX_LIME_WORDS
    effect = np.abs(occlusion(clf, post, 0))
    assert effect[keep].min() >= np.delete(effect, keep).max()  # the words that matter most are removable
    result = explain(clf, text, class_index=0, num_samples=200)
    assert len(result.removable) == MAX_LIME_WORDS and result.n_known_words == 2000
    assert len(result.all_weights) == MAX_LIME_WORDS
    np.testing.assert_allclose(result.probabilities, clf.predict_proba([text])[0], atol=1e-5)


def test_the_words_the_model_never_learnt_are_named_the_first_ones_then_counted(tiny_classifier):
    from textclf.explain import explain

    result = explain(tiny_classifier, "goalie zzyzx puck qwerty ZZYZX", num_samples=200)
    assert result.unknown_words == ("zzyzx", "qwerty")
    assert result.unknown_sentence() == "Not among the words the model learnt, so they cannot count: zzyzx, qwerty."
    assert result.unknown_sentence(listed=1).endswith(": zzyzx and 1 more.")
    assert explain(tiny_classifier, "goalie puck", num_samples=200).unknown_sentence() is None
