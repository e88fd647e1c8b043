"""Tuned linear reference models: ComplementNB and LinearSVC on sublinear tf-idf, chosen on validation.

Each model's regularisation, and words alone or words and word pairs, are picked on the same validation
split the network uses (``textclf.learn.train.validation_split`` with the training defaults: the validation
rows a file marks, else a held-back share); the winner is then
refitted on every training post, as the recommended preset does, and scored once on the test posts.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

from textclf.data.corpus import Corpus
from textclf.analysis.evaluate import evaluate_predictions
from textclf.data.features import keras_tokenize
from textclf.learn.checks import validation_problem
from textclf.learn.train import TrainConfig, validation_split

# id: (name, parameter name, grid, model factory).
BASELINES: dict[str, tuple[str, str, tuple[float, ...], Callable[[float], object]]] = {
    "complement_nb": ("Complement Naive Bayes", "alpha", (0.03, 0.1, 0.3, 1.0), lambda v: ComplementNB(alpha=v)),
    "linear_svc": ("Linear SVM", "C", (0.03, 0.1, 0.3, 1.0, 3.0), lambda v: LinearSVC(C=v, random_state=0)),
}
NGRAMS = {1: "words", 2: "words+pairs"}
PLAIN_NGRAMS = {1: "single words", 2: "single words and word pairs"}
PAIR_MIN_DF = 2  # word pairs seen in a single post are noise and would triple the columns


class Counts:
    """Word counts and word-pair counts of the training and test posts, computed once."""

    def __init__(self, train_texts: Sequence[str], test_texts: Sequence[str] = ()):
        vectorizer = CountVectorizer(analyzer=keras_tokenize, dtype=np.float32)
        self.words = vectorizer.fit_transform(train_texts).tocsr()  # [n_train, vocab]
        self.test_words = vectorizer.transform(test_texts).tocsr()  # [n_test, vocab]
        index, vocab = vectorizer.vocabulary_, len(vectorizer.vocabulary_)
        train_codes = self._pair_codes(train_texts, index, vocab)
        self.pair_ids, inverse = np.unique(train_codes[1], return_inverse=True)
        self.pairs = self._matrix(train_codes[0], inverse, len(train_texts))
        doc, codes = self._pair_codes(test_texts, index, vocab)
        pos = np.clip(np.searchsorted(self.pair_ids, codes), 0, max(len(self.pair_ids) - 1, 0))
        known = (self.pair_ids[pos] == codes) if len(self.pair_ids) else np.zeros(len(codes), bool)
        self.test_pairs = self._matrix(doc[known], pos[known], len(test_texts))

    @staticmethod
    def _pair_codes(texts: Sequence[str], index: dict, vocab: int) -> tuple[np.ndarray, np.ndarray]:
        """Returns (post of each adjacent pair of known words, pair code first * vocab + second)."""
        docs, codes = [], []
        for d, text in enumerate(texts):
            ids = np.array([index.get(t, -1) for t in keras_tokenize(text)], dtype=np.int64)
            ok = (ids[:-1] >= 0) & (ids[1:] >= 0)
            code = ids[:-1][ok] * vocab + ids[1:][ok]
            codes.append(code)
            docs.append(np.full(len(code), d, dtype=np.int64))
        empty = np.zeros(0, dtype=np.int64)
        return np.concatenate(docs or [empty]), np.concatenate(codes or [empty])

    def _matrix(self, doc: np.ndarray, col: np.ndarray, n: int) -> sp.csr_matrix:
        data = np.ones(len(doc), dtype=np.float32)
        return sp.csr_matrix((data, (doc, col)), shape=(n, len(self.pair_ids)), dtype=np.float32)

    def features(self, n: int, rows: np.ndarray, fit_rows: np.ndarray) -> sp.csr_matrix:
        """Returns tf-idf of training `rows` (or the test posts when rows is None), with the vocabulary and
        idf of training rows `fit_rows` only."""
        def columns(m: sp.csr_matrix, min_df: int) -> np.ndarray:
            return np.flatnonzero(np.bincount(m[fit_rows].indices, minlength=m.shape[1]) >= min_df)

        parts = [(self.words, self.test_words, 1)] + ([(self.pairs, self.test_pairs, PAIR_MIN_DF)] if n == 2 else [])
        chosen = [(m, t, columns(m, df)) for m, t, df in parts]
        fit = sp.hstack([m[fit_rows][:, c] for m, _, c in chosen], format="csr")
        out = sp.hstack([(t if rows is None else m[rows])[:, c] for m, t, c in chosen], format="csr")
        return TfidfTransformer(sublinear_tf=True).fit(fit).transform(out)

    def validation_features(self, fit_idx: np.ndarray, val_idx: np.ndarray
                            ) -> dict[int, tuple[sp.csr_matrix, sp.csr_matrix]]:
        """Returns {n-gram: (tf-idf of rows `fit_idx`, of rows `val_idx`)}, both with `fit_idx`'s vocabulary."""
        return {n: (self.features(n, fit_idx, fit_idx), self.features(n, val_idx, fit_idx)) for n in NGRAMS}


