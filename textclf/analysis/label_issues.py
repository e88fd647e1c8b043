"""Likely label errors: out-of-fold probabilities of fast linear models, handed to cleanlab's find_label_issues."""

from __future__ import annotations

import threading
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from textclf.data.corpus import Corpus, nouns, sheet_row

FOLDS = 5
SEED = 0
METHOD = ("out-of-fold probabilities (5-fold cross-validation) of the tuned yardstick, a linear SVM on sublinear "
          "tf-idf whose regularisation and words or words and word pairs are chosen on the first fold, its scores "
          "turned into probabilities by a temperature fitted there; checked by cleanlab (pruned by noise rate and "
          "confident joint, ranked by self-confidence)")


# Below this accuracy of the checking models on rows they never saw, their doubts are mostly their own mistakes
# (a 60-row file of correctly labelled support tickets, tests/plain_tickets.py: 70-77% by row order, and 9-14 of
# its 60 rows listed; one-sentence reviews: 73%, 814 of 4,000 listed), so the list comes with a caution and no
# one-click "use every suggested label". The tutorial's 2,155 posts: 98%; all 20 newsgroups: 93%; Reuters' 8
# topics: 97%.
TRUSTED_ACCURACY = 0.85

# cleanlab passes each call's arrays to its helpers through its own module globals, so two sessions checking at
# once would read each other's data: one call at a time (its pruning takes well under a second).
_CLEANLAB = threading.Lock()


class CannotCheck(ValueError):
    """The labels cannot be cross-validated (a class with one example); the message is one sentence."""


@dataclass(frozen=True)
class LabelIssues:
    """Rows whose given label is probably wrong, most suspicious first."""

    rows: np.ndarray  # [k] the row number of each suspect (0-based file row for own files)
    positions: np.ndarray  # [k] index into the texts that were checked
    given: np.ndarray  # [k] class index of the given label
    suggested: np.ndarray  # [k] class index the models find most likely
    quality: np.ndarray  # [k] the models' probability of the given label (low: suspicious)
    class_names: tuple[str, ...]
    n_rows: int  # rows checked
    seconds: float
    # share of the checked rows whose given label the checking models, which never saw the row, predict
    checked_accuracy: float | None = None
    checking_model: str | None = None  # the checking model's setting in words
    # the tuned yardstick's accuracy on the rows held back while choosing its setting, and how many those were
    yardstick_accuracy: float | None = None
    n_held: int = 0

    @property
    def below_yardstick(self) -> bool:
        """Whether the checking models do clearly worse than the tuned yardstick (by over two standard errors)."""
        if self.checked_accuracy is None or self.yardstick_accuracy is None or not self.n_held:
            return False
        p = self.yardstick_accuracy
        return self.checked_accuracy < p - 2 * np.sqrt(max(p * (1 - p), 0.25 / self.n_held) / self.n_held)

    @property
    def trusted(self) -> bool:
        """Whether the checking models are accurate enough for their doubts to mean much: TRUSTED_ACCURACY, and no
        worse than the tuned yardstick."""
        if self.checked_accuracy is None:
            return True
        return self.checked_accuracy >= TRUSTED_ACCURACY and not self.below_yardstick

    def caution(self) -> str | None:
        """Returns a sentence that says how far to believe the list when the checking models are weak, else None."""
        if self.trusted or not len(self.rows):
            return None
        checked = f"the checking models predict only {self.checked_accuracy:.0%} of these rows' labels when they " \
                  "have not seen them"
        if self.below_yardstick:
            why = (f", less than the tuned yardstick reaches on rows it did not see "
                   f"({self.yardstick_accuracy:.0%}), so")
        elif self.yardstick_accuracy is not None:
            why = (f", and the best quick model, the tuned yardstick, does no better ({self.yardstick_accuracy:.0%} "
                   "of rows it did not see): too few rows, or classes that share their words. So")
        else:
            why = " (too few rows, or classes that share their words), so"
        return (f"Read this list with care: {checked}{why} many rows listed here may well be labelled right. "
                "Check each one before changing it.")

    def headline(self, rows: str = "rows") -> str:
        """Returns e.g. "3 likely label errors among 1,200 rows (0.4 s)" (singular for one); `rows` names them."""
        found = len(self.rows)
        return (f"{found:,} likely label error{'' if found == 1 else 's'} among {self.n_rows:,} {rows} "
                f"({self.seconds:.1f} s)")

    def table(self, texts: Sequence[str] | None = None, max_chars: int = 300, own_file: bool = False,
              ids: tuple[str, np.ndarray] | None = None) -> pd.DataFrame:
        """Returns one row per suspect: row, given label, suggested label, quality (and the text's start).

        Args:
            own_file: number the rows as a spreadsheet shows the file ("file row": header = 1, first data row = 2)
                instead of the 0-based "row".
            ids: the file's own ID column (`Corpus.file_ids`), shown beside the row number.
        """
        names = np.array(self.class_names, dtype=object)
        number = {"file row": sheet_row(self.rows)} if own_file else {"row": self.rows}
        if own_file and ids is not None:
            name, values = ids
            number[name if name not in ("file row", "given label", "suggested label", "quality", "text")
                   else f"{name} (your file)"] = values[self.rows]
        out = pd.DataFrame({**number, "given label": names[self.given],
                            "suggested label": names[self.suggested], "quality": np.round(self.quality, 4)})
        if texts is not None:
            out["text"] = [texts[i][:max_chars] for i in self.positions]
        return out

    def to_json(self) -> dict:
        """Returns {"n_rows", "issues": [{"row", "given", "suggested", "quality"}, ...], "method", accuracies}."""
        names = self.class_names
        return {"n_rows": self.n_rows, "method": METHOD, "checked_accuracy": self.checked_accuracy,
                "checking_model": self.checking_model, "yardstick_accuracy": self.yardstick_accuracy, "issues": [
            {"row": int(r), "given": names[g], "suggested": names[s], "quality": round(float(q), 6)}
            for r, g, s, q in zip(self.rows, self.given, self.suggested, self.quality)]}


