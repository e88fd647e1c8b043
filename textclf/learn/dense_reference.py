"""The plain way, kept as a yardstick for speed and correctness: dense batches and dense Adam."""

from __future__ import annotations

import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
import scipy.sparse as sp

from textclf.learn.model import ModelSpec, head


@partial(jax.jit, static_argnames=("spec", "learning_rate"), donate_argnums=(0, 1))
def dense_step(params: dict, opt_state: optax.OptState, x: jax.Array, y: jax.Array, mask: jax.Array,
               spec: ModelSpec, learning_rate: float):
    """Returns (params, opt_state, loss) after one exact-Adam step on a dense batch x [batch, vocab]."""
    def loss_fn(p):
        h0 = x @ p["embed"]  # [batch, hidden0]: the whole vocabulary takes part
        logits = head.apply(p["head"], None, h0, spec, False)
        ce = optax.softmax_cross_entropy_with_integer_labels(logits, y) * mask
        return jnp.sum(ce) / jnp.maximum(jnp.sum(mask), 1.0)

    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, opt_state = optax.adam(learning_rate).update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss


def train_dense(params: dict, x: sp.csr_matrix, y: np.ndarray, spec: ModelSpec, schedule: list[list[np.ndarray]],
                batch_size: int, learning_rate: float) -> tuple[dict, float]:
    """Returns (trained params, wall seconds) of dense training over `schedule` (epochs of row batches).

    Densifies one batch at a time, [batch, vocab]; the corpus itself stays sparse.
    """
    params = jax.tree.map(jnp.array, params)  # a copy: the step donates its inputs
    opt_state = optax.adam(learning_rate).init(params)
    started = time.perf_counter()
    for batches in schedule:
        for rows in batches:
            xb = np.zeros((batch_size, x.shape[1]), dtype=np.float32)
            xb[: len(rows)] = x[rows].toarray()
            yb = np.zeros(batch_size, dtype=np.int32)
            yb[: len(rows)] = y[rows]
            mask = (np.arange(batch_size) < len(rows)).astype(np.float32)
            params, opt_state, _ = dense_step(params, opt_state, xb, yb, mask, spec, learning_rate)
    jax.block_until_ready(params)
    return params, time.perf_counter() - started
