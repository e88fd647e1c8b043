"""Shared fixtures: a tiny in-memory corpus and classifier, and the 20 Newsgroups archive when present."""

import os
from pathlib import Path

import numpy as np
import pytest

from textclf.data import ARCHIVE_ENV, Corpus, build_cache_from_archive
from textclf.learn.train import TrainConfig, run_to_end, train

TINY_WORDS = {
    "fruit": ["apple", "banana", "cherry", "grape", "melon", "peach", "plum", "lemon"],
    "cars": ["engine", "wheel", "brake", "clutch", "tyre", "gearbox", "piston", "exhaust"],
    "hockey": ["puck", "goalie", "stick", "skate", "rink", "slapshot", "penalty", "faceoff"],
}
FILLER = ["the", "a", "is", "and", "of", "it", "very", "today"]


def _tiny_texts(rng, n_per_class):
    texts, labels = [], []
    for label, words in enumerate(TINY_WORDS.values()):
        for _ in range(n_per_class):
            tokens = list(rng.choice(words, 4)) + list(rng.choice(FILLER, 3))
            rng.shuffle(tokens)
            tokens[0] = tokens[0].capitalize()
            texts.append(" ".join(tokens) + rng.choice([".", "!", "?", "..."]))
            labels.append(label)
    return texts, np.array(labels, dtype=np.int32)


ARCHIVE_SKIP = (f"needs the 20 Newsgroups archive: set {ARCHIVE_ENV}=/path/to/20news-bydate.tar.gz "
                "(tests/run.sh sets it when ../shared/data/20news-bydate.tar.gz exists)")


def pytest_terminal_summary(terminalreporter):
    """Writes how many tests skipped for want of the archive to $TEXTCLF_SKIP_REPORT (tests/run.sh prints it last)."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if ARCHIVE_SKIP in str(r.longrepr)]
    if report := os.environ.get("TEXTCLF_SKIP_REPORT"):
        Path(report).write_text(str(len(skipped)))


@pytest.fixture(autouse=True, scope="session")
def runs_in_a_temporary_folder(tmp_path_factory):
    """Keeps saved runs (the app saves each training) and compiled steps out of the user's folders."""
    os.environ["TEXTCLF_RUNS_DIR"] = str(tmp_path_factory.mktemp("runs"))
    os.environ["TEXTCLF_CACHE"] = str(tmp_path_factory.mktemp("jax_cache"))


@pytest.fixture(scope="session")
def tiny_corpus():
    """Returns 3 classes x 40 train / 10 test short synthetic texts, each class with its own words."""
    rng = np.random.default_rng(0)
    train_texts, train_labels = _tiny_texts(rng, 40)
    test_texts, test_labels = _tiny_texts(rng, 10)
    return Corpus(train_texts, train_labels, test_texts, test_labels, tuple(TINY_WORDS),
                  {"source": "tiny synthetic corpus"})


@pytest.fixture(scope="session")
def tiny_classifier(tiny_corpus):
    """Returns a small MLP trained for 3 epochs on the tiny corpus (its config is in info["train_config"])."""
    config = TrainConfig(hidden=(16,), epochs=3, batch_size=8, learning_rate=1e-2)
    finished = run_to_end(train(tiny_corpus, config=config))
    assert finished.reason == "completed", finished.message
    return finished.classifier


@pytest.fixture(scope="session")
def archive_path():
    """Returns the 20news-bydate.tar.gz named by $TEXTCLF_20NEWS_ARCHIVE; skips the test without it."""
    path = os.environ.get(ARCHIVE_ENV)
    if not path or not Path(path).is_file():
        pytest.skip(ARCHIVE_SKIP)
    return Path(path)


@pytest.fixture(scope="session")
def newsgroups_home(archive_path, tmp_path_factory):
    """Returns a scikit-learn data_home holding the 20news cache built from the archive (never the user's)."""
    home = tmp_path_factory.mktemp("scikit_learn_data")
    build_cache_from_archive(archive_path, str(home))
    return str(home)