def panel_intro(corpus: Corpus, n_rows: int) -> str:
    """Returns the label-error panel's opening (Markdown): what it looks for and which rows it checks.

    It says mislabelled rows are common, not certain: the check may well find none.
    """
    own_file = corpus.file_rows is not None
    texts = nouns(corpus.description).texts
    what = "rows of your file" if own_file else f"training {texts}"
    return (f"**{'Rows' if own_file else texts.capitalize()} whose label the models disagree with most "
            f"confidently: they may be mislabelled.** Many real data sets have a few mislabelled rows. This checks "
            f"all {n_rows:,} {what}, and each is judged by models that never saw it while learning.")


SPLITS = ("train", "test", "all")  # which rows the command line's --split checks


def checked_rows(corpus: Corpus, split: str | None = None) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Returns (texts, labels, row numbers) to check: by default every row of an own file, the training set otherwise.

    Out-of-fold probabilities never let a model see the row it judges, so all of a file's rows can be
    checked; rows are numbered as in the file (0 = first row under the header). Newsgroups posts are numbered
    within the training set, then (with "all") the test posts follow: ``row_part`` names each one's part.

    Args:
        split: "train", "test" or "all" to choose the rows (see SPLITS); None is the default above.
    """
    if split is None:
        split = "all" if corpus.file_rows is not None else "train"
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    parts = {"train": (corpus.train_texts, corpus.train_labels), "test": (corpus.test_texts, corpus.test_labels)}
    chosen = ["train", "test"] if split == "all" else [split]
    texts = [text for part in chosen for text in parts[part][0]]
    labels = np.concatenate([np.asarray(parts[part][1]) for part in chosen]).astype(np.int64)
    if corpus.file_rows is None:
        return texts, labels, np.arange(len(texts))
    rows = np.concatenate([corpus.file_rows[0 if part == "train" else 1] for part in chosen])
    order = np.argsort(rows, kind="stable")  # file order reads best
    return [texts[i] for i in order], labels[order], rows[order]


def issues_json(corpus: Corpus, issues: LabelIssues, texts: Sequence[str], split: str | None = None) -> list[dict]:
    """Returns one record per suspect of ``checked_rows(corpus, split)``: row, part, given, suggested, quality, text.

    "row" is the spreadsheet's row number for own files (header = 1, first data row = 2), else the post's
    0-based number within its part ("train" or "test").
    """
    names = issues.class_names
    train_rows = set(corpus.file_rows[0].tolist()) if corpus.file_rows is not None else set()
    n_train = len(corpus.train_texts)
    out = []
    for r, p, g, s, q in zip(issues.rows.tolist(), issues.positions, issues.given, issues.suggested, issues.quality):
        if corpus.file_rows is not None:
            part, row = ("train" if r in train_rows else "test"), int(sheet_row(r))
        elif split == "test":
            part, row = "test", r
        else:
            part, row = ("train", r) if r < n_train else ("test", r - n_train)
        out.append({"row": row, "part": part, "given": names[g], "suggested": names[s],
                    "quality": round(float(q), 6), "text": texts[p]})
    return out


def row_origin(corpus: Corpus, row: int) -> str:
    """Returns where a row of ``checked_rows`` comes from, e.g. "Row 27 of your file, a training row"."""
    if corpus.file_rows is None:
        return f"Training {nouns(corpus.description).text} #{row}"
    part = "a training row" if row in set(corpus.file_rows[0].tolist()) else "a test row"
    return f"Row {int(sheet_row(row))} of your file, {part}"


@dataclass(frozen=True)
class Checking:
    """Out-of-fold probabilities and the checking model that gave them."""

    probabilities: np.ndarray  # [n, classes] each row's from the fold that never saw it
    setting: str  # the model in words, e.g. "Linear SVM with medium regularisation (0.3) on single words"
    yardstick_accuracy: float | None  # the best setting's accuracy on the rows held back while choosing
    n_held: int  # how many rows were held back while choosing it


def decision_scores(model: object, x) -> np.ndarray:
    """Returns the model's decision scores [n, classes of the model] (two classes: [-d/2, d/2])."""
    scores = model.decision_function(x)
    return np.column_stack([-scores / 2, scores / 2]) if scores.ndim == 1 else scores


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """Returns the temperature T whose softmax(scores / T) best predicts `labels` (least log loss)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    def loss(log_t: float) -> float:
        return float(-np.mean(log_softmax(scores / np.exp(log_t), axis=1)[np.arange(len(labels)), labels]))

    return float(np.exp(minimize_scalar(loss, bounds=(-5.0, 5.0), method="bounded").x))


def out_of_fold_probabilities(texts: Sequence[str], labels: np.ndarray, n_classes: int, folds: int = FOLDS,
                              seed: int = SEED, progress: Callable[[float, str], None] | None = None) -> Checking:
    """Returns probabilities [n, classes] where each row's come from models that never saw that row.

    The checking model is the tuned yardstick (analysis/baselines.py): a linear SVM whose C, and words alone
    or with word pairs, are chosen on the first fold with the yardstick's grid, taking the simplest setting
    within one standard error of the best (on 20 newsgroups words at C=1, 1.6 s a fit, instead of pairs at
    C=3, 12 s a fit, for 0.1 points). Its scores become probabilities through one temperature fitted on that
    fold's held-back rows (a softmax keeps the SVM's ranking). Choosing two settings on labels that are later
    judged leaks next to nothing; choosing them again inside every fold would cost five searches, not one.
    """
    from scipy.special import softmax
    from sklearn.model_selection import StratifiedKFold

    from textclf.analysis.baselines import BASELINES, Counts, describe_baseline, plain_setting, tune

    labels = np.asarray(labels)
    counts = np.bincount(labels, minlength=n_classes)
    present = counts[counts > 0]
    if present.min() < 2:
        raise CannotCheck("Every class needs at least two examples to check the labels by cross-validation.")
    folds = int(min(folds, present.min()))
    say = progress or (lambda fraction, text: None)
    say(0.0, "Counting words and word pairs ...")
    words = Counts(texts)
    out = np.zeros((len(labels), n_classes), dtype=np.float64)
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(labels)), labels))
    say(0.05, f"Choosing the checking model's setting on fold 1 of {folds} ...")
    fit_idx, held_idx = splits[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes of the grid's weakest regularisation
        ngram, value, _, best = tune("linear_svc", words.validation_features(fit_idx, held_idx), labels[fit_idx],
                                     labels[held_idx], standard_errors=1.0)
    temperature = None
    for k, (fit_idx, held_idx) in enumerate(splits):
        say(0.7 + 0.3 * k / folds, f"Cross-validation: fold {k + 1} of {folds} ...")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = BASELINES["linear_svc"][3](value).fit(words.features(ngram, fit_idx, fit_idx),
                                                          labels[fit_idx])
        scores = decision_scores(model, words.features(ngram, held_idx, fit_idx))  # [held, model classes]
        if temperature is None:  # the first fold's held-back rows calibrate every fold
            temperature = fit_temperature(scores, np.searchsorted(model.classes_, labels[held_idx]))
        out[np.ix_(held_idx, model.classes_)] = softmax(scores / temperature, axis=1)
    say(1.0, "Done.")
    result = {"name": BASELINES["linear_svc"][0], "plain_setting": plain_setting("linear_svc", value, ngram)}
    return Checking(out, describe_baseline(result), best, len(splits[0][1]))


def find_label_issues(texts: Sequence[str], labels: np.ndarray, class_names: Sequence[str],
                      rows: np.ndarray | None = None,
                      progress: Callable[[float, str], None] | None = None, folds: int = FOLDS,
                      threshold: float | None = None) -> LabelIssues:
    """Returns the rows whose label is likely wrong, ranked by self-confidence (most suspicious first).

    Args:
        folds: cross-validation folds (at most the smallest class's size).
        threshold: instead of cleanlab's choice, every row whose given label gets a probability below this from
            the models that never saw it, and another class more (None: cleanlab decides).
    """
    started = time.perf_counter()  # before the imports: the first check's wait is mostly loading cleanlab
    from cleanlab.filter import find_label_issues as cleanlab_find

    labels = np.asarray(labels, dtype=np.int64)
    rows = np.arange(len(labels)) if rows is None else np.asarray(rows)
    checking = out_of_fold_probabilities(texts, labels, len(class_names), folds, progress=progress)
    probabilities = checking.probabilities
    how = {"checked_accuracy": float(np.mean(probabilities.argmax(axis=1) == labels)),
           "checking_model": checking.setting, "yardstick_accuracy": checking.yardstick_accuracy,
           "n_held": checking.n_held}
    if threshold is not None:
        given = probabilities[np.arange(len(labels)), labels]
        doubted = np.flatnonzero((given < threshold) & (probabilities.argmax(axis=1) != labels))
        ranked = doubted[np.argsort(given[doubted], kind="stable")]
        return LabelIssues(rows=rows[ranked], positions=ranked, given=labels[ranked],
                           suggested=probabilities[ranked].argmax(axis=1), quality=given[ranked],
                           class_names=tuple(class_names), n_rows=len(labels), seconds=time.perf_counter() - started,
                           **how)
    # cleanlab needs every class to appear among the labels; a class absent from the checked rows is dropped.
    present = np.flatnonzero(np.bincount(labels, minlength=len(class_names)))
    remap = np.full(len(class_names), -1)
    remap[present] = np.arange(len(present))
    sub = probabilities[:, present]
    sub = sub / np.maximum(sub.sum(axis=1, keepdims=True), 1e-12)
    # n_jobs=1: cleanlab would otherwise fork a process pool from the server; a forked copy of `streamlit run`
    # keeps its SIGTERM handler, so the pool's workers never exit and the page waits for them for ever.
    with _CLEANLAB, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ranked = cleanlab_find(remap[labels], sub, filter_by="both", return_indices_ranked_by="self_confidence",
                               n_jobs=1)
    ranked = np.asarray(ranked, dtype=np.int64)
    quality = probabilities[ranked, labels[ranked]] if len(ranked) else np.zeros(0)
    return LabelIssues(rows=rows[ranked], positions=ranked, given=labels[ranked],
                       suggested=probabilities[ranked].argmax(axis=1), quality=quality,
                       class_names=tuple(class_names), n_rows=len(labels), seconds=time.perf_counter() - started,
                       **how)


def corpus_label_issues(corpus: Corpus, progress: Callable[[float, str], None] | None = None) -> LabelIssues:
    """Returns the likely label errors among ``checked_rows(corpus)``."""
    texts, labels, rows = checked_rows(corpus)
    return find_label_issues(texts, labels, corpus.class_names, rows, progress)


def flip_labels(labels: np.ndarray, n_classes: int, share: float = 0.05, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Returns (labels with `share` of them changed to another class at random, the changed positions)."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels).copy()
    flipped = np.sort(rng.choice(len(labels), int(round(share * len(labels))), replace=False))
    labels[flipped] = (labels[flipped] + rng.integers(1, n_classes, len(flipped))) % n_classes
    return labels, flipped


def precision_recall(found: np.ndarray, flipped: np.ndarray) -> tuple[float, float]:
    """Returns (share of found rows that were flipped, share of flipped rows that were found)."""
    hits = len(set(found.tolist()) & set(flipped.tolist()))
    return hits / max(len(found), 1), hits / max(len(flipped), 1)
