"""Your own data: hostile CSV/TSV files are read or refused in one sentence, and tables become corpora."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from textclf.data import own_files
from textclf.data.own_files import (MAX_CLASSES, BadTable, TableReport, corpus_from_table, guess_columns, load_csv,
                             read_table, unused_split_column)

TEAMS = {
    "billing": ["invoice", "refund", "charge", "payment", "receipt"],
    "network": ["router", "wifi", "latency", "vpn", "firewall"],
    "printers": ["toner", "paper", "jam", "cartridge", "duplex"],
}


def ticket_table(n_per_team: int = 20, seed: int = 0) -> pd.DataFrame:
    """Returns a support-ticket table (id, created, text, team), each team with its own words."""
    rng = np.random.default_rng(seed)
    rows = []
    for team, words in TEAMS.items():
        for _ in range(n_per_team):
            text = f"Hello, my {' and '.join(rng.choice(words, 3))} stopped working since the update. Please help!"
            rows.append({"id": str(len(rows) + 1), "created": f"2024-03-{len(rows) % 28 + 1:02d}",
                         "text": text, "team": team})
    return pd.DataFrame(rows)


def one_sentence(err: pytest.ExceptionInfo) -> str:
    """Returns the message, after checking it is one line ending with a full stop and holds no traceback."""
    message = str(err.value)
    assert "\n" not in message and message.endswith(".") and "Traceback" not in message, message
    return message


# Reading files


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_file_is_refused(data):
    with pytest.raises(BadTable) as err:
        read_table(data, "empty.csv")
    assert "empty" in one_sentence(err)


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tickets.csv", "text,team\nprinter jammed,printers\n" * 50)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + np.random.default_rng(1).bytes(4000),
    b"\x89PNG\r\n\x1a\n" + np.random.default_rng(2).bytes(4000).replace(b"\x00", b"x"),  # no NUL byte to spot
    _zip_bytes(),
], ids=["png", "png-without-nul", "zip"])
def test_binary_file_is_refused(data):
    with pytest.raises(BadTable) as err:
        read_table(data, "upload.csv")
    assert "not text" in one_sentence(err)


def test_cp1252_file_with_accents_and_smart_quotes():
    data = "text,label\n“Café” au lait – très bon,drink\nplain tea,drink\n".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test would prove nothing if this were valid UTF-8
    df = read_table(data, "drinks.csv")
    assert df["text"].tolist() == ["“Café” au lait – très bon", "plain tea"]


def test_utf8_with_bom_keeps_the_first_column_name():
    df = read_table("text,label\nnaïve café,fr\n".encode("utf-8-sig"), "bom.csv")
    assert list(df.columns) == ["text", "label"]
    assert df["text"].tolist() == ["naïve café"]


def test_quotes_and_newlines_inside_fields_survive():
    text = 'First line, with a comma\nsecond line says "hello"\n\nand a blank line above'
    quoted = '"' + text.replace('"', '""') + '"'
    df = read_table(f"text,label\n{quoted},greeting\nshort one,other\n".encode(), "q.csv")
    assert df["text"].tolist() == [text, "short one"]
    assert df["label"].tolist() == ["greeting", "other"]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_delimiter_is_sniffed(delimiter):
    # commas in the texts must not win over the real delimiter
    rows = [f"text{delimiter}label"] + [f"hello, world, again, {i}{delimiter}{'ab'[i % 2]}" for i in range(20)]
    df = read_table("\n".join(rows).encode(), "data.txt")
    assert list(df.columns) == ["text", "label"] and len(df) == 20
    assert df["text"][3] == "hello, world, again, 3"


def test_apostrophes_are_not_taken_for_quotes():
    rows = ["text,label"] + [f"\"don't, it's 'broken' again {i}\",{'ab'[i % 2]}" for i in range(10)]
    rows += ["it's 'fine' now,a", "'single quotes',b"]
    df = read_table("\n".join(rows).encode())
    assert df["text"][0] == "don't, it's 'broken' again 0"
    assert df["text"].tolist()[-2:] == ["it's 'fine' now", "'single quotes'"]


def test_everything_is_read_as_strings():
    df = read_table(b"text,label,score\nNA,1,007\nnull,2,\n")
    assert df.to_dict("list") == {"text": ["NA", "null"], "label": ["1", "2"], "score": ["007", ""]}


@pytest.mark.parametrize("data, says", [
    (b"just one column\nhello\nthere\n", "two columns"),
    (b"text,label\n", "no rows"),
    (b"I love it,positive\nawful,negative\nfine,positive\n", "no header"),
    (b"text,label\nfine,a\none,two,three\n", "3 fields"),
    (b"text,label\nfine,a\n\"never closed,b\nmore,c\n", "never closed"),
    (b"text, text,label\nfine,a,b\n", '"text" appears twice'),
])
def test_malformed_tables_are_refused_in_one_sentence(data, says):
    with pytest.raises(BadTable) as err:
        read_table(data)
    assert says in one_sentence(err)


def test_too_large_file_names_the_limit(monkeypatch, tmp_path):
    monkeypatch.setattr(own_files, "MAX_BYTES", 1024 * 1024)
    data = b"text,label\n" + b"some words here,a\n" * 70_000  # about 1.2 MB
    with pytest.raises(BadTable) as err:
        read_table(data)
    assert "1 MB" in one_sentence(err)
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    with pytest.raises(BadTable) as err:
        load_csv(path)
    assert "1 MB" in one_sentence(err)


def test_the_real_size_limit_is_50_mb():
    assert own_files.MAX_BYTES == 50 * 1024 * 1024 and "50 MB" in own_files._size(own_files.MAX_BYTES)


def test_too_many_rows_names_the_limit(monkeypatch):
    monkeypatch.setattr(own_files, "MAX_ROWS", 100)
    assert len(read_table(b"text,label\n" + b"x,a\n" * 100)) == 100
    with pytest.raises(BadTable) as err:
        read_table(b"text,label\n" + b"x,a\n" * 101)
    assert "100 rows" in one_sentence(err)


# Guessing columns


def test_guess_columns_on_support_tickets():
    assert guess_columns(ticket_table()) == ("text", "team", None)


def test_guess_columns_without_telling_names():
    df = pd.DataFrame({"ref": [str(i) for i in range(6)],
                       "words": ["a long sentence about billing problems"] * 3 + ["another long sentence here"] * 3,
                       "kind": ["x", "y"] * 3})
    assert guess_columns(df) == ("words", "kind", None)


def test_guess_columns_accepts_columns_that_are_not_strings():
    df = pd.DataFrame({"n": [1, 2, 3, 4], "review": ["good stuff here", "bad", "fine, really", "meh"],
                       "stars": [1, 5, 1, 5]})
    assert guess_columns(df) == ("review", "stars", None)


def test_guess_columns_finds_a_split_column():
    df = ticket_table()
    df["Split"] = ["Train", "test ", "train", "train", "TEST"] * (len(df) // 5)
    assert guess_columns(df) == ("text", "team", "Split")
    df["Split"] = ["train", "validation", "test"] * (len(df) // 3)
    assert guess_columns(df)[2] == "Split"
    df["Split"] = ["train", "holdout", "test"] * (len(df) // 3)  # only train/validation/test are understood
    assert guess_columns(df)[2] is None


# Building the corpus


def test_stratified_split_keeps_every_class_in_both_parts():
    corpus, report = corpus_from_table(ticket_table(), "text", "team", name="tickets")
    assert corpus.class_names == ("billing", "network", "printers")
    assert corpus.train_labels.dtype == np.int32 and corpus.test_labels.dtype == np.int32
    assert report.class_counts == corpus.class_counts() == {team: (16, 4) for team in TEAMS}
    assert len(corpus.train_texts) == 48 and len(corpus.test_texts) == 12
    for texts, labels in ((corpus.train_texts, corpus.train_labels), (corpus.test_texts, corpus.test_labels)):
        for text, label in zip(texts, labels):
            assert any(word in text for word in TEAMS[corpus.class_names[label]])
    described = dict(corpus.description)
    assert len(described.pop("fingerprint")) == 64
    assert described == {"source": "csv", "name": "tickets", "text_column": "text",
                         "label_column": "team", "split_column": None, "test_share": 0.2,
                         "rows_dropped": 0, "rows_used": 60}
    assert report.summary() == "Using 60 rows in 3 classes (48 for training, 12 for testing)."


def test_same_seed_same_split_other_seed_other_split():
    df = ticket_table()
    first, _ = corpus_from_table(df, "text", "team", seed=7)
    again, _ = corpus_from_table(df, "text", "team", seed=7)
    other, _ = corpus_from_table(df, "text", "team", seed=8)
    assert first.test_texts == again.test_texts and np.array_equal(first.test_labels, again.test_labels)
    assert first.test_texts != other.test_texts


def test_empty_text_or_label_rows_are_dropped_and_counted():
    df = ticket_table()
    df.loc[0, "text"] = "   "
    df.loc[1, "team"] = ""
    df.loc[2, "text"] = ""
    df.loc[3, "team"] = " billing "  # surrounding spaces do not make a new class
    corpus, report = corpus_from_table(df, "text", "team")
    assert report.rows_read == 60 and report.rows_dropped_empty == 3 and report.rows_dropped_split == 0
    assert corpus.description["rows_dropped"] == 3 and corpus.description["rows_used"] == 57
    assert corpus.class_names == ("billing", "network", "printers")
    assert report.summary().endswith("; dropped 3 rows with empty text or label.")


def test_an_existing_split_column_is_used(tmp_path):
    df = ticket_table()
    df["split"] = (["train"] * 15 + ["TEST"] * 4 + ["holdout"]) * 3
    corpus, report = corpus_from_table(df, "text", "team", "split")
    assert report.class_counts == {team: (15, 4) for team in TEAMS}
    assert report.rows_dropped_split == 3 and corpus.description["rows_dropped"] == 3
    assert corpus.train_texts == df["text"][df["split"] == "train"].tolist()  # the file's order, not shuffled
    assert corpus.description["split_column"] == "split" and corpus.description["test_share"] == 0.2105
    assert "3 rows marked neither train, validation nor test" in report.summary()
    path = tmp_path / "tickets.csv"
    df[df["split"] != "holdout"].to_csv(path, index=False)
    guessed, report = load_csv(path)  # a column of only train and test values is guessed too
    assert guessed.test_texts == corpus.test_texts and report.split_column == "split"


@pytest.mark.parametrize("split, says", [
    (["train"] * 60, 'No usable rows are marked "test"'),
    (["test"] * 60, 'No usable rows are marked "train"'),
    (["train"] * 40 + ["test"] * 20, 'The class "printers" has no rows marked "train"'),
])
def test_a_split_column_must_leave_both_parts_and_every_class_in_train(split, says):
    df = ticket_table().assign(split=split)
    with pytest.raises(BadTable) as err:
        corpus_from_table(df, "text", "team", "split")
    assert says in one_sentence(err)


def test_one_class_is_refused():
    df = ticket_table().assign(team="billing")
    with pytest.raises(BadTable) as err:
        corpus_from_table(df, "text", "team")
    assert 'only one class ("billing")' in one_sentence(err)


def test_a_class_with_one_example_is_refused_by_name():
    df = pd.concat([ticket_table(), pd.DataFrame([{"id": "99", "created": "", "text": "my chair squeaks",
                                                   "team": "furniture"}])], ignore_index=True)
    with pytest.raises(BadTable) as err:
        corpus_from_table(df, "text", "team")
    message = one_sentence(err)
    assert '"furniture" has only 1 example' in message


def test_a_class_too_small_for_the_test_share_is_refused_by_name():
    df = ticket_table().iloc[:44]  # printers keeps 4 tickets: 20% of 4 rounds down to none for testing
    with pytest.raises(BadTable) as err:
        corpus_from_table(df, "text", "team", test_share=0.2)
    assert '"printers" has only 4 examples' in one_sentence(err) and "at least 5" in str(err.value)
    corpus, _ = corpus_from_table(df, "text", "team", test_share=0.25)
    assert corpus.class_counts()["printers"] == (3, 1)


def test_ten_thousand_classes_are_refused_with_the_limit():
    df = pd.DataFrame({"text": [f"text number {i}" for i in range(10_000)],
                       "label": [f"class {i}" for i in range(10_000)]})
    with pytest.raises(BadTable) as err:
        corpus_from_table(df, "text", "label")
    message = one_sentence(err)
    assert f"at most {MAX_CLASSES} classes" in message and "10,000" in message and MAX_CLASSES == 50


@pytest.mark.parametrize("share", [0.05, 0.5, 0.0, 0.9, -1, float("nan")])
def test_test_share_outside_the_range_is_refused(share):
    with pytest.raises(BadTable) as err:
        corpus_from_table(ticket_table(), "text", "team", test_share=share)
    assert "between 5% and 50%" in one_sentence(err)


@pytest.mark.parametrize("columns, says", [
    (("body", "team"), ['no column called "body"', '"id", "created", "text", "team"']),
    (("text", "teams"), ['no column called "teams"', '"id", "created", "text", "team"']),
    (("text", "text"), ["two different columns"]),
    (("text", "team", "fold"), ['no column called "fold"']),
])
def test_bad_column_choices_are_refused(columns, says):
    with pytest.raises(BadTable) as err:
        corpus_from_table(ticket_table(), *columns)
    message = one_sentence(err)
    assert all(part in message for part in says), message


def test_load_csv_guesses_and_names_the_file(tmp_path):
    path = tmp_path / "tickets.tsv"
    ticket_table().to_csv(path, sep="\t", index=False)
    corpus, report = load_csv(path)
    assert corpus.class_names == tuple(TEAMS)
    assert corpus.description["name"] == "tickets.tsv" and corpus.description["text_column"] == "text"
    assert isinstance(report, TableReport) and report.n_classes == 3


def test_load_csv_refuses_a_missing_file(tmp_path):
    with pytest.raises(BadTable) as err:
        load_csv(tmp_path / "nope.csv")
    assert "no file" in one_sentence(err)


def test_corpus_carries_a_content_fingerprint():
    rows = "text,label\n" + "".join(f"apple pie {i},a\nengine oil {i},b\n" for i in range(10))
    table = read_table(rows.encode())
    first, _ = corpus_from_table(table, "text", "label", seed=1)
    again, _ = corpus_from_table(table, "text", "label", seed=1)
    other, _ = corpus_from_table(table, "text", "label", seed=2)
    assert first.fingerprint() == again.fingerprint() == first.description["fingerprint"]
    assert other.fingerprint() != first.fingerprint()  # a different split is different data
    recomputed = type(first)(first.train_texts, first.train_labels, first.test_texts, first.test_labels,
                             first.class_names)
    assert recomputed.fingerprint() == first.fingerprint()


def misspelled_table() -> pd.DataFrame:
    """Returns the ticket table with three stray labels: a case variant, a misspelling and a real rare class."""
    extra = [("my laptop toner jam again", "Printers"), ("the router wifi is down", "netwrok"),
             ("the vpn drops every hour", "netwrok"), ("my chair squeaks", "furniture")]
    return pd.concat([ticket_table(), pd.DataFrame([{"id": "", "created": "", "text": t, "team": team}
                                                    for t, team in extra])], ignore_index=True)


def test_every_class_too_small_is_named_with_its_count_and_the_label_it_looks_like():
    """A file was refused naming only "Technical" although "techincal" was just as rare."""
    with pytest.raises(own_files.TooFewExamples) as err:
        corpus_from_table(misspelled_table(), "text", "team")
    message = one_sentence(err)
    assert '3 classes are too small' in message
    assert '"Printers" has only 1 example (it looks like "printers")' in message
    assert '"netwrok" has only 2 examples (it looks like "network")' in message
    assert '"furniture" has only 1 example,' in message  # like nothing: no guess
    assert "at least 5" in message and "Correct these labels in the file, or remove their rows." in message
    assert err.value.small == {"Printers": 1, "furniture": 1, "netwrok": 2} and err.value.rows == 4


@pytest.mark.parametrize("label, others, like", [
    ("Technical", ["technical", "billing"], "technical"),
    (" tech nical", ["billing", "technical"], "technical"),
    ("techincal", ["billing", "technical"], "technical"),
    ("techincal", ["Technical", "technical"], "Technical"),  # the first listed (the biggest) wins
    ("furniture", ["billing", "technical"], None),
    ("billing", ["billing"], None),  # never itself
])
def test_lookalike(label, others, like):
    assert own_files.lookalike(label, others) == like


def test_the_rows_of_classes_too_small_can_be_left_out():
    table = misspelled_table()
    corpus, report = corpus_from_table(table, "text", "team", drop_small=True)
    assert corpus.class_names == tuple(TEAMS) and report.rows_used == 60
    assert report.classes_dropped == {"Printers": 1, "furniture": 1, "netwrok": 2}
    assert 'dropped 4 rows of classes too small to use ("Printers", "furniture", "netwrok")' in report.summary()
    assert corpus.description["rows_dropped"] == 4
    train_rows, test_rows = corpus.file_rows
    assert [table["text"][r] for r in test_rows] == corpus.test_texts  # rows still point into the file
    with pytest.raises(BadTable, match="after dropping rows of classes too small to use"):
        corpus_from_table(table[table["team"].isin(["billing", "furniture"])], "text", "team", drop_small=True)


@pytest.mark.parametrize("header", ["text,label,label", "label,text,label", '"label",text,"label"', "text;label;label"])
def test_a_column_name_written_twice_is_refused_though_pandas_renames_it(header):
    sep = ";" if ";" in header else ","
    rows = "\n".join(sep.join([f"my printer jams again {i}", "ab"[i % 2], "ab"[i % 2]]) for i in range(10))
    with pytest.raises(BadTable, match='"label" appears twice'):
        read_table(f"{header}\n{rows}\n".encode())


def test_an_empty_text_column_is_still_guessed_as_the_texts_and_refused_plainly():
    table = pd.DataFrame({"text": [""] * 6, "label": ["a", "b"] * 3})
    assert guess_columns(table)[:2] == ("text", "label")
    with pytest.raises(BadTable, match='The column "text" has no text in any row'):
        corpus_from_table(table, "text", "label")


def test_labels_written_two_ways_in_unicode_are_one_class():
    import unicodedata

    table = ticket_table()
    nfd = unicodedata.normalize("NFD", "café")
    table["team"] = ["café" if i % 2 else nfd for i in range(len(table) // 2)] + ["thé"] * (len(table) - len(table) // 2)
    corpus, _ = corpus_from_table(table, "text", "team")
    assert corpus.class_names == ("café", "thé")
    assert all(unicodedata.is_normalized("NFC", name) for name in corpus.class_names)


def test_class_names_too_long_to_save_are_refused_when_the_file_is_read():
    from textclf.limits import MAX_NAME_CHARS

    table = ticket_table()
    table.loc[table["team"] == "billing", "team"] = "b" * 1500
    with pytest.raises(BadTable, match=f"1,500 characters long.*at most {MAX_NAME_CHARS} characters"):
        corpus_from_table(table, "text", "team")
    table["team"] = ["x" * MAX_NAME_CHARS, "y"] * (len(table) // 2)
    corpus, _ = corpus_from_table(table, "text", "team")  # at the limit is fine
    assert len(corpus.class_names[0]) == MAX_NAME_CHARS


def test_a_separate_test_file_keeps_its_own_row_numbers(tmp_path):
    from textclf.data.own_files import load_csv_pair

    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    train.write_text("text,label\n" + "".join(f"apple pie {i},fruit\ncar wheel {i},cars\n" for i in range(6)),
                     encoding="utf-8")
    test.write_text("label,text,note\ncars,,empty\nfruit,apple tart,x\ncars,wheel nut,y\n", encoding="utf-8")
    corpus, report = load_csv_pair(train, test)
    assert len(corpus.train_texts) == 12 and corpus.test_texts == ["apple tart", "wheel nut"]
    assert corpus.file_rows[1].tolist() == [1, 2]  # the test file's own data rows (its row 0 has no text)
    assert corpus.sheet_rows()[0].tolist() == list(range(2, 14))
    assert corpus.description["test_file"] == "test.csv" and corpus.description["split_column"] is None
    assert "from test.csv" in report.summary()
    marked = tmp_path / "marked.csv"
    marked.write_text("text,label,split\n" + "".join(f"apple {i},fruit,{s}\ncar {i},cars,{s}\n"
                                                      for i, s in enumerate(["train"] * 4 + ["test"] * 2)),
                      encoding="utf-8")
    with pytest.raises(BadTable, match='marks rows "test", but the test rows come from test.csv'):
        load_csv_pair(marked, test)


def _three_part_table(name="split"):
    df = ticket_table()
    parts = np.array(["train"] * len(df), dtype=object)
    parts[::5] = "Validation "  # case and spaces ignored
    parts[1::5] = "test"
    parts[2::10] = "dev"
    return df.assign(**{name: parts})


@pytest.mark.parametrize("name", ["split", "Set", "subset", "fold"])
def test_a_split_column_with_validation_rows_is_guessed(name):
    _, _, split = guess_columns(_three_part_table(name))
    assert split == name


def test_validation_rows_join_training_and_are_marked():
    df = _three_part_table()
    corpus, report = corpus_from_table(df, "text", "team", "split")
    parts = df["split"].str.strip().str.lower().map({"train": "train", "validation": "validation", "dev": "validation",
                                                      "test": "test"})
    assert len(corpus.test_texts) == (parts == "test").sum() and report.rows_dropped_split == 0
    assert len(corpus.train_texts) == (parts != "test").sum()
    train_rows = corpus.file_rows[0]
    assert parts.iloc[train_rows[corpus.validation]].eq("validation").all()
    assert len(corpus.validation) == (parts == "validation").sum() == report.n_validation
    assert f"{report.n_validation} of them for validation" in report.summary()
    plain, _ = corpus_from_table(df.assign(split=parts.replace("validation", "train")), "text", "team", "split")
    assert plain.validation is None and plain.fingerprint() != corpus.fingerprint()


def test_other_split_values_are_not_guessed():
    df = _three_part_table()
    df.loc[3, "split"] = "holdout"
    assert guess_columns(df)[2] is None


def test_a_split_column_saying_training_and_tests_is_used(tmp_path):
    """"Train ", "tests" and blanks were ignored without a word, and a random split used instead."""
    df = ticket_table()
    df["split"] = (["Train "] * 14 + ["tests"] * 4 + ["", "TESTING"]) * 3
    path = tmp_path / "tickets.csv"
    df.to_csv(path, index=False)
    corpus, report = load_csv(path)
    assert report.split_column == "split" and report.class_counts == {team: (14, 5) for team in TEAMS}
    assert "3 rows marked neither train, validation nor test" in report.summary()  # the blanks, said


def test_a_column_named_split_that_cannot_split_is_named_in_the_summary(tmp_path):
    df = ticket_table()
    df["split"] = (["A"] * 15 + ["B"] * 5) * 3
    path = tmp_path / "tickets.csv"
    df.to_csv(path, index=False)
    corpus, report = load_csv(path)
    assert report.split_column is None and corpus.description.get("split_column") is None
    assert 'The column "split" was not used to split the rows (it also holds "a", "b")' in report.summary()
    assert unused_split_column(df.assign(split=["train"] * 60), ("text", "team")).count("not both train and test")


def test_rows_dropped_for_their_split_value_name_at_most_four_values():
    df = ticket_table()
    df["split"] = (["train"] * 12 + ["test"] * 2 + ["x1", "x2", "x3", "x4", "x5", "x6"]) * 3
    _, report = corpus_from_table(df, "text", "team", "split")
    assert report.summary().endswith('dropped 18 rows marked neither train, validation nor test '
                                     '("x1", "x2", "x3", "x4", ...).')
