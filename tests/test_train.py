"""The jitted update step, the training generator's endings, determinism and configuration checks."""

import math
from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from textclf.data import Corpus
from textclf.data.features import Featurizer
from textclf.learn.model import ModelSpec, batch_capacity, head, make_batch, stack_batches
from textclf.learn.train import (EpochEnd, Finished, Started, StepLoss, TrainConfig, epoch_batches, init_state, run_to_end,
                           split_validation, train, train_step, train_steps)


def _setup(corpus, hidden, optimizer, learning_rate=1e-3):
    featurizer = Featurizer.fit(corpus.train_texts)
    x = featurizer.transform(corpus.train_texts)  # [n, vocab] CSR
    spec = ModelSpec(featurizer.vocab_size, hidden, corpus.n_classes)
    config = TrainConfig(hidden=hidden, batch_size=8, learning_rate=learning_rate, optimizer=optimizer)
    return x, np.asarray(corpus.train_labels), spec, config


def _leaves(params):
    return {jax.tree_util.keystr(path): np.array(leaf) for path, leaf in jax.tree_util.tree_leaves_with_path(params)}


@pytest.mark.parametrize("optimizer", ["adam", "lazy_adam"])
def test_one_step_changes_every_parameter(tiny_corpus, optimizer):
    x, y, spec, config = _setup(tiny_corpus, (16, 8), optimizer)
    rows = np.flatnonzero(y == 0)[:8]  # one class only: the other classes' own words are not in the batch
    batch = make_batch(x, rows, y, 8, *batch_capacity(x, [rows]))
    state = init_state(jax.random.PRNGKey(0), spec, config)
    before = _leaves(state.params)  # host copies: train_step donates the state
    state, metrics = train_step(state, batch, spec, config)
    after = _leaves(state.params)
    assert len(before) == 6
    for name in before:
        assert not np.array_equal(before[name], after[name]), f"{name} did not change"
    assert float(metrics["count"]) == 8 and math.isfinite(float(metrics["ce_sum"]))

    in_batch = np.unique(x[rows].indices)
    absent = np.setdiff1d(np.arange(spec.vocab_size), in_batch)
    assert len(absent) >= 16
    embed_before, embed_after = before["['embed']"], after["['embed']"]
    assert (embed_before[in_batch] != embed_after[in_batch]).any(axis=1).all()
    if optimizer == "lazy_adam":
        # Padding slots read the last row (a cheap clipped gather): it must come out untouched like any absent word.
        assert spec.vocab_size - 1 in absent and batch.words[-1] == spec.vocab_size
        np.testing.assert_array_equal(embed_before[absent], embed_after[absent])
        assert not np.asarray(state.embed_mu)[absent].any() and not np.asarray(state.embed_nu)[absent].any()
        assert np.asarray(state.embed_mu)[in_batch].any(axis=1).all()


