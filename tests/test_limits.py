"""Every run the app can make fits a bundle under the upload limit: the vocabulary is capped to a model budget."""

import io
import json
import zipfile

import numpy as np
import pytest

from textclf import limits
from textclf.store.bundles import bundle_bytes, import_bundle, read_bundle
from textclf.learn.classifier import Classifier
from textclf.data.features import FeatureConfig, Featurizer
from textclf.learn.model import ModelSpec, init_params
from textclf.store.runs import RunStore
from textclf.learn.train import TrainConfig, parse_hidden_sizes


def test_streamlit_upload_limit_is_the_one_budgeted():
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == limits.UPLOAD_LIMIT_BYTES


def test_hidden_layers_too_large_to_save_are_refused_before_training():
    assert parse_hidden_sizes("4096,4096") == (4096, 4096)  # the form accepts the numbers ...
    with pytest.raises(ValueError, match="more than the 16 MB a saved model may use"):
        TrainConfig(hidden=(4096, 4096))  # ... the settings do not
    with pytest.raises(ValueError, match="choose fewer or smaller layers"):
        TrainConfig(hidden=(1024,) * 8)
    TrainConfig(hidden=(4096, 512))  # large heads that fit are allowed
    TrainConfig(hidden=(512,) * 8)


def test_vocabulary_is_capped_to_the_budget_keeping_the_most_frequent_words():
    texts = ["common " * 50 + " ".join(f"w{i}x{j}" for j in range(i % 7 + 1)) for i in range(400)]
    full = Featurizer.fit(texts)
    per_word = 1000
    budget = 50 * (per_word + 12)
    capped = Featurizer.fit(texts, budget=(budget, per_word))
    assert 0 < capped.vocab_size < full.vocab_size
    assert "common" in capped.vocabulary  # the most frequent word is kept
    assert sum(per_word + limits.word_bytes(w) for w in capped.vocabulary) <= budget
    assert capped.vocabulary == sorted(capped.vocabulary)  # the same order CountVectorizer uses
    assert Featurizer.fit(texts, budget=(10**9, per_word)).vocabulary == full.vocabulary  # no cap when it fits


def test_training_caps_the_vocabulary_of_wide_first_layers(tiny_corpus, monkeypatch):
    from textclf.learn.train import run_to_end, train

    monkeypatch.setattr(limits, "MAX_MODEL_BYTES", 24 * 1024)
    finished = run_to_end(train(tiny_corpus, config=TrainConfig(hidden=(512,), epochs=1)))
    spec = finished.classifier.spec
    assert spec.vocab_size < len(Featurizer.fit(tiny_corpus.train_texts).vocabulary)
    assert spec.vocab_size * 512 * limits.EMBED_BYTES + limits.head_bytes((512,), 3) <= 24 * 1024
    assert f"Kept the {spec.vocab_size:,} most frequent of 32 words" in finished.message


def _worst_classifier(hidden: tuple[int, ...], rng, mixture: bool = False) -> Classifier:
    """Returns the largest model the limits allow for `hidden`: incompressible weights, long unique words,
    the most classes with long names, and a vocabulary that fills the whole budget (with `mixture`, each word
    also carries Naive Bayes scores for every class)."""
    n_classes = limits.MAX_CLASSES
    budget, per_word = limits.vocabulary_budget(hidden, n_classes, mixture)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)
    cost = per_word + limits.word_bytes("x" * 40 + "é" + "0" * 8)  # every word costs the same
    n_words = budget // cost
    text = letters[rng.integers(0, len(letters), n_words * 40)].tobytes().decode()
    stems = [text[i:i + 40] for i in range(0, len(text), 40)]
    words = sorted(f"{stem}é{i:08d}" for i, stem in enumerate(stems))  # unique, incompressible, escaped in JSON
    spec = ModelSpec(len(words), hidden, n_classes, mixture=mixture)
    import jax

    params = jax.tree.map(lambda a: rng.standard_normal(a.shape).astype(np.float32),
                          init_params(jax.random.PRNGKey(0), spec))
    names = tuple(f"{i:02d} " + "ü" * 150 for i in range(n_classes))
    history = [{"epoch": e, "train_loss": 0.1, "train_accuracy": 0.9, "val_accuracy": 0.8, "val_loss": 0.2}
               for e in range(1, 201)]
    report = {n: {"precision": 0.5, "recall": 0.5, "f1-score": 0.5, "support": 100} for n in names}
    metrics = {"accuracy": 0.5, "macro_f1": 0.5, "class_names": list(names), "report": report,
               "confusion_matrix": rng.integers(0, 10**6, (n_classes, n_classes)).tolist()}
    info = {"train_config": {"hidden": list(hidden), "epochs": 200}, "feature_config": {"scaling": "count"},
            "data": {"source": "csv", "name": "x" * 1000}, "history": history, "test_metrics": metrics}
    return Classifier(Featurizer(FeatureConfig(), words), spec, params, names, info)


# The most head weights; the most words; a mixture with Naive Bayes (50 scores more per word).
@pytest.mark.parametrize("hidden, mixture", [((4096, 512), False), ((4,), False), ((4,), True)])
def test_the_largest_bundle_the_limits_allow_fits_the_upload_limit(hidden, mixture, tmp_path):
    classifier = _worst_classifier(hidden, np.random.default_rng(0), mixture)
    info = classifier.info
    store = RunStore(tmp_path / "runs")
    run = store.save(classifier, name="x" * 100, data=info["data"], history=info["history"],
                     metrics=info["test_metrics"], train_seconds=1.0, reason="completed")
    data = bundle_bytes(run.path)
    margin = limits.UPLOAD_LIMIT_BYTES - len(data)
    assert margin > 5 * 2**20, f"bundle of {len(data) / 2**20:.1f} MB"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert len(json.loads(zf.read("run.json"))["metrics"]["class_names"]) == limits.MAX_CLASSES
    restored = import_bundle(RunStore(tmp_path / "again"), data)
    assert restored.name == run.name and restored.created == run.created
    assert read_bundle(data)[0].spec == classifier.spec


def test_the_quick_check_never_says_fits_when_the_exact_count_would_cut():
    words = ["plain", "\U0001f600" * 3, 'q"uote\\', "é" * 10, "\x00ctl"]
    exact = sum(10 + limits.word_bytes(w) for w in words)
    for budget in range(exact - 5, exact + 200):
        if limits.surely_fits(words, budget, 10):
            assert limits.words_that_fit([10 + limits.word_bytes(w) for w in words], budget) == len(words)
    assert limits.surely_fits(words, 10**6, 10) and not limits.surely_fits(words, exact - 1, 10)
