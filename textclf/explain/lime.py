"""LIME explanations: lime's own regression over a neighbourhood of the post's known words, built as values.

LIME removes the words the model sees (lowercase, so "IBM" and "ibm" are one word) and no unknown word,
whose removal changes nothing. Texts with more than MAX_LIME_WORDS distinct known words keep the rest in
every variant; the removable ones are those whose removal alone moves the explained score most.

A word-pair model (FeatureConfig.pairs) is explained on its features, as it sees them: each single word and
each known pair ("how many") is one of LIME's removable parts, so a pair gets a weight of its own and is shown
as a pair. Removing "how" keeps "how many" in that variant: the variants are inputs of the model, not texts,
as they already are for case variants. The alternative, removing words from the text so that each removal
also takes away the pairs the word is in, would spread a pair's effect over its two words and could never
show the pair, which is what users understand; `explain_stock` does that, as the reference.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

import numpy as np
from lime.lime_base import LimeBase
from lime.lime_text import LimeTextExplainer
from sklearn.linear_model import Ridge
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from textclf.learn.classifier import Classifier
from textclf.explain.forward import first_layer_sum, leave_one_out, probs_of_counts, probs_of_values, values_of
from textclf.explain.post import MAX_LIME_WORDS, MAX_SAMPLES, ExplainError, Post, read_post
from textclf.data.features import keras_tokenize

KERNEL_WIDTH = 25.0  # LimeTextExplainer's default


@dataclass(frozen=True)
class Explanation:
    """Why the model predicted what it did for one text."""

    text: str
    predicted: int
    probabilities: np.ndarray  # [n_classes]
    class_names: tuple[str, ...]
    explained_class: int
    weights: list[tuple[str, float]]  # (word as the model sees it, weight), largest |weight| first
    intercept: float
    score: float  # R^2 of LIME's local linear fit
    local_prediction: float
    n_words: int  # distinct words of the text
    n_known_words: int  # of which the model's vocabulary knows this many
    seconds: float
    versus: int | None = None  # with a second class: the weights explain log p(explained) - log p(versus)
    n_samples: int = 0
    removable: tuple[str, ...] = ()  # the words LIME removed (all known words up to MAX_LIME_WORDS)
    all_weights: np.ndarray | None = None  # [len(removable)] ridge weights of every removable word
    unknown_words: tuple[str, ...] = ()  # the text's words (lowercase) the vocabulary lacks, in order

    def unknown_sentence(self, listed: int = 12) -> str | None:
        """Returns a sentence naming the words the model never learnt (the first `listed`, then a count), or None
        when it knows them all or none (then the page already says it knows none)."""
        if not self.unknown_words or not self.n_known_words:
            return None
        rest = len(self.unknown_words) - listed
        named = ", ".join(self.unknown_words[:listed]) + (f" and {rest:,} more" if rest > 0 else "")
        return f"Not among the words the model learnt, so they cannot count: {named}."

    def to_json(self) -> dict:
        """Returns a JSON-safe dict."""
        return {"predicted": self.class_names[self.predicted],
                "probabilities": {n: float(p) for n, p in zip(self.class_names, self.probabilities)},
                "explained_class": self.class_names[self.explained_class],
                "versus": None if self.versus is None else self.class_names[self.versus],
                "weights": [[w, float(v)] for w, v in self.weights], "intercept": self.intercept,
                "score": self.score, "local_prediction": self.local_prediction,
                "n_words": self.n_words, "n_known_words": self.n_known_words,
                "n_removable_words": len(self.removable), "max_removable_words": MAX_LIME_WORDS,
                "num_samples": self.n_samples, "seconds": self.seconds}


def _kernel(d: np.ndarray, kernel_width: float) -> np.ndarray:
    return np.sqrt(np.exp(-(d ** 2) / kernel_width ** 2))


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


def score_of(probs: np.ndarray, label: int, versus: int | None) -> np.ndarray:
    """Returns what is explained: p(label), or log p(label) - log p(versus) with a second class."""
    if versus is None:
        return probs[..., label]
    tiny = np.finfo(np.float32).tiny
    return np.log(np.maximum(probs[..., label], tiny)) - np.log(np.maximum(probs[..., versus], tiny))


def removable_words(classifier: Classifier, post: Post, label: int, versus: int | None) -> np.ndarray:
    """Returns the indices of the words LIME removes: all, or the MAX_LIME_WORDS whose removal matters most."""
    if post.n_words <= MAX_LIME_WORDS:
        return np.arange(post.n_words)
    full = score_of(probs_of_counts(classifier, post, post.counts)[0], label, versus)
    effect = np.abs(full - score_of(leave_one_out(classifier, post), label, versus))
    return np.sort(np.argsort(-effect, kind="stable")[:MAX_LIME_WORDS])


def check_classes(classifier: Classifier, class_index: int | None, versus: int | None, predicted: int) -> int:
    """Returns the class to explain, or raises ExplainError for classes that do not exist."""
    n = classifier.spec.n_classes
    label = predicted if class_index is None else int(class_index)
    if not 0 <= label < n:
        raise ExplainError(f"class {class_index} does not exist")
    if versus is not None and (not 0 <= versus < n or versus == label):
        raise ExplainError("the second topic must be another existing topic")
    return label


def explain(classifier: Classifier, text: str, class_index: int | None = None, num_features: int = 10,
            num_samples: int = 5000, seed: int = 0, versus: int | None = None, all_weights: bool = True
            ) -> Explanation:
    """Returns LIME's explanation of `text` for `class_index` (default: the predicted class).

    With `all_weights`, also fits one ridge over every removable word (for rank agreement with other methods).
    """
    started = time.perf_counter()
    post = read_post(classifier.featurizer, text)
    if not 2 <= num_samples <= MAX_SAMPLES:
        raise ExplainError(f"LIME needs between 2 and {MAX_SAMPLES:,} samples, not {num_samples:,}.")
    probs0 = probs_of_counts(classifier, post, post.counts)[0]
    predicted = int(np.argmax(probs0))
    label = check_classes(classifier, class_index, versus, predicted)
    unknown = tuple(classifier.featurizer.unknown_words(text))
    if post.n_words == 0:
        return Explanation(text, predicted, probs0, classifier.class_names, label, [], 0.0, 0.0, 0.0,
                           post.n_distinct, 0, time.perf_counter() - started, versus, num_samples,
                           unknown_words=unknown)
    keep = removable_words(classifier, post, label, versus)
    fixed = np.setdiff1d(np.arange(post.n_words), keep)
    values = values_of(classifier, post, post.counts)
    fixed_u = first_layer_sum(classifier, post.word_ids[fixed], values[fixed])
    random_state = check_random_state(seed)
    masks = neighbourhood(len(keep), num_samples, random_state)  # [num_samples, removable]
    probs = probs_of_values(classifier, post.word_ids[keep], masks * values[keep], fixed_u,
                            float(np.sum(values[fixed] ** 2)))
    target = score_of(probs, label, versus)[:, None]
    # LIME's cosine distance to the all-ones row 0, in closed form: 1 - sqrt(kept / n_words).
    distances = (1.0 - np.sqrt(masks.sum(axis=1) / len(keep))) * 100
    base = LimeBase(partial(_kernel, kernel_width=KERNEL_WIDTH), random_state=random_state)
    with threadpool_limits(1):  # the ridge fits are small; BLAS threads only add start-up and contention
        intercept, local_exp, score, local_pred = base.explain_instance_with_data(
            masks, target, distances, 0, min(num_features, len(keep)), feature_selection="auto")
        every = Ridge(alpha=1, fit_intercept=True).fit(masks, target[:, 0], sample_weight=_kernel(
            distances, KERNEL_WIDTH)).coef_.copy() if all_weights else None
    words = [post.words[i] for i in keep]
    return Explanation(text, predicted, probs0, classifier.class_names, label,
                       [(words[i], float(w)) for i, w in local_exp], float(intercept), float(score),
                       float(np.ravel(local_pred)[0]), post.n_distinct, post.n_words,
                       time.perf_counter() - started, versus, num_samples, tuple(words), every, unknown)


def model_text(classifier: Classifier, text: str) -> str:
    """Returns the text as the model reads it: its known words, lowercase, separated by spaces.

    A word-pair model keeps every word: dropping an unknown one would make its neighbours a pair.
    """
    tokens = keras_tokenize(text)
    if classifier.featurizer.config.pairs:
        return " ".join(tokens)
    return " ".join(t for t in tokens if t in classifier.featurizer.index)


def explain_stock(classifier: Classifier, text: str, class_index: int | None = None, num_features: int = 10,
                  num_samples: int = 5000, seed: int = 0) -> list[tuple[str, float]]:
    """Returns stock LimeTextExplainer's weights (the reference), configured to remove the words the model sees.

    Stock lime gets the text as the model reads it (`model_text`) and splits it on spaces, so its features
    are the same lowercase known words; the model's predictions of those shortened texts are unchanged. With
    word pairs its features are the words only: removing one also removes the pairs it is part of.
    """
    explainer = LimeTextExplainer(class_names=list(classifier.class_names), split_expression=lambda s: s.split(" "),
                                  bow=True, random_state=seed)
    seen = model_text(classifier, text)
    if class_index is None:
        class_index = int(np.argmax(classifier.predict_proba([text])[0]))
    result = explainer.explain_instance(seen, classifier.predict_proba, labels=(class_index,),
                                        num_features=num_features, num_samples=num_samples)
    return [(result.domain_mapper.indexed_string.word(i), float(w)) for i, w in result.local_exp[class_index]]
