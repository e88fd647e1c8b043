"""The network mixed with Naive Bayes: the probabilities it promises, chosen on validation, explained and saved."""

import json
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import softmax
from sklearn.naive_bayes import ComplementNB

from textclf import limits
from textclf.learn import ensemble
from textclf.store.bundles import bundle_bytes, read_bundle
from textclf.explain import explain, explain_stock, integrated_gradients, occlusion, read_post, topic_words, trust
from textclf.data.features import FeatureConfig, Featurizer
from textclf.learn.model import predict_proba_sparse
from textclf.store.modelfiles import META_FILE, load_model, save_model
from textclf.analysis.predict import predict_texts
from textclf.learn.presets import PRESETS, config_from_form, form_values
from textclf.store.runs import RunStore
from textclf.learn.train import TrainConfig, run_to_end, split_validation, train

TEXTS = ["Apple banana, apple! the engine", "The engine's brake... CLUTCH; goalie? puck puck.",
         "plum lemon grape melon tyre wheel rink skate stick", "puck"]


@pytest.fixture(scope="module", params=["tfidf", "count"])
def mixed(request, tiny_corpus):
    """Returns (Finished, features) of a mixture trained on the tiny corpus, with tf-idf (rows scaled to unit
    length) and with plain counts."""
    features = FeatureConfig(request.param)
    config = TrainConfig(hidden=(16,), epochs=3, batch_size=8, learning_rate=1e-2, nb_mixture=True)
    finished = run_to_end(train(tiny_corpus, features, config))
    assert finished.reason == "completed", finished.message
    return finished, features


def _training_rows(classifier, corpus):
    labels = np.asarray(corpus.train_labels)
    fit_idx, _ = split_validation(len(labels), labels, 0.1, 42)
    return classifier.featurizer.transform([corpus.train_texts[i] for i in fit_idx]), labels[fit_idx]


def test_nb_scores_give_scikit_learns_probabilities(tiny_corpus):
    featurizer, rows = Featurizer.fit_transform(tiny_corpus.train_texts, FeatureConfig("tfidf"))
    y = np.asarray(tiny_corpus.train_labels)
    test = featurizer.transform(tiny_corpus.test_texts)
    for alpha in (0.03, 1.0):
        ours = softmax(np.asarray(test @ ensemble.complement_nb(rows, y, 3, alpha), np.float64), axis=1)
        theirs = ComplementNB(alpha=alpha).fit(rows, y).predict_proba(test)
        np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_a_class_missing_from_the_training_rows_still_gets_scores():
    x = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0]], np.float32))
    scores = ensemble.complement_nb(x, np.array([0, 2]), 3, 0.1)
    assert scores.shape == (2, 3) and np.all(np.isfinite(scores))
    np.testing.assert_allclose(scores.sum(axis=1), 0.0, atol=1e-6)  # centred per word


def test_mixture_probabilities_are_the_promised_mixture_and_sum_to_one(mixed, tiny_corpus):
    finished, _ = mixed
    classifier = finished.classifier
    mixture = ensemble.mixture_of(classifier)
    assert classifier.spec.mixture and mixture is not None
    assert mixture.alpha in ensemble.ALPHAS and mixture.net_weight in ensemble.NET_WEIGHTS
    x = classifier.featurizer.transform(tiny_corpus.test_texts)
    x_fit, y_fit = _training_rows(classifier, tiny_corpus)
    nb = ComplementNB(alpha=mixture.alpha).fit(x_fit, y_fit)
    p_nb = softmax(mixture.scale * np.asarray(x @ nb.feature_log_prob_.T, np.float64), axis=1)
    net = ensemble.network_only(classifier)
    p_net = predict_proba_sparse(net.params, net.spec, x)
    expected = mixture.net_weight * p_net + (1 - mixture.net_weight) * p_nb
    probs = classifier.predict_proba(tiny_corpus.test_texts)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(probs, expected, atol=1e-5)
    assert "Naive Bayes" in finished.message


