"""Tables as CSV files that are safe to open in a spreadsheet (OWASP's CSV injection advice), UTF-8 with a BOM."""

from __future__ import annotations

import csv

import pandas as pd

# A spreadsheet reads a cell starting with one of these as a formula (tab and carriage return too, as OWASP notes).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# What a download button's help says about the files written here.
SAFE_HELP = "Opens safely in Excel: accents kept, and no cell is ever read as a formula."


def safe_cell(value: object) -> object:
    """Returns `value`, with a text cell that a spreadsheet would read as a formula prefixed by a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Returns a copy of `table` whose text cells and column names are neutralised with ``safe_cell``."""
    out = table.copy()
    out.columns = [safe_cell(str(c)) for c in out.columns]
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            out.isetitem(i, column.map(safe_cell).astype(object))
    return out


def to_csv_bytes(table: pd.DataFrame, index: bool = False) -> bytes:
    """Returns `table` as spreadsheet-safe CSV bytes: formula cells neutralised, text quoted, UTF-8 with a BOM.

    Args:
        index: write the row labels as the first column (for tables such as a confusion matrix).
    """
    if index:
        table = table.reset_index()
    text = safe_frame(table).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    return (BOM + text).encode("utf-8")
