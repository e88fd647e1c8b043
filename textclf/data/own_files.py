"""Your own data: a CSV or TSV file of texts and labels read, checked and split into a Corpus."""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from textclf.data.corpus import Corpus, content_fingerprint
from textclf.limits import MAX_CLASSES, MAX_NAME_CHARS

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
DELIMITERS = ",\t;|"
# What a split column may say (case and spaces ignored), and the part each value puts its row in. Validation
# rows train too, but the number of epochs (and early stopping) is chosen on them.
SPLIT_VALUES = {"train": "train", "training": "train", "test": "test", "tests": "test", "testing": "test",
                "validation": "validation", "valid": "validation", "validate": "validation", "val": "validation",
                "dev": "validation", "development": "validation"}
TEXT_NAMES = ("text", "body", "message", "content", "description", "ticket")
LABEL_NAMES = ("label", "class", "category", "target", "team", "topic", "y")
SPLIT_NAMES = ("split", "set", "subset", "fold")
ID_NAMES = ("id", "row_id", "ticket_id", "ticket", "ticket_no", "ticket_number", "identifier", "key", "uid",
            "record_id", "reference", "ref", "no", "number")  # shown beside file rows
MAX_ID_CHARS = 40  # a column unique per row counts as the file's IDs when its values are at most this long
SNIFF_CHARS = 32 * 1024
_DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


class BadTable(ValueError):
    """The file or the chosen columns cannot become a corpus; the message is one plain sentence."""


class TooFewExamples(BadTable):
    """Some classes have too few rows; ``small`` is {class name: rows}, and their rows can be left out."""

    def __init__(self, message: str, small: dict[str, int]) -> None:
        super().__init__(message)
        self.small = small

    @property
    def rows(self) -> int:
        """Returns the number of rows in the classes that are too small."""
        return sum(self.small.values())


@dataclass(frozen=True)
class TableReport:
    """What happened to the rows of a table on their way into a Corpus."""

    rows_read: int
    rows_dropped_empty: int
    rows_dropped_split: int
    n_classes: int
    class_counts: dict[str, tuple[int, int]]  # {class name: (train count, test count)}, validation rows in train
    split_column: str | None = None
    classes_dropped: dict[str, int] = field(default_factory=dict)  # {class too small, left out: its rows}
    test_file: str | None = None  # the name of a separate file of test rows
    n_validation: int = 0  # rows the split column marks for validation (counted among the training rows)
    split_note: str | None = None  # why a column named like a split was not used to split (unused_split_column)
    split_odd: tuple[str, ...] = ()  # the split column's values that dropped rows, as written ("" for blank)

    @property
    def rows_used(self) -> int:
        """Returns the number of rows in train and test together."""
        return sum(train + test for train, test in self.class_counts.values())

    def summary(self) -> str:
        """Returns one plain sentence on the rows used and dropped."""
        n_train = sum(train for train, _ in self.class_counts.values())
        n_test = sum(test for _, test in self.class_counts.values())
        how = f', split by the column "{self.split_column}"' if self.split_column else ""
        if self.test_file:
            how = f" from {self.test_file}" + how
        val = f", {self.n_validation:,} of them for validation" if self.n_validation else ""
        text = (f"Using {self.rows_used:,} rows in {self.n_classes} classes "
                f"({n_train:,} for training{val}, {n_test:,} for testing{how})")
        dropped = []
        if self.rows_dropped_empty:
            dropped.append(f"{_rows(self.rows_dropped_empty)} with empty text or label")
        if self.rows_dropped_split:
            dropped.append(f"{_rows(self.rows_dropped_split)} marked neither train, validation nor test"
                           + (f" ({_odd_values(self.split_odd)})" if self.split_odd else ""))
        if self.classes_dropped:
            names = ", ".join(f'"{name}"' for name in self.classes_dropped)
            dropped.append(f"{_rows(sum(self.classes_dropped.values()))} of classes too small to use ({names})")
        text += ("; dropped " + " and ".join(dropped) if dropped else "") + "."
        return f"{text} {self.split_note}" if self.split_note else text


