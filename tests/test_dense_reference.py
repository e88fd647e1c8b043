"""The bench's dense reference trains the same network as the sparse path: same schedule, same numbers."""

import jax
import numpy as np

from textclf.data.features import Featurizer
from textclf.learn.model import ModelSpec, batch_capacity, make_batch
from textclf.learn.dense_reference import train_dense
from textclf.learn.train import TrainConfig, epoch_batches, init_state, train_step


def test_dense_reference_equals_sparse_exact_adam(tiny_corpus):
    config = TrainConfig(hidden=(16, 8), batch_size=8, optimizer="adam", learning_rate=1e-2)
    featurizer = Featurizer.fit(tiny_corpus.train_texts)
    x, y = featurizer.transform(tiny_corpus.train_texts), np.asarray(tiny_corpus.train_labels)
    spec = ModelSpec(featurizer.vocab_size, config.hidden, tiny_corpus.n_classes)
    rng = np.random.default_rng(0)
    schedule = [epoch_batches(len(y), config.batch_size, rng) for _ in range(2)]
    state = init_state(jax.random.PRNGKey(0), spec, config)
    start = jax.device_get(state.params)

    dense, _ = train_dense(start, x, y, spec, schedule, config.batch_size, config.learning_rate)
    capacity = batch_capacity(x, [b for epoch in schedule for b in epoch])
    for batches in schedule:
        for rows in batches:
            state, _ = train_step(state, make_batch(x, rows, y, config.batch_size, *capacity), spec, config)

    sparse = jax.device_get(state.params)
    moved = jax.tree.map(lambda a, b: float(np.abs(a - b).max()), dense, start)
    assert min(jax.tree.leaves(moved)) > 1e-4, "training moved every parameter"
    diffs = jax.tree.map(lambda a, b: float(np.abs(a - b).max()), dense, sparse)
    assert max(jax.tree.leaves(diffs)) < 1e-4, diffs
