"""Data that passes the Data page but cannot train is caught before training, in one sentence."""

from dataclasses import replace

import pandas as pd
import pytest

from textclf.analysis.baselines import run_baselines
from textclf.learn.checks import data_problem, has_vocabulary, training_problem
from textclf.data.features import FeatureConfig
from textclf.data.own_files import corpus_from_table
from textclf.learn.train import TrainConfig, train


def table_corpus(n_classes: int, per_class: int, text=lambda c, i: f"word{c} common text number {i}"):
    rows = [{"text": text(c, i), "label": f"class {c:02d}"} for c in range(n_classes) for i in range(per_class)]
    corpus, _ = corpus_from_table(pd.DataFrame(rows), "text", "label", None, 0.2)
    return corpus


@pytest.mark.parametrize("n_classes, per_class", [(3, 5), (50, 6)])
def test_validation_split_smaller_than_the_classes(n_classes, per_class):
    corpus = table_corpus(n_classes, per_class)  # accepted by the Data page
    config = TrainConfig()
    with pytest.raises(ValueError):  # what training did with it
        next(train(corpus, FeatureConfig(), config))
    problem = training_problem(corpus, FeatureConfig(), config)
    assert problem is not None and problem.count(".") == 1 and problem.endswith(".")
    assert "validation share (10%)" in problem and f"{n_classes} classes" in problem
    suggested = int(problem.split("at least ")[1].split("%")[0]) / 100
    fixed = replace(config, val_fraction=suggested)
    assert training_problem(corpus, FeatureConfig(), fixed) is None
    next(train(corpus, FeatureConfig(), fixed))  # it really starts now
    assert training_problem(corpus, FeatureConfig(), replace(config, val_fraction=0.0)) is None


def test_punctuation_only_texts_have_no_vocabulary():
    corpus = table_corpus(3, 10, text=lambda c, i: "!?" * (i + 1) + " ..." + ";" * c)
    with pytest.raises(ValueError, match="empty vocabulary"):  # what the reference models did with it
        run_baselines(corpus)
    problem = data_problem(corpus)
    assert problem is not None and "no words" in problem
    assert training_problem(corpus) == problem


def test_rare_word_threshold_that_empties_the_vocabulary():
    corpus = table_corpus(3, 10, text=lambda c, i: f"unique{c}x{i}")
    assert data_problem(corpus) is None
    assert training_problem(corpus, FeatureConfig(min_df=1)) is None
    problem = training_problem(corpus, FeatureConfig(min_df=2))
    assert problem is not None and "at least 2 training texts" in problem


def test_ordinary_data_passes(tiny_corpus):
    assert training_problem(tiny_corpus, FeatureConfig(min_df=2), TrainConfig(val_fraction=0.5)) is None


def test_has_vocabulary():
    assert has_vocabulary(["...", "a b"]) and not has_vocabulary(["...", "!?"])
    assert not has_vocabulary(["a", "b", "c"], min_df=2) and has_vocabulary(["a", "b", "a"], min_df=2)
