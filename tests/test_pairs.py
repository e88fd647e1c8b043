"""Word pairs: a pair that decides the class is learnt, and every explanation shows it as the pair."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from textclf import limits
from textclf.data import Corpus
from textclf.data.features import FeatureConfig, Featurizer, keras_tokenize
from textclf.explain import explain, integrated_gradients, occlusion, read_post, topic_words
from textclf.learn.presets import features_from_form, form_values
from textclf.learn.train import TrainConfig, run_to_end, train
from textclf.store.modelfiles import load_model, save_model

FILLER = ["apples", "pears", "cars", "roads", "today", "really", "some", "there", "were", "we"]


def _texts(rng, n):
    """Both classes have "how" and "many" once each; only in "count" are they neighbours, in that order."""
    texts, labels = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(FILLER, 4))
        if label == 0:
            at = int(rng.integers(0, 5))
            words[at:at] = ["how", "many"]
        else:  # "many" before "how", never next to each other
            words = ["many", *words[:2], "how", *words[2:]]
        texts.append(" ".join(words) + "?")
        labels.append(label)
    return texts, np.array(labels, dtype=np.int32)


@pytest.fixture(scope="module")
def pair_corpus():
    rng = np.random.default_rng(0)
    train_texts, train_labels = _texts(rng, 240)
    test_texts, test_labels = _texts(rng, 60)
    return Corpus(train_texts, train_labels, test_texts, test_labels, ("count", "other"), {"source": "pairs"})


CONFIG = TrainConfig(hidden=(16,), epochs=6, batch_size=16, learning_rate=1e-2, val_fraction=0.0)


def _fit(corpus, pairs):
    finished = run_to_end(train(corpus, FeatureConfig(pairs=pairs), CONFIG))
    assert finished.reason == "completed", finished.message
    return finished.classifier


@pytest.fixture(scope="module")
def pair_model(pair_corpus):
    return _fit(pair_corpus, pairs=True)


def _accuracy(classifier, corpus):
    return float(np.mean(classifier.predict(corpus.test_texts) == corpus.test_labels))


def test_the_terms_are_scikit_learns_word_pairs_over_keras_tokens():
    texts = ["How many? Oh, how MANY cars", "it's not good", "one", "How many cars? It's not one"]
    ours = Featurizer.fit(texts, FeatureConfig(pairs=True)).vocabulary
    reference = CountVectorizer(tokenizer=keras_tokenize, lowercase=False, token_pattern=None,
                                ngram_range=(1, 2)).fit(texts).get_feature_names_out().tolist()
    # Every word, and the pairs of at least two texts (a pair seen once is dropped, as the yardstick drops it).
    twice = [t for t in reference if " " not in t or sum(t in " ".join(keras_tokenize(x)) for x in texts) >= 2]
    assert ours == twice and "how many" in ours and "it's not" in ours and "not good" not in ours
    assert "good" in ours and "oh" in ours  # words seen once stay (min_df 1)


def test_a_pair_decides_the_class_only_a_pair_model_can_tell(pair_corpus, pair_model):
    assert _accuracy(pair_model, pair_corpus) > 0.95
    assert _accuracy(_fit(pair_corpus, pairs=False), pair_corpus) < 0.8  # the same words, in another order


def test_topic_words_list_the_pair(pair_model, pair_corpus):
    words = [w for w, _ in topic_words(pair_model, pair_corpus.test_texts, top=3).classes["count"]]
    assert words[0] == "how many"


def test_occlusion_and_gradients_attribute_to_the_pair(pair_model):
    post = read_post(pair_model.featurizer, "How many apples were there today?")
    assert "how many" in post.words and "how" in post.words
    assert post.words[int(np.argmax(occlusion(pair_model, post, 0)))] == "how many"
    grads = integrated_gradients(pair_model, post, 0)
    assert post.words[int(np.argmax(grads.attributions))] == "how many"
    assert grads.completeness_error < 1e-3


def test_lime_explains_a_pair_model_with_the_pair_on_top(pair_model):
    result = explain(pair_model, "How many apples were there today?", num_samples=500, seed=0)
    assert result.explained_class == 0
    assert result.weights[0][0] == "how many" and result.weights[0][1] > 0
    assert "how many" in result.removable


def test_a_pair_model_saves_and_loads_with_its_pairs(pair_model, tmp_path):
    loaded = load_model(save_model(pair_model, tmp_path / "model"))
    assert loaded.featurizer.config.pairs
    text = ["how many cars today"]
    assert np.allclose(loaded.predict_proba(text), pair_model.predict_proba(text), atol=1e-3)


def test_the_size_budget_caps_the_pairs_most_frequent_first():
    rng = np.random.default_rng(0)
    texts = [" ".join(f"w{k}" for k in rng.integers(0, 40, 30)) for _ in range(200)]  # 40 words, ~1600 pairs
    per_word = 64 * limits.EMBED_BYTES
    full = Featurizer.fit(texts, FeatureConfig(pairs=True))
    capped = Featurizer.fit(texts, FeatureConfig(pairs=True), budget=(300 * per_word, per_word))
    assert capped.capped_from == full.vocab_size and capped.vocab_size < 300 < full.vocab_size
    assert set(capped.vocabulary) >= {f"w{k}" for k in range(40)}  # single words are the most frequent terms


def test_the_form_carries_word_pairs():
    assert features_from_form({**form_values("recommended"), "pairs": True}).pairs
    assert not features_from_form(form_values("tutorial")).pairs
