"""One text as the model sees it: its distinct known words (lowercase, case variants merged) and their counts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textclf.data.features import Featurizer, WORD_SEPARATORS, keras_tokenize
from textclf.limits import MAX_EXPLAIN_CHARS, MAX_LIME_WORDS, MAX_SAMPLES  # noqa: F401 (public here too)

SAMPLE_CHUNK = 1024  # neighbourhood rows built and predicted at a time (bounds memory)


class ExplainError(ValueError):
    """The text cannot be explained (empty, too long, ...); the message says why."""


@dataclass(frozen=True)
class Post:
    """The words of one text that the model knows, in order of first appearance.

    With a word-pair model a "word" is any feature the model sees: a single word, or a pair of neighbouring
    words ("how many") that is in the vocabulary, listed after the single words. Every explanation (LIME,
    occlusion, gradients) then weighs a pair as one feature, shown as the two words.
    """

    text: str
    words: tuple[str, ...]  # distinct known terms (tokens, then pairs "a b"), lowercase as the model sees them
    counts: np.ndarray  # [n_words] float64, occurrences of each word
    word_ids: np.ndarray  # [n_words] int32, vocabulary ids
    n_distinct: int  # distinct tokens of the text, known or not

    @property
    def n_words(self) -> int:
        """Returns the number of distinct known words."""
        return len(self.words)


def read_post(featurizer: Featurizer, text: str) -> Post:
    """Returns the text's known words and counts, or raises ExplainError for text that cannot be explained."""
    if not text or not text.strip():
        raise ExplainError("The text is empty: paste or type some words to explain.")
    if len(text) > MAX_EXPLAIN_CHARS:
        raise ExplainError(f"The text has {len(text):,} characters; explanations are limited to "
                           f"{MAX_EXPLAIN_CHARS:,}. Paste a shorter passage.")
    tokens = keras_tokenize(text)
    if not tokens:
        raise ExplainError("The text has no words, only punctuation or spaces.")
    distinct = dict.fromkeys(tokens)
    terms = featurizer.config.analyzer(text) if featurizer.config.pairs else tokens
    known = [t for t in dict.fromkeys(terms) if t in featurizer.index]
    position = {w: i for i, w in enumerate(known)}
    counts = np.bincount([position[t] for t in terms if t in position], minlength=len(known))
    ids = np.array([featurizer.index[w] for w in known], dtype=np.int32)
    return Post(text, tuple(known), counts.astype(np.float64), ids, len(distinct))


def remove_words(text: str, words: set[str] | frozenset[str]) -> str:
    """Returns `text` without every occurrence (any case) of the lowercase `words`; separators stay.

    A pair ("how many") removes nothing here: it is no single word (removing its two words would also take
    away every other pair and word they are part of).
    """
    parts, last = [], 0
    for match in WORD_SEPARATORS.finditer(text + " "):
        token = text[last:match.start()]
        if token and token.lower() not in words:
            parts.append(token)
        parts.append(text[match.start():min(match.end(), len(text))])
        last = match.end()
    return "".join(parts)
