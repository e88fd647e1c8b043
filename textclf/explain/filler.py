"""Common filler words ("the", "and") among an explanation's top words, and a plain-language hint about them.

A common English word is only called filler when it does not carry a class. "many" is a stop word, yet on
questions "how many ..." is what marks a number question: calling it filler there told users the model
leant on noise when it had learnt the right thing. So a stop word is spared when either
- it sits in a word pair among the explanation's influential features ("how many" with pairs on), or
- the training texts say it carries a class (WordClasses.carries).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from textclf.data.features import KerasCounter, is_pair, keras_tokenize

TOP_WORDS = 3  # the hint looks at this many of the most influential words
MIN_SHARE = 0.2  # a filler word counts when its |weight| is at least this share of the largest |weight|
# A stop word carries a class when the odds that one of its occurrences falls in that class are at least this many
# times the odds for any word. An effect size, not a significance test: on 11,314 posts even "the" differs
# significantly between newsgroups, by a factor of 1.2-1.4 at most, while "he" reaches 2.3 (hockey, the tutorial's
# four groups) to 3.5 (baseball, all twenty), and "many" in "how many" questions far more. With two classes of
# equal length, 3 means three in four of the word's occurrences fall in one class. Only over-representation counts: a class of code or encoded files,
# full of words that are no English, makes every stop word look rare there, which says nothing about them.
CARRIES_ODDS = 3.0
STOP_WORDS = tuple(sorted(ENGLISH_STOP_WORDS))


@dataclass(frozen=True)
class WordClasses:
    """How often each common English word occurs in each class of the training texts."""

    counts: np.ndarray  # [n_classes, len(STOP_WORDS)] occurrences
    totals: np.ndarray  # [n_classes] occurrences of all words

    @classmethod
    def count(cls, texts: Sequence[str], labels: np.ndarray, n_classes: int) -> "WordClasses":
        """Returns the stop words' occurrences and all words' per class in `texts` (one pass over them)."""
        lengths: list[int] = []

        def tokens(text: str) -> list[str]:
            out = keras_tokenize(text)
            lengths.append(len(out))
            return out

        vocabulary = {w: i for i, w in enumerate(STOP_WORDS)}
        x = KerasCounter(analyzer=tokens, vocabulary=vocabulary, dtype=np.float64).transform(texts)  # [n, stop]
        labels = np.asarray(labels, dtype=np.int64)
        by_class = sp.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))),
                                 shape=(n_classes, len(labels)))  # [n_classes, n]
        return cls(np.asarray((by_class @ x).todense()),
                   np.bincount(labels, weights=np.asarray(lengths, dtype=np.float64), minlength=n_classes))

    def odds_ratio(self, word: str) -> np.ndarray:
        """Returns, per class [n_classes], how many times higher the odds are that `word` falls in it than any word."""
        n = self.counts[:, STOP_WORDS.index(word.lower())]
        share = self.totals / max(self.totals.sum(), 1.0)
        # Haldane's +0.5 keeps a word absent from every other class finite.
        return ((n + 0.5) / (n.sum() - n + 0.5)) / np.maximum(share / np.maximum(1.0 - share, 1e-12), 1e-12)

    def carries(self, word: str) -> bool:
        """Returns True when `word` is much more common in some class than words are overall (CARRIES_ODDS)."""
        return word.lower() in ENGLISH_STOP_WORDS and bool(self.odds_ratio(word).max() >= CARRIES_ODDS)


def filler_words(weights: Sequence[tuple[str, float]], word_classes: WordClasses, top: int = TOP_WORDS) -> list[str]:
    """Returns the common English words among the `top` largest-|weight| words that carry no class, largest first.

    Args:
        weights: an explanation's (feature, weight) pairs; word pairs ("how many") among them count too.
        word_classes: the stop words' counts in the model's training texts.
    """
    ranked = sorted((p for p in weights if p[1] != 0), key=lambda p: -abs(p[1]))
    if not ranked:
        return []
    largest = abs(ranked[0][1])
    influential = [w for w, v in ranked if abs(v) >= MIN_SHARE * largest]
    in_pairs = {part.lower() for w in influential if is_pair(w) for part in w.split(" ")}
    return [w for w in influential[:top] if not is_pair(w) and w.lower() in ENGLISH_STOP_WORDS
            and w.lower() not in in_pairs and not word_classes.carries(w)]


def filler_hint(weights: Sequence[tuple[str, float]], word_classes: WordClasses, top: int = TOP_WORDS,
                classes: str = "topics") -> str | None:
    """Returns one plain sentence on why filler words rank high in `weights`, or None when none does."""
    words = filler_words(weights, word_classes, top)
    if not words:
        return None
    quoted = " and ".join(f"'{w}'" for w in words[:2])
    return (f"Words like {quoted} rank high: the model learned from how often words occur, and even common words "
            f"occur more often in some {classes} than in others. They say little about what this text means.")
