"""Checks run before training: one sentence saying why some data or settings cannot train, instead of a traceback."""

from __future__ import annotations

import math
from collections import Counter
from typing import Sequence

import numpy as np

from textclf.data.corpus import Corpus
from textclf.data.features import FeatureConfig, keras_tokenize
from textclf.limits import VAL_SHARE
from textclf.learn.train import TrainConfig, split_validation, validation_split


def has_vocabulary(texts: Sequence[str], min_df: int = 1) -> bool:
    """Returns True if some word occurs in at least `min_df` of `texts` (stops at the first such word)."""
    seen: Counter = Counter()
    for text in texts:
        tokens = set(keras_tokenize(text))
        if min_df <= 1 and tokens:
            return True
        seen.update(tokens)
        if tokens and max(seen[t] for t in tokens) >= min_df:
            return True
    return False


def data_problem(corpus: Corpus) -> str | None:
    """Returns why no model (ours or the reference ones) can learn from `corpus`, or None if it can."""
    present = np.count_nonzero(np.bincount(np.asarray(corpus.train_labels), minlength=corpus.n_classes))
    if present < 2:
        return "The training texts cover fewer than two classes: a classifier needs examples of at least two."
    if not has_vocabulary(corpus.train_texts):
        return ("The training texts contain no words (only punctuation, symbols or spaces), so there is nothing to "
                "learn from: check that the right column holds the texts.")
    return None


def validation_problem(labels: np.ndarray, n_classes: int, val_fraction: float, seed: int) -> str:
    """Returns the sentence for a validation share too small to hold one text of each class."""
    n = len(labels)
    n_val = math.ceil(val_fraction * n)
    share = _smallest_working_share(labels, seed)
    fix = f"raise the validation share to at least {share:.0%}, " if share is not None else ""
    return (f"The validation share ({val_fraction:.0%}) keeps back {n_val} of the {n:,} training texts, "
            f"too few to hold one of each of the {n_classes} classes: {fix}set the validation share to 0, "
            f"or add more texts per class.")


def training_problem(corpus: Corpus, features: FeatureConfig = FeatureConfig(),
                     config: TrainConfig = TrainConfig()) -> str | None:
    """Returns why training on `corpus` with these settings would fail, in one sentence, or None if it can run."""
    problem = data_problem(corpus)
    if problem:
        return problem
    labels = np.asarray(corpus.train_labels)
    try:
        train_idx, _ = validation_split(corpus, config.val_fraction, config.seed)
    except ValueError:
        return validation_problem(labels, corpus.n_classes, config.val_fraction, config.seed)
    if not has_vocabulary([corpus.train_texts[i] for i in train_idx], features.min_df):
        return (f"No word occurs in at least {features.min_df} training texts, so the vocabulary would be empty: "
                f"lower \"Ignore words in fewer than N posts\" on the Data page, or add more texts.")
    return None


def _smallest_working_share(labels: np.ndarray, seed: int) -> float | None:
    """Returns the smallest validation share on the Train page's slider that splits `labels`, or None."""
    _, high = VAL_SHARE
    for share in np.arange(0.05, high + 1e-9, 0.05):
        try:
            split_validation(len(labels), labels, float(round(share, 2)), seed)
        except ValueError:
            continue
        return float(round(share, 2))
    return None
