"""`textclf train`: train the network on the chosen data, report test metrics, optionally save the model."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from textclf.cli.common import CliError, load_corpus, out_file_problem, progress, say_for


def save_problem(folder: str | os.PathLike) -> str | None:
    """Returns why a model cannot be saved in `folder` (checked before training, so no model is lost), or None."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        return f"--save {path}: a file of that name already exists; give a folder name (new or a model folder)"
    existing = path
    while not existing.exists():  # the nearest folder that exists is where the new ones are created
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        return f"--save {path}: {existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"--save {path}: no permission to write in {existing}"
    try:  # os.access says yes to root, and to folders such as /proc that refuse every new file
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError:
        return f"--save {path}: nothing can be written in {existing}; choose a folder you can write in"
    return None


# option -> the TrainConfig / FeatureConfig field it overrides
TRAIN_FLAGS = {"epochs": "epochs", "batch_size": "batch_size", "lr": "learning_rate", "hidden": "hidden",
               "seed": "seed", "optimizer": "optimizer", "dropout": "dropout", "val_share": "val_fraction",
               "patience": "early_stopping", "monitor": "monitor", "refit": "refit", "nb_mixture": "nb_mixture",
               "wide": "wide"}
WORD_FLAGS = {"scaling": "scaling", "min_df": "min_df", "vocab_size": "max_features", "pairs": "pairs",
              "choose_pairs": "choose_pairs"}


def _given(args: argparse.Namespace, flags: dict[str, str]) -> dict:
    """Returns {setting: value} for the options given on the command line (the preset keeps the others)."""
    given = {field: getattr(args, option) for option, field in flags.items() if getattr(args, option) is not None}
    if given.get("max_features") == 0:  # 0: every word
        given["max_features"] = None
    if "pairs" in given and "choose_pairs" in flags.values():  # a user's own --pairs / --no-pairs is not overruled
        given.setdefault("choose_pairs", False)
    return given


def _write_predictions(path: str, corpus, classifier) -> None:
    """Writes the test predictions, row by row, to `path` as a spreadsheet-safe CSV."""
    from textclf.analysis.evaluate import predictions_by_row
    from textclf.store.export import to_csv_bytes

    table = predictions_by_row(corpus, classifier.predict_proba(corpus.test_texts))
    try:
        Path(path).write_bytes(to_csv_bytes(table))
    except OSError as err:
        raise CliError(f"the predictions could not be written to {path} ({err.strerror or err})", 1) from err


def cmd_train(args: argparse.Namespace) -> dict:
    """Returns the train report after training and printing progress."""
    from dataclasses import replace

    from textclf.analysis.evaluate import evaluate_predictions
    from textclf.learn.checks import training_problem
    from textclf.learn.ensemble import network_only
    from textclf.learn.presets import PRESETS, default_preset
    from textclf.data.corpus import nouns
    from textclf.learn.train import EpochEnd, Finished, Started, StepLoss, train
    from textclf.serve.outcome import evaluate_on_test
    from textclf.store.modelfiles import save_model

    preset_name = args.preset or default_preset(own_file=bool(args.csv))
    preset = PRESETS[preset_name]
    try:  # the parser checks each value; this catches what only a combination of them rules out
        config = replace(preset.train_config, **_given(args, TRAIN_FLAGS))
        features = replace(preset.features, **_given(args, WORD_FLAGS))
    except ValueError as err:
        raise CliError(str(err), 2) from err
    if args.save and (problem := save_problem(args.save)):
        raise CliError(problem, 2)
    if problem := out_file_problem(args.predictions, "--predictions"):
        raise CliError(problem, 2)
    corpus = load_corpus(args)
    if problem := training_problem(corpus, features, config):
        raise CliError(problem, 2)
    say = say_for(args)
    texts = nouns(corpus.description).texts  # "posts" for the newsgroups, "texts" for a file
    say(f"Training on {len(corpus.train_texts)} {texts} in {corpus.n_classes} classes ...")
    total = 1
    for event in train(corpus, features, config):
        if isinstance(event, Started):
            total = event.total_steps
            if event.phase == "refit":
                say(f"Retraining on all {event.n_train} training {texts} for the chosen number of epochs ...")
            elif event.phase == "compare":
                say(f"Trying words and word pairs too, on the same {event.n_train} train / {event.n_val} validation "
                    f"{texts} (vocabulary {event.vocab_size:,} terms) ...")
            else:
                say(f"{event.n_train} train / {event.n_val} validation {texts}, vocabulary {event.vocab_size:,} words")
                if corpus.validation is not None:
                    say(f"The {len(corpus.validation):,} rows marked for validation choose the epochs and early "
                        "stopping (instead of a share of the training rows)" if config.val_fraction > 0 else
                        f"--val-share 0: the {len(corpus.validation):,} rows marked for validation train too")
        elif isinstance(event, StepLoss):
            progress(event.step, total, f"epoch {event.epoch} loss {event.loss:.4f}")
        elif isinstance(event, EpochEnd):
            progress(total, total, "")
            if sys.stderr.isatty():
                sys.stderr.write("\n")
            val = "n/a" if event.val_accuracy is None else f"{event.val_accuracy:.4f}"
            say(f"epoch {event.epoch}: train loss {event.train_loss:.4f}, train accuracy "
                f"{event.train_accuracy:.4f}, validation accuracy {val} ({event.seconds:.1f} s)")
        elif isinstance(event, Finished):
            finished = event
    if finished.reason != "completed":
        say(finished.message)
    elif finished.classifier.info.get("chosen"):
        say(finished.classifier.info["chosen"]["why"])
    classifier = finished.classifier
    evaluation, advice = evaluate_on_test(corpus, classifier)
    classifier.info["test_metrics"] = evaluation.to_json()
    say(f"\nTest accuracy {evaluation.accuracy:.4f}, macro F1 {evaluation.macro_f1:.4f}\n")
    mixed = {}
    if classifier.spec.mixture:  # how far the network gets alone, without Naive Bayes' share
        alone = evaluate_predictions(corpus.test_labels, network_only(classifier).predict(corpus.test_texts),
                                     corpus.class_names)
        mixed = {"network_alone_accuracy": alone.accuracy, "network_alone_macro_f1": alone.macro_f1,
                 "mixture": classifier.info.get("mixture")}
        say(f"The network alone, without Naive Bayes: test accuracy {alone.accuracy:.4f}, "
            f"macro F1 {alone.macro_f1:.4f}\n")
    say(evaluation.report_text)
    if advice:
        say(advice)
    if args.save:  # first: a predictions file that cannot be written must not cost the trained model
        try:
            say(f"Model saved in {save_model(classifier, args.save)}")
        except OSError as err:
            raise CliError(f"the model could not be saved in {args.save} ({err.strerror or err})", 1) from err
    if args.predictions:
        _write_predictions(args.predictions, corpus, classifier)
        say(f"Wrote the {len(corpus.test_texts):,} test predictions to {args.predictions}")
    return {
        "test_accuracy": evaluation.accuracy, "macro_f1": evaluation.macro_f1, **mixed, "advice": advice,
        "train_seconds": finished.train_seconds, "epochs": len(finished.history), "reason": finished.reason,
        **finished.split, "vocab_size": classifier.featurizer.vocab_size,
        "class_names": list(corpus.class_names), "confusion_matrix": evaluation.confusion.tolist(),
        "history": finished.history, "config": classifier.info["train_config"], "preset": preset_name,
        "features": classifier.info["feature_config"], "best_epoch": finished.best_epoch,
        "chosen": classifier.info.get("chosen"),
    }


