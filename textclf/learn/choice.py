"""Settings chosen per file: words alone or words and word pairs, on its own validation texts; a wide part or not.

The yardstick (analysis.baselines) chooses words or words+pairs on validation for every file; the network does the
same when its word options say `choose_pairs`. Each candidate is trained on the training part with early stopping
(the first part of a run, which is needed anyway), scored on the validation texts, and the winner alone is
retrained on every training text.

Pairs are tried only on short texts. On long ones (every newsgroups setting, Reuters, film reviews) word pairs
were behind on validation by up to 2.7 points (docs/performance.md): the model size budget lets pairs push rarer
words out, and a second candidate on long texts would cost more than half a run again, past the time budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from textclf.data.features import FeatureConfig, keras_tokenize

# Word pairs are tried when the median training text has at most this many words. The short public sets have
# 6-25 (subject lines, sentence snippets, tweets, questions); the long ones 90-700 (Reuters, newsgroups, reviews).
SHORT_TEXT_WORDS = 60
# Word pairs are kept only when they get at least this share more of the validation texts right than words alone:
# smaller leads (one or two texts of a few hundred) came and went with the seed on every public set.
PAIRS_MARGIN = 0.01
SAMPLE_TEXTS = 2000  # the median is read from this many texts, evenly spread: enough, and quick on 11k posts
# The wide part needs this many training texts per class: with 34 (questions to a chatbot, 17 topics) Naive Bayes'
# scores were too rough a start, early stopping ended after an epoch or two and the test accuracy fell 3 points;
# with 356 to 1,950 (headlines, subject lines, review snippets, tweets, a series' lines) it rose or held.
WIDE_TEXTS_PER_CLASS = 100
WORDS, PAIRS = "words alone", "words and word pairs"


@dataclass(frozen=True)
class Tried:
    """One candidate's score on the validation texts (its network and, if mixed, Naive Bayes, as chosen there)."""

    name: str
    val_accuracy: float
    val_log_loss: float
    epochs: int

    def to_json(self) -> dict:
        """Returns a JSON-safe record."""
        return {"name": self.name, "val_accuracy": self.val_accuracy, "val_log_loss": self.val_log_loss,
                "epochs": self.epochs}


@dataclass(frozen=True)
class Choice:
    """What was tried and what won, with the reason in one sentence."""

    chosen: str
    tried: tuple[Tried, ...]
    median_words: float
    n_val: int
    texts: str = "texts"

    def sentence(self) -> str:
        """Returns one sentence a newcomer can read, e.g. "Chosen on 216 held-back texts: words and word pairs ..."."""
        if len(self.tried) < 2:
            return (f"Words alone, without word pairs: the {self.texts} are long (about {self.median_words:.0f} words "
                    f"each), where pairs did worse on held-back {self.texts} and take much longer to train.")
        won = next(t for t in self.tried if t.name == self.chosen)
        others = ", ".join(f"{t.name} ({t.val_accuracy:.1%})" if math.isfinite(t.val_accuracy) else
                           f"{t.name} (its training blew up)" for t in self.tried if t.name != self.chosen)
        # Said whenever pairs did at least as well: "words alone (74.1%) rather than pairs (74.4%)" needs the rule.
        rule = "" if all(t.val_accuracy < won.val_accuracy for t in self.tried if t.name != self.chosen) else \
            f" (pairs are kept only when they get at least {PAIRS_MARGIN:.0%} more right)"
        return (f"Chosen on the {self.n_val:,} held-back {self.texts}: {self.chosen} ({won.val_accuracy:.1%} right) "
                f"rather than {others}{rule}.")

    def to_json(self) -> dict:
        """Returns the record that `train --json` prints as `chosen` and a run keeps in its model's info."""
        return {"setting": "word pairs", "chosen": self.chosen, "candidates": [t.to_json() for t in self.tried],
                "median_words": self.median_words, "n_val": self.n_val, "why": self.sentence()}


def median_words(texts: Sequence[str]) -> float:
    """Returns the median number of words per text, read from at most SAMPLE_TEXTS texts spread over `texts`."""
    if not texts:
        return 0.0
    step = max(1, len(texts) // SAMPLE_TEXTS)
    return float(np.median([len(keras_tokenize(t)) for t in texts[::step]]))


def wide_part_helps(n_texts: int, n_classes: int, median: float) -> bool:
    """Returns True for short texts (`median` words, see median_words) with at least WIDE_TEXTS_PER_CLASS training
    texts per class on average: where a wide part started from Naive Bayes (learn.model.ModelSpec.wide) helped."""
    return n_texts >= WIDE_TEXTS_PER_CLASS * n_classes and median <= SHORT_TEXT_WORDS


def candidates(features: FeatureConfig, median: float) -> list[tuple[str, FeatureConfig]]:
    """Returns the word options to try, by name: words alone first, then words and pairs when the texts are short
    (`median` words per training text, see median_words)."""
    words = replace(features, pairs=False, choose_pairs=False)
    if median > SHORT_TEXT_WORDS:
        return [(WORDS, words)]
    return [(WORDS, words), (PAIRS, replace(words, pairs=True))]


def best(tried: Sequence[Tried]) -> Tried:
    """Returns the first candidate (words alone: the smaller, quicker model) unless a later one gets at least
    PAIRS_MARGIN more of the validation texts right; then the best of those."""
    first = tried[0]
    better = [t for t in tried[1:] if t.val_accuracy >= first.val_accuracy + PAIRS_MARGIN - 1e-9]  # never a nan
    return max(better, key=lambda t: t.val_accuracy) if better else first