def _odd_values(values: tuple[str, ...], shown: int = 4) -> str:
    """Returns split values no part is known for, quoted, at most `shown` of them, e.g. '"holdout", blank'."""
    named = [f'"{v[:30]}"' for v in values if v]
    listed = named[:shown] + (["..."] if len(named) > shown else []) + (["blank"] if "" in values else [])
    return ", ".join(listed)


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _size(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.3g} MB"
    if n_bytes >= 1024:
        return f"{n_bytes / 1024:.3g} KB"
    return f"{n_bytes} bytes"


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # maps every byte, so this never fails


def _looks_binary(data: bytes, text: str) -> bool:
    if b"\x00" in data[:SNIFF_CHARS] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = text[:SNIFF_CHARS]
    odd = sum(1 for ch in sample if not ch.isprintable() and ch not in "\t\n\r")
    return odd > 0.1 * len(sample)


def _sniff_delimiter(text: str, filename: str) -> str | None:
    header = text.lstrip("\r\n").split("\n", 1)[0]
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[:sample.rindex("\n")]
    try:
        # Only the delimiter is taken: the sniffer mistakes apostrophes in free text for quote characters.
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed and sniffed in header:
        return sniffed
    # Column names rarely hold delimiters, so the header line settles what the sniffer could not.
    counts = {d: header.count(d) for d in DELIMITERS if header.count(d)}
    if not counts:
        return None
    if "\t" in counts and filename.lower().endswith((".tsv", ".tab")):
        return "\t"
    return max(counts, key=counts.get)


def _parser_message(err: Exception) -> str:
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
    if found:
        expected, line, saw = found.groups()
        return (f"Line {line} of the file has {saw} fields where the header has {expected}; put text that "
                f"contains the delimiter in double quotes.")
    unclosed = re.search(r"EOF inside string starting at row (\d+)", str(err))
    if unclosed:  # pandas counts these rows from 0, the header included
        return (f"A double quote opened on line {int(unclosed.group(1)) + 1} of the file is never closed; "
                f"close it or remove it.")
    if isinstance(err, pd.errors.ParserWarning):
        return ("Some rows have more fields than the header row; put text that contains the delimiter in "
                "double quotes.")
    return "The file could not be read as a table; save it as CSV (comma-separated) or TSV and try again."


def read_table(data: bytes, filename: str = "", min_columns: int = 2) -> pd.DataFrame:
    """Returns the CSV or TSV file in ``data`` as a DataFrame of strings, or raises BadTable.

    Args:
        data: the file's bytes (UTF-8 with or without BOM, or Latin-1/cp1252).
        filename: only used to break a tie between delimiters (".tsv" prefers tabs).
        min_columns: 1 accepts a file of texts alone (a header line without any delimiter is one column).
    """
    if len(data) > MAX_BYTES:
        raise BadTable(f"The file is {_size(len(data))}, more than the limit of {_size(MAX_BYTES)}.")
    text = _decode(data)
    if not text.strip():
        raise BadTable("The file is empty.")
    if _looks_binary(data, text):
        raise BadTable("The file is not text (it may be a spreadsheet, an image or an archive); "
                       "save it as CSV or TSV first.")
    delimiter = _sniff_delimiter(text, filename)
    if delimiter is None and min_columns == 1:
        delimiter = "\x1f"  # the unit separator never occurs in text: each line is one field
    if delimiter is None:
        raise BadTable("The file needs a header row naming at least two columns (for example text and label), "
                       "separated by commas, tabs, semicolons or pipes.")
    try:
        with warnings.catch_warnings():
            # pandas only warns when it would silently drop the extra fields of a row
            warnings.simplefilter("error", pd.errors.ParserWarning)
            # index_col=False: a first row with one field too many must not turn column 1 into an index.
            # One row past the limit is enough to know it is exceeded.
            df = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, quotechar='"',
                             doublequote=True, skip_blank_lines=True, index_col=False, engine="c",
                             nrows=MAX_ROWS + 1)
    except (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError, csv.Error,
            ValueError) as err:
        raise BadTable(_parser_message(err)) from err
    if len(df) > MAX_ROWS:
        raise BadTable(f"The file has more than {MAX_ROWS:,} rows, the most this dashboard trains on; "
                       f"use a sample of it.")
    if df.shape[1] < min_columns:
        raise BadTable("The file needs a header row naming at least two columns (for example text and label), "
                       "separated by commas, tabs, semicolons or pipes.")
    if len(df) == 0:
        raise BadTable("The file has a header row but no rows of data.")
    df.columns = [str(c).strip() for c in df.columns]
    # pandas renames a repeated name ("label" again becomes "label.1"), so the header row itself is checked.
    names = [n for n in _header(text, delimiter) if n]
    twice = [n for i, n in enumerate(names) if n in names[:i]] + list(df.columns[df.columns.duplicated()])
    if twice:
        raise BadTable(f'The column name "{twice[0]}" appears twice; give each column its own name.')
    df = df.fillna("")  # short rows are padded with NaN even with keep_default_na=False
    for column in df.columns:
        # A column name that is also one of its own values means the first row was data, not names.
        if column and not column.startswith("Unnamed: ") and (df[column].str.strip() == column).any():
            raise BadTable(f'"{column}" is both a column name and a value in that column, so the file seems '
                           f"to have no header row; add a first row naming the columns, such as text and label.")
    return df


