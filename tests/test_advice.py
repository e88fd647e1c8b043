"""The sentence for a model that is unsure on many texts: which setting would help."""

from dataclasses import replace

import numpy as np

from textclf.analysis.advice import UNSURE_SHARE, chance_advice, next_step, setting_advice, unsure_share
from textclf.data.features import FeatureConfig, Featurizer


def test_unsure_share_counts_texts_below_the_threshold():
    assert unsure_share(np.array([0.2, 0.49, 0.5, 0.9]), 0.5) == 0.5
    assert unsure_share(np.array([]), 0.5) == 0.0


def test_few_unsure_texts_give_no_advice(tiny_classifier):
    assert setting_advice(tiny_classifier, UNSURE_SHARE, 0.5) is None


def test_a_tutorial_model_unsure_on_many_texts_is_pointed_to_the_recommended_preset(tiny_classifier):
    sentence = setting_advice(tiny_classifier, 0.58, 0.5)
    assert "58%" in sentence and "Recommended preset" in sentence and sentence.count(". ") == 0


def test_a_recommended_model_is_pointed_to_word_pairs_then_to_more_examples(tiny_classifier, tiny_corpus):
    def model(features):
        return replace(tiny_classifier, featurizer=Featurizer.fit(tiny_corpus.train_texts, features),
                       spec=replace(tiny_classifier.spec, mixture=True))

    assert "word pairs" in setting_advice(model(FeatureConfig("tfidf", 2)), 0.4, 0.5)
    assert "more labelled examples" in setting_advice(model(FeatureConfig("tfidf", 2, pairs=True)), 0.4, 0.5)


def test_the_train_outcome_carries_the_advice_of_an_unsure_model(tiny_classifier, tiny_corpus):
    import jax

    from textclf.serve.outcome import evaluate_on_test

    assert evaluate_on_test(tiny_corpus, tiny_classifier)[1] is None  # sure of its distinct words
    unsure = replace(tiny_classifier, params=jax.tree_util.tree_map(lambda a: a * 0, tiny_classifier.params))
    evaluation, advice = evaluate_on_test(tiny_corpus, unsure)  # every class at 1/3: it answers one class
    assert "is not clearly better than always answering the most common class" in advice
    assert ". Try the Recommended preset" in advice
    assert evaluation.accuracy == float(np.mean(unsure.predict(tiny_corpus.test_texts) == tiny_corpus.test_labels))


def test_an_accuracy_near_the_most_common_class_is_called_guessing():
    labels = np.array([0, 1, 2] * 4)  # 12 test texts, each class a third
    sentence = chance_advice(5 / 12, labels, "rows")
    assert sentence.startswith("41.7% on 12 test rows is not clearly better") and "(33.3%)" in sentence
    assert chance_advice(11 / 12, labels) is None  # beyond halfway from a third to all
    assert chance_advice(0.9, np.array([0, 1, 2, 3] * 359)) is None  # clearly better on 1,436 texts
    assert chance_advice(0.26, np.array([0, 1, 2, 3] * 359)) is not None  # 1 point above 25% is noise (p = 0.2),
    assert chance_advice(0.27, np.array([0, 1, 2, 3] * 359)) is None  # 2 points on 1,436 texts are not (p = 0.04)
    assert chance_advice(0.5, np.array([], dtype=int)) is None


def test_few_texts_per_class_are_pointed_to_more_examples_before_word_pairs(tiny_classifier, tiny_corpus):
    mixed = replace(tiny_classifier, featurizer=Featurizer.fit(tiny_corpus.train_texts, FeatureConfig("tfidf")),
                    spec=replace(tiny_classifier.spec, mixture=True))
    assert "more labelled examples" in next_step(mixed, per_class=16)
    assert "word pairs" in next_step(mixed, per_class=30) and "word pairs" in next_step(mixed)
    assert "Recommended preset" in next_step(tiny_classifier, per_class=16)  # the preset first, whatever the size
    assert setting_advice(mixed, 0.4, 0.5, per_class=16).startswith("The model is unsure (below 50%) on 40%")
