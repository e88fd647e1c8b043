"""Word options chosen per file on its validation texts: pairs where only pairs tell the classes apart, words alone
where pairs only add noise; what was tried is recorded, saved, shown and printed."""

import json
from dataclasses import replace

import numpy as np
import pytest

from textclf.cli import main
from textclf.data import Corpus
from textclf.data.features import FeatureConfig
from textclf.learn import choice
from textclf.learn.presets import PRESETS, features_from_form, form_values
from textclf.learn.train import Started, TrainConfig, run_to_end, train
from textclf.store.modelfiles import load_model, save_model
from textclf.store.run_tables import run_settings
from textclf.store.runs import RunStore

from test_pairs import _texts

CONFIG = TrainConfig(hidden=(16,), epochs=6, batch_size=16, learning_rate=1e-2, val_fraction=0.2, early_stopping=2,
                     refit=True, nb_mixture=True)
CHOOSE = FeatureConfig("tfidf", choose_pairs=True)
KEYWORDS = (["apples", "pears", "plums", "grapes"], ["cars", "roads", "wheels", "engines"])
FILLER = [f"w{i}" for i in range(300)]


@pytest.fixture(scope="module")
def pair_corpus():
    """Only the order of "how" and "many" tells the classes apart (test_pairs)."""
    rng = np.random.default_rng(0)
    (train_texts, train_labels), (test_texts, test_labels) = _texts(rng, 240), _texts(rng, 60)
    return Corpus(train_texts, train_labels, test_texts, test_labels, ("count", "other"), {"source": "pairs"})


def _keyword_texts(rng, n):
    """Two keywords of its class, among random filler words in random order: pairs are only noise."""
    labels = np.arange(n) % 2
    texts = []
    for label in labels:
        words = [*rng.choice(FILLER, 5), *rng.choice(KEYWORDS[label], 2)]
        texts.append(" ".join(rng.permutation(words)))
    return texts, labels.astype(np.int32)


@pytest.fixture(scope="module")
def word_corpus():
    rng = np.random.default_rng(1)
    (train_texts, train_labels), (test_texts, test_labels) = _keyword_texts(rng, 400), _keyword_texts(rng, 60)
    return Corpus(train_texts, train_labels, test_texts, test_labels, ("fruit", "cars"), {"source": "words"})


@pytest.fixture(scope="module")
def pair_run(pair_corpus):
    events = list(train(pair_corpus, CHOOSE, CONFIG))
    return events, events[-1]


def test_pairs_are_chosen_where_only_pairs_tell_the_classes_apart(pair_run, pair_corpus):
    events, finished = pair_run
    chosen = finished.classifier.info["chosen"]
    assert chosen["chosen"] == choice.PAIRS
    by_name = {c["name"]: c["val_accuracy"] for c in chosen["candidates"]}
    assert set(by_name) == {choice.WORDS, choice.PAIRS} and by_name[choice.PAIRS] > by_name[choice.WORDS]
    # The kept model reads pairs, was retrained on every training text, and its config says it was chosen.
    assert finished.classifier.featurizer.config.pairs and any(" " in w for w in finished.classifier.featurizer.vocabulary)
    assert finished.classifier.info["feature_config"]["pairs"] is True
    assert finished.classifier.info["feature_config"]["choose_pairs"] is True
    assert finished.split["n_train"] == len(pair_corpus.train_texts)
    assert [e.phase for e in events if isinstance(e, Started)] == ["train", "compare", "refit"]
    # One sentence says what was chosen and why, with the validation accuracies.
    assert chosen["why"] in finished.message and f"{by_name[choice.PAIRS]:.1%}" in chosen["why"]
    assert np.mean(finished.classifier.predict(pair_corpus.test_texts) == pair_corpus.test_labels) > 0.8


def test_words_alone_are_kept_where_pairs_only_add_noise(word_corpus):
    finished = run_to_end(train(word_corpus, CHOOSE, replace(CONFIG, val_fraction=0.3)))
    chosen = finished.classifier.info["chosen"]
    assert chosen["chosen"] == choice.WORDS and len(chosen["candidates"]) == 2
    assert not finished.classifier.featurizer.config.pairs
    assert not any(" " in w for w in finished.classifier.featurizer.vocabulary)


def test_pairs_must_lead_by_a_point_to_be_kept():
    tried = [choice.Tried(choice.WORDS, 0.9, 0.30, 4), choice.Tried(choice.PAIRS, 0.9, 0.20, 4)]
    assert choice.best(tried).name == choice.WORDS
    assert choice.best([tried[0], replace(tried[1], val_accuracy=0.905)]).name == choice.WORDS
    # Words kept with the lower figure: the sentence says why.
    close = choice.Choice(choice.WORDS, (tried[0], replace(tried[1], val_accuracy=0.905)), 10.0, 200).sentence()
    assert "words alone (90.0% right) rather than words and word pairs (90.5%)" in close and "at least 1%" in close
    clear = choice.Choice(choice.WORDS, (tried[0], replace(tried[1], val_accuracy=0.8)), 10.0, 200).sentence()
    assert "at least" not in clear
    assert choice.best([tried[0], replace(tried[1], val_accuracy=0.91)]).name == choice.PAIRS


