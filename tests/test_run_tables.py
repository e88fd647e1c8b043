"""Saved runs' settings in plain words, and the differences between selected runs: settings first, then results."""

from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path

from textclf.data.features import FeatureConfig
from textclf.learn.train import TrainConfig
from textclf.store.run_tables import SETTINGS, compare_table, run_labels, run_settings, runs_table, setting_differences
from textclf.store.runs import RunInfo


def run(name: str, train: TrainConfig = TrainConfig(), features: FeatureConfig = FeatureConfig(), *,
        preset: str | None = "tutorial", accuracy: float = 0.9, run_id: str = "20261206-120000-aaaaaa") -> RunInfo:
    config = {"train": {**asdict(train), "hidden": list(train.hidden)}, "features": asdict(features)}
    if preset:
        config["preset"] = preset
    history = [{"epoch": e, "val_accuracy": accuracy - 0.01} for e in range(1, train.epochs + 1)]
    return RunInfo(run_id, name, datetime(2026, 12, 6, tzinfo=timezone.utc), {"source": "tiny synthetic corpus"},
                   config, history, {"test_accuracy": accuracy, "macro_f1": accuracy - 0.05}, 1.0, "completed",
                   Path("."))


def test_a_runs_settings_read_as_words():
    shown = run_settings(run("r", TrainConfig(hidden=(256,), optimizer="adam", dropout=0.6, early_stopping=3,
                                              monitor="val_loss"),
                             FeatureConfig(scaling="tfidf", min_df=2, max_features=5000, pairs=True), preset="recommended"))
    assert list(shown) == [name for name, _ in SETTINGS]
    assert shown["preset"] == "Recommended" and shown["optimizer"] == "exact Adam" and shown["hidden units"] == "256"
    assert shown["dropout"] == "0.6" and shown["word weighting"] == "tf-idf"
    assert shown["vocabulary"] == "words in ≥ 2 texts, at most 5,000, with word pairs"
    assert shown["early stopping"] == "after 3 epochs without a better validation loss"
    assert run_settings(run("old", preset=None))["vocabulary"] == "all words"  # a run of an older version


def test_differences_list_the_settings_that_differ_first_then_the_results():
    """The comparison showed only accuracies: which setting made the difference was not said."""
    first = run("first", accuracy=0.9)
    second = run("second", replace(TrainConfig(), epochs=8, dropout=0.2), FeatureConfig(scaling="tfidf"),
                 accuracy=0.95, run_id="20261206-120000-bbbbbb")
    assert setting_differences([first, second]) == {"epochs (set)": ["5", "8"], "dropout": ["0", "0.2"],
                                                    "word weighting": ["word counts", "tf-idf"]}
    table = compare_table([first, second])
    assert list(table.columns) == ["kind", "what", "first (aaaaaa)", "second (bbbbbb)"]
    assert list(table["kind"]) == ["setting"] * 3 + ["result"] * 5
    assert list(table["what"][:3]) == ["epochs (set)", "dropout", "word weighting"]
    results = table.set_index("what")["second (bbbbbb)"]
    assert results["test accuracy"] == "95.0%" and results["test accuracy vs first"] == "+5.0%"
    assert results["macro F1"] == "0.900" and results["epochs trained"] == "8"


def test_runs_with_the_same_settings_differ_only_in_results():
    same = compare_table([run("a"), run("b", accuracy=0.8, run_id="20261206-120000-bbbbbb")])
    assert set(same["kind"]) == {"result"}


def test_a_run_and_its_published_copy_keep_a_column_each():
    mine = run("lesson")
    labels = run_labels([mine, mine])
    assert len(set(labels)) == 2
    assert len(compare_table([mine, mine]).columns) == 4


def test_the_runs_table_shows_each_runs_settings():
    table = runs_table([("yours", run("r", TrainConfig(optimizer="adam"), FeatureConfig(min_df=3)))])
    row = table.iloc[0]
    assert (row["preset"], row["optimizer"], row["hidden units"], row["dropout"]) == ("Tutorial", "exact Adam",
                                                                                      "128,64", "0")
    assert (row["word weighting"], row["vocabulary"], row["epochs"]) == ("word counts", "words in ≥ 3 texts", 5)
