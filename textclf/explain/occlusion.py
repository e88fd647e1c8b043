"""Leave-one-word-out: the exact change in the explained score when every occurrence of a word is removed."""

from __future__ import annotations

import numpy as np

from textclf.learn.classifier import Classifier
from textclf.explain.forward import leave_one_out, probs_of_counts
from textclf.explain.lime import score_of
from textclf.explain.post import Post


def occlusion(classifier: Classifier, post: Post, label: int, versus: int | None = None) -> np.ndarray:
    """Returns [n_words]: score(text) - score(text without the word); positive words push towards `label`.

    The score is p(label), or log p(label) - log p(versus) with a second class.
    """
    if post.n_words == 0:
        return np.zeros(0)
    full = score_of(probs_of_counts(classifier, post, post.counts)[0], label, versus)
    return full - score_of(leave_one_out(classifier, post), label, versus)
