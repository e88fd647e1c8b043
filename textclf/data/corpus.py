"""A labelled corpus split into train and test, whatever its source, and how pages name its parts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from textclf.markdown_text import plain

# A spreadsheet numbers the header row 1, so the first row under it is 2 (as Excel, LibreOffice and Sheets show it).
FIRST_DATA_ROW = 2


class BadDataChoice(ValueError):
    """The user asked for data that does not exist (unknown category, fewer than two classes)."""


def newsgroups_choice(description: dict) -> tuple[list[str], bool] | None:
    """Returns (sorted categories, headers removed) of a newsgroups corpus's description; None for other data."""
    if description.get("source") != "20newsgroups":
        return None
    return sorted(description.get("categories", [])), bool(description.get("remove_metadata"))


@dataclass(frozen=True)
class Corpus:
    """Labelled texts split into train and test; labels index ``class_names``."""

    train_texts: list[str]
    train_labels: np.ndarray  # [n_train] int
    test_texts: list[str]
    test_labels: np.ndarray  # [n_test] int
    class_names: tuple[str, ...]
    description: dict = field(default_factory=dict)
    # own files: the 0-based data row (0 = first row under the header) of each (train, test) text; shown to
    # people as ``sheet_rows()``
    file_rows: tuple[np.ndarray, np.ndarray] | None = None
    # own files with an ID column: (its name, its value on each data row of the file, indexed like file_rows)
    file_ids: tuple[str, np.ndarray] | None = None
    # own files whose split column marks validation rows: their positions in train_texts (sorted). Training
    # chooses its epochs on them instead of holding back a share of the training texts.
    validation: np.ndarray | None = None

    @property
    def n_classes(self) -> int:
        """Returns the number of classes."""
        return len(self.class_names)

    def fingerprint(self) -> str:
        """Returns a digest of the texts, labels and classes (stored in the description when already known)."""
        if "fingerprint" in self.description:
            return self.description["fingerprint"]
        return content_fingerprint(self.train_texts, self.train_labels, self.test_texts, self.test_labels,
                                   self.class_names, self.validation)

    def same_data(self, other: "Corpus | None") -> bool:
        """Returns True when `other` holds the same texts and labels (cheap: by choice or stored fingerprint)."""
        if other is None:
            return False
        if self is other:
            return True
        mine, theirs = newsgroups_choice(self.description), newsgroups_choice(other.description)
        if mine is not None and theirs is not None:
            return mine == theirs
        return self.fingerprint() == other.fingerprint()

    def described_by(self, description: dict) -> bool:
        """Returns True when `description` (e.g. a model's ``info["data"]``) names this corpus's texts and labels."""
        mine, theirs = newsgroups_choice(self.description), newsgroups_choice(description or {})
        if mine is not None or theirs is not None:
            return mine == theirs
        if "fingerprint" in (description or {}):
            return description["fingerprint"] == self.fingerprint()
        return bool(description) and dict(description) == dict(self.description)

    def sheet_rows(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Returns the row number a spreadsheet shows for each (train, test) text of an own file; None otherwise."""
        if self.file_rows is None:
            return None
        return tuple(sheet_row(rows) for rows in self.file_rows)

    def class_counts(self) -> dict[str, tuple[int, int]]:
        """Returns {class name: (train count, test count)}."""
        tr = np.bincount(self.train_labels, minlength=self.n_classes)
        te = np.bincount(self.test_labels, minlength=self.n_classes)
        return {name: (int(tr[i]), int(te[i])) for i, name in enumerate(self.class_names)}



def sheet_row(file_rows: np.ndarray) -> np.ndarray:
    """Returns the row numbers a spreadsheet shows for 0-based data rows (the header is row 1, so data starts at 2)."""
    return np.asarray(file_rows) + FIRST_DATA_ROW


def content_fingerprint(train_texts: Sequence[str], train_labels: np.ndarray, test_texts: Sequence[str],
                        test_labels: np.ndarray, class_names: Sequence[str],
                        validation: np.ndarray | None = None) -> str:
    """Returns a sha256 digest identifying a labelled split, and its given validation rows (for caches keyed by
    content)."""
    digest = hashlib.sha256()
    for part in (train_texts, test_texts, class_names):
        for text in part:
            digest.update(text.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        digest.update(b"\1")
    digest.update(np.asarray(train_labels, dtype=np.int64).tobytes())
    digest.update(np.asarray(test_labels, dtype=np.int64).tobytes())
    if validation is not None:  # absent, the digest is what it was before validation rows could be given
        digest.update(b"validation")
        digest.update(np.asarray(validation, dtype=np.int64).tobytes())
    return digest.hexdigest()


def describe(description: dict) -> str:
    """Returns a short description of a corpus from its `description` (newsgroups or an uploaded file)."""
    if description.get("source") == "20newsgroups":
        cats = list(description.get("categories", []))
        names = ", ".join(cats) if len(cats) <= 3 else f"{len(cats)} newsgroups"
        return names + (" (headers, signatures and quotes removed)" if description.get("remove_metadata") else "")
    return str(description.get("name") or description.get("source") or "unknown data")


@dataclass(frozen=True)
class Nouns:
    """How the pages name one text, many texts, one class and many classes of a corpus."""

    text: str
    texts: str
    cls: str
    classes: str


def nouns(description: dict) -> Nouns:
    """Returns the words for a corpus: posts and topics for the newsgroups, texts and classes otherwise."""
    if description.get("source") == "20newsgroups":
        return Nouns("post", "posts", "topic", "topics")
    return Nouns("text", "texts", "class", "classes")


def post_title(text: str, width: int = 80) -> str:
    """Returns a one-line title for a post: its Subject header if it has one, else its first line, shortened."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    subject = next((line[8:].strip() for line in lines[:30] if line.lower().startswith("subject:")), "")
    title = subject or (lines[0] if lines else "(empty)")
    if len(title) > width:
        title = title[:width].rsplit(" ", 1)[0] + " …"
    return title


def origin_of_test_text(corpus: Corpus, i: int, true_class: str) -> str:
    """Returns a markdown line saying where test text `i` came from (its file row, for own files) and its class."""
    w = nouns(corpus.description)
    rows = corpus.sheet_rows()
    where = f" (row {rows[1][i]} of your file)" if rows is not None else ""
    return f"A test {w.text}{where} whose true {w.cls} is **{plain(true_class)}**."
