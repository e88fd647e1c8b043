"""The trust panel: exact occlusion, complete integrated gradients, real flips, faithful and stabler LIME, and a
plain-words verdict for every check."""

import numpy as np
import pytest

from textclf.explain import ExplainError, explain, integrated_gradients, occlusion, read_post, remove_words, trust
from textclf.explain.gradients import COMPLETENESS_TOLERANCE, MIN_STEPS
from textclf.explain import plain_checks
from textclf.explain.trust import (SEEDS, agreement_verdict, faithfulness_verdict, flip, flip_verdict, stability,
                                   stability_verdict)
from textclf.data.features import FeatureConfig
from textclf.learn.train import TrainConfig, run_to_end, train

POST = "Puck puck GOALIE rink, the engine and a banana. Penalty! skate stick is very today"


@pytest.fixture(scope="module", params=["count", "tfidf", "binary", "log"])
def any_classifier(request, tiny_corpus, tiny_classifier):
    """Returns the tiny classifier trained with each feature scaling."""
    if request.param == "count":
        return tiny_classifier
    config = TrainConfig(hidden=(16,), epochs=3, batch_size=8, learning_rate=1e-2)
    return run_to_end(train(tiny_corpus, FeatureConfig(scaling=request.param), config)).classifier


def test_occlusion_equals_recomputed_probability(any_classifier):
    post = read_post(any_classifier.featurizer, POST)
    full = any_classifier.predict_proba([POST])[0]
    for label in range(3):
        deltas = occlusion(any_classifier, post, label)
        without = any_classifier.predict_proba([remove_words(POST, {w}) for w in post.words])[:, label]
        np.testing.assert_allclose(deltas, full[label] - without, atol=2e-5)
    assert np.abs(deltas).max() > 1e-3


def test_integrated_gradients_are_complete(any_classifier):
    post = read_post(any_classifier.featurizer, POST)
    for label in range(3):
        grads = integrated_gradients(any_classifier, post, label)
        assert grads.steps >= MIN_STEPS
        p_text = any_classifier.predict_proba([POST])[0, label]
        p_empty = any_classifier.predict_proba([""])[0, label]
        assert grads.prediction == pytest.approx(p_text, abs=1e-5)
        assert grads.baseline == pytest.approx(p_empty, abs=1e-5)
        assert abs(grads.attributions.sum() - (p_text - p_empty)) <= COMPLETENESS_TOLERANCE
        assert grads.completeness_error <= COMPLETENESS_TOLERANCE


def test_flip_words_really_flip(any_classifier, tiny_corpus):
    flipped = 0
    for text in tiny_corpus.test_texts[::4]:
        post = read_post(any_classifier.featurizer, text)
        result = flip(any_classifier, post)
        before = int(any_classifier.predict([text])[0])
        if result is None:
            continue
        flipped += 1
        after = int(any_classifier.predict([remove_words(text, set(result["words"]))])[0])
        assert after != before
        assert any_classifier.class_names[after] == result["new_class"]
        assert len(result["words"]) <= 20
    assert flipped >= 3


def test_lime_top_words_beat_random_words(tiny_classifier, tiny_corpus):
    gaps = []
    for text in tiny_corpus.test_texts[::3]:
        report = trust(tiny_classifier, text, num_features=3, num_samples=1000)
        k = len(report.top_words)
        assert len(report.deletion_top) == len(report.deletion_random) == k + 1
        assert report.comprehensiveness == pytest.approx(report.deletion_top[0] - report.deletion_top[-1])
        gaps.append(report.deletion_random[-1] - report.deletion_top[-1])
    assert np.mean(gaps) > 0.1 and np.mean(np.array(gaps) > 0) >= 0.8


def test_more_samples_give_higher_stability(tiny_classifier):
    text = ("apple banana cherry grape melon peach plum lemon engine wheel brake clutch tyre gearbox piston "
            "exhaust puck goalie stick skate rink the a is and of it very today")
    few = [explain(tiny_classifier, text, num_features=8, num_samples=100, seed=s) for s in range(SEEDS)]
    many = [explain(tiny_classifier, text, num_features=8, num_samples=5000, seed=s) for s in range(SEEDS)]
    (j_few, w_few), (j_many, w_many) = stability(few), stability(many)
    assert j_many > j_few
    assert np.mean([s for _, _, s in w_many]) < np.mean([s for _, _, s in w_few])


