"""Explanations of one prediction (LIME, leave-one-word-out, integrated gradients), how far to trust them,
and what each topic looks for over a set of texts."""

from textclf.explain.filler import WordClasses, filler_hint, filler_words
from textclf.explain.gradients import Gradients, integrated_gradients
from textclf.explain.lime import Explanation, explain, explain_stock, model_text, neighbourhood
from textclf.explain.occlusion import occlusion
from textclf.explain.post import (MAX_EXPLAIN_CHARS, MAX_LIME_WORDS, MAX_SAMPLES, ExplainError, Post, read_post,
                                  remove_words)
from textclf.explain.topics import TopicWords, topic_words
from textclf.explain.trust import Trust, plain_checks, trust

__all__ = ["filler_hint", "filler_words", "WordClasses", "Gradients", "integrated_gradients", "Explanation", "explain",
           "explain_stock", "model_text", "neighbourhood", "occlusion", "MAX_EXPLAIN_CHARS", "MAX_LIME_WORDS",
           "MAX_SAMPLES", "ExplainError", "Post", "read_post", "remove_words", "TopicWords", "topic_words", "Trust",
           "plain_checks", "trust"]
