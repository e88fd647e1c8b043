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
