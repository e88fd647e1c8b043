"""Common filler words ("the", "and") among an explanation's top words, and a plain-language hint about them."""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

TOP_WORDS = 3  # the hint looks at this many of the most influential words
MIN_SHARE = 0.2  # a filler word counts when its |weight| is at least this share of the largest |weight|


def filler_words(weights: Sequence[tuple[str, float]], top: int = TOP_WORDS) -> list[str]:
    """Returns the common English filler words among the `top` largest-|weight| words, largest first."""
    ranked = sorted((p for p in weights if p[1] != 0), key=lambda p: -abs(p[1]))[:top]
    if not ranked:
        return []
    largest = abs(ranked[0][1])
    return [w for w, v in ranked if w.lower() in ENGLISH_STOP_WORDS and abs(v) >= MIN_SHARE * largest]


def filler_hint(weights: Sequence[tuple[str, float]], top: int = TOP_WORDS, classes: str = "topics") -> str | None:
    """Returns one plain sentence on why filler words rank high in `weights`, or None when none does."""
    words = filler_words(weights, top)
    if not words:
        return None
    quoted = " and ".join(f"'{w}'" for w in words[:2])
    return (f"Words like {quoted} rank high: the model learned from how often words occur, and even common words "
            f"occur more often in some {classes} than in others. They say little about what this text means.")
