"""LIME explanations: lime's own perturbation and regression, with the neighbourhood built as count vectors."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

import numpy as np
from lime.lime_base import LimeBase
from lime.lime_text import LimeTextExplainer
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from textclf.classifier import Classifier
from textclf.features import raw_tokens
from textclf.model import probs_dense

KERNEL_WIDTH = 25.0  # LimeTextExplainer's default
MAX_EXPLAIN_CHARS = 100_000
PREDICT_ROWS = 1024  # neighbourhood rows per jitted call (fixed, so one compile per width bucket)


class ExplainError(ValueError):
    """The text cannot be explained (empty, too long, ...); the message says why."""


@dataclass(frozen=True)
class Explanation:
    """Why the model predicted what it did for one text."""

    text: str
    predicted: int
    probabilities: np.ndarray  # [n_classes]
    class_names: tuple[str, ...]
    explained_class: int
    weights: list[tuple[str, float]]  # (word as written, weight), largest |weight| first
    intercept: float
    score: float  # R^2 of LIME's local linear fit
    local_prediction: float
    n_words: int  # distinct words LIME could remove
    n_known_words: int  # of which the model's vocabulary knows this many
    seconds: float

    def to_json(self) -> dict:
        """Returns a JSON-safe dict."""
        return {"predicted": self.class_names[self.predicted],
                "probabilities": {n: float(p) for n, p in zip(self.class_names, self.probabilities)},
                "explained_class": self.class_names[self.explained_class],
                "weights": [[w, float(v)] for w, v in self.weights], "intercept": self.intercept,
                "score": self.score, "local_prediction": self.local_prediction,
                "n_words": self.n_words, "n_known_words": self.n_known_words, "seconds": self.seconds}


def _kernel(d: np.ndarray, kernel_width: float) -> np.ndarray:
    return np.sqrt(np.exp(-(d ** 2) / kernel_width ** 2))


def check_text(text: str) -> list[str]:
    """Returns the text's distinct words in order of first appearance, or raises ExplainError."""
    if not text or not text.strip():
        raise ExplainError("The text is empty: paste or type some words to explain.")
    if len(text) > MAX_EXPLAIN_CHARS:
        raise ExplainError(f"The text has {len(text):,} characters; explanations are limited to "
                           f"{MAX_EXPLAIN_CHARS:,}. Paste a shorter passage.")
    words = list(dict.fromkeys(raw_tokens(text)))  # the features LimeTextExplainer would use
    if not words:
        raise ExplainError("The text has no words, only punctuation or spaces.")
    return words


def neighbourhood(n_words: int, num_samples: int, random_state: np.random.RandomState) -> np.ndarray:
    """Returns LIME's perturbation masks [num_samples, n_words]; row 0 keeps every word.

    Draws from `random_state` exactly as LimeTextExplainer does, so the same seed gives the same rows.
    """
    sizes = random_state.randint(1, n_words + 1, num_samples - 1)
    data = np.ones((num_samples, n_words))
    for i, size in enumerate(sizes, start=1):
        # RandomState.choice(n, size, replace=False) is permutation(n)[:size]: the same draws, less overhead.
        data[i, random_state.permutation(n_words)[:size]] = 0
    return data


def _bucket(n: int, step: int) -> int:
    return max(step, -(-n // step) * step)


def neighbourhood_probs(classifier: Classifier, words: list[str], counts: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Returns class probabilities [n_samples, classes] of the texts that keep the words masks select.

    counts[f] is how often word f occurs; a sample's count vector is masks @ (word -> vocabulary) counts,
    and its first layer uses only the post's own rows of the weight matrix.
    """
    index = classifier.featurizer.index
    ids = np.array([index.get(w.lower(), -1) for w in words])
    word_ids, column = np.unique(ids[ids >= 0], return_inverse=True)
    to_vocab = np.zeros((len(words), _bucket(len(word_ids), 64)), dtype=np.float64)  # [words, k]
    to_vocab[np.flatnonzero(ids >= 0), column] = counts[ids >= 0]
    padded_ids = np.zeros(to_vocab.shape[1], dtype=np.int32)
    padded_ids[: len(word_ids)] = word_ids  # padding columns have zero counts
    x = classifier.featurizer.scale_dense(masks @ to_vocab, padded_ids)  # [n_samples, k]
    n = len(masks)
    x_padded = np.zeros((_bucket(n, PREDICT_ROWS), x.shape[1]), dtype=np.float32)
    x_padded[:n] = x
    out = [np.asarray(probs_dense(classifier.params, x_padded[i:i + PREDICT_ROWS], padded_ids, classifier.spec))
           for i in range(0, len(x_padded), PREDICT_ROWS)]
    return np.concatenate(out)[:n].astype(np.float64)


def explain(classifier: Classifier, text: str, class_index: int | None = None, num_features: int = 10,
            num_samples: int = 5000, seed: int = 0) -> Explanation:
    """Returns LIME's explanation of `text` for `class_index` (default: the predicted class)."""
    started = time.perf_counter()
    words = check_text(text)
    if num_samples < 2:
        raise ExplainError("LIME needs at least 2 samples.")
    tokens = raw_tokens(text)
    position = {w: i for i, w in enumerate(words)}
    counts = np.bincount([position[t] for t in tokens], minlength=len(words)).astype(np.float64)
    random_state = check_random_state(seed)
    masks = neighbourhood(len(words), num_samples, random_state)
    probs = neighbourhood_probs(classifier, words, counts, masks)
    # LIME's cosine distance to the all-ones row 0, in closed form: 1 - sqrt(kept / n_words).
    distances = (1.0 - np.sqrt(masks.sum(axis=1) / len(words))) * 100
    predicted = int(np.argmax(probs[0]))
    label = predicted if class_index is None else int(class_index)
    if not 0 <= label < classifier.spec.n_classes:
        raise ExplainError(f"class {class_index} does not exist")
    base = LimeBase(partial(_kernel, kernel_width=KERNEL_WIDTH), random_state=random_state)
    with threadpool_limits(1):  # the ridge fits are small; BLAS threads only add start-up and contention
        intercept, local_exp, score, local_pred = base.explain_instance_with_data(
            masks, probs, distances, label, min(num_features, len(words)), feature_selection="auto")
    n_known = sum(1 for w in words if w.lower() in classifier.featurizer.index)
    return Explanation(text, predicted, probs[0], classifier.class_names, label,
                       [(words[i], float(w)) for i, w in local_exp], float(intercept), float(score),
                       float(np.ravel(local_pred)[0]), len(words), n_known, time.perf_counter() - started)


def explain_stock(classifier: Classifier, text: str, class_index: int | None = None, num_features: int = 10,
                  num_samples: int = 5000, seed: int = 0) -> list[tuple[str, float]]:
    """Returns stock LimeTextExplainer's weights, configured with the model's tokenisation (the reference)."""
    explainer = LimeTextExplainer(class_names=list(classifier.class_names), split_expression=raw_tokens,
                                  bow=True, random_state=seed)
    if class_index is None:
        class_index = int(np.argmax(classifier.predict_proba([text])[0]))
    result = explainer.explain_instance(text, classifier.predict_proba, labels=(class_index,),
                                        num_features=num_features, num_samples=num_samples)
    return [(result.domain_mapper.indexed_string.word(i), float(w)) for i, w in result.local_exp[class_index]]
