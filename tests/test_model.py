"""The network's shapes, the fixed-shape sparse batch, and agreement of the sparse and dense paths."""

import jax
import numpy as np
import pytest
import scipy.sparse as sp

from textclf.model import (ModelSpec, batch_capacity, init_params, logits_sparse, make_batch, predict_proba_sparse,
                           probs_dense, round_up)

SPEC = ModelSpec(vocab_size=50, hidden=(8, 4), n_classes=3)


def _random_csr(n_rows, vocab, seed=0):
    rng = np.random.default_rng(seed)
    x = sp.random(n_rows, vocab, density=0.15, format="csr", dtype=np.float32, random_state=rng)
    x.data = rng.integers(1, 4, x.nnz).astype(np.float32)
    return x


def _densify(batch, vocab):
    """Returns the batch as dense rows [batch, vocab], by the formula in SparseBatch's docstring."""
    words, local, values, rows = (np.asarray(a) for a in batch[:4])
    dense = np.zeros((len(batch.mask), vocab + 1), dtype=np.float32)  # the extra column takes padding
    np.add.at(dense, (rows, words[local]), values)
    return dense[:, :vocab]


def test_init_params_shapes():
    params = init_params(jax.random.PRNGKey(0), SPEC)
    assert params["embed"].shape == (50, 8)
    head_shapes = sorted(leaf.shape for leaf in jax.tree.leaves(params["head"]))
    assert head_shapes == sorted([(8,), (8, 4), (4,), (4, 3), (3,)])


def test_logits_and_probabilities_shapes():
    params = init_params(jax.random.PRNGKey(0), SPEC)
    x = _random_csr(11, 50)
    batch = make_batch(x, np.arange(5), None, 8, *batch_capacity(x, [np.arange(5)]))
    assert logits_sparse(params, batch, SPEC).shape == (8, 3)
    probs = predict_proba_sparse(params, SPEC, x, batch_size=4)  # three batches, the last one short
    assert probs.shape == (11, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(probs, predict_proba_sparse(params, SPEC, x), rtol=1e-5, atol=1e-7)
    assert predict_proba_sparse(params, SPEC, x[:0]).shape == (0, 3)


def test_make_batch_round_trip():
    x = _random_csr(20, 30)
    labels = np.arange(20, dtype=np.int32) % 3
    rows = np.array([3, 7, 0, 12, 19])
    batch = make_batch(x, rows, labels, 8, 512, 64)
    assert batch.words.shape == (64,) and all(len(a) == 512 for a in batch[1:4]) and batch.labels.shape == (8,)
    dense = _densify(batch, 30)
    np.testing.assert_array_equal(dense[:5], x[rows].toarray())
    assert not dense[5:].any()
    np.testing.assert_array_equal(batch.mask, [1, 1, 1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(batch.labels[:5], labels[rows])
    words = np.asarray(batch.words)
    n_words = len(np.unique(x[rows].indices))
    np.testing.assert_array_equal(words[:n_words], np.unique(x[rows].indices))
    assert (words[n_words:] == 30).all()  # padding ids are out of range


def test_make_batch_refuses_overflow():
    x = _random_csr(20, 30)
    with pytest.raises(ValueError, match="capacity"):
        make_batch(x, np.arange(20), None, 20, 8, 64)  # too many entries
    with pytest.raises(ValueError, match="capacity"):
        make_batch(x, np.arange(20), None, 20, 512, 4)  # too many distinct words


def test_probs_dense_over_the_texts_own_columns_equals_sparse(tiny_classifier):
    clf = tiny_classifier
    for text in ["Apple banana, apple!", "the engine and the puck", "goalie goalie goalie stick"]:
        row = clf.featurizer.transform([text])  # [1, vocab]
        ids = np.unique(row.indices)
        padded = np.concatenate([ids, [0, 0, 0]])  # padding columns with zero values, as explain does
        x = np.concatenate([row[:, ids].toarray(), np.zeros((1, 3), np.float32)], axis=1)
        dense = np.asarray(probs_dense(clf.params, x, padded, clf.spec))
        np.testing.assert_allclose(dense, predict_proba_sparse(clf.params, clf.spec, row), rtol=1e-5, atol=1e-6)


def test_batch_capacity_counts_every_batch_exactly():
    x = sp.random(300, 2000, density=0.01, format="csr", random_state=0)
    rng = np.random.default_rng(0)
    batches = [p[i:i + 7] for p in (rng.permutation(300) for _ in range(3)) for i in range(0, 300, 7)]
    entries = max(int(x[b].nnz) for b in batches)
    words = max(len(np.unique(x[b].indices)) for b in batches)
    assert batch_capacity(x, batches) == (round_up(entries, 1024), round_up(words, 512))
    assert batch_capacity(x, [batches[0]]) == (round_up(x[batches[0]].nnz, 1024),
                                               round_up(len(np.unique(x[batches[0]].indices)), 512))


def test_first_layer_of_batch_equals_the_sum_over_entries_and_so_do_their_gradients():
    """Training's matrix-product first layer gives the same h0 and row gradients as inference's segment sum."""
    from textclf.model import first_layer, first_layer_of_batch

    rng = np.random.default_rng(0)
    x = sp.random(12, 40, density=0.2, format="csr", random_state=1, dtype=np.float32)
    x.data[:] = rng.integers(1, 4, x.nnz)
    rows_ids = np.array([0, 3, 5, 7, 11])
    batch = make_batch(x, rows_ids, np.zeros(12, np.int64), 8, 64, 48)  # padded rows, entries and words
    rows = jax.numpy.asarray(rng.normal(size=(48, 6)).astype(np.float32))
    np.testing.assert_allclose(first_layer_of_batch(rows, batch, 8), first_layer(rows, batch, 8), rtol=1e-5, atol=1e-6)
    weights = rng.normal(size=(8, 6)).astype(np.float32)
    grad = lambda f: jax.grad(lambda r: (f(r, batch, 8) * weights).sum())(rows)
    np.testing.assert_allclose(grad(first_layer_of_batch), grad(first_layer), rtol=1e-5, atol=1e-6)
    assert np.abs(np.asarray(first_layer(rows, batch, 8))[:5]).sum() > 0


def test_chunks_are_padded_to_the_smallest_of_three_levels_that_holds_them():
    from textclf.model import batch_sizes, capacity_levels, level_for

    rng = np.random.default_rng(0)
    x = sp.random(400, 3000, density=0.01, format="csr", random_state=2, dtype=np.float32)
    x = sp.vstack([x, sp.random(4, 3000, density=0.6, format="csr", random_state=3, dtype=np.float32)]).tocsr()
    batches = [rng.permutation(400)[:8] for _ in range(20)] + [np.array([400, 401, 402, 403])]  # one huge batch
    entries, words = batch_sizes(x, batches)
    assert [int(e) for e in entries] == [x[b].nnz for b in batches]
    assert [int(w) for w in words] == [len(np.unique(x[b].indices)) for b in batches]
    assert capacity_levels(entries, words) == [batch_capacity(x, batches)]  # a short run: one size
    entries, words = np.tile(entries, 50), np.tile(words, 50)  # the same batches, over 1,050 steps
    levels = capacity_levels(entries, words)
    assert levels == sorted(levels) and len(levels) == 3 and levels[-1] == batch_capacity(x, batches)
    chosen = [level_for(levels, e, w) for e, w in zip(entries[:21], words[:21])]
    assert all(e <= c[0] and w <= c[1] for (e, w), c in zip(zip(entries, words), chosen))
    assert chosen[-1] == levels[-1] and all(c == levels[0] for c in chosen[:-1])  # only the huge one pays for it
