"""`textclf baseline`, `label-issues` and `bench`: tuned simple models, suspect labels, speed and accuracy figures."""

from __future__ import annotations

import argparse
import sys

from textclf.cli.common import CliError, load_corpus, progress, say_for
from textclf.data import DataUnavailable


def cmd_baseline(args: argparse.Namespace) -> dict:
    """Returns the baselines' metrics on the chosen data."""
    from textclf.analysis.baselines import run_baselines
    from textclf.learn.checks import data_problem

    corpus = load_corpus(args)
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
    from textclf.data.newsgroups import ensure_newsgroups

    try:
        ensure_newsgroups(args.archive)
    except DataUnavailable as err:
        raise CliError(str(err), 1) from err
    results = run_bench()
    if not args.json:
        print_table(results)
    return results


def cmd_label_issues(args: argparse.Namespace) -> dict:
    """Returns the likely label errors of the chosen data."""
    from textclf.analysis.label_issues import METHOD, CannotCheck, checked_rows, find_label_issues

    corpus = load_corpus(args)
    texts, labels, rows = checked_rows(corpus)
    say = say_for(args)
    what = "rows of the file" if corpus.file_rows is not None else "training posts"
    say(f"Checking the labels of {len(texts):,} {what} with {METHOD} ...")
    try:
        issues = find_label_issues(texts, labels, corpus.class_names, rows,
                                   progress=lambda fraction, text: progress(int(fraction * 100), 100, text))
    except CannotCheck as err:
        raise CliError(str(err), 2) from err
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    say(f"{issues.headline()}.")
    if not args.json:
        print(issues.table().head(50).to_string(index=False))
    return issues.to_json()


