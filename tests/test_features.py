"""Keras-style tokenisation, the four scalings, and the train-only vocabulary."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from textclf.data import features
from textclf.data import NEWSGROUPS, TUTORIAL_CATEGORIES, load_newsgroups
from textclf.data.features import FeatureConfig, Featurizer, KerasCounter, keras_tokenize, raw_tokens

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


# ---- the fast counter against scikit-learn's own counting loop -------------------------------------------
# Whitespace that str.split() would break on but Keras keeps inside a token, letters whose lower case is longer
# or depends on context, digits, apostrophes, emoji, a NUL, and texts with nothing but separators.
TRICKY = [
    "It's a dog's life... isn't it? 'quoted' ''", "C++ and C# [v2.0] {x_y} `tick` ~tilde|pipe\\back",
    "carriage\rreturn vertical\x0btab form\x0cfeed file\x1csep next\x85line nbsp\u00a0here em\u2003space "
    "ideographic\u3000space line\u2028sep", "İstanbul ΣΟΦΟΣ ΟΔΟΣ straße ǅemal ﬁne", "Café ÜBER naïve CAFÉ café",
    "1,000,000 3.14159 2024-01-31 0x1F 007 ½ ² ٣", "emoji 😀😀 😀 and\u200bzero\u200bwidth", "nul\x00inside \x00",
    "", "   ", "?!... ---", "\t\n\t", "repeat repeat REPEAT Repeat repeat",
]


def _same_matrix(a, b):
    assert type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype
    for part in ("data", "indices", "indptr"):  # the same layout, not only the same values
        assert getattr(a, part).dtype == getattr(b, part).dtype
        np.testing.assert_array_equal(getattr(a, part), getattr(b, part))


def _compare_counters(fit_texts, new_texts, **kwargs):
    reference = CountVectorizer(analyzer=keras_tokenize, dtype=np.float32, **kwargs)
    fast = KerasCounter(analyzer=keras_tokenize, dtype=np.float32, **kwargs)
    _same_matrix(fast.fit_transform(fit_texts), reference.fit_transform(fit_texts))
    assert fast.vocabulary_ == reference.vocabulary_
    assert list(fast.get_feature_names_out()) == list(reference.get_feature_names_out())
    _same_matrix(fast.transform(new_texts), reference.transform(new_texts))


@pytest.mark.parametrize("kwargs", [{}, {"min_df": 2}, {"max_features": 7}, {"min_df": 2, "max_features": 3}])
def test_fast_counter_equals_countvectorizer_on_tricky_texts(kwargs):
    _compare_counters(TRICKY * 2 + ["only once here"], TRICKY[::-1] + ["unknown words only", ""], **kwargs)


def test_fast_counter_equals_countvectorizer_across_chunks(monkeypatch):
    """Documents are counted a chunk at a time; ids and rows carry over from one chunk to the next."""
    monkeypatch.setattr(features, "COUNT_CHUNK", 3)
    _compare_counters(TRICKY + TRAIN + NEW, NEW + TRICKY + [""] * 4)
    _compare_counters(TRICKY, [])


@pytest.mark.parametrize("text", [s for s in TRICKY if s.strip()])
def test_tokens_of_tricky_texts_are_kerass(text):
    """Keras: lower-case, the filters become spaces, split on " " only, drop empty strings."""
    translated = "".join(" " if c in features.KERAS_FILTERS else c for c in text.lower())
    assert keras_tokenize(text) == [t for t in translated.split(" ") if t]


def test_fast_counter_refuses_what_countvectorizer_refuses():
    for texts in (["", "?!"], []):  # no word at all
        with pytest.raises(ValueError, match="empty vocabulary"):
            KerasCounter(analyzer=keras_tokenize).fit_transform(texts)
    with pytest.raises(ValueError, match="np.nan is an invalid document"):
        KerasCounter(analyzer=keras_tokenize).fit_transform(["fine", np.nan])
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        KerasCounter(analyzer=keras_tokenize).fit_transform("one string")


def test_featurizer_counts_with_the_fast_counter():
    featurizer = Featurizer.fit(TRAIN)
    assert type(featurizer._counter) is KerasCounter


@pytest.mark.parametrize("categories, remove", [(TUTORIAL_CATEGORIES, False), (NEWSGROUPS, True)])
def test_fast_counter_equals_countvectorizer_on_newsgroups(newsgroups_home, categories, remove):
    corpus = load_newsgroups(categories, remove, data_home=newsgroups_home, allow_download=False)
    _compare_counters(corpus.train_texts[:3000], corpus.test_texts[:2000])
    _compare_counters(corpus.train_texts[:3000], corpus.test_texts[:500], min_df=2, max_features=5000)


def test_budget_cap_is_unchanged_by_the_fast_counter(newsgroups_home, monkeypatch):
    """The saved-model cap keeps the same words and columns whichever counter read the texts."""
    texts = load_newsgroups(data_home=newsgroups_home, allow_download=False).train_texts[:1500]
    budget = (200_000, 64)  # small enough to cut the vocabulary
    fast, x_fast = Featurizer.fit_transform(texts, budget=budget)
    monkeypatch.setattr(features, "KerasCounter", CountVectorizer)
    slow, x_slow = Featurizer.fit_transform(texts, budget=budget)
    assert fast.capped_from == slow.capped_from and fast.capped_from is not None
    assert fast.vocabulary == slow.vocabulary
    _same_matrix(x_fast, x_slow)


def test_counting_pauses_the_cycle_collector_and_turns_it_back_on(monkeypatch):
    import gc

    seen = []
    real = features.KerasCounter._count_vocab_now

    def spy(self, *args):
        seen.append(gc.isenabled())
        return real(self, *args)

    monkeypatch.setattr(features.KerasCounter, "_count_vocab_now", spy)
    assert gc.isenabled()
    features.KerasCounter(analyzer=features.keras_tokenize).fit(["a b", "b c"])
    assert seen == [False] and gc.isenabled()
    gc.disable()  # someone else's pause is left as it was
    try:
        features.KerasCounter(analyzer=features.keras_tokenize).fit(["a b"])
        assert not gc.isenabled()
    finally:
        gc.enable()