def test_trust_json_carries_every_field(tiny_classifier):
    report = trust(tiny_classifier, POST, num_samples=500).to_json()
    assert report["stability"]["seeds"] == 5 and report["stability"]["top_k"] == 10
    assert 0 <= report["stability"]["jaccard"] <= 1
    assert all(len(row) == 3 for row in report["stability"]["weights"])
    assert {"top", "random"} <= set(report["deletion"])
    assert {"lime_occlusion", "lime_gradients", "occlusion_gradients"} == set(report["agreement"])
    assert report["flip"] is None or set(report["flip"]) == {"words", "new_class"}
    for key in ("comprehensiveness", "sufficiency", "occlusion", "gradients", "verdict", "fit"):
        assert key in report
    assert report["verdict"].endswith(".") and "\n" not in report["verdict"]


def test_unknown_words_only_have_nothing_to_check(tiny_classifier):
    with pytest.raises(ExplainError, match="vocabulary"):
        trust(tiny_classifier, "Zebra quokka, xylophone!")


JARGON = ("spearman", "jaccard", "comprehensiveness", "sufficiency", "r²", "r^2", "within", "e-0", "rho")


def test_every_check_has_a_plain_verdict_in_reading_order(tiny_classifier):
    report = trust(tiny_classifier, POST, num_samples=500)
    checks = plain_checks(report)
    assert [q for q, _ in checks] == ["Stable?", "Good fit?", "Faithful?", "What flips it?", "Do other methods agree?"]
    first_words = [("Stable:", "Somewhat unstable:", "Unstable:"), ("Good fit:", "Fair fit:", "Poor fit:"),
                   ("Faithful:", "Not faithful:", "Nothing to test:"), ("Easy to flip:", "Hard to flip:",
                   "Very hard to flip:"), ("Yes:", "Partly:", "No:", "Not enough words")]
    for (question, verdict), starts in zip(checks, first_words):
        assert verdict.startswith(starts), (question, verdict)
        assert not any(j in verdict.lower() for j in JARGON), verdict
        assert verdict.endswith(".") and "\n" not in verdict


def test_plain_verdicts_follow_the_numbers():
    assert stability_verdict(1.0) == f"Stable: the top words stayed the same in {SEEDS} repeated runs."
    assert stability_verdict(0.8).startswith("Stable: the top words stayed mostly the same")
    assert stability_verdict(0.5).startswith("Somewhat unstable") and stability_verdict(0.1).startswith("Unstable")
    faithful = faithfulness_verdict("hockey", ["puck", "goalie"], [0.9, 0.6, 0.2], [0.9, 0.88, 0.85])
    assert faithful == ("Faithful: removing the 2 top words drops hockey from 90% to 20%; removing as many random "
                        "words leaves it at 85%.")
    assert faithfulness_verdict("hockey", ["the"], [0.9, 0.88], [0.9, 0.89]).startswith(
        "Not faithful: removing the top word changes hockey about as much as removing random words")
    assert faithfulness_verdict("hockey", [], [0.4], [0.4]).startswith("Nothing to test")
    assert flip_verdict(None).startswith("Very hard to flip: removing up to 20 words never changes")
    assert flip_verdict({"words": ["puck", "goalie"], "new_class": "cars"}) == \
        "Easy to flip: removing 'puck' and 'goalie' makes the model say cars."
    assert flip_verdict({"words": ["the", "game", "bruins", "season", "fans"], "new_class": "rec.autos"}) == \
        "Hard to flip: it takes removing 5 words ('the', 'game', 'bruins' and 2 more) to make the model say rec.autos."
    assert agreement_verdict({"lime_occlusion": 0.9, "lime_gradients": 0.8, "occlusion_gradients": 0.1}
                             ).startswith("Yes:")
    assert agreement_verdict({"lime_occlusion": 0.9, "lime_gradients": 0.5, "occlusion_gradients": 0.9}
                             ).startswith("Partly:")
    assert agreement_verdict({"lime_occlusion": 0.9, "lime_gradients": 0.1, "occlusion_gradients": 0.9}
                             ).startswith("No:")
    assert agreement_verdict({"lime_occlusion": None, "lime_gradients": None, "occlusion_gradients": None}
                             ).startswith("Not enough words")
