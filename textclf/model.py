"""The network: a sparse first layer (rows of an embedding matrix) feeding a Haiku MLP head."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

import haiku as hk
import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class ModelSpec:
    """The architecture: vocabulary size, hidden layer sizes, classes, dropout, and whether a linear model rides along.

    With `mixture`, the first-layer matrix has n_classes more columns: a linear model's class scores
    (see textclf.ensemble), so every path that sums the rows of a post's words computes both at once, and the
    head returns the log of w * p(network) + (1 - w) * p(linear model).
    """

    vocab_size: int
    hidden: tuple[int, ...] = (128, 64)
    n_classes: int = 2
    dropout: float = 0.0
    mixture: bool = False

    @property
    def embed_width(self) -> int:
        """Returns the columns of the first-layer matrix: hidden[0], plus n_classes for a mixture."""
        return self.hidden[0] + (self.n_classes if self.mixture else 0)


class SparseBatch(NamedTuple):
    """A batch of sparse rows in a fixed-shape form that jit compiles once.

    Row r of the batch is sum_j values[j] * onehot(words[local[j]]) over the j with rows[j] == r.
    Padding has value 0 and a word id equal to the vocabulary size (out of range: reads 0, writes drop).
    """

    words: jax.Array  # [n_words] int32, distinct vocabulary ids in the batch
    local: jax.Array  # [n_entries] int32, index into `words`
    values: jax.Array  # [n_entries] float32
    rows: jax.Array  # [n_entries] int32, row of the batch
    labels: jax.Array  # [batch] int32
    mask: jax.Array  # [batch] float32, 0 for padding rows


def round_up(n: int, multiple: int) -> int:
    """Returns n rounded up to a positive multiple of `multiple` (so padded shapes repeat)."""
    return max(multiple, -(-n // multiple) * multiple)


def batch_sizes(x: sp.csr_matrix, batches: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Returns (entries, distinct words) of each batch in `batches`, from one sparse product (no Python loop)."""
    sizes = [len(b) for b in batches]
    rows = np.concatenate(batches).astype(np.int64)
    member = sp.csr_matrix((np.ones(len(rows), np.float32), (np.repeat(np.arange(len(batches)), sizes), rows)),
                           shape=(len(batches), x.shape[0]))  # [n_batches, n]
    entries = np.asarray(member @ np.diff(x.indptr)).astype(np.int64)
    words = (member @ sp.csr_matrix((np.ones(x.nnz, np.float32), x.indices, x.indptr), shape=x.shape)
             ).getnnz(axis=1)
    return entries, np.asarray(words, dtype=np.int64)


def batch_capacity(x: sp.csr_matrix, batches: list[np.ndarray]) -> tuple[int, int]:
    """Returns (entries, distinct words) that fit every batch in `batches`, rounded up."""
    entries, words = batch_sizes(x, batches)
    return round_up(int(entries.max()), 1024), round_up(int(words.max()), 512)


# Shares of a run's largest batch that chunks of batches are padded to. One size for a whole run pads every
# step to its largest batch: on all 20 newsgroups a typical batch has 2,700 distinct words and the largest
# 10,000, so most of a step's work was on padding. Each size is a compiled step of its own (compiled, or read
# from the disk cache, once per process), which only a long run wins back: with three sizes the 20-category
# default run (1,595 steps) took 7.6-8.0 s instead of 8.8-9.0 s, the 4-category one (305 steps) 1.9-2.1 s
# instead of 1.6 s. Shorter runs keep one size.
CAPACITY_SHARES = (0.5, 0.75, 1.0)
LEVELS_MIN_STEPS = 1000


def capacity_levels(entries: np.ndarray, words: np.ndarray) -> list[tuple[int, int]]:
    """Returns padded sizes (entries, distinct words), smallest first, for batches of these sizes (batch_sizes):
    one size for a run of fewer than LEVELS_MIN_STEPS batches, else one per share of CAPACITY_SHARES."""
    top_e, top_w = int(entries.max()), int(words.max())
    shares = CAPACITY_SHARES if len(entries) >= LEVELS_MIN_STEPS else (1.0,)
    return sorted({(round_up(math.ceil(top_e * share), 1024), round_up(math.ceil(top_w * share), 512))
                   for share in shares})