def _header(text: str, delimiter: str) -> list[str]:
    """Returns the names in the first non-blank line of the file as written (stripped), before pandas renames any."""
    for row in csv.reader(io.StringIO(text[:SNIFF_CHARS * 4]), delimiter=delimiter, quotechar='"', doublequote=True):
        if any(field.strip() for field in row):
            return [field.strip() for field in row]
    return []


def _norm(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def _mean_length(df: pd.DataFrame, column: str) -> float:
    return float(df[column].astype(str).str.len().mean()) if len(df) else 0.0


def _guess_text(df: pd.DataFrame, exclude: tuple[str, ...] = ()) -> str:
    candidates = [c for c in df.columns if c not in exclude]
    named = [c for c in candidates if _norm(c) in TEXT_NAMES]
    filled = [c for c in named if _mean_length(df, c) > 0]
    # No named column holds text: the longest column not named like labels or a split. An empty column named
    # "text" is still the text column (and refused as empty): taking the labels for texts swapped the two.
    others = [c for c in candidates if _norm(c) not in LABEL_NAMES + SPLIT_NAMES and _mean_length(df, c) > 0]
    return max(filled or others or named or candidates, key=lambda c: _mean_length(df, c))


def _guess_label(df: pd.DataFrame, text_column: str) -> str:
    candidates = [c for c in df.columns if c != text_column]
    for name in LABEL_NAMES:
        named = [c for c in candidates if _norm(c) == name]
        if named:
            return named[0]
    distinct = {c: df[c].astype(str).str.strip().replace("", np.nan).nunique() for c in candidates}
    usable = [c for c in candidates if distinct[c] > 1]
    return min(usable, key=lambda c: distinct[c]) if usable else candidates[0]


def _guess_split(df: pd.DataFrame, exclude: tuple[str, ...]) -> str | None:
    for column in df.columns:
        if column in exclude or _norm(column) not in SPLIT_NAMES:
            continue
        values = set(df[column].astype(str).str.strip().str.lower()) - {""}
        if values <= set(SPLIT_VALUES) and {"train", "test"} <= {SPLIT_VALUES[v] for v in values}:
            return column
    return None


def unused_split_column(df: pd.DataFrame, used: tuple[str, ...]) -> str | None:
    """Returns one sentence on a column named like a split (split/set/subset/fold) that is not used to split the
    rows because its values are not train/validation/test, or None: a random split must not go unsaid."""
    for column in df.columns:
        if column in used or _norm(column) not in SPLIT_NAMES:
            continue
        values = sorted(set(df[column].astype(str).str.strip().str.lower()) - {""})
        odd = [v for v in values if v not in SPLIT_VALUES]
        shown = ", ".join(f'"{v[:30]}"' for v in (odd or values)[:4]) + (" ..." if len(odd or values) > 4 else "")
        why = f"it also holds {shown}" if odd else f"it holds only {shown}, not both train and test"
        return (f'The column "{column}" was not used to split the rows ({why}); a share of each class is held '
                f"out for testing at random instead. Mark rows train, validation or test to use it.")
    return None


def guess_columns(df: pd.DataFrame) -> tuple[str, str, str | None]:
    """Returns the likely (text column, label column, split column or None) of a table.

    Text: among columns named like text/body/message/content/description/ticket (or all columns if
    none is), the one with the longest average value. Label: the first column named
    label/class/category/target/team/topic/y, else the column with the fewest distinct values above
    one. Split: a column named split/set/subset/fold whose values are "train" and "test", and perhaps
    "validation" (or "valid", "val", "dev"), case and surrounding spaces ignored, empty cells allowed; other
    spellings are not guessed.
    """
    if df.shape[1] < 2:
        raise BadTable("The table needs at least two columns: one of texts and one of labels.")
    text_column = _guess_text(df)
    label_column = _guess_label(df, text_column)
    return text_column, label_column, _guess_split(df, (text_column, label_column))


def _check_column(df: pd.DataFrame, column: str, role: str) -> None:
    if column not in df.columns:
        names = ", ".join(f'"{c}"' for c in df.columns)
        raise BadTable(f'There is no column called "{column}" for the {role}; the columns are {names}.')


def _min_per_class(test_share: float) -> int:
    # Stratified splitting floors each class's share, so n * share >= 1 guarantees a test example.
    return max(2, math.ceil(1 / test_share - 1e-9), math.ceil(1 / (1 - test_share) - 1e-9))


def _squash(label: str) -> str:
    return "".join(label.casefold().split())


def lookalike(label: str, others: list[str]) -> str | None:
    """Returns the first of `others` (likeliest first) that `label` is a variant of, by case, spaces or spelling."""
    others = [o for o in others if o != label]
    same = [o for o in others if _squash(o) == _squash(label)]
    if same:
        return same[0]
    squashed = {}
    for other in others:
        squashed.setdefault(_squash(other), other)
    close = difflib.get_close_matches(_squash(label), list(squashed), n=1, cutoff=0.8)
    return squashed[close[0]] if close else None


MAX_LISTED = 10  # small classes named in one message; the rest are counted


def _too_few(counts: dict[str, int], need: int, why: str) -> TooFewExamples:
    """Returns the error naming every class under `need` rows, each with its count and the label it looks like."""
    small = {name: n for name, n in counts.items() if n < need}
    big_first = sorted(counts, key=lambda name: (counts[name] < need, -counts[name]))
    parts = []
    for name in list(small)[:MAX_LISTED]:
        like = lookalike(name, big_first)
        parts.append(f'"{name}" has only {_examples(small[name])}' + (f' (it looks like "{like}")' if like else ""))
    if len(small) > MAX_LISTED:
        parts.append(f"{len(small) - MAX_LISTED} more classes have fewer than {need}")
    head = "The class " if len(small) == 1 else f"{len(small)} classes are too small: "
    one = len(small) == 1
    message = (f"{head}{', '.join(parts)}; each class needs at least {need}{why}. Correct "
               f"{'this label' if one else 'these labels'} in the file, or remove {'its' if one else 'their'} rows.")
    return TooFewExamples(message, small)


def corpus_from_table(df: pd.DataFrame, text_column: str, label_column: str, split_column: str | None = None,
                      test_share: float = 0.2, seed: int = 42, name: str = "your data",
                      drop_small: bool = False, max_classes: int = MAX_CLASSES) -> tuple[Corpus, TableReport]:
    """Returns the table's rows as a Corpus (labels index the sorted label values) and what was dropped.

    Args:
        split_column: a column of "train"/"validation"/"test" values to split by (``SPLIT_VALUES``); rows with
            other values are dropped. Validation rows join the training texts and become ``Corpus.validation``.
            Without it, a stratified split holds out ``test_share`` of each class.
        test_share: the share of rows held out for testing, strictly between 0.05 and 0.5.
        drop_small: leave out the rows of classes with too few examples instead of raising TooFewExamples.
        max_classes: the most classes accepted: the app's charts show at most ``MAX_CLASSES``; the command line,
            which draws none, passes ``limits.MAX_MODEL_CLASSES``.
    """
    _check_column(df, text_column, "texts")
    _check_column(df, label_column, "labels")
    if split_column is not None:
        _check_column(df, split_column, "train/test split")
    if text_column == label_column:
        raise BadTable("The text column and the label column must be two different columns.")
    if split_column is None and not 0.05 < test_share < 0.5:
        raise BadTable(f"The test share must be between 5% and 50% (exclusive), not {test_share:.0%}.")
    for column in (text_column, label_column, split_column):
        if column is not None and len(column) > MAX_NAME_CHARS:
            raise BadTable(f"A chosen column's name is {len(column):,} characters long (it starts "
                           f'"{column[:40]}"); names may have at most {MAX_NAME_CHARS} characters.')
    texts = df[text_column].astype(str)
    if not (texts.str.strip() != "").any():
        raise BadTable(f'The column "{text_column}" has no text in any row; choose the column that holds the texts.')
    # "café" typed as one character or as "e" and an accent is one class, shown the same everywhere.
    labels = df[label_column].astype(str).str.strip().map(lambda label: unicodedata.normalize("NFC", label))
    keep = (texts.str.strip() != "") & (labels != "")
    rows_dropped_empty = int((~keep).sum())
    rows_dropped_split, split_odd = 0, ()
    if split_column is not None:
        split = df[split_column].astype(str).str.strip().str.lower().map(SPLIT_VALUES).fillna("")
        marked = split != ""
        rows_dropped_split = int((keep & ~marked).sum())
        # named in the summary: a typo ("tset") or a blank must not silently cost rows
        odd = sorted(set(df[split_column].astype(str).str.strip()[keep & ~marked]))
        # five at most: the summary shows four, then "..."
        split_odd = (("",) if "" in odd else ()) + tuple(v for v in odd if v)[:5]
        keep &= marked
    need = 2 if split_column is not None else _min_per_class(test_share)
    why = ("" if split_column is not None
           else f" so that training and testing each get one at a {test_share:.0%} test share")
    counts = labels[keep].value_counts()
    classes_dropped = {str(c): int(n) for c, n in sorted(counts.items()) if n < need} if drop_small else {}
    keep &= ~labels.isin(list(classes_dropped))
    file_rows = np.flatnonzero(keep.to_numpy())  # [n_rows] the data row of each kept text
    texts, labels = texts[keep].tolist(), labels[keep].to_numpy(dtype=str)
    class_names = tuple(sorted(set(labels.tolist())))
    if long := [c for c in class_names if len(c) > MAX_NAME_CHARS]:
        raise BadTable(f'A label in the column "{label_column}" is {len(long[0]):,} characters long (it starts '
                       f'"{long[0][:40]}"); class names may have at most {MAX_NAME_CHARS} characters. Is this the '
                       f"column of texts? Choose the column naming each text's class, or shorten the labels.")
    if len(class_names) < 2:
        found = f'only one class ("{class_names[0]}")' if class_names else "no usable rows"
        reasons = [why for why, happened in (("rows with empty text or label", rows_dropped_empty or rows_dropped_split),
                                             ("rows of classes too small to use", classes_dropped)) if happened]
        after = f" after dropping {' and '.join(reasons)}" if reasons else ""
        raise BadTable(f'The column "{label_column}" has {found}{after}; a classifier needs at least two classes.')
    if len(class_names) > max_classes:
        why = (f"charts can show at most {max_classes} classes" if max_classes <= MAX_CLASSES
               else f"a model can have at most {max_classes} classes")
        raise BadTable(f'The column "{label_column}" has {len(class_names):,} different labels, but {why}; '
                       f"choose a column with fewer labels.")
    y = np.searchsorted(np.array(class_names), labels).astype(np.int32)  # [n_rows]
    counts = np.bincount(y, minlength=len(class_names))
    if counts.min() < need:
        raise _too_few(dict(zip(class_names, counts.tolist())), need, why)
    index = np.arange(len(y))
    validation = None
    if split_column is not None:
        parts = split[keep].to_numpy()  # [n_rows] "train", "validation" or "test"
        in_test = parts == "test"
        train_idx, test_idx = index[~in_test], index[in_test]
        if (parts == "validation").any():  # [n_val] positions among the training texts
            validation = np.flatnonzero(parts[train_idx] == "validation")
        for part, rows in (("train", train_idx), ("test", test_idx)):
            if not len(rows):
                raise BadTable(f'No usable rows are marked "{part}" in the column "{split_column}"; mark some '
                               f'rows "{part}" or leave the split column out.')
        missing = [class_names[c] for c in range(len(class_names))
                   if c not in set(y[index[parts == "train"]].tolist())]
        if missing:
            raise BadTable(f'The class "{missing[0]}" has no rows marked "train" in the column '
                           f'"{split_column}", so the model could not learn it.')
    else:
        from sklearn.model_selection import train_test_split

        try:
            train_idx, test_idx = train_test_split(index, test_size=test_share, random_state=seed, stratify=y)
        except ValueError as err:
            raise BadTable("The rows could not be split into training and test sets; add examples to the "
                           "smallest classes.") from err
    train_texts, test_texts = [texts[i] for i in train_idx], [texts[i] for i in test_idx]
    corpus = Corpus(
        train_texts=train_texts, train_labels=y[train_idx], test_texts=test_texts, test_labels=y[test_idx],
        class_names=class_names,
        description={"source": "csv", "name": name, "text_column": text_column, "label_column": label_column,
                     # computed once here, so caches keyed by the data never rehash every text
                     "fingerprint": content_fingerprint(train_texts, y[train_idx], test_texts, y[test_idx],
                                                        class_names, validation),
                     "split_column": split_column,
                     # with a split column this is the share the column gives, not the argument
                     "test_share": test_share if split_column is None else round(len(test_idx) / len(y), 4),
                     "rows_dropped": rows_dropped_empty + rows_dropped_split + sum(classes_dropped.values()),
                     "rows_used": len(y)},
        file_rows=(file_rows[train_idx], file_rows[test_idx]),
        file_ids=_file_ids(df, (text_column, label_column, split_column)),
        validation=validation,
    )
    counts_by_part = corpus.class_counts()
    for class_name, (n_train, n_test) in counts_by_part.items():
        # The minimum above suffices for scikit-learn's allocation today; this guards a change in it.
        if split_column is None and not (n_train and n_test):
            raise BadTable(f'The class "{class_name}" has too few examples to appear in both training and testing.')
    report = TableReport(rows_read=len(df), rows_dropped_empty=rows_dropped_empty,
                         rows_dropped_split=rows_dropped_split, n_classes=len(class_names),
                         class_counts=counts_by_part, split_column=split_column, classes_dropped=classes_dropped,
                         n_validation=0 if validation is None else len(validation), split_odd=split_odd)
    return corpus, report


def _file_ids(df: pd.DataFrame, used: tuple[str | None, ...]) -> tuple[str, np.ndarray] | None:
    """Returns (the name, every row's value) of the file's own ID column, or None.

    The ID column is one named id, ID, ticket, row id, ... (case, spaces and "-" ignored), else the first
    column whose values are short, filled in and different on every row (a reference number the file gives).
    """
    free = [c for c in df.columns if c not in used and len(c) <= MAX_NAME_CHARS]
    named = [c for c in free if _norm(c).replace("-", "_").replace("#", "no") in ID_NAMES]
    for column in named + [c for c in free if c not in named]:
        values = df[column].astype(str).str.strip()
        if column in named or (len(df) > 1 and values.ne("").all() and values.is_unique
                               and values.str.len().max() <= MAX_ID_CHARS):
            return column, values.to_numpy(dtype=object)
    return None


def _examples(n: int) -> str:
    return f"{n} example" + ("" if n == 1 else "s")


def _read_file(path: Path, min_columns: int = 2) -> pd.DataFrame:
    """Returns the table in the file at `path`, or raises BadTable saying why it cannot be read."""
    if not path.is_file():
        raise BadTable(f"There is no file at {path}.")
    if path.stat().st_size > MAX_BYTES:  # refuse before reading a huge file into memory
        raise BadTable(f"The file is {_size(path.stat().st_size)}, more than the limit of {_size(MAX_BYTES)}.")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise BadTable(f"The file {path} could not be read ({err.strerror or err}).") from err
    return read_table(data, path.name, min_columns)


def _guess_missing(df: pd.DataFrame, text_column: str | None, label_column: str | None,
                   split_column: str | None) -> tuple[str, str, str | None]:
    """Returns the (text, label, split or None) columns of `df`, guessing those not given."""
    if text_column is None:
        text_column = _guess_text(df, (label_column,) if label_column else ())
    if label_column is None:
        label_column = _guess_label(df, text_column)
    if split_column is None:
        split_column = _guess_split(df, (text_column, label_column))
    return text_column, label_column, split_column


def load_csv(path: str | os.PathLike, text_column: str | None = None, label_column: str | None = None,
             split_column: str | None = None, test_share: float = 0.2, seed: int = 42,
             max_classes: int = MAX_CLASSES) -> tuple[Corpus, TableReport]:
    """Returns the corpus and report of a CSV/TSV file, guessing the columns not given.

    A split column is guessed too when none is given (see ``guess_columns``); the report says which.
    """
    path = Path(path)
    df = _read_file(path)
    text_column, label_column, split_column = _guess_missing(df, text_column, label_column, split_column)
    corpus, report = corpus_from_table(df, text_column, label_column, split_column, test_share, seed, name=path.name,
                                       max_classes=max_classes)
    if split_column is None and (note := unused_split_column(df, (text_column, label_column))):
        report = replace(report, split_note=note)
    return corpus, report


_WHICH_FILE = "(training or test file)"  # the split column of the two files put together


def _labels_with_text(df: pd.DataFrame, text_column: str, label_column: str) -> set[str]:
    """Returns the labels, as corpus_from_table reads them, of the rows that have both a text and a label."""
    labels = df[label_column].astype(str).str.strip().map(lambda label: unicodedata.normalize("NFC", label))
    return set(labels[(df[text_column].astype(str).str.strip() != "") & (labels != "")])


def load_csv_pair(path: str | os.PathLike, test_path: str | os.PathLike, text_column: str | None = None,
                  label_column: str | None = None, split_column: str | None = None, seed: int = 42,
                  max_classes: int = MAX_CLASSES) -> tuple[Corpus, TableReport]:
    """Returns the corpus and report of a training file and a separate test file with the same columns.

    Every usable row of the first file trains; the test file's rows are the test set, numbered by their own
    rows. The columns are guessed on the training file. A split column of the training file must not mark
    rows "test" (the test file holds them).
    """
    path, test_path = Path(path), Path(test_path)
    df, test_df = _read_file(path), _read_file(test_path)
    text_column, label_column, split_column = _guess_missing(df, text_column, label_column, split_column)
    _check_column(df, text_column, "texts")
    _check_column(df, label_column, "labels")
    missing = [c for c in (text_column, label_column) if c not in test_df.columns]
    if missing:
        raise BadTable(f'The test file {test_path.name} has no column "{missing[0]}"; it needs the same text and '
                       f'label columns as {path.name} ("{text_column}" and "{label_column}").')
    unknown = sorted(_labels_with_text(test_df, text_column, label_column)
                     - _labels_with_text(df, text_column, label_column))
    if unknown:
        names = ", ".join(f'"{name[:40]}"' for name in unknown[:MAX_LISTED])
        more = f" and {len(unknown) - MAX_LISTED} more" if len(unknown) > MAX_LISTED else ""
        raise BadTable(f"The test file {test_path.name} has {'a label' if len(unknown) == 1 else 'labels'} that "
                       f"{path.name} never uses ({names}{more}); the model can only learn the classes it is "
                       f"trained on, so correct or remove those rows.")
    if not _labels_with_text(test_df, text_column, label_column):
        raise BadTable(f'The test file {test_path.name} has no row with both a text and a label.')
    if split_column is None:
        which = pd.Series("train", index=df.index)
    else:
        _check_column(df, split_column, "train/test split")
        which = df[split_column].astype(str)
        if (which.str.strip().str.lower() == "test").any():
            raise BadTable(f'The column "{split_column}" of {path.name} marks rows "test", but the test rows come '
                           f"from {test_path.name}; give one or the other.")
    both = pd.concat([df[[text_column, label_column]].assign(**{_WHICH_FILE: which}),
                      test_df[[text_column, label_column]].assign(**{_WHICH_FILE: "test"})], ignore_index=True)
    corpus, report = corpus_from_table(both, text_column, label_column, _WHICH_FILE, seed=seed, name=path.name,
                                       max_classes=max_classes)
    train_rows, test_rows = corpus.file_rows
    corpus = replace(corpus, file_rows=(train_rows, test_rows - len(df)), file_ids=None,
                     description={**corpus.description, "split_column": split_column, "test_file": test_path.name})
    return corpus, replace(report, split_column=split_column, test_file=test_path.name)
