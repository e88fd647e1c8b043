"""The filler-word hint: it speaks up when 'the' or 'and' are among an explanation's top words and carry no class,
and only then."""

import numpy as np
import pytest

from textclf.data import Corpus
from textclf.data.features import FeatureConfig
from textclf.explain import WordClasses, explain, filler_hint, filler_words
from textclf.explain.filler import STOP_WORDS
from textclf.learn.train import TrainConfig, run_to_end, train


def filler_corpus() -> Corpus:
    """Returns a tiny corpus whose fruit posts say 'the' more often than car posts (as hockey posts do in 20
    Newsgroups, a little): a model learns it, yet 'the' carries neither class."""
    rng = np.random.default_rng(1)
    words = {"fruit": ["apple", "banana", "cherry", "plum"], "cars": ["engine", "wheel", "brake", "clutch"]}
    texts, labels = [], []
    for label, (name, own) in enumerate(words.items()):
        for _ in range(40):
            tokens = list(rng.choice(own, 2)) + (["the", "the", "the"] if name == "fruit" else ["car", "the"])
            texts.append(" ".join(rng.permutation(tokens)))
            labels.append(label)
    y = np.array(labels, dtype=np.int32)
    return Corpus(texts[::2], y[::2], texts[1::2], y[1::2], tuple(words), {"source": "filler test corpus"})


def question_corpus() -> Corpus:
    """Returns short questions about the same things, where "how many" (and only it) asks for a number."""
    rng = np.random.default_rng(2)
    things = "calories moons people bones planets rivers islands teeth".split()
    forms = {"number": ["how many {} are there", "how many {} are in it"],
             "description": ["what are {}", "how do {} form", "how are {} made", "why are there {}"]}
    texts, labels = [], []
    for label, patterns in enumerate(forms.values()):
        for _ in range(60):
            texts.append(rng.choice(patterns).format(rng.choice(things)))
            labels.append(label)
    y = np.array(labels, dtype=np.int32)
    return Corpus(texts[::2], y[::2], texts[1::2], y[1::2], tuple(forms), {"source": "question test corpus"})


def classes_of(corpus: Corpus) -> WordClasses:
    """Returns the stop words' counts per class in the corpus's training texts."""
    return WordClasses.count(corpus.train_texts, corpus.train_labels, len(corpus.class_names))


FILLER_CONFIG = TrainConfig(hidden=(16,), epochs=5, batch_size=8, learning_rate=1e-2)
EVEN = WordClasses(np.ones((2, len(STOP_WORDS))), np.full(2, 400.0))  # every stop word as common in both classes


@pytest.fixture(scope="module")
def the_means_fruit():
    """Returns a tiny classifier that learnt 'the' as a sign of fruit."""
    return run_to_end(train(filler_corpus(), config=FILLER_CONFIG)).classifier


def test_filler_words_among_the_top_words_give_a_hint():
    weights = [("goalie", 0.08), ("the", -0.06), ("puck", 0.05), ("and", 0.04)]
    assert filler_words(weights, EVEN) == ["the"]
    hint = filler_hint(weights, EVEN)
    assert hint.startswith("Words like 'the' rank high") and "how often words occur" in hint and "topics" in hint
    assert "more often in some classes than" in filler_hint(weights, EVEN, classes="classes")
    assert filler_words([("the", 0.3), ("and", 0.2), ("goalie", 0.1)], EVEN) == ["the", "and"]
    assert "'the' and 'and'" in filler_hint([("the", 0.3), ("and", 0.2), ("goalie", 0.1)], EVEN)


def test_no_hint_without_filler_at_the_top():
    assert filler_hint([("goalie", 0.08), ("puck", 0.07), ("rink", 0.06), ("the", 0.05)], EVEN) is None  # fourth
    assert filler_hint([("goalie", 0.5), ("the", 0.01)], EVEN) is None  # ranked, but far too small to matter
    assert filler_hint([("goalie", 0.5), ("the", 0.0)], EVEN) is None
    assert filler_hint([("penguins", 0.1), ("bruins", 0.09)], EVEN) is None
    assert filler_hint([], EVEN) is None


def test_a_model_that_learnt_the_gets_the_hint(the_means_fruit):
    classes = classes_of(filler_corpus())
    assert 2 < classes.odds_ratio("the").max() < 3  # three in four in fruit posts, which are longer: no sign of fruit
    result = explain(the_means_fruit, "the the the banana engine", num_samples=1000)
    assert the_means_fruit.class_names[result.predicted] == "fruit"
    assert "the" in filler_words(result.weights, classes)
    assert filler_hint(result.weights, classes) is not None
    assert filler_hint(explain(the_means_fruit, "banana cherry engine", num_samples=1000).weights, classes) is None


def test_a_stop_word_in_a_telling_pair_is_no_filler():
    weights = [("how many", 0.4), ("many", 0.2), ("the", 0.15), ("calories", 0.1)]
    assert filler_words(weights, EVEN) == ["the"]  # "many" is as common in every class here: only the pair spares it
    assert filler_words([("many", 0.4), ("the", 0.3), ("how many", 0.01)], EVEN) == ["many", "the"]  # a pair too weak


@pytest.mark.parametrize("pairs", [True, False])
def test_many_in_how_many_questions_is_never_called_filler(pairs):
    """A user saw Explain call "many" a filler word in "How many calories ...": it is what marks a number question."""
    corpus = question_corpus()
    classes = classes_of(corpus)
    assert classes.carries("many") and not classes.carries("the")
    finished = run_to_end(train(corpus, FeatureConfig(pairs=pairs), FILLER_CONFIG))
    result = explain(finished.classifier, "How many calories are there?", num_samples=1000)
    assert corpus.class_names[result.predicted] == "number"
    ranked = [w for w, v in result.weights if abs(v) >= 0.2 * abs(result.weights[0][1])][:3]
    assert "many" in ranked  # among the top words: the old hint called it filler
    assert "many" not in filler_words(result.weights, classes)
    assert filler_hint(result.weights, classes) is None or "'many'" not in filler_hint(result.weights, classes)
