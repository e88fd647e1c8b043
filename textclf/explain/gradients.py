"""Integrated gradients on the model's inputs (the word counts, scaled as the model was trained), with
completeness checked: the attributions add up to p(text) - p(empty text)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from textclf.learn.classifier import Classifier
from textclf.explain.forward import pad, bucket, normalises, values_of
from textclf.explain.post import Post
from textclf.learn.model import ModelSpec, head

MIN_STEPS = 32
MAX_STEPS = 1024
COMPLETENESS_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Gradients:
    """Integrated-gradients attributions of one post's words for one class."""

    attributions: np.ndarray  # [n_words]
    prediction: float  # p(class | text)
    baseline: float  # p(class | empty text)
    steps: int
    completeness_error: float  # |sum(attributions) - (prediction - baseline)|


@partial(jax.jit, static_argnames=("spec",))
def _path(params: dict, spec: ModelSpec, x: jax.Array, ids: jax.Array, alphas: jax.Array,
          label: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Returns (gradients [steps, k] of p(label) at alphas * x, p(label) at x and at 0)."""
    rows = params["embed"][ids]  # [k, hidden0]

    def prob(xs: jax.Array) -> jax.Array:  # xs [n, k] -> [n]
        return jax.nn.softmax(head.apply(params["head"], None, xs @ rows, spec, False))[:, label]

    grads = jax.grad(lambda xs: prob(xs).sum())(alphas[:, None] * x[None, :])
    ends = prob(jnp.stack([x, jnp.zeros_like(x)]))
    return grads, ends


def integrated_gradients(classifier: Classifier, post: Post, label: int, steps: int = MIN_STEPS) -> Gradients:
    """Returns integrated gradients from the empty text to the post (midpoint rule).

    Steps double from `steps` until completeness holds within COMPLETENESS_TOLERANCE or MAX_STEPS is reached
    (the network is piecewise linear, so a kink between two steps is what costs accuracy).
    """
    values = values_of(classifier, post, post.counts)
    if normalises(classifier):
        values = values / max(np.sqrt(np.sum(values ** 2)), 1e-12)
    k = bucket(post.n_words)
    x = pad(values.astype(np.float32), k)
    ids = pad(post.word_ids, k)
    steps = max(steps, MIN_STEPS)
    while True:
        alphas = ((np.arange(steps) + 0.5) / steps).astype(np.float32)
        grads, ends = _path(classifier.params, classifier.spec, x, ids, alphas, np.int32(label))
        attributions = (values * np.asarray(grads, dtype=np.float64)[:, : post.n_words].mean(axis=0))
        prediction, baseline = (float(v) for v in np.asarray(ends))
        error = abs(float(attributions.sum()) - (prediction - baseline))
        if error <= COMPLETENESS_TOLERANCE or steps >= MAX_STEPS:
            return Gradients(attributions, prediction, baseline, steps, error)
        steps *= 2
