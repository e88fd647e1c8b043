"""Command line: `python -m textclf train|explain|baseline|predict|label-issues|bench ...`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Sequence

from pathlib import Path

from textclf import limits
from textclf.data import NEWSGROUPS, TUTORIAL_CATEGORIES, BadDataChoice, Corpus, DataUnavailable, load_newsgroups


class CliError(Exception):
    """A problem to report in one line; `code` is the exit status."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _hidden(text: str) -> tuple[int, ...]:
    from textclf.train import parse_hidden_sizes

    try:
        return parse_hidden_sizes(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err))


def _whole_number(low: int, high: int | None = None):
    """Returns an argparse type accepting whole numbers from `low` to `high` (no upper bound if None)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
        if value < low or (high is not None and value > high):
            bound = f"at least {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    return parse


_positive_int = _whole_number(1)
_seed = _whole_number(*limits.SEED)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text!r}")
    return value


def _max_json_rows() -> int:
    from textclf.predict import MAX_JSON_ROWS

    return MAX_JSON_ROWS


def _learning_rate(text: str) -> float:
    low, high = limits.LEARNING_RATE
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, got {text!r}")
    return value


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
    return None


def _add_data_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--categories", default=",".join(TUTORIAL_CATEGORIES),
                       help="comma-separated newsgroups (default: the tutorial's four)")
    group.add_argument("--all", action="store_true", help="all 20 newsgroups")
    group.add_argument("--csv", metavar="PATH", help="your own CSV or TSV file of texts and labels instead")
    p.add_argument("--text-column", metavar="C", help="with --csv: the column of texts (default: guessed)")
    p.add_argument("--label-column", metavar="L", help="with --csv: the column of labels (default: guessed)")
    p.add_argument("--split-column", metavar="S",
                   help='with --csv: a column of "train"/"test" values (default: one named split/set/subset/fold)')
    p.add_argument("--test-share", metavar="X", type=float, default=0.2,
                   help="with --csv and no split column: the share of each class held out for testing")
    p.add_argument("--remove-metadata", action="store_true",
                   help="strip headers, signatures and quoted replies (they leak the answer)")
    p.add_argument("--archive", help="local 20news-bydate.tar.gz to use when the data is not cached")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line of stdout")


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser of all subcommands."""
    from textclf.explain.post import MAX_SAMPLES

    parser = OneLineParser(prog="python -m textclf", description="Train and explain text classifiers.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train the MLP and report test metrics")
    _add_data_options(train)
    train.add_argument("--preset", choices=("tutorial", "recommended"), default="tutorial",
                       help="tutorial: the tutorial's settings with fast lazy Adam (default); recommended: tuned "
                            "on the validation split. Options below override the preset.")
    train.add_argument("--epochs", type=_whole_number(*limits.EPOCHS),
                       help=f"passes over the training posts ({limits.EPOCHS[0]}-{limits.EPOCHS[1]})")
    train.add_argument("--batch-size", type=_whole_number(*limits.BATCH_SIZE),
                       help=f"posts per update ({limits.BATCH_SIZE[0]}-{limits.BATCH_SIZE[1]})")
    train.add_argument("--lr", type=_learning_rate, help="Adam learning rate")
    train.add_argument("--hidden", type=_hidden, help="hidden layer sizes, e.g. 128,64")
    train.add_argument("--seed", type=_seed)
    train.add_argument("--optimizer", choices=("lazy_adam", "adam"),
                       help="lazy_adam (the default) updates only the rows of words in each batch; adam is the "
                            "tutorial's exact Adam (3-5x slower on all 20 categories)")
    train.add_argument("--save", help="folder to save the trained model in")

    explain = sub.add_parser("explain", help="explain one prediction with LIME")
    explain.add_argument("--model", required=True, help="folder written by `train --save`")
    explain.add_argument("--text", required=True)
    explain.add_argument("--num-samples", type=_whole_number(2, MAX_SAMPLES), default=5000,
                         help=f"LIME's variants of the text (2 to {MAX_SAMPLES:,})")
    explain.add_argument("--num-features", type=_whole_number(1, 100), default=10)
    explain.add_argument("--seed", type=_seed, default=0)
    explain.add_argument("--class", dest="class_name", metavar="NAME",
                         help="explain this class instead of the predicted one")
    explain.add_argument("--versus", metavar="NAME",
                         help="why --class (or the predicted class) and not this one: explains their log-odds")
    explain.add_argument("--trust", action="store_true",
                         help="also check how far to trust the explanation (stability, deletion test, second "
                              "opinions, what flips it): the JSON gets a `trust` object")
    explain.add_argument("--json", action="store_true")

    words = sub.add_parser("words", help="what each topic looks for: the words that push test posts towards it")
    words.add_argument("--model", required=True, help="folder written by `train --save`")
    _add_data_options(words)
    words.add_argument("--top", type=_whole_number(1, 200), default=15, help="words per class (default 15)")

    baseline = sub.add_parser("baseline", help="ComplementNB and LinearSVC on tf-idf, tuned on the network's "
                                               "validation split")
    _add_data_options(baseline)

    predict = sub.add_parser("predict", help="classify new texts with a trained model (a CSV file or one text)")
    predict.add_argument("--model", required=True,
                         help="folder written by `train --save`, or a saved run's id or folder")
    source = predict.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", metavar="PATH", help="CSV or TSV file of texts (a label column is optional)")
    source.add_argument("--text", help="one text to classify")
    predict.add_argument("--text-column", metavar="C", help="with --csv: the column of texts (default: guessed)")
    predict.add_argument("--label-column", metavar="L",
                         help="with --csv: a column of known labels to report accuracy on (optional)")
    predict.add_argument("--threshold", type=_share, default=None,
                         help="mark rows whose predicted class has a lower probability as unsure (default 0.5)")
    predict.add_argument("--out", metavar="FILE", help="write the table as a spreadsheet-safe CSV (UTF-8 with BOM)")
    predict.add_argument("--json", action="store_true",
                         help=f"print one JSON object as the last line of stdout (at most {_max_json_rows()} rows)")

    issues = sub.add_parser("label-issues", help="rows whose label is probably wrong (cross-validation + cleanlab)")
    _add_data_options(issues)

    bench = sub.add_parser("bench", help="speed and accuracy figures next to plain references (minutes)")
    bench.add_argument("--archive", help="local 20news-bydate.tar.gz to use when the data is not cached")
    bench.add_argument("--json", action="store_true")
    return parser


