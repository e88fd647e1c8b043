"""Explanations of one prediction (LIME, leave-one-word-out, integrated gradients), how far to trust them,
and what each topic looks for over a test set."""

from textclf.explain.gradients import Gradients, integrated_gradients
from textclf.explain.lime import Explanation, explain, explain_stock, model_text, neighbourhood
from textclf.explain.post import (MAX_EXPLAIN_CHARS, MAX_LIME_WORDS, MAX_SAMPLES, ExplainError, Post, read_post,
                                  remove_words)
from textclf.explain.trust import Trust, trust
from textclf.explain.occlusion import occlusion

__all__ = ["Gradients", "integrated_gradients", "occlusion", "Trust", "trust", "Explanation", "explain", "explain_stock", "model_text", "neighbourhood", "MAX_EXPLAIN_CHARS",
           "MAX_LIME_WORDS", "MAX_SAMPLES", "ExplainError", "Post", "read_post", "remove_words"]
