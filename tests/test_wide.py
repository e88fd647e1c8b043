"""The wide part (Wide & Deep): class scores per word added to the network's logits, starting from Naive Bayes."""

import importlib
from dataclasses import replace

import jax
import numpy as np

from textclf.data import Corpus
from textclf.data.features import FeatureConfig, Featurizer
from textclf.explain import explain, integrated_gradients, occlusion, read_post
from textclf.learn import choice, ensemble
from textclf.learn.model import ModelSpec, init_params, make_batch, logits_sparse
from textclf.learn.presets import PRESETS
from textclf.learn.train import TrainConfig, init_state, run_to_end, train
from textclf.store.modelfiles import load_model, save_model

training = importlib.import_module("textclf.learn.train")  # the module: the package exports its train()
WIDE = TrainConfig(hidden=(16,), epochs=4, batch_size=8, learning_rate=1e-2, early_stopping=2, refit=True,
                   nb_mixture=True, wide=True)


def test_the_wide_part_adds_its_class_scores_to_the_deep_logits():
    spec = ModelSpec(vocab_size=30, hidden=(8,), n_classes=3, wide=True)
    params = init_params(jax.random.PRNGKey(0), spec)
    embed = np.array(params["embed"])
    embed[:, 8:] = np.random.default_rng(0).normal(size=(30, 3))  # [vocab, classes] of the wide part
    params = {**params, "embed": embed}
    x = Featurizer.fit(["a b c", "c d"], FeatureConfig("count")).transform(["a b c", "c d"])
    batch = make_batch(x, np.arange(2), None, 2, 64)
    deep = logits_sparse({**params, "embed": embed[:, :8]}, batch, replace(spec, wide=False))  # [2, classes]
    wide = np.asarray(x @ embed[: x.shape[1], 8:])  # the rows of the texts' words, summed
    np.testing.assert_allclose(np.asarray(logits_sparse(params, batch, spec)), np.asarray(deep) + wide, atol=1e-5)


def test_the_wide_part_starts_from_naive_bayes_and_leaves_the_deep_part(tiny_corpus):
    featurizer, x = Featurizer.fit_transform(tiny_corpus.train_texts, FeatureConfig("tfidf"))
    y = np.asarray(tiny_corpus.train_labels)
    spec = ModelSpec(featurizer.vocab_size, (16,), tiny_corpus.n_classes, wide=True)
    state = init_state(jax.random.PRNGKey(0), spec, WIDE)
    alpha, scale = ensemble.smoothing_by_cv(x, y, spec.n_classes)
    started = training._wide_from_naive_bayes(state, spec, x, y, (alpha, scale))
    np.testing.assert_allclose(np.asarray(started.params["embed"])[:, 16:],
                               scale * ensemble.complement_nb(x, y, spec.n_classes, alpha), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(started.params["embed"])[:, :16], np.asarray(state.params["embed"])[:, :16])


def test_a_wide_model_trains_saves_loads_and_explains(tiny_corpus, tmp_path):
    tiny_corpus = replace(tiny_corpus, train_texts=list(tiny_corpus.train_texts) * 3,  # 120 texts per class
                          train_labels=np.tile(np.asarray(tiny_corpus.train_labels), 3))
    finished = run_to_end(train(tiny_corpus, FeatureConfig("tfidf"), WIDE))
    classifier = finished.classifier
    assert classifier.spec.wide and classifier.spec.mixture and classifier.info["train_config"]["wide"]
    assert classifier.params["embed"].shape[1] == 16 + 2 * tiny_corpus.n_classes  # deep, wide, Naive Bayes
    alone = ensemble.network_only(classifier)
    assert alone.spec.wide and alone.params["embed"].shape[1] == 16 + tiny_corpus.n_classes
    loaded = load_model(save_model(classifier, tmp_path / "model"))
    assert loaded.spec == classifier.spec
    np.testing.assert_allclose(loaded.predict_proba(tiny_corpus.test_texts),
                               classifier.predict_proba(tiny_corpus.test_texts), atol=2e-3)  # float16 on disk
    assert np.mean(classifier.predict(tiny_corpus.test_texts) == tiny_corpus.test_labels) > 0.9
    text = tiny_corpus.test_texts[0]
    assert explain(classifier, text, num_samples=300).weights
    post = read_post(classifier.featurizer, text)
    label = int(classifier.predict([text])[0])
    assert len(occlusion(classifier, post, label)) == len(post.words)
    assert len(integrated_gradients(classifier, post, label).attributions) == len(post.words)


def test_long_texts_train_without_the_wide_part():
    rng = np.random.default_rng(0)
    words = [[f"a{i}" for i in range(40)], [f"b{i}" for i in range(40)]]

    def texts(n):
        labels = np.arange(n) % 2
        return [" ".join(rng.choice(words[y], choice.SHORT_TEXT_WORDS + 10)) for y in labels], labels.astype(np.int32)

    (train_texts, train_labels), (test_texts, test_labels) = texts(60), texts(10)
    corpus = Corpus(train_texts, train_labels, test_texts, test_labels, ("a", "b"), {"source": "long"})
    finished = run_to_end(train(corpus, FeatureConfig("tfidf"), WIDE))
    assert not finished.classifier.spec.wide and finished.classifier.info["train_config"]["wide"] is False


def test_the_recommended_preset_has_a_wide_part():
    assert PRESETS["recommended"].train_config.wide and not PRESETS["tutorial"].train_config.wide


def test_a_few_texts_per_class_train_without_the_wide_part(tiny_corpus):
    """40 texts per class: too few for Naive Bayes' scores to start from (learn.choice.WIDE_TEXTS_PER_CLASS)."""
    finished = run_to_end(train(tiny_corpus, FeatureConfig("tfidf"), WIDE))
    assert not finished.classifier.spec.wide
    median = choice.median_words(tiny_corpus.train_texts)
    assert choice.wide_part_helps(3 * len(tiny_corpus.train_texts), tiny_corpus.n_classes, median)
    assert not choice.wide_part_helps(len(tiny_corpus.train_texts), tiny_corpus.n_classes, median)
