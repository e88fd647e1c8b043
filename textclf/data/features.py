"""How texts become word-count vectors: Keras-style tokenisation over scikit-learn's CountVectorizer."""

from __future__ import annotations

import gc
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from itertools import chain, islice, repeat
from typing import Iterable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from textclf import limits

# Keras Tokenizer's default `filters`: these characters become spaces; the apostrophe is kept.
KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_TO_SPACE = str.maketrans({c: " " for c in KERAS_FILTERS})
# The same split on the raw text, keeping case, so LIME can remove words where they stand.
WORD_SEPARATORS = re.compile("[" + re.escape(KERAS_FILTERS + " ") + "]+")
SCALINGS = ("count", "binary", "tfidf", "log")


def keras_tokenize(text: str) -> list[str]:
    """Returns the tokens Keras's Tokenizer (lower=True, split=' ', default filters) would produce."""
    # split(" ") and not split(): Keras keeps "\r" or a no-break space inside a token. filter(None, ...)
    # drops the empty strings between repeated spaces in C, twice as fast as a comprehension.
    return list(filter(None, text.lower().translate(_TO_SPACE).split(" ")))


def keras_tokenize_with_pairs(text: str) -> list[str]:
    """Returns the Keras tokens, then every pair of neighbouring tokens as "first second".

    The same terms as scikit-learn's ``ngram_range=(1, 2)`` over these tokens (its word n-grams are joined by
    one space, unigrams first). A Keras token never holds a space, so a term with one is always a pair.
    """
    tokens = keras_tokenize(text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def is_pair(term: str) -> bool:
    """Returns True for a word pair ("how many"), False for a single word."""
    return " " in term


def raw_tokens(text: str) -> list[str]:
    """Returns the tokens of `text` in their original case; ``t.lower()`` is the Keras token."""
    return [t for t in WORD_SEPARATORS.split(text) if t]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pauses Python's cycle collector for a burst of short-lived token lists (they form no cycles).

    Each full collection scans every live object of the process: in a server or bench process holding a few
    corpora and models, those collections were 0.3-0.45 s of classifying 10,000 posts. Only the thread that
    paused it turns it back on, so overlapping pauses never leave it off.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


PAIR_MIN_DF = 2  # a word pair enters the vocabulary when at least this many training texts have it (min_df too)
# Texts tokenised at once when counting: the token strings of one chunk live only until it is counted.
COUNT_CHUNK = 2048


class KerasCounter(CountVectorizer):
    """CountVectorizer whose counting runs in C (map, numpy, scipy), not a Python loop per token.

    Only ``_count_vocab``, ``_limit_features`` and ``_sort_features`` are replaced, each with the same result
    as scikit-learn's (word ids in order of first appearance, [n, vocab] CSR with sorted indices; then words
    in alphabetical order); the rest of fitting and pruning stays scikit-learn's own. Should a future
    scikit-learn stop calling these, the parent's code runs: slower, still the same numbers
    (tests/test_features.py compares the two).
    """

    def _count_vocab(self, raw_documents, fixed_vocab):
        with gc_paused():
            return self._count_vocab_now(raw_documents, fixed_vocab)

    def _count_vocab_now(self, raw_documents, fixed_vocab):
        if fixed_vocab:
            vocabulary = self.vocabulary_
        else:
            vocabulary = defaultdict()
            vocabulary.default_factory = vocabulary.__len__  # a new word gets the next id, as in the parent
        analyze = self.build_analyzer()  # decodes (refusing NaN, as the parent does) and tokenises
        lengths: list[int] = []  # tokens per document

        def tokenise(doc) -> list[str]:
            tokens = analyze(doc)
            lengths.append(len(tokens))
            return tokens  # freed as soon as its ids are read: keeping every list alive would wake the GC

        documents = iter(raw_documents)
        values, indices = [], []
        while True:
            first = len(lengths)
            tokens = chain.from_iterable(map(tokenise, islice(documents, COUNT_CHUNK)))
            if fixed_vocab:
                ids = np.fromiter(map(vocabulary.get, tokens, repeat(-1)), np.int64)  # -1: not a known word
            else:
                ids = np.fromiter(map(vocabulary.__getitem__, tokens), np.int64)
            n_docs = len(lengths) - first
            if n_docs == 0:
                break
            rows = np.repeat(np.arange(n_docs), lengths[first:])  # [tokens]
            known = ids >= 0
            # COO -> CSR sums repeated (document, word) pairs into counts, word ids ascending within a row.
            counts = sp.csr_matrix((np.ones(int(known.sum()), np.int32), (rows[known], ids[known])),
                                   shape=(n_docs, max(len(vocabulary), 1)))
            counts.sum_duplicates()
            values.append(counts.data)
            indices.append(counts.indices)
            lengths[first:] = np.diff(counts.indptr).tolist()  # from here on: words per document
        if not fixed_vocab:
            vocabulary = dict(vocabulary)
            if not vocabulary:
                raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        indptr = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
        index_dtype = np.int32 if indptr[-1] <= np.iinfo(np.int32).max else np.int64
        x = sp.csr_matrix((np.concatenate([np.zeros(0, np.int32), *values]),
                           np.concatenate([np.zeros(0, index_dtype), *indices]).astype(index_dtype),
                           indptr.astype(index_dtype)),
                          shape=(len(lengths), len(vocabulary)), dtype=self.dtype)
        x.sort_indices()  # already sorted: this only sets the flag the parent's matrix carries
        return vocabulary, x

    def _limit_features(self, X, vocabulary, high=None, low=None, limit=None):
        # Every word is in at least one text and at most in all: with min_df 1 and no cap the parent only
        # copies X column by column.
        if limit is None and (low is None or low <= 1) and (high is None or high >= X.shape[0]):
            return X
        return super()._limit_features(X, vocabulary, high, low, limit)

    def _sort_features(self, X, vocabulary):
        # The parent's, without its Python loop: words are distinct, so sorting them alone orders the pairs.
        words = sorted(vocabulary)
        old_ids = np.fromiter(map(vocabulary.__getitem__, words), np.int64, len(words))
        map_index = np.empty(len(words), dtype=X.indices.dtype)
        map_index[old_ids] = np.arange(len(words))
        vocabulary.update(zip(words, range(len(words))))  # in place, as the parent does
        X.indices = map_index.take(X.indices, mode="clip")
        return X


@dataclass(frozen=True)
class FeatureConfig:
    """How word counts are scaled and which words enter the vocabulary."""

    scaling: str = "count"  # count | binary | tfidf (sublinear tf x idf, unit length) | log (log(1 + count))
    min_df: int = 1  # a word must occur in at least this many training texts
    max_features: int | None = None  # keep only the most frequent words
    pairs: bool = False  # also neighbouring word pairs ("how many") as features, like ngram_range=(1, 2)
    # Training tries words alone and words with pairs, and keeps what does better on the validation texts
    # (learn.choice); the trained model's own config then says which it has.
    choose_pairs: bool = False

    @property
    def analyzer(self):
        """Returns the function that turns a text into its terms (words, and word pairs with `pairs`)."""
        return keras_tokenize_with_pairs if self.pairs else keras_tokenize

    def __post_init__(self) -> None:
        if self.scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {', '.join(SCALINGS)}, not {self.scaling!r}")
        if self.min_df < 1:
            raise ValueError("min_df must be at least 1")
        if self.max_features is not None and self.max_features < 1:
            raise ValueError("max_features must be at least 1")


class Featurizer:
    """A vocabulary fitted on training texts and the scaling that turns texts into sparse rows."""

    def __init__(self, config: FeatureConfig, vocabulary: Sequence[str], idf: np.ndarray | None = None):
        self.config = config
        self.vocabulary = list(vocabulary)
        self.index = {w: i for i, w in enumerate(self.vocabulary)}
        self.idf = None if idf is None else np.asarray(idf, dtype=np.float32)  # [vocab]
        self._counter = KerasCounter(analyzer=config.analyzer, vocabulary=self.index, dtype=np.float32)
        self.capped_from: int | None = None  # words found before the size budget cut the vocabulary, if it did

    @classmethod
    def fit(cls, texts: Iterable[str], config: FeatureConfig = FeatureConfig(),
            budget: tuple[int, int] | None = None) -> "Featurizer":
        """Returns a featurizer whose vocabulary comes from `texts` (training texts only)."""
        return cls.fit_transform(texts, config, budget)[0]

    @classmethod
    def fit_transform(cls, texts: Iterable[str], config: FeatureConfig = FeatureConfig(),
                      budget: tuple[int, int] | None = None) -> tuple["Featurizer", sp.csr_matrix]:
        """Returns (featurizer fitted on `texts`, their scaled rows [n, vocab] CSR), reading the texts once.

        Args:
            budget: (bytes, weight bytes per word) from limits.vocabulary_budget: only the most frequent words
                (and word pairs) whose weights and text fit in those bytes are kept, so the saved model stays
                small enough. With pairs this is what bounds the vocabulary: pairs outnumber words many times.
        """
        counter = KerasCounter(analyzer=config.analyzer, min_df=config.min_df,
                               max_features=config.max_features, dtype=np.float32)
        counts = counter.fit_transform(texts)  # [n, vocab] CSR, columns in vocabulary order
        vocabulary = counter.get_feature_names_out().tolist()
        if config.pairs:
            # A pair seen in a single training text teaches nothing it can use again, and pairs seen once are most
            # of them: on one-sentence reviews they made the vocabulary 5 times larger and training 2-3 times
            # slower. The yardstick (analysis.baselines) keeps pairs of at least two texts too.
            seen_in = np.bincount(counts.indices, minlength=len(vocabulary))  # [vocab] texts per term
            keep = np.flatnonzero([not is_pair(t) or n >= PAIR_MIN_DF for t, n in zip(vocabulary, seen_in)])
            if len(keep) < len(vocabulary):
                vocabulary = [vocabulary[i] for i in keep]
                counts = counts[:, keep]
        capped_from = None
        if budget is not None and not limits.surely_fits(vocabulary, *budget):
            total, per_word = budget
            order = np.argsort(-np.asarray(counts.sum(axis=0)).ravel(), kind="stable")  # most frequent first
            n = limits.words_that_fit((per_word + limits.word_bytes(vocabulary[i]) for i in order), total)
            if n < len(vocabulary):
                capped_from = len(vocabulary)
                keep = np.sort(order[:n])
                vocabulary = [vocabulary[i] for i in keep]
                counts = counts[:, keep]
        idf = None
        if config.scaling == "tfidf":
            idf = TfidfTransformer().fit(counts).idf_
        featurizer = cls(config, vocabulary, idf)
        featurizer.capped_from = capped_from
        return featurizer, featurizer.scale(sp.csr_matrix(counts, dtype=np.float32))

    @property
    def vocab_size(self) -> int:
        """Returns the number of words in the vocabulary."""
        return len(self.vocabulary)

    def unknown_words(self, text: str) -> list[str]:
        """Returns the words of `text` (as the model sees them, lowercase) that are not in the vocabulary, in order."""
        return [w for w in dict.fromkeys(keras_tokenize(text)) if w not in self.index]

    def counts(self, texts: Iterable[str]) -> sp.csr_matrix:
        """Returns raw word counts, [n, vocab] CSR float32."""
        return self._counter.transform(texts).astype(np.float32)

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """Returns scaled feature rows, [n, vocab] CSR float32."""
        return self.scale(self.counts(texts))

    def scale(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Returns `counts` scaled by the configured scheme (rows stay sparse)."""
        x = sp.csr_matrix(counts, dtype=np.float32, copy=True)
        mode = self.config.scaling
        if mode == "binary":
            x.data[:] = 1.0
        elif mode == "log":
            x.data = np.log1p(x.data)
        elif mode == "tfidf":
            x.data = 1.0 + np.log(x.data)  # sublinear term frequency, as the linear baselines use
            x = sp.csr_matrix(x.multiply(self.idf[None, :]), dtype=np.float32)
            norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
            norms[norms == 0] = 1.0
            x = sp.csr_matrix(sp.diags(1.0 / norms) @ x, dtype=np.float32)
        return x

    def scale_dense(self, counts: np.ndarray, word_ids: np.ndarray) -> np.ndarray:
        """Returns `counts` [n, k] over vocabulary columns `word_ids` [k], scaled like ``scale``."""
        mode = self.config.scaling
        if mode == "binary":
            return (counts > 0).astype(np.float32)
        if mode == "log":
            return np.log1p(counts).astype(np.float32)
        if mode == "tfidf":
            tf = np.where(counts > 0, 1.0 + np.log(np.maximum(counts, 1.0)), 0.0)
            x = tf * self.idf[word_ids][None, :]
            norms = np.sqrt((x * x).sum(axis=1, keepdims=True))
            return (x / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        return counts.astype(np.float32)

    def to_json(self) -> dict:
        """Returns a JSON-safe description (vocabulary in index order, config); idf goes in the npz."""
        return {"config": asdict(self.config), "vocabulary": self.vocabulary}

    @classmethod
    def from_json(cls, data: dict, idf: np.ndarray | None) -> "Featurizer":
        """Returns the featurizer described by ``to_json`` output."""
        return cls(FeatureConfig(**data["config"]), data["vocabulary"], idf)
