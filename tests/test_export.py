"""Spreadsheet-safe CSV: formula cells neutralised (OWASP), UTF-8 with BOM, accents and numbers round-trip."""

import csv
import io

import numpy as np
import pandas as pd
import pytest

from textclf.store.export import BOM, FORMULA_STARTS, safe_cell, to_csv_bytes


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_dangerous_start_is_prefixed(start):
    cell = start + 'HYPERLINK("http://evil.example","click")'
    table = pd.DataFrame({"text": [cell, "fine"], start + "name": ["a", "b"]})
    rows = list(csv.reader(io.StringIO(to_csv_bytes(table).decode("utf-8-sig"), newline="")))
    assert rows[0] == ["text", "'" + start + "name"]
    assert rows[1][0] == "'" + cell and rows[2][0] == "fine"
    assert not any(value.startswith(FORMULA_STARTS) for row in rows for value in row)


def test_the_exact_owasp_set():
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}
    assert safe_cell("a=b") == "a=b" and safe_cell(" =1") == " =1" and safe_cell("'=1") == "'=1"
    assert safe_cell(-3.5) == -3.5 and safe_cell(None) is None


def test_bom_accents_and_numbers_round_trip():
    table = pd.DataFrame({"texte": ["Crème brûlée à Zürich", "naïve café", "日本語"],
                          "probability": [0.25, 1.0, np.nan], "count": [1, 2, 3]})
    raw = to_csv_bytes(table)
    assert raw.startswith(BOM.encode("utf-8")) and raw.count(BOM.encode("utf-8")) == 1
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert list(back.columns) == ["texte", "probability", "count"]
    assert back["texte"].tolist() == table["texte"].tolist()
    assert back["count"].tolist() == [1, 2, 3] and back["probability"][0] == 0.25
    assert b"\r\n" in raw  # the line ending Excel expects


def test_negative_numbers_stay_numbers_but_negative_text_is_neutralised():
    table = pd.DataFrame({"delta": [-0.5], "note": ["-1+2"]})
    text = to_csv_bytes(table).decode("utf-8-sig")
    assert "-0.5" in text and "\"'-1+2\"" in text


def test_index_is_written_when_asked():
    matrix = pd.DataFrame([[3, 1], [0, 4]], index=pd.Index(["=a", "b"], name="true class"), columns=["=a", "b"])
    rows = list(csv.reader(io.StringIO(to_csv_bytes(matrix, index=True).decode("utf-8-sig"))))
    assert rows[0] == ["true class", "'=a", "b"] and rows[1][:2] == ["'=a", "3"]
