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


def _number(low: float, high: float, high_open: bool = False):
    """Returns an argparse type accepting numbers from `low` to `high` (below `high` when `high_open`)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
        if not (low <= value < high if high_open else low <= value <= high):
            bound = f"at least {low:g} and below {high:g}" if high_open else f"between {low:g} and {high:g}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text!r}")
        return value

    return parse


_learning_rate = _number(*limits.LEARNING_RATE)
# The word scalings of data.features.SCALINGS (a test checks they agree; importing it would import scikit-learn).
SCALINGS = ("count", "binary", "tfidf", "log")


def _add_data_options(p: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """Adds the options choosing the data (a "Data" group, returned) and --json to `p`."""
    data = p.add_argument_group("Data", "the newsgroups (the tutorial's four by default) or your own file")
    group = data.add_mutually_exclusive_group()
    group.add_argument("--categories", default=",".join(TUTORIAL_CATEGORIES),
                       help="comma-separated newsgroups (default: the tutorial's four)")
    group.add_argument("--all", action="store_true", help="all 20 newsgroups")
    group.add_argument("--csv", metavar="PATH", help="your own CSV or TSV file of texts and labels instead")
    data.add_argument("--text-column", metavar="C", help="with --csv: the column of texts (default: guessed)")
    data.add_argument("--label-column", metavar="L", help="with --csv: the column of labels (default: guessed)")
    data.add_argument("--split-column", metavar="S",
                      help='with --csv: a column of "train", "validation" (or "val", "dev") and "test" values; '
                           'validation rows choose the epochs (default: one named split/set/subset/fold)')
    data.add_argument("--test-share", metavar="X", type=float, default=0.2,
                      help="with --csv and no split column: the share of each class held out for testing")
    data.add_argument("--remove-metadata", action="store_true",
                      help="strip headers, signatures and quoted replies (they leak the answer)")
    data.add_argument("--archive", help="local 20news-bydate.tar.gz to use when the data is not cached")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line of stdout")
    return data


def _add_test_csv(data: argparse._ArgumentGroup) -> None:
    """Adds --test-csv (a separate file of test rows) to a command's Data group."""
    data.add_argument("--test-csv", metavar="FILE",
                      help="with --csv: a separate file of test rows, with the same text and label columns; every "
                           "row of --csv then trains (a split column may still mark validation rows)")


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser of all subcommands."""
    parser = OneLineParser(prog="textclf", description="Train and explain text classifiers.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train the MLP and report test metrics",
                           description="Train the network and report its test metrics. The options under Words and "
                                       "Training override the preset's values.")
    _add_test_csv(_add_data_options(train))
    train.add_argument("--preset", choices=("tutorial", "recommended"),
                       help="tutorial: the tutorial's settings with fast lazy Adam (the default on the newsgroups); "
                            "recommended: tuned on the validation split, the best measured (the default with --csv)")
    words = train.add_argument_group("Words", "which words the model sees and how they are counted")
    scaling = words.add_mutually_exclusive_group()
    scaling.add_argument("--scaling", choices=SCALINGS,
                         help="count (the tutorial's), binary (seen or not), tfidf (rare words weigh more, "
                              "recommended) or log (log of 1 + count)")
    scaling.add_argument("--tfidf", dest="scaling", action="store_const", const="tfidf", help="same as --scaling tfidf")
    words.add_argument("--min-df", metavar="N", type=_whole_number(*limits.MIN_DF),
                       help=f"keep only words found in at least N training texts ({limits.MIN_DF[0]}-{limits.MIN_DF[1]})")
    words.add_argument("--vocab-size", metavar="N", type=_whole_number(*limits.MAX_FEATURES),
                       help=f"keep only the N most frequent words (0: every word; at most {limits.MAX_FEATURES[1]:,})")
    words.add_argument("--pairs", action=argparse.BooleanOptionalAction, default=None,
                       help='also use neighbouring word pairs ("how many") as features; they help most on short texts. '
                            "Given either way, it overrides the recommended preset's own choice (--choose-pairs)")
    words.add_argument("--choose-pairs", action=argparse.BooleanOptionalAction, default=None,
                       help="try words alone and words with pairs on the validation texts and keep the better (the "
                            "recommended preset does, on short texts)")
    training = train.add_argument_group("Training", "the network and how it learns")
    training.add_argument("--hidden", metavar="SIZES", type=_hidden, help="hidden layer sizes, e.g. 128,64")
    training.add_argument("--epochs", metavar="N", type=_whole_number(*limits.EPOCHS),
                          help=f"passes over the training texts ({limits.EPOCHS[0]}-{limits.EPOCHS[1]})")
    training.add_argument("--batch-size", metavar="N", type=_whole_number(*limits.BATCH_SIZE),
                          help=f"texts per update ({limits.BATCH_SIZE[0]}-{limits.BATCH_SIZE[1]})")
    training.add_argument("--lr", metavar="X", type=_learning_rate, help="Adam learning rate")
    training.add_argument("--optimizer", choices=("lazy_adam", "adam"),
                          help="lazy_adam (the default) updates only the rows of words in each batch; adam is the "
                               "tutorial's exact Adam (3-5x slower on all 20 categories)")
    training.add_argument("--dropout", metavar="X", type=_number(*limits.DROPOUT),
                          help=f"share of hidden units switched off at each step, against memorising "
                               f"({limits.DROPOUT[0]:g}-{limits.DROPOUT[1]:g})")
    training.add_argument("--val-share", metavar="X", type=_number(*limits.VAL_SHARE),
                          help="share of the training texts held back to choose the epoch on (0.1; a split "
                               "column's validation rows replace it, and 0 trains on them too)")
    training.add_argument("--early-stopping", "--patience", dest="patience", metavar="N",
                          type=_whole_number(*limits.PATIENCE),
                          help="stop once the validation score has not improved for N epochs, and keep the best "
                               "epoch (0: off)")
    training.add_argument("--monitor", choices=("val_accuracy", "val_loss"),
                          help="what early stopping and the kept epoch follow")
    refit = training.add_mutually_exclusive_group()
    refit.add_argument("--retrain-on-all", dest="refit", action="store_true", default=None,
                       help="after choosing the number of epochs on the validation texts, retrain on every "
                            "training text for that many")
    refit.add_argument("--no-retrain", dest="refit", action="store_false", default=None,
                       help="keep the model chosen on the validation texts")
    training.add_argument("--naive-bayes", dest="nb_mixture", action=argparse.BooleanOptionalAction, default=None,
                          help="mix the network with Naive Bayes on the same words, shares chosen on validation")
    training.add_argument("--wide", action=argparse.BooleanOptionalAction, default=None,
                          help="give the network a linear part beside its layers, starting from Naive Bayes' word "
                               "scores and trained with it (Wide & Deep)")
    training.add_argument("--seed", metavar="N", type=_seed, help="the random seed (the same seed, the same model)")
    output = train.add_argument_group("Output")
    output.add_argument("--save", metavar="DIR", help="folder to save the trained model in")
    output.add_argument("--predictions", metavar="FILE",
                        help="write every test row's prediction to a spreadsheet-safe CSV: its row number (as a "
                             "spreadsheet shows your file), text, true label, predicted label and confidence")

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

    words = sub.add_parser("words", help="what each class looks for: the words that push test texts towards it")
    words.add_argument("--model", required=True, help="folder written by `train --save`")
    _add_data_options(words)
    words.add_argument("--top", type=_whole_number(1, 200), default=15, help="words per class (default 15)")

    baseline = sub.add_parser("baseline", help="ComplementNB and LinearSVC on tf-idf, tuned on the network's "
                                               "validation split")
    _add_test_csv(_add_data_options(baseline))

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
    check.add_argument("--split", choices=("train", "test", "all"), default=None,
                       help="which rows to check: the training rows, the test rows, or all (default: all of a file's "
                            "rows, as the app checks them; the newsgroups' training posts)")
    check.add_argument("--out", metavar="FILE", help="also write the whole list to a spreadsheet-safe CSV")
    check.add_argument("--folds", metavar="N", type=_whole_number(2, 20), default=5,
                       help="cross-validation folds, 2-20 (default 5; at most the smallest class's rows)")
    check.add_argument("--threshold", metavar="X", type=_share, default=None,
                       help="instead of cleanlab's choice, flag every row whose label gets a probability below X "
                            "(0-1) while another class gets more")

    bench = sub.add_parser("bench", help="speed and accuracy figures next to plain references (minutes)")
    bench.add_argument("--archive", help="local 20news-bydate.tar.gz to use when the data is not cached")
    bench.add_argument("--json", action="store_true")
    return parser