def _load(args: argparse.Namespace) -> Corpus:
    if args.csv:
        from textclf.tabular import BadTable, load_csv

        try:
            corpus, report = load_csv(args.csv, args.text_column, args.label_column, args.split_column,
                                      args.test_share)
        except BadTable as err:
            raise CliError(str(err), 2) from err
        # stderr, so that --json output stays one JSON document; says which columns were guessed
        print(f'Texts from column "{corpus.description["text_column"]}", labels from column '
              f'"{corpus.description["label_column"]}". {report.summary()}', file=sys.stderr)
        return corpus
    if args.text_column or args.label_column or args.split_column:
        raise CliError("--text-column, --label-column and --split-column need --csv", 2)
    categories = NEWSGROUPS if args.all else args.categories.split(",")
    try:
        return load_newsgroups(categories, args.remove_metadata, archive=args.archive)
    except BadDataChoice as err:
        raise CliError(str(err), 2) from err
    except DataUnavailable as err:
        raise CliError(str(err), 1) from err


def _progress(done: int, total: int, text: str) -> None:
    if not sys.stderr.isatty():
        return
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {text}   ")
    sys.stderr.flush()


def cmd_train(args: argparse.Namespace) -> dict:
    """Returns the train report after training and printing progress."""
    from dataclasses import replace

    from textclf.checks import training_problem
    from textclf.evaluate import evaluate_predictions
    from textclf.modelfiles import save_model
    from textclf.presets import PRESETS
    from textclf.train import EpochEnd, Finished, Started, StepLoss, train

    overrides = {k: v for k, v in {"epochs": args.epochs, "batch_size": args.batch_size,
                                   "learning_rate": args.lr, "hidden": args.hidden, "seed": args.seed,
                                   "optimizer": args.optimizer}.items() if v is not None}
    preset = PRESETS[args.preset]
    config = replace(preset.train_config, **overrides)
    features = preset.features
    if args.save and (problem := save_problem(args.save)):
        raise CliError(problem, 2)
    corpus = _load(args)
    if problem := training_problem(corpus, features, config):
        raise CliError(problem, 2)
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    say(f"Training on {len(corpus.train_texts)} posts in {corpus.n_classes} classes ...")
    total = 1
    for event in train(corpus, features, config):
        if isinstance(event, Started):
            total = event.total_steps
            if event.phase == "refit":
                say(f"Retraining on all {event.n_train} training posts for the chosen number of epochs ...")
            else:
                say(f"{event.n_train} train / {event.n_val} validation posts, vocabulary {event.vocab_size:,} words")
        elif isinstance(event, StepLoss):
            _progress(event.step, total, f"epoch {event.epoch} loss {event.loss:.4f}")
        elif isinstance(event, EpochEnd):
            _progress(total, total, "")
            if sys.stderr.isatty():
                sys.stderr.write("\n")
            val = "n/a" if event.val_accuracy is None else f"{event.val_accuracy:.4f}"
            say(f"epoch {event.epoch}: train loss {event.train_loss:.4f}, train accuracy "
                f"{event.train_accuracy:.4f}, validation accuracy {val} ({event.seconds:.1f} s)")
        elif isinstance(event, Finished):
            finished = event
    if finished.reason != "completed":
        say(finished.message)
    classifier = finished.classifier
    evaluation = evaluate_predictions(corpus.test_labels, classifier.predict(corpus.test_texts), corpus.class_names)
    classifier.info["test_metrics"] = evaluation.to_json()
    say(f"\nTest accuracy {evaluation.accuracy:.4f}, macro F1 {evaluation.macro_f1:.4f}\n")
    say(evaluation.report_text)
    if args.save:
        try:
            say(f"Model saved in {save_model(classifier, args.save)}")
        except OSError as err:
            raise CliError(f"the model could not be saved in {args.save} ({err.strerror or err})", 1) from err
    return {
        "test_accuracy": evaluation.accuracy, "macro_f1": evaluation.macro_f1,
        "train_seconds": finished.train_seconds, "epochs": len(finished.history), "reason": finished.reason,
        **finished.split, "vocab_size": classifier.featurizer.vocab_size,
        "class_names": list(corpus.class_names), "confusion_matrix": evaluation.confusion.tolist(),
        "history": finished.history, "config": classifier.info["train_config"], "preset": args.preset,
        "features": classifier.info["feature_config"], "best_epoch": finished.best_epoch,
    }


