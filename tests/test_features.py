"""Keras-style tokenisation, the four scalings, and the train-only vocabulary."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from textclf.features import FeatureConfig, Featurizer, keras_tokenize, raw_tokens

# Expected tokens written by hand from Keras Tokenizer's rules: lower-case; every character of
# '!"#$%&()*+,-./:;<=>?@[\]^_`{|}~\t\n' becomes a space; apostrophes stay; split on ' ' only.
KERAS_CASES = [
    ("Hello, World!", ["hello", "world"]),
    ("It's a dog's life... (isn't it?)", ["it's", "a", "dog's", "life", "isn't", "it"]),
    ("E-mail: JOHN.Smith@Example.COM", ["e", "mail", "john", "smith", "example", "com"]),
    ("tab\tnew\nline", ["tab", "new", "line"]),
    ("C++ and C# [v2.0] {x_y} `tick` ~tilde|pipe\\back",
     ["c", "and", "c", "v2", "0", "x", "y", "tick", "tilde", "pipe", "back"]),
    ('"Quoted" 50% off $100 & more; 1<2>3=3^2', ["quoted", "50", "off", "100", "more", "1", "2", "3", "3", "2"]),
    ("'single quotes' stay", ["'single", "quotes'", "stay"]),
    ("Café ÜBER naïve", ["café", "über", "naïve"]),
    ("carriage\rreturn and\u00a0nbsp are not split", ["carriage\rreturn", "and\u00a0nbsp", "are", "not", "split"]),
    ("  many    spaces  ", ["many", "spaces"]),
    ("?!... ---", []),
    ("", []),
]


@pytest.mark.parametrize("text, expected", KERAS_CASES)
def test_keras_tokenize_follows_keras_rules(text, expected):
    assert keras_tokenize(text) == expected


@pytest.mark.parametrize("text, _", KERAS_CASES)
def test_raw_tokens_lowered_are_the_keras_tokens(text, _):
    assert [t.lower() for t in raw_tokens(text)] == keras_tokenize(text)


def test_raw_tokens_keep_case():
    assert raw_tokens("Hello, WORLD it's Me") == ["Hello", "WORLD", "it's", "Me"]


def test_vectoriser_uses_keras_tokens():
    featurizer = Featurizer.fit(["Hello, World! It's HELLO-world."])
    assert featurizer.vocabulary == ["hello", "it's", "world"]
    assert featurizer.counts(["hello hello world"]).toarray().tolist() == [[2.0, 0.0, 1.0]]


TRAIN = ["apple apple banana", "banana cherry"]
NEW = ["Apple, apple! banana.", "cherry cherry cherry durian"]  # "durian" is not in the training texts
COUNTS = np.array([[2, 1, 0], [0, 0, 3]], dtype=np.float64)  # columns: apple, banana, cherry


def _idf():
    # smooth idf of scikit-learn: ln((1 + n) / (1 + df)) + 1 with n = 2 training texts
    return np.array([math.log(3 / 2) + 1, math.log(3 / 3) + 1, math.log(3 / 2) + 1])


def _l2_rows(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("scaling, expected", [
    ("count", COUNTS),
    ("binary", (COUNTS > 0).astype(float)),
    ("log", np.log1p(COUNTS)),
    ("tfidf", _l2_rows(np.where(COUNTS > 0, 1 + np.log(np.maximum(COUNTS, 1)), 0) * _idf())),  # sublinear tf
])
def test_scaling_values(scaling, expected):
    featurizer = Featurizer.fit(TRAIN, FeatureConfig(scaling=scaling))
    x = featurizer.transform(NEW)
    assert sp.issparse(x) and x.format == "csr" and x.dtype == np.float32
    assert featurizer.vocabulary == ["apple", "banana", "cherry"]
    np.testing.assert_allclose(x.toarray(), expected, rtol=1e-6)


@pytest.mark.parametrize("scaling", ["count", "binary", "tfidf", "log"])
def test_scale_dense_matches_sparse_scaling(scaling):
    """The dense path LIME uses scales a row subset exactly like the sparse path."""
    featurizer = Featurizer.fit(TRAIN, FeatureConfig(scaling=scaling))
    counts = featurizer.counts(NEW)  # [2, 3]
    full = featurizer.scale_dense(counts.toarray(), np.arange(3))
    np.testing.assert_allclose(full, featurizer.scale(counts).toarray(), rtol=1e-6)
    ids = np.array([2])  # LIME passes only the columns of the text's own words (here: cherry)
    sub = featurizer.scale_dense(counts[1:, ids].toarray(), ids)
    np.testing.assert_allclose(sub, featurizer.scale(counts[1:]).toarray()[:, ids], rtol=1e-6)


def test_vocabulary_comes_from_training_texts_only():
    featurizer = Featurizer.fit(TRAIN)
    x = featurizer.transform(NEW)
    assert "durian" not in featurizer.index
    assert featurizer.vocab_size == 3 and x.shape == (2, 3)
    assert featurizer.transform(["durian only"]).nnz == 0


def test_min_df_and_max_features():
    texts = ["common rare", "common other", "common other"]
    assert Featurizer.fit(texts, FeatureConfig(min_df=2)).vocabulary == ["common", "other"]
    assert Featurizer.fit(texts, FeatureConfig(max_features=1)).vocabulary == ["common"]


def test_json_round_trip_keeps_vocabulary_and_scaling():
    featurizer = Featurizer.fit(TRAIN, FeatureConfig(scaling="tfidf"))
    again = Featurizer.from_json(featurizer.to_json(), featurizer.idf)
    np.testing.assert_array_equal(again.transform(NEW).toarray(), featurizer.transform(NEW).toarray())


@pytest.mark.parametrize("kwargs", [{"scaling": "tf"}, {"min_df": 0}, {"max_features": 0}])
def test_feature_config_validation(kwargs):
    with pytest.raises(ValueError):
        FeatureConfig(**kwargs)


@pytest.mark.parametrize("scaling", ["count", "tfidf"])
def test_fit_transform_equals_fit_then_transform(scaling):
    config = FeatureConfig(scaling=scaling)
    featurizer, x = Featurizer.fit_transform(TRAIN, config)
    again = Featurizer.fit(TRAIN, config)
    assert featurizer.vocabulary == again.vocabulary
    assert abs(x - again.transform(TRAIN)).max() < 1e-6
