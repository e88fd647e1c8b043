"""The plain-words comparison with the best simple model, and which stored seed spread applies."""

from dataclasses import replace

from textclf.data import NEWSGROUPS, TUTORIAL_CATEGORIES
from textclf.learn.presets import PRESETS
from textclf.analysis.yardstick import bench_setting, compare, preset_of, stored_spread

BASELINES = {"complement_nb": {"name": "Complement Naive Bayes", "setting": "alpha=0.1, words", "accuracy": 0.90},
             "linear_svc": {"name": "Linear SVM", "setting": "C=0.3, words+pairs", "accuracy": 0.92}}


def test_a_win_larger_than_the_spread_says_so():
    result = compare(0.95, BASELINES, (0.94, 0.95, 5))
    assert result.sentence.startswith("The network beats the best simple model, Linear SVM (C=0.3, words+pairs), "
                                      "by 3.0 points")
    assert "larger than the seed-to-seed spread" in result.sentence and "1.0 points" in result.sentence
    assert round(result.margin, 6) == 3.0


def test_the_best_simple_model_is_named_in_plain_words():
    plain = {key: dict(r, plain_setting=text) for (key, r), text in
             zip(BASELINES.items(), ("light smoothing (0.1) on single words",
                                     "medium regularisation (0.3) on single words and word pairs"))}
    sentence = compare(0.95, plain, None).sentence
    assert "Linear SVM with medium regularisation (0.3) on single words and word pairs, by 3.0 points" in sentence
    assert "C=" not in sentence and "words+pairs" not in sentence


def test_a_win_within_the_spread_may_be_luck():
    sentence = compare(0.925, BASELINES, (0.91, 0.93, 5)).sentence
    assert "by 0.5 points" in sentence and "within the seed-to-seed spread: it may be luck" in sentence


def test_a_loss_is_said_plainly_and_unknown_noise_is_admitted():
    sentence = compare(0.91, BASELINES, None).sentence
    assert sentence.startswith("The network does not beat the best simple model here: Linear SVM")
    assert "1.0 points more" in sentence and "not measured" in sentence


def test_bench_settings_and_presets_are_recognised():
    assert bench_setting({"source": "20newsgroups", "categories": list(reversed(TUTORIAL_CATEGORIES)),
                          "remove_metadata": True}) == "4cat_removed"
    assert bench_setting({"source": "20newsgroups", "categories": list(NEWSGROUPS)}) == "20cat"
    assert bench_setting({"source": "20newsgroups", "categories": ["rec.autos", "sci.med"]}) is None
    assert bench_setting({"source": "csv"}) is None
    recommended = PRESETS["recommended"]
    assert preset_of(recommended.features, replace(recommended.train_config, seed=7)) == "recommended"
    assert preset_of(recommended.features, replace(recommended.train_config, dropout=0.1)) is None
    assert stored_spread({"source": "csv"}, recommended.features, recommended.train_config) is None


def test_the_recommended_preset_on_the_tutorial_topics_has_a_measured_spread():
    recommended = PRESETS["recommended"]
    description = {"source": "20newsgroups", "categories": list(TUTORIAL_CATEGORIES), "remove_metadata": False}
    low, high, runs = stored_spread(description, recommended.features, replace(recommended.train_config, seed=3))
    assert 0 < low <= high < 1 and runs == 5


def test_every_bench_setting_has_the_recommended_presets_spread():
    from textclf.analysis.yardstick import SEED_SPREADS

    for setting in ("4cat", "4cat_removed", "20cat", "20cat_removed"):
        low, high, runs = SEED_SPREADS[("recommended", setting)]
        assert 0 < low <= high < 1 and runs == 5


def test_a_mixture_is_named_as_one():
    from textclf.learn.model import ModelSpec
    from textclf.analysis.yardstick import subject_of

    sentence = compare(0.95, BASELINES, None, subject_of(ModelSpec(10, (4,), 2, mixture=True))).sentence
    assert sentence.startswith("The network mixed with Naive Bayes beats the best simple model")
    assert subject_of(ModelSpec(10, (4,), 2)) == "The network"
    assert "more than its 91.0%" in compare(0.91, BASELINES, None).sentence


def test_a_stopped_model_is_not_weighed_against_complete_runs():
    sentence = compare(0.90, BASELINES, (0.94, 0.95, 5), unfinished=True).sentence
    assert "stopped before its last epoch" in sentence and "train to the end" in sentence
    assert "seed" not in sentence and "spread" not in sentence
