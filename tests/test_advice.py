"""The sentence for a model that is unsure on many texts: which setting would help."""

from dataclasses import replace

import numpy as np

from textclf.analysis.advice import UNSURE_SHARE, setting_advice, unsure_share
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
    evaluation, advice = evaluate_on_test(tiny_corpus, unsure)  # every class at 1/3
    assert "100% of these texts" in advice and "Recommended preset" in advice
    assert evaluation.accuracy == float(np.mean(unsure.predict(tiny_corpus.test_texts) == tiny_corpus.test_labels))