def test_sparse_exact_adam_matches_dense_adam(tiny_corpus):
    """Exact Adam through the sparse first layer equals optax.adam on a dense x[rows] @ W network."""
    x, y, spec, config = _setup(tiny_corpus, (16, 8), "adam", learning_rate=1e-2)
    state = init_state(jax.random.PRNGKey(3), spec, config)
    ref = jax.tree.map(jnp.array, jax.device_get(state.params))  # same initial values, own buffers
    tx = optax.adam(config.learning_rate)
    ref_opt = tx.init(ref)

    def dense_loss(params, xb, yb):
        h0 = xb @ params["embed"]  # [rows, hidden0]
        logits = head.apply(params["head"], None, h0, spec, False)
        return optax.softmax_cross_entropy_with_integer_labels(logits, yb).mean()

    order = np.random.default_rng(0).permutation(len(y))
    batches = [order[i:i + 8] for i in range(0, 40, 8)] + [order[40:45]]  # the last batch is padded
    capacity = batch_capacity(x, batches)
    @jax.jit
    def dense_step(params, opt_state, xb, yb):
        updates, opt_state = tx.update(jax.grad(dense_loss)(params, xb, yb), opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    for rows in batches:
        state, _ = train_step(state, make_batch(x, rows, y, 8, *capacity), spec, config)
        ref, ref_opt = dense_step(ref, ref_opt, x[rows].toarray(), y[rows])  # [rows, vocab] dense

    got, want = _leaves(state.params), _leaves(ref)
    assert got.keys() == want.keys()
    for name in want:
        np.testing.assert_allclose(got[name], want[name], atol=1e-5, err_msg=name)
    assert not np.allclose(_leaves(init_state(jax.random.PRNGKey(3), spec, config).params)["['embed']"],
                           want["['embed']"], atol=1e-3)  # the comparison is not between two unmoved states


@pytest.mark.parametrize("optimizer", ["adam", "lazy_adam"])
def test_chunked_steps_equal_single_steps(tiny_corpus, optimizer):
    """train_steps (one compiled loop over stacked batches, as train() runs them) equals train_step one by one;
    the empty batches that pad an epoch's last chunk change nothing."""
    x, y, spec, config = _setup(tiny_corpus, (16,), optimizer, learning_rate=1e-2)
    order = np.random.default_rng(1).permutation(len(y))
    groups = [order[0:8], order[8:16], order[16:21], order[:0]]
    capacity = batch_capacity(x, groups[:3])
    chunked, metrics = train_steps(init_state(jax.random.PRNGKey(5), spec, config),
                                   stack_batches(x, groups, y, 8, capacity), spec, config)
    single = init_state(jax.random.PRNGKey(5), spec, config)
    for rows in groups[:3]:
        single, _ = train_step(single, make_batch(x, rows, y, 8, *capacity), spec, config)
    np.testing.assert_array_equal(np.asarray(metrics["count"]), [8, 8, 5, 0])
    assert int(chunked.step) == int(single.step) == 3
    want = _leaves(single.params)
    for name, value in _leaves(chunked.params).items():
        np.testing.assert_allclose(value, want[name], atol=1e-6, err_msg=name)


def test_fit_on_tiny_corpus_reaches_high_accuracy(tiny_corpus, tiny_classifier):
    accuracy = np.mean(tiny_classifier.predict(tiny_corpus.test_texts) == tiny_corpus.test_labels)
    assert accuracy >= 0.9
    history = tiny_classifier.info["history"]
    assert len(history) == 3 and history[-1]["train_loss"] < history[0]["train_loss"]


def test_events_in_order(tiny_corpus):
    config = TrainConfig(hidden=(16,), epochs=2, batch_size=8, log_every=3)
    events = list(train(tiny_corpus, config=config))
    started, finished = events[0], events[-1]
    assert isinstance(started, Started) and isinstance(finished, Finished)
    assert started.n_train + started.n_val == len(tiny_corpus.train_texts) and started.n_val == 12
    assert started.steps_per_epoch == math.ceil(started.n_train / 8)
    assert [e.epoch for e in events if isinstance(e, EpochEnd)] == [1, 2]
    steps = [e.step for e in events if isinstance(e, StepLoss)]
    assert steps == sorted(steps) and steps[-1] == started.total_steps
    assert finished.reason == "completed" and not finished.stopped and len(finished.history) == 2


def test_vocabulary_excludes_validation_and_test_texts(tiny_corpus):
    """Each text gets a unique marker word: only the markers of the training part enter the vocabulary."""
    n = len(tiny_corpus.train_texts)
    corpus = Corpus([f"{t} marker{i}" for i, t in enumerate(tiny_corpus.train_texts)], tiny_corpus.train_labels,
                    [f"{t} testonly" for t in tiny_corpus.test_texts], tiny_corpus.test_labels,
                    tiny_corpus.class_names)
    config = TrainConfig(hidden=(16,), epochs=1, batch_size=8)
    vocabulary = set(run_to_end(train(corpus, config=config)).classifier.featurizer.vocabulary)
    train_idx, val_idx = split_validation(n, corpus.train_labels, config.val_fraction, config.seed)
    assert len(val_idx) == 12
    assert {f"marker{i}" for i in train_idx} <= vocabulary
    assert not {f"marker{i}" for i in val_idx} & vocabulary
    assert "testonly" not in vocabulary


def test_same_seed_same_history_and_params(tiny_corpus, tiny_classifier):
    config = TrainConfig(**tiny_classifier.info["train_config"])
    again = run_to_end(train(tiny_corpus, config=config))
    assert again.history == tiny_classifier.info["history"]
    for name, value in _leaves(tiny_classifier.params).items():
        np.testing.assert_array_equal(_leaves(again.classifier.params)[name], value)
    other = run_to_end(train(tiny_corpus, config=replace(config, seed=7)))
    assert not np.array_equal(np.asarray(other.classifier.params["embed"]), np.asarray(tiny_classifier.params["embed"]))


def test_divergence_stops_and_keeps_finite_params(tiny_corpus):
    config = TrainConfig(hidden=(16,), epochs=2, batch_size=8, learning_rate=1e30, log_every=1)
    finished = run_to_end(train(tiny_corpus, config=config))
    assert finished.reason == "diverged" and finished.stopped
    assert "learning rate" in finished.message
    assert all(np.isfinite(leaf).all() for leaf in _leaves(finished.classifier.params).values())
    assert np.isfinite(finished.classifier.predict_proba(tiny_corpus.test_texts)).all()


def test_stop_after_first_step_keeps_params(tiny_corpus):
    config = TrainConfig(hidden=(16,), epochs=3, batch_size=8)
    events = list(train(tiny_corpus, config=config, should_stop=lambda: True))
    assert [type(e) for e in events] == [Started, StepLoss, Finished]
    finished = events[-1]
    assert finished.reason == "stopped" and finished.stopped and finished.history == []
    assert "epoch 1" in finished.message
    probs = finished.classifier.predict_proba(tiny_corpus.test_texts)
    assert probs.shape == (30, 3) and np.isfinite(probs).all()


def test_stop_between_epochs(tiny_corpus):
    seen = []
    config = TrainConfig(hidden=(16,), epochs=3, batch_size=8)
    for event in train(tiny_corpus, config=config, should_stop=lambda: bool(seen)):
        if isinstance(event, EpochEnd):
            seen.append(event)
        last = event
    assert last.reason == "stopped" and len(last.history) == 1
    assert last.classifier.predict(tiny_corpus.test_texts).shape == (30,)


def test_early_stopping_keeps_the_best_epoch(tiny_corpus):
    config = TrainConfig(hidden=(16,), epochs=30, batch_size=8, learning_rate=5e-2, val_fraction=0.3,
                         early_stopping=1)
    finished = run_to_end(train(tiny_corpus, config=config))
    val_acc = [h["val_accuracy"] for h in finished.history]
    assert finished.reason == "early_stopping" and finished.stopped
    assert finished.best_epoch == int(np.argmax(val_acc)) + 1
    assert len(val_acc) == finished.best_epoch + 1
    # the returned model is the best epoch's: its validation loss is that epoch's, not the last one's
    _, val_idx = split_validation(len(tiny_corpus.train_labels), tiny_corpus.train_labels, 0.3, config.seed)
    probs = finished.classifier.predict_proba([tiny_corpus.train_texts[i] for i in val_idx])
    val_loss = -np.mean(np.log(probs[np.arange(len(val_idx)), tiny_corpus.train_labels[val_idx]]))
    best, last = finished.history[finished.best_epoch - 1]["val_loss"], finished.history[-1]["val_loss"]
    assert val_loss == pytest.approx(best, rel=1e-4) and val_loss != pytest.approx(last, rel=1e-4)


@pytest.mark.parametrize("kwargs", [
    {"hidden": ()}, {"hidden": (16, 0)}, {"epochs": 0}, {"batch_size": 0}, {"learning_rate": 0.0},
    {"learning_rate": -1e-3}, {"learning_rate": float("inf")}, {"learning_rate": float("nan")},
    {"val_fraction": -0.1}, {"val_fraction": 0.95}, {"dropout": 1.0}, {"dropout": -0.5},
    {"weight_decay": -1.0}, {"optimizer": "sgd"}, {"seed": -1},
])
def test_train_config_validation(kwargs):
    with pytest.raises(ValueError) as err:
        TrainConfig(**kwargs)
    assert str(err.value)


def test_a_new_seed_or_epoch_count_reuses_the_compiled_update(tiny_corpus):
    """Only the update rule (optimizer, learning rate, weight decay) is static: seed and epochs don't recompile."""
    base = TrainConfig(hidden=(8,), batch_size=8, val_fraction=0.0, epochs=1, seed=0)
    run_to_end(train(tiny_corpus, config=base))
    compiled = train_steps._cache_size()
    run_to_end(train(tiny_corpus, config=replace(base, seed=1, epochs=2, early_stopping=1)))
    assert train_steps._cache_size() == compiled


def _many_word_setup(optimizer):
    """Returns (x, y, spec, config, batches): 48 posts of 400 words drawn from 6,000; batches of 8 posts hold
    about 2,500 distinct words, so a step runs over five slabs of 512 words."""
    rng = np.random.default_rng(0)
    texts = [" ".join(f"w{j}" for j in rng.integers(0, 6000, 400)) for _ in range(48)]
    featurizer = Featurizer.fit(texts)
    x, y = featurizer.transform(texts), np.arange(48) % 3
    spec = ModelSpec(featurizer.vocab_size, (16,), 3)
    config = TrainConfig(hidden=(16,), batch_size=8, learning_rate=1e-2, optimizer=optimizer, weight_decay=0.0)
    batches = epoch_batches(48, 8, np.random.default_rng(1)) + [np.arange(5)]  # the last batch is padded
    return x, y, spec, config, batches


def test_exact_adam_over_several_slabs_equals_dense_adam():
    from textclf.learn.dense_reference import train_dense

    x, y, spec, config, batches = _many_word_setup("adam")
    capacity = batch_capacity(x, batches)
    assert capacity[1] == 5 * 512 and min(len(np.unique(x[b].indices)) for b in batches[:-1]) > 4 * 512
    state = init_state(jax.random.PRNGKey(0), spec, config)
    start = jax.device_get(state.params)
    dense, _ = train_dense(start, x, y, spec, [batches], 8, config.learning_rate)
    for rows in batches:
        state, _ = train_step(state, make_batch(x, rows, y, 8, *capacity), spec, config)
    for name, want in _leaves(dense).items():
        np.testing.assert_allclose(_leaves(state.params)[name], want, atol=2e-5, err_msg=name)
    assert np.abs(_leaves(dense)["['embed']"] - _leaves(start)["['embed']"]).max() > 1e-3


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_lazy_adam_over_several_slabs_equals_lazy_adam_over_all_words_at_once(weight_decay):
    """The slab loop (hand-written first-layer gradient) equals lazy Adam written plainly: autodiff through
    the segment-sum first layer over all of a batch's words, Adam's formula on their rows only."""
    from textclf.learn.model import first_layer

    x, y, spec, config, batches = _many_word_setup("lazy_adam")
    config = replace(config, weight_decay=weight_decay)
    capacity = batch_capacity(x, batches)
    state = init_state(jax.random.PRNGKey(0), spec, config)
    embed, head_params = np.array(state.params["embed"]), jax.device_get(state.params["head"])
    mu, nu = np.zeros_like(embed), np.zeros_like(embed)
    head_opt = optax.adam(config.learning_rate) if not weight_decay else optax.adamw(config.learning_rate,
                                                                                        weight_decay=weight_decay)
    head_state = head_opt.init(head_params)
    for t, rows in enumerate(batches, start=1):
        batch = make_batch(x, rows, y, 8, *capacity)
        state, _ = train_step(state, batch, spec, config)
        words = np.asarray(batch.words)[np.asarray(batch.words) < spec.vocab_size]

        def loss(r, hp):
            h0 = first_layer(jnp.concatenate([r, jnp.zeros((len(batch.words) - len(words), 16))]), batch, 8)
            logits = head.apply(hp, None, h0, spec, True)
            ce = optax.softmax_cross_entropy_with_integer_labels(logits, batch.labels) * batch.mask
            return jnp.sum(ce) / jnp.sum(batch.mask)

        g_rows, g_head = jax.grad(loss, argnums=(0, 1))(embed[words], head_params)
        updates, head_state = head_opt.update(g_head, head_state, head_params)
        head_params = optax.apply_updates(head_params, updates)
        mu[words] = 0.9 * mu[words] + 0.1 * g_rows
        nu[words] = 0.999 * nu[words] + 0.001 * np.asarray(g_rows) ** 2
        step = (mu[words] / (1 - 0.9 ** t)) / (np.sqrt(nu[words] / (1 - 0.999 ** t)) + 1e-8)
        embed[words] -= config.learning_rate * (step + weight_decay * embed[words])
    np.testing.assert_allclose(np.asarray(state.params["embed"]), embed, atol=2e-5)
    np.testing.assert_allclose(np.asarray(state.embed_mu), mu, atol=1e-6)
    np.testing.assert_allclose(np.asarray(state.embed_nu), nu, atol=1e-7)
    for a, b in zip(jax.tree.leaves(jax.device_get(state.params["head"])), jax.tree.leaves(head_params)):
        np.testing.assert_allclose(a, b, atol=2e-5)
    last = np.unique(x[batches[0]].indices)[-1]  # a word of the first batch's last slab moved
    assert np.asarray(state.embed_mu)[last].any()


def test_an_unfinished_model_says_once_where_it_stopped(tiny_classifier):
    history = tiny_classifier.info["history"]  # trained with epochs=3
    stopped = Finished(tiny_classifier, history[:2], "stopped", "Stopped by request after epoch 2.", 1.0)
    assert stopped.unfinished_note() == "This model is unfinished: you stopped it after epoch 2 of 3."
    first = Finished(tiny_classifier, [], "stopped", "Stopped by request during epoch 1.", 1.0)
    assert first.unfinished_note() == "This model is unfinished: you stopped it during epoch 1 of 3."
    diverged = Finished(tiny_classifier, history[:1], "diverged", "Training stopped in epoch 2: ...", 1.0)
    assert diverged.unfinished_note().startswith("This model is unfinished: training blew up in epoch 2 of 3")
    assert Finished(tiny_classifier, history, "completed", "Finished 3 epochs.", 1.0).unfinished_note() == ""


def test_one_epoch_is_said_in_the_singular(tiny_corpus):
    """"Finished 1 epochs." and "had not improved for 1 epochs" read as mistakes."""
    finished = run_to_end(train(tiny_corpus, config=TrainConfig(hidden=(8,), epochs=1, batch_size=8)))
    assert "Finished 1 epoch." in finished.message
