"""The command line's arguments: every command, option and range, without importing JAX (--help is instant)."""

from __future__ import annotations

import argparse

from textclf import limits
from textclf.data.newsgroups import TUTORIAL_CATEGORIES


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _hidden(text: str) -> tuple[int, ...]:
    try:
        sizes = limits.parse_hidden_sizes(text)
        limits.check_hidden(sizes)  # the Train page's sentence for layers too large to save
        return sizes
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


_seed = _whole_number(*limits.SEED)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text!r}")
    return value


def _learning_rate(text: str) -> float:
    low, high = limits.LEARNING_RATE
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, got {text!r}")
    return value


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
    parser = OneLineParser(prog="textclf", description="Train and explain text classifiers.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train the MLP and report test metrics")
    _add_data_options(train)
    train.add_argument("--preset", choices=("tutorial", "recommended"),
                       help="tutorial: the tutorial's settings with fast lazy Adam (the default on the newsgroups); "
                            "recommended: tuned on the validation split, the best measured (the default with --csv). "
                            "Options below override the preset.")
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
    train.add_argument("--pairs", action="store_true",
                       help='also use neighbouring word pairs ("how many") as features; they help most on short texts')
    train.add_argument("--save", help="folder to save the trained model in")

    explain = sub.add_parser("explain", help="explain one prediction with LIME")
    explain.add_argument("--model", required=True, help="folder written by `train --save`")
    explain.add_argument("--text", required=True)
    explain.add_argument("--num-samples", type=_whole_number(2, limits.MAX_SAMPLES), default=5000,
                         help=f"LIME's variants of the text (2 to {limits.MAX_SAMPLES:,})")
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
                         help=f"print one JSON object as the last line of stdout (at most {limits.MAX_JSON_ROWS} rows)")

    issues = sub.add_parser("label-issues", help="rows whose label is probably wrong (cross-validation + cleanlab)",
                            description="Rows whose label is probably wrong: each row is judged by models that never "
                                        "saw it (cross-validation), and cleanlab picks the likely errors. Rows are "
                                        "numbered as a spreadsheet shows the file (the header is row 1); newsgroups "
                                        "posts by their number in the training or test set, from 0.")
    _add_data_options(issues)
    check = issues.add_argument_group("check")
    check.add_argument("--split", choices=("train", "test", "all"), default="train",
                       help="which rows to check: the training rows (default), the test rows, or all")
    check.add_argument("--folds", metavar="N", type=_whole_number(2, 20), default=5,
                       help="cross-validation folds, 2-20 (default 5; at most the smallest class's rows)")
    check.add_argument("--threshold", metavar="X", type=_share, default=None,
                       help="instead of cleanlab's choice, flag every row whose label gets a probability below X "
                            "(0-1) while another class gets more")

    bench = sub.add_parser("bench", help="speed and accuracy figures next to plain references (minutes)")
    bench.add_argument("--archive", help="local 20news-bydate.tar.gz to use when the data is not cached")
    bench.add_argument("--json", action="store_true")
    return parser


