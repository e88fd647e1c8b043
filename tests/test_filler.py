"""The filler-word hint: it speaks up when 'the' or 'and' are among an explanation's top words, and only then."""

import numpy as np
import pytest

from textclf.data import Corpus
from textclf.explain import explain, filler_hint, filler_words
from textclf.learn.train import TrainConfig, run_to_end, train


def filler_corpus() -> Corpus:
    """Returns a tiny corpus whose fruit posts, and only they, say 'the' (as hockey posts do in 20 Newsgroups)."""
    rng = np.random.default_rng(1)
    words = {"fruit": ["apple", "banana", "cherry", "plum"], "cars": ["engine", "wheel", "brake", "clutch"]}
    texts, labels = [], []
    for label, (name, own) in enumerate(words.items()):
        for _ in range(40):
            tokens = list(rng.choice(own, 2)) + (["the", "the"] if name == "fruit" else ["car"])
            texts.append(" ".join(rng.permutation(tokens)))
            labels.append(label)
    y = np.array(labels, dtype=np.int32)
    return Corpus(texts[::2], y[::2], texts[1::2], y[1::2], tuple(words), {"source": "filler test corpus"})


FILLER_CONFIG = TrainConfig(hidden=(16,), epochs=5, batch_size=8, learning_rate=1e-2)


@pytest.fixture(scope="module")
def the_means_fruit():
    """Returns a tiny classifier that learnt 'the' as a sign of fruit."""
    return run_to_end(train(filler_corpus(), config=FILLER_CONFIG)).classifier


def test_filler_words_among_the_top_words_give_a_hint():
    weights = [("goalie", 0.08), ("the", -0.06), ("puck", 0.05), ("and", 0.04)]
    assert filler_words(weights) == ["the"]
    hint = filler_hint(weights)
    assert hint.startswith("Words like 'the' rank high") and "how often words occur" in hint and "topics" in hint
    assert "more often in some classes than" in filler_hint(weights, classes="classes")
    assert filler_words([("the", 0.3), ("and", 0.2), ("goalie", 0.1)]) == ["the", "and"]
    assert "'the' and 'and'" in filler_hint([("the", 0.3), ("and", 0.2), ("goalie", 0.1)])


def test_no_hint_without_filler_at_the_top():
    assert filler_hint([("goalie", 0.08), ("puck", 0.07), ("rink", 0.06), ("the", 0.05)]) is None  # fourth
    assert filler_hint([("goalie", 0.5), ("the", 0.01)]) is None  # ranked, but far too small to matter
    assert filler_hint([("goalie", 0.5), ("the", 0.0)]) is None
    assert filler_hint([("penguins", 0.1), ("bruins", 0.09)]) is None
    assert filler_hint([]) is None


def test_a_model_that_learnt_the_gets_the_hint(the_means_fruit):
    result = explain(the_means_fruit, "the the banana engine", num_samples=1000)
    assert the_means_fruit.class_names[result.predicted] == "fruit"
    assert "the" in filler_words(result.weights)
    assert filler_hint(result.weights) is not None
    assert filler_hint(explain(the_means_fruit, "banana cherry engine", num_samples=1000).weights) is None