def cmd_explain(args: argparse.Namespace) -> dict:
    """Returns the explanation of --text by the model in --model."""
    from textclf.explain import ExplainError, explain, trust
    from textclf.modelfiles import BadModelFile, load_model

    try:
        classifier = load_model(args.model)
        label, versus = (_class_index(classifier.class_names, n) for n in (args.class_name, args.versus))
        result = explain(classifier, args.text, label, args.num_features, args.num_samples, args.seed, versus)
        report = trust(classifier, args.text, label, args.num_features, args.num_samples, args.seed) \
            if args.trust else None
    except (BadModelFile, ExplainError) as err:
        raise CliError(str(err), 2) from err
    if not args.json:
        print(f"Predicted: {result.class_names[result.predicted]}")
        for name, p in zip(result.class_names, result.probabilities):
            print(f"  {p:6.1%}  {name}")
        print("Words that pushed the prediction (positive: towards it):")
        for word, weight in result.weights:
            print(f"  {weight:+.4f}  {word}")
        if report is not None:
            print(f"Trust: {report.verdict}")
            print(f"  {report.fit_verdict}")
            print(f"  top-{report.top_k} overlap over 5 seeds {report.jaccard:.0%}; comprehensiveness "
                  f"{report.comprehensiveness:+.3f}, sufficiency {report.sufficiency:+.3f}")
            flip = report.flip
            print("  nothing up to 20 words flips it" if flip is None else
                  f"  removing {', '.join(flip['words'])} makes it {flip['new_class']}")
    out = result.to_json()
    if report is not None:
        out["trust"] = report.to_json()
    return out