def test_long_texts_try_words_alone_and_say_why():
    long_texts = [" ".join(["word"] * (choice.SHORT_TEXT_WORDS + 5))] * 10
    assert [n for n, _ in choice.candidates(CHOOSE, choice.median_words(long_texts))] == [choice.WORDS]
    short = choice.median_words(["how many apples"] * 10)
    assert [n for n, _ in choice.candidates(CHOOSE, short)] == [choice.WORDS, choice.PAIRS]
    record = choice.Choice(choice.WORDS, (choice.Tried(choice.WORDS, 0.9, 0.3, 4),), 300.0, 50)
    assert "long" in record.sentence() and "300 words" in record.sentence()


def test_a_users_own_pairs_setting_is_not_overruled(pair_corpus):
    """Without choose_pairs nothing is compared: words alone stay words alone."""
    events = list(train(pair_corpus, FeatureConfig("tfidf"), CONFIG))
    assert "compare" not in [e.phase for e in events if isinstance(e, Started)]
    assert "chosen" not in events[-1].classifier.info


def test_the_choice_is_saved_with_the_model_and_shown_in_saved_runs(pair_run, tmp_path):
    _, finished = pair_run
    loaded = load_model(save_model(finished.classifier, tmp_path / "model"))
    assert loaded.info["chosen"] == json.loads(json.dumps(finished.classifier.info["chosen"]))
    store = RunStore(tmp_path / "runs")
    saved = store.save(finished.classifier, name="chosen", data={"source": "pairs"}, history=finished.history,
                       metrics={"test_accuracy": 0.9}, train_seconds=1.0, reason=finished.reason, preset="recommended")
    run = store.get(saved if isinstance(saved, str) else saved.id)
    settings = run_settings(run)
    assert settings["why"] == finished.classifier.info["chosen"]["why"]
    assert "with word pairs (chosen on held-back texts)" in settings["vocabulary"]


def test_the_recommended_preset_chooses_and_the_form_carries_it():
    assert PRESETS["recommended"].features.choose_pairs
    assert features_from_form(form_values("recommended")).choose_pairs
    assert not features_from_form(form_values("tutorial")).choose_pairs


def test_train_json_lists_the_candidates(tmp_path, capsys):
    rng = np.random.default_rng(3)
    texts, labels = _texts(rng, 200)
    path = tmp_path / "how_many.csv"
    path.write_text("text,label\n" + "".join(f"{t},{'count' if y == 0 else 'other'}\n" for t, y in zip(texts, labels)))
    assert main(["train", "--csv", str(path), "--hidden", "16", "--epochs", "6", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["preset"] == "recommended" and report["chosen"]["chosen"] in (choice.WORDS, choice.PAIRS)
    assert [c["name"] for c in report["chosen"]["candidates"]] == [choice.WORDS, choice.PAIRS]
    assert all(0 <= c["val_accuracy"] <= 1 for c in report["chosen"]["candidates"])
    assert report["features"]["choose_pairs"] is True
    # --pairs / --no-pairs on the command line decides without a choice
    assert main(["train", "--csv", str(path), "--hidden", "16", "--epochs", "2", "--no-pairs", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["chosen"] is None and report["features"]["pairs"] is False


def test_the_live_progress_draws_the_option_tried_second(pair_corpus):
    from textclf.serve.jobs import TrainingJob

    job = TrainingJob(pair_corpus, CHOOSE, CONFIG).start()
    job.join(180)
    progress = job.progress()
    assert progress.status == "done" and progress.compare_from is not None
    assert progress.compare_epochs and all(e["val_accuracy"] is not None for e in progress.compare_epochs)
    assert 0 < progress.compare_from < progress.refit_from  # words, then pairs, then the retraining
    assert job.result.classifier.info["chosen"]["chosen"] == choice.PAIRS


def test_pairs_that_blow_up_lose_and_the_words_model_is_kept(pair_corpus, monkeypatch):
    import importlib

    training = importlib.import_module("textclf.learn.train")  # the module: the package exports its train()

    real = training._train_phase

    def pairs_diverge(corpus, features, config, should_stop, phase, mixture=None):
        for event in real(corpus, features, config, should_stop, phase, mixture):
            if phase == "compare" and isinstance(event, training.Finished):
                event = replace(event, reason="diverged", message="the loss became nan")
            yield event

    monkeypatch.setattr(training, "_train_phase", pairs_diverge)
    finished = run_to_end(train(pair_corpus, CHOOSE, CONFIG))
    assert finished.reason in ("completed", "early_stopping") and not finished.classifier.featurizer.config.pairs
    assert finished.classifier.info["chosen"]["chosen"] == choice.WORDS
    assert "words and word pairs (its training blew up)" in finished.message
    assert finished.split["n_train"] == len(pair_corpus.train_texts)  # retrained as usual