def tune(key: str, x: dict[int, tuple[sp.csr_matrix, sp.csr_matrix]], fit_labels: np.ndarray,
         val_labels: np.ndarray, standard_errors: float = 0.0) -> tuple[int, float, float, float]:
    """Returns (n-gram, value, its validation accuracy, the best validation accuracy) of baseline `key`.

    Every value of its grid is tried with words alone and with words and word pairs (`x`, from
    ``Counts.validation_features``). The simplest setting within `standard_errors` of the best accuracy (its
    binomial standard error on these validation rows) wins: words before pairs, then the grid's order; with
    none that only settles ties.
    """
    scores = []  # (n-gram, value, accuracy) from the simplest setting on
    for n in NGRAMS:
        for value in BASELINES[key][2]:
            model = BASELINES[key][3](value).fit(x[n][0], fit_labels)
            scores.append((n, value, float(np.mean(model.predict(x[n][1]) == val_labels))))
    best = max(accuracy for _, _, accuracy in scores)
    slack = standard_errors * np.sqrt(best * (1 - best) / max(len(val_labels), 1))
    n, value, accuracy = next(s for s in scores if s[2] >= best - slack)
    return n, value, accuracy, best


def run_baselines(corpus: Corpus, val_fraction: float = TrainConfig.val_fraction,
                  seed: int = TrainConfig.seed, keep_predictions: bool = False) -> dict[str, dict]:
    """Returns {baseline id: {"name", "setting", "accuracy", "macro_f1", "val_accuracy", "seconds"}}.

    "setting" says what won on validation, e.g. "C=0.3, words+pairs" ("plain_setting" says it in words, see
    plain_setting); accuracy and macro F1 are on the test set. With `keep_predictions`, "predictions" holds
    the predicted class of every test post (for a paired test against another model).
    Each model tries every value of its grid with words alone and with words and word pairs (10 fits for
    LinearSVC, the yardstick of docs/performance.md), all on the same validation split.
    """
    started = time.perf_counter()
    labels = np.asarray(corpus.train_labels)
    try:
        fit_idx, val_idx = validation_split(corpus, val_fraction, seed)
    except ValueError:  # scikit-learn's words ("test_size = 1 should be ..."): say it as the Train page does
        raise ValueError(validation_problem(labels, corpus.n_classes, val_fraction, seed)) from None
    counts = Counts(corpus.train_texts, corpus.test_texts)
    chosen: dict[str, tuple[int, float, float | None]] = {}  # id: (n-gram, value, validation accuracy)
    if len(val_idx) and len(np.unique(labels[fit_idx])) > 1:
        x = counts.validation_features(fit_idx, val_idx)
        for key in BASELINES:
            chosen[key] = tune(key, x, labels[fit_idx], labels[val_idx])[:3]
    else:  # too few posts to hold any back: sklearn-style middle values
        chosen = {key: (1, grid[len(grid) // 2], None) for key, (_, _, grid, _) in BASELINES.items()}
    everything = np.arange(len(labels))
    results = {}
    for key, (n, value, val_accuracy) in chosen.items():
        t0 = time.perf_counter()
        name, param, _, make = BASELINES[key]
        model = make(value).fit(counts.features(n, everything, everything), labels)
        predictions = model.predict(counts.features(n, None, everything))
        evaluation = evaluate_predictions(corpus.test_labels, predictions, corpus.class_names)
        results[key] = {"name": name, "setting": f"{param}={value:g}, {NGRAMS[n]}",
                        "plain_setting": plain_setting(key, value, n), "accuracy": evaluation.accuracy,
                        "macro_f1": evaluation.macro_f1, "val_accuracy": val_accuracy,
                        "seconds": time.perf_counter() - t0}
        if keep_predictions:
            results[key]["predictions"] = np.asarray(predictions).tolist()
    for result in results.values():
        result["search_seconds"] = time.perf_counter() - started
    return results


def best_baseline(results: dict[str, dict]) -> dict:
    """Returns the result with the higher test accuracy: the yardstick a network must reach, never flattering it."""
    return max(results.values(), key=lambda r: r["accuracy"])


def plain_setting(key: str, value: float, ngram: int) -> str:
    """Returns a baseline's setting in words, e.g. "light smoothing (0.1) on single words".

    Naive Bayes' alpha is smoothing: how far it discounts words seen only a few times in a topic (small: light).
    The SVM's C works the other way round: a small C holds the model back strongly from leaning on a few
    words (strong regularisation), so C=0.1 is "strong", C=1 "light".
    """
    if key == "complement_nb":
        strength = "very light" if value < 0.05 else "light" if value < 0.2 else "medium" if value < 0.6 else "strong"
        what = f"{strength} smoothing ({value:g})"
    elif key == "linear_svc":
        strength = "strong" if value < 0.2 else "medium" if value < 0.6 else "light"
        what = f"{strength} regularisation ({value:g})"
    else:
        what = f"setting {value:g}"
    return f"{what} on {PLAIN_NGRAMS.get(ngram, f'groups of up to {ngram} words')}"


def setting_of(result: dict) -> str:
    """Returns the winning setting in words (the terse "alpha=0.1, words" of results made before plain ones)."""
    return result.get("plain_setting") or result.get("setting", "")


def describe_baseline(result: dict) -> str:
    """Returns e.g. "Linear SVM with medium regularisation (0.3) on single words and word pairs"."""
    setting = setting_of(result)
    if not setting:
        return result["name"]
    return f"{result['name']} with {setting}" if result.get("plain_setting") else f"{result['name']} ({setting})"
