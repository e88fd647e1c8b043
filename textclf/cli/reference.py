"""`textclf baseline`, `label-issues` and `bench`: tuned simple models, suspect labels, speed and accuracy figures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from textclf.cli.common import CliError, load_corpus, out_file_problem, progress, say_for
from textclf.data import DataUnavailable


def cmd_baseline(args: argparse.Namespace) -> dict:
    """Returns the baselines' metrics on the chosen data."""
    from textclf.analysis.baselines import run_baselines
    from textclf.learn.checks import data_problem

    corpus = load_corpus(args)
    if problem := data_problem(corpus):
        raise CliError(problem, 2)
    try:
        results = run_baselines(corpus)
    except ValueError as err:  # a validation share too small for the classes: the Train page's sentence
        raise CliError(str(err), 2) from err
    if not args.json:
        for result in results.values():
            print(f"{result['name']} ({result['setting']}, chosen on validation): accuracy {result['accuracy']:.4f}, "
                  f"macro F1 {result['macro_f1']:.4f}")
    return results


def cmd_bench(args: argparse.Namespace) -> dict:
    """Returns the bench figures after printing them as a table."""
    from textclf.bench import print_table, run_bench
    from textclf.data.newsgroups import ensure_newsgroups

    try:
        ensure_newsgroups(args.archive)
    except DataUnavailable as err:
        raise CliError(str(err), 1) from err
    results = run_bench()
    if not args.json:
        print_table(results)
    return results


def _write_issues(path: str, records: list[dict], own_file: bool) -> None:
    """Writes the likely label errors to `path` as a spreadsheet-safe CSV, one row each, the text in full."""
    from textclf.store.export import to_csv_bytes

    number = "file row" if own_file else "post"
    table = pd.DataFrame([{number: r["row"], "part": r["part"], "given label": r["given"],
                           "suggested label": r["suggested"], "quality": r["quality"], "text": r["text"]}
                          for r in records], columns=[number, "part", "given label", "suggested label", "quality", "text"])
    try:
        Path(path).write_bytes(to_csv_bytes(table))
    except OSError as err:
        raise CliError(f"the list could not be written to {path} ({err.strerror or err})", 1) from err


def cmd_label_issues(args: argparse.Namespace) -> dict:
    """Returns the likely label errors among the chosen rows of the data (--split; the training rows by default)."""
    from textclf.analysis.label_issues import CannotCheck, checked_rows, find_label_issues, issues_json

    if problem := out_file_problem(args.out, "--out"):
        raise CliError(problem, 2)
    corpus = load_corpus(args)
    own_file = corpus.file_rows is not None
    split = args.split or ("all" if own_file else "train")  # the app's rows: all of a file's, the newsgroups' training
    texts, labels, rows = checked_rows(corpus, split)
    say = say_for(args)
    part = {"train": "training", "test": "test", "all": "training and test"}[split]
    what = f"{part} rows of the file" if own_file else f"{part} posts"
    how = (f"models that never saw the row ({args.folds}-fold cross-validation), "
           + ("checked by cleanlab" if args.threshold is None
              else f"flagged when they give its label under {args.threshold:.0%}"))
    say(f"Checking the labels of {len(texts):,} {what} with {how} ...")
    try:
        issues = find_label_issues(texts, labels, corpus.class_names, rows, folds=args.folds,
                                   threshold=args.threshold,
                                   progress=lambda fraction, text: progress(int(fraction * 100), 100, text))
    except CannotCheck as err:
        raise CliError(str(err), 2) from err
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    say(f"{issues.headline()}.")
    say(f"Checking model: {issues.checking_model}, right on {issues.checked_accuracy:.0%} of the rows it never saw.")
    if caution := issues.caution():
        say(caution)
    records = issues_json(corpus, issues, texts, split)
    if args.out:
        _write_issues(args.out, records, own_file)
        say(f"Wrote the {len(records):,} rows of the list to {args.out}")
    if not args.json:
        if not records:
            print("No label looks wrong: the models agree with every checked label"
                  + (" (try a higher --threshold to see the closest calls)." if args.threshold is None
                     else f" or give it at least {args.threshold:.0%}."))
        else:
            number = "file row" if own_file else "post"
            table = pd.DataFrame([{number: r["row"], "part": r["part"], "given label": r["given"],
                                   "suggested label": r["suggested"], "quality": r["quality"],
                                   "text": " ".join(r["text"].split())[:60]} for r in records[:50]])
            print(table.to_string(index=False))
            if len(records) > 50:
                print(f"... {len(records) - 50:,} more; --json lists them all")
            if own_file:
                print("file row: the row number a spreadsheet shows (the header is row 1).")
    return {"n_rows": issues.n_rows, "split": split, "folds": args.folds, "threshold": args.threshold,
            "method": issues.to_json()["method"], "checked_accuracy": issues.checked_accuracy,
            "checking_model": issues.checking_model, "yardstick_accuracy": issues.yardstick_accuracy,
            "caution": issues.caution(), "issues": records}