def level_for(levels: list[tuple[int, int]], entries: int, words: int) -> tuple[int, int]:
    """Returns the smallest of `levels` that holds `entries` entries and `words` distinct words."""
    return next(level for level in levels if entries <= level[0] and words <= level[1])


def make_batch(x: sp.csr_matrix, row_ids: np.ndarray, labels: np.ndarray | None, batch_size: int,
               capacity: int, word_capacity: int | None = None) -> SparseBatch:
    """Returns rows `row_ids` of `x` as a SparseBatch padded to `batch_size` rows, `capacity` entries
    and `word_capacity` distinct words (default: `capacity`)."""
    word_capacity = capacity if word_capacity is None else word_capacity
    sub = x[row_ids]  # [len(row_ids), vocab] CSR, only these rows are touched
    n_entries = sub.nnz
    words, local = np.unique(sub.indices, return_inverse=True)
    if n_entries > capacity or len(words) > word_capacity:
        raise ValueError(f"batch has {n_entries} entries and {len(words)} words, more than its capacity "
                         f"{capacity} / {word_capacity}")
    vocab = x.shape[1]
    words_p = np.full(word_capacity, vocab, dtype=np.int32)
    words_p[: len(words)] = words
    local_p = np.zeros(capacity, dtype=np.int32)  # padding entries have value 0: any index will do
    local_p[:n_entries] = local
    values_p = np.zeros(capacity, dtype=np.float32)
    values_p[:n_entries] = sub.data
    rows_p = np.zeros(capacity, dtype=np.int32)
    rows_p[:n_entries] = np.repeat(np.arange(sub.shape[0], dtype=np.int32), np.diff(sub.indptr))
    labels_p = np.zeros(batch_size, dtype=np.int32)
    mask = np.zeros(batch_size, dtype=np.float32)
    mask[: len(row_ids)] = 1.0
    if labels is not None:
        labels_p[: len(row_ids)] = labels[row_ids]
    return SparseBatch(words_p, local_p, values_p, rows_p, labels_p, mask)


def stack_batches(x: sp.csr_matrix, groups: list[np.ndarray], labels: np.ndarray, batch_size: int,
                  capacity: tuple[int, int]) -> SparseBatch:
    """Returns the batches of `groups` stacked on a leading axis, each padded to `capacity`."""
    batches = [make_batch(x, g, labels, batch_size, *capacity) for g in groups]
    return SparseBatch(*(np.stack(field) for field in zip(*batches)))


def init_embedding(key: jax.Array, vocab_size: int, width: int) -> jax.Array:
    """Returns the first layer's weights [vocab, width], initialised as hk.Linear would."""
    # hk.initializers.TruncatedNormal(1/sqrt(fan_in)) rescales by the std of a normal truncated at +-2.
    stddev = 1.0 / np.sqrt(vocab_size) / 0.87962566103423978
    return stddev * jax.random.truncated_normal(key, -2.0, 2.0, (vocab_size, width), jnp.float32)


def _head(h0: jax.Array, spec: ModelSpec, is_training: bool) -> jax.Array:
    """Returns logits [batch, classes] from the first layer's pre-activation h0 [batch, embed_width].

    For a mixture they are log-probabilities of the mixture, so softmax (every caller's next step) returns it.
    """
    if spec.mixture:
        h0, linear = h0[:, : spec.hidden[0]], h0[:, spec.hidden[0]:]  # [batch, hidden0], [batch, classes]
        # Kept strictly inside (0, 1) so both logs stay finite (and so do their gradients).
        w = jnp.clip(hk.get_parameter("net_weight", [], init=jnp.ones), 1e-6, 1 - 1e-6)
        net = jax.nn.log_softmax(_network(h0, spec, is_training))
        return jnp.logaddexp(jnp.log(w) + net, jnp.log1p(-w) + jax.nn.log_softmax(linear))
    return _network(h0, spec, is_training)


