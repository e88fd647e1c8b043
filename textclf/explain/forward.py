"""The model as a function of one post's word values: batched, jitted, with padded shapes so it compiles rarely.

A word's value is its scaled count before any row normalisation (count, binary, log(1+count) or tf x idf);
with tf-idf scaling the row is then divided by its length. The first layer is a sum of the words' rows of
the weight matrix, so removing or rescaling words never needs the rest of the vocabulary.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from textclf.learn.classifier import Classifier
from textclf.explain.post import SAMPLE_CHUNK, Post
from textclf.learn.model import ModelSpec, head


def values_of(classifier: Classifier, post: Post, counts: np.ndarray) -> np.ndarray:
    """Returns the unnormalised values [..., n_words] of the post's words at these counts."""
    mode = classifier.featurizer.config.scaling
    if mode == "tfidf":
        tf = np.where(counts > 0, 1.0 + np.log(np.maximum(counts, 1.0)), 0.0)
        return tf * classifier.featurizer.idf[post.word_ids].astype(np.float64)
    if mode == "binary":
        return (counts > 0).astype(np.float64)
    if mode == "log":
        return np.log1p(counts)
    return np.asarray(counts, dtype=np.float64)


def normalises(classifier: Classifier) -> bool:
    """Returns whether feature rows are divided by their length (tf-idf)."""
    return classifier.featurizer.config.scaling == "tfidf"


def bucket(n: int, smallest: int = 64) -> int:
    """Returns the smallest power of two >= n and >= `smallest` (padded shapes repeat, so jit compiles rarely)."""
    size = smallest
    while size < n:
        size *= 2
    return size


def pad(a: np.ndarray, size: int, axis: int = 0) -> np.ndarray:
    """Returns `a` padded with zeros to `size` along `axis`."""
    widths = [(0, 0)] * a.ndim
    widths[axis] = (0, size - a.shape[axis])
    return np.pad(a, widths)


@partial(jax.jit, static_argnames=("spec", "normalise"))
def _probs(params: dict, spec: ModelSpec, fixed_u: jax.Array, fixed_sq: jax.Array, values: jax.Array,
           ids: jax.Array, normalise: bool) -> jax.Array:
    """Returns probabilities [n, classes]; row r holds the fixed words (first-layer sum fixed_u) plus values[r]."""
    h0 = fixed_u[None, :] + values @ params["embed"][ids]  # [n, hidden0]
    if normalise:
        norm = jnp.sqrt(fixed_sq + jnp.sum(values * values, axis=1))[:, None]
        h0 = jnp.where(norm > 0, h0 / jnp.where(norm > 0, norm, 1.0), 0.0)
    return jax.nn.softmax(head.apply(params["head"], None, h0, spec, False))


def probs_of_values(classifier: Classifier, ids: np.ndarray, values: np.ndarray, fixed_u: np.ndarray | None = None,
                    fixed_sq: float = 0.0) -> np.ndarray:
    """Returns probabilities [n, classes] of rows of word values [n, m] over vocabulary ids [m].

    fixed_u [hidden0] is the first-layer sum of words present in every row (fixed_sq: their squared values).
    Rows go through in chunks of SAMPLE_CHUNK, so memory stays bounded.
    """
    spec = classifier.spec
    m = bucket(values.shape[1])
    ids_p = pad(np.asarray(ids, dtype=np.int32), m)
    fixed_u = np.zeros(spec.embed_width, np.float32) if fixed_u is None else np.asarray(fixed_u, np.float32)
    n = len(values)
    rows = min(bucket(n, 16), SAMPLE_CHUNK)
    out = np.empty((n, spec.n_classes), dtype=np.float64)
    for start in range(0, n, rows):
        chunk = pad(np.asarray(values[start:start + rows], np.float32), m, axis=1)
        chunk = pad(chunk, rows)
        probs = _probs(classifier.params, spec, fixed_u, np.float32(fixed_sq), chunk, ids_p,
                       normalises(classifier))
        out[start:start + rows] = np.asarray(probs)[: min(rows, n - start)]
    return out


def probs_of_counts(classifier: Classifier, post: Post, counts: np.ndarray) -> np.ndarray:
    """Returns probabilities [n, classes] of variants of the post with word counts [n, n_words]."""
    return probs_of_values(classifier, post.word_ids, values_of(classifier, post, np.atleast_2d(counts)))


def first_layer_sum(classifier: Classifier, ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Returns sum_j values[j] * embed[ids[j]], [hidden0]: the unnormalised first layer of these words."""
    if len(ids) == 0:
        return np.zeros(classifier.spec.embed_width, np.float32)
    rows = np.asarray(classifier.params["embed"][jnp.asarray(ids)])  # [m, hidden0]
    return (values.astype(np.float32) @ rows).astype(np.float32)


@partial(jax.jit, static_argnames=("spec", "normalise"))
def probs_dropping(params: dict, spec: ModelSpec, u: jax.Array, sq: jax.Array, values: jax.Array,
                   ids: jax.Array, normalise: bool) -> jax.Array:
    """Returns probabilities [n, classes]: row j is text u (first-layer sum, squared length sq) without word j.

    u [n, hidden0] and sq [n] are per row, so rows may come from different texts.
    """
    h0 = u - values[:, None] * params["embed"][ids]  # [n, hidden0]
    if normalise:
        norm = jnp.sqrt(jnp.maximum(sq - values * values, 0.0))[:, None]
        h0 = jnp.where(norm > 1e-6, h0 / jnp.where(norm > 1e-6, norm, 1.0), 0.0)
    return jax.nn.softmax(head.apply(params["head"], None, h0, spec, False))


def leave_one_out(classifier: Classifier, post: Post, counts: np.ndarray | None = None) -> np.ndarray:
    """Returns probabilities [n_words, classes] of the post (at `counts`) without each word in turn."""
    counts = post.counts if counts is None else counts
    values = values_of(classifier, post, counts)
    u = first_layer_sum(classifier, post.word_ids, values)
    m = bucket(post.n_words)
    sq = np.float32(np.sum(values ** 2))
    probs = probs_dropping(classifier.params, classifier.spec, np.broadcast_to(u, (m, len(u))),
                           np.full(m, sq, np.float32), pad(values.astype(np.float32), m),
                           pad(post.word_ids, m), normalises(classifier))
    return np.asarray(probs, dtype=np.float64)[: post.n_words]