def _class_index(names: tuple[str, ...], name: str | None) -> int | None:
    """Returns the index of class `name` (None stays None), or raises CliError naming the classes."""
    if name is None:
        return None
    if name not in names:
        raise CliError(f"no class {name!r}; the model's classes are: {', '.join(names)}", 2)
    return names.index(name)


def cmd_words(args: argparse.Namespace) -> dict:
    """Returns what each topic of the model in --model looks for over the test posts of the chosen data."""
    from textclf.explain.topics import topic_words
    from textclf.modelfiles import BadModelFile, load_model

    try:
        classifier = load_model(args.model)
    except BadModelFile as err:
        raise CliError(str(err), 2) from err
    corpus = _load(args)
    if tuple(corpus.class_names) != tuple(classifier.class_names):
        raise CliError("the data's classes differ from the model's: choose the data the model was trained on", 2)
    result = topic_words(classifier, corpus.test_texts, args.top)
    if not args.json:
        for name, rows in result.classes.items():
            print(f"{name}: " + ", ".join(f"{w} ({result.posts[w]} posts)" for w, _ in rows))
        print(f"{len(result.suspicious)} words look like artefacts (addresses, header words, names, numbers): "
              "they leak the answer; see the Lesson page, or train with --remove-metadata.")
        for word, name, reason in result.suspicious:
            print(f"  {word} ({name}): {reason}")
    return result.to_json()


def cmd_baseline(args: argparse.Namespace) -> dict:
    """Returns the baselines' metrics on the chosen data."""
    from textclf.baselines import run_baselines
    from textclf.checks import data_problem

    corpus = _load(args)
    if problem := data_problem(corpus):
        raise CliError(problem, 2)
    results = run_baselines(corpus)
    if not args.json:
        for result in results.values():
            print(f"{result['name']} ({result['setting']}, chosen on validation): accuracy {result['accuracy']:.4f}, "
                  f"macro F1 {result['macro_f1']:.4f}")
    return results


def cmd_bench(args: argparse.Namespace) -> dict:
    """Returns the bench figures after printing them as a table."""
    from textclf.bench import print_table, run_bench
    from textclf.data import ensure_newsgroups

    try:
        ensure_newsgroups(args.archive)
    except DataUnavailable as err:
        raise CliError(str(err), 1) from err
    results = run_bench()
    if not args.json:
        print_table(results)
    return results


def _load_classifier(reference: str):
    """Returns the classifier of a model folder, a saved run's folder, or a saved run's id."""
    from pathlib import Path

    from textclf.modelfiles import BadModelFile, load_model
    from textclf.runs import MODEL_DIR, RUN_ID, RunNotFound, RunStore

    path = Path(reference)
    try:
        if path.is_dir():
            return load_model(path / MODEL_DIR if (path / MODEL_DIR).is_dir() else path)
        if RUN_ID.fullmatch(reference):
            return RunStore().load_classifier(reference)
    except (BadModelFile, RunNotFound) as err:
        raise CliError(str(err), 2) from err
    raise CliError(f"{reference} is neither a model folder nor the id of a saved run", 2)


def _check_out(out: str | None) -> None:
    """Refuses, before any work, an --out path that cannot be written."""
    import os
    from pathlib import Path

    if out is None:
        return
    path = Path(out)
    if path.is_dir():
        raise CliError(f"--out {out} is a folder; give a file name", 2)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise CliError(f"--out {out}: the folder {parent} does not exist", 2)
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CliError(f"--out {out} cannot be written (permission denied)", 2)


