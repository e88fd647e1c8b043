"""Classify new texts: class, probability, runner-up and the words that pushed most (exact occlusion), as a table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from textclf.learn.classifier import Classifier
from textclf.analysis.evaluate import Evaluation, evaluate_predictions
from textclf.limits import MAX_JSON_ROWS
from textclf.learn.model import ModelSpec, head
from textclf.data.own_files import BadTable, guess_columns, read_table

TOP_WORDS = 3
# Below this probability the model gives its first choice less than even odds: a person should look.
DEFAULT_THRESHOLD = 0.5
ENTRY_CHUNK = 32_768  # occluded copies computed per compiled call (fixed, so it compiles once per model)
ROW_BLOCK = 2048  # texts whose first-layer inputs one such call reads (a chunk never spans more)
ROW_CHUNK = 2048  # texts per compiled call for the plain probabilities
SAMPLE_SIZE = 20  # test texts in the Classify page's sample file (made when asked for, never stored)
SAMPLE_CHARS = 3000  # each sample text is cut here: a file to look at, not to study
NO_TEXT = "no text"
NO_KNOWN_WORDS = "no known words"


@dataclass(frozen=True)
class Predictions:
    """The model's answer for each text; rows without text have probabilities of 0 and no words."""

    probabilities: np.ndarray  # [n, classes]
    predicted: np.ndarray  # [n] class index
    runner_up: np.ndarray  # [n] class index of the second most likely class
    top_words: list[list[str]]  # up to TOP_WORDS words per text, the strongest first
    has_text: np.ndarray  # [n] bool: the cell held more than blanks
    known_words: np.ndarray  # [n] number of distinct vocabulary words in the text
    class_names: tuple[str, ...]

    @property
    def classified(self) -> np.ndarray:
        """Returns [n] bool: the row has a prediction (text with at least one word the model knows).

        The others get no class: the model could only repeat which class was most common in training.
        """
        return self.has_text & (self.known_words > 0)

    @property
    def confidence(self) -> np.ndarray:
        """Returns the probability of the predicted class [n]."""
        return self.probabilities[np.arange(len(self.predicted)), self.predicted]


@partial(jax.jit, static_argnames=("spec",))
def _probs(params: dict, h0: jax.Array, spec: ModelSpec) -> jax.Array:
    """Returns class probabilities [n, classes] from first-layer pre-activations h0 [n, hidden0]."""
    return jax.nn.softmax(head.apply(params["head"], None, h0, spec, False))


@partial(jax.jit, static_argnames=("spec",))
def _occluded_probs(params: dict, h0_block: jax.Array, rows: jax.Array, words: jax.Array, values: jax.Array,
                    inv_norm: jax.Array, target: jax.Array, spec: ModelSpec) -> jax.Array:
    """Returns the probability of class `target` [entries] for each text with one word taken out.

    h0_block [ROW_BLOCK, hidden0] holds the texts' unnormalised first-layer inputs and `rows` [entries] says
    whose text each entry is; an entry removes `values` x the word's weight row from it and rescales by
    `inv_norm` (the inverse length of what is left, 1 without tf-idf).
    """
    embed_rows = params["embed"].at[words].get(mode="fill", fill_value=0.0)  # [entries, hidden0]
    h0 = (h0_block[rows] - values[:, None] * embed_rows) * inv_norm[:, None]  # the copy per entry stays in XLA
    probs = jax.nn.softmax(head.apply(params["head"], None, h0, spec, False))
    return jnp.take_along_axis(probs, target[:, None], axis=1)[:, 0]


def _unnormalised(classifier: Classifier, texts: Sequence[str]):
    """Returns (CSR of feature values before any length normalisation, row lengths [n] or None)."""
    featurizer = classifier.featurizer
    counts = featurizer.counts(texts)  # [n, vocab] CSR
    if featurizer.config.scaling != "tfidf":
        return featurizer.scale(counts), None
    raw = counts.copy()
    raw.data = ((1.0 + np.log(raw.data)) * featurizer.idf[raw.indices]).astype(np.float32)  # sublinear tf x idf
    lengths = np.sqrt(np.asarray(raw.multiply(raw).sum(axis=1)).ravel()).astype(np.float32)  # [n]
    return raw, lengths


