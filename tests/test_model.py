"""The network's shapes, the fixed-shape sparse batch, and agreement of the sparse and dense paths."""

import jax
import numpy as np
import pytest
import scipy.sparse as sp

from textclf.learn.model import (ModelSpec, batch_capacity, init_params, logits_sparse, make_batch, predict_proba_sparse,
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
    shuffled = x.copy()  # indices out of order within rows (CSR allows it): the same batch
    for r in range(20):
        part = slice(shuffled.indptr[r], shuffled.indptr[r + 1])
        shuffled.indices[part], shuffled.data[part] = shuffled.indices[part][::-1], shuffled.data[part][::-1]
    again = make_batch(shuffled, rows, labels, 8, 512, 64)
    np.testing.assert_array_equal(again.words, batch.words)
    np.testing.assert_array_equal(_densify(again, 30), dense)


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
    assert words <= 512
    assert batch_capacity(x, batches) == (round_up(entries, 1024), 512)
    assert batch_capacity(x, [batches[0]]) == (round_up(x[batches[0]].nnz, 1024), 512)
    from textclf.learn.model import batch_sizes

    sizes = batch_sizes(x, batches)
    assert [int(e) for e in sizes[0]] == [x[b].nnz for b in batches]
    assert [int(w) for w in sizes[1]] == [len(np.unique(x[b].indices)) for b in batches]


def test_word_capacity_is_a_whole_number_of_slabs():
    from textclf.learn.model import SLAB_WORDS, word_capacity

    assert SLAB_WORDS == 512
    assert [word_capacity(n) for n in (1, 512, 513, 1024, 1025, 2049)] == [512, 512, 1024, 1024, 1536, 2560]


def _batch_of_many_words(seed=0):
    """Returns (csr x, a SparseBatch of 6 of its rows with 2,373 distinct words: five slabs, padded to eight)."""
    rng = np.random.default_rng(seed)
    x = sp.random(10, 6000, density=0.08, format="csr", random_state=seed, dtype=np.float32)
    x.data[:] = rng.integers(1, 4, x.nnz)
    rows = np.array([0, 2, 3, 5, 7, 9])
    words = len(np.unique(x[rows].indices))
    assert words == 2373
    return x, make_batch(x, rows, np.zeros(10, np.int64), 8, round_up(x[rows].nnz, 1024), 4096)


def test_first_layer_in_slabs_equals_the_sum_over_entries():
    """Training's slab-by-slab first layer gives inference's segment sum, visiting only the slabs in use."""
    from textclf.learn.model import counts_by_word, first_layer, first_layer_in_slabs, slab_count

    x, batch = _batch_of_many_words()
    rng = np.random.default_rng(1)
    embed = jax.numpy.asarray(rng.normal(size=(6000, 5)).astype(np.float32))
    n_slabs = slab_count(batch, 6000)
    assert int(n_slabs) == 5  # 2,373 words in slabs of 512
    h0 = first_layer_in_slabs(embed, batch, counts_by_word(batch), n_slabs)
    want = first_layer(embed[np.minimum(batch.words, 5999)] * (batch.words < 6000)[:, None], batch, 8)
    np.testing.assert_allclose(h0, want, rtol=1e-5, atol=1e-5)
    assert np.abs(np.asarray(want)[:6]).min() > 0 and not np.asarray(want)[6:].any()  # padding rows stay 0
    two = first_layer_in_slabs(embed, batch, counts_by_word(batch), 2)  # the third slab's words do count
    assert np.abs(np.asarray(two) - np.asarray(want)).max() > 1e-3