def test_the_mixture_is_chosen_by_validation_log_loss():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    x = sp.csr_matrix(np.abs(rng.normal(size=(60, 5))) + np.eye(2, 5)[y] * 3, dtype=np.float32)
    useless_network = np.full((30, 2), 0.5)
    chosen = ensemble.choose(useless_network, x[::2], y[::2], x[1::2], y[1::2])
    assert chosen.net_weight == min(ensemble.NET_WEIGHTS)  # a coin-flipping network gets the smallest share
    assert chosen.val_log_loss < chosen.val_log_loss_network and chosen.val_accuracy == 1.0


def test_refit_keeps_the_mixture_chosen_on_validation(tiny_corpus):
    config = TrainConfig(hidden=(16,), epochs=3, batch_size=8, learning_rate=1e-2, nb_mixture=True,
                         early_stopping=2, refit=True)
    finished = run_to_end(train(tiny_corpus, FeatureConfig("tfidf"), config))
    classifier = finished.classifier
    assert classifier.spec.mixture and finished.split["n_train"] == len(tiny_corpus.train_texts)
    assert ensemble.mixture_of(classifier) is not None and "retrained" in finished.message
    # Said in words a teacher follows: what was combined and why, the weights; no library parameter names.
    assert "combines the network with a simple word-count model (Naive Bayes)" in finished.message
    assert "% network, " in finished.message and "alpha" not in finished.message
    np.testing.assert_allclose(classifier.predict_proba(TEXTS).sum(axis=1), 1.0, atol=1e-5)


def test_without_validation_posts_the_network_stays_alone(tiny_corpus):
    config = TrainConfig(hidden=(8,), epochs=1, batch_size=8, val_fraction=0.0, nb_mixture=True)
    finished = run_to_end(train(tiny_corpus, config=config))
    assert not finished.classifier.spec.mixture and "network alone" in finished.message


def test_plain_training_is_unchanged(tiny_classifier):
    assert not tiny_classifier.spec.mixture and "mixture" not in tiny_classifier.info
    assert tiny_classifier.params["embed"].shape[1] == 16


def test_classifying_a_table_gives_the_mixtures_probabilities(mixed):
    classifier = mixed[0].classifier
    predictions = predict_texts(classifier, TEXTS)
    np.testing.assert_allclose(predictions.probabilities, classifier.predict_proba(TEXTS), atol=1e-5)


def test_occlusion_on_a_mixture_equals_removing_the_word(mixed):
    classifier = mixed[0].classifier
    text = TEXTS[1]
    post = read_post(classifier.featurizer, text)
    label = int(classifier.predict_proba([text])[0].argmax())
    counts = classifier.featurizer.counts([text])
    full = classifier.predict_proba([text])[0, label]
    expected = []
    for word_id in post.word_ids:
        without = counts.tolil()
        without[0, word_id] = 0
        x = classifier.featurizer.scale(sp.csr_matrix(without))
        expected.append(full - predict_proba_sparse(classifier.params, classifier.spec, x)[0, label])
    np.testing.assert_allclose(occlusion(classifier, post, label), expected, atol=1e-5)


def test_integrated_gradients_on_a_mixture_add_up(mixed):
    classifier = mixed[0].classifier
    post = read_post(classifier.featurizer, TEXTS[2])
    result = integrated_gradients(classifier, post, 0)
    assert result.completeness_error <= 1e-3
    assert result.prediction == pytest.approx(classifier.predict_proba([TEXTS[2]])[0, 0], abs=1e-5)


def test_lime_on_a_mixture_equals_stock_lime(mixed):
    classifier = mixed[0].classifier
    fast = explain(classifier, TEXTS[0], num_samples=500, seed=1)
    stock = dict(explain_stock(classifier, TEXTS[0], num_samples=500, seed=1))
    for word, weight in fast.weights:
        assert weight == pytest.approx(stock[word], abs=1e-6)
    np.testing.assert_allclose(fast.probabilities, classifier.predict_proba([TEXTS[0]])[0], atol=1e-5)


def test_trust_panel_and_topic_words_run_on_a_mixture(mixed, tiny_corpus):
    classifier = mixed[0].classifier
    panel = trust(classifier, TEXTS[0], num_samples=300)
    assert panel.probability == pytest.approx(classifier.predict_proba([TEXTS[0]])[0].max(), abs=1e-5)
    words = topic_words(classifier, tiny_corpus.test_texts)
    assert set(words.classes) == set(classifier.class_names) and any(words.classes.values())


