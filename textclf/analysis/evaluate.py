"""Test-set metrics from scikit-learn: accuracy, macro F1, classification report, confusion matrix; the test
predictions row by row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

from textclf.data.corpus import Corpus, Nouns


@dataclass(frozen=True)
class Evaluation:
    """Metrics of one model on one labelled set."""

    accuracy: float
    macro_f1: float
    report: dict  # sklearn's classification_report(output_dict=True)
    report_text: str
    confusion: np.ndarray  # [true, predicted] counts
    class_names: tuple[str, ...]
    predictions: np.ndarray  # [n] predicted class indices

    def to_json(self) -> dict:
        """Returns the JSON-safe metrics (no per-post predictions)."""
        return {"accuracy": self.accuracy, "macro_f1": self.macro_f1, "report": self.report,
                "confusion_matrix": self.confusion.tolist(), "class_names": list(self.class_names)}


def evaluate_predictions(y_true: np.ndarray, y_pred: np.ndarray, class_names: tuple[str, ...]) -> Evaluation:
    """Returns the metrics of predictions `y_pred` against `y_true`."""
    labels = list(range(len(class_names)))
    kwargs = {"labels": labels, "target_names": list(class_names), "zero_division": 0}
    return Evaluation(
        accuracy=float(accuracy_score(y_true, y_pred)),
        macro_f1=float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        report=classification_report(y_true, y_pred, output_dict=True, **kwargs),
        report_text=classification_report(y_true, y_pred, digits=3, **kwargs),
        confusion=confusion_matrix(y_true, y_pred, labels=labels),
        class_names=tuple(class_names),
        predictions=np.asarray(y_pred),
    )


def confusion_cell(evaluation: Evaluation, y_true: np.ndarray, true_class: int, predicted_class: int) -> np.ndarray:
    """Returns the indices of the posts of class `true_class` predicted as `predicted_class`."""
    return np.flatnonzero((np.asarray(y_true) == true_class) & (evaluation.predictions == predicted_class))


def largest_mistake(confusion: np.ndarray) -> tuple[int, int]:
    """Returns (true, predicted) of the largest off-diagonal cell, or (0, 0) when there is no mistake."""
    off = np.array(confusion, dtype=float)
    np.fill_diagonal(off, -1)
    true_class, predicted = np.unravel_index(np.argmax(off), off.shape)
    return (int(true_class), int(predicted)) if off[true_class, predicted] > 0 else (0, 0)


def predictions_by_row(corpus: Corpus, probabilities: np.ndarray) -> pd.DataFrame:
    """Returns one row per test text: its row number, the text, its true and predicted class and the confidence.

    An own file's rows are numbered as a spreadsheet shows them (the header is row 1), the newsgroups' test
    posts from 0 in the test set's order. `probabilities` is [n_test, classes].
    """
    names = np.array(corpus.class_names, dtype=object)
    rows = corpus.sheet_rows()
    predicted = probabilities.argmax(axis=1)  # [n_test]
    return pd.DataFrame({
        "file row" if rows is not None else "test post": rows[1] if rows is not None else np.arange(len(predicted)),
        "text": list(corpus.test_texts), "true label": names[np.asarray(corpus.test_labels)],
        "predicted label": names[predicted], "confidence": np.round(probabilities.max(axis=1), 4)})


def macro_f1_label(w: Nouns) -> str:
    """Returns the headline name of macro F1 a newcomer can read, e.g. "Average topic score (macro F1)"."""
    return f"Average {w.cls} score (macro F1)"


def macro_f1_help(w: Nouns) -> str:
    """Returns what macro F1 means, in one or two plain sentences."""
    return (f"Macro F1: the average, over {w.classes}, of how well each {w.cls} is found (missed {w.texts} and "
            f"false alarms both count against it); 1 is perfect. Every {w.cls} counts equally, however many "
            f"{w.texts} it has.")