def cmd_predict(args: argparse.Namespace) -> dict:
    """Returns the predictions for --csv or --text, after printing them or writing --out."""
    from pathlib import Path

    import pandas as pd

    from textclf.export import to_csv_bytes
    from textclf.predict import (DEFAULT_THRESHOLD, check_labels, check_text_column, guess_text_column,
                                 prediction_table, predictions_json, predict_texts, read_new_texts)
    from textclf.tabular import MAX_BYTES, BadTable

    if args.text is not None and (args.text_column or args.label_column):
        raise CliError("--text-column and --label-column need --csv", 2)
    _check_out(args.out)
    classifier = _load_classifier(args.model)
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    if args.csv:
        path = Path(args.csv)
        try:
            if not path.is_file():
                raise BadTable(f"There is no file at {path}.")
            if path.stat().st_size > MAX_BYTES:
                raise BadTable(f"The file is larger than the limit of {MAX_BYTES // 2**20} MB.")
            table = read_new_texts(path.read_bytes(), path.name)
            text_column = args.text_column or guess_text_column(table)
            check_text_column(table, text_column)
            if args.label_column is not None and args.label_column not in table.columns:
                raise BadTable(f'There is no column called "{args.label_column}" for the labels.')
        except (BadTable, OSError) as err:
            raise CliError(str(err), 2) from err
    else:
        text_column = "text"
        table = pd.DataFrame({text_column: [args.text]})
    predictions = predict_texts(classifier, table[text_column].tolist())
    out = prediction_table(table, predictions, threshold)
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    if args.out:
        Path(args.out).write_bytes(to_csv_bytes(out))
        say(f"Wrote {len(out):,} rows to {args.out}")
    result = predictions_json(predictions)
    if args.csv and args.label_column:
        check = check_labels(table[args.label_column].tolist(), predictions)
        if check.evaluation is not None:
            say(f"Accuracy on {check.n_compared:,} labelled rows: {check.evaluation.accuracy:.4f}")
            result["accuracy"] = check.evaluation.accuracy
        else:
            say("No row has both a label the model knows and a prediction, so no accuracy can be given.")
        say(check.note())
        result["n_compared"] = check.n_compared
    if not args.json and not args.out:
        shown = min(len(out), 50)
        print(out[out.columns[table.shape[1]:]].head(shown).to_string())
        if len(out) > shown:
            print(f"... {len(out) - shown:,} more rows; use --out FILE to save them all")
    if result["truncated"]:
        say(f"The JSON lists the first {len(result['predictions']):,} of {result['n_rows']:,} rows; "
            f"--out FILE writes them all.")
    return result


def cmd_label_issues(args: argparse.Namespace) -> dict:
    """Returns the likely label errors of the chosen data."""
    from textclf.label_issues import METHOD, CannotCheck, checked_rows, find_label_issues

    corpus = _load(args)
    texts, labels, rows = checked_rows(corpus)
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    what = "rows of the file" if corpus.file_rows is not None else "training posts"
    say(f"Checking the labels of {len(texts):,} {what} with {METHOD} ...")
    try:
        issues = find_label_issues(texts, labels, corpus.class_names, rows,
                                   progress=lambda fraction, text: _progress(int(fraction * 100), 100, text))
    except CannotCheck as err:
        raise CliError(str(err), 2) from err
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    say(f"{issues.headline()}.")
    if not args.json:
        print(issues.table().head(50).to_string(index=False))
    return issues.to_json()


COMMANDS = {"train": cmd_train, "explain": cmd_explain, "words": cmd_words, "baseline": cmd_baseline,
            "bench": cmd_bench, "predict": cmd_predict, "label-issues": cmd_label_issues}


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from textclf.model import enable_compilation_cache

    enable_compilation_cache()
    try:
        started = time.perf_counter()
        result = COMMANDS[args.command](args)
    except CliError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if args.json:
        result.setdefault("seconds", time.perf_counter() - started)
        print(json.dumps(result))
    return 0
