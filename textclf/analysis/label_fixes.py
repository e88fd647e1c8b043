"""Fixing an own file's labels: the decisions taken on the likely label errors, look-alike classes merged."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from textclf.data.corpus import Corpus
from textclf.data.own_files import TableReport, corpus_from_table, lookalike

KEEP, USE_SUGGESTED, DROP = "keep", "use suggested", "drop"
ACTIONS = (KEEP, USE_SUGGESTED, DROP)  # what can be done with each suspect row


@dataclass(frozen=True)
class FixSummary:
    """What ``apply_fixes`` changed."""

    relabelled: int  # rows given the suggested label
    dropped: int  # rows removed
    merged: dict[str, int] = field(default_factory=dict)  # {class merged into another: its rows}
    rows_after: int = 0

    @property
    def changed(self) -> bool:
        """Returns True when at least one row was relabelled, dropped or merged."""
        return bool(self.relabelled or self.dropped or sum(self.merged.values()))

    def sentence(self) -> str:
        """Returns one plain sentence, e.g. "2 rows relabelled, 1 row dropped, "techincal" (3 rows) merged ..."."""
        parts = []
        if self.relabelled:
            parts.append(f"{_rows(self.relabelled)} relabelled")
        if self.dropped:
            parts.append(f"{_rows(self.dropped)} dropped")
        parts += [f'"{old}" ({_rows(n)}) merged' for old, n in self.merged.items()]
        if not parts:
            return f"Nothing changed: the file keeps its {_rows(self.rows_after)}."
        text = f"{', '.join(parts)}; the corrected file has {_rows(self.rows_after)}."
        return text[0].upper() + text[1:]


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _label(value: object) -> str:
    # As own_files reads a label: spaces around it ignored, accents in one form.
    return unicodedata.normalize("NFC", str(value).strip())


def decisions_from_actions(rows: Sequence[int], suggested: Sequence[str], actions: Sequence[str]) -> dict[int, str | None]:
    """Returns {0-based data row: its new label, or None to drop it} for the rows not kept as they are.

    Args:
        rows: the data row of each suspect (0 = the first row under the header).
        suggested: the label the models suggest for each.
        actions: one of ACTIONS for each.
    """
    out: dict[int, str | None] = {}
    for row, label, action in zip(rows, suggested, actions):
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
        if action != KEEP:
            out[int(row)] = label if action == USE_SUGGESTED else None
    return out


def lookalike_merges(class_counts: Mapping[str, int]) -> dict[str, str]:
    """Returns {class: the larger class it looks like a misspelling of}, e.g. {"techincal": "technical"}.

    A class is merged only into one with more rows, by case, spaces or spelling (``own_files.lookalike``).
    """
    big_first = sorted(class_counts, key=lambda name: -class_counts[name])
    out = {}
    for name in big_first:
        bigger = [other for other in big_first if class_counts[other] > class_counts[name]]
        if (like := lookalike(name, bigger)) is not None:
            out[name] = out.get(like, like)  # a chain of look-alikes ends in the largest
    return out


def label_counts(frame: pd.DataFrame, label_column: str) -> dict[str, int]:
    """Returns {label: rows} of a file's label column, read as own files read labels (empty labels left out)."""
    labels = frame[label_column].map(_label)
    return {str(k): int(v) for k, v in labels[labels != ""].value_counts().items()}


def apply_fixes(frame: pd.DataFrame, label_column: str, decisions: Mapping[int, str | None],
                merges: Mapping[str, str]) -> tuple[pd.DataFrame, FixSummary]:
    """Returns the file with the decisions and merges applied (every original column kept) and what changed.

    Args:
        frame: the file as read (its rows in file order: position 0 is the first row under the header).
        label_column: the column of labels.
        decisions: {0-based data row: new label, or None to drop the row}; other rows keep their label.
        merges: {label: the label it becomes} for whole classes (spaces around a label ignored).
    """
    if label_column not in frame.columns:
        raise ValueError(f'There is no column called "{label_column}".')
    out = frame.reset_index(drop=True).copy()
    bad = [row for row in decisions if not 0 <= int(row) < len(out)]
    if bad:
        raise ValueError(f"Row {bad[0]} is not a data row of the file ({len(out):,} rows).")
    labels = out[label_column]
    relabelled = [int(r) for r, new in decisions.items() if new is not None and _label(labels[int(r)]) != _label(new)]
    if relabelled:  # labels of another type (numbers) become text only where something changes
        labels = labels.astype(object)
        for row in relabelled:
            labels[row] = decisions[row]
        out[label_column] = labels
    dropped = sorted(int(r) for r, new in decisions.items() if new is None)
    out = out.drop(index=dropped).reset_index(drop=True)
    normal, merged = out[label_column].map(_label), {}
    for old, new in merges.items():
        if _label(old) != _label(new) and (hit := normal == _label(old)).any():
            out[label_column] = out[label_column].astype(object).mask(hit, new)
            merged[_label(old)] = int(hit.sum())
    return out, FixSummary(relabelled=len(relabelled), dropped=len(dropped), merged=merged, rows_after=len(out))


def corrected_corpus(frame: pd.DataFrame, description: dict, drop_small: bool = False) -> tuple[Corpus, TableReport]:
    """Returns the corrected file read as the original was: same columns, split and test share (raises BadTable).

    Args:
        description: the original corpus's description (its columns, test share and file name).
        drop_small: leave out classes too small to use, as the original was read.
    """
    split = description.get("split_column")
    share = float(description.get("test_share", 0.2)) if split is None else 0.2
    name = str(description.get("name", "your data"))
    corrected = name if name.startswith("corrected ") else f"corrected {name}"
    return corpus_from_table(frame, description["text_column"], description["label_column"], split, share,
                             name=corrected, drop_small=drop_small)


def before_after(before: float | None, after: float) -> str:
    """Returns one plain sentence comparing the test accuracy before and after the fixes."""
    if before is None:
        return (f"The model trained on the corrected file scores {after:.1%} test accuracy (there was no finished "
                f"run on the original file to compare with).")
    change = after - before
    how = ("the same as" if abs(change) < 0.0005 else
           f"{abs(change):.1%} {'higher' if change > 0 else 'lower'} than")
    return (f"Before the fixes: {before:.1%} test accuracy. After: {after:.1%}, {how} before. Each is measured on "
            f"its own file's test rows, and a test row whose wrong label was fixed now counts right.")
