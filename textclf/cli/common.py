"""What every command shares: one-line errors, loading the chosen data, a progress bar on stderr."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from textclf import limits
from textclf.data import NEWSGROUPS, BadDataChoice, Corpus, DataUnavailable, load_newsgroups


class CliError(Exception):
    """A problem to report in one line; `code` is the exit status."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def load_corpus(args: argparse.Namespace) -> Corpus:
    """Returns the corpus the data options name (--csv, --all or --categories), or raises CliError saying why not."""
    test_csv = getattr(args, "test_csv", None)
    if args.csv:
        from textclf.data.own_files import BadTable, load_csv, load_csv_pair

        try:
            # no chart is drawn here, so every class a saved model can hold is allowed
            if test_csv:
                corpus, report = load_csv_pair(args.csv, test_csv, args.text_column, args.label_column,
                                               args.split_column, max_classes=limits.MAX_MODEL_CLASSES)
            else:
                corpus, report = load_csv(args.csv, args.text_column, args.label_column, args.split_column,
                                          args.test_share, max_classes=limits.MAX_MODEL_CLASSES)
        except BadTable as err:
            raise CliError(str(err), 2) from err
        # stderr, so that --json output stays one JSON document; says which columns were guessed
        print(f'Texts from column "{corpus.description["text_column"]}", labels from column '
              f'"{corpus.description["label_column"]}". {report.summary()}', file=sys.stderr)
        if report.split_column and not args.split_column:
            print(f'The column "{report.split_column}" says which rows train, validate and test (found by its '
                  f"name; --split-column names another).", file=sys.stderr)
        return corpus
    if test_csv:
        raise CliError("--test-csv needs --csv (the file of training rows)", 2)
    if args.text_column or args.label_column or args.split_column:
        raise CliError("--text-column, --label-column and --split-column need --csv", 2)
    categories = NEWSGROUPS if args.all else args.categories.split(",")
    try:
        return load_newsgroups(categories, args.remove_metadata, archive=args.archive)
    except BadDataChoice as err:
        raise CliError(str(err), 2) from err
    except DataUnavailable as err:
        raise CliError(str(err), 1) from err


def out_file_problem(out: str | None, flag: str) -> str | None:
    """Returns why the file `out` given with `flag` cannot be written (checked before any work), or None."""
    if out is None:
        return None
    path = Path(out)
    if path.is_dir():
        return f"{flag} {out} is a folder; give a file name"
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        return f"{flag} {out}: the folder {parent} does not exist"
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return f"{flag} {out} cannot be written (permission denied)"
    try:  # os.access says yes to root, and to folders such as /proc that refuse every new file
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError:
        return f"{flag} {out}: nothing can be written in {parent}; choose a folder you can write in"
    return None


def progress(done: int, total: int, text: str) -> None:
    """Draws a progress bar on stderr when it is a terminal (a log or a pipe gets none)."""
    if not sys.stderr.isatty():
        return
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {text}   ")
    sys.stderr.flush()


def say_for(args: argparse.Namespace):
    """Returns print, or a print to stderr when --json keeps stdout for one JSON document."""
    return (lambda *a: print(*a, file=sys.stderr)) if args.json else print