def _pad(array: np.ndarray, size: int, fill: float | int = 0) -> np.ndarray:
    out = np.full(size, fill, dtype=array.dtype)
    out[: len(array)] = array
    return out


def predict_texts(classifier: Classifier, texts: Sequence[str], top: int = TOP_WORDS,
                  progress: Callable[[float], None] | None = None) -> Predictions:
    """Returns each text's class probabilities and its `top` words by exact occlusion.

    A word's push is how much the predicted class's probability drops when every occurrence of that word
    is removed from the text (the model recomputed exactly, word by word, in batches). Only words that
    lower it when removed are listed.
    """
    texts = ["" if t is None else str(t) for t in texts]
    n = len(texts)
    spec = classifier.spec
    raw, lengths = _unnormalised(classifier, texts)  # [n, vocab]
    raw.sort_indices()
    embed = np.asarray(classifier.params["embed"])  # [vocab, hidden0]
    h0_raw = np.asarray(raw @ embed, dtype=np.float32)  # [n, hidden0]
    inv = np.ones(n, np.float32) if lengths is None else 1.0 / np.where(lengths > 0, lengths, 1.0)
    h0 = h0_raw * inv[:, None]  # [n, hidden0]
    probabilities = np.zeros((n, spec.n_classes), np.float32)
    for start in range(0, n, ROW_CHUNK):  # fixed shapes: one compilation per model
        stop = min(start + ROW_CHUNK, n)
        block = np.zeros((ROW_CHUNK, spec.embed_width), np.float32)
        block[: stop - start] = h0[start:stop]
        probabilities[start:stop] = np.asarray(_probs(classifier.params, block, spec))[: stop - start]
    order = np.argsort(-probabilities, axis=1, kind="stable")
    predicted, runner_up = order[:, 0], order[:, 1]
    n_entries = raw.nnz
    entry_rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(raw.indptr))  # [entries]
    drops = np.zeros(n_entries, np.float32)
    if n_entries:
        if lengths is None:
            left = np.ones(n_entries, np.float32)
        else:
            rest = lengths[entry_rows].astype(np.float64) ** 2 - raw.data.astype(np.float64) ** 2
            alone = np.diff(raw.indptr)[entry_rows] == 1  # removing the only word leaves an empty text
            left = np.where(alone | (rest <= 0), 0.0, 1.0 / np.sqrt(np.maximum(rest, 1e-30))).astype(np.float32)
        target = predicted[entry_rows].astype(np.int32)
        h0_block = np.zeros((ROW_BLOCK, spec.embed_width), np.float32)
        start = 0
        while start < n_entries:
            # Up to ENTRY_CHUNK entries of at most ROW_BLOCK texts (entries are grouped by text, in order).
            first_row = entry_rows[start]
            stop = min(start + ENTRY_CHUNK, n_entries, int(raw.indptr[min(first_row + ROW_BLOCK, n)]))
            part = slice(start, stop)
            block_rows = min(ROW_BLOCK, n - first_row)
            h0_block[:block_rows] = h0_raw[first_row:first_row + block_rows]
            p = _occluded_probs(classifier.params, h0_block, _pad(entry_rows[part] - first_row, ENTRY_CHUNK),
                                _pad(raw.indices[part].astype(np.int32), ENTRY_CHUNK, spec.vocab_size),
                                _pad(raw.data[part], ENTRY_CHUNK), _pad(left[part], ENTRY_CHUNK),
                                _pad(target[part], ENTRY_CHUNK), spec)
            drops[part] = probabilities[entry_rows[part], target[part]] - np.asarray(p)[: stop - start]
            if progress is not None:
                progress(stop / n_entries)
            start = stop
    # Strongest push first within each row: sort by row, then by drop descending. Only words whose removal
    # lowers the probability can be listed, so only those are sorted (about half the entries).
    pushing = np.flatnonzero(drops > 0)
    ranked = pushing[np.lexsort((-drops[pushing], entry_rows[pushing]))]
    vocabulary = classifier.featurizer.vocabulary
    sorted_rows = entry_rows[ranked]
    per_row = np.bincount(sorted_rows, minlength=n)
    rank = np.arange(len(ranked)) - (np.cumsum(per_row) - per_row)[sorted_rows]  # 0: the row's strongest word
    kept = ranked[rank < top]
    top_words: list[list[str]] = [[] for _ in range(n)]
    for e in kept:  # at most `top` per row, strongest first
        top_words[entry_rows[e]].append(vocabulary[raw.indices[e]])
    has_text = np.array([bool(t.strip()) for t in texts], dtype=bool)
    probabilities[~has_text] = 0.0
    return Predictions(probabilities, predicted, runner_up, top_words, has_text, np.diff(raw.indptr),
                       tuple(classifier.class_names))