def _network(h0: jax.Array, spec: ModelSpec, is_training: bool) -> jax.Array:
    """Returns the network's logits [batch, classes] from h0 [batch, hidden[0]]."""
    bias = hk.get_parameter("first_bias", [spec.hidden[0]], init=jnp.zeros)
    x = jax.nn.relu(h0 + bias)
    for width in spec.hidden[1:]:
        if is_training and spec.dropout > 0:
            x = hk.dropout(hk.next_rng_key(), spec.dropout, x)
        x = jax.nn.relu(hk.Linear(width)(x))
    if is_training and spec.dropout > 0:
        x = hk.dropout(hk.next_rng_key(), spec.dropout, x)
    return hk.Linear(spec.n_classes)(x)


# Built once at import time; the spec is a static (hashable) argument.
head = hk.transform(_head)


def init_params(key: jax.Array, spec: ModelSpec) -> dict:
    """Returns fresh parameters {"embed": [vocab, embed_width], "head": Haiku params}."""
    k_embed, k_head = jax.random.split(key)
    embed = init_embedding(k_embed, spec.vocab_size, spec.embed_width)
    dummy = jnp.zeros((1, spec.embed_width), jnp.float32)
    return {"embed": embed, "head": head.init(k_head, dummy, spec, False)}


def first_layer(rows_of_embed: jax.Array, batch: SparseBatch, batch_size: int) -> jax.Array:
    """Returns h0 [batch, hidden0] from the gathered embedding rows [n_words, hidden0]."""
    contrib = rows_of_embed[batch.local] * batch.values[:, None]  # [n_entries, hidden0]
    return jax.ops.segment_sum(contrib, batch.rows, num_segments=batch_size)


def first_layer_of_batch(rows_of_embed: jax.Array, batch: SparseBatch, batch_size: int) -> jax.Array:
    """Returns first_layer's h0 as one matrix product: the batch's counts [batch, n_words] @ rows [n_words, hidden0].

    For training's small batches (32 rows) this is cheaper than first_layer's sum over entries, forward and
    backward (about a tenth of a step on the 4 tutorial categories); for inference's 512-row batches the
    [batch, n_words] matrix would be too large.
    """
    counts = jnp.zeros((batch_size, rows_of_embed.shape[0]), rows_of_embed.dtype)
    return counts.at[batch.rows, batch.local].add(batch.values) @ rows_of_embed


def gather_rows(embed: jax.Array, words: jax.Array) -> jax.Array:
    """Returns embed[words], with zeros for out-of-range (padding) ids."""
    return embed.at[words].get(mode="fill", fill_value=0.0)


@partial(jax.jit, static_argnames=("spec",))
def logits_sparse(params: dict, batch: SparseBatch, spec: ModelSpec) -> jax.Array:
    """Returns logits [batch, classes] for a SparseBatch (inference: no dropout)."""
    h0 = first_layer(gather_rows(params["embed"], batch.words), batch, batch.mask.shape[0])
    return head.apply(params["head"], None, h0, spec, False)


@partial(jax.jit, static_argnames=("spec",))
def probs_dense(params: dict, x: jax.Array, word_ids: jax.Array, spec: ModelSpec) -> jax.Array:
    """Returns class probabilities [n, classes] for dense rows x [n, k] over vocabulary columns word_ids [k]."""
    h0 = x @ params["embed"][word_ids]  # [n, hidden0]: only the post's own rows of the matrix
    return jax.nn.softmax(head.apply(params["head"], None, h0, spec, False))


def predict_proba_sparse(params: dict, spec: ModelSpec, x: sp.csr_matrix, batch_size: int = 512) -> np.ndarray:
    """Returns class probabilities [n, classes] for CSR rows x, in batches of fixed shape."""
    n = x.shape[0]
    out = np.zeros((n, spec.n_classes), dtype=np.float32)
    if n == 0:
        return out
    chunks = [np.arange(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
    capacity = round_up(max(int(x[c].nnz) for c in chunks), 4096)
    for chunk in chunks:
        batch = make_batch(x, chunk, None, batch_size, capacity)
        logits = logits_sparse(params, batch, spec)
        out[chunk] = np.asarray(jax.nn.softmax(logits))[: len(chunk)]
    return out


def enable_compilation_cache(folder: str | None = None) -> None:
    """Keeps compiled steps on disk ($TEXTCLF_CACHE or ~/.cache/textclf/jax), so a restart skips compiling."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = folder or os.environ.get("TEXTCLF_CACHE") or str(Path(base) / "textclf" / "jax")
    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.1)