def test_a_saved_mixture_round_trips_through_a_folder_and_a_bundle(mixed, tmp_path):
    classifier = mixed[0].classifier
    save_model(classifier, tmp_path / "model")
    meta = json.loads((tmp_path / "model" / META_FILE).read_text())
    assert meta["spec"]["mixture"] is True and meta["info"]["mixture"]["net_weight"] > 0
    loaded = load_model(tmp_path / "model")
    assert loaded.spec == classifier.spec and ensemble.mixture_of(loaded) == ensemble.mixture_of(classifier)
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), classifier.predict_proba(TEXTS), atol=2e-3)
    assert (loaded.predict(TEXTS) == classifier.predict(TEXTS)).all()
    run = RunStore(tmp_path / "runs").save(classifier, name="mixed", data={"source": "tiny synthetic corpus"},
                                          history=classifier.info["history"], metrics={"accuracy": 1.0},
                                          train_seconds=1.0, reason="completed")
    from_bundle, _ = read_bundle(bundle_bytes(run.path))
    assert from_bundle.spec.mixture
    np.testing.assert_allclose(from_bundle.predict_proba(TEXTS), loaded.predict_proba(TEXTS), atol=1e-6)


def test_a_plain_networks_file_says_nothing_of_mixtures(tiny_classifier, tmp_path):
    """Keeps plain models readable by versions that predate mixtures (their schema refuses unknown keys)."""
    save_model(tiny_classifier, tmp_path)
    assert "mixture" not in json.loads((tmp_path / META_FILE).read_text())["spec"]
    assert not load_model(tmp_path).spec.mixture


def test_vocabulary_budget_counts_the_mixtures_columns():
    plain_total, plain_per_word = limits.vocabulary_budget((256,), 20)
    total, per_word = limits.vocabulary_budget((256,), 20, mixture=True)
    assert per_word == plain_per_word + 20 * limits.EMBED_BYTES and total < plain_total


def test_recommended_preset_mixes_and_the_form_keeps_it():
    assert PRESETS["recommended"].train_config.nb_mixture and not PRESETS["tutorial"].train_config.nb_mixture
    assert config_from_form(form_values("recommended")).nb_mixture
    older = {k: v for k, v in form_values("recommended").items() if k != "nb_mixture"}  # a session from before
    assert config_from_form(older) == replace(PRESETS["recommended"].train_config, nb_mixture=False)


def test_the_mixture_never_gets_fewer_validation_posts_right_than_the_network():
    """A right but unsure network, and Naive Bayes sure of itself and wrong on a fifth of the posts: the mix with the
    lowest log loss would answer worse than the network on the posts it is chosen on, so the network answers alone."""
    y = np.repeat([0, 1], 50)
    wrong = np.zeros(100, bool)
    wrong[::5] = True  # one post in five carries the other class's word, in both halves
    x = sp.csr_matrix(np.eye(2)[np.where(wrong, 1 - y, y)] * 5, dtype=np.float32)
    unsure_but_right = np.where(np.eye(2)[y] > 0, 0.51, 0.49)
    chosen = ensemble.choose(unsure_but_right[1::2], x[::2], y[::2], x[1::2], y[1::2])
    assert chosen.val_accuracy >= chosen.val_accuracy_network == 1.0
    assert chosen.network_alone and chosen.net_weight == 1.0


def test_a_mixture_that_answers_worse_is_not_attached(tiny_corpus, monkeypatch):
    declined = ensemble.Mixture(0.1, 1.0, 1.0, 0.9, 0.9, 0.3, 0.3)
    monkeypatch.setattr(ensemble, "choose", lambda *args: declined)
    config = TrainConfig(hidden=(16,), epochs=3, batch_size=8, learning_rate=1e-2, nb_mixture=True,
                         early_stopping=2, refit=True)
    finished = run_to_end(train(tiny_corpus, FeatureConfig("tfidf"), config))
    assert not finished.classifier.spec.mixture and "the network answers alone" in finished.message
    assert ensemble.recorded(finished.classifier.info) == declined