def _free_name(name: str, taken: set[str]) -> str:
    while name in taken:
        name += " (model)"
    return name


def prediction_table(table: pd.DataFrame, predictions: Predictions, threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Returns the file's own columns followed by the model's columns, one row per file row, in file order.

    A row is "unsure" when the predicted class's probability is below `threshold`; rows without text
    keep their place and are marked "no text", rows without any word the model knows "no known words":
    neither gets a class, since the model could only repeat which class was most common in training.
    """
    names = np.array(predictions.class_names, dtype=object)
    taken = set(map(str, table.columns))
    cols = {key: _free_name(label, taken) for key, label in (
        ("predicted", "predicted class"), ("probability", "probability"), ("runner_up", "runner-up class"),
        ("words", "top words"), ("status", "status"))}
    out = table.reset_index(drop=True).copy()
    confidence = predictions.confidence
    has = predictions.classified
    out[cols["predicted"]] = np.where(has, names[predictions.predicted], "")
    out[cols["probability"]] = np.where(has, np.round(confidence, 4), np.nan)
    out[cols["runner_up"]] = np.where(has, names[predictions.runner_up], "")
    out[cols["words"]] = [", ".join(w) for w in predictions.top_words]
    status = np.where(confidence < threshold, "unsure", "sure").astype(object)
    status[predictions.known_words == 0] = NO_KNOWN_WORDS
    status[~predictions.has_text] = NO_TEXT
    out[cols["status"]] = status
    return out


def shown_columns(result: pd.DataFrame, n_file_columns: int, text_column: str) -> list[str]:
    """Returns the columns of `prediction_table`'s result in the order a page shows them.

    The model's verdict first (status, class, probability), then the text, so that a narrow screen never cuts
    them off; the runner-up, the top words and the file's other columns follow.
    """
    predicted, probability, runner_up, words, status = result.columns[n_file_columns:]
    rest = [c for c in result.columns[:n_file_columns] if c != text_column]
    return [status, predicted, probability, text_column, runner_up, words, *rest]


@dataclass(frozen=True)
class LabelCheck:
    """How the predictions compare with a label column of the file."""

    evaluation: Evaluation | None  # on the rows that have both a known label and a prediction (None when none do)
    n_compared: int
    n_unknown: int  # rows whose label is not one of the model's classes
    unknown_labels: tuple[str, ...]  # a few of those labels, most frequent first
    n_no_text: int  # rows with a known label but no text
    n_no_known_words: int = 0  # rows with a known label and text, but no word the model knows: no prediction
    n_no_label: int = 0  # rows whose label cell is blank
    n_rows: int = 0

    def note(self) -> str:
        """Returns one sentence: how many rows were compared, and which were left out and why."""
        parts = []
        if self.n_no_label:
            parts.append(f"{self.n_no_label:,} without a label")
        if self.n_unknown:
            shown = ", ".join(f'"{u}"' for u in self.unknown_labels)
            parts.append(f"{self.n_unknown:,} whose label the model never learned ({shown})")
        if self.n_no_text:
            parts.append(f"{self.n_no_text:,} without text")
        if self.n_no_known_words:
            parts.append(f"{self.n_no_known_words:,} without any word the model knows, so without a prediction")
        if not parts:
            return f"Compared all {self.n_compared:,} rows."
        return f"Compared {self.n_compared:,} of {self.n_rows:,} rows; left out: " + "; ".join(parts) + "."


def check_labels(labels: Sequence[str], predictions: Predictions) -> LabelCheck:
    """Returns accuracy and confusion matrix on the rows that have a class of the model as label and a prediction.

    Rows without text or without any word the model knows have no prediction (see `prediction_table`), so
    they are left out and counted, never scored as the class the model would fall back on.
    """
    given = pd.Series(list(labels), dtype=object).fillna("").astype(str).str.strip()
    names = predictions.class_names
    known = given.isin(names).to_numpy()
    blank = (given == "").to_numpy()
    usable = known & predictions.classified
    unknown = given[~known & ~blank]
    evaluation = None
    if usable.any():
        index = {name: i for i, name in enumerate(names)}
        y_true = np.array([index[g] for g in given[usable]], dtype=np.int64)
        evaluation = evaluate_predictions(y_true, predictions.predicted[usable], names)
    return LabelCheck(evaluation, int(usable.sum()), int(len(unknown)), tuple(unknown.value_counts().index[:3]),
                      int((known & ~predictions.has_text).sum()),
                      int((known & predictions.has_text & ~predictions.classified).sum()),
                      int(blank.sum()), len(given))


def sample_table(texts: Sequence[str], labels: Sequence[int], n: int = SAMPLE_SIZE,
                 max_chars: int = SAMPLE_CHARS) -> pd.DataFrame:
    """Returns up to `n` of `texts` as a one-column table ("text"), taking each class in turn, in order.

    Every class shows up once `n` reaches their number; texts that are blank are left out.
    """
    labels = np.asarray(labels)
    queues = [[i for i in np.flatnonzero(labels == c) if str(texts[i]).strip()] for c in np.unique(labels)]
    picked: list[int] = []
    for rank in range(max((len(q) for q in queues), default=0)):
        picked += [q[rank] for q in queues if rank < len(q)][:n - len(picked)]
        if len(picked) == n:
            break
    return pd.DataFrame({"text": [str(texts[i]).strip()[:max_chars] for i in picked]})


def read_new_texts(data: bytes, filename: str = "") -> pd.DataFrame:
    """Returns a CSV/TSV file of texts to classify (a single column is fine), or raises BadTable."""
    return read_table(data, filename, min_columns=1)


def guess_text_column(table: pd.DataFrame) -> str:
    """Returns the column most likely to hold the texts."""
    return str(table.columns[0]) if table.shape[1] == 1 else guess_columns(table)[0]


def check_text_column(table: pd.DataFrame, column: str) -> None:
    """Raises BadTable in one sentence when the text column is missing or holds no text at all."""
    if column not in table.columns:
        names = ", ".join(f'"{c}"' for c in table.columns)
        raise BadTable(f'There is no column called "{column}" for the texts; the columns are {names}.')
    if not (table[column].astype(str).str.strip() != "").any():
        raise BadTable(f'The column "{column}" has no text in any row; choose the column that holds the texts.')


def predictions_json(predictions: Predictions, max_rows: int = MAX_JSON_ROWS, first_row: int | None = 0) -> dict:
    """Returns {"n_rows", "predictions": [...] (at most `max_rows`), "truncated"} for the command line.

    Args:
        first_row: the number of the first text's row (``FIRST_DATA_ROW`` for a file, as a spreadsheet shows
            it); None gives every row the number None (one text given on its own).
    """
    names = predictions.class_names
    listed = []
    for i in range(min(len(predictions.predicted), max_rows)):
        has = bool(predictions.classified[i])
        listed.append({"row": None if first_row is None else first_row + i,
                       "predicted": names[predictions.predicted[i]] if has else None,
                       "probability": round(float(predictions.confidence[i]), 6) if has else None,
                       "runner_up": names[predictions.runner_up[i]] if has else None,
                       "top_words": predictions.top_words[i]})
    n = len(predictions.predicted)
    return {"n_rows": n, "predictions": listed, "truncated": n > max_rows}
