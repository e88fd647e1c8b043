"""What each topic looks for: exact aggregated occlusion, document frequencies, and artefact flags."""

import numpy as np

from textclf.explain import occlusion, read_post
from textclf.explain.topics import HEADER_WORDS, artefact_words, push_per_word, topic_words, why_suspicious
from tests.conftest import TINY_WORDS


def test_each_topic_looks_for_its_own_words(tiny_classifier, tiny_corpus):
    result = topic_words(tiny_classifier, tiny_corpus.test_texts, top=5)
    assert list(result.classes) == list(tiny_corpus.class_names)
    for name, rows in result.classes.items():
        assert rows and {w for w, _ in rows[:3]} <= set(TINY_WORDS[name])
        scores = [s for _, s in rows]
        assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    for word, n in result.posts.items():
        assert n == sum(word in t.lower().replace(".", " ").replace("!", " ").replace("?", " ").split()
                        for t in tiny_corpus.test_texts)
    assert result.to_json()["classes"]["fruit"][0] == list(result.classes["fruit"][0])


def test_scores_are_the_exact_occlusion_summed_over_posts(tiny_classifier, tiny_corpus):
    texts = tiny_corpus.test_texts[:12]
    total, posts = push_per_word(tiny_classifier, tiny_classifier.featurizer.counts(texts))
    expected = np.zeros_like(total)
    for text in texts:
        post = read_post(tiny_classifier.featurizer, text)
        for c in range(3):
            expected[post.word_ids, c] += occlusion(tiny_classifier, post, c)
    np.testing.assert_allclose(total, expected, atol=1e-4)
    assert posts.sum() == sum(read_post(tiny_classifier.featurizer, t).n_words for t in texts)


def test_artefacts_are_flagged():
    texts = ["From: jsmith@cs.cmu.edu (John Smithers)\nSubject: goalie\nOrganization: CMU\n\nThe goalie saved 40.",
             "From: jsmith@cs.cmu.edu (John Smithers)\nNNTP-Posting-Host: sun4.cmu.edu\n\nCars need brakes.\n"
             "In article <1@cs.cmu.edu> smithers writes:"]
    artefacts = artefact_words(texts, {"cmu": 5, "cs": 3, "edu": 4, "smithers": 5, "john": 2, "goalie": 2,
                                       "sun4": 1})
    assert artefacts["cmu"] == "address" and artefacts["sun4"] == "address" and artefacts["edu"] == "address"
    assert artefacts["john"] == "user" and "goalie" not in artefacts
    assert "smithers" not in artefacts  # 2 of its 5 occurrences are in From: lines: not most of them
    assert why_suspicious("writes", {}) == "a header word" and "organization" in HEADER_WORDS
    assert why_suspicious("1993", {}) == "a number" and why_suspicious("3d", {}) is None
    assert why_suspicious("goalie", artefacts) is None


def test_every_artefact_reason_has_a_short_form_for_the_half_width_table():
    from textclf.explain.topics import REASONS, SHORT_REASONS

    assert set(SHORT_REASONS) == set(REASONS.values())
    assert all(len(short) <= 15 for short in SHORT_REASONS.values())  # "part of an e-mail ..." was cut at 1280 px
